package explore

import (
	"context"
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// cell is a point of a grid walk; the label is the move ("R" or "U").
type cell struct{ X, Y int }

// grid walks right or up inside [0,n]x[0,n]: (n+1)^2 states, 2n(n+1)
// transitions, and the corner (n,n) has no successor.
type grid struct{ n int }

func (g grid) Initial() []cell { return []cell{{0, 0}} }
func (g grid) Successors(c cell, yield func(string, cell)) {
	if c.X < g.n {
		yield("R", cell{c.X + 1, c.Y})
	}
	if c.Y < g.n {
		yield("U", cell{c.X, c.Y + 1})
	}
}
func (g grid) Key(dst []byte, c cell) []byte {
	return binary.AppendUvarint(binary.AppendUvarint(dst, uint64(c.X)), uint64(c.Y))
}

func labels[S any](p Path[S, string]) string {
	out := ""
	for _, s := range p.Steps {
		out += s.Label
	}
	return out
}

func TestGridCountsAndShortestPath(t *testing.T) {
	for _, exact := range []bool{false, true} {
		res := Run(context.Background(), grid{n: 6}, Options[cell, string]{
			Exact: exact,
			Invariants: []Invariant[cell]{
				{Name: "avoid-3-2", Holds: func(c cell) bool { return c != cell{3, 2} }},
			},
			KeepGoing: true,
		})
		if res.States != 49 || res.Transitions != 2*6*7 || res.Depth != 12 || !res.Complete {
			t.Fatalf("exact=%v: got %d states, %d transitions, depth %d, complete %v; want 49, 84, 12, true",
				exact, res.States, res.Transitions, res.Depth, res.Complete)
		}
		if len(res.Violations) != 1 {
			t.Fatalf("want one violation, got %d", len(res.Violations))
		}
		// BFS keeps the first parent found; successors go right before up,
		// so the first shortest path to (3,2) is RRRUU.
		p := res.Violations[0].Path
		if got := labels(p); got != "RRRUU" {
			t.Errorf("path %q, want RRRUU", got)
		}
		if p.Last() != (cell{3, 2}) {
			t.Errorf("path ends in %v", p.Last())
		}
	}
}

func TestDeadlockAndFinal(t *testing.T) {
	g := grid{n: 2}
	res := Run(context.Background(), g, Options[cell, string]{Deadlock: "no-deadlock"})
	if len(res.Violations) != 1 || res.Violations[0].Path.Last() != (cell{2, 2}) || labels(res.Violations[0].Path) != "RRUU" {
		t.Fatalf("want deadlock at (2,2) via RRUU, got %+v", res.Violations)
	}
	res = Run(context.Background(), g, Options[cell, string]{
		Deadlock: "no-deadlock",
		Final:    func(c cell) bool { return c == cell{2, 2} },
	})
	if len(res.Violations) != 0 || !res.Complete {
		t.Fatalf("the corner is final: want no violation and a complete search, got %+v", res)
	}
}

func TestActionPropertyGivesPathThroughTheEdge(t *testing.T) {
	res := Run(context.Background(), grid{n: 4}, Options[cell, string]{
		Actions: []ActionProperty[cell, string]{{
			Name:  "no-up-from-x2",
			Holds: func(from cell, l string, to cell) bool { return !(from.X == 2 && l == "U") },
		}},
	})
	if len(res.Violations) != 1 {
		t.Fatalf("want a violation")
	}
	p := res.Violations[0].Path
	if got := labels(p); got != "RRU" || p.Last() != (cell{2, 1}) {
		t.Fatalf("path %q ending %v, want RRU ending (2,1)", got, p.Last())
	}
	if res.Complete || res.Stopped != AllViolated {
		t.Errorf("search should stop once every property is violated, got complete=%v stopped=%q", res.Complete, res.Stopped)
	}
}

// ring counts modulo n: n states in a single cycle, depth n-1.
type ring struct{ n int }

func (r ring) Initial() []int                         { return []int{0} }
func (r ring) Successors(s int, yield func(int, int)) { yield(1, (s+1)%r.n) }
func (r ring) Key(dst []byte, s int) []byte           { return binary.AppendUvarint(dst, uint64(s)) }

func TestRing(t *testing.T) {
	res := Run(context.Background(), ring{n: 1000}, Options[int, int]{Deadlock: "no-deadlock"})
	if res.States != 1000 || res.Transitions != 1000 || res.Depth != 999 || len(res.Violations) != 0 || !res.Complete {
		t.Fatalf("got %+v", res)
	}
}

// tree is a complete binary tree of the given height: 2^(h+1)-1 states.
type tree struct{ h int }

type node struct{ Level, Index int }

func (tr tree) Initial() []node { return []node{{0, 0}} }
func (tr tree) Successors(n node, yield func(int, node)) {
	if n.Level < tr.h {
		yield(0, node{n.Level + 1, 2 * n.Index})
		yield(1, node{n.Level + 1, 2*n.Index + 1})
	}
}
func (tr tree) Key(dst []byte, n node) []byte {
	return binary.AppendUvarint(binary.AppendUvarint(dst, uint64(n.Level)), uint64(n.Index))
}

func TestTreeAndLimits(t *testing.T) {
	res := Run(context.Background(), tree{h: 12}, Options[node, int]{})
	if res.States != 1<<13-1 || res.Transitions != 1<<13-2 || !res.Complete {
		t.Fatalf("got %d states %d transitions", res.States, res.Transitions)
	}

	res = Run(context.Background(), tree{h: 12}, Options[node, int]{MaxStates: 100})
	if res.Stopped != StateLimit || res.Complete || res.States != 100 {
		t.Fatalf("state limit: got stopped=%q complete=%v states=%d", res.Stopped, res.Complete, res.States)
	}

	res = Run(context.Background(), tree{h: 12}, Options[node, int]{MaxDepth: 3})
	if res.Stopped != DepthLimit || res.Complete || res.States != 15 || res.Depth != 3 {
		t.Fatalf("depth limit: got stopped=%q complete=%v states=%d depth=%d", res.Stopped, res.Complete, res.States, res.Depth)
	}
	// A depth limit equal to the height loses nothing: the search is complete.
	res = Run(context.Background(), tree{h: 5}, Options[node, int]{MaxDepth: 5})
	if !res.Complete || res.States != 63 {
		t.Fatalf("depth limit at the height: got stopped=%q states=%d", res.Stopped, res.States)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res = Run(ctx, tree{h: 20}, Options[node, int]{})
	if res.Stopped != Interrupted || res.Complete {
		t.Fatalf("cancelled: got stopped=%q", res.Stopped)
	}

	res = Run(context.Background(), tree{h: 30}, Options[node, int]{MaxMemory: 8 << 20})
	if res.Stopped != MemoryLimit || res.Complete {
		t.Fatalf("memory: got stopped=%q after %d states", res.Stopped, res.States)
	}

	res = Run(context.Background(), tree{h: 40}, Options[node, int]{MaxTime: 50 * time.Millisecond})
	if res.Stopped != TimeLimit || res.Complete {
		t.Fatalf("time: got stopped=%q", res.Stopped)
	}
}

// mesh is a pseudo-random graph: each state has 0 to 5 successors among
// `size` states, chosen by mixing the state number. It has cycles, shared
// successors and dead ends, which is what worker-count independence must
// survive.
type mesh struct{ size uint64 }

func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

func (m mesh) Initial() []uint64 { return []uint64{0, 1, 0} }
func (m mesh) Successors(s uint64, yield func(int, uint64)) {
	k := int(mix(s) % 6)
	for i := 0; i < k; i++ {
		yield(i, mix(s*7+uint64(i)+1)%m.size)
	}
}
func (m mesh) Key(dst []byte, s uint64) []byte { return binary.AppendUvarint(dst, s) }

func meshOptions(workers int, exact bool) Options[uint64, int] {
	return Options[uint64, int]{
		Workers: workers,
		Exact:   exact,
		Invariants: []Invariant[uint64]{
			{Name: "not-1234", Holds: func(s uint64) bool { return s != 1234 }},
			{Name: "never-divisible-by-9973", Holds: func(s uint64) bool { return s == 0 || s%9973 != 0 }},
		},
		Actions: []ActionProperty[uint64, int]{
			{Name: "no-4th-edge-to-odd", Holds: func(f uint64, l int, t uint64) bool { return !(l == 4 && t%2 == 1 && f%5 == 0) }},
		},
		Deadlock: "no-deadlock",
		Final:    func(s uint64) bool { return s%3 != 0 },
	}
}

func TestWorkerCountIndependence(t *testing.T) {
	m := mesh{size: 200000}
	base := Run(context.Background(), m, meshOptions(1, false))
	if base.States < 10000 {
		t.Fatalf("mesh too small to be a test: %d states", base.States)
	}
	for _, w := range []int{2, 3, 8} {
		got := Run(context.Background(), m, meshOptions(w, false))
		if got.States != base.States || got.Transitions != base.Transitions || got.Depth != base.Depth {
			t.Fatalf("%d workers: %d/%d/%d, 1 worker: %d/%d/%d", w,
				got.States, got.Transitions, got.Depth, base.States, base.Transitions, base.Depth)
		}
		if !reflect.DeepEqual(got.Violations, base.Violations) {
			t.Fatalf("%d workers found different counterexamples", w)
		}
	}
	exact := Run(context.Background(), m, meshOptions(2, true))
	if exact.States != base.States || !reflect.DeepEqual(exact.Violations, base.Violations) {
		t.Fatalf("exact search differs from fingerprint search: %d vs %d states", exact.States, base.States)
	}
	if len(base.Violations) != 4 {
		t.Fatalf("want all four properties violated in the mesh, got %d", len(base.Violations))
	}
}

// TestCounterexamplesReplay checks every step of every path the engine
// returns against the system itself.
func TestCounterexamplesReplay(t *testing.T) {
	m := mesh{size: 200000}
	res := Run(context.Background(), m, meshOptions(4, false))
	for _, v := range res.Violations {
		s := v.Path.Start
		found := false
		for _, i := range m.Initial() {
			found = found || i == s
		}
		if !found {
			t.Fatalf("%s: path starts in %d, not an initial state", v.Property, s)
		}
		for k, step := range v.Path.Steps {
			ok := false
			m.Successors(s, func(l int, n uint64) { ok = ok || (l == step.Label && n == step.State) })
			if !ok {
				t.Fatalf("%s: step %d (%d -%d-> %d) is not a transition", v.Property, k, s, step.Label, step.State)
			}
			s = step.State
		}
		switch v.Property {
		case "not-1234":
			if s != 1234 {
				t.Errorf("not-1234 path ends in %d", s)
			}
		case "no-deadlock":
			n := 0
			m.Successors(s, func(int, uint64) { n++ })
			if n != 0 || s%3 != 0 {
				t.Errorf("deadlock path ends in %d with %d successors", s, n)
			}
		}
	}
}

func TestProgressReported(t *testing.T) {
	var calls int
	var last Progress
	Run(context.Background(), tree{h: 16}, Options[node, int]{
		ProgressInterval: time.Nanosecond,
		Progress:         func(p Progress) { calls++; last = p },
	})
	if calls == 0 || last.States == 0 {
		t.Fatalf("progress not reported: %d calls, last %+v", calls, last)
	}
}

func ExampleRun() {
	res := Run(context.Background(), grid{n: 3}, Options[cell, string]{
		Invariants: []Invariant[cell]{{Name: "stay-left", Holds: func(c cell) bool { return c.X < 2 }}},
		KeepGoing:  true,
	})
	fmt.Println(res.States, "states, complete:", res.Complete)
	for _, v := range res.Violations {
		fmt.Println(v.Property, "violated after", labels(v.Path))
	}
	// Output:
	// 16 states, complete: true
	// stay-left violated after RR
}
