package properties

import (
	"github.com/tcpmc/tcpmc/explore"
	"github.com/tcpmc/tcpmc/model"
)

// Kind is what a property is checked on: safety properties on every
// reachable state or transition, liveness properties on the cycles of the
// state graph, and reachability (witness) queries by looking for one
// reachable state.
type Kind string

const (
	Safety    Kind = "safety"
	Liveness  Kind = "liveness"
	Reachable Kind = "reachable"
)

// Property is an entry of the catalog, or a property a user wrote. Names
// are part of tcpmc's interface: they appear unchanged in output, JSON and
// tests.
type Property struct {
	Name        string
	Kind        Kind
	Description string
	// Form is how a user property is written (invariant, step, leads-to
	// or reachable); empty for the catalog's own.
	Form string

	// One of these says what the property is: a predicate on states
	// (invariant; for a reachable property, the state looked for), on
	// transitions (step), the leads-to pairs of a liveness property, or
	// the deadlock check.
	state    func(*model.System) func(state) bool
	step     func(*model.System) func(from state, st step, to state) bool
	live     func(*model.System) []explore.LiveProperty[state]
	deadlock bool
}

// User reports whether a user wrote the property.
func (p Property) User() bool { return p.Form != "" }

// The safety properties.
var (
	HandshakeSync = Property{Name: "handshake-sync", Kind: Safety,
		Description: "when both sides are synchronized, each one's IRS is the other's ISS",
		state:       always(handshakeSync)}
	NoStaleConnection = Property{Name: "no-stale-connection", Kind: Safety,
		Description: "no side reaches ESTABLISHED on a SYN or SYN,ACK that the peer did not send for this connection in its current incarnation",
		step:        alwaysStep(noStaleConnection)}
	SegmentArithmetic = Property{Name: "segment-arithmetic", Kind: Safety,
		Description: "every segment sent obeys the seq/ack rules of the handshake and close (SYN,ACK acks x+1, the final ACK is seq=u+1 ack=w+1) and never acknowledges a sequence number the peer did not send",
		step:        inSeqSpace(segmentArithmetic)}
	StreamIntegrity = Property{Name: "stream-integrity", Kind: Safety,
		Description: "each application receives exactly a prefix of what the peer's application sent, in order and without duplicates, across incarnations",
		step:        inSeqSpace(streamIntegrity)}
	TimeWaitAbsorbsFIN = Property{Name: "time-wait-absorbs-fin", Kind: Safety,
		Description: "a FIN reaching an endpoint in TIME-WAIT is answered with an ACK, and the endpoint stays in TIME-WAIT for another 2 MSL",
		step: func(sys *model.System) func(state, step, state) bool {
			return func(from state, st step, to state) bool { return timeWaitAbsorbsFIN(sys, from, st, to) }
		}}
	OrderlyRelease = Property{Name: "orderly-release", Kind: Safety,
		Description: "when neither application aborts and no host crashes, no endpoint is reset while its connection is open: both leave through the FIN exchange",
		step:        alwaysStep(orderlyRelease)}
	NoHalfOpen = Property{Name: "no-half-open", Kind: Safety,
		Description: "no endpoint keeps an open connection (ESTABLISHED to LAST-ACK) that its peer no longer has (CLOSED or LISTEN) while nothing is in flight: a half-open connection (RFC 9293 3.5.2), found out only if the open side sends again",
		state:       always(noHalfOpen)}
	RefusedOpenReported = Property{Name: "refused-open-reported", Kind: Safety,
		Description: "an active open that the peer refuses (a RST that acknowledges its SYN, or in SYN-RECEIVED one at RCV.NXT) ends in CLOSED with its TCB deleted and the failure reported: never back in LISTEN, never still waiting",
		step:        alwaysStep(refusedOpenReported)}
	CallsTakeEffect = Property{Name: "calls-take-effect", Kind: Safety,
		Description: "a CLOSE or ABORT the application makes is never ignored: after a CLOSE the endpoint is closing (FIN-WAIT-1, LAST-ACK) or CLOSED, after an ABORT it is CLOSED, wherever RFC 9293 does not answer the call with an error (3.10.4, 3.10.5)",
		step:        alwaysStep(callsTakeEffect)}
	CallsAnswered = Property{Name: "calls-answered", Kind: Safety,
		Description: "every call an application makes is answered, by an action or by RFC 9293's error: 3.10 defines OPEN, SEND, CLOSE and ABORT in every state, so no call hangs for ever (a SEND or CLOSE queued while the send window is full waits for the peer's acknowledgment)",
		state: func(sys *model.System) func(state) bool {
			return func(s state) bool { _, _, hangs := sys.UnansweredCall(s); return !hangs }
		}}
	ConnectionEstablished = Property{Name: "connection-established", Kind: Reachable,
		Description: "some run establishes a connection: both endpoints ESTABLISHED at once (a vacuity check: where no connection is ever made, the other verdicts say nothing about one)",
		state:       always(bothEstablished)}
	NoDeadlock = Property{Name: "no-deadlock", Kind: Safety,
		Description: "every reachable state that is not a normal end (no connection left, nothing in flight) has a successor",
		deadlock:    true}
)

