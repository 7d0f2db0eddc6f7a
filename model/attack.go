package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The attacker: an environment step, like the faults, that delivers a
// segment no endpoint sent. It is off unless Config.Attack grants it a
// budget of forged segments.

// Attacker is what the attacker knows.
type Attacker uint8

const (
	// Blind knows the address pair and nothing else: its segment may carry
	// any sequence number (and acknowledgment number), so the search tries
	// every one; how many of them succeed is what tells RFC 793's in-window
	// check from RFC 5961's exact one.
	Blind Attacker = iota
	// OnPath sees every segment in flight and forges with the sequence and
	// acknowledgment numbers they carry.
	OnPath
)

func (a Attacker) String() string { return [...]string{"blind", "on-path"}[a] }

// ParseAttacker reads --attacker.
func ParseAttacker(s string) (Attacker, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "blind", "off-path":
		return Blind, nil
	case "on-path", "onpath":
		return OnPath, nil
	}
	return 0, fmt.Errorf("attacker %q: want blind or on-path", s)
}

// AttackKinds is a set of the kinds of segment the attacker forges.
type AttackKinds uint8

const (
	ForgeRST  AttackKinds = 1 << iota // <CTL=RST>
	ForgeSYN                          // <CTL=SYN>
	ForgeACK                          // <CTL=ACK>
	ForgeData                         // <CTL=ACK><DATA>: one octet
	ForgeFIN                          // <CTL=FIN,ACK>
	// AllForgeKinds is the default.
	AllForgeKinds = ForgeRST | ForgeSYN | ForgeACK | ForgeData | ForgeFIN
)

var forgeKindNames = [...]string{"rst", "syn", "ack", "data", "fin"}

// Kinds lists the kinds in the set, in the order rst, syn, ack, data, fin;
// the empty set stands for all of them.
func (k AttackKinds) Kinds() []AttackKinds {
	if k == 0 {
		k = AllForgeKinds
	}
	var out []AttackKinds
	for i := range forgeKindNames {
		if k&(1<<i) != 0 {
			out = append(out, 1<<i)
		}
	}
	return out
}

func (k AttackKinds) String() string {
	var names []string
	for _, one := range k.Kinds() {
		for i := range forgeKindNames {
			if one == 1<<i {
				names = append(names, forgeKindNames[i])
			}
		}
	}
	return strings.Join(names, ",")
}

// ParseAttackKinds reads --attack-segments: a comma-separated list of rst,
// syn, ack, data and fin, or all.
func ParseAttackKinds(s string) (AttackKinds, error) {
	var k AttackKinds
	for _, part := range strings.Split(s, ",") {
		name := strings.ToLower(strings.TrimSpace(part))
		if name == "all" {
			k |= AllForgeKinds
			continue
		}
		found := false
		for i, n := range forgeKindNames {
			if n == name {
				k, found = k|1<<i, true
			}
		}
		if !found {
			return 0, fmt.Errorf("attack-segments %q: unknown segment kind %q (want a list of rst, syn, ack, data, fin, or all)", s, part)
		}
	}
	if k == AllForgeKinds {
		k = 0 // one spelling of "all", so that equal configurations compare equal
	}
	return k, nil
}

// segment is the forged segment of one kind with the given numbers; its
// ghost marks say that no endpoint sent it.
func (k AttackKinds) segment(seq, ack uint8) Segment {
	var ctl uint8
	data := false
	switch k {
	case ForgeRST:
		ctl = RST
	case ForgeSYN:
		ctl = SYN
	case ForgeACK:
		ctl = ACK
	case ForgeData:
		ctl, data = ACK, true
	case ForgeFIN:
		ctl = FIN | ACK
	}
	if ctl&ACK == 0 {
		ack = 0
	}
	return NewSegment(ctl, seq, ack, data, 0, 0) | 1<<segForgedBit
}

// ReadsAck reports whether the kind's segment carries an acknowledgment
// number, which a blind attacker must guess too.
func (k AttackKinds) ReadsAck() bool { return k == ForgeACK || k == ForgeData || k == ForgeFIN }

// KindOf is the kind of a forged segment.
func KindOf(seg Segment) AttackKinds {
	switch {
	case seg.Has(RST):
		return ForgeRST
	case seg.Has(SYN):
		return ForgeSYN
	case seg.Has(FIN):
		return ForgeFIN
	case seg.Data():
		return ForgeData
	}
	return ForgeACK
}

