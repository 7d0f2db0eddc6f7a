package model

import (
	"fmt"
	"sort"
	"strings"
)

// Rule is one line of an endpoint's rule table: data, not code. The same
// table drives the search, the state diagram and the documentation, and
// variant files change it in the same vocabulary.
type Rule struct {
	Name    string // unique; appears unchanged in counterexamples
	Section string // where RFC 9293 says so (or the RFC a variant follows)
	In      string // states it applies in, comma-separated
	// On is the trigger: "OPEN active", "OPEN passive", "SEND", "CLOSE",
	// "ABORT", "segment N" (step N of RFC 9293's processing of an arriving
	// segment, 1 to 8), "retransmission timeout", "user timeout" or
	// "time-wait timeout", "keep-alive timeout" or "fin-wait-2 timeout".
	On string
	If string // guard; empty means always
	// Do is the effect: "NAME := expression" statements, "deliver" (hand
	// the segment's data octet to the application) and "send" (form the
	// segment of Send here; without it, the segment is formed after the
	// whole effect), separated by ';'.
	Do   string
	Send string // the segment sent, in RFC notation, or empty
	Next string // the state entered; empty means the state does not change
	// Then is "continue" for a segment rule after which the next steps of
	// segment processing still run; by default processing ends ("return").
	Then  string
	Label string // transition label for the state diagram, RFC style
	Why   string // one line of explanation
}

// Event is what triggers a rule.
type Event uint8

const (
	OpenActive Event = iota
	OpenPassive
	Send
	Close
	Abort
	SegmentArrives
	RetransmissionTimeout
	UserTimeout
	TimeWaitTimeout
	KeepAliveTimeout // the connection has been idle for the keep-alive interval (RFC 9293 3.8.4)
	FinWait2Timeout  // a stack's FIN-WAIT-2 timer (Linux: tcp_fin_timeout); RFC 9293 has none
	numEvents
)

var eventNames = [numEvents]string{
	"OPEN active", "OPEN passive", "SEND", "CLOSE", "ABORT", "segment",
	"retransmission timeout", "user timeout", "time-wait timeout",
	"keep-alive timeout", "fin-wait-2 timeout",
}

// Timers lists the timer events, in the order successors try them.
var Timers = [...]Event{RetransmissionTimeout, UserTimeout, TimeWaitTimeout, KeepAliveTimeout, FinWait2Timeout}

func (e Event) String() string { return eventNames[e] }

// IsTimer reports whether the event is a timeout.
func (e Event) IsTimer() bool { return e >= RetransmissionTimeout }

// Macro names an expression that rules can use, like ACCEPTABLE for the
// segment acceptability test.
type Macro struct {
	Name, Expr, Why string
}

// RuleError locates a problem in a rule.
type RuleError struct {
	Rule  string
	Field string // "in", "on", "if", "do", "send", "next", "then", "name"
	Err   error
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("rule %s, %s: %v", e.Rule, e.Field, e.Err)
}

func (e *RuleError) Unwrap() error { return e.Err }

// compiledRule is a rule ready to run.
type compiledRule struct {
	Rule
	id         int
	states     uint16 // bit per TCPState
	event      Event
	step       uint8 // segment processing step, 1..8
	guard      *compiled
	eff        effect
	sendAt     int // index in eff.assigns before which the segment is formed; -1: after all
	send       *template
	next       TCPState
	changes    bool
	cont       bool
	readsISN   bool
	readsWorld bool // reads NET.QUIET or MSL.ELAPSED
	setsIRS    bool
}

func (r *compiledRule) appliesIn(s TCPState) bool { return r.states&(1<<s) != 0 }

// States lists the states the rule applies in.
func (r *compiledRule) States() []TCPState {
	var out []TCPState
	for s := TCPState(0); s < numStates; s++ {
		if r.appliesIn(s) {
			out = append(out, s)
		}
	}
	return out
}

func parseTrigger(on string) (Event, uint8, error) {
	on = strings.TrimSpace(on)
	lower := strings.ToLower(on)
	if strings.HasPrefix(lower, "segment") {
		var step int
		if _, err := fmt.Sscanf(lower, "segment %d", &step); err != nil || step < 1 || step > 8 {
			return 0, 0, fmt.Errorf("want \"segment N\" with N the processing step 1 to 8, got %q", on)
		}
		return SegmentArrives, uint8(step), nil
	}
	for e, name := range eventNames {
		if lower == strings.ToLower(name) && Event(e) != SegmentArrives {
			return Event(e), 0, nil
		}
	}
	return 0, 0, fmt.Errorf("unknown trigger %q (want OPEN active, OPEN passive, SEND, CLOSE, ABORT, segment N, retransmission timeout, user timeout, time-wait timeout, keep-alive timeout or fin-wait-2 timeout)", on)
}

