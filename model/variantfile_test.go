package model

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestBuiltinSpecsRoundTripThroughYAML(t *testing.T) {
	for _, name := range BuiltinNames()[1:] {
		spec, _ := BuiltinSpec(name)
		parsed, err := ParseVariant(spec.YAML(), name+".yaml")
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, spec.YAML())
		}
		got, err := parsed.Resolve()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, _ := Builtin(name)
		if !reflect.DeepEqual(got.Rules, want.Rules) || got.Config != want.Config || !reflect.DeepEqual(got.Expect, want.Expect) {
			t.Fatalf("%s: the YAML form does not give the built-in variant back", name)
		}
	}
}

const goodVariant = `name: my-variant
description: RST ignored in TIME-WAIT, by hand
base: rfc9293
change:
  - name: closing.rcv-rst
    in: CLOSING, LAST-ACK
add:
  - name: time-wait.rcv-rst
    before: any.rcv-rst-in-window
    section: RFC 1337
    in: TIME-WAIT
    on: segment 2
    if: RST
config:
  close: server
expect:
  orderly-release: holds
  no-deadlock: {verdict: holds, why: nothing gets stuck}
`

func TestParseAndResolveAVariant(t *testing.T) {
	spec, err := ParseVariant([]byte(goodVariant), "v.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v, err := spec.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	if v.Config.Close != CloseServer || len(v.Expect) != 2 || v.Expect[1].Why != "nothing gets stuck" {
		t.Fatalf("got config %+v, expect %+v", v.Config, v.Expect)
	}
	i, j := ruleIndex(v.Rules, "time-wait.rcv-rst"), ruleIndex(v.Rules, "any.rcv-rst-in-window")
	if i < 0 || i+1 != j {
		t.Fatalf("the added rule is at %d, the rule it precedes at %d", i, j)
	}
}

func TestBadVariantFiles(t *testing.T) {
	cases := []struct{ file, want string }{
		{"", "v.yaml:1: the file is empty"},
		{"name: x\nbase: rfc9293\n---\nname: y\n", "v.yaml:3: a second YAML document: a variant file holds one"},
		{"name: x\ndescription: \xff\n", "v.yaml:2: not UTF-8 text"},
		{"name: x\n  bad: [indent\n", "v.yaml:2:"},
		{"- a list\n", "v.yaml:1: a variant file is a mapping"},
		{"name: x\ncolour: blue\n", `v.yaml:2: unknown key "colour" (want one of name, description, base`},
		{"description: no name\n", "v.yaml:1: the variant needs a name"},
		{"name: x\nbase: rfc0000\n", `v.yaml:2: unknown base variant "rfc0000"`},
		{"name: x\ndescription: y\nbase: rfc929\n", `v.yaml:3: unknown base variant "rfc929" (did you mean rfc9293?)`},
		{"name: x\nknobs:\n  time-wait: forever\n", `v.yaml:3: knob time-wait: unknown value "forever" (want 2msl, short, none)`},
		{"name: x\nknobs:\n  handshek: two-way\n", `v.yaml:3: unknown knob "handshek"`},
		{"name: x\nremove: [listen.rcv-synn]\n", `v.yaml:2: cannot remove rule "listen.rcv-synn": no such rule (did you mean listen.rcv-syn?)`},
		{"name: x\nchange:\n  - name: listen.rcv-syn\n    nxt: CLOSED\n", `v.yaml:4: unknown key "nxt"`},
		{"name: x\nchange:\n  - name: listen.rcv-syn\n    next: LISTENING\n", `v.yaml:4: rule listen.rcv-syn, next: unknown state "LISTENING"`},
		{"name: x\nchange:\n  - name: listen.rcv-syn\n    if: SYN && SEG.SEQ\n", `v.yaml:4: rule listen.rcv-syn, if: column 5: && needs booleans, got boolean and sequence number`},
		{"name: x\nchange:\n  - name: listen.rcv-syn\n    do: IRS := SYN\n", `v.yaml:4: rule listen.rcv-syn, do: column 8: IRS is a sequence number, cannot assign a boolean`},
		{"name: x\nadd:\n  - name: never\n    in: LISTEN\n    on: segment 1\n    if: RST && !RST\n", `v.yaml:3: rule "never" can never fire`},
		{"name: x\nadd:\n  - name: shadowed\n    in: LISTEN\n    on: segment 1\n    if: RST\n", `v.yaml:3: rule "shadowed" can never fire`},
		{"name: x\nadd:\n  - name: listen.rcv-syn\n    in: LISTEN\n    on: CLOSE\n", `v.yaml:3: cannot add rule "listen.rcv-syn": a rule of that name exists`},
		{"name: x\nadd:\n  - name: y\n    before: nowhere\n    in: LISTEN\n    on: CLOSE\n", `v.yaml:3: rule "y": before "nowhere": no such rule`},
		{"name: x\nconfig:\n  loss: lots\n", `v.yaml:3: config: loss: "lots" is not a number`},
		{"name: x\nconfig:\n  weather: fine\n", `v.yaml:3: config: unknown setting "weather"`},
		{"name: x\nconfig:\n  seq-space: 12\n", "v.yaml:3: config: seq-space 12: want a power of two"},
		{"name: x\nconfig:\n  loss: 1\n  data: 9\n", "v.yaml:4: config: data \"9\": each application sends 0 to 7 octets"},
		{"name: x\nconfig:\n  seq-space: 16\n  window: 8\n", "v.yaml:4: config: window 8: want 1 to 7"},
		{"name: x\nconfig:\n  retries: -1\n", "v.yaml:3: config: retries \"-1\""},
		{"name: x\nexpect:\n  no-deadlock: maybe\n", `v.yaml:3: expect no-deadlock: verdict "maybe" (want holds or violated)`},
		{"name: x\nremove: listen.rcv-syn\n", `v.yaml:2: remove: want a list, got "listen.rcv-syn"`},
		{"name: x\nknobs:\n  time-wait: none\n  time-wait: short\n", `v.yaml:4: "time-wait" given twice (first on line 3)`},
	}
	for _, c := range cases {
		spec, err := ParseVariant([]byte(c.file), "v.yaml")
		if err == nil {
			_, err = spec.Resolve()
		}
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q:\n got  %v\n want %s...", c.file, err, c.want)
		}
	}
}

