package properties

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tcpmc/tcpmc/explore"
	"github.com/tcpmc/tcpmc/model"
)

// Verdict is the outcome for one property.
type Verdict string

const (
	Holds    Verdict = "holds"
	Violated Verdict = "violated"
	Unknown  Verdict = "unknown" // the search stopped before covering the state space
)

// Options choose properties and bound the search.
type Options struct {
	// Properties names the properties to check, the catalog's or the
	// variant's own; empty means every one.
	Properties []string
	// Extra are properties the caller writes (the command line's
	// --invariant, --step, --reachable and --leads-to, or Go code),
	// checked beside the others whatever Properties says.
	Extra []model.PropertySpec
	// Coverage counts, for every rule, the transitions of the explored
	// state space that fired it (Report.Coverage).
	Coverage  bool
	Workers   int // 0: one per CPU
	MaxStates uint64
	MaxDepth  int
	MaxTime   time.Duration
	MaxMemory uint64
	Exact     bool // store whole states instead of fingerprints
	Progress  func(explore.Progress)
	// LivenessProgress reports on the state-graph search, as Progress
	// does on the safety search.
	LivenessProgress func(explore.Progress)
}

// Trace is an execution of the model: a counterexample. A liveness
// counterexample is a lasso: either the steps from Loop on form a cycle
// that repeats for ever (Cycle), or the execution stops in its last state
// for ever (Stuck).
type Trace struct {
	Start model.State
	Steps []model.PathStep
	Cycle bool
	Loop  int // index of the first step of the cycle
	Stuck bool
	// Notes, when set, holds a note for each step, written beside the
	// step in a chart (conformance checking names the captured packet a
	// step sent).
	Notes []string
}

// Result is the verdict on one property.
type Result struct {
	Property       Property
	Verdict        Verdict
	Counterexample *Trace // set when violated
	// Witness is the shortest path to a state a reachable property looks
	// for; it holds when there is one.
	Witness *Trace
	// Attack counts, when the counterexample's last forged segment came
	// from a blind attacker, how many of its possible values succeed.
	Attack *AttackCount
}

// Trace is the result's counterexample or witness, nil if it has none.
func (r Result) Trace() *Trace {
	if r.Witness != nil {
		return r.Witness
	}
	return r.Counterexample
}

// Report is everything a check found.
type Report struct {
	Variant              string
	Config               model.Config
	States, Transitions  uint64
	Depth                int
	Elapsed              time.Duration
	Complete             bool
	Stopped              explore.StopReason
	VisitedBytes         uint64
	TraceBytes           uint64
	Exact                bool
	CollisionProbability float64
	Results              []Result
	// Safety describes the breadth-first search for the safety
	// properties, nil when none was checked; the figures above are its
	// own, or the liveness search's when it did not run.
	Safety *SafetyStats
	// Liveness describes the second search, over the whole state graph,
	// that liveness properties need; nil when none was checked.
	Liveness *LivenessStats
	// Coverage counts the rules fired in the safety search's state space,
	// when asked for.
	Coverage *Coverage

	sys *model.System
}

// SafetyStats describe the breadth-first search for the safety
// properties.
type SafetyStats struct {
	States, Transitions  uint64
	Depth                int
	Elapsed              time.Duration
	Complete             bool
	Stopped              explore.StopReason
	VisitedBytes         uint64
	TraceBytes           uint64
	Exact                bool
	CollisionProbability float64
	PeakHeap             uint64 // the Go heap's peak: what the process really used
}

// BytesPerState is the memory the search kept per state.
func (s *SafetyStats) BytesPerState() float64 {
	if s.States == 0 {
		return 0
	}
	return float64(s.VisitedBytes+s.TraceBytes) / float64(s.States)
}

// LivenessStats describe the state-graph search for liveness.
type LivenessStats struct {
	States, Edges        uint64
	Depth                int
	Elapsed              time.Duration
	Complete             bool
	Stopped              explore.StopReason
	Bytes                uint64 // the stored graph
	PeakHeap             uint64 // the Go heap's peak while it was built and searched
	CollisionProbability float64
}

// System is the model the report is about.
func (r *Report) System() *model.System { return r.sys }

// Violated reports whether any property was violated.
func (r *Report) Violated() bool {
	for _, res := range r.Results {
		if res.Verdict == Violated {
			return true
		}
	}
	return false
}

// Compare judges a verdict against what variant v states of the property:
// want is the stated verdict, or holds when v states nothing (stated
// false), and as tells whether the verdict is that one (an unknown
// verdict is not).
func Compare(v *model.Variant, property string, verdict Verdict) (want Verdict, stated, as bool) {
	want = Holds
	if e, ok := v.Expected(property); ok {
		want, stated = Verdict(e.Verdict), true
	}
	return want, stated, verdict == want
}

// AsExpected reports whether every verdict is the one the variant states
// (a property without a stated expectation must hold); unknown verdicts
// are not as expected.
func (r *Report) AsExpected() bool {
	for _, res := range r.Results {
		if _, _, as := Compare(r.sys.Variant(), res.Property.Name, res.Verdict); !as {
			return false
		}
	}
	return true
}

