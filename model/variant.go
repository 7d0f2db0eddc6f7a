package model

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Variant is a version of the protocol: a rule table under a name, with
// the configuration and expected verdicts of its catalog entry.
type Variant struct {
	Name        string
	Description string
	Rules       []Rule
	Macros      []Macro
	// Config is the configuration the expected verdicts are stated for;
	// `tcpmc check --variant` starts from it.
	Config Config
	Expect []Expectation
	// Properties are the variant's own properties, checked beside the
	// catalog's.
	Properties []PropertySpec
	Spec       *Spec // how the variant was written; nil for rfc9293 itself
}

// Expectation is the verdict a property is expected to get, and why.
type Expectation struct {
	Property string
	Verdict  string // holds or violated
	Why      string
}

// Expected returns the expectation for a property.
func (v *Variant) Expected(property string) (Expectation, bool) {
	for _, e := range v.Expect {
		if e.Property == property {
			return e, true
		}
	}
	return Expectation{}, false
}

// Spec writes a variant as changes to a base variant, in the vocabulary
// of the rule table. Variant files (see LoadVariantFile) are Specs, and so
// are the built-in variants.
type Spec struct {
	Name        string
	Description string
	Base        string // a built-in variant, rfc9293 unless said otherwise
	baseLine    int
	Knobs       []Setting // knob settings (see Knobs)
	Remove      []Located // names of rules to remove
	Change      []RuleChange
	Add         []RuleAddition
	Config      []Setting // configuration settings, as the command line names them
	Properties  []PropertySpec
	Expect      []Expectation
	File        string // where the spec comes from, for error messages
	Line        int
	expectLines []int
}

// Located is a value with the line it was written on (0 when built in).
type Located struct {
	Value string
	Line  int
}

// Setting is "name: value", located.
type Setting struct {
	Name, Value string
	Line        int
}

// RuleChange replaces some fields of an existing rule. Fields are keyed by
// their names in variant files: in, on, if, do, send, next, then, label,
// why, section.
type RuleChange struct {
	Name   string
	Fields map[string]string
	Line   int
	Lines  map[string]int // line of each field
}

// RuleAddition adds a rule before or after an existing one (at the end of
// the table if neither is given).
type RuleAddition struct {
	Rule          Rule
	Before, After string
	Line          int
	Lines         map[string]int
}

// VariantError is a problem in a variant, located in its file.
type VariantError struct {
	File string
	Line int
	Msg  string
}

func (e *VariantError) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	case e.File != "":
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return e.Msg
}

