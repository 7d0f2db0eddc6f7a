package model

// Unfired lists the rules of the system's table that fire for no endpoint
// and event in a grid of small cases: every state and control-bit
// combination, sequence and acknowledgment numbers around the endpoint's
// variables, with and without data, and every call and timer. A rule
// missing from every case can never fire: its guard is unsatisfiable or
// earlier rules always take its cases.
func (m *System) Unfired() []string {
	fired := make([]bool, len(m.table.rules))
	x := m.newExpander(false)
	n := m.cfg.SeqSpace
	at := func(v int) uint8 { return uint8(mod(v, n)) }
	const iss, irs = 5, 20
	var eps []Endpoint
	for _, una := range []int{0, 1, 2} {
		for _, nxt := range []int{1, 2, 3} {
			if nxt < una {
				continue
			}
			for _, rcv := range []int{1, 2} {
				for _, retries := range []uint8{0, uint8(m.cfg.RetryLimit)} {
					for _, flags := range []uint8{0, flagPassive} {
						eps = append(eps, Endpoint{ISS: at(iss), IRS: at(irs), SndUna: at(iss + una), SndNxt: at(iss + nxt),
							RcvNxt: at(irs + rcv), Retries: retries, Flags: flags, Inc: 1, PeerInc: 1, Opens: 1})
					}
				}
			}
		}
	}
	var segs []Segment
	for ctl := uint8(0); ctl < 16; ctl++ {
		for _, seq := range []int{irs - 1, irs, irs + 1, irs + 2, irs + 3, irs + 7, irs + n/2} {
			for _, ack := range []int{iss, iss + 1, iss + 2, iss + 3, iss + 4, iss - 3} {
				for _, data := range []bool{false, true} {
					segs = append(segs, NewSegment(ctl, at(seq), at(ack), data, 1, 0))
				}
			}
		}
	}
	note := func(o *outcome) {
		for i := uint8(0); i < o.nRules; i++ {
			fired[o.rules[i]] = true
		}
	}
	for st := TCPState(0); st < numStates; st++ {
		for _, ep := range eps {
			ep.State = st
			s := State{}
			s.Ends[A] = ep
			s.Ends[B] = Endpoint{Inc: 1, Opens: 1}
			for ev := Event(0); ev < numEvents; ev++ {
				if ev == SegmentArrives {
					for _, seg := range segs {
						for _, r := range x.outcomes(&s, A, ev, seg) {
							note(&r.o)
						}
					}
					continue
				}
				for _, r := range x.outcomes(&s, A, ev, 0) {
					note(&r.o)
				}
			}
		}
	}
	m.fireAtEveryNumber(x, fired, note)
	var out []string
	for i, f := range fired {
		if !f {
			out = append(out, m.table.rules[i].Name)
		}
	}
	return out
}

// fireAtEveryNumber tries the rules the grid did not fire with the ISS and
// the IRS at every value of the sequence space, so that a guard on real
// values (IRS == 16) is not taken for one that cannot hold. It is run only
// for those rules, in their own states and event, on a smaller grid.
func (m *System) fireAtEveryNumber(x *expander, fired []bool, note func(*outcome)) {
	n := m.cfg.SeqSpace
	at := func(v int) uint8 { return uint8(mod(v, n)) }
	for i, r := range m.table.rules {
		if fired[i] {
			continue
		}
		for st := TCPState(0); st < numStates && !fired[i]; st++ {
			if !r.appliesIn(st) {
				continue
			}
			for iss := 0; iss < n && !fired[i]; iss++ {
				for irs := 0; irs < n && !fired[i]; irs++ {
					for _, flags := range []uint8{0, flagPassive} {
						s := State{}
						s.Ends[A] = Endpoint{State: st, ISS: at(iss), IRS: at(irs), SndUna: at(iss + 1), SndNxt: at(iss + 1),
							RcvNxt: at(irs + 1), Flags: flags, Inc: 1, PeerInc: 1, Opens: 1}
						s.Ends[B] = Endpoint{Inc: 1, Opens: 1}
						if r.event != SegmentArrives {
							for _, o := range x.outcomes(&s, A, r.event, 0) {
								note(&o.o)
							}
							continue
						}
						for ctl := uint8(0); ctl < 16; ctl++ {
							for _, data := range []bool{false, true} {
								for _, o := range x.outcomes(&s, A, r.event, NewSegment(ctl, at(irs+1), at(iss+1), data, 1, 0)) {
									note(&o.o)
								}
							}
						}
					}
				}
			}
		}
	}
}
