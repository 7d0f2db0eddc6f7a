package model

// callList is the calls an application makes in a state, in the order the
// search tries them: a fixed array, so that listing them allocates nothing.
type callList struct {
	list [4]Event
	n    int
}

func (c *callList) add(ev Event) { c.list[c.n] = ev; c.n++ }

// appCalls are the calls the application of side makes in s: the one home
// of what the workload does, read by the search (calls) and by the check
// that every call is answered (UnansweredCall).
//
// A scripted application opens, sends its octets on an open connection,
// closes after them (the one that closes second waits for the peer's
// FIN), and aborts where --abort allows. An application that calls
// anything (calls any) makes, in every state, each call RFC 9293 section
// 3.10 defines there, the ones it answers with an error included.
func (m *System) appCalls(s *State, side Side) callList {
	var c callList
	if m.cfg.Calls == CallsAny {
		m.anyCalls(s, side, &c)
		return c
	}
	ep := s.Ends[side]
	switch ep.State {
	case Closed:
		m.openAgain(s, side, &c)
	case Listen:
		if m.cfg.Open == BothListen {
			c.add(OpenActive) // the listener turns active
		}
	case Established, CloseWait:
		if m.octetsSent(ep) < m.cfg.Data[side] {
			c.add(Send)
		} else if m.mayClose(side, ep.State) {
			c.add(Close)
		}
	}
	// A listening application only knows of a connection once it is
	// synchronized (accepted); an active one from its OPEN on.
	if m.cfg.Abort[side] && ep.HasTCB() && !ep.Aborted() && (!m.passive[side] || ep.State.Synchronized()) {
		c.add(Abort)
	}
	return c
}

// octetsSent is how many octets the application has sent on the
// connection (SND.NXT counts the SYN too, and the FIN is never sent before
// the last octet).
func (m *System) octetsSent(ep Endpoint) int {
	return mod(int(ep.SndNxt)-int(ep.ISS)-1, m.cfg.SeqSpace)
}

// openAgain: a CLOSED endpoint's application opens its next connection,
// as the workload allows (after a crash, once its old segments are gone).
func (m *System) openAgain(s *State, side Side, c *callList) {
	ep := s.Ends[side]
	if ep.Opens < uint8(m.cfg.Incarnations)+ep.Crashes && (!ep.Crashed() || s.Count[side] == 0) {
		if m.passive[side] {
			c.add(OpenPassive)
		} else {
			c.add(OpenActive)
		}
	}
}

// anyCalls are the calls of an application that calls anything at any
// time. The rule table says what each call does; a call no rule takes (a
// SEND beyond the send window, a CLOSE in SYN-RECEIVED with the window
// full) waits.
//
// What the application still wants bounds the calls: it opens at most its
// incarnations, sends its octets, closes unless it never closes, and
// aborts only where --abort allows. SEND in SYN-SENT and SYN-RECEIVED is
// queued until ESTABLISHED (3.10.2); the model, which has no send queue,
// lets the application make that SEND once ESTABLISHED, which sends the
// same octet at the same moment.
func (m *System) anyCalls(s *State, side Side, c *callList) {
	ep := s.Ends[side]
	data := m.cfg.Data[side] > 0
	switch ep.State {
	case Closed:
		m.openAgain(s, side, c)
		if data {
			c.add(Send) // error: connection does not exist
		}
	case Listen:
		c.add(OpenActive) // the listener turns active
		if data {
			c.add(Send) // error: remote socket unspecified
		}
	case Established, CloseWait:
		if m.octetsSent(ep) < m.cfg.Data[side] {
			c.add(Send)
		}
		c.add(OpenActive) // error: connection already exists
	case FinWait1, FinWait2, Closing, LastAck, TimeWait:
		c.add(OpenActive)
		if data {
			c.add(Send) // error: connection closing
		}
	default: // SYN-SENT, SYN-RECEIVED
		c.add(OpenActive)
	}
	if !m.cfg.NeverClose[side] && (ep.State != Established || m.mayClose(side, ep.State)) {
		c.add(Close)
	}
	if m.cfg.Abort[side] && !ep.Aborted() {
		c.add(Abort)
	}
}

// UnansweredCall finds a call an application makes in s that no rule
// answers, neither with an action nor with RFC 9293's error, so that the
// call would hang for ever. A SEND or CLOSE that waits while the send
// window is full is not one: RFC 9293 queues it (3.10.2, 3.10.4) and the
// peer's acknowledgment frees the window.
func (m *System) UnansweredCall(s State) (Side, Event, bool) {
	x := m.newExpander(false)
	for side := A; side <= B; side++ {
		calls := m.appCalls(&s, side)
		for _, ev := range calls.list[:calls.n] {
			if m.queued(s.Ends[side], ev) || x.answers(&s, side, ev) {
				continue
			}
			return side, ev, true
		}
	}
	return 0, 0, false
}

// queued: a SEND or CLOSE on a connection whose send window is full.
func (m *System) queued(ep Endpoint, ev Event) bool {
	switch ep.State {
	case SynReceived, Established, CloseWait:
		return (ev == Send || ev == Close) && mod(int(ep.SndNxt)-int(ep.SndUna), m.cfg.SeqSpace) >= m.cfg.Window
	}
	return false
}

// answers reports whether some rule takes the call, as the search makes it.
func (x *expander) answers(s *State, side Side, ev Event) bool {
	base := *s
	if (ev == OpenActive || ev == OpenPassive) && base.Ends[side].State == Closed {
		base.Ends[side] = opening(base.Ends[side])
	}
	for _, r := range x.outcomes(&base, side, ev, 0) {
		if r.o.fired() {
			return true
		}
	}
	return false
}