// AsExpectedWhereKnown is AsExpected over the verdicts that are not
// unknown.
func (r *Report) AsExpectedWhereKnown() bool {
	for _, res := range r.Results {
		if _, _, as := Compare(r.sys.Variant(), res.Property.Name, res.Verdict); !as && res.Verdict != Unknown {
			return false
		}
	}
	return true
}

// Result returns the verdict on a property, if it was checked.
func (r *Report) Result(name string) (Result, bool) {
	for _, res := range r.Results {
		if res.Property.Name == name {
			return res, true
		}
	}
	return Result{}, false
}

// BytesPerState is the memory the search kept per state.
func (r *Report) BytesPerState() float64 {
	if r.States == 0 {
		return 0
	}
	return float64(r.VisitedBytes+r.TraceBytes) / float64(r.States)
}

// Select resolves names of the catalog's properties (all of them when
// names is empty) and reports an unknown name.
func Select(names []string) ([]Property, error) {
	if len(names) == 0 {
		return Catalog(), nil
	}
	var out []Property
	for _, n := range names {
		p, ok := Lookup(strings.TrimSpace(n))
		if !ok {
			return nil, fmt.Errorf("unknown property %q%s (known: %s)", n, suggestProperty(n, nil), strings.Join(catalogNames(), ", "))
		}
		out = append(out, p)
	}
	return out, nil
}

func catalogNames() []string {
	var known []string
	for _, c := range Catalog() {
		known = append(known, c.Name)
	}
	return known
}

// Selected resolves the properties a check of sys covers: the catalog's
// and the variant's own, narrowed to opts.Properties when it names some,
// and opts.Extra. It reports unknown names and bad formulas.
func Selected(sys *model.System, opts Options) ([]Property, error) {
	all := Catalog()
	seen := map[string]bool{}
	for _, p := range all {
		seen[p.Name] = true
	}
	var user []Property
	for _, spec := range append(append([]model.PropertySpec(nil), sys.Variant().Properties...), opts.Extra...) {
		if seen[spec.Name] {
			return nil, fmt.Errorf("%s: property %s: the name is taken (by the catalog or another property)", spec.Where, spec.Name)
		}
		seen[spec.Name] = true
		p, err := Compile(sys, spec)
		if err != nil {
			return nil, err
		}
		user = append(user, p)
	}
	fromVariant := len(sys.Variant().Properties)
	all = append(all, user[:fromVariant]...)
	if len(opts.Properties) > 0 {
		var picked []Property
		for _, n := range opts.Properties {
			n = strings.TrimSpace(n)
			found := false
			for _, p := range user[fromVariant:] {
				found = found || p.Name == n // always checked
			}
			for _, p := range all {
				if p.Name == n {
					picked, found = append(picked, p), true
					break
				}
			}
			if !found {
				var names []string
				for _, p := range append(all, user[fromVariant:]...) {
					names = append(names, p.Name)
				}
				return nil, fmt.Errorf("unknown property %q%s (known: %s)", n, suggestProperty(n, names), strings.Join(names, ", "))
			}
		}
		all = picked
	}
	return append(all, user[fromVariant:]...), nil
}

// resultOf is the verdict on a property from what the search found for it
// (a counterexample, or for a reachable property a witness) and whether
// the search covered the state space.
func resultOf(p Property, found *Trace, done bool) Result {
	r := Result{Property: p, Verdict: Unknown}
	switch {
	case p.Kind == Reachable && found != nil && !p.User():
		r.Verdict = Holds // the catalog's vacuity check: its witness is just a connection
	case p.Kind == Reachable && found != nil:
		r.Verdict, r.Witness = Holds, found
	case p.Kind == Reachable && done:
		r.Verdict = Violated // no reachable state is one it looks for
	case found != nil:
		r.Verdict, r.Counterexample = Violated, found
	case done:
		r.Verdict = Holds
	}
	return r
}

// Check explores the model and checks the chosen properties. It returns
// what it found even when a limit or ctx stopped it; the error is only for
// bad options.
func Check(ctx context.Context, sys *model.System, opts Options) (*Report, error) {
	props, err := Selected(sys, opts)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	c := checksOf(sys, props)
	rep := &Report{Variant: sys.Variant().Name, Config: sys.Config(), sys: sys, Complete: true}
	found := map[string]*Trace{}
	if c.safety() || opts.Coverage {
		checkSafety(ctx, sys, c, opts, rep, found)
	}
	liveComplete := true
	if len(c.live) > 0 {
		switch {
		case opts.MaxDepth > 0:
			// A graph cut at a depth would show its frontier as states
			// where executions stop: no liveness verdict can come of it.
			rep.Liveness = &LivenessStats{Stopped: explore.DepthLimit}
			liveComplete = false
			if rep.Stopped == explore.Finished {
				rep.Stopped = explore.DepthLimit
			}
		case ctx.Err() == nil:
			liveComplete = checkLiveness(ctx, sys, c.live, opts, rep, found)
		default:
			liveComplete = false
		}
		if ctx.Err() != nil {
			rep.Stopped = explore.Interrupted
		}
	}
	safetyComplete := rep.Complete
	rep.Complete = rep.Complete && liveComplete
	for _, p := range props {
		done := safetyComplete
		if p.Kind == Liveness {
			done = liveComplete
		}
		rep.Results = append(rep.Results, resultOf(p, found[p.Name], done))
	}
	if opts.MaxTime > 0 {
		// The counts' sub-searches share the check's time limit.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, max(opts.MaxTime-time.Since(start), time.Millisecond))
		defer cancel()
	}
	countAttacks(ctx, sys, rep, opts) // a count the limit cut short says it is incomplete
	return rep, nil
}