func always(f func(state) bool) func(*model.System) func(state) bool {
	return func(*model.System) func(state) bool { return f }
}

// inSeqSpace binds a step predicate to the system's sequence space.
func inSeqSpace(f func(n int, from state, st step, to state) bool) func(*model.System) func(state, step, state) bool {
	return func(sys *model.System) func(state, step, state) bool {
		n := sys.Config().SeqSpace
		return func(from state, st step, to state) bool { return f(n, from, st, to) }
	}
}

func alwaysStep(f func(state, step, state) bool) func(*model.System) func(state, step, state) bool {
	return func(*model.System) func(state, step, state) bool { return f }
}

// Catalog lists every property tcpmc checks, in output order.
func Catalog() []Property {
	return []Property{HandshakeSync, NoStaleConnection, SegmentArithmetic, StreamIntegrity,
		TimeWaitAbsorbsFIN, OrderlyRelease, ResetOnlyByPeer, NoHalfOpen, RefusedOpenReported, CallsTakeEffect, CallsAnswered, NoDeadlock,
		EventuallyClosed, NoHalfOpenStuck, HandshakeCompletes, ReliableDelivery, QuietAfterClose, ConnectionEstablished}
}

// Lookup finds a property of the catalog by name.
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

// checks are the engine's forms of a set of properties. The predicates
// read ghost variables (incarnations, the stale-SYN mark, byte indices)
// that no rule reads.
type checks struct {
	invariants []explore.Invariant[state]
	actions    []explore.ActionProperty[state, step]
	live       []explore.LiveProperty[state]
	deadlock   bool
	reachable  map[string]bool // invariants that are witness queries: negated
}

func (c *checks) safety() bool { return len(c.invariants)+len(c.actions) > 0 || c.deadlock }

func checksOf(sys *model.System, props []Property) checks {
	c := checks{reachable: map[string]bool{}}
	for _, p := range props {
		switch {
		case p.deadlock:
			c.deadlock = true
		case p.Kind == Reachable:
			f := p.state(sys)
			c.invariants = append(c.invariants, explore.Invariant[state]{Name: p.Name, Holds: func(s state) bool { return !f(s) }})
			c.reachable[p.Name] = true
		case p.state != nil:
			c.invariants = append(c.invariants, explore.Invariant[state]{Name: p.Name, Holds: p.state(sys)})
		case p.step != nil:
			c.actions = append(c.actions, explore.ActionProperty[state, step]{Name: p.Name, Holds: p.step(sys)})
		case p.live != nil:
			c.live = append(c.live, p.live(sys)...)
		}
	}
	return c
}

// byNames picks the catalog's properties whose names are in want.
func byNames(want map[string]bool) []Property {
	var out []Property
	for _, p := range Catalog() {
		if want[p.Name] {
			out = append(out, p)
		}
	}
	return out
}

func handshakeSync(s state) bool {
	a, b := s.Ends[model.A], s.Ends[model.B]
	if !handshakeDone(a) || !handshakeDone(b) {
		return true
	}
	return a.IRS == b.ISS && b.IRS == a.ISS
}

