package properties

import (
	"github.com/tcpmc/tcpmc/explore"
	"github.com/tcpmc/tcpmc/model"
)

// The liveness properties.
var (
	EventuallyClosed = Property{Name: "eventually-closed", Kind: Liveness,
		Description: "once both applications have closed, both endpoints reach CLOSED (or LISTEN, for a listener)",
		live: func(*model.System) []explore.LiveProperty[state] {
			return []explore.LiveProperty[state]{{Name: "eventually-closed", Trigger: bothClosed,
				Goal: func(s state) bool { return noConnection(s.Ends[model.A]) && noConnection(s.Ends[model.B]) }}}
		}}
	NoHalfOpenStuck = Property{Name: "no-half-open-stuck", Kind: Liveness,
		Description: "no fair execution keeps one endpoint synchronized for ever while the other is CLOSED or LISTEN",
		live: func(*model.System) []explore.LiveProperty[state] {
			return []explore.LiveProperty[state]{{Name: "no-half-open-stuck", Trigger: halfOpen,
				Goal: func(s state) bool { return !halfOpen(s) }}}
		}}
	HandshakeCompletes = Property{Name: "handshake-completes", Kind: Liveness,
		Description: "an active open ends in ESTABLISHED or in a reported failure (reset or retry limit), never in an endless loop",
		live: func(*model.System) []explore.LiveProperty[state] {
			// Checked for each side separately.
			var out []explore.LiveProperty[state]
			for _, side := range []model.Side{model.A, model.B} {
				out = append(out, explore.LiveProperty[state]{Name: "handshake-completes",
					Trigger: func(s state) bool { return inActiveOpen(s.Ends[side]) },
					Goal:    func(s state) bool { return !inActiveOpen(s.Ends[side]) }})
			}
			return out
		}}
	ReliableDelivery = Property{Name: "reliable-delivery", Kind: Liveness,
		Description: "every octet an application sends is eventually acknowledged, and so delivered, unless the connection fails (a reset, an abort, the retry limit), which the application is told: TCP's reliable byte stream",
		live: func(sys *model.System) []explore.LiveProperty[state] {
			n := sys.Config().SeqSpace
			var out []explore.LiveProperty[state]
			for _, side := range []model.Side{model.A, model.B} {
				out = append(out, explore.LiveProperty[state]{Name: "reliable-delivery",
					Trigger: func(s state) bool { return unacknowledgedData(n, s.Ends[side]) },
					Goal:    func(s state) bool { return !unacknowledgedData(n, s.Ends[side]) }})
			}
			return out
		}}
	QuietAfterClose = Property{Name: "quiet-after-close", Kind: Liveness,
		Description: "once both applications have closed, the network falls quiet: no endless exchange of ACKs or RSTs (RFC 1337's hazard H2)",
		live: func(*model.System) []explore.LiveProperty[state] {
			return []explore.LiveProperty[state]{{Name: "quiet-after-close", Trigger: bothClosed,
				Goal: func(s state) bool { return s.InFlight() == 0 }}}
		}}
)

func bothClosed(s state) bool {
	return closedByApplication(s.Ends[model.A]) && closedByApplication(s.Ends[model.B])
}

// Fairness, under which liveness is checked: a fair execution is one in
// which every class of transitions below that is enabled again and again
// is eventually taken (strong fairness; weak fairness, which only forces a
// class enabled without interruption, would let a retransmission timer
// starve whenever the network happens to be full when it could fire). An
// execution may stop for ever where no class is enabled: faults, crashes
// and ABORT are possible, never due. Fault budgets are finite, so faults
// cannot recur for ever anyway.
//
//   - the network delivers: while a channel holds segments, one of them
//     arrives (so a segment retransmitted for ever is eventually
//     delivered);
//   - timers fire: an enabled retransmission, user, TIME-WAIT, keep-alive
//     or FIN-WAIT-2 timeout eventually expires;
//   - applications do their part: an enabled OPEN, SEND or CLOSE is
//     eventually called. ABORT is optional and unfair, and so is a call
//     that RFC 9293 answers with an error (it changes nothing).
func fairnessClass(st model.Step) int {
	switch st.Kind {
	case model.Deliver:
		return int(st.Side.Other()) // the channel it came from
	case model.Call:
		if st.Event == model.Abort || st.Refused {
			return -1
		}
		return 2 + int(st.Side)*5 + int(st.Event)
	case model.Timeout:
		return 12 + int(st.Side)*len(model.Timers) + int(st.Event-model.RetransmissionTimeout)
	}
	return -1
}

// Environment reports whether a step is one the environment may or may
// not take (a fault, a crash, an optional ABORT): such steps do not get a
// system out of a deadlock, and fairness never requires them.
func Environment(st model.Step) bool {
	switch st.Kind {
	case model.Lose, model.Duplicate, model.Crash, model.Forge:
		return true
	case model.Call:
		return st.Event == model.Abort || st.Refused
	}
	return false
}

func noConnection(e model.Endpoint) bool { return e.State == model.Closed || e.State == model.Listen }

// closedByApplication: the application has called CLOSE on this
// connection (or there is none).
func closedByApplication(e model.Endpoint) bool {
	switch e.State {
	case model.FinWait1, model.FinWait2, model.Closing, model.TimeWait, model.LastAck, model.Closed, model.Listen:
		return true
	}
	return false
}

func halfOpen(s state) bool {
	a, b := s.Ends[model.A], s.Ends[model.B]
	return handshakeDone(a) && noConnection(b) || handshakeDone(b) && noConnection(a)
}

// unacknowledgedData: the endpoint holds a connection with data octets
// sent and not yet acknowledged. The data is SND.UNA up to SND.NXT, less
// the FIN once one is sent; the SYN (SND.UNA == ISS) is not data.
// Positions are counted from the ISS, as the octets follow it.
func unacknowledgedData(n int, e model.Endpoint) bool {
	if !e.State.Synchronized() || e.SndUna == e.ISS {
		return false
	}
	end := int(e.SndNxt)
	switch e.State {
	case model.FinWait1, model.FinWait2, model.Closing, model.LastAck, model.TimeWait:
		end-- // the FIN
	}
	acked := (int(e.SndUna) - int(e.ISS) + n) % n // the SYN, then the data, then the FIN
	return acked < (end-int(e.ISS)+n)%n
}

func inActiveOpen(e model.Endpoint) bool {
	return e.State == model.SynSent || e.State == model.SynReceived && !e.Passive()
}