func parseStates(in string) (uint16, error) {
	var mask uint16
	for _, f := range strings.Split(in, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		s, err := ParseState(f)
		if err != nil {
			return 0, err
		}
		mask |= 1 << s
	}
	if mask == 0 {
		return 0, fmt.Errorf("no state given")
	}
	return mask, nil
}

func compileMacros(ms []Macro) (map[string]*compiled, error) {
	out := map[string]*compiled{}
	for _, m := range ms {
		if _, clash := variables[m.Name]; clash {
			return nil, fmt.Errorf("macro %s: the name is a variable", m.Name)
		}
		c, err := compileExpr(m.Expr, out)
		if err != nil {
			return nil, fmt.Errorf("macro %s: %w", m.Name, err)
		}
		out[m.Name] = c
	}
	return out, nil
}

func compileRule(r Rule, id int, macros map[string]*compiled) (*compiledRule, error) {
	fail := func(field string, err error) (*compiledRule, error) {
		return nil, &RuleError{Rule: r.Name, Field: field, Err: err}
	}
	c := &compiledRule{Rule: r, id: id, sendAt: -1}
	if r.Name == "" {
		return fail("name", fmt.Errorf("a rule needs a name"))
	}
	var err error
	if c.states, err = parseStates(r.In); err != nil {
		return fail("in", err)
	}
	if c.event, c.step, err = parseTrigger(r.On); err != nil {
		return fail("on", err)
	}
	if strings.TrimSpace(r.If) != "" {
		if c.guard, err = compileExpr(r.If, macros); err != nil {
			return fail("if", err)
		}
		if c.guard.typ != boolType {
			return fail("if", fmt.Errorf("a guard must be a boolean, this is %s", article(c.guard.typ.String())))
		}
		c.readsISN = c.readsISN || c.guard.usesID["ISN"]
	}
	doText := r.Do
	if stmts := strings.Split(doText, ";"); true {
		var kept []string
		for _, s := range stmts {
			if strings.TrimSpace(s) == "send" {
				if c.sendAt >= 0 {
					return fail("do", fmt.Errorf("send appears twice"))
				}
				c.sendAt = countAssignments(kept)
				kept = append(kept, strings.Repeat(" ", len(s))) // keeps columns right
				continue
			}
			kept = append(kept, s)
		}
		doText = strings.Join(kept, ";")
	}
	if c.eff, err = compileEffect(doText, macros); err != nil {
		return fail("do", err)
	}
	for _, a := range c.eff.assigns {
		c.readsISN = c.readsISN || a.value.usesID["ISN"]
		c.setsIRS = c.setsIRS || a.target.name == "IRS"
	}
	if strings.TrimSpace(r.Send) != "" {
		if c.send, err = compileTemplate(r.Send, macros); err != nil {
			return fail("send", err)
		}
		c.readsISN = c.readsISN || c.send.seq.usesID["ISN"] || c.send.ack != nil && c.send.ack.usesID["ISN"]
	} else if c.sendAt >= 0 {
		return fail("do", fmt.Errorf("send is used but the rule has no segment to send"))
	}
	if strings.TrimSpace(r.Next) != "" {
		if c.next, err = ParseState(r.Next); err != nil {
			return fail("next", err)
		}
		c.changes = true
	}
	switch strings.ToLower(strings.TrimSpace(r.Then)) {
	case "", "return":
	case "continue":
		if c.event != SegmentArrives {
			return fail("then", fmt.Errorf("only segment rules can continue"))
		}
		c.cont = true
	default:
		return fail("then", fmt.Errorf("want return or continue, got %q", r.Then))
	}
	if c.eff.deliver && c.event != SegmentArrives {
		return fail("do", fmt.Errorf("deliver needs an arriving segment"))
	}
	uses := func(name string) bool {
		if c.guard != nil && c.guard.usesID[name] {
			return true
		}
		for _, a := range c.eff.assigns {
			if a.value.usesID[name] {
				return true
			}
		}
		return c.send != nil && (c.send.seq.usesID[name] || c.send.ack != nil && c.send.ack.usesID[name])
	}
	c.readsWorld = uses("NET.QUIET") || uses("MSL.ELAPSED")
	if c.event != SegmentArrives {
		for _, seg := range []string{"SEG.SEQ", "SEG.ACK", "SEG.LEN", "SEG.TEXT", "SYN", "ACK", "FIN", "RST"} {
			if c.guard != nil && c.guard.usesID[seg] {
				return fail("if", fmt.Errorf("%s reads the arriving segment but the trigger is %s", seg, c.event))
			}
		}
	}
	return c, nil
}