// StateSet is a set of TCP states; the empty set stands for all.
type StateSet uint16

// Has reports whether the set holds the state.
func (ss StateSet) Has(s TCPState) bool { return ss == 0 || ss&(1<<s) != 0 }

func (ss StateSet) String() string {
	if ss == 0 {
		return "all"
	}
	var names []string
	for _, s := range AllStates() {
		if ss&(1<<s) != 0 {
			names = append(names, s.String())
		}
	}
	return strings.Join(names, ",")
}

// ParseStateSet reads --attack-states: a comma-separated list of states,
// or all.
func ParseStateSet(s string) (StateSet, error) {
	if strings.ToLower(strings.TrimSpace(s)) == "all" {
		return 0, nil
	}
	var ss StateSet
	for _, part := range strings.Split(s, ",") {
		st, err := ParseState(strings.TrimSpace(part))
		if err != nil {
			return 0, fmt.Errorf("attack-states %q: %v", s, err)
		}
		ss |= 1 << st
	}
	if ss == 1<<numStates-1 {
		ss = 0
	}
	return ss, nil
}

// MaxAttack bounds the attacker's budget: each endpoint counts the forged
// segments it received in two bits of its flags.
const MaxAttack = 3

const (
	segForgedBit   = 30
	flagForgedMask = flagForgedLow | flagForgedHigh
)

// Attacked reports (ghost) whether a forged segment changed or ended the
// endpoint's connection: what happens to it next may be the attack's doing.
func (e Endpoint) Attacked() bool { return e.Flags&flagAttacked != 0 }

// Forged reports (ghost) that the attacker made the segment.
func (s Segment) Forged() bool { return s&(1<<segForgedBit) != 0 }

// ForgedReceived is how many forged segments the endpoint has received.
func (e Endpoint) ForgedReceived() int { return int(e.Flags&flagForgedMask) / int(flagForgedLow) }

// Forged is how many segments the attacker has forged so far.
func (s *State) Forged() int { return s.Ends[A].ForgedReceived() + s.Ends[B].ForgedReceived() }

func (c Config) validateAttack() error {
	switch {
	case c.Attack < 0 || c.Attack > MaxAttack:
		return &ConfigError{Settings: []string{"attack"}, Msg: fmt.Sprintf("attack %d: want 0 to %d forged segments", c.Attack, MaxAttack)}
	case c.Attacker > OnPath:
		return &ConfigError{Settings: []string{"attacker"}, Msg: "unknown attacker (want blind or on-path)"}
	case c.AttackSegments&^AllForgeKinds != 0:
		return &ConfigError{Settings: []string{"attack-segments"}, Msg: "unknown kind of forged segment"}
	case c.AttackStates >= 1<<numStates:
		return &ConfigError{Settings: []string{"attack-states"}, Msg: "unknown state in attack-states"}
	}
	return nil
}

// attackSettingNames are the settings of the attacker, as the command
// line names them.
var attackSettingNames = []string{"attack", "attacker", "attack-segments", "attack-states"}

// applyAttackSetting sets one of the attacker's settings; it reports false
// for a name that is not one.
func applyAttackSetting(c *Config, name, value string) (bool, error) {
	var err error
	switch name {
	case "attack":
		n, perr := strconv.Atoi(value)
		switch {
		case perr != nil:
			err = fmt.Errorf("attack: %q is not a number", value)
		case n < 0 || n > MaxAttack:
			err = fmt.Errorf("attack %d: want 0 to %d forged segments", n, MaxAttack)
		default:
			c.Attack = n
		}
	case "attacker":
		c.Attacker, err = ParseAttacker(value)
	case "attack-segments":
		c.AttackSegments, err = ParseAttackKinds(value)
	case "attack-states":
		c.AttackStates, err = ParseStateSet(value)
	default:
		return false, nil
	}
	return true, err
}

// attackSettings writes the attacker's settings, or nothing when there is
// no attacker, so that configurations without one read as before.
func (c Config) attackSettings() map[string]string {
	if c.Attack == 0 {
		return nil
	}
	return map[string]string{"attack": strconv.Itoa(c.Attack), "attacker": c.Attacker.String(),
		"attack-segments": c.AttackSegments.String(), "attack-states": c.AttackStates.String()}
}

