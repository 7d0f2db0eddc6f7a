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
	var out []string
	for i, f := range fired {
		if !f {
			out = append(out, m.table.rules[i].Name)
		}
	}
	return out
}