func countAssignments(stmts []string) int {
	n := 0
	for _, s := range stmts {
		s = strings.TrimSpace(s)
		if s != "" && s != "deliver" {
			n++
		}
	}
	return n
}

// Table is a compiled rule table, indexed by event and state.
type Table struct {
	rules  []*compiledRule
	byName map[string]*compiledRule
	index  [numEvents][numStates][]*compiledRule
}

// CompileTable checks and compiles rules. Rules are tried in table order;
// for an arriving segment, step by step.
func CompileTable(rules []Rule, macros []Macro) (*Table, error) {
	ms, err := compileMacros(macros)
	if err != nil {
		return nil, err
	}
	t := &Table{byName: map[string]*compiledRule{}}
	if len(rules) > 255 {
		return nil, fmt.Errorf("%d rules: at most 255 are supported", len(rules))
	}
	for i, r := range rules {
		c, err := compileRule(r, i, ms)
		if err != nil {
			return nil, err
		}
		if _, dup := t.byName[r.Name]; dup {
			return nil, &RuleError{Rule: r.Name, Field: "name", Err: fmt.Errorf("two rules have this name")}
		}
		t.byName[r.Name] = c
		t.rules = append(t.rules, c)
		for s := TCPState(0); s < numStates; s++ {
			if c.appliesIn(s) {
				t.index[c.event][s] = append(t.index[c.event][s], c)
			}
		}
	}
	for s := TCPState(0); s < numStates; s++ {
		rs := t.index[SegmentArrives][s]
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].step < rs[j].step })
	}
	if err := t.checkSends(); err != nil {
		return nil, err
	}
	return t, nil
}

// checkSends refuses a table in which one arriving segment can make an
// endpoint send more segments than an outcome holds: a chain of rules
// that continue, each sending. Guards are not evaluated, so any rule of a
// later step may follow.
func (t *Table) checkSends() error {
	type at struct {
		state TCPState
		step  uint8
	}
	memo := map[at][]*compiledRule{}
	// longest is the longest run of sending rules that can fire in state
	// s after step last.
	var longest func(s TCPState, last uint8) []*compiledRule
	longest = func(s TCPState, last uint8) []*compiledRule {
		if c, ok := memo[at{s, last}]; ok {
			return c
		}
		var best []*compiledRule
		for _, r := range t.index[SegmentArrives][s] {
			if r.step <= last {
				continue
			}
			var chain []*compiledRule
			if r.cont {
				next := s
				if r.changes {
					next = r.next
				}
				chain = longest(next, r.step)
			}
			if r.send != nil && !isBareACKTemplate(r.send) {
				chain = append([]*compiledRule{r}, chain...)
			} else if r.send != nil && (len(chain) == 0 || !isBareACKTemplate(chain[0].send)) {
				// A bare ACK replaces a bare ACK formed just before it.
				chain = append([]*compiledRule{r}, chain...)
			}
			// Between runs as long, one not starting with a bare ACK can
			// follow a bare ACK without replacing it.
			if len(chain) > len(best) || len(chain) == len(best) && len(chain) > 0 &&
				isBareACKTemplate(best[0].send) && !isBareACKTemplate(chain[0].send) {
				best = chain
			}
		}
		memo[at{s, last}] = best
		return best
	}
	for s := TCPState(0); s < numStates; s++ {
		if chain := longest(s, 0); len(chain) > len(outcome{}.out) {
			names := make([]string, len(chain))
			for i, r := range chain {
				names[i] = r.Name
			}
			return &RuleError{Rule: chain[len(outcome{}.out)].Name, Field: "send", Err: fmt.Errorf(
				"in %s one arriving segment can fire rules %s, each sending a segment: at most %d segments are sent for one event",
				s, strings.Join(names, ", "), len(outcome{}.out))}
		}
	}
	return nil
}

func isBareACKTemplate(tp *template) bool { return tp.ctl == ACK && !tp.data }

