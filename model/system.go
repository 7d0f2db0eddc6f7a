package model

import (
	"errors"
	"fmt"
	"sync"
)

type params struct {
	seqSpace, window, retryLimit int
}

// System is the model of two endpoints, the network between them, the
// faults it may suffer and the applications using it. It implements
// explore.System: it knows nothing of search.
type System struct {
	cfg     Config
	variant *Variant
	table   *Table
	p       params
	passive [2]bool // the side's application listens
	// readsWorld marks events whose rules read NET.QUIET or MSL.ELAPSED:
	// their outcome depends on more than the endpoint and is not memoized.
	readsWorld [numEvents]bool
	// blind holds, per kind of forged segment, every segment a blind
	// attacker may send (see ForgeCandidates).
	blind map[AttackKinds][]Segment
	// forgeShared is the cache of forge classes of the expanders that are
	// not a worker's own (Successors); a worker keeps its own.
	forgeMu     sync.Mutex
	forgeShared map[forgeKey][]forgeClass
}

// NewSystem builds the model of a variant under a configuration.
func NewSystem(v *Variant, cfg Config) (*System, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t, err := CompileTable(v.Rules, v.Macros)
	if err != nil {
		return nil, fmt.Errorf("variant %s: %w", v.Name, err)
	}
	m := &System{cfg: cfg, variant: v, table: t,
		p: params{seqSpace: cfg.SeqSpace, window: cfg.Window, retryLimit: cfg.RetryLimit}}
	m.passive = [2]bool{cfg.Passive(A), cfg.Passive(B)}
	if (m.passive[A] || m.passive[B]) && len(t.index[OpenPassive][Closed]) == 0 {
		return nil, fmt.Errorf("variant %s: %w", v.Name, errNoPassiveOpen)
	}
	for _, r := range t.rules {
		m.readsWorld[r.event] = m.readsWorld[r.event] || r.readsWorld
	}
	m.initAttack()
	return m, nil
}

// errNoPassiveOpen: a listening application needs a rule for its OPEN.
var errNoPassiveOpen = errors.New("no rule for a passive OPEN in CLOSED, which a listening application needs")

// Config returns the configuration the system was built with.
func (m *System) Config() Config { return m.cfg }

// Variant returns the variant the system models.
func (m *System) Variant() *Variant { return m.variant }

// Table returns the compiled rule table.
func (m *System) Table() *Table { return m.table }

// SideName names a side in output.
func (m *System) SideName(s Side) string { return SideName(m.cfg.Open, s) }

// StepKind says what happened in a step.
type StepKind uint8

const (
	Call      StepKind = iota // an application called OPEN, SEND, CLOSE or ABORT
	Deliver                   // a segment arrived
	Timeout                   // a timer fired
	Lose                      // the network lost a segment
	Duplicate                 // the network duplicated a segment
	Crash                     // a host crashed and lost its TCB
	Forge                     // the attacker's forged segment arrived (attack.go)
)

func (k StepKind) String() string {
	return [...]string{"call", "deliver", "timeout", "lose", "duplicate", "crash", "forge"}[k]
}

// Step is the label of a transition: what happened, which rules fired and
// which segments were sent.
type Step struct {
	Kind      StepKind
	Side      Side  // the endpoint acting or receiving; for Lose and Duplicate, the sender of the segment; for Forge, its target
	Event     Event // for Call and Timeout
	Pos       uint8 // position of the segment in its channel
	Seg       Segment
	Reordered bool // delivered ahead of older segments (uses the reorder budget)
	ISN       uint8
	NRules    uint8
	Rules     [maxRulesPerStep]uint8
	NOut      uint8
	Out       [2]Segment
	Deleted   bool // the endpoint's TCB was deleted (it entered CLOSED)
	Relisten  bool // the listening application accepted the next connection: back to LISTEN
	Delivered bool // a data octet was handed to the application
	// Refused: RFC 9293 answers the call with an error ("connection
	// closing", ...) and nothing changes. Only applications that call
	// anything at any time (calls any) make such calls.
	Refused bool
}

