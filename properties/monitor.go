package properties

import (
	"github.com/tcpmc/tcpmc/explore"
	"github.com/tcpmc/tcpmc/model"
)

// A Monitor evaluates the safety properties on single states and steps, for
// tools that walk the state graph themselves, such as its drawing.
type Monitor struct {
	sys        *model.System
	invariants []explore.Invariant[state]
	actions    []explore.ActionProperty[state, step]
	deadlock   bool
}

// NewMonitor watches the named safety properties (all when names is
// empty); liveness properties among names are ignored.
func NewMonitor(sys *model.System, names []string) (*Monitor, error) {
	props, err := Select(names)
	if err != nil {
		return nil, err
	}
	var safety []Property
	for _, p := range props {
		if p.Kind == Safety {
			safety = append(safety, p)
		}
	}
	c := checksOf(sys, safety)
	return &Monitor{sys: sys, invariants: c.invariants, actions: c.actions, deadlock: c.deadlock}, nil
}

// State names the invariants s violates; a state that is not a normal end
// and has no successor but the environment's (moves counts the others,
// see Environment) violates no-deadlock too.
func (m *Monitor) State(s model.State, moves int) []string {
	var out []string
	for _, inv := range m.invariants {
		if !inv.Holds(s) {
			out = append(out, inv.Name)
		}
	}
	if m.deadlock && moves == 0 && !m.sys.Final(s) {
		out = append(out, NoDeadlock.Name)
	}
	return out
}

// Step names the properties of transitions the step from one state to the
// next violates.
func (m *Monitor) Step(from model.State, st model.Step, to model.State) []string {
	var out []string
	for _, a := range m.actions {
		if !a.Holds(from, st, to) {
			out = append(out, a.Name)
		}
	}
	return out
}
