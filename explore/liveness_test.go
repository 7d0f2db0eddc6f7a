package explore

import (
	"context"
	"encoding/binary"
	"testing"
)

// edge is a transition of a hand-made graph; its label is its fairness
// class (-1: no fairness).
type edge struct{ to, class int }

type handGraph struct {
	init  []int
	edges map[int][]edge
}

func (h handGraph) Initial() []int { return h.init }
func (h handGraph) Successors(s int, yield func(int, int)) {
	for _, e := range h.edges[s] {
		yield(e.class, e.to)
	}
}
func (h handGraph) Key(dst []byte, s int) []byte { return binary.AppendUvarint(dst, uint64(s)) }

func liveness(h handGraph, trigger, goal func(int) bool) *LivenessResult[int, int] {
	return CheckLiveness[int, int](context.Background(), h, LivenessOptions[int, int]{
		Properties: []LiveProperty[int]{{Name: "p", Trigger: trigger, Goal: goal}},
		Class:      func(c int) int { return c },
	})
}

func is(vals ...int) func(int) bool {
	return func(s int) bool {
		for _, v := range vals {
			if s == v {
				return true
			}
		}
		return false
	}
}

// checkLasso replays a lasso and checks that its cycle returns where it
// started.
func checkLasso(t *testing.T, h handGraph, l Lasso[int, int]) {
	t.Helper()
	s := l.Path.Start
	states := []int{s}
	for _, st := range l.Path.Steps {
		ok := false
		for _, e := range h.edges[s] {
			ok = ok || e.to == st.State && e.class == st.Label
		}
		if !ok {
			t.Fatalf("step %d->%d is not an edge", s, st.State)
		}
		s = st.State
		states = append(states, s)
	}
	if l.LoopStart >= 0 && states[l.LoopStart] != s {
		t.Fatalf("cycle starts in %d but ends in %d", states[l.LoopStart], s)
	}
	if l.LoopStart < 0 {
		for _, e := range h.edges[s] {
			if e.class >= 0 {
				t.Fatalf("stuck lasso ends in %d, which has a fair successor", s)
			}
		}
	}
}

func TestUnfairCycleIsNotAViolation(t *testing.T) {
	// 0 and 1 spin for ever on class 0, but class 1 (finish, to the goal 2)
	// is enabled in both and never taken on the cycle: weak fairness rules
	// the cycle out.
	h := handGraph{init: []int{0}, edges: map[int][]edge{
		0: {{1, 0}, {2, 1}},
		1: {{0, 0}, {2, 1}},
		2: {{2, 0}},
	}}
	if r := liveness(h, is(0), is(2)); len(r.Violations) != 0 || !r.Complete {
		t.Fatalf("unfair cycle reported: %+v", r.Violations)
	}
}

func TestIntermittentExitIsTaken(t *testing.T) {
	// Finishing is possible only from 0, and the cycle 0->1->0 passes
	// through 1 where it is not: weak fairness would allow the cycle, but
	// under strong fairness an exit enabled again and again is taken.
	h := handGraph{init: []int{5}, edges: map[int][]edge{
		5: {{0, 2}},
		0: {{1, 0}, {2, 1}},
		1: {{0, 0}},
		2: {{2, 0}},
	}}
	if r := liveness(h, is(0), is(2)); len(r.Violations) != 0 || !r.Complete {
		t.Fatalf("a strongly unfair cycle reported: %+v", r.Violations)
	}
}

func TestFairCycleIsAViolation(t *testing.T) {
	// The cycle 0->1->0 can only leave by a fault (class -1): it is fair,
	// and the goal is never reached.
	h := handGraph{init: []int{5}, edges: map[int][]edge{
		5: {{0, 2}},
		0: {{1, 0}, {2, -1}},
		1: {{0, 1}},
		2: {{2, 0}},
	}}
	r := liveness(h, is(0), is(2))
	if len(r.Violations) != 1 {
		t.Fatalf("fair cycle missed")
	}
	l := r.Violations[0].Lasso
	checkLasso(t, h, l)
	if l.LoopStart != 1 || len(l.Path.Steps) != 3 {
		t.Fatalf("want prefix 5->0 then cycle 0->1->0, got loop at %d in %d steps", l.LoopStart, len(l.Path.Steps))
	}
}

