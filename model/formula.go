package model

import (
	"fmt"
	"sort"
	"strings"
)

// A formula is a property a user writes in the rule language, over the
// joint state instead of one endpoint: each endpoint's variables carry the
// side's name (client.SND.NXT, server.STATE, or A. and B.), the network is
// NET, and a formula about a step may read the state after it with a prime
// (client.STATE') and the rules that fired (RULE == time-wait.timeout).
//
//	client.STATE == CLOSED && server.STATE == ESTABLISHED && NET.EMPTY
//	client.STATE == TIME-WAIT && client.STATE' != TIME-WAIT => RULE == time-wait.timeout
//
// Formulas read ghost variables too (what the applications sent and
// received, whether they closed or aborted), never write anything, and
// never influence a rule.

// Formula is a compiled formula.
type Formula struct {
	src  string
	c    *compiled
	p    *params
	step bool // reads the step or the state after it
}

// String is the formula's text.
func (f *Formula) String() string { return f.src }

// ReadsStep reports whether the formula reads a step (a prime, RULE or
// STEP.*), so that it can only be checked on transitions.
func (f *Formula) ReadsStep() bool { return f.step }

// Holds evaluates a formula that does not read a step on a state.
func (f *Formula) Holds(s *State) bool {
	return f.c.eval(&env{p: f.p, at: &formulaEnv{from: s, to: s}}) != 0
}

// HoldsOn evaluates the formula on a transition: unprimed names read from,
// primed names read to.
func (f *Formula) HoldsOn(from *State, st *Step, to *State) bool {
	return f.c.eval(&env{p: f.p, at: &formulaEnv{from: from, to: to, step: st}}) != 0
}

// CompileFormula compiles a formula for the system. A formula that may
// read a step (step is true) is checked on transitions; otherwise primes,
// RULE and STEP.* are errors.
func (m *System) CompileFormula(src string, step bool) (*Formula, error) {
	scope := &formulaScope{table: m.table, allowStep: step}
	toks, err := lexWith(src, scope)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, formula: scope}
	c, err := p.top()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != "eof" {
		return nil, errorAt(t.col, "unexpected %q", t.text)
	}
	if c.typ != boolType {
		return nil, errorAt(1, "a property must be a boolean, this is %s", article(c.typ.String()))
	}
	return &Formula{src: src, c: c, p: &m.p, step: scope.readsStep}, nil
}

// formulaEnv is the joint state a formula reads: for a state, from and to
// are the same and step is nil.
type formulaEnv struct {
	from, to *State
	step     *Step
}

// formulaScope resolves the names of a formula.
type formulaScope struct {
	table     *Table
	allowStep bool
	readsStep bool
}

// sideVar is a variable of one endpoint, read from the joint state.
type sideVar struct {
	name string
	typ  valueType
	doc  string
	get  func(s *State, side Side, p *params) int
}

func epVar(name string, typ valueType, doc string, get func(e *Endpoint) int) sideVar {
	return sideVar{name: name, typ: typ, doc: doc, get: func(s *State, side Side, _ *params) int { return get(&s.Ends[side]) }}
}

func inFlight(name, doc string, match func(Segment) bool) sideVar {
	return sideVar{name: name, typ: intType, doc: doc, get: func(s *State, side Side, _ *params) int {
		n := 0
		for _, seg := range s.Channel(side) {
			if match(seg) {
				n++
			}
		}
		return n
	}}
}

// finSent and finReceived: the states in which the endpoint's FIN has
// been sent, or the peer's FIN received, in this connection.
func finSent(st TCPState) bool {
	switch st {
	case FinWait1, FinWait2, Closing, TimeWait, LastAck:
		return true
	}
	return false
}

func finReceived(st TCPState) bool {
	switch st {
	case CloseWait, Closing, LastAck, TimeWait:
		return true
	}
	return false
}

// OctetsSent is the number of data octets the application has handed over
// on its current connection (each SEND is one octet, sent at once).
func OctetsSent(e Endpoint, seqSpace int) int {
	if !e.HasTCB() {
		return 0
	}
	n := mod(int(e.SndNxt)-int(e.ISS)-1, seqSpace)
	if finSent(e.State) {
		n--
	}
	return max(n, 0)
}

