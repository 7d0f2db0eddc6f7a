package model

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The expression language of rule guards and effects: RFC 9293's own
// notation. Values are sequence numbers (modular, compared as RFC 9293
// does), plain integers, or booleans.
//
//	guard   SND.UNA < SEG.ACK =< SND.NXT && !RST
//	effect  RCV.NXT := SEG.SEQ + 1; IRS := SEG.SEQ; deliver
//	segment <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>
//
// Comparisons chain (a < b =< c means a < b && b =< c). On sequence
// numbers, a < b holds when b is less than half the sequence space ahead of
// a. A number literal takes the type of what it meets.

type valueType uint8

const (
	untyped valueType = iota
	intType
	seqType
	boolType
	stateType // a connection state, in formulas
)

func (t valueType) String() string {
	return [...]string{"number", "integer", "sequence number", "boolean", "state"}[t]
}

// env is what an expression reads and writes while a rule runs.
type env struct {
	ep      *Endpoint
	seg     Segment
	isn     uint8
	isnRead bool
	p       *params
	world   worldView
	at      *formulaEnv // the joint state a formula reads; nil in rules
}

// worldView answers the environment predicates, which depend on the whole
// network rather than on the endpoint.
type worldView interface {
	netQuiet() bool
	mslElapsed() bool
}

