package properties

import (
	"github.com/tcpmc/tcpmc/explore"
	"github.com/tcpmc/tcpmc/model"
)

// Kind is safety (checked on every reachable state or transition) or
// liveness (checked on the cycles of the state graph).
type Kind string

const (
	Safety   Kind = "safety"
	Liveness Kind = "liveness"
)

// Property is an entry of the catalog. Names are part of tcpmc's interface:
// they appear unchanged in output, JSON and tests.
type Property struct {
	Name        string
	Kind        Kind
	Description string
}

// The safety properties.
var (
	HandshakeSync = Property{"handshake-sync", Safety,
		"when both sides are synchronized, each one's IRS is the other's ISS"}
	NoStaleConnection = Property{"no-stale-connection", Safety,
		"no side reaches ESTABLISHED on a SYN or SYN,ACK that the peer did not send for this connection in its current incarnation"}
	SegmentArithmetic = Property{"segment-arithmetic", Safety,
		"every segment sent obeys the seq/ack rules of the handshake and close (SYN,ACK acks x+1, the final ACK is seq=u+1 ack=w+1) and never acknowledges a sequence number the peer did not send"}
	StreamIntegrity = Property{"stream-integrity", Safety,
		"each application receives exactly a prefix of what the peer's application sent, in order and without duplicates, across incarnations"}
	TimeWaitAbsorbsFIN = Property{"time-wait-absorbs-fin", Safety,
		"a FIN reaching an endpoint in TIME-WAIT is answered with an ACK, and the endpoint stays in TIME-WAIT for another 2 MSL"}
	OrderlyRelease = Property{"orderly-release", Safety,
		"when neither application aborts and no host crashes, no endpoint is reset while its connection is open: both leave through the FIN exchange"}
	NoDeadlock = Property{"no-deadlock", Safety,
		"every reachable state that is not a normal end (no connection left, nothing in flight) has a successor"}
)

// Catalog lists every property tcpmc checks, in output order.
func Catalog() []Property {
	return []Property{HandshakeSync, NoStaleConnection, SegmentArithmetic, StreamIntegrity,
		TimeWaitAbsorbsFIN, OrderlyRelease, NoDeadlock,
		EventuallyClosed, NoHalfOpenStuck, HandshakeCompletes}
}

// Lookup finds a property by name.
func Lookup(name string) (Property, bool) {
	for _, p := range Catalog() {
		if p.Name == name {
			return p, true
		}
	}
	return Property{}, false
}

type (
	state = model.State
	step  = model.Step
)

// invariants and actions build the checks the engine runs for the chosen
// properties. They read ghost variables (incarnations, the stale-SYN mark,
// byte indices) that no rule reads.
func invariants(sys *model.System, want map[string]bool) []explore.Invariant[state] {
	var out []explore.Invariant[state]
	if want[HandshakeSync.Name] {
		out = append(out, explore.Invariant[state]{Name: HandshakeSync.Name, Holds: handshakeSync})
	}
	return out
}

func actions(sys *model.System, want map[string]bool) []explore.ActionProperty[state, step] {
	var out []explore.ActionProperty[state, step]
	add := func(p Property, f func(from state, st step, to state) bool) {
		if want[p.Name] {
			out = append(out, explore.ActionProperty[state, step]{Name: p.Name, Holds: f})
		}
	}
	n := sys.Config().SeqSpace
	add(NoStaleConnection, noStaleConnection)
	add(SegmentArithmetic, func(from state, st step, to state) bool { return segmentArithmetic(n, from, st, to) })
	add(StreamIntegrity, func(from state, st step, to state) bool { return streamIntegrity(n, from, st, to) })
	add(TimeWaitAbsorbsFIN, func(from state, st step, to state) bool { return timeWaitAbsorbsFIN(sys, from, st, to) })
	add(OrderlyRelease, orderlyRelease)
	return out
}

func handshakeSync(s state) bool {
	a, b := s.Ends[model.A], s.Ends[model.B]
	if !a.State.Synchronized() || !b.State.Synchronized() {
		return true
	}
	return a.IRS == b.ISS && b.IRS == a.ISS
}

func noStaleConnection(from state, st step, to state) bool {
	before, after := from.Ends[st.Side], to.Ends[st.Side]
	if before.State.Synchronized() || !after.State.Synchronized() {
		return true
	}
	return !after.StaleSyn()
}

