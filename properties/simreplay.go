package properties

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tcpmc/tcpmc/model"
)

// Schedule is a random run written as the choice made at each step: the
// index of the step taken among the successors, listed benign first. It
// replays the run without rapid, and is how tcpmc simulate prints a
// failure to reproduce.
type Schedule []int

func (sc Schedule) String() string {
	parts := make([]string, len(sc))
	for i, c := range sc {
		parts[i] = strconv.Itoa(c)
	}
	return strings.Join(parts, ",")
}

// ParseSchedule reads a schedule as String writes it.
func ParseSchedule(s string) (Schedule, error) {
	var out Schedule
	for i, f := range strings.Split(s, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c < 0 {
			return nil, fmt.Errorf("choice %d of the schedule, %q: want a number from 0", i+1, f)
		}
		out = append(out, c)
	}
	return out, nil
}

// Replay runs a schedule, checking the properties as a random run does.
// It returns the run and its failure, if any; a choice that does not
// exist in its state is an error naming the step.
func (s *Simulation) Replay(sc Schedule) (*Trace, *SimFailure, error) {
	var bad error
	i := 0
	run := s.execute(s.sys.Initial()[0], func(next []model.PathStep) int {
		if i >= len(sc) {
			return -1
		}
		c := sc[i]
		if c >= len(next) {
			bad = fmt.Errorf("step %d of the schedule chooses %d, but only %d steps are enabled there", i+1, c, len(next))
			return -1
		}
		i++
		return c
	}, NewFlights(s.sys))
	if bad != nil {
		return nil, nil, bad
	}
	if run.failure == nil && i < len(sc) {
		return nil, nil, fmt.Errorf("the run ends after %d of the schedule's %d steps", i, len(sc))
	}
	return run.trace, run.failure, nil
}

// ScheduleOf writes a failing run as the schedule that replays it.
func (s *Simulation) ScheduleOf(f *SimFailure) Schedule {
	var out Schedule
	cur := f.Trace.Start
	var next []model.PathStep
	for _, ps := range f.Trace.Steps {
		next = s.sorted(cur, next[:0])
		for c, n := range next {
			if n == ps {
				out = append(out, c)
				break
			}
		}
		cur = ps.State
	}
	return out
}

func (s *Simulation) sorted(cur model.State, next []model.PathStep) []model.PathStep {
	s.next(cur, func(st model.Step, to model.State) { next = append(next, model.PathStep{Step: st, State: to}) })
	sortBenignFirst(next)
	return next
}

// Minimize drops the steps of a failing run that the failure does not
// need, one at a time while the same property still fails: rapid's
// shrinking works on the random choices and can leave faults (a loss, a
// duplicate) whose effect a later step undoes. Steps are matched by what
// they do (kind, side, event or segment), not by their position in the
// network, which may shift when an earlier step is dropped.
func (s *Simulation) Minimize(f *SimFailure) *SimFailure {
	best := f
	for changed := true; changed && s.ctx.Err() == nil; {
		changed = false
		for k := len(best.Trace.Steps) - 1; k >= 0 && s.ctx.Err() == nil; k-- {
			if g := s.without(best, k); g != nil {
				best, changed = g, true
				k = min(k, len(best.Trace.Steps))
			}
		}
		if changed {
			continue
		}
		// A fault may only be needless together with another (a loss
		// and the retransmission it caused, a copy and its delivery
		// ahead of the original).
		var optional []int
		for i, ps := range best.Trace.Steps {
			if st := ps.Step; faultRank(st) >= firstFaultRank || st.Kind == model.Timeout {
				optional = append(optional, i)
			}
		}
	pairs:
		for a := len(optional) - 1; a >= 0; a-- {
			for b := a - 1; b >= 0 && s.ctx.Err() == nil; b-- {
				if g := s.without(best, optional[a], optional[b]); g != nil {
					best, changed = g, true
					break pairs
				}
			}
		}
	}
	return best
}

// without replays a failure with some steps left out, and returns the
// run if it still violates the same property.
func (s *Simulation) without(f *SimFailure, drop ...int) *SimFailure {
	want := make([]model.Step, 0, len(f.Trace.Steps))
	for i, ps := range f.Trace.Steps {
		if !slices.Contains(drop, i) {
			want = append(want, ps.Step)
		}
	}
	// Each step is the first of those still to take that applies: one
	// that does not apply yet (a client's SYN,ACK before its SYN has
	// been delivered again) waits, and one that never applies again (the
	// delivery of a copy that was not made) goes with the step left out.
	run := s.execute(f.Trace.Start, func(next []model.PathStep) int {
		for j, w := range want {
			for c, n := range next {
				st := n.Step
				if st.Kind == w.Kind && st.Side == w.Side && st.Event == w.Event && st.Seg == w.Seg && st.Reordered == w.Reordered {
					want = slices.Delete(want, j, j+1)
					return c
				}
			}
		}
		return -1
	}, NewFlights(s.sys))
	if run.failure == nil || run.failure.Property != f.Property {
		return nil
	}
	return run.failure
}

// System is the model the simulation runs.
func (s *Simulation) System() *model.System { return s.sys }