func FuzzParseVariant(f *testing.F) {
	f.Add(goodVariant)
	for _, name := range BuiltinNames()[1:] {
		spec, _ := BuiltinSpec(name)
		f.Add(string(spec.YAML()))
	}
	f.Add("name: x\nknobs: {time-wait: none}\nremove: [give-up]\n")
	f.Add("name: p\nremove: [closed.open-passive]\n")
	f.Add("name: p\n" + chainRules(1, 3, "<SEQ=SND.NXT><CTL=RST>"))
	f.Add("name: p\nconfig: {capacity: 4}\n" + chainRules(1, 1, "<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK><DATA>"))
	f.Fuzz(func(t *testing.T, text string) {
		spec, err := ParseVariant([]byte(text), "f.yaml")
		var v *Variant
		if err == nil {
			// Everything but the dead-rule search, which takes a second.
			v, err = spec.resolve(Builtin, false)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line naming the file: %q", err)
			}
			return
		}
		// The model of a variant that loads must build and run: a bounded
		// breadth-first search fires the rules near the initial state.
		m, err := NewSystem(v, v.Config)
		if err != nil {
			t.Fatalf("a variant that loads does not build: %v", err)
		}
		exploreSome(m, 2000)
	})
}

// TestBuiltinsPassTheDeadRuleCheck: the built-ins load without the
// dead-rule check (it costs a second or more each); the check runs here.
func TestBuiltinsPassTheDeadRuleCheck(t *testing.T) {
	for _, name := range BuiltinNames() {
		if err := LintBuiltin(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestGuardOnARealValueIsNotDead: the dead-rule check tries every value of
// the sequence space before it calls a guard such as IRS == 16 dead.
func TestGuardOnARealValueIsNotDead(t *testing.T) {
	text := "name: irs\nadd:\n  - name: odd-irs\n    before: synchronized.rcv-text\n    in: ESTABLISHED\n    on: segment 7\n    if: IRS == 16 && SEG.TEXT > 0\n    then: continue\n"
	spec, err := ParseVariant([]byte(text), "irs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := spec.Resolve(); err != nil {
		t.Fatal(err)
	}
	// A guard that cannot hold is still found.
	spec, _ = ParseVariant([]byte(strings.Replace(text, "IRS == 16 && SEG.TEXT > 0", "IRS == 16 && IRS == 17", 1)), "irs.yaml")
	if _, err := spec.Resolve(); err == nil || !strings.Contains(err.Error(), `irs.yaml:3: rule "odd-irs" can never fire`) {
		t.Fatalf("got %v", err)
	}
}

// Knob values are enumerated words, which take any case as the values of
// settings and command-line options do.
func TestKnobValuesTakeAnyCase(t *testing.T) {
	var rules [][]string
	for _, text := range []string{"name: x\nknobs:\n  time-wait: none\n", "name: x\nknobs:\n  time-wait: NONE\n"} {
		spec, err := ParseVariant([]byte(text), "v.yaml")
		if err != nil {
			t.Fatal(err)
		}
		v, err := spec.Resolve()
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		var names []string
		for _, r := range v.Rules {
			names = append(names, r.Name+" "+r.Next)
		}
		rules = append(rules, names)
	}
	var base []string
	for _, r := range RFC9293().Rules {
		base = append(base, r.Name+" "+r.Next)
	}
	if slices.Equal(rules[0], base) || !slices.Equal(rules[0], rules[1]) {
		t.Errorf("time-wait: none and NONE give different rules, or rfc9293's")
	}
}
