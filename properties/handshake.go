package properties

import "github.com/tcpmc/tcpmc/model"

// handshakeDone reports whether an endpoint has completed the handshake:
// it is in a synchronized state and not a TCB that an application closed
// in SYN-RECEIVED before its SYN was acknowledged. RFC 9293 (3.10.4) lets
// such a TCB send its FIN and enter FIN-WAIT-1 (then CLOSING, on the
// peer's FIN) at once; until the ACK of its SYN arrives it is still in its
// handshake: a RST then refuses it rather than resetting an open
// connection, and its peer may not have a connection yet. Only
// applications that call anything at any time (calls any) get there.
func handshakeDone(e model.Endpoint) bool {
	if !e.State.Synchronized() {
		return false
	}
	return e.SndUna != e.ISS || (e.State != model.FinWait1 && e.State != model.Closing)
}

// lateSynACK: a TCB closed in SYN-RECEIVED that has since taken more of
// the peer's sequence space (its FIN) retransmits its SYN,ACK with the
// acknowledgment it owes now, RCV.NXT, as every segment it sends carries
// (3.10.8 retransmits the segment; its ACK field is current).
func lateSynACK(after model.Endpoint, r model.Segment) bool {
	return after.State.Synchronized() && !handshakeDone(after) && r.Ack() == after.RcvNxt
}