// OctetsReceived is the number of data octets delivered to the application
// on its current connection.
func OctetsReceived(e Endpoint, seqSpace int) int {
	if !e.HasTCB() || e.State == SynSent {
		return 0
	}
	n := mod(int(e.RcvNxt)-int(e.IRS)-1, seqSpace)
	if finReceived(e.State) {
		n--
	}
	return max(n, 0)
}

var sideVars = func() map[string]sideVar {
	vs := []sideVar{
		epVar("STATE", stateType, "the connection state", func(e *Endpoint) int { return int(e.State) }),
		epVar("ISS", seqType, "initial send sequence number", func(e *Endpoint) int { return int(e.ISS) }),
		epVar("IRS", seqType, "initial receive sequence number", func(e *Endpoint) int { return int(e.IRS) }),
		epVar("SND.UNA", seqType, "oldest unacknowledged sequence number", func(e *Endpoint) int { return int(e.SndUna) }),
		epVar("SND.NXT", seqType, "next sequence number to send", func(e *Endpoint) int { return int(e.SndNxt) }),
		epVar("RCV.NXT", seqType, "next sequence number expected", func(e *Endpoint) int { return int(e.RcvNxt) }),
		epVar("RETRIES", intType, "retransmissions of the segment at the front of the retransmission queue", func(e *Endpoint) int { return int(e.Retries) }),
		epVar("PASSIVE", boolType, "the connection reached SYN-RECEIVED from LISTEN", func(e *Endpoint) int { return b2i(e.Passive()) }),
		epVar("SYNCHRONIZED", boolType, "the state is ESTABLISHED or later (RFC 9293's synchronized states)", func(e *Endpoint) int { return b2i(e.State.Synchronized()) }),
		epVar("TCB", boolType, "the endpoint holds a connection's sequence numbers (neither CLOSED nor LISTEN)", func(e *Endpoint) int { return b2i(e.HasTCB()) }),
		epVar("STALE", boolType, "ghost: this TCB synchronized on a SYN its peer did not send for this connection", func(e *Endpoint) int { return b2i(e.StaleSyn()) }),
		{name: "APP.SENT", typ: intType, doc: "ghost: data octets the application has sent on this connection",
			get: func(s *State, side Side, p *params) int { return OctetsSent(s.Ends[side], p.seqSpace) }},
		{name: "APP.RECEIVED", typ: intType, doc: "ghost: data octets delivered to the application on this connection",
			get: func(s *State, side Side, p *params) int { return OctetsReceived(s.Ends[side], p.seqSpace) }},
		epVar("APP.CLOSED", boolType, "the application has called CLOSE on this connection and its FIN is sent (FIN-WAIT-1, FIN-WAIT-2, CLOSING, TIME-WAIT, LAST-ACK)",
			func(e *Endpoint) int { return b2i(finSent(e.State)) }),
		epVar("APP.ABORTED", boolType, "ghost: this connection ended by ABORT, a crash or giving up", func(e *Endpoint) int { return b2i(e.Aborted()) }),
		epVar("APP.OPENS", intType, "connections the application has opened so far (1 in the first)", func(e *Endpoint) int { return int(e.Opens) }),
		epVar("CRASHES", intType, "times the host has crashed", func(e *Endpoint) int { return int(e.Crashes) }),
		inFlight("OUT", "segments this side sent that are still in flight", func(Segment) bool { return true }),
		inFlight("OUT.SYN", "of them, with SYN", func(s Segment) bool { return s.Has(SYN) }),
		inFlight("OUT.ACK", "of them, with ACK", func(s Segment) bool { return s.Has(ACK) }),
		inFlight("OUT.FIN", "of them, with FIN", func(s Segment) bool { return s.Has(FIN) }),
		inFlight("OUT.RST", "of them, with RST", func(s Segment) bool { return s.Has(RST) }),
		inFlight("OUT.DATA", "of them, with a data octet", func(s Segment) bool { return s.Data() }),
	}
	m := map[string]sideVar{}
	for _, v := range vs {
		m[v.name] = v
	}
	return m
}()

