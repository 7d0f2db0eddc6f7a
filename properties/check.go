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
	Properties []string // property names; empty means every safety property
	Workers    int      // 0: one per CPU
	MaxStates  uint64
	MaxDepth   int
	MaxTime    time.Duration
	MaxMemory  uint64
	Exact      bool // store whole states instead of fingerprints
	Progress   func(explore.Progress)
}

// Trace is an execution of the model: a counterexample.
type Trace struct {
	Start model.State
	Steps []model.PathStep
}

// Result is the verdict on one property.
type Result struct {
	Property       Property
	Verdict        Verdict
	Counterexample *Trace // set when violated
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

	sys *model.System
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

// Select resolves property names (all safety properties when names is
// empty) and reports an unknown name.
func Select(names []string) ([]Property, error) {
	if len(names) == 0 {
		var out []Property
		for _, p := range Catalog() {
			if p.Kind == Safety {
				out = append(out, p)
			}
		}
		return out, nil
	}
	var out []Property
	for _, n := range names {
		p, ok := Lookup(strings.TrimSpace(n))
		if !ok {
			var known []string
			for _, c := range Catalog() {
				known = append(known, c.Name)
			}
			return nil, fmt.Errorf("unknown property %q (known: %s)", n, strings.Join(known, ", "))
		}
		out = append(out, p)
	}
	return out, nil
}

// Check explores the model and checks the chosen properties. It returns
// what it found even when a limit or ctx stopped it; the error is only for
// bad options.
func Check(ctx context.Context, sys *model.System, opts Options) (*Report, error) {
	props, err := Select(opts.Properties)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, p := range props {
		want[p.Name] = true
	}
	eo := explore.Options[state, step]{
		Invariants: invariants(sys, want),
		Actions:    actions(sys, want),
		Workers:    opts.Workers,
		MaxStates:  opts.MaxStates,
		MaxDepth:   opts.MaxDepth,
		MaxTime:    opts.MaxTime,
		MaxMemory:  opts.MaxMemory,
		Exact:      opts.Exact,
		Progress:   opts.Progress,
	}
	if want[NoDeadlock.Name] {
		eo.Deadlock = NoDeadlock.Name
		eo.Final = sys.Final
	}
	res := explore.Run[state, step](ctx, sys, eo)
	rep := &Report{
		Variant:              sys.Variant().Name,
		Config:               sys.Config(),
		States:               res.States,
		Transitions:          res.Transitions,
		Depth:                res.Depth,
		Elapsed:              res.Elapsed,
		Complete:             res.Complete,
		Stopped:              res.Stopped,
		VisitedBytes:         res.VisitedBytes,
		TraceBytes:           res.TraceBytes,
		Exact:                res.Exact,
		CollisionProbability: res.CollisionProbability,
		sys:                  sys,
	}
	found := map[string]*Trace{}
	for _, v := range res.Violations {
		tr := &Trace{Start: v.Path.Start}
		for _, s := range v.Path.Steps {
			tr.Steps = append(tr.Steps, model.PathStep{Step: s.Label, State: s.State})
		}
		found[v.Property] = tr
	}
	for _, p := range props {
		r := Result{Property: p, Verdict: Unknown}
		switch {
		case found[p.Name] != nil:
			r.Verdict, r.Counterexample = Violated, found[p.Name]
		case res.Complete:
			r.Verdict = Holds
		}
		rep.Results = append(rep.Results, r)
	}
	return rep, nil
}
