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

// Under calls any: a TCB closed in SYN-RECEIVED that has taken the peer's
// FIN retransmits its SYN,ACK acknowledging RCV.NXT, as any segment it
// sends does; and a listener that turned active, refused, is deleted and
// listens again. Neither breaks a guarantee; both did break the letter of
// segment-arithmetic and refused-open-reported.
func TestAnyCallsNoFalseAlarms(t *testing.T) {
	cfg := model.DefaultConfig()
	for _, kv := range [][2]string{{"calls", "any"}, {"loss", "0"}, {"dup", "0"}, {"reorder", "0"}, {"data", "0"}} {
		if err := model.ApplySetting(&cfg, kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	sys, err := model.NewSystem(model.RFC9293(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := func(actions ...string) (model.State, model.Step, model.State) {
		t.Helper()
		s := sys.Initial()[0]
		var before model.State
		var st model.Step
		for _, text := range actions {
			a, err := model.ParseAction(text, cfg.Open)
			if err != nil {
				t.Fatal(err)
			}
			before = s
			if st, s, err = sys.Apply(s, a); err != nil {
				t.Fatalf("%s: %v", text, err)
			}
		}
		return before, st, s
	}
	from, st, to := path("open client", "open server", "deliver server", "close client", "close server",
		"deliver client", "deliver client", "deliver server", "deliver server", "close server",
		"deliver client", "deliver client", "timeout server retransmission")
	b := to.Ends[model.B]
	if b.State != model.Closing || b.SndUna != b.ISS || st.NOut != 1 || st.Out[0].Ctl() != model.SYN|model.ACK || st.Out[0].Ack() != b.RcvNxt {
		t.Fatalf("not the late SYN,ACK: server %v, sent %v", b.State, st.Sent())
	}
	if !segmentArithmetic(cfg.SeqSpace, from, st, to) {
		t.Error("segment-arithmetic rejects the late SYN,ACK")
	}
	from, st, to = path("open server", "deliver server", "deliver client")
	if !st.Deleted || !st.Relisten || to.Ends[model.B].State != model.Listen {
		t.Fatalf("not a refused listener turned active: %+v", st)
	}
	if !refusedOpenReported(from, st, to) {
		t.Error("refused-open-reported rejects the refusal of a listener turned active")
	}
	rep := checkVariant(t, model.RFC9293(), cfg, "segment-arithmetic", "refused-open-reported")
	for _, name := range []string{"segment-arithmetic", "refused-open-reported"} {
		if got := verdictOf(t, rep, name); got != Holds {
			t.Errorf("%s: %s", name, got)
		}
	}
}
