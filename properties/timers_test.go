package properties

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/tcpmc/tcpmc/model"
)

func checkVariant(t *testing.T, v *model.Variant, cfg model.Config, props ...string) *Report {
	t.Helper()
	sys, err := model.NewSystem(v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(context.Background(), sys, Options{Properties: props})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Complete {
		t.Fatalf("%s: the search did not finish", v.Name)
	}
	for _, r := range rep.Results {
		if r.Counterexample != nil {
			replayAndConfirm(t, sys, r.Property.Name, r.Counterexample)
		}
	}
	return rep
}

func verdictOf(t *testing.T, rep *Report, name string) Verdict {
	t.Helper()
	r, ok := rep.Result(name)
	if !ok {
		t.Fatalf("no result for %s", name)
	}
	return r.Verdict
}

// With keep-alive on, the half-open connection a crash leaves is reset;
// a TCP that ignores RSTs then keeps it for ever, and is caught, while
// without keep-alives the two cannot be told apart there.
func TestKeepAliveCatchesIgnoredRST(t *testing.T) {
	if testing.Short() {
		t.Skip("four checks")
	}
	const path = "../testdata/variants/examples/ignore-rst.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	file, err := model.ParseVariant(data, path)
	if err != nil {
		t.Fatal(err)
	}
	withBase := func(base string) *model.Variant {
		s := *file
		s.Name, s.Base = "ignore-rst+"+base, base
		v, err := s.Resolve()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cfg := builtin(t, "keepalive").Config
	const stuck = "no-half-open-stuck"
	if got := verdictOf(t, checkVariant(t, builtin(t, "keepalive"), cfg, stuck), stuck); got != Holds {
		t.Fatalf("keepalive: %s %s; the probe should reset the half-open connection", stuck, got)
	}
	rep := checkVariant(t, withBase("keepalive"), cfg, stuck)
	r, _ := rep.Result(stuck)
	if r.Verdict != Violated {
		t.Fatalf("ignore-rst with keep-alives: %s %s", stuck, r.Verdict)
	}
	reset := false
	for _, st := range r.Counterexample.Steps {
		reset = reset || st.Step.Kind == model.Deliver && st.Step.Seg.Has(model.RST)
	}
	if !reset {
		t.Errorf("the lasso of ignore-rst never delivers the RST it ignores:\n%s", Chart(rep.System(), r.Counterexample))
	}
	// Without keep-alives both keep the half-open connection: the
	// workload alone does not tell them apart.
	for _, v := range []*model.Variant{builtin(t, "no-keepalive"), withBase("no-keepalive")} {
		if got := verdictOf(t, checkVariant(t, v, cfg, stuck), stuck); got != Violated {
			t.Errorf("%s: %s %s", v.Name, stuck, got)
		}
	}
}

// The FIN-WAIT-2 hang: an application that never closes leaves its
// peer in FIN-WAIT-2 for ever under RFC 9293; Linux's FIN-WAIT-2 timeout
// ends it, and a segment the server sends afterwards is answered with a
// RST.
func TestFinWait2Hang(t *testing.T) {
	cfg := model.DefaultConfig()
	for _, kv := range [][2]string{{"never-close", "server"}, {"close", "client"}, {"incarnations", "1"}} {
		if err := model.ApplySetting(&cfg, kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	rep := checkVariant(t, model.RFC9293(), cfg, "no-deadlock", "orderly-release")
	r, _ := rep.Result("no-deadlock")
	if r.Verdict != Violated {
		t.Fatalf("rfc9293, server never closes: no-deadlock %s", r.Verdict)
	}
	if last := r.Counterexample.Steps[len(r.Counterexample.Steps)-1].State; last.Ends[model.A].State != model.FinWait2 {
		t.Errorf("the hang ends with the client in %v, want FIN-WAIT-2", last.Ends[model.A].State)
	}
	if got := verdictOf(t, rep, "orderly-release"); got != Holds {
		t.Errorf("rfc9293: orderly-release %s", got)
	}
	rep = checkVariant(t, builtin(t, "linux-fin-timeout"), cfg, "no-deadlock", "orderly-release")
	if got := verdictOf(t, rep, "no-deadlock"); got != Holds {
		t.Errorf("linux-fin-timeout: no-deadlock %s", got)
	}
	r, _ = rep.Result("orderly-release")
	if r.Verdict != Violated {
		t.Fatalf("linux-fin-timeout: orderly-release %s; the timer's price is a RST", r.Verdict)
	}
	timedOut := false
	for _, st := range r.Counterexample.Steps {
		timedOut = timedOut || st.Step.Kind == model.Timeout && st.Step.Event == model.FinWait2Timeout
	}
	if !timedOut {
		t.Errorf("the reset does not follow a FIN-WAIT-2 timeout:\n%s", Chart(rep.System(), r.Counterexample))
	}
}

// A call RFC 9293 refuses shows its error in the chart and in JSON.
func TestRefusedCallShown(t *testing.T) {
	cfg := model.DefaultConfig()
	cfg.Calls = model.CallsAny
	sys, err := model.NewSystem(model.RFC9293(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr := &Trace{Start: sys.Initial()[0]}
	s := tr.Start
	for _, text := range []string{"open client", "deliver client", "deliver server", "deliver client", "close client", "close client"} {
		a, err := model.ParseAction(text, cfg.Open)
		if err != nil {
			t.Fatal(err)
		}
		st, next, err := sys.Apply(s, a)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		tr.Steps = append(tr.Steps, model.PathStep{Step: st, State: next})
		s = next
	}
	if err := sys.Replay(tr.Start, tr.Steps); err != nil {
		t.Fatal(err)
	}
	chart := Chart(sys, tr)
	if !strings.Contains(chart, "CLOSE -> error: connection closing") {
		t.Errorf("the chart does not show the refused CLOSE:\n%s", chart)
	}
	data, err := json.Marshal(traceJSON(sys, tr))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"refused":true`) || !strings.Contains(string(data), `"closing.close"`) {
		t.Errorf("JSON of the refused CLOSE: %s", data)
	}
}
