package properties

import (
	"context"
	"testing"

	"github.com/tcpmc/tcpmc/model"
)

// rfc9293 gets exactly the suite's stated verdicts, the suite fires every
// rule but the ones it says cannot fire, and every counterexample replays.
func TestSuiteRFC9293(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite")
	}
	rep, err := RunSuite(context.Background(), model.RFC9293(), Options{Coverage: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed() || !rep.Complete() {
		for _, run := range rep.Runs {
			for _, r := range run.Report.Results {
				if j := rep.Judge(run, r); j != AsRFC9293 {
					t.Errorf("%s: %s %s (%s)", run.Config.Name, r.Property.Name, r.Verdict, j)
				}
			}
		}
		t.Fatal("rfc9293 does not get the suite's verdicts")
	}
	for _, run := range rep.Runs {
		for _, r := range run.Report.Results {
			if r.Counterexample != nil {
				replayAndConfirm(t, run.Report.System(), r.Property.Name, r.Counterexample)
			}
		}
	}
	unreachable := map[string]bool{}
	for name := range SuiteUnreachable {
		unreachable[name] = true
	}
	for _, name := range rep.Coverage().Unfired() {
		if !unreachable[name] {
			t.Errorf("the suite never fires %s", name)
		}
	}
}

// A TCP that ignores RSTs once synchronized gets rfc9293's verdicts in the
// default configuration, but not in the suite.
func TestSuiteCatchesIgnoredRST(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite")
	}
	v, err := LoadVariant("../testdata/variants/examples/ignore-rst.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := RunSuite(context.Background(), v, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Passed() {
		t.Fatal("the suite cannot tell a TCP that ignores RSTs from rfc9293")
	}
	run, r, ok := rep.FirstViolation("quiet-after-close")
	if !ok || rep.Judge(run, r) != Regression {
		t.Fatalf("quiet-after-close: %v %v", ok, rep.Judge(run, r))
	}
	replayAndConfirm(t, run.Report.System(), r.Property.Name, r.Counterexample)
}

func TestMutantsOfOneRule(t *testing.T) {
	rep, err := Mutate(context.Background(), model.RFC9293(), MutateOptions{
		Configs: Suite[:1],
		Only:    func(op, rule string) bool { return rule == "time-wait.timeout" },
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]MutantResult{}
	for _, m := range rep.Results {
		got[m.Operator] = m
	}
	// Without the rule TIME-WAIT never ends; staying in TIME-WAIT is the
	// same. Both are caught by a liveness property.
	for _, op := range []string{OpDelete, OpStay} {
		if m := got[op]; m.Outcome != Killed || m.Property == "" {
			t.Errorf("%s: %+v", op, m)
		}
	}
	if len(rep.Results) != 2 {
		t.Errorf("want the delete and stay mutants, got %+v", rep.Results)
	}
}

// BenchmarkSuite is `tcpmc check --suite` on rfc9293: every configuration
// of the standard suite, safety and liveness. Mutation analysis pays this
// (at most) once per mutant.
func BenchmarkSuite(b *testing.B) {
	var rep *SuiteReport
	var err error
	for b.Loop() {
		if rep, err = RunSuite(context.Background(), model.RFC9293(), Options{}); err != nil {
			b.Fatal(err)
		}
	}
	var states uint64
	for _, r := range rep.Runs {
		states += r.Report.States
	}
	if !rep.Passed() || !rep.Complete() {
		b.Fatal("rfc9293 does not get the suite's verdicts")
	}
	b.ReportMetric(float64(states), "states")
	b.ReportMetric(float64(states)*float64(b.N)/b.Elapsed().Seconds(), "states/s")
}

// Deleting a rule that answers a call, with an action or with RFC
// 9293's error, leaves the call hanging where applications call anything:
// calls-answered kills each such mutant there.
func TestMutantsThatLeaveACallUnanswered(t *testing.T) {
	if testing.Short() {
		t.Skip("runs mutants through the suite")
	}
	rules := map[string]bool{"open.exists": true, "closed.send": true, "listen.send": true, "closing.send": true,
		"closed.close": true, "closing.close": true, "closed.abort": true, "listen.close": true, "syn-sent.close": true,
		"unsynchronized.abort": true, "closing.abort": true}
	rep, err := Mutate(context.Background(), model.RFC9293(), MutateOptions{
		Only: func(op, rule string) bool { return op == OpDelete && rules[rule] },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != len(rules) {
		t.Fatalf("%d mutants, want %d", len(rep.Results), len(rules))
	}
	for _, r := range rep.Results {
		if r.Outcome != Killed || r.Property != CallsAnswered.Name || r.Config != "any-calls" {
			t.Errorf("delete %s: %s by %s in %s, want killed by calls-answered in any-calls", r.Rule, r.Outcome, r.Property, r.Config)
		}
	}
}

// A SYN,ACK not sent at once, a data octet never retransmitted, or a
// listener that does not reset a half-open peer is caught in the
// configuration where nothing else makes up for it.
func TestMutantsKilledWhereNothingMakesUpForThem(t *testing.T) {
	if testing.Short() {
		t.Skip("runs mutants through the suite")
	}
	want := map[string][2]string{
		"no-send:listen.rcv-syn":     {ConnectionEstablished.Name, "no-retry"},
		"no-send:listen.open-active": {ConnectionEstablished.Name, "no-retry-listeners"},
		"delete:data.retransmit":     {NoDeadlock.Name, "never-close"},       // the lost octet is never sent again
		"delete:listen.rcv-ack":      {ReliableDelivery.Name, "crash-retry"}, // the survivor retransmits for ever
	}
	rep, err := Mutate(context.Background(), model.RFC9293(), MutateOptions{
		Only: func(op, rule string) bool { _, ok := want[HarmlessKey(op, rule)]; return ok },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != len(want) {
		t.Fatalf("%d mutants, want %d", len(rep.Results), len(want))
	}
	for _, r := range rep.Results {
		w := want[HarmlessKey(r.Operator, r.Rule)]
		if r.Outcome != Killed || r.Property != w[0] || r.Config != w[1] {
			t.Errorf("%s %s: %s by %s in %s, want killed by %s in %s", r.Operator, r.Rule, r.Outcome, r.Property, r.Config, w[0], w[1])
		}
	}
}

// A mutant after which no connection is ever made (an active OPEN that
// stays in CLOSED, sending its SYN) is killed by the
// catalog's reachable property, in the first configuration tried: the
// analysis judges a reachable property as a check does.
func TestMutantThatNeverConnects(t *testing.T) {
	rep, err := Mutate(context.Background(), model.RFC9293(), MutateOptions{
		Only: func(op, rule string) bool { return op == OpStay && rule == "closed.open-active" },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 || rep.Results[0].Outcome != Killed || rep.Results[0].Property != ConnectionEstablished.Name {
		t.Errorf("%+v", rep.Results)
	}
}

// A CLOSE in SYN-SENT that leaves the endpoint where it is (the mutant
// "stay") is caught by calls-take-effect where applications call anything.
func TestMutantThatIgnoresClose(t *testing.T) {
	rep, err := Mutate(context.Background(), model.RFC9293(), MutateOptions{
		Only: func(op, rule string) bool { return op == OpStay && rule == "syn-sent.close" },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 || rep.Results[0].Outcome != Killed || rep.Results[0].Property != CallsTakeEffect.Name || rep.Results[0].Config != "any-calls" {
		t.Errorf("%+v", rep.Results)
	}
}