func TestFairnessNarrowsComponents(t *testing.T) {
	// In the component {0,1,2}, class 2 (to the goal) is enabled in 2 and
	// never taken inside: 2 cannot recur, and without it {0,1} is a fair
	// cycle (classes 0 and 1, both taken).
	h := handGraph{init: []int{0}, edges: map[int][]edge{
		0: {{1, 0}},
		1: {{0, 1}, {2, 0}},
		2: {{1, 0}, {9, 2}},
		9: {},
	}}
	r := liveness(h, is(0), is(9))
	if len(r.Violations) != 1 {
		t.Fatalf("the fair cycle inside a strongly unfair component was missed")
	}
	l := r.Violations[0].Lasso
	checkLasso(t, h, l)
	for _, st := range l.Path.Steps[l.LoopStart:] {
		if st.State == 2 {
			t.Fatalf("the cycle visits 2, where the way to the goal is enabled: %+v", l.Path.Steps)
		}
	}
}

func TestStuckWhereOnlyFaultsAreEnabled(t *testing.T) {
	// 1 can only be left by a fault (class -1): an execution may stay.
	h := handGraph{init: []int{0}, edges: map[int][]edge{
		0: {{1, 0}},
		1: {{9, -1}},
		9: {},
	}}
	r := liveness(h, is(0), is(9))
	if len(r.Violations) != 1 || r.Violations[0].Lasso.LoopStart != -1 || r.Violations[0].Lasso.Path.Last() != 1 {
		t.Fatalf("a state left only by faults is not reported stuck: %+v", r.Violations)
	}
}

func TestCycleOfUnfairTransitionsOnly(t *testing.T) {
	// A cycle made of fault transitions (class -1) while a fair class is
	// always enabled: unfair, not a violation.
	h := handGraph{init: []int{0}, edges: map[int][]edge{
		0: {{1, -1}, {9, 3}},
		1: {{0, -1}, {9, 3}},
		9: {},
	}}
	if r := liveness(h, is(0), is(9)); len(r.Violations) != 0 {
		t.Fatalf("unfair fault cycle reported")
	}
}

func TestStuckStateIsAViolation(t *testing.T) {
	h := handGraph{init: []int{0}, edges: map[int][]edge{
		0: {{1, 0}, {2, 0}},
		1: {{3, 0}},
		3: {},
		2: {{4, 1}},
		4: {},
	}}
	r := liveness(h, is(0), is(4))
	if len(r.Violations) != 1 || r.Violations[0].Lasso.LoopStart != -1 {
		t.Fatalf("stuck state missed: %+v", r.Violations)
	}
	l := r.Violations[0].Lasso
	checkLasso(t, h, l)
	if l.Path.Last() != 3 || len(l.Path.Steps) != 2 {
		t.Fatalf("want 0->1->3, got %+v", l.Path)
	}
}

func TestFairCycleTakesEveryEnabledClass(t *testing.T) {
	// In {0,1,2}, class 2 (to the goal) is enabled only in 0, so a fair
	// cycle avoids 0; classes 0 and 1 are enabled in 1 and 2, so the
	// lasso's cycle must take both.
	h := handGraph{init: []int{0}, edges: map[int][]edge{
		0: {{1, 0}, {7, 2}, {2, 1}},
		1: {{0, 0}, {2, 1}},
		2: {{0, 1}, {1, 0}},
		7: {},
	}}
	r := liveness(h, is(0), is(7))
	if len(r.Violations) != 1 {
		t.Fatal("violation missed")
	}
	l := r.Violations[0].Lasso
	checkLasso(t, h, l)
	taken := map[int]bool{}
	for _, st := range l.Path.Steps[l.LoopStart:] {
		taken[st.Label] = true
	}
	if !taken[0] || !taken[1] {
		t.Fatalf("the cycle must take classes 0 and 1: %+v", l.Path.Steps[l.LoopStart:])
	}
}

func TestGoalReachedEveryTimeHolds(t *testing.T) {
	// The ring returns to the goal on every lap: the property holds, and
	// states that satisfy neither trigger nor goal do not matter.
	if r := liveness(handGraph{init: []int{0}, edges: map[int][]edge{0: {{1, 0}}, 1: {{2, 0}}, 2: {{0, 0}}}}, is(1), is(0)); len(r.Violations) != 0 {
		t.Fatal("reported a violation on a ring through the goal")
	}
}

func TestLivenessLimits(t *testing.T) {
	r := CheckLiveness[node, int](context.Background(), tree{h: 20}, LivenessOptions[node, int]{
		Properties: []LiveProperty[node]{{Name: "p", Trigger: func(node) bool { return true }, Goal: func(node) bool { return false }}},
		Class:      func(int) int { return 0 },
		MaxStates:  5000,
	})
	if r.Complete || r.Stopped != StateLimit || len(r.Violations) != 0 {
		t.Fatalf("got complete=%v stopped=%q", r.Complete, r.Stopped)
	}
}
