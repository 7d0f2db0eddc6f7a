package model

import "fmt"

// PathStep is one step of an execution and the state it reached.
type PathStep struct {
	Step  Step
	State State
}

// Replay checks that an execution is a real path of the model: start is an
// initial state and each step, label and resulting state alike, is one of
// the successors of the state before it. It names the first step that is
// not.
func (m *System) Replay(start State, steps []PathStep) error {
	ok := false
	for _, s := range m.Initial() {
		ok = ok || s == start
	}
	if !ok {
		return fmt.Errorf("the path does not start in an initial state")
	}
	cur := start
	for i, ps := range steps {
		found := false
		m.Successors(cur, func(st Step, next State) {
			found = found || st == ps.Step && next == ps.State
		})
		if !found {
			return fmt.Errorf("step %d (%s) is not a transition of the model", i+1, m.Describe(ps.Step))
		}
		cur = ps.State
	}
	return nil
}

// CanFire reports whether an event has a rule whose guard holds for the
// endpoint of side in s (ignoring network capacity).
func (m *System) CanFire(s State, side Side, ev Event) bool {
	x := m.newExpander(false)
	for _, r := range x.outcomes(&s, side, ev, 0) {
		if r.o.fired() {
			return true
		}
	}
	return false
}

// Describe says in words what a step did, naming the rules that fired.
func (m *System) Describe(st Step) string {
	who := m.SideName(st.Side)
	var what string
	switch st.Kind {
	case Call:
		what = fmt.Sprintf("%s calls %s", who, st.Event)
	case Timeout:
		what = fmt.Sprintf("%s: %s", who, st.Event)
	case Deliver:
		what = fmt.Sprintf("%s receives %v", who, st.Seg)
		if st.Reordered {
			what += " out of order"
		}
	case Lose:
		what = fmt.Sprintf("the network loses %v from %s", st.Seg, who)
	case Duplicate:
		what = fmt.Sprintf("the network duplicates %v from %s", st.Seg, who)
	case Crash:
		what = fmt.Sprintf("%s crashes and loses its TCB", who)
	case Forge:
		what = fmt.Sprintf("%s receives %v, forged by the attacker", who, st.Seg)
	}
	if st.NRules > 0 {
		what += " ["
		for i, id := range st.RuleIDs() {
			if i > 0 {
				what += ", "
			}
			what += m.table.rules[id].Name
		}
		what += "]"
	}
	return what
}