func noStaleConnection(from state, st step, to state) bool {
	before, after := from.Ends[st.Side], to.Ends[st.Side]
	if handshakeDone(before) || !handshakeDone(after) {
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
		case synACK && (r.Seq() != after.ISS || r.Ack() != seqAdd(after.IRS, 1, n) && !lateSynACK(after, r)):
			return false // SYN=1, ACK=1, seq=y, ack=x+1
		}
		bareACK := r.Ctl() == model.ACK && !r.Data()
		if arrives(st) && !d.Has(model.RST) {
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
		// Never acknowledge what the peer's current incarnation has not
		// sent (a TCB that took a forged segment acknowledges what the
		// attacker sent: stream-integrity reports injected data).
		if r.Has(model.ACK) && !r.Has(model.RST) && after.PeerInc != 0 && after.PeerInc == peer.Inc && peer.HasTCB() && !after.Attacked() {
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
	if !arrives(st) || !st.Seg.Has(model.FIN) || st.Seg.Has(model.RST) || from.Ends[st.Side].State != model.TimeWait {
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
	if !handshakeDone(before) || before.State == model.TimeWait || before.Aborted() || before.StaleSyn() || before.Attacked() {
		// Only an open connection can be released: one still in its
		// handshake is refused, not reset; TIME-WAIT has completed the FIN
		// exchange; a connection opened by an old duplicate SYN is
		// rightly reset (no-stale-connection reports it); and one a forged
		// segment changed is the attacker's (reset-only-by-peer).
		return true
	}
	peer := from.Ends[st.Side.Other()]
	return peer.Inc != before.PeerInc || peer.Aborted() || peer.Attacked()
}

// openConnection: the endpoint holds a connection whose close is not
// complete on its side (TIME-WAIT has completed it).
func openConnection(e model.Endpoint) bool {
	return handshakeDone(e) && e.State != model.TimeWait
}

func noHalfOpen(s state) bool {
	if s.InFlight() > 0 {
		return true
	}
	a, b := s.Ends[model.A], s.Ends[model.B]
	return !(openConnection(a) && noConnection(b) || openConnection(b) && noConnection(a))
}

func callsTakeEffect(from state, st step, to state) bool {
	if st.Kind != model.Call {
		return true
	}
	before, after := from.Ends[st.Side].State, to.Ends[st.Side].State
	relistened := st.Relisten && after == model.Listen // a listener takes the next connection at once
	switch {
	case st.Event == model.Close && (before == model.Listen || before == model.SynSent || before == model.SynReceived ||
		before == model.Established || before == model.CloseWait):
		// Where RFC 9293 3.10.4 closes; elsewhere CLOSE is an error
		// ("connection does not exist", "connection closing").
		return after == model.FinWait1 || after == model.LastAck || after == model.Closed || relistened
	case st.Event == model.Abort && before != model.Closed:
		return after == model.Closed || relistened // 3.10.5: an error only in CLOSED
	}
	return true
}

func bothEstablished(s state) bool {
	return s.Ends[model.A].State == model.Established && s.Ends[model.B].State == model.Established
}

func refusedOpenReported(from state, st step, to state) bool {
	if !arrives(st) || !st.Seg.Has(model.RST) {
		return true
	}
	before, after := from.Ends[st.Side], to.Ends[st.Side]
	refused := false
	switch {
	case before.State == model.SynSent:
		// RFC 9293 3.10.7.3: a RST whose ACK acknowledges the SYN.
		refused = st.Seg.Has(model.ACK) && st.Seg.Ack() == before.SndNxt
	case before.State == model.SynReceived && !before.Passive():
		// 3.10.7.4: the connection came from an active OPEN; the RST is
		// at RCV.NXT (RFC 5961's exact match).
		refused = st.Seg.Seq() == before.RcvNxt
	}
	// The TCB is deleted; a listening application may take the next
	// connection in the same step (a listener that had turned active).
	return !refused || st.Deleted && (after.State == model.Closed || st.Relisten)
}