func seqAdd(v uint8, k, n int) uint8 { return uint8((int(v) + k) % n) }

func segmentArithmetic(n int, from state, st step, to state) bool {
	side := st.Side
	before, after := from.Ends[side], to.Ends[side]
	peer := to.Ends[side.Other()]
	d := st.Seg
	text := 0
	if d.Data() {
		text = 1
	}
	for _, r := range st.Sent() {
		synACK := r.Has(model.SYN) && r.Has(model.ACK)
		switch {
		case r.Has(model.SYN) && !r.Has(model.ACK) && r.Seq() != after.ISS:
			return false // a SYN carries the ISS
		case synACK && (r.Seq() != after.ISS || r.Ack() != seqAdd(after.IRS, 1, n)):
			return false // SYN=1, ACK=1, seq=y, ack=x+1
		}
		bareACK := r.Ctl() == model.ACK && !r.Data()
		if st.Kind == model.Deliver && !d.Has(model.RST) {
			if d.Has(model.SYN) && synACK && r.Ack() != seqAdd(d.Seq(), 1, n) {
				return false // the SYN,ACK acknowledges the SYN it answers
			}
			if d.Has(model.SYN) && d.Has(model.ACK) && before.State == model.SynSent &&
				after.State.Synchronized() && bareACK && (r.Seq() != d.Ack() || r.Ack() != seqAdd(d.Seq(), 1, n)) {
				return false // third segment: ACK=1, seq=x+1, ack=y+1
			}
			finSeq := seqAdd(d.Seq(), text, n)
			finAccepted := d.Has(model.FIN) && before.RcvNxt == finSeq && after.RcvNxt == seqAdd(finSeq, 1, n)
			if finAccepted && bareACK && r.Ack() != seqAdd(finSeq, 1, n) {
				return false // a FIN of sequence u is acknowledged with ack=u+1
			}
			if finAccepted && bareACK && before.State == model.FinWait2 && after.State == model.TimeWait && r.Seq() != before.SndUna {
				return false // final ACK: seq=u+1, one past our FIN u, which the peer has acknowledged
			}
		}
		// Never acknowledge what the peer's current incarnation has not sent.
		if r.Has(model.ACK) && !r.Has(model.RST) && after.PeerInc != 0 && after.PeerInc == peer.Inc && peer.HasTCB() {
			acked := (int(r.Ack()) - int(peer.ISS) + n) % n
			sent := (int(peer.SndNxt) - int(peer.ISS) + n) % n
			if acked == 0 || acked > sent {
				return false
			}
		}
	}
	return true
}

func streamIntegrity(n int, from state, st step, to state) bool {
	if !st.Delivered {
		return true
	}
	before := from.Ends[st.Side]
	d := st.Seg
	expected := uint8((int(before.RcvNxt) - int(before.IRS) - 1 + 2*n) % n)
	return d.Data() && d.Inc() == before.PeerInc && d.ByteIndex() == expected
}

func timeWaitAbsorbsFIN(sys *model.System, from state, st step, to state) bool {
	if st.Kind != model.Deliver || !st.Seg.Has(model.FIN) || st.Seg.Has(model.RST) || from.Ends[st.Side].State != model.TimeWait {
		return true
	}
	after := to.Ends[st.Side]
	if after.State != model.TimeWait {
		return false
	}
	acked := false
	for _, r := range st.Sent() {
		acked = acked || r.Ctl() == model.ACK && !r.Data() && r.Ack() == after.RcvNxt
	}
	// "Restarts 2 MSL": the wait cannot end before the ACK just sent has
	// had its lifetime.
	return acked && !sys.CanFire(to, st.Side, model.TimeWaitTimeout)
}

func orderlyRelease(from state, st step, to state) bool {
	if st.Kind != model.Deliver || !st.Seg.Has(model.RST) || !st.Deleted {
		return true
	}
	before := from.Ends[st.Side]
	if !before.State.Synchronized() || before.State == model.TimeWait || before.Aborted() || before.StaleSyn() {
		// Only an open connection can be released: one still in its
		// handshake is refused, not reset; TIME-WAIT has completed the FIN
		// exchange; and a connection opened by an old duplicate SYN is
		// rightly reset (no-stale-connection reports it).
		return true
	}
	peer := from.Ends[st.Side.Other()]
	return peer.Inc != before.PeerInc || peer.Aborted()
}