type variable struct {
	name     string
	typ      valueType
	doc      string
	get      func(*env) int
	set      func(*env, int)
	readsISN bool
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func seqVar(name, doc string, field func(*Endpoint) *uint8) variable {
	return variable{name: name, typ: seqType, doc: doc,
		get: func(e *env) int { return int(*field(e.ep)) },
		set: func(e *env, v int) { *field(e.ep) = uint8(v) }}
}

func segBit(name string, bit uint8) variable {
	return variable{name: name, typ: boolType, doc: "the arriving segment has the " + name + " bit",
		get: func(e *env) int { return b2i(e.seg.Has(bit)) }}
}

var variables = func() map[string]variable {
	vs := []variable{
		seqVar("ISS", "initial send sequence number", func(e *Endpoint) *uint8 { return &e.ISS }),
		seqVar("IRS", "initial receive sequence number", func(e *Endpoint) *uint8 { return &e.IRS }),
		seqVar("SND.UNA", "oldest unacknowledged sequence number", func(e *Endpoint) *uint8 { return &e.SndUna }),
		seqVar("SND.NXT", "next sequence number to send", func(e *Endpoint) *uint8 { return &e.SndNxt }),
		seqVar("RCV.NXT", "next sequence number expected", func(e *Endpoint) *uint8 { return &e.RcvNxt }),
		{name: "RETRIES", typ: intType, doc: "retransmissions of the segment at the front of the retransmission queue (with unlimited retries, only 0 or 1: none or some)",
			get: func(e *env) int { return int(e.ep.Retries) },
			set: func(e *env, v int) {
				if e.p.retryLimit == Unlimited {
					v = min(v, 1)
				}
				e.ep.Retries = uint8(v)
			}},
		{name: "PASSIVE", typ: boolType, doc: "the connection reached SYN-RECEIVED from LISTEN",
			get: func(e *env) int { return b2i(e.ep.Passive()) },
			set: func(e *env, v int) {
				if v != 0 {
					e.ep.Flags |= flagPassive
				} else {
					e.ep.Flags &^= flagPassive
				}
			}},
		{name: "SEG.SEQ", typ: seqType, doc: "sequence number of the arriving segment",
			get: func(e *env) int { return int(e.seg.Seq()) }},
		{name: "SEG.ACK", typ: seqType, doc: "acknowledgment number of the arriving segment",
			get: func(e *env) int { return int(e.seg.Ack()) }},
		{name: "SEG.LEN", typ: intType, doc: "octets the arriving segment occupies, counting SYN and FIN",
			get: func(e *env) int { return e.seg.Len() }},
		{name: "SEG.TEXT", typ: intType, doc: "data octets in the arriving segment",
			get: func(e *env) int { return b2i(e.seg.Data()) }},
		segBit("SYN", SYN), segBit("ACK", ACK), segBit("FIN", FIN), segBit("RST", RST),
		{name: "ISN", typ: seqType, doc: "the initial sequence number the host's generator gives now",
			get: func(e *env) int { e.isnRead = true; return int(e.isn) }, readsISN: true},
		{name: "RCV.WND", typ: intType, doc: "receive window (fixed by the configuration)",
			get: func(e *env) int { return e.p.window }},
		{name: "SND.WND", typ: intType, doc: "send window: the peer's receive window, the same fixed value",
			get: func(e *env) int { return e.p.window }},
		{name: "RETRY.LIMIT", typ: intType, doc: "retransmissions of one segment before the connection is given up (unlimited: larger than any count)",
			get: func(e *env) int {
				if e.p.retryLimit == Unlimited {
					return 1 << 30
				}
				return e.p.retryLimit
			}},
		{name: "NET.QUIET", typ: boolType, doc: "no segment of this connection (or an older one) is in flight; before the peer's SYN has arrived, no segment of the peer at all",
			get: func(e *env) int { return b2i(e.world.netQuiet()) }},
		{name: "MSL.ELAPSED", typ: boolType, doc: "2 MSL have passed: no segment of this connection is in flight and the peer has nothing left to retransmit on it",
			get: func(e *env) int { return b2i(e.world.mslElapsed()) }},
	}
	m := make(map[string]variable, len(vs))
	for _, v := range vs {
		m[v.name] = v
	}
	return m
}()

// VariableNames lists the names expressions may use.
func VariableNames() []string {
	var out []string
	for n := range variables {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ExprError is a problem in an expression, with the column (from 1) where
// it was found.
type ExprError struct {
	Col int
	Msg string
}

func (e *ExprError) Error() string { return fmt.Sprintf("column %d: %s", e.Col, e.Msg) }

func errorAt(col int, format string, args ...any) *ExprError {
	return &ExprError{Col: col, Msg: fmt.Sprintf(format, args...)}
}

// --- lexer ---

type token struct {
	kind string // "id", "num", "op", "eof"
	text string
	col  int
}

func lex(src string) ([]token, error) { return lexWith(src, nil) }

// lexWith splits src into tokens. With a formula scope it also reads the
// formula-only tokens: a prime ending a name (client.STATE'), a state or
// rule name written with hyphens (SYN-SENT, time-wait.timeout), a quoted
// rule name, and the implication =>.
func lexWith(src string, f *formulaScope) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case f != nil && c == '"':
			j := strings.IndexByte(src[i+1:], '"')
			if j < 0 {
				return nil, errorAt(i+1, "a quoted name has no closing \"")
			}
			toks = append(toks, token{"str", src[i+1 : i+1+j], i + 1})
			i += j + 2
		case f != nil && isIdentStart(c) && f.longName(src[i:], afterRule(toks)) > 0:
			j := i + f.longName(src[i:], afterRule(toks))
			toks = append(toks, token{"name", src[i:j], i + 1})
			i = j
		case isIdentStart(c):
			j := i
			for j < len(src) && (isIdentStart(src[j]) || isDigit(src[j]) || src[j] == '.') {
				j++
			}
			if f != nil && j < len(src) && src[j] == '\'' {
				j++ // primed: the variable after the step
			}
			toks = append(toks, token{"id", src[i:j], i + 1})
			i = j
		case isDigit(c):
			j := i
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			toks = append(toks, token{"num", src[i:j], i + 1})
			i = j
		default:
			op := ""
			for _, o := range []string{"=>", "==", "!=", "=<", "<=", ">=", "&&", "||", ":=", "<", ">", "+", "-", "!", "(", ")"} {
				if strings.HasPrefix(src[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				return nil, errorAt(i+1, "unexpected character %q", c)
			}
			toks = append(toks, token{"op", op, i + 1})
			i += len(op)
		}
	}
	return append(toks, token{"eof", "", len(src) + 1}), nil
}

// afterRule reports whether the tokens so far end in RULE == or RULE !=.
func afterRule(toks []token) bool {
	n := len(toks)
	return n >= 2 && toks[n-2].kind == "id" && toks[n-2].text == "RULE" &&
		toks[n-1].kind == "op" && (toks[n-1].text == "==" || toks[n-1].text == "!=")
}

func isIdentStart(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }

// --- parser: builds typed closures directly ---

// compiled is a type-checked expression ready to run.
type compiled struct {
	typ    valueType
	val    int // value of an untyped constant
	eval   func(*env) int
	col    int
	usesID map[string]bool // variables read, for analysis (readsISN, guards)
}

type parser struct {
	toks    []token
	pos     int
	macros  map[string]*compiled
	formula *formulaScope // names of the joint state; nil in rules
	depth   int           // nesting of (, ! and unary -, bounded by maxExprDepth
}

// Bounds on an expression, so that a hostile variant file cannot exhaust
// the stack or the time of the parser and of the checks on its rules.
const (
	maxExprLength = 4096
	maxExprDepth  = 100
)

// nest enters one more level of nesting at t, or refuses past
// maxExprDepth; the caller leaves it with p.depth--.
func (p *parser) nest(t token) error {
	if p.depth++; p.depth > maxExprDepth {
		return errorAt(t.col, "expression nested more than %d deep", maxExprDepth)
	}
	return nil
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token { t := p.toks[p.pos]; p.pos++; return t }

func (p *parser) accept(op string) bool {
	if t := p.peek(); t.kind == "op" && t.text == op {
		p.pos++
		return true
	}
	return false
}

// compileExpr parses and type-checks src as a complete expression.
func compileExpr(src string, macros map[string]*compiled) (*compiled, error) {
	if len(src) > maxExprLength {
		return nil, errorAt(1, "expression of %d characters: at most %d", len(src), maxExprLength)
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, macros: macros}
	c, err := p.top()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != "eof" {
		return nil, errorAt(t.col, "unexpected %q", t.text)
	}
	return c, nil
}

func (p *parser) or() (*compiled, error) { return p.logical("||", p.and) }

// top parses a whole expression: rules have no implication.
func (p *parser) top() (*compiled, error) {
	if p.formula != nil {
		return p.implies()
	}
	return p.or()
}

// implies parses a => b (right-associative, weakest of all), which only
// formulas have.
func (p *parser) implies() (*compiled, error) {
	x, err := p.or()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind != "op" || t.text != "=>" {
		return x, nil
	}
	p.next()
	y, err := p.implies()
	if err != nil {
		return nil, err
	}
	if x.typ != boolType || y.typ != boolType {
		return nil, errorAt(t.col, "=> needs booleans, got %s and %s", x.typ, y.typ)
	}
	fx, fy := x.eval, y.eval
	return &compiled{typ: boolType, eval: func(e *env) int { return b2i(fx(e) == 0 || fy(e) != 0) },
		col: x.col, usesID: union(x.usesID, y.usesID)}, nil
}
func (p *parser) and() (*compiled, error) { return p.logical("&&", p.not) }

func (p *parser) logical(op string, sub func() (*compiled, error)) (*compiled, error) {
	x, err := sub()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == "op" && p.peek().text == op {
		t := p.next()
		y, err := sub()
		if err != nil {
			return nil, err
		}
		if x.typ != boolType || y.typ != boolType {
			return nil, errorAt(t.col, "%s needs booleans, got %s and %s", op, x.typ, y.typ)
		}
		fx, fy := x.eval, y.eval
		var f func(*env) int
		if op == "&&" {
			f = func(e *env) int { return b2i(fx(e) != 0 && fy(e) != 0) }
		} else {
			f = func(e *env) int { return b2i(fx(e) != 0 || fy(e) != 0) }
		}
		x = &compiled{typ: boolType, eval: f, col: x.col, usesID: union(x.usesID, y.usesID)}
	}
	return x, nil
}

func (p *parser) not() (*compiled, error) {
	if t := p.peek(); t.kind == "op" && t.text == "!" {
		p.next()
		if err := p.nest(t); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		if x.typ != boolType {
			return nil, errorAt(t.col, "! needs a boolean, got %s", x.typ)
		}
		f := x.eval
		return &compiled{typ: boolType, eval: func(e *env) int { return 1 - f(e) }, col: t.col, usesID: x.usesID}, nil
	}
	return p.comparison()
}

func isComparison(t token) bool {
	if t.kind != "op" {
		return false
	}
	switch t.text {
	case "==", "!=", "<", "=<", "<=", ">", ">=":
		return true
	}
	return false
}

func (p *parser) comparison() (*compiled, error) {
	x, err := p.sum()
	if err != nil {
		return nil, err
	}
	var result *compiled
	for isComparison(p.peek()) {
		t := p.next()
		y, err := p.sum()
		if err != nil {
			return nil, err
		}
		c, err := compare(t, x, y)
		if err != nil {
			return nil, err
		}
		if result == nil {
			result = c
		} else {
			fa, fb := result.eval, c.eval
			result = &compiled{typ: boolType, eval: func(e *env) int { return b2i(fa(e) != 0 && fb(e) != 0) },
				col: result.col, usesID: union(result.usesID, c.usesID)}
		}
		x = y
	}
	if result == nil {
		return x, nil
	}
	return result, nil
}

// unify gives two operands a common type, fixing untyped constants.
func unify(t token, x, y *compiled) (valueType, error) {
	switch {
	case x.typ == untyped && y.typ == untyped:
		return intType, nil
	case x.typ == untyped:
		return y.typ, nil
	case y.typ == untyped:
		return x.typ, nil
	case x.typ != y.typ:
		return 0, errorAt(t.col, "cannot compare %s with %s", x.typ, y.typ)
	}
	return x.typ, nil
}

func compare(t token, x, y *compiled) (*compiled, error) {
	typ, err := unify(t, x, y)
	if err != nil {
		return nil, err
	}
	if typ == boolType && t.text != "==" && t.text != "!=" {
		return nil, errorAt(t.col, "%s does not order booleans", t.text)
	}
	if typ == stateType && t.text != "==" && t.text != "!=" {
		return nil, errorAt(t.col, "%s does not order states: compare them with == or !=", t.text)
	}
	fx, fy := x.eval, y.eval
	var less func(e *env, a, b int) bool
	if typ == seqType {
		less = func(e *env, a, b int) bool { return seqLess(a, b, e.p.seqSpace) }
		fx, fy = asSeq(fx), asSeq(fy)
	} else {
		less = func(_ *env, a, b int) bool { return a < b }
	}
	var f func(*env) int
	switch t.text {
	case "==":
		f = func(e *env) int { return b2i(fx(e) == fy(e)) }
	case "!=":
		f = func(e *env) int { return b2i(fx(e) != fy(e)) }
	case "<":
		f = func(e *env) int { return b2i(less(e, fx(e), fy(e))) }
	case "=<", "<=":
		f = func(e *env) int { a, b := fx(e), fy(e); return b2i(a == b || less(e, a, b)) }
	case ">":
		f = func(e *env) int { return b2i(less(e, fy(e), fx(e))) }
	case ">=":
		f = func(e *env) int { a, b := fx(e), fy(e); return b2i(a == b || less(e, b, a)) }
	}
	return &compiled{typ: boolType, eval: f, col: x.col, usesID: union(x.usesID, y.usesID)}, nil
}

// seqLess is RFC 9293's "a < b" modulo the sequence space: b lies less
// than half the space ahead of a.
func seqLess(a, b, space int) bool {
	d := mod(b-a, space)
	return d != 0 && d < space/2
}

func mod(v, n int) int {
	v %= n
	if v < 0 {
		v += n
	}
	return v
}

// asSeq reduces an operand modulo the sequence space (untyped constants and
// sums are not reduced until they meet a sequence number).
func asSeq(f func(*env) int) func(*env) int {
	return func(e *env) int { return mod(f(e), e.p.seqSpace) }
}

func (p *parser) sum() (*compiled, error) {
	x, err := p.atom()
	if err != nil {
		return nil, err
	}
	for t := p.peek(); t.kind == "op" && (t.text == "+" || t.text == "-"); t = p.peek() {
		p.next()
		y, err := p.atom()
		if err != nil {
			return nil, err
		}
		if x.typ == boolType || y.typ == boolType {
			return nil, errorAt(t.col, "%s needs numbers, got %s and %s", t.text, x.typ, y.typ)
		}
		var typ valueType
		switch {
		case x.typ == seqType && y.typ == seqType:
			if t.text == "+" {
				return nil, errorAt(t.col, "cannot add two sequence numbers")
			}
			typ = intType // distance from y forward to x
		case x.typ == seqType || y.typ == seqType:
			if y.typ == seqType && t.text == "-" {
				return nil, errorAt(t.col, "cannot subtract a sequence number from an integer")
			}
			typ = seqType
		case x.typ == untyped && y.typ == untyped:
			v := x.val + y.val
			if t.text == "-" {
				v = x.val - y.val
			}
			x = constant(v, x.col)
			continue
		default:
			typ = intType
		}
		fx, fy := x.eval, y.eval
		var f func(*env) int
		if t.text == "+" {
			f = func(e *env) int { return fx(e) + fy(e) }
		} else {
			f = func(e *env) int { return fx(e) - fy(e) }
		}
		if typ == seqType || x.typ == seqType && y.typ == seqType {
			g := f
			f = func(e *env) int { return mod(g(e), e.p.seqSpace) }
		}
		x = &compiled{typ: typ, eval: f, col: x.col, usesID: union(x.usesID, y.usesID)}
	}
	return x, nil
}

func constant(v, col int) *compiled {
	return &compiled{typ: untyped, val: v, eval: func(*env) int { return v }, col: col}
}

func (p *parser) atom() (*compiled, error) {
	t := p.next()
	switch t.kind {
	case "num":
		v, err := strconv.Atoi(t.text)
		if err != nil {
			return nil, errorAt(t.col, "bad number %q", t.text)
		}
		return constant(v, t.col), nil
	case "id":
		switch t.text {
		case "true":
			return &compiled{typ: boolType, eval: func(*env) int { return 1 }, col: t.col}, nil
		case "false":
			return &compiled{typ: boolType, eval: func(*env) int { return 0 }, col: t.col}, nil
		}
		if p.formula != nil {
			return p.formula.atom(p, t)
		}
		if m, ok := p.macros[t.text]; ok {
			c := *m
			c.col = t.col
			return &c, nil
		}
		v, ok := variables[t.text]
		if !ok {
			return nil, errorAt(t.col, "unknown name %s%s", t.text, suggest(t.text, p.names()))
		}
		return &compiled{typ: v.typ, eval: v.get, col: t.col, usesID: map[string]bool{v.name: true}}, nil
	case "name", "str":
		if p.formula != nil {
			return p.formula.atom(p, t)
		}
	case "op":
		if t.text == "(" {
			if err := p.nest(t); err != nil {
				return nil, err
			}
			defer func() { p.depth-- }()
			x, err := p.top()
			if err != nil {
				return nil, err
			}
			if !p.accept(")") {
				return nil, errorAt(p.peek().col, "missing )")
			}
			return x, nil
		}
		if t.text == "-" {
			if err := p.nest(t); err != nil {
				return nil, err
			}
			defer func() { p.depth-- }()
			x, err := p.atom()
			if err != nil {
				return nil, err
			}
			if x.typ != untyped && x.typ != intType {
				return nil, errorAt(t.col, "cannot negate a %s", x.typ)
			}
			f := x.eval
			return &compiled{typ: x.typ, val: -x.val, eval: func(e *env) int { return -f(e) }, col: t.col, usesID: x.usesID}, nil
		}
	case "eof":
		return nil, errorAt(t.col, "expression ends too early")
	}
	return nil, errorAt(t.col, "unexpected %q", t.text)
}

func (p *parser) names() []string {
	names := VariableNames()
	for m := range p.macros {
		names = append(names, m)
	}
	return names
}

func union(a, b map[string]bool) map[string]bool {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	m := make(map[string]bool, len(a)+len(b))
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

// DidYouMean is " (did you mean NAME?)" for the known name closest to a
// mistyped one, or "" when none is close: the one way every error of
// tcpmc offers a correction.
func DidYouMean(name string, names []string) string { return suggest(name, names) }

// suggest offers the closest known name, if one is close.
func suggest(name string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(strings.ToUpper(name), strings.ToUpper(n)); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// --- effects and segment templates ---

// assignment is one "VAR := expr" of a rule's effect.
type assignment struct {
	target variable
	value  *compiled
}

// effect is a rule's compiled "do" text.
type effect struct {
	assigns []assignment
	deliver bool // hand the segment's text to the application
}

// compileEffect reads "A := e; B := f; deliver".
func compileEffect(src string, macros map[string]*compiled) (effect, error) {
	var eff effect
	col := 1
	for _, stmt := range strings.Split(src, ";") {
		stmtCol := col + len(stmt) - len(strings.TrimLeft(stmt, " \t"))
		col += len(stmt) + 1
		stmt = strings.TrimSpace(stmt)
		if stmt == "" {
			continue
		}
		if stmt == "deliver" {
			eff.deliver = true
			continue
		}
		lhs, rhs, ok := strings.Cut(stmt, ":=")
		if !ok {
			return eff, errorAt(stmtCol, "want NAME := expression or deliver, got %q", stmt)
		}
		name := strings.TrimSpace(lhs)
		v, known := variables[name]
		if !known {
			return eff, errorAt(stmtCol, "unknown variable %s%s", name, suggest(name, VariableNames()))
		}
		if v.set == nil {
			return eff, errorAt(stmtCol, "%s cannot be assigned", name)
		}
		rhsCol := stmtCol + len(lhs) + 2
		val, err := compileExpr(rhs, macros)
		if err != nil {
			if ee, ok := err.(*ExprError); ok {
				ee.Col += rhsCol - 1
			}
			return eff, err
		}
		if val.typ != v.typ && !(val.typ == untyped && v.typ != boolType) {
			valCol := rhsCol + len(rhs) - len(strings.TrimLeft(rhs, " \t"))
			return eff, errorAt(valCol, "%s is %s, cannot assign %s", name, article(v.typ.String()), article(val.typ.String()))
		}
		if v.typ == seqType {
			val.eval = asSeq(val.eval)
		}
		eff.assigns = append(eff.assigns, assignment{target: v, value: val})
	}
	return eff, nil
}

// template is a segment a rule sends, in RFC 9293's notation.
type template struct {
	ctl      uint8
	seq, ack *compiled
	data     bool
}

// compileTemplate reads "<SEQ=e><ACK=e><CTL=SYN,ACK><DATA>".
func compileTemplate(src string, macros map[string]*compiled) (*template, error) {
	t := &template{}
	rest := strings.TrimSpace(src)
	col := len(src) - len(strings.TrimLeft(src, " \t")) + 1
	seen := map[string]bool{}
	for rest != "" {
		if rest[0] != '<' {
			return nil, errorAt(col, "want <FIELD=value>, got %q", rest)
		}
		end := strings.IndexByte(rest, '>')
		if end < 0 {
			return nil, errorAt(col, "missing >")
		}
		item := rest[1:end]
		name, val, hasVal := strings.Cut(item, "=")
		name = strings.TrimSpace(name)
		if seen[name] {
			return nil, errorAt(col, "%s given twice", name)
		}
		seen[name] = true
		valCol := col + 1 + len(name) + 1
		switch name {
		case "SEQ", "ACK":
			c, err := compileExpr(val, macros)
			if err != nil {
				if ee, ok := err.(*ExprError); ok {
					ee.Col += valCol - 1
				}
				return nil, err
			}
			if c.typ != seqType && c.typ != untyped {
				return nil, errorAt(valCol, "%s must be a sequence number, got a %s", name, c.typ)
			}
			c.eval = asSeq(c.eval)
			if name == "SEQ" {
				t.seq = c
			} else {
				t.ack = c
			}
		case "CTL":
			for _, f := range strings.Split(val, ",") {
				switch strings.TrimSpace(f) {
				case "SYN":
					t.ctl |= SYN
				case "ACK":
					t.ctl |= ACK
				case "FIN":
					t.ctl |= FIN
				case "RST":
					t.ctl |= RST
				default:
					return nil, errorAt(valCol, "unknown control bit %q (want SYN, ACK, FIN or RST)", strings.TrimSpace(f))
				}
			}
		case "DATA":
			if hasVal && strings.TrimSpace(val) != "1" {
				return nil, errorAt(valCol, "the model sends one data octet per segment: write <DATA> or <DATA=1>")
			}
			t.data = true
		default:
			return nil, errorAt(col, "unknown field %q (want SEQ, ACK, CTL or DATA)", name)
		}
		col += end + 1
		rest = rest[end+1:]
		trimmed := strings.TrimLeft(rest, " \t")
		col += len(rest) - len(trimmed)
		rest = trimmed
	}
	switch {
	case t.seq == nil:
		return nil, errorAt(1, "segment needs <SEQ=...>")
	case !seen["CTL"] && !t.data:
		return nil, errorAt(1, "segment needs <CTL=...>")
	case t.ctl&ACK != 0 && t.ack == nil:
		return nil, errorAt(1, "CTL has ACK but no <ACK=...> is given")
	case t.ctl&ACK == 0 && t.ack != nil:
		return nil, errorAt(1, "<ACK=...> given but CTL lacks ACK")
	}
	return t, nil
}

// article puts "a" or "an" before a type's name.
func article(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}
