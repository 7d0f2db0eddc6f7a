package properties

import (
	"context"
	"strings"
	"testing"

	"github.com/tcpmc/tcpmc/model"
)

// quiet is a handshake and close with no faults, no data and one
// connection: small enough to know every answer by hand.
func quiet(c *model.Config) {
	c.Loss, c.Dup, c.Reorder, c.Crash = 0, 0, 0, 0
	c.Data, c.Incarnations, c.RetryLimit = [2]int{}, 1, 0
}

func userCheck(t *testing.T, v *model.Variant, change func(*model.Config), specs ...model.PropertySpec) *Report {
	t.Helper()
	cfg := v.Config
	change(&cfg)
	sys, err := model.NewSystem(v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	rep, err := Check(context.Background(), sys, Options{Properties: names, Extra: specs})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func flagSpec(t *testing.T, form, text string) model.PropertySpec {
	t.Helper()
	spec, err := model.ParsePropertyFlag(form, text, 1)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// confirmUser replays a user property's counterexample or witness and
// checks that it ends where it must: a witness in a state satisfying the
// formula (and no earlier one), an invariant's counterexample in a state
// violating it, a step property's on a step violating it.
func confirmUser(t *testing.T, rep *Report, r Result, spec model.PropertySpec) {
	t.Helper()
	sys := rep.System()
	tr := r.Trace()
	if err := sys.Replay(tr.Start, tr.Steps); err != nil {
		t.Fatalf("%s: does not replay: %v\n%s", spec.Name, err, Chart(sys, tr))
	}
	f, _, err := sys.CompileProperty(spec)
	if err != nil {
		t.Fatal(err)
	}
	states := []model.State{tr.Start}
	for _, ps := range tr.Steps {
		states = append(states, ps.State)
	}
	last := len(states) - 1
	switch spec.Form {
	case "reachable", "invariant":
		want := spec.Form == "reachable" // the formula holds at the end
		for i, s := range states {
			if f.Holds(&s) == want && i != last {
				t.Fatalf("%s: state %d already ends it: not the shortest", spec.Name, i)
			}
		}
		if f.Holds(&states[last]) != want {
			t.Fatalf("%s: the last state does not end it\n%s", spec.Name, Chart(sys, tr))
		}
	case "step":
		for i, ps := range tr.Steps {
			if !f.HoldsOn(&states[i], &ps.Step, &states[i+1]) != (i == last-1) {
				t.Fatalf("%s: step %d: only the last step may violate it\n%s", spec.Name, i+1, Chart(sys, tr))
			}
		}
	case "leads-to":
		confirmLasso(t, sys, r.Property, tr)
	}
}

// Verdicts worked out by hand for the handshake and close without
// faults: 1 OPEN, 2 the SYN arrives, 3 the SYN,ACK, 4 the ACK; a close
// takes a CLOSE and a FIN's arrival more.
func TestUserPropertiesKnownAnswers(t *testing.T) {
	rfc := model.RFC9293()
	closeClient := func(c *model.Config) { quiet(c); c.Close = model.CloseClient }
	for _, c := range []struct {
		form, text string
		change     func(*model.Config)
		verdict    Verdict
		steps      int // of the counterexample or witness; 0: none
	}{
		// The server is ESTABLISHED only on the client's ACK, which the
		// client sends on entering ESTABLISHED.
		{"invariant", "a: client.STATE == SYN-SENT => server.STATE != ESTABLISHED", quiet, Holds, 0},
		// CLOSE-WAIT: the handshake, the client's CLOSE, its FIN arriving.
		{"invariant", "b: server.STATE != CLOSE-WAIT", quiet, Violated, 6},
		// Both CLOSING: the handshake, both CLOSE, both FINs arrive.
		{"reachable", "c: client.STATE == CLOSING && server.STATE == CLOSING", quiet, Holds, 8},
		// When the client closes first the server never sends a FIN
		// before it has the client's: it never reaches CLOSING.
		{"reachable", "d: server.STATE == CLOSING", closeClient, Violated, 0},
		{"reachable", "e: client.STATE == ESTABLISHED && server.STATE == SYN_RCVD && NET.COUNT == 1 && client.OUT.ACK == 1", quiet, Holds, 3},
		{"step", "f: server.STATE == SYN-RECEIVED => server.STATE' != ESTABLISHED", quiet, Violated, 4},
		{"step", "g: client.STATE == TIME-WAIT && client.STATE' != TIME-WAIT => RULE == time-wait.timeout", quiet, Holds, 0},
		{"step", "h: RULE != \"closed.open-active\"", quiet, Violated, 1},
		{"leads-to", "i: client.APP.CLOSED ~> client.STATE == CLOSED", quiet, Holds, 0},
		// A lost SYN with no retransmission: OPEN, the loss, the client
		// gives up and stays CLOSED, never ESTABLISHED.
		{"leads-to", "j: client.STATE == SYN-SENT ~> client.STATE == ESTABLISHED", func(c *model.Config) { quiet(c); c.Loss = 1 }, Violated, 3},
	} {
		spec := flagSpec(t, c.form, c.text)
		rep := userCheck(t, rfc, c.change, spec)
		r, ok := rep.Result(spec.Name)
		if !ok {
			t.Fatalf("%s: not checked", spec.Name)
		}
		if r.Verdict != c.verdict || r.Property.Form != c.form {
			t.Errorf("%s (%s): %s %s, want %s", spec.Name, c.text, r.Property.Form, r.Verdict, c.verdict)
			continue
		}
		tr := r.Trace()
		if c.steps == 0 {
			if tr != nil {
				t.Errorf("%s: a trace where none is due", spec.Name)
			}
			continue
		}
		if tr == nil || len(tr.Steps) != c.steps {
			t.Errorf("%s: want %d steps, got %v", spec.Name, c.steps, tr)
			continue
		}
		confirmUser(t, rep, r, spec)
	}
}

func TestUserPropertiesInAVariantFile(t *testing.T) {
	v, err := LoadVariant("../testdata/variants/examples/user-properties.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sys, err := model.NewSystem(v, v.Config)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(context.Background(), sys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.AsExpected() {
		for _, r := range rep.Results {
			t.Logf("%s %s", r.Property.Name, r.Verdict)
		}
		t.Fatal("not as the file expects")
	}
	for _, spec := range v.Properties {
		r, _ := rep.Result(spec.Name)
		if r.Trace() != nil {
			confirmUser(t, rep, r, spec)
		}
	}
}

func TestBadUserProperties(t *testing.T) {
	sys, _ := model.NewSystem(model.RFC9293(), model.DefaultConfig())
	for _, c := range []struct{ form, text, want string }{
		{"invariant", "x: client.STAT == CLOSED", "--invariant, column 4: property x: client has no variable STAT (did you mean STATE?)"},
		{"invariant", "x: SND.NXT == 3", "--invariant, column 4: property x: SND.NXT: say whose, client.SND.NXT or server.SND.NXT"},
		{"invariant", "x: client.STATE' == CLOSED", "reads a step"},
		{"invariant", "x: client.STATE < ESTABLISHED", "does not order states"},
		{"invariant", "x: client.ISS", "must be a boolean"},
		{"step", "x: RULE == time-wait.timout", `no rule named "time-wait.timout" in this variant (did you mean time-wait.timeout?)`},
		{"reachable", "x: client.STATE == CLOSED &&", "ends too early"},
		{"reachable", "x: clinet.STATE == CLOSED", "did you mean client.STATE?"},
		{"invariant", "x: client.STATE == ESTABLISHED && (", "ends too early"},
		{"leads-to", "x: client.STATE == CLOSED ~> ", "both sides of ~>"},
		{"leads-to", "x: client.STATE == CLOSED", "FROM ~> TO"},
		{"invariant", "9x: true", "not a property name"},
		{"invariant", "x: \"closed.open-active\"", "stands only after RULE"},
	} {
		spec, err := model.ParsePropertyFlag(c.form, c.text, 1)
		if err == nil {
			_, err = Compile(sys, spec)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s %q: got %v, want %q", c.form, c.text, err, c.want)
		}
	}
}

func FuzzFormula(f *testing.F) {
	for _, s := range []string{"client.STATE == SYN-SENT => server.STATE != ESTABLISHED",
		"RULE == time-wait.timeout || client.STATE' == CLOSED", "client.SND.NXT - 1 == server.IRS && NET.EMPTY",
		"!(client.OUT.RST > 0) && (A.APP.SENT == 2 || B.APP.RECEIVED =< 1)", "\"x", "FIN-WAIT-1 == client.STATE'"} {
		f.Add(s)
	}
	sys, _ := model.NewSystem(model.RFC9293(), model.DefaultConfig())
	start := sys.Initial()[0]
	var next model.State
	var first model.Step
	sys.Successors(start, func(st model.Step, s model.State) { first, next = st, s })
	f.Fuzz(func(t *testing.T, src string) {
		formula, err := sys.CompileFormula(src, true)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("a multi-line error: %q", err)
			}
			return
		}
		formula.HoldsOn(&start, &first, &next)
		if !formula.ReadsStep() {
			formula.Holds(&start)
		}
	})
}

// --property narrows a check to the names given, a user property's among
// them, and an unknown name is told the user's names too.
func TestSelectedNamesUserProperties(t *testing.T) {
	sys, err := model.NewSystem(model.RFC9293(), model.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	extra := []model.PropertySpec{{Name: "quiet", Form: "invariant", Expr: "client.STATE != CLOSING"}}
	props, err := Selected(sys, Options{Properties: []string{"quiet"}, Extra: extra})
	if err != nil || len(props) != 1 || props[0].Name != "quiet" {
		t.Fatalf("--property quiet: %v %v", props, err)
	}
	_, err = Selected(sys, Options{Properties: []string{"quite"}, Extra: extra})
	if err == nil || !strings.Contains(err.Error(), "(did you mean quiet?)") || !strings.Contains(err.Error(), ", quiet)") {
		t.Errorf("an unknown name: %v", err)
	}
}
