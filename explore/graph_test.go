package explore

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// referenceGraph builds the state graph of sys by the plainest sequential
// breadth-first search, a Go map from state to index: the graph the
// workers must build, whatever their number.
func referenceGraph[S comparable, T any](sys System[S, T], class func(T) int) (edges [][][2]int, initials []int) {
	index := map[S]int{}
	var queue []S
	for k, s := range sys.Initial() {
		if _, ok := index[s]; !ok {
			index[s] = len(queue)
			queue = append(queue, s)
			initials = append(initials, k)
		}
	}
	for i := 0; i < len(queue); i++ {
		var out [][2]int
		sys.Successors(queue[i], func(l T, t S) {
			j, ok := index[t]
			if !ok {
				j = len(queue)
				index[t] = j
				queue = append(queue, t)
			}
			out = append(out, [2]int{j, class(l)})
		})
		edges = append(edges, out)
	}
	return edges, initials
}

func graphEdges(g *Graph) [][][2]int {
	var out [][][2]int
	for v := uint32(0); v < uint32(g.States); v++ {
		var es [][2]int
		g.Successors(v, func(to uint32, class int) { es = append(es, [2]int{int(to), class}) })
		out = append(out, es)
	}
	return out
}

func TestGraphIsTheBreadthFirstGraphForAnyWorkers(t *testing.T) {
	m := mesh{size: 150000}
	class := func(l int) int { return l%3 - 1 }
	want, wantInit := referenceGraph[uint64, int](m, class)
	odd := func(s uint64) bool { return s%2 == 1 }
	for _, w := range []int{1, 2, 3, 8} {
		g := BuildGraph[uint64, int](context.Background(), m, GraphOptions[uint64, int]{Class: class, Workers: w,
			Marks: []func(uint64) bool{odd}})
		if !g.Complete || int(g.States) != len(want) {
			t.Fatalf("%d workers: complete=%v, %d states, want %d", w, g.Complete, g.States, len(want))
		}
		if got := graphEdges(g); !reflect.DeepEqual(got, want) {
			t.Fatalf("%d workers: the graph differs from the sequential one", w)
		}
		var initials []int
		for _, k := range g.initials {
			initials = append(initials, int(k))
		}
		if !reflect.DeepEqual(initials, wantInit) {
			t.Fatalf("%d workers: initial states %v, want %v", w, initials, wantInit)
		}
		// Marks and levels agree with the states rebuilt by WalkGraph.
		var edges uint64
		WalkGraph[uint64, int](m, g, func(v uint32, s uint64, succ []Successor[uint64, int]) {
			if g.Mark(0, v) != odd(s) {
				t.Fatalf("state %d: mark %v, state %d", v, g.Mark(0, v), s)
			}
			for k, sc := range succ {
				if int(sc.To) != want[v][k][0] {
					t.Fatalf("state %d successor %d: index %d, want %d", v, k, sc.To, want[v][k][0])
				}
			}
			edges += uint64(len(succ))
		})
		if edges != g.Edges {
			t.Fatalf("WalkGraph saw %d edges of %d", edges, g.Edges)
		}
	}
}

func TestGraphWalkRebuildsStates(t *testing.T) {
	g := BuildGraph[cell, string](context.Background(), grid{n: 30}, GraphOptions[cell, string]{})
	if g.States != 31*31 || g.Edges != 2*30*31 || g.Depth != 60 {
		t.Fatalf("grid: %d states, %d edges, depth %d", g.States, g.Edges, g.Depth)
	}
	seen := map[cell]uint32{}
	WalkGraph[cell, string](grid{n: 30}, g, func(v uint32, s cell, succ []Successor[cell, string]) {
		if g.level(v) != s.X+s.Y {
			t.Fatalf("state %v at level %d", s, g.level(v))
		}
		if _, dup := seen[s]; dup {
			t.Fatalf("state %v visited twice", s)
		}
		seen[s] = v
	})
	if len(seen) != 31*31 {
		t.Fatalf("walked %d states", len(seen))
	}
}

func TestGraphLimits(t *testing.T) {
	g := BuildGraph[node, int](context.Background(), tree{h: 20}, GraphOptions[node, int]{MaxStates: 5000})
	if g.Complete || g.Stopped != StateLimit || g.States != 5000 {
		t.Fatalf("state limit: complete=%v stopped=%q states=%d", g.Complete, g.Stopped, g.States)
	}
	g = BuildGraph[node, int](context.Background(), tree{h: 22}, GraphOptions[node, int]{MaxMemory: 8 << 20})
	if g.Complete || g.Stopped != MemoryLimit {
		t.Fatalf("memory limit: complete=%v stopped=%q states=%d", g.Complete, g.Stopped, g.States)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g = BuildGraph[node, int](ctx, tree{h: 20}, GraphOptions[node, int]{})
	if g.Complete || g.Stopped != Interrupted {
		t.Fatalf("cancelled: complete=%v stopped=%q", g.Complete, g.Stopped)
	}
}

// TestLivenessAnalysisIsInterruptible: an analysis whose context is
// cancelled stops with no verdict rather than claiming one.
func TestLivenessAnalysisIsInterruptible(t *testing.T) {
	m := mesh{size: 200000}
	always := func(uint64) bool { return true }
	never := func(uint64) bool { return false }
	opts := LivenessOptions[uint64, int]{Properties: []LiveProperty[uint64]{{Name: "p", Trigger: always, Goal: never}},
		Class: func(int) int { return 0 }}
	g := BuildGraph[uint64, int](context.Background(), m, GraphOptions[uint64, int]{Class: opts.Class,
		Marks: []func(uint64) bool{always, never}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a := newAnalysis(ctx, g, opts, time.Now())
	if _, ok := a.violation(0); ok || a.stopped != Interrupted {
		t.Fatalf("cancelled analysis: found=%v stopped=%q", ok, a.stopped)
	}
	a = newAnalysis(context.Background(), g, opts, time.Now())
	if _, ok := a.violation(0); !ok || a.stopped != Finished {
		t.Fatalf("analysis: found=%v stopped=%q", ok, a.stopped)
	}
	r := CheckLiveness[uint64, int](ctx, m, opts)
	if r.Complete || r.Stopped != Interrupted || len(r.Violations) != 0 {
		t.Fatalf("interrupted liveness: complete=%v stopped=%q violations=%d", r.Complete, r.Stopped, len(r.Violations))
	}
}