// AttackString describes the attacker for reports: empty when there is
// none.
func (c Config) AttackString() string {
	if c.Attack == 0 {
		return ""
	}
	return fmt.Sprintf("attack %d (%s: %s segments against %s)", c.Attack, c.Attacker, c.AttackSegments, c.AttackStates)
}

// ForgeCandidates lists the segments of a kind the attacker may send to
// target in s: a blind attacker any sequence number (and any
// acknowledgment number, for a kind that carries one), an on-path one only
// the numbers the segments in flight carry, in either direction (none when
// the network is empty). It does not look at the budget.
func (m *System) ForgeCandidates(s State, target Side, kind AttackKinds) []Segment {
	if m.cfg.Attacker == Blind {
		if c, ok := m.blind[kind]; ok {
			return c
		}
		return m.blindCandidates(kind)
	}
	n := m.cfg.SeqSpace
	var seqs, acks []uint8
	add := func(set []uint8, v uint8) []uint8 {
		for _, w := range set {
			if w == v {
				return set
			}
		}
		return append(set, v)
	}
	end := func(seg Segment) uint8 { return uint8(mod(int(seg.Seq())+seg.Len(), n)) }
	// From the peer to the target: where the peer's numbers stand.
	for _, seg := range s.Channel(target.Other()) {
		seqs = add(add(seqs, seg.Seq()), end(seg))
		if seg.Has(ACK) {
			acks = add(acks, seg.Ack())
		}
	}
	// From the target: what it expects and what it has sent.
	for _, seg := range s.Channel(target) {
		if seg.Has(ACK) {
			seqs = add(seqs, seg.Ack())
		}
		acks = add(acks, end(seg))
	}
	if !kind.ReadsAck() {
		acks = []uint8{0}
	}
	var out []Segment
	for _, q := range seqs {
		for _, a := range acks {
			out = append(out, kind.segment(q, a))
		}
	}
	return out
}

func (m *System) blindCandidates(kind AttackKinds) []Segment {
	n := m.cfg.SeqSpace
	var out []Segment
	for q := 0; q < n; q++ {
		if !kind.ReadsAck() {
			out = append(out, kind.segment(uint8(q), 0))
			continue
		}
		for a := 0; a < n; a++ {
			out = append(out, kind.segment(uint8(q), uint8(a)))
		}
	}
	return out
}

// initAttack precomputes what a blind attacker may send.
func (m *System) initAttack() {
	if m.cfg.Attack == 0 || m.cfg.Attacker != Blind {
		return
	}
	m.blind = map[AttackKinds][]Segment{}
	for _, k := range AllForgeKinds.Kinds() {
		m.blind[k] = m.blindCandidates(k)
	}
}

// ForgeSuccessors gives the successors of s in which the forged segment
// seg reaches target: one for each initial sequence number the receiving
// rule may choose. The budget and the states attacked are not checked.
func (m *System) ForgeSuccessors(s State, target Side, seg Segment, yield func(Step, State)) {
	m.newExpander(false).forge(&s, target, seg, yield)
}

func (x *expander) forge(s *State, target Side, seg Segment, yield func(Step, State)) {
	x.forging = true
	res := slices.Clone(x.outcomes(s, target, SegmentArrives, seg))
	x.forging = false
	x.settleForged(s, target, seg, res, yield)
}

// settleForged makes the successors of s in which the forged segment seg,
// with these outcomes, reached target.
func (x *expander) settleForged(s *State, target Side, seg Segment, results []result, yield func(Step, State)) {
	x.base = *s
	before := x.base.Ends[target]
	for _, r := range results {
		ns := x.base
		st := Step{Kind: Forge, Side: target, Seg: seg, ISN: r.isn}
		if !x.settle(&ns, target, SegmentArrives, seg, &r.o, &st, false) {
			continue
		}
		ep := ns.Ends[target]
		ep.Flags += flagForgedLow
		if r.o.setsIRS {
			// A forged SYN is not an old duplicate: what it does is the
			// attack's, not a stale connection.
			ep.Flags &^= flagStaleSyn
		}
		switch {
		case st.Relisten:
			// A new TCB listens: the connection attacked is gone.
		case before.HasTCB() && st.Deleted:
			// The connection ended by an attack, as by a crash: its peer,
			// left half-open, is rightly reset later.
			ep.Flags |= flagAborted | flagAttacked
		case tcbChanged(before, ep):
			ep.Flags |= flagAttacked
		}
		ns.Ends[target] = ep
		yield(st, ns)
	}
}