// RuleIDs lists the rules that fired, in order.
func (s *Step) RuleIDs() []int {
	out := make([]int, s.NRules)
	for i := range out {
		out[i] = int(s.Rules[i])
	}
	return out
}

// Sent lists the segments the step sent.
func (s *Step) Sent() []Segment { return s.Out[:s.NOut] }

// initialClock is each host's first ISN: x for A, y for B.
func (m *System) initialClock(s Side) uint8 {
	if s == A {
		return 1
	}
	return uint8(m.cfg.SeqSpace / 2)
}

// Initial returns the single initial state: applications that listen are
// already in LISTEN, the others CLOSED, and the network is empty.
func (m *System) Initial() []State {
	s := State{Budget: Budget{Loss: uint8(m.cfg.Loss), Dup: uint8(m.cfg.Dup), Reorder: uint8(m.cfg.Reorder), Crash: uint8(m.cfg.Crash)}}
	for side := A; side <= B; side++ {
		s.Ends[side] = Endpoint{Clock: m.initialClock(side)}
		if m.passive[side] && !(m.cfg.Open == LateListen && side == B) {
			s.Ends[side].Inc, s.Ends[side].Opens = 1, 1
			o, _ := m.newExpander(false).runOne(&s, side, OpenPassive, 0, s.Ends[side].Clock)
			if o.fired() { // else no guard held: the application's OPEN did nothing
				s.Ends[side] = o.ep
			}
		}
	}
	return []State{s}
}

// Key appends the state's key to dst.
func (m *System) Key(dst []byte, s State) []byte { return s.Key(dst) }

// Final reports whether a state is a normal end: no connection left (both
// endpoints CLOSED or LISTEN) and nothing in flight. An application that
// never closes keeps its connection open as it means to: its endpoint idle
// in ESTABLISHED or CLOSE-WAIT with nothing unacknowledged is an end too.
func (m *System) Final(s State) bool {
	return s.InFlight() == 0 && m.ended(s.Ends[A], A) && m.ended(s.Ends[B], B)
}

func (m *System) ended(e Endpoint, side Side) bool {
	if !e.HasTCB() {
		return true
	}
	return m.cfg.NeverClose[side] && (e.State == Established || e.State == CloseWait) && e.SndUna == e.SndNxt
}

// expander computes successors for one worker: it owns scratch space for
// the rule interpreter and a memo of interpreter outcomes, which depend on
// nothing but the endpoint, the event, the segment and the ISN offered
// (unless the rules read the environment predicates).
type expander struct {
	m     *System
	w     world
	ep    Endpoint
	e     env
	peer  world    // for MSL.ELAPSED, which looks at the peer's timers
	peerE env      // likewise
	peerP Endpoint // likewise
	base  State
	tmp   State // a copy for relisten, so that successor states stay on the stack
	res   []result
	memo  []memoEntry // nil: no memo
	// forging: the attacker's many segments bypass the memo, whose slots
	// they would take from the segments the endpoints send (attack.go).
	forging    bool
	forgeCache map[forgeKey][]forgeClass
}

type result struct {
	o   outcome
	isn uint8
}

type cacheKey struct {
	ep  Endpoint
	seg Segment
	ev  Event
	isn uint8
}

// memoEntry is a slot of the memo, a direct-mapped cache: a key that hashes
// to an occupied slot replaces what was there.
type memoEntry struct {
	key     cacheKey
	o       outcome
	isnRead bool
	valid   bool
}

const memoBits = 15

func (k *cacheKey) slot() uint64 {
	e := &k.ep
	a := uint64(e.State) | uint64(e.Flags)<<8 | uint64(e.ISS)<<16 | uint64(e.IRS)<<24 |
		uint64(e.SndUna)<<32 | uint64(e.SndNxt)<<40 | uint64(e.RcvNxt)<<48 | uint64(e.Retries)<<56
	b := uint64(e.Clock) | uint64(e.Inc)<<8 | uint64(e.PeerInc)<<16 | uint64(e.Crashes)<<24 | uint64(k.seg)<<32
	b ^= uint64(e.Opens) << 29
	c := uint64(k.ev) | uint64(k.isn)<<8
	h := a*0x9E3779B97F4A7C15 ^ b*0xC2B2AE3D27D4EB4F ^ c*0x165667B19E3779F9
	h ^= h >> 31
	h *= 0xD6E8FEB86659FD93
	return h >> (64 - memoBits)
}