// checkSafety runs the breadth-first search for the safety properties.
func checkSafety(ctx context.Context, sys *model.System, c checks, opts Options, rep *Report, found map[string]*Trace) {
	eo := explore.Options[state, step]{
		Invariants: c.invariants,
		Actions:    c.actions,
		Workers:    opts.Workers,
		MaxStates:  opts.MaxStates,
		MaxDepth:   opts.MaxDepth,
		MaxTime:    opts.MaxTime,
		MaxMemory:  opts.MaxMemory,
		Exact:      opts.Exact,
		Progress:   opts.Progress,
	}
	if c.deadlock {
		eo.Deadlock = NoDeadlock.Name
		eo.Final = sys.Final
		eo.Environment = Environment
	}
	var cov *coverageCounter
	if opts.Coverage {
		cov = newCoverageCounter(sys)
		eo.Actions = append(eo.Actions, cov.action())
	}
	res := explore.Run[state, step](ctx, sys, eo)
	if cov != nil {
		rep.Coverage = cov.result(res.Complete)
	}
	rep.Safety = &SafetyStats{States: res.States, Transitions: res.Transitions, Depth: res.Depth, Elapsed: res.Elapsed,
		Complete: res.Complete, Stopped: res.Stopped, VisitedBytes: res.VisitedBytes, TraceBytes: res.TraceBytes,
		Exact: res.Exact, CollisionProbability: res.CollisionProbability, PeakHeap: res.PeakHeap}
	rep.States, rep.Transitions, rep.Depth, rep.Elapsed = res.States, res.Transitions, res.Depth, res.Elapsed
	rep.Complete, rep.Stopped = res.Complete, res.Stopped
	rep.VisitedBytes, rep.TraceBytes, rep.Exact = res.VisitedBytes, res.TraceBytes, res.Exact
	rep.CollisionProbability = res.CollisionProbability
	for _, v := range res.Violations {
		tr := &Trace{Start: v.Path.Start}
		for _, s := range v.Path.Steps {
			tr.Steps = append(tr.Steps, model.PathStep{Step: s.Label, State: s.State})
		}
		found[v.Property] = tr
	}
}

// checkLiveness builds the state graph and looks for fair lassos. It
// reports whether the graph was complete.
func checkLiveness(ctx context.Context, sys *model.System, live []explore.LiveProperty[state], opts Options, rep *Report, found map[string]*Trace) bool {
	maxTime := opts.MaxTime
	if maxTime > 0 {
		maxTime = max(maxTime-rep.Elapsed, time.Millisecond)
	}
	res := explore.CheckLiveness[state, step](ctx, sys, explore.LivenessOptions[state, step]{
		Properties: live, Class: fairnessClass, Workers: opts.Workers,
		MaxStates: opts.MaxStates, MaxTime: maxTime, MaxMemory: opts.MaxMemory,
		Progress: opts.LivenessProgress,
	})
	rep.Liveness = &LivenessStats{States: res.States, Edges: res.Edges, Depth: res.Depth, Elapsed: res.Elapsed, Complete: res.Complete,
		Stopped: res.Stopped, Bytes: res.Bytes, PeakHeap: res.PeakHeap, CollisionProbability: res.CollisionProbability}
	if rep.Safety == nil {
		rep.States, rep.Transitions, rep.Depth, rep.Elapsed = res.States, res.Edges, res.Depth, res.Elapsed
	} else {
		rep.Elapsed += res.Elapsed
	}
	if !res.Complete && rep.Stopped == explore.Finished {
		rep.Stopped = res.Stopped
	}
	for _, v := range res.Violations {
		if found[v.Property] != nil {
			continue // handshake-completes is checked per side: keep the first
		}
		tr := &Trace{Start: v.Lasso.Path.Start, Cycle: v.Lasso.LoopStart >= 0, Loop: v.Lasso.LoopStart, Stuck: v.Lasso.LoopStart < 0}
		if !tr.Cycle {
			tr.Loop = 0
		}
		for _, s := range v.Lasso.Path.Steps {
			tr.Steps = append(tr.Steps, model.PathStep{Step: s.Label, State: s.State})
		}
		found[v.Property] = tr
	}
	return res.Complete
}