// tcbChanged reports whether a segment moved the connection's state or
// sequence variables (a challenge ACK, or a drop, changes nothing).
func tcbChanged(a, b Endpoint) bool {
	return a.State != b.State || a.ISS != b.ISS || a.IRS != b.IRS || a.SndUna != b.SndUna || a.SndNxt != b.SndNxt || a.RcvNxt != b.RcvNxt
}

// attacks are the attacker's moves: while its budget lasts, a forged
// segment of each kind it sends reaches an endpoint in a state it
// attacks. Values with the same outcome are offered once (the first, in
// order of sequence and acknowledgment number): the others are the same
// transition.
func (x *expander) attacks(s *State, yield func(Step, State)) {
	m := x.m
	if m.cfg.Attack == 0 || s.Forged() >= m.cfg.Attack {
		return
	}
	type emitted struct {
		st Step
		ns State
	}
	var seen []emitted
	for target := A; target <= B; target++ {
		if !m.cfg.AttackStates.Has(s.Ends[target].State) {
			continue
		}
		for _, kind := range m.cfg.AttackSegments.Kinds() {
			seen = seen[:0]
			for _, c := range x.forgeClasses(s, target, kind) {
				x.settleForged(s, target, c.seg, c.res, func(st Step, ns State) {
					key := st
					key.Seg = 0
					for _, e := range seen {
						if e.st == key && e.ns == ns {
							return
						}
					}
					seen = append(seen, emitted{key, ns})
					yield(st, ns)
				})
			}
		}
	}
}

// forgeClass is the segments of a kind that have the same outcomes at an
// endpoint, by the first of them.
type forgeClass struct {
	seg Segment
	res []result
}

type forgeKey struct {
	ep   Endpoint
	kind AttackKinds
}

// maxForgeCache bounds a worker's cache of forge classes.
const maxForgeCache = 1 << 14

// forgeClasses groups the segments of a kind the attacker may send to
// target by their outcomes. The outcomes depend only on the endpoint (and,
// for an on-path attacker, on the segments in flight, which choose the
// candidates), so a worker keeps them per endpoint for a blind attacker,
// unless the rules for an arriving segment read the network.
func (x *expander) forgeClasses(s *State, target Side, kind AttackKinds) []forgeClass {
	m := x.m
	cache := m.cfg.Attacker == Blind && !m.readsWorld[SegmentArrives]
	key := forgeKey{s.Ends[target], kind}
	if cache {
		if c, ok := x.cachedForgeClasses(key); ok {
			return c
		}
	}
	var classes []forgeClass
	x.forging = true
	for _, seg := range m.ForgeCandidates(*s, target, kind) {
		res := x.outcomes(s, target, SegmentArrives, seg)
		known := false
		for _, c := range classes {
			known = known || slices.Equal(c.res, res)
		}
		if !known {
			classes = append(classes, forgeClass{seg, slices.Clone(res)})
		}
	}
	x.forging = false
	if cache {
		x.cacheForgeClasses(key, classes)
	}
	return classes
}

// cachedForgeClasses looks in the worker's cache, or in the system's for
// an expander that is not a worker's.
func (x *expander) cachedForgeClasses(key forgeKey) ([]forgeClass, bool) {
	if x.memo != nil {
		c, ok := x.forgeCache[key]
		return c, ok
	}
	m := x.m
	m.forgeMu.Lock()
	defer m.forgeMu.Unlock()
	c, ok := m.forgeShared[key]
	return c, ok
}

func (x *expander) cacheForgeClasses(key forgeKey, classes []forgeClass) {
	put := func(cache *map[forgeKey][]forgeClass) {
		if *cache == nil || len(*cache) >= maxForgeCache {
			*cache = map[forgeKey][]forgeClass{}
		}
		(*cache)[key] = classes
	}
	if x.memo != nil {
		put(&x.forgeCache)
		return
	}
	m := x.m
	m.forgeMu.Lock()
	defer m.forgeMu.Unlock()
	put(&m.forgeShared)
}