func (m *System) newExpander(memo bool) *expander {
	x := &expander{m: m}
	x.w.x, x.peer.x = x, x
	if memo {
		x.memo = make([]memoEntry, 1<<memoBits)
	}
	return x
}

// Fork gives a worker of the search its own successor function (see
// explore.Forker).
func (m *System) Fork() func(State, func(Step, State)) { return m.newExpander(true).successors }

// world answers the environment predicates of an endpoint from the whole
// state.
type world struct {
	x      *expander
	s      *State
	side   Side
	nested bool
}

// netQuiet: nothing sent by this host, and nothing the peer sent in this
// connection or an older one, is in flight. It stands for "long enough has
// passed for every such segment to arrive or die". A segment the peer sent
// in reply to one of ours belongs to our connection whatever TCB sent it:
// it was sent within MSL of our segment.
func (w *world) netQuiet() bool {
	if w.s.Count[w.side] > 0 {
		return false
	}
	peerInc := w.s.Ends[w.side].PeerInc
	for _, seg := range w.s.Channel(w.side.Other()) {
		// Before the peer's SYN has arrived any of its segments may belong
		// to this connection.
		if peerInc == 0 || seg.Inc() <= peerInc || seg.Reply() {
			return false
		}
	}
	return true
}

// mslElapsed: 2 MSL have passed since this endpoint last sent. Nothing of
// the connection is in flight, and the peer, if it still holds this
// connection, has nothing left to retransmit: a retransmission timeout is
// shorter than MSL, so a peer still retransmitting would be heard within
// 2 MSL and restart the wait.
func (w *world) mslElapsed() bool {
	if !w.netQuiet() {
		return false
	}
	if w.nested {
		return true
	}
	ep, peer := w.s.Ends[w.side], w.s.Ends[w.side.Other()]
	if !peer.HasTCB() || peer.Inc != ep.PeerInc {
		return true
	}
	x := w.x
	x.peer.s, x.peer.side, x.peer.nested = w.s, w.side.Other(), true
	x.peerP = peer
	x.peerE = env{ep: &x.peerP, p: &x.m.p, world: &x.peer}
	for _, r := range x.m.table.index[RetransmissionTimeout][peer.State] {
		if r.guard == nil || r.guard.eval(&x.peerE) != 0 {
			return false
		}
	}
	return true
}

// runOne runs an event on one endpoint of s with a given ISN on offer.
func (x *expander) runOne(s *State, side Side, ev Event, seg Segment, isn uint8) (outcome, bool) {
	ep := s.Ends[side]
	var slot *memoEntry
	if x.memo != nil && !x.m.readsWorld[ev] && !x.forging {
		key := cacheKey{ep: ep, seg: seg, ev: ev, isn: isn}
		slot = &x.memo[key.slot()]
		if slot.valid && slot.key == key {
			return slot.o, slot.isnRead
		}
		slot.key = key
	}
	x.w.s, x.w.side, x.w.nested = s, side, false
	x.ep = ep
	x.e = env{ep: &x.ep, seg: seg, isn: isn, p: &x.m.p, world: &x.w}
	o := x.m.table.run(ev, &x.e)
	if slot != nil {
		slot.o, slot.isnRead, slot.valid = o, x.e.isnRead, true
	}
	return o, x.e.isnRead
}