// RuleInfo describes a compiled rule for documentation and diagrams.
type RuleInfo struct {
	Rule
	ID      int
	States  []TCPState
	Event   Event
	Step    int
	Next    TCPState // meaningful when Changes
	Changes bool
	SendCtl uint8 // control bits of the segment sent, 0 if none
	Sends   bool
}

// Rules lists the table's rules in order.
func (t *Table) Rules() []RuleInfo {
	out := make([]RuleInfo, len(t.rules))
	for i, r := range t.rules {
		out[i] = r.info()
	}
	return out
}

func (r *compiledRule) info() RuleInfo {
	ri := RuleInfo{Rule: r.Rule, ID: r.id, States: r.States(), Event: r.event, Step: int(r.step), Next: r.next, Changes: r.changes}
	if r.send != nil {
		ri.Sends = true
		ri.SendCtl = r.send.ctl
	}
	return ri
}

// Rule returns the rule with the given id.
func (t *Table) Rule(id int) RuleInfo { return t.rules[id].info() }

// outcome is what one event did to an endpoint.
type outcome struct {
	ep      Endpoint
	out     [2]Segment
	nOut    uint8
	rules   [maxRulesPerStep]uint8
	nRules  uint8
	deliver bool
	setsIRS bool
}

// maxRulesPerStep is the most rules one step can fire: an arriving segment
// fires at most one rule per processing step (1 to 8, in increasing
// order), and a listener's passive OPEN may follow.
const maxRulesPerStep = 8 + 1

func (o *outcome) fired() bool { return o.nRules > 0 }

// run applies an event to an endpoint. For calls and timeouts the first
// rule whose guard holds fires; for an arriving segment the steps of RFC
// 9293 section 3.10.7 run in order, in the state current at each step,
// until a rule returns.
func (t *Table) run(ev Event, e *env) outcome {
	o := outcome{}
	if ev != SegmentArrives {
		for _, r := range t.index[ev][e.ep.State] {
			if r.guard == nil || r.guard.eval(e) != 0 {
				t.apply(r, e, &o)
				break
			}
		}
		o.ep = *e.ep
		return o
	}
	lastStep := uint8(0)
	for {
		var found *compiledRule
		for _, r := range t.index[SegmentArrives][e.ep.State] {
			if r.step <= lastStep {
				continue
			}
			if r.guard == nil || r.guard.eval(e) != 0 {
				found = r
				break
			}
		}
		if found == nil {
			break
		}
		t.apply(found, e, &o)
		lastStep = found.step
		if !found.cont {
			break
		}
	}
	o.ep = *e.ep
	return o
}

func (t *Table) apply(r *compiledRule, e *env, o *outcome) {
	if int(o.nRules) == len(o.rules) {
		panic("model: too many rules fired for one event")
	}
	o.rules[o.nRules] = uint8(r.id)
	o.nRules++
	for i, a := range r.eff.assigns {
		if i == r.sendAt {
			t.emit(r.send, e, o)
		}
		a.target.set(e, a.value.eval(e))
	}
	if r.send != nil && (r.sendAt < 0 || r.sendAt >= len(r.eff.assigns)) {
		t.emit(r.send, e, o)
	}
	if r.eff.deliver {
		o.deliver = true
	}
	if r.setsIRS {
		o.setsIRS = true
	}
	if r.changes {
		e.ep.State = r.next
	}
}

// emit forms a segment. A bare ACK replaces a bare ACK formed earlier for
// the same event: acknowledgments are aggregated (RFC 9293 MUST-58, MUST-59).
func (t *Table) emit(tp *template, e *env, o *outcome) {
	seq := uint8(tp.seq.eval(e))
	var ack uint8
	if tp.ack != nil {
		ack = uint8(tp.ack.eval(e))
	}
	var byteIndex uint8
	if tp.data {
		byteIndex = uint8(mod(int(seq)-int(e.ep.ISS)-1, e.p.seqSpace))
	}
	s := NewSegment(tp.ctl, seq, ack, tp.data, e.ep.Inc, byteIndex)
	if o.nOut > 0 && isBareACK(o.out[o.nOut-1]) && isBareACK(s) {
		o.out[o.nOut-1] = s
		return
	}
	if int(o.nOut) == len(o.out) {
		panic("model: a rule table sent more than two segments for one event")
	}
	o.out[o.nOut] = s
	o.nOut++
}

func isBareACK(s Segment) bool { return s.Ctl() == ACK && !s.Data() }