func (s *Spec) errorf(line int, format string, args ...any) error {
	if line == 0 {
		line = s.Line
	}
	return &VariantError{File: s.File, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// ruleFields are the fields of a rule, by their names in variant files.
var ruleFields = []string{"name", "section", "in", "on", "if", "do", "send", "next", "then", "label", "why"}

func fieldOf(r *Rule, name string) *string {
	switch name {
	case "name":
		return &r.Name
	case "section":
		return &r.Section
	case "in":
		return &r.In
	case "on":
		return &r.On
	case "if":
		return &r.If
	case "do":
		return &r.Do
	case "send":
		return &r.Send
	case "next":
		return &r.Next
	case "then":
		return &r.Then
	case "label":
		return &r.Label
	case "why":
		return &r.Why
	}
	return nil
}

// Knob is a named switch of the protocol: each value is a set of rule
// changes, written like a variant's own.
type Knob struct {
	Name   string
	Doc    string
	Values []KnobValue // the first is rfc9293's
}

// KnobValue is one position of a knob.
type KnobValue struct {
	Value  string
	Doc    string
	Remove []string
	Change []RuleChange
	Add    []RuleAddition
}

func change(name string, kv ...string) RuleChange {
	c := RuleChange{Name: name, Fields: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		c.Fields[kv[i]] = kv[i+1]
	}
	return c
}

var retransmissionRules = []string{"syn-sent.retransmit", "syn-ack.retransmit", "data.retransmit",
	"data-before-fin.retransmit", "fin.retransmit", "give-up"}

var knobs = []Knob{
	{Name: "handshake", Doc: "how many segments open a connection", Values: []KnobValue{
		{Value: "three-way", Doc: "the server is established when its SYN is acknowledged (RFC 9293)"},
		{Value: "two-way", Doc: "the server is established on the client's SYN alone",
			Change: []RuleChange{change("listen.rcv-syn", "next", "ESTABLISHED", "label", "rcv SYN / snd SYN,ACK",
				"why", "two-way handshake: the server trusts the SYN at once")}},
	}},
	{Name: "time-wait", Doc: "what the side that closes first does after the FIN exchange", Values: []KnobValue{
		{Value: "2msl", Doc: "TIME-WAIT for 2 MSL, until no segment of the connection can still arrive (RFC 9293)"},
		{Value: "short", Doc: "TIME-WAIT ends at any time, before old segments have died",
			Change: []RuleChange{change("time-wait.timeout", "if", "", "why", "a short TIME-WAIT: old segments may still be in flight")}},
		{Value: "none", Doc: "no TIME-WAIT: straight to CLOSED after the last ACK",
			Change: []RuleChange{
				change("fin-wait-2.rcv-fin", "next", "CLOSED", "label", "rcv FIN / snd ACK, delete TCB", "why", "no TIME-WAIT"),
				change("closing.rcv-ack-of-fin", "next", "CLOSED", "then", "return", "label", "rcv ACK of FIN / delete TCB", "why", "no TIME-WAIT"),
			}},
	}},
	{Name: "retransmission", Doc: "whether unacknowledged segments are sent again", Values: []KnobValue{
		{Value: "on", Doc: "SYN, SYN,ACK, data and FIN are retransmitted until acknowledged or the retry limit (RFC 9293)"},
		{Value: "off", Doc: "nothing is retransmitted, and so nothing is given up", Remove: retransmissionRules},
	}},
	{Name: "simultaneous-open", Doc: "what SYN-SENT does with a SYN that carries no ACK", Values: []KnobValue{
		{Value: "on", Doc: "answer with SYN,ACK and enter SYN-RECEIVED (RFC 9293 MUST-10)"},
		{Value: "off", Doc: "drop it: simultaneous open is not supported", Remove: []string{"syn-sent.rcv-syn"}},
	}},
	{Name: "time-wait-rst", Doc: "what a RST does in TIME-WAIT", Values: []KnobValue{
		{Value: "rfc5961", Doc: "a RST exactly at RCV.NXT closes it; one elsewhere in the window gets a challenge ACK (RFC 9293 with RFC 5961)"},
		{Value: "close", Doc: "any RST in the window closes it (RFC 793)",
			Change: []RuleChange{change("any.rcv-rst-in-window", "in", "SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK")}},
		{Value: "ignore", Doc: "every RST is ignored in TIME-WAIT (RFC 1337, fix F1)",
			Add: []RuleAddition{{Before: "any.rcv-rst-in-window", Rule: Rule{Name: "time-wait.rcv-rst", Section: "RFC 1337 section 3 (F1)",
				In: "TIME-WAIT", On: "segment 2", If: "RST", Why: "TIME-WAIT must not be cut short: a RST is ignored"}}}},
	}},
	rstKnob, synKnob,
}

// Knobs lists the knobs variants can set.
func Knobs() []Knob { return knobs }

// ApplySetting sets one configuration value by its command-line name (the
// same names variant files use).
func ApplySetting(c *Config, name, value string) error {
	value = strings.TrimSpace(value)
	// num reads a number within bounds; the bounds that depend on other
	// settings are checked by Config.Validate.
	num := func(dst *int, lo, hi int, what string) error {
		n, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("%s: %q is not a number", name, value)
		}
		if n < lo || n > hi {
			return fmt.Errorf("%s %d: want %s", name, n, what)
		}
		*dst = n
		return nil
	}
	var err error
	switch name {
	case "loss":
		return num(&c.Loss, 0, 255, "0 to 255 segments")
	case "dup":
		return num(&c.Dup, 0, 255, "0 to 255 segments")
	case "reorder":
		return num(&c.Reorder, 0, 255, "0 to 255 segments")
	case "crash":
		switch strings.ToLower(value) {
		case "client", "a":
			c.Crash, c.CrashOnly = 1, CrashClient
			return nil
		case "server", "b":
			c.Crash, c.CrashOnly = 1, CrashServer
			return nil
		}
		if _, err := strconv.Atoi(value); err != nil {
			return fmt.Errorf("crash: %q is not a number, client or server", value)
		}
		c.CrashOnly = CrashAny
		return num(&c.Crash, 0, MaxIncarnation-1, fmt.Sprintf("0 to %d crashes", MaxIncarnation-1))
	case "calls":
		c.Calls, err = ParseCalls(value)
	case "never-close":
		switch strings.ToLower(value) {
		case "none":
			c.NeverClose = [2]bool{}
		case "client", "a":
			c.NeverClose = [2]bool{true, false}
		case "server", "b":
			c.NeverClose = [2]bool{false, true}
		case "both":
			c.NeverClose = [2]bool{true, true}
		default:
			return fmt.Errorf("never-close %q: want none, client, server or both", value)
		}
	case "capacity":
		return num(&c.Capacity, 1, MaxInFlight, fmt.Sprintf("1 to %d segments", MaxInFlight))
	case "seq-space":
		if err := num(&c.SeqSpace, 8, 256, "a power of two from 8 to 256"); err != nil {
			return err
		}
		if c.SeqSpace&(c.SeqSpace-1) != 0 {
			return fmt.Errorf("seq-space %d: want a power of two from 8 to 256", c.SeqSpace)
		}
	case "window":
		return num(&c.Window, 1, 127, "1 to 127 (and less than half the sequence space)")
	case "incarnations":
		return num(&c.Incarnations, 1, MaxIncarnation, fmt.Sprintf("1 to %d connections", MaxIncarnation))
	case "retries":
		c.RetryLimit, err = ParseRetries(value)
	case "network":
		switch strings.ToLower(value) {
		case "fifo":
			c.Unordered = false
		case "unordered":
			c.Unordered = true
		default:
			return fmt.Errorf("network %q: want fifo or unordered", value)
		}
	case "open":
		c.Open, err = ParseOpen(value)
	case "close":
		c.Close, err = ParseClose(value)
	case "isn":
		c.ISN, err = ParseISN(value)
	case "data":
		parts := strings.Split(value, ",")
		if len(parts) == 1 {
			parts = append(parts, parts[0])
		}
		if len(parts) != 2 {
			return fmt.Errorf("data %q: want N or CLIENT,SERVER", value)
		}
		for i, p := range parts {
			if c.Data[i], err = strconv.Atoi(strings.TrimSpace(p)); err != nil {
				return fmt.Errorf("data %q: %q is not a number", value, p)
			}
			if c.Data[i] < 0 || c.Data[i] > MaxDataBytes {
				return fmt.Errorf("data %q: each application sends 0 to %d octets", value, MaxDataBytes)
			}
		}
	case "abort":
		switch strings.ToLower(value) {
		case "none":
			c.Abort = [2]bool{}
		case "client", "a":
			c.Abort = [2]bool{true, false}
		case "server", "b":
			c.Abort = [2]bool{false, true}
		case "both":
			c.Abort = [2]bool{true, true}
		default:
			return fmt.Errorf("abort %q: want none, client, server or both", value)
		}
	default:
		if ok, err := applyAttackSetting(c, name, value); ok {
			return err
		}
		return fmt.Errorf("unknown setting %q%s (want one of %s)", name, suggest(name, SettingNames()), strings.Join(SettingNames(), ", "))
	}
	return err
}

// SettingNames lists the configuration settings ApplySetting knows.
func SettingNames() []string {
	return append([]string{"loss", "dup", "reorder", "crash", "network", "capacity", "seq-space", "window",
		"retries", "open", "close", "data", "abort", "incarnations", "isn", "calls", "never-close"}, attackSettingNames...)
}

// sidesValue writes a per-side switch as the settings read it.
func sidesValue(b [2]bool) string {
	switch b {
	case [2]bool{true, false}:
		return "client"
	case [2]bool{false, true}:
		return "server"
	case [2]bool{true, true}:
		return "both"
	}
	return "none"
}

// Settings writes a configuration as settings, for files and reports.
func (c Config) Settings() []Setting {
	network := "fifo"
	if c.Unordered {
		network = "unordered"
	}
	abort := sidesValue(c.Abort)
	crash := strconv.Itoa(c.Crash)
	switch c.CrashOnly {
	case CrashClient:
		crash = "client"
	case CrashServer:
		crash = "server"
	}
	vals := map[string]string{
		"loss": strconv.Itoa(c.Loss), "dup": strconv.Itoa(c.Dup), "reorder": strconv.Itoa(c.Reorder),
		"crash": crash, "network": network, "capacity": strconv.Itoa(c.Capacity),
		"seq-space": strconv.Itoa(c.SeqSpace), "window": strconv.Itoa(c.Window), "retries": RetriesString(c.RetryLimit),
		"open": c.Open.String(), "close": c.Close.String(), "data": fmt.Sprintf("%d,%d", c.Data[0], c.Data[1]),
		"abort": abort, "incarnations": strconv.Itoa(c.Incarnations), "isn": c.ISN.String(),
		"calls": c.Calls.String(), "never-close": sidesValue(c.NeverClose),
	}
	attack := c.attackSettings()
	for n, v := range attack {
		vals[n] = v
	}
	// The application settings added later are written only when set, so
	// that reports of the configurations before them read as they did; no
	// attacker: its settings mean nothing.
	omitted := map[string]bool{"calls": c.Calls == CallsScripted, "never-close": c.NeverClose == [2]bool{}}
	var out []Setting
	for _, n := range SettingNames() {
		if _, isAttack := attack[n]; !isAttack && slices.Contains(attackSettingNames, n) || omitted[n] {
			continue
		}
		out = append(out, Setting{Name: n, Value: vals[n]})
	}
	return out
}

// Resolve builds the variant a spec describes: the base's rules, then the
// knobs, removals, changes and additions in that order; the base's
// configuration with the spec's settings; the spec's expectations. Every
// problem is reported with the line it comes from, including a rule that
// can never fire.
func (s *Spec) Resolve() (*Variant, error) { return s.resolve(Builtin, true) }

func (s *Spec) resolve(lookup func(string) (*Variant, bool), deadRuleCheck bool) (*Variant, error) {
	baseName := s.Base
	if baseName == "" {
		baseName = "rfc9293"
	}
	base, ok := lookup(baseName)
	if !ok {
		return nil, s.errorf(s.baseLine, "unknown base variant %q%s (built in: %s)", baseName, DidYouMean(baseName, BuiltinNames()), strings.Join(BuiltinNames(), ", "))
	}
	if baseName == s.Name && s.File != "" {
		return nil, s.errorf(s.baseLine, "a variant cannot be its own base")
	}
	rules := append([]Rule(nil), base.Rules...)
	lineOf := map[string]int{} // rule name -> line that last touched it
	fieldLine := map[string]map[string]int{}
	removedAt := map[string]int{} // rule name -> line that removed it (0: a knob)
	apply := func(remove []Located, changes []RuleChange, adds []RuleAddition) error {
		for _, r := range remove {
			i := ruleIndex(rules, r.Value)
			if at, gone := removedAt[r.Value]; i < 0 && gone {
				if at == 0 {
					return s.errorf(r.Line, "cannot remove rule %q: a knob already removes it", r.Value)
				}
				return s.errorf(r.Line, "cannot remove rule %q: already removed at line %d", r.Value, at)
			}
			if i < 0 {
				return s.errorf(r.Line, "cannot remove rule %q: %s", r.Value, noSuchRule(rules, r.Value))
			}
			rules = append(rules[:i], rules[i+1:]...)
			removedAt[r.Value] = r.Line
		}
		for _, c := range changes {
			i := ruleIndex(rules, c.Name)
			if i < 0 {
				return s.errorf(c.Line, "cannot change rule %q: %s", c.Name, noSuchRule(rules, c.Name))
			}
			names := make([]string, 0, len(c.Fields))
			for f := range c.Fields {
				names = append(names, f)
			}
			sort.Strings(names)
			for _, f := range names {
				p := fieldOf(&rules[i], f)
				if p == nil || f == "name" {
					return s.errorf(c.Lines[f], "rule %q: unknown field %q (want one of %s)", c.Name, f, strings.Join(ruleFields[1:], ", "))
				}
				*p = c.Fields[f]
			}
			lineOf[c.Name], fieldLine[c.Name] = c.Line, c.Lines
		}
		for _, a := range adds {
			if a.Rule.Name == "" {
				return s.errorf(a.Line, "an added rule needs a name")
			}
			if ruleIndex(rules, a.Rule.Name) >= 0 {
				return s.errorf(a.Line, "cannot add rule %q: a rule of that name exists (use change)", a.Rule.Name)
			}
			at := len(rules)
			switch {
			case a.Before != "" && a.After != "":
				return s.errorf(a.Line, "rule %q: give before or after, not both", a.Rule.Name)
			case a.Before != "":
				if at = ruleIndex(rules, a.Before); at < 0 {
					return s.errorf(a.Line, "rule %q: before %q: %s", a.Rule.Name, a.Before, noSuchRule(rules, a.Before))
				}
			case a.After != "":
				if at = ruleIndex(rules, a.After); at < 0 {
					return s.errorf(a.Line, "rule %q: after %q: %s", a.Rule.Name, a.After, noSuchRule(rules, a.After))
				}
				at++
			}
			rules = append(rules[:at], append([]Rule{a.Rule}, rules[at:]...)...)
			lineOf[a.Rule.Name], fieldLine[a.Rule.Name] = a.Line, a.Lines
		}
		return nil
	}
	// Knobs apply in the order of the knob table, whatever the order in
	// the file.
	seen := map[string]bool{}
	for _, k := range s.Knobs {
		if seen[k.Name] {
			return nil, s.errorf(k.Line, "knob %q set twice", k.Name)
		}
		seen[k.Name] = true
		if knobIndex(k.Name) < 0 {
			return nil, s.errorf(k.Line, "unknown knob %q (want one of %s)", k.Name, strings.Join(knobNames(), ", "))
		}
	}
	for _, kn := range knobs {
		for _, k := range s.Knobs {
			if k.Name != kn.Name {
				continue
			}
			val := -1
			var vals []string
			for i, v := range kn.Values {
				vals = append(vals, v.Value)
				if strings.EqualFold(v.Value, k.Value) {
					val = i
				}
			}
			if val < 0 {
				return nil, s.errorf(k.Line, "knob %s: unknown value %q (want %s)", k.Name, k.Value, strings.Join(vals, ", "))
			}
			kv := kn.Values[val]
			var remove []Located
			for _, r := range kv.Remove {
				remove = append(remove, Located{r, k.Line})
			}
			changes := append([]RuleChange(nil), kv.Change...)
			for i := range changes {
				changes[i].Line = k.Line
			}
			adds := append([]RuleAddition(nil), kv.Add...)
			for i := range adds {
				adds[i].Line = k.Line
			}
			if err := apply(remove, changes, adds); err != nil {
				return nil, s.errorf(k.Line, "knob %s=%s does not apply to base %s: %v", k.Name, k.Value, baseName, err.(*VariantError).Msg)
			}
		}
	}
	if err := apply(s.Remove, s.Change, s.Add); err != nil {
		return nil, err
	}
	cfg := base.Config
	for _, set := range s.Config {
		if err := ApplySetting(&cfg, set.Name, set.Value); err != nil {
			return nil, s.errorf(set.Line, "config: %v", err)
		}
	}
	if err := cfg.Validate(); err != nil {
		// Blame the line of a setting the error is about.
		line := 0
		var ce *ConfigError
		if errors.As(err, &ce) {
			for _, n := range ce.Settings {
				for _, set := range s.Config {
					if set.Name == n && line == 0 {
						line = set.Line
					}
				}
			}
		}
		return nil, s.errorf(line, "config: %v", err)
	}
	v := &Variant{Name: s.Name, Description: s.Description, Rules: rules, Macros: base.Macros, Config: cfg, Spec: s}
	for i, e := range s.Expect {
		line := 0
		if i < len(s.expectLines) {
			line = s.expectLines[i]
		}
		if e.Verdict != "holds" && e.Verdict != "violated" {
			return nil, s.errorf(line, "expect %s: verdict %q (want holds or violated)", e.Property, e.Verdict)
		}
		v.Expect = append(v.Expect, e)
	}
	sys, err := NewSystem(v, cfg)
	if err != nil {
		var re *RuleError
		if asRuleError(err, &re) {
			line := lineOf[re.Rule]
			if l, ok := fieldLine[re.Rule][re.Field]; ok {
				line = l
			}
			return nil, s.errorf(line, "%v", re)
		}
		line := 0
		if errors.Is(err, errNoPassiveOpen) {
			for _, r := range base.Rules {
				if l, ok := removedAt[r.Name]; ok && strings.EqualFold(r.On, "OPEN passive") && (line == 0 || l < line) {
					line = l
				}
			}
		}
		return nil, s.errorf(line, "%v", err)
	}
	for _, p := range s.Properties {
		for _, q := range v.Properties {
			if q.Name == p.Name {
				return nil, &VariantError{Msg: fmt.Sprintf("%s: property %s is defined twice", p.Where, p.Name)}
			}
		}
		if _, _, err := sys.CompileProperty(p); err != nil {
			return nil, err
		}
		v.Properties = append(v.Properties, p)
	}
	// A rule dead under this configuration may live under another (give-up
	// with unlimited retries): only one dead under the default as well is
	// an error of the table.
	if !deadRuleCheck {
		return v, nil
	}
	if dead := sys.Unfired(); len(dead) > 0 {
		ref, err := NewSystem(v, DefaultConfig())
		if err == nil {
			alsoDead := map[string]bool{}
			for _, d := range ref.Unfired() {
				alsoDead[d] = true
			}
			for _, d := range dead {
				if !alsoDead[d] {
					continue
				}
				if lineOf[d] == 0 {
					// A rule of the base that the spec did not touch:
					// one it changed or added takes its cases.
					if t, ok := shadowing(v, d, lineOf); ok {
						return nil, s.errorf(lineOf[t], "rule %q can never fire: rule %q, as this file writes it, takes all its cases (change or remove %q, or put %q after it)", d, t, d, t)
					}
				}
				return nil, s.errorf(lineOf[d], "rule %q can never fire: its guard cannot hold, or rules before it take all its cases", d)
			}
		}
	}
	return v, nil
}

// shadowing finds the rule, among those the spec changed or added, without
// which a dead rule fires again.
func shadowing(v *Variant, dead string, touched map[string]int) (string, bool) {
	names := make([]string, 0, len(touched))
	for n := range touched {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return touched[names[i]] < touched[names[j]] })
	for _, t := range names {
		i := ruleIndex(v.Rules, t)
		if i < 0 || t == dead {
			continue
		}
		without := &Variant{Name: v.Name, Macros: v.Macros, Rules: append(append([]Rule{}, v.Rules[:i]...), v.Rules[i+1:]...)}
		sys, err := NewSystem(without, DefaultConfig())
		if err != nil {
			continue
		}
		if !slices.Contains(sys.Unfired(), dead) {
			return t, true
		}
	}
	return "", false
}

func asRuleError(err error, target **RuleError) bool {
	for err != nil {
		if re, ok := err.(*RuleError); ok {
			*target = re
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func ruleIndex(rules []Rule, name string) int {
	for i, r := range rules {
		if r.Name == name {
			return i
		}
	}
	return -1
}

func noSuchRule(rules []Rule, name string) string {
	var names []string
	for _, r := range rules {
		names = append(names, r.Name)
	}
	return "no such rule" + suggest(name, names)
}

func knobIndex(name string) int {
	for i, k := range knobs {
		if k.Name == name {
			return i
		}
	}
	return -1
}

func knobNames() []string {
	var out []string
	for _, k := range knobs {
		out = append(out, k.Name)
	}
	return out
}