// outcomes runs an event on one endpoint of s, once per initial sequence
// number the event may choose: one, the host's clock, unless ISNs are
// arbitrary and the host has had a connection before. The slice is reused
// by the next call.
func (x *expander) outcomes(s *State, side Side, ev Event, seg Segment) []result {
	clock := s.Ends[side].Clock
	o, isnRead := x.runOne(s, side, ev, seg, clock)
	x.res = append(x.res[:0], result{o, clock})
	if !isnRead || x.m.cfg.ISN == ISNClock || s.Ends[side].Flags&flagUsedSeq == 0 {
		return x.res
	}
	choices := x.m.cfg.SeqSpace // arbitrary: any value
	if x.m.cfg.ISN == ISNOverlap {
		choices = x.m.cfg.Window // the clock advanced by less than a window
	}
	for k := 1; k < choices; k++ {
		v := uint8(mod(int(clock)+k, x.m.cfg.SeqSpace))
		o, _ := x.runOne(s, side, ev, seg, v)
		x.res = append(x.res, result{o, v})
	}
	return x.res
}

// settle writes an endpoint's outcome into ns (see record) and puts the
// segments sent in the network, and a listening application takes the
// next connection. It reports false if the segments do not fit the
// network and the event may not happen now.
func (x *expander) settle(ns *State, side Side, ev Event, seg Segment, o *outcome, st *Step, spontaneous bool) bool {
	m := x.m
	if spontaneous && ns.InFlight()+int(o.nOut) > m.cfg.Capacity {
		return false
	}
	if int(ns.Count[side])+int(o.nOut) > MaxInFlight {
		return false // replies of two segments can outgrow a channel: like capacity, a bound of the model
	}
	before := ns.Ends[side]
	m.record(ns, side, ev, seg, o, st)
	for _, out := range st.Sent() {
		m.push(ns, side, out)
	}
	switch ep := ns.Ends[side]; {
	case !st.Deleted || !m.passive[side]:
	case before.State == Listen && (ev == Close || ev == Abort):
		// The application closed its listener: it listens again only when
		// it calls OPEN.
	case before.State == SynReceived && before.Passive():
		// The application never accepted this connection: its listener
		// simply takes the next one, as after a RST in SYN-RECEIVED.
		x.relisten(ns, side, st, false)
	case ep.Opens < uint8(m.cfg.Incarnations)+ep.Crashes:
		x.relisten(ns, side, st, true)
	}
	return true
}

// record writes an endpoint's outcome into ns and st, for the search and
// the Driver alike: the ghost bookkeeping (whose SYN gave the TCB its IRS,
// whether that SYN was stale, which segments are replies), the rules that
// fired and the segments they sent, and the deletion of the TCB. The
// segments are not yet in the network.
func (m *System) record(ns *State, side Side, ev Event, seg Segment, o *outcome, st *Step) {
	before := ns.Ends[side]
	ep := o.ep
	if o.setsIRS && ev == SegmentArrives {
		ep.PeerInc = seg.Inc()
		peer := ns.Ends[side.Other()]
		// Stale: the TCB that sent the SYN has been replaced, has ended
		// normally (a TCB lost in a crash or abort leaves a half-open
		// connection, not a stale one), or has paired with another of ours.
		if seg.Inc() != peer.Inc || !peer.HasTCB() && !peer.Aborted() || peer.PeerInc != 0 && peer.PeerInc != ep.Inc {
			ep.Flags |= flagStaleSyn
		} else {
			ep.Flags &^= flagStaleSyn
		}
	}
	st.NRules, st.Rules = o.nRules, o.rules
	st.NOut, st.Out = o.nOut, o.out
	st.Delivered = o.deliver
	if ev == SegmentArrives {
		for i := range st.NOut {
			st.Out[i] = st.Out[i].asReply()
		}
	}
	if before.HasTCB() && !ep.HasTCB() {
		ep = m.forget(ep)
		if ep.State == Listen {
			ep.Inc = nextTag(ep.Inc) // the listener will make a new TCB
		}
	}
	st.Deleted = before.State != Closed && ep.State == Closed
	ns.Ends[side] = ep
}

// opening is an endpoint as an OPEN call finds it: a new TCB tag, no peer
// yet, and the abort or crash that ended the last connection behind it.
func opening(ep Endpoint) Endpoint {
	ep.Opens++
	ep.Inc = nextTag(ep.Inc)
	ep.PeerInc = 0
	ep.Flags &^= flagAborted | flagCrashed | flagAttacked
	return ep
}

