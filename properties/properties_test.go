package properties

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/tcpmc/tcpmc/model"
)

func check(t *testing.T, v *model.Variant, cfg model.Config, opts Options) *Report {
	t.Helper()
	sys, err := model.NewSystem(v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(context.Background(), sys, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

var (
	catalogOnce    sync.Once
	catalogReports map[string]*Report
	catalogErr     error
)

// catalog checks every built-in variant under its own configuration once
// for all the tests that need the reports.
func catalog(t *testing.T) map[string]*Report {
	t.Helper()
	catalogOnce.Do(func() {
		catalogReports = map[string]*Report{}
		for _, v := range model.Builtins() {
			sys, err := model.NewSystem(v, v.Config)
			if err != nil {
				catalogErr = err
				return
			}
			rep, err := Check(context.Background(), sys, Options{})
			if err != nil {
				catalogErr = err
				return
			}
			catalogReports[v.Name] = rep
		}
	})
	if catalogErr != nil {
		t.Fatal(catalogErr)
	}
	return catalogReports
}

// mutate returns a copy of rfc9293 with one rule changed.
func mutate(name string, f func(*model.Rule)) *model.Variant {
	v := model.RFC9293()
	v.Name = "rfc9293-with-" + name
	for i := range v.Rules {
		if v.Rules[i].Name == name {
			f(&v.Rules[i])
			return v
		}
	}
	panic("no rule " + name)
}

func TestRFC9293HoldsUnderTheDefaultFaults(t *testing.T) {
	rep := check(t, model.RFC9293(), model.DefaultConfig(), Options{})
	if !rep.Complete || rep.Violated() {
		t.Fatalf("complete=%v, results %+v", rep.Complete, rep.Results)
	}
	for _, r := range rep.Results {
		if r.Verdict != Holds {
			t.Errorf("%s: %s", r.Property.Name, r.Verdict)
		}
	}
	if len(rep.Results) != len(Catalog()) {
		t.Errorf("want the %d properties, got %d", len(Catalog()), len(rep.Results))
	}
}

// Each property must be able to fail: a weakened rule table or a harsher
// configuration violates it, and the counterexample is a real path whose
// last step breaks the property.
func TestEachPropertyCatchesItsViolation(t *testing.T) {
	twoIncarnations := model.DefaultConfig()
	twoIncarnations.Incarnations = 2
	twoIncarnations.Data = [2]int{0, 0}
	outOfOrder := model.DefaultConfig()
	outOfOrder.Data = [2]int{2, 0}
	outOfOrder.Loss, outOfOrder.Dup = 0, 0
	lowRetries := model.DefaultConfig()
	lowRetries.RetryLimit = 0

	cases := []struct {
		property string
		variant  *model.Variant
		cfg      model.Config
	}{
		{HandshakeSync.Name, mutate("syn-sent.rcv-syn-ack", func(r *model.Rule) {
			r.Do = "RCV.NXT := SEG.SEQ + 1; IRS := SEG.SEQ + 1; SND.UNA := SEG.ACK; RETRIES := 0"
		}), model.DefaultConfig()},
		{NoStaleConnection.Name, mutate("listen.rcv-syn", func(r *model.Rule) {
			r.Next = "ESTABLISHED" // a two-way handshake
		}), twoIncarnations},
		{SegmentArithmetic.Name, mutate("listen.rcv-syn", func(r *model.Rule) {
			r.Send = "<SEQ=ISS><ACK=SEG.SEQ><CTL=SYN,ACK>"
		}), model.DefaultConfig()},
		{StreamIntegrity.Name, mutate("synchronized.rcv-text", func(r *model.Rule) {
			r.If = "SEG.TEXT > 0" // deliver data wherever it lies in the window
			r.Do = "deliver; RCV.NXT := SEG.SEQ + SEG.TEXT"
		}), outOfOrder},
		{TimeWaitAbsorbsFIN.Name, mutate("time-wait.timeout", func(r *model.Rule) {
			r.If = "" // TIME-WAIT ends whenever it likes
		}), model.DefaultConfig()},
		{OrderlyRelease.Name, mutate("fin-wait-2.rcv-fin", func(r *model.Rule) {
			r.Next = "CLOSED" // no TIME-WAIT
		}), model.DefaultConfig()},
		{NoDeadlock.Name, model.RFC9293(), lowRetries},
	}
	for _, c := range cases {
		t.Run(c.property, func(t *testing.T) {
			rep := check(t, c.variant, c.cfg, Options{Properties: []string{c.property}})
			res, _ := rep.Result(c.property)
			if res.Verdict != Violated {
				t.Fatalf("%s: verdict %s, want violated", c.property, res.Verdict)
			}
			replayAndConfirm(t, rep.System(), c.property, res.Counterexample)
		})
	}
}

// replayAndConfirm replays a counterexample step by step against the model
// and checks that its end really violates the property.
func replayAndConfirm(t *testing.T, sys *model.System, property string, tr *Trace) {
	t.Helper()
	if err := sys.Replay(tr.Start, tr.Steps); err != nil {
		t.Fatalf("%s: counterexample does not replay: %v\n%s", property, err, Chart(sys, tr))
	}
	if p, _ := Lookup(property); p.Kind == Liveness {
		confirmLasso(t, sys, p, tr)
		return
	}
	want := map[string]bool{property: true}
	last := tr.Steps[len(tr.Steps)-1]
	before := tr.Start
	if len(tr.Steps) > 1 {
		before = tr.Steps[len(tr.Steps)-2].State
	}
	broken := false
	for _, inv := range checksOf(sys, byNames(want)).invariants {
		broken = broken || !inv.Holds(last.State)
	}
	for _, act := range checksOf(sys, byNames(want)).actions {
		broken = broken || !act.Holds(before, last.Step, last.State)
	}
	if property == NoDeadlock.Name {
		n := 0
		sys.Successors(last.State, func(st model.Step, _ model.State) {
			if !Environment(st) {
				n++ // faults and ABORT do not get a system out of a deadlock
			}
		})
		broken = n == 0 && !sys.Final(last.State)
	}
	if !broken {
		t.Fatalf("%s: the counterexample's last step does not violate the property\n%s", property, Chart(sys, tr))
	}
	// Shortest: no prefix already violates it.
	for i := 0; i+1 < len(tr.Steps) && property != NoDeadlock.Name; i++ {
		prev := tr.Start
		if i > 0 {
			prev = tr.Steps[i-1].State
		}
		for _, inv := range checksOf(sys, byNames(want)).invariants {
			if !inv.Holds(tr.Steps[i].State) {
				t.Fatalf("%s: step %d already violates it", property, i+1)
			}
		}
		for _, act := range checksOf(sys, byNames(want)).actions {
			if !act.Holds(prev, tr.Steps[i].Step, tr.Steps[i].State) {
				t.Fatalf("%s: step %d already violates it", property, i+1)
			}
		}
	}
}

// The same configuration explored with 1, 2 and 4 workers gives identical
// counts and counterexamples.
func TestWorkerCountIndependence(t *testing.T) {
	cfg := model.DefaultConfig()
	cfg.RetryLimit = 1
	cfg.Incarnations = 2
	cfg.Data = [2]int{1, 0}
	v := mutate("fin-wait-2.rcv-fin", func(r *model.Rule) { r.Next = "CLOSED" })
	base := check(t, v, cfg, Options{Workers: 1})
	if !base.Violated() || base.States < 100000 {
		t.Fatalf("the test needs violations and a sizeable space: %d states", base.States)
	}
	for _, w := range []int{2, 4} {
		got := check(t, v, cfg, Options{Workers: w})
		if got.States != base.States || got.Transitions != base.Transitions || got.Depth != base.Depth {
			t.Fatalf("%d workers: %d states %d transitions depth %d; 1 worker: %d %d %d",
				w, got.States, got.Transitions, got.Depth, base.States, base.Transitions, base.Depth)
		}
		for i := range base.Results {
			b, g := base.Results[i], got.Results[i]
			if b.Verdict != g.Verdict || !reflect.DeepEqual(b.Counterexample, g.Counterexample) {
				t.Fatalf("%d workers: %s differs", w, b.Property.Name)
			}
		}
	}
	for _, r := range base.Results {
		if r.Counterexample != nil {
			replayAndConfirm(t, base.System(), r.Property.Name, r.Counterexample)
		}
	}
}

func TestExactSearchAgrees(t *testing.T) {
	skipUnderRace(t)
	fp := check(t, model.RFC9293(), model.DefaultConfig(), Options{})
	ex := check(t, model.RFC9293(), model.DefaultConfig(), Options{Exact: true})
	if fp.States != ex.States || fp.Transitions != ex.Transitions {
		t.Fatalf("fingerprints: %d states, exact: %d", fp.States, ex.States)
	}
}

func TestLimitsGiveUnknown(t *testing.T) {
	rep := check(t, model.RFC9293(), model.DefaultConfig(), Options{MaxStates: 1000})
	if rep.Complete || rep.Violated() {
		t.Fatalf("complete=%v", rep.Complete)
	}
	for _, r := range rep.Results {
		// A reachable property whose state was found holds: the witness
		// is real whatever the search did not see.
		if want := Unknown; r.Verdict != want && !(r.Property.Kind == Reachable && r.Verdict == Holds) {
			t.Errorf("%s: %s, want unknown after a state limit", r.Property.Name, r.Verdict)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sys, _ := model.NewSystem(model.RFC9293(), model.DefaultConfig())
	rep, _ = Check(ctx, sys, Options{})
	if rep.Complete || rep.Stopped == "" {
		t.Fatalf("a cancelled check must say it stopped: %+v", rep.Stopped)
	}
}

func TestUnknownPropertyIsAnError(t *testing.T) {
	sys, _ := model.NewSystem(model.RFC9293(), model.DefaultConfig())
	_, err := Check(context.Background(), sys, Options{Properties: []string{"no-such"}})
	if err == nil || !strings.Contains(err.Error(), "no-such") {
		t.Fatalf("got %v", err)
	}
}

// confirmLasso checks a liveness counterexample: the trigger holds and the
// goal then never does; a cycle returns to where it started and is fair
// (every class enabled all round it is taken on it); a stuck end has no
// successor.
func confirmLasso(t *testing.T, sys *model.System, p Property, tr *Trace) {
	t.Helper()
	property := p.Name
	states := []model.State{tr.Start}
	for _, ps := range tr.Steps {
		states = append(states, ps.State)
	}
	last := states[len(states)-1]
	var tail []model.State // the states that repeat or last for ever
	switch {
	case tr.Cycle:
		if last != states[tr.Loop] {
			t.Fatalf("%s: the cycle does not return to its start", property)
		}
		tail = states[tr.Loop : len(states)-1]
		everywhere := ^uint32(0)
		for _, s := range tail {
			var enabled uint32
			sys.Successors(s, func(st model.Step, _ model.State) {
				if c := fairnessClass(st); c >= 0 {
					enabled |= 1 << c
				}
			})
			everywhere &= enabled
		}
		var taken uint32
		for _, ps := range tr.Steps[tr.Loop:] {
			if c := fairnessClass(ps.Step); c >= 0 {
				taken |= 1 << c
			}
		}
		if everywhere&^taken != 0 {
			t.Fatalf("%s: the cycle is unfair (classes %b always enabled, never taken)", property, everywhere&^taken)
		}
	case tr.Stuck:
		n := 0
		sys.Successors(last, func(st model.Step, _ model.State) {
			if fairnessClass(st) >= 0 {
				n++ // only steps fairness owes can end being stuck
			}
		})
		if n != 0 {
			t.Fatalf("%s: the lasso says stuck but the last state has %d fair successors", property, n)
		}
		tail = []model.State{last}
	default:
		t.Fatalf("%s: a liveness counterexample must be a cycle or end stuck", property)
	}
	for _, lp := range checksOf(sys, []Property{p}).live {
		// Find where the trigger held with the goal never holding after.
		start := len(states) - len(tail)
		for start > 0 && !lp.Goal(states[start-1]) {
			start--
		}
		triggered := false
		for _, s := range states[start:] {
			triggered = triggered || lp.Trigger(s)
		}
		goalInTail := false
		for _, s := range tail {
			goalInTail = goalInTail || lp.Goal(s)
		}
		if triggered && !goalInTail {
			return
		}
	}
	t.Fatalf("%s: the lasso does not violate the property\n%s", property, Chart(sys, tr))
}

// Allowing the environment more (an optional ABORT on both sides, a
// spare crash) must never turn a violation into "holds": steps the
// environment may or may not take do not count as progress.
func TestMoreEnvironmentNeverHidesAViolation(t *testing.T) {
	skipUnderRace(t)
	base := model.RFC9293().Config
	base.Data, base.Incarnations = [2]int{}, 1
	for _, c := range []struct {
		name         string
		less, more   func(*model.Config)
		wantViolated []string
	}{
		{"abort", func(c *model.Config) { c.Abort = [2]bool{true, false} }, func(c *model.Config) { c.Abort = [2]bool{true, true} },
			[]string{NoDeadlock.Name, EventuallyClosed.Name}},
		{"crash", func(c *model.Config) { c.Crash = 1 }, func(c *model.Config) { c.Crash = 2 },
			[]string{NoDeadlock.Name, NoHalfOpenStuck.Name}},
	} {
		for _, change := range []func(*model.Config){c.less, c.more} {
			cfg := base
			change(&cfg)
			rep := check(t, model.RFC9293(), cfg, Options{Properties: c.wantViolated})
			for _, name := range c.wantViolated {
				if r, _ := rep.Result(name); r.Verdict != Violated {
					t.Errorf("%s (abort %v, crash %d): %s %s", c.name, cfg.Abort, cfg.Crash, name, r.Verdict)
				}
			}
		}
	}
}
