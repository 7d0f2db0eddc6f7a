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

// Every reviewed harmless mutant is one of rfc9293's, and its reason holds
// where it can be seen: in the configuration whose applications make
// every call, the mutant reaches exactly the original's states (only
// self-loops of refused calls go), and every verdict is the original's.
func TestHarmlessMutantsAreHarmless(t *testing.T) {
	var anyCalls SuiteConfig
	for _, c := range Suite {
		if c.Name == "any-calls" {
			anyCalls = c
		}
	}
	base, err := runConfig(context.Background(), model.RFC9293(), anyCalls)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, m := range Mutants(model.RFC9293()) {
		if _, ok := HarmlessMutants[HarmlessKey(m.Operator, m.Rule)]; !ok {
			continue
		}
		found++
		run, err := runConfig(context.Background(), m.Variant, anyCalls)
		if err != nil {
			t.Fatal(err)
		}
		if run.print.states != base.print.states || run.print.stateSum != base.print.stateSum {
			t.Errorf("%s:%s reaches other states (%d, want %d)", m.Operator, m.Rule, run.print.states, base.print.states)
		}
		if killedBy(base, run) != "" {
			t.Errorf("%s:%s changes a verdict: %s", m.Operator, m.Rule, killedBy(base, run))
		}
	}
	if found != len(HarmlessMutants) {
		t.Errorf("%d of the %d reviewed mutants are mutants of rfc9293", found, len(HarmlessMutants))
	}
}

// A mutant after which no connection is ever made is killed by the
// catalog's reachable property, in the first configuration tried: the
// analysis judges a reachable property as a check does.
func TestMutantThatNeverConnects(t *testing.T) {
	rep, err := Mutate(context.Background(), model.RFC9293(), MutateOptions{
		Only: func(op, rule string) bool { return op == OpDelete && rule == "closed.open-active" },
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