// forget discards a TCB's sequence-number state. The host's ISN clock moves
// beyond every sequence number the connection used, or, for fast or long
// connections (ISNOverlap), just past its ISN.
func (m *System) forget(ep Endpoint) Endpoint {
	ep.Clock = uint8(mod(int(ep.SndNxt)+1, m.cfg.SeqSpace))
	if m.cfg.ISN == ISNOverlap {
		ep.Clock = uint8(mod(int(ep.ISS)+1, m.cfg.SeqSpace))
	}
	ep.Flags = ep.Flags&^(flagPassive|flagStaleSyn) | flagUsedSeq
	ep.ISS, ep.IRS, ep.SndUna, ep.SndNxt, ep.RcvNxt, ep.Retries, ep.PeerInc = 0, 0, 0, 0, 0, 0, 0
	return ep
}

// relisten: the listening application's socket outlives each connection,
// so as soon as one is deleted the next passive OPEN is in place.
func (x *expander) relisten(ns *State, side Side, st *Step, next bool) {
	ep := ns.Ends[side]
	ep.Inc = nextTag(ep.Inc)
	if next {
		ep.Opens++
	}
	ep.Flags &^= flagAborted | flagAttacked
	ns.Ends[side] = ep
	x.tmp = *ns
	o, _ := x.runOne(&x.tmp, side, OpenPassive, 0, ep.Clock)
	if !o.fired() {
		return
	}
	ns.Ends[side] = o.ep
	for i := uint8(0); i < o.nRules && st.NRules < maxRulesPerStep; i++ {
		st.Rules[st.NRules] = o.rules[i]
		st.NRules++
	}
	st.Relisten = true
}

func (m *System) push(ns *State, side Side, seg Segment) {
	n := ns.Count[side]
	if int(n) == MaxInFlight {
		panic("model: network overflow")
	}
	ch := &ns.Net[side]
	i := n
	if m.cfg.Unordered {
		// Keep the multiset sorted so that its order does not make
		// distinct states.
		for i > 0 && ch[i-1] > seg {
			ch[i] = ch[i-1]
			i--
		}
	}
	ch[i] = seg
	ns.Count[side] = n + 1
}

// nextTag gives a TCB its ghost tag. Tags saturate rather than wrap: more
// than 31 TCBs on one side is far beyond any configuration that finishes.
func nextTag(t uint8) uint8 {
	if t < maxTag {
		return t + 1
	}
	return t
}

// Successors lists what can happen next, benign events first (deliveries,
// then application calls, then timers) and faults last, so that a shrinking
// random search keeps only the faults that matter.
func (m *System) Successors(s State, yield func(Step, State)) {
	m.newExpander(false).successors(s, yield)
}

func (x *expander) successors(s State, yield func(Step, State)) {
	m := x.m
	for from := A; from <= B; from++ {
		ch := s.Channel(from)
		for pos := range ch {
			reordered := false
			if pos > 0 {
				if m.cfg.Unordered {
					if ch[pos] == ch[pos-1] {
						continue
					}
				} else {
					if s.Budget.Reorder == 0 {
						break
					}
					reordered = true
				}
			}
			x.deliver(&s, from, pos, reordered, yield)
		}
	}
	for side := A; side <= B; side++ {
		x.calls(&s, side, yield)
	}
	for side := A; side <= B; side++ {
		for _, ev := range Timers {
			if len(m.table.index[ev][s.Ends[side].State]) > 0 {
				x.spontaneous(&s, side, Timeout, ev, yield)
			}
		}
	}
	m.faults(s, yield)
	x.attacks(&s, yield)
}

func (x *expander) deliver(s *State, from Side, pos int, reordered bool, yield func(Step, State)) {
	seg := s.Net[from][pos]
	to := from.Other()
	x.base = *s
	x.base.Remove(from, pos)
	if reordered {
		x.base.Budget.Reorder--
	}
	for _, r := range x.outcomes(&x.base, to, SegmentArrives, seg) {
		ns := x.base
		st := Step{Kind: Deliver, Side: to, Pos: uint8(pos), Seg: seg, Reordered: reordered, ISN: r.isn}
		x.settle(&ns, to, SegmentArrives, seg, &r.o, &st, false)
		yield(st, ns)
	}
}

