package model

// anyCalls are the moves of applications that call anything at any time
// (calls any): in every state, each call RFC 9293 section 3.10 defines
// there, the ones it answers with an error included. The rule table says
// what each call does; a call no rule takes (a SEND beyond the send
// window, a CLOSE in SYN-RECEIVED with the window full) waits.
//
// What the application still wants bounds the calls: it opens at most its
// incarnations, sends its octets, closes unless it never closes, and
// aborts only where --abort allows. SEND in SYN-SENT and SYN-RECEIVED is
// queued until ESTABLISHED (3.10.2); the model, which has no send queue,
// lets the application make that SEND once ESTABLISHED, which sends the
// same octet at the same moment.
func (x *expander) anyCalls(s *State, side Side, yield func(Step, State)) {
	m := x.m
	ep := s.Ends[side]
	data := m.cfg.Data[side] > 0
	switch ep.State {
	case Closed:
		x.openAgain(s, side, yield)
		if data {
			x.spontaneous(s, side, Call, Send, yield) // error: connection does not exist
		}
	case Listen:
		x.spontaneous(s, side, Call, OpenActive, yield) // the listener turns active
		if data {
			x.spontaneous(s, side, Call, Send, yield) // error: remote socket unspecified
		}
	case Established, CloseWait:
		sent := mod(int(ep.SndNxt)-int(ep.ISS)-1, m.cfg.SeqSpace)
		if sent < m.cfg.Data[side] {
			x.spontaneous(s, side, Call, Send, yield)
		}
		x.spontaneous(s, side, Call, OpenActive, yield) // error: connection already exists
	case FinWait1, FinWait2, Closing, LastAck, TimeWait:
		x.spontaneous(s, side, Call, OpenActive, yield)
		if data {
			x.spontaneous(s, side, Call, Send, yield) // error: connection closing
		}
	default: // SYN-SENT, SYN-RECEIVED
		x.spontaneous(s, side, Call, OpenActive, yield)
	}
	if !m.cfg.NeverClose[side] && (ep.State != Established || m.mayClose(side, ep.State)) {
		x.spontaneous(s, side, Call, Close, yield)
	}
	if m.cfg.Abort[side] && !ep.Aborted() {
		x.spontaneous(s, side, Call, Abort, yield)
	}
}