// globalVars are the network's variables.
var globalVars = map[string]sideVar{
	"NET.EMPTY": {name: "NET.EMPTY", typ: boolType, doc: "no segment is in flight",
		get: func(s *State, _ Side, _ *params) int { return b2i(s.InFlight() == 0) }},
	"NET.COUNT": {name: "NET.COUNT", typ: intType, doc: "segments in flight, both directions",
		get: func(s *State, _ Side, _ *params) int { return s.InFlight() }},
}

// stepVars are true when the step is of their kind.
var stepVars = map[string]StepKind{
	"STEP.CALL": Call, "STEP.DELIVER": Deliver, "STEP.TIMEOUT": Timeout,
	"STEP.LOSE": Lose, "STEP.DUPLICATE": Duplicate, "STEP.CRASH": Crash,
	"STEP.FORGE": Forge,
}

var sidePrefixes = map[string]Side{"client": A, "server": B, "A": A, "B": B}

// FormulaVocabulary documents the names formulas use, one line each.
func FormulaVocabulary() []string {
	var out []string
	out = append(out, "Each endpoint's variables, prefixed by its side: client. or server. (A. and B. are the same sides, as charts name them in a simultaneous open):")
	names := make([]string, 0, len(sideVars))
	for n := range sideVars {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return vocabularyOrder(names[i]) < vocabularyOrder(names[j]) })
	for _, n := range names {
		v := sideVars[n]
		out = append(out, fmt.Sprintf("  client.%-14s %-15s %s", n, v.typ, v.doc))
	}
	out = append(out, "The network:")
	for _, n := range []string{"NET.EMPTY", "NET.COUNT"} {
		out = append(out, fmt.Sprintf("  %-21s %-15s %s", n, globalVars[n].typ, globalVars[n].doc))
	}
	out = append(out,
		"States: "+strings.Join(stateNames[:], ", ")+" (also SYN_RCVD, SYN-RECV, ESTAB, FIN_WAIT1 and other common spellings).",
		"In a step property only:",
		"  NAME'                 the variable after the step (client.STATE', NET.EMPTY')",
		"  RULE == NAME          the rule NAME fired in the step (RULE != NAME: it did not); NAME may be quoted",
		"  STEP.CALL, STEP.DELIVER, STEP.TIMEOUT, STEP.LOSE, STEP.DUPLICATE, STEP.CRASH, STEP.FORGE",
		"                        the kind of step (STEP.FORGE: a segment forged by the attacker arrived)",
		"Operators: ! && || => (implies), == != < =< > >= (modular on sequence numbers), + -, parentheses.")
	return out
}

func vocabularyOrder(n string) int {
	order := []string{"STATE", "SYNCHRONIZED", "TCB", "ISS", "IRS", "SND.UNA", "SND.NXT", "RCV.NXT", "RETRIES", "PASSIVE", "STALE",
		"APP.SENT", "APP.RECEIVED", "APP.CLOSED", "APP.ABORTED", "APP.OPENS", "CRASHES",
		"OUT", "OUT.SYN", "OUT.ACK", "OUT.FIN", "OUT.RST", "OUT.DATA"}
	for i, o := range order {
		if o == n {
			return i
		}
	}
	return len(order)
}

// longName is the length of a state or rule name written with hyphens at
// the start of src (SYN-SENT, fin-wait-2.rcv-fin), or 0: the lexer would
// otherwise read the hyphens as minus signs. After RULE == any such run is
// a name, so that a misspelt rule is reported as one.
func (f *formulaScope) longName(src string, afterRule bool) int {
	n := 0
	for n < len(src) && (isIdentStart(src[n]) || isDigit(src[n]) || src[n] == '.' || src[n] == '-') {
		n++
	}
	word := src[:n]
	switch {
	case afterRule:
		return n
	case !strings.Contains(word, "-"):
		return 0
	case isStateName(word):
		return n
	case f.table != nil && f.table.byName[word] != nil:
		return n
	}
	return 0
}

func (f *formulaScope) names() []string {
	var out []string
	for prefix := range map[string]bool{"client": true, "server": true} {
		for n := range sideVars {
			out = append(out, prefix+"."+n)
		}
	}
	for n := range globalVars {
		out = append(out, n)
	}
	for n := range stepVars {
		out = append(out, n)
	}
	out = append(out, "RULE")
	out = append(out, stateNames[:]...)
	sort.Strings(out)
	return out
}