func (x *expander) spontaneous(s *State, side Side, kind StepKind, ev Event, yield func(Step, State)) {
	x.base = *s
	if (ev == OpenActive || ev == OpenPassive) && s.Ends[side].State == Closed {
		x.base.Ends[side] = opening(x.base.Ends[side])
	}
	for _, r := range x.outcomes(&x.base, side, ev, 0) {
		if !r.o.fired() {
			continue
		}
		ns := x.base
		refused := kind == Call && r.o.ep == s.Ends[side] && r.o.nOut == 0
		if refused {
			// An error answer: the state is the one before the call.
			st := Step{Kind: kind, Side: side, Event: ev, ISN: r.isn, Refused: true, NRules: r.o.nRules, Rules: r.o.rules}
			yield(st, *s)
			continue
		}
		if ev == Abort || ev == UserTimeout && r.o.ep.State == Closed || ev == Close && s.Ends[side].State == SynSent {
			// CLOSE in SYN-SENT deletes the TCB without a FIN, as ABORT
			// does (3.10.4): the peer learns of it by a RST, if at all.
			r.o.ep.Flags |= flagAborted
		}
		st := Step{Kind: kind, Side: side, Event: ev, ISN: r.isn}
		if x.settle(&ns, side, ev, 0, &r.o, &st, true) {
			yield(st, ns)
		}
	}
}

// calls are the application's moves (see appCalls).
func (x *expander) calls(s *State, side Side, yield func(Step, State)) {
	calls := x.m.appCalls(s, side)
	for _, ev := range calls.list[:calls.n] {
		x.spontaneous(s, side, Call, ev, yield)
	}
}

func (m *System) mayClose(side Side, st TCPState) bool {
	if m.cfg.NeverClose[side] {
		return false
	}
	if st == CloseWait {
		return true
	}
	switch m.cfg.Close {
	case CloseClient:
		return side == A
	case CloseServer:
		return side == B
	}
	return true
}

func (m *System) faults(s State, yield func(Step, State)) {
	if s.Budget.Loss > 0 {
		for from := A; from <= B; from++ {
			ch := s.Channel(from)
			for pos := range ch {
				if m.cfg.Unordered && pos > 0 && ch[pos] == ch[pos-1] {
					continue
				}
				ns := s
				ns.Remove(from, pos)
				ns.Budget.Loss--
				yield(Step{Kind: Lose, Side: from, Pos: uint8(pos), Seg: ch[pos]}, ns)
			}
		}
	}
	if s.Budget.Dup > 0 && s.InFlight() < m.cfg.Capacity {
		for from := A; from <= B; from++ {
			ch := s.Channel(from)
			for pos := range ch {
				if repeats(ch, pos) {
					continue // a copy of an identical segment gives the same state
				}
				ns := s
				m.push(&ns, from, ch[pos])
				ns.Budget.Dup--
				yield(Step{Kind: Duplicate, Side: from, Pos: uint8(pos), Seg: ch[pos]}, ns)
			}
		}
	}
	if s.Budget.Crash > 0 {
		for side := A; side <= B; side++ {
			ep := s.Ends[side]
			if ep.State == Closed || !m.cfg.MayCrash(side) {
				continue
			}
			ns := s
			if ep.HasTCB() {
				ep = m.forget(ep)
			}
			ep.State = Closed
			ep.Flags |= flagCrashed | flagAborted
			ep.Crashes++
			ns.Ends[side] = ep
			ns.Budget.Crash--
			yield(Step{Kind: Crash, Side: side, Deleted: true}, ns)
		}
	}
}

func repeats(ch []Segment, pos int) bool {
	for i := 0; i < pos; i++ {
		if ch[i] == ch[pos] {
			return true
		}
	}
	return false
}