func (f *formulaScope) needStep(t token, what string) error {
	if !f.allowStep {
		return errorAt(t.col, "%s reads a step: only a step property can (an invariant, leads-to or reachable property is about single states)", what)
	}
	f.readsStep = true
	return nil
}

// atom resolves a name of a formula.
func (f *formulaScope) atom(p *parser, t token) (*compiled, error) {
	name := t.text
	if t.kind == "str" || t.kind == "name" && !isStateName(name) {
		return nil, errorAt(t.col, "a rule name (%q) stands only after RULE == or RULE !=", excerpt(name))
	}
	if st, err := ParseState(name); err == nil && !strings.Contains(name, ".") && !strings.HasSuffix(name, "'") {
		v := int(st)
		return &compiled{typ: stateType, val: v, eval: func(*env) int { return v }, col: t.col}, nil
	}
	primed := strings.HasSuffix(name, "'")
	base := strings.TrimSuffix(name, "'")
	if primed {
		if err := f.needStep(t, name); err != nil {
			return nil, err
		}
	}
	read := func(v sideVar, side Side) *compiled {
		get := v.get
		return &compiled{typ: v.typ, col: t.col, usesID: map[string]bool{name: true}, eval: func(e *env) int {
			s := e.at.from
			if primed {
				s = e.at.to
			}
			return get(s, side, e.p)
		}}
	}
	if base == "RULE" {
		if primed {
			return nil, errorAt(t.col, "RULE names the rules of the step: it has no primed form")
		}
		return f.ruleTest(p, t)
	}
	if kind, ok := stepVars[base]; ok {
		if primed {
			return nil, errorAt(t.col, "%s has no primed form", base)
		}
		if err := f.needStep(t, base); err != nil {
			return nil, err
		}
		return &compiled{typ: boolType, col: t.col, eval: func(e *env) int { return b2i(e.at.step.Kind == kind) }}, nil
	}
	if v, ok := globalVars[base]; ok {
		return read(v, A), nil
	}
	if prefix, rest, ok := strings.Cut(base, "."); ok {
		if side, ok := sidePrefixes[prefix]; ok {
			v, ok := sideVars[rest]
			if !ok {
				var known []string
				for n := range sideVars {
					known = append(known, n)
				}
				return nil, errorAt(t.col, "%s has no variable %s%s", prefix, excerpt(rest), suggest(rest, known))
			}
			return read(v, side), nil
		}
	}
	if _, ok := sideVars[base]; ok || variables[base].name != "" {
		return nil, errorAt(t.col, "%s: say whose, client.%s or server.%s", base, base, base)
	}
	return nil, errorAt(t.col, "unknown name %s%s", excerpt(name), suggest(name, f.names()))
}

func isStateName(s string) bool {
	_, err := ParseState(s)
	return err == nil && !strings.Contains(s, ".")
}

// ruleTest parses the rest of RULE == NAME or RULE != NAME: whether the
// rule fired in the step.
func (f *formulaScope) ruleTest(p *parser, t token) (*compiled, error) {
	if err := f.needStep(t, "RULE"); err != nil {
		return nil, err
	}
	op := p.next()
	if op.kind != "op" || op.text != "==" && op.text != "!=" {
		return nil, errorAt(op.col, "RULE is compared with a rule name: RULE == NAME or RULE != NAME")
	}
	nt := p.next()
	if nt.kind != "id" && nt.kind != "name" && nt.kind != "str" {
		return nil, errorAt(nt.col, "want a rule name after RULE %s", op.text)
	}
	r, ok := f.table.byName[nt.text]
	if !ok {
		names := make([]string, 0, len(f.table.rules))
		for _, r := range f.table.rules {
			names = append(names, r.Name)
		}
		return nil, errorAt(nt.col, "no rule named %q in this variant%s", excerpt(nt.text), suggest(nt.text, names))
	}
	id := uint8(r.id)
	want := op.text == "=="
	return &compiled{typ: boolType, col: t.col, eval: func(e *env) int {
		st := e.at.step
		fired := false
		for i := uint8(0); i < st.NRules; i++ {
			fired = fired || st.Rules[i] == id
		}
		return b2i(fired == want)
	}}, nil
}
