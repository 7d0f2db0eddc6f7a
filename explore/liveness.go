package explore

import (
	"context"
	"math"
	"sort"
	"time"
	"unsafe"

	"github.com/zeebo/xxh3"
)

// LiveProperty is a liveness property of the form "whenever Trigger holds,
// Goal holds then or later" (Trigger leads to Goal).
type LiveProperty[S any] struct {
	Name    string
	Trigger func(S) bool
	Goal    func(S) bool
}

// LivenessOptions configure CheckLiveness.
type LivenessOptions[S, T any] struct {
	Properties []LiveProperty[S]
	// Class gives the fairness class (0 to 31) of a transition, or -1 when
	// no fairness requires it to happen (faults, for instance). A fair
	// execution takes infinitely often every class that is enabled
	// infinitely often (strong fairness), and may stop for ever in a state
	// where no class is enabled.
	Class     func(T) int
	MaxStates uint64 // 0: no limit
	MaxTime   time.Duration
	MaxMemory uint64 // bytes of Go heap; 0: no limit
	// Progress, if set, is called about every half second while the
	// graph is built.
	Progress func(Progress)
}

// Lasso is a liveness counterexample: a path whose steps from LoopStart on
// form a cycle back to the state before step LoopStart, repeated for ever,
// or (LoopStart < 0) a path ending in a state with no successor, where the
// execution stops for ever.
type Lasso[S, T any] struct {
	Path      Path[S, T]
	LoopStart int
}

// LiveViolation is a liveness property that fails, with its lasso.
type LiveViolation[S, T any] struct {
	Property string
	Lasso    Lasso[S, T]
}

// LivenessResult is what CheckLiveness found.
type LivenessResult[S, T any] struct {
	States, Edges uint64
	Complete      bool
	Stopped       StopReason
	Elapsed       time.Duration
	Depth         int    // the greatest breadth-first depth
	Bytes         uint64 // memory of the stored graph
	PeakHeap      uint64 // the Go heap's peak while the graph was built and searched
	// CollisionProbability bounds the chance that two states shared a
	// 64-bit hash and were merged in the graph.
	CollisionProbability float64
	Violations           []LiveViolation[S, T] // in the order the properties were given
}

// CheckLiveness builds the reachable state graph and looks for fair
// executions that violate each property. The algorithm: for a property
// "Trigger leads to Goal", keep the states that do not satisfy Goal and
// can be reached from a state satisfying Trigger without passing through
// Goal; a violation is either such a state where no fairness class is
// enabled (the execution may stop there), or a set of them, strongly
// connected with at least one transition inside, that is fair: every
// fairness class enabled in any of its states is taken by a transition
// inside it (strong fairness; see fairComponents). The lasso reaches the
// set by a shortest path and goes round a cycle that takes every class
// enabled along it. The graph is built by one goroutine:
// liveness needs every edge, not only the first path to each state, so it
// costs more memory per state than the safety search.
func CheckLiveness[S, T any](ctx context.Context, sys System[S, T], opts LivenessOptions[S, T]) *LivenessResult[S, T] {
	g := buildGraph(ctx, sys, opts)
	r := &LivenessResult[S, T]{States: uint64(g.n()), Edges: uint64(len(g.to)), Complete: g.stopped == Finished,
		Stopped: g.stopped, Bytes: g.bytes(), Depth: g.maxDepth,
		CollisionProbability: math.Min(1, float64(g.n())*float64(g.n())/math.Ldexp(1, 65))}
	if r.Complete {
		for p := range opts.Properties {
			if lasso, ok := g.violation(p); ok {
				r.Violations = append(r.Violations, LiveViolation[S, T]{Property: opts.Properties[p].Name, Lasso: replayLasso(sys, g, lasso)})
			}
		}
	}
	r.Elapsed = time.Since(g.start)
	r.PeakHeap = max(g.probe.peak, g.probe.read(true))
	return r
}

// graph is the reachable state graph in compressed sparse rows: the edges
// of state i are to[first[i]:first[i+1]], in successor order, so an edge's
// position is its successor index.
type graph struct {
	first    []uint32
	to       []uint32
	class    []int8
	enabled  []uint32 // classes with an edge out of the state
	trigger  []uint64 // bit p: property p's trigger holds
	goal     []uint64
	depth    []uint16
	initials []int // index in sys.Initial() of each initial state (states 0..len-1)
	stopped  StopReason
	start    time.Time
	maxDepth int
	// indexBytes is what the hash-to-index table took while the graph
	// was built; probe samples the heap.
	indexBytes uint64
	probe      *memoryProbe
}

func (g *graph) n() int { return len(g.first) - 1 }

func (g *graph) bytes() uint64 {
	return uint64(len(g.first)*4 + len(g.to)*4 + len(g.class) + len(g.enabled)*4 + len(g.trigger)*8 + len(g.goal)*8 + len(g.depth)*2)
}

func (g *graph) edges(i uint32) (lo, hi uint32) { return g.first[i], g.first[i+1] }

func buildGraph[S, T any](ctx context.Context, sys System[S, T], opts LivenessOptions[S, T]) *graph {
	g := &graph{start: time.Now(), probe: newMemoryProbe()}
	index := newIndexMap()
	var queue fifo[S]
	var buf []byte
	lookup := func(s S) (uint32, bool) {
		buf = sys.Key(buf[:0], s)
		i, isNew := index.lookup(xxh3.Hash(buf), uint32(queue.n))
		if !isNew {
			return i, false
		}
		queue.push(s)
		var t, gl uint64
		for p, lp := range opts.Properties {
			if lp.Trigger(s) {
				t |= 1 << p
			}
			if lp.Goal(s) {
				gl |= 1 << p
			}
		}
		g.trigger = append(g.trigger, t)
		g.goal = append(g.goal, gl)
		return i, true
	}
	for k, s := range sys.Initial() {
		if _, isNew := lookup(s); isNew {
			g.initials = append(g.initials, k)
			g.depth = append(g.depth, 0)
		}
	}
	g.first = append(g.first, 0)
	var zero S
	lastProgress := time.Now()
	for i := 0; !queue.empty(); i++ {
		var mask uint32
		sys.Successors(queue.pop(), func(label T, t S) {
			j, isNew := lookup(t)
			if isNew {
				g.depth = append(g.depth, g.depth[i]+1)
				g.maxDepth = max(g.maxDepth, int(g.depth[i])+1)
			}
			c := opts.Class(label)
			g.to = append(g.to, j)
			g.class = append(g.class, int8(c))
			if c >= 0 {
				mask |= 1 << c
			}
		})
		g.enabled = append(g.enabled, mask)
		g.first = append(g.first, uint32(len(g.to)))
		if opts.MaxStates > 0 && uint64(queue.n) > opts.MaxStates {
			g.stopped = StateLimit
			return g
		}
		if i%1024 == 0 {
			switch {
			case ctx.Err() != nil:
				g.stopped = Interrupted
			case opts.MaxTime > 0 && time.Since(g.start) > opts.MaxTime:
				g.stopped = TimeLimit
			case opts.MaxMemory > 0 && max(g.probe.read(false), g.bytes()+index.bytes()+queue.bytes(unsafe.Sizeof(zero))) > opts.MaxMemory:
				g.stopped = MemoryLimit
			}
			if g.stopped != Finished {
				return g
			}
			if opts.Progress != nil && time.Since(lastProgress) >= 500*time.Millisecond {
				lastProgress = time.Now()
				opts.Progress(Progress{States: uint64(queue.n), Transitions: uint64(len(g.to)), Depth: g.maxDepth,
					Queue: queue.n - queue.popped, Elapsed: time.Since(g.start)})
			}
		}
	}
	g.indexBytes = index.bytes()
	return g
}

// lassoIndices is a lasso as state indices and edge positions: path[k] is
// the edge taken from state states[k].
type lassoIndices struct {
	start     uint32 // initial state
	edges     []uint32
	loopStart int
}

// violation finds the counterexample to property p nearest the initial
// states, if there is one.
func (g *graph) violation(p int) (lassoIndices, bool) {
	n := g.n()
	bit := uint64(1) << p
	// bad: not Goal, reachable from Trigger && !Goal through !Goal states.
	bad := make([]bool, n)
	var stack []uint32
	for i := 0; i < n; i++ {
		if g.trigger[i]&bit != 0 && g.goal[i]&bit == 0 {
			bad[i] = true
			stack = append(stack, uint32(i))
		}
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		lo, hi := g.edges(i)
		for e := lo; e < hi; e++ {
			j := g.to[e]
			if !bad[j] && g.goal[j]&bit == 0 {
				bad[j] = true
				stack = append(stack, j)
			}
		}
	}
	best := -1 // state where the violation is entered
	var bestComp []uint32
	stuck := false
	consider := func(entry uint32, comp []uint32, isStuck bool) {
		if best < 0 || g.depth[entry] < g.depth[best] || g.depth[entry] == g.depth[best] && int(entry) < best {
			best, bestComp, stuck = int(entry), comp, isStuck
		}
	}
	// An execution may stay for ever in a state where no fairness class
	// is enabled: only faults or optional actions could move it on.
	for i := 0; i < n; i++ {
		if bad[i] && g.enabled[i] == 0 {
			consider(uint32(i), nil, true)
		}
	}
	g.fairComponents(bad, func(comp []uint32, entry uint32) {
		consider(entry, comp, false)
	})
	if best < 0 {
		return lassoIndices{}, false
	}
	start, prefix := g.shortestPath(uint32(best))
	l := lassoIndices{start: start, edges: prefix, loopStart: -1}
	if !stuck {
		l.loopStart = len(prefix)
		l.edges = append(l.edges, g.fairCycle(uint32(best), bestComp)...)
	}
	return l, true
}

// tarjan finds strongly connected components of subgraphs of g
// (iteratively, so that deep graphs do not overflow the stack). Its arrays
// are allocated once and reset after each run for the states it visited,
// so that the repeated runs of the fairness refinement cost only the size
// of the part they look at.
type tarjan struct {
	g         *graph
	index     []uint32
	low       []uint32
	onStack   []bool
	visited   []uint32
	stack     []uint32
	calls     []tarjanFrame
	nextIndex uint32
}

type tarjanFrame struct{ v, edge uint32 }

const unvisited = math.MaxUint32

func newTarjan(g *graph) *tarjan {
	t := &tarjan{g: g, index: make([]uint32, g.n()), low: make([]uint32, g.n()), onStack: make([]bool, g.n())}
	for i := range t.index {
		t.index[i] = unvisited
	}
	return t
}

// run calls f with each strongly connected component, sorted, of the
// subgraph of the states marked in keep, starting from roots.
func (t *tarjan) run(keep []bool, roots []uint32, f func([]uint32)) {
	g := t.g
	var comps [][]uint32
	for _, root := range roots {
		if !keep[root] || t.index[root] != unvisited {
			continue
		}
		t.push(root)
		for len(t.calls) > 0 {
			top := &t.calls[len(t.calls)-1]
			v := top.v
			if top.edge < g.first[v+1] {
				w := g.to[top.edge]
				top.edge++
				if !keep[w] {
					continue
				}
				if t.index[w] == unvisited {
					t.push(w)
				} else if t.onStack[w] && t.index[w] < t.low[v] {
					t.low[v] = t.index[w]
				}
				continue
			}
			t.calls = t.calls[:len(t.calls)-1]
			if len(t.calls) > 0 {
				u := t.calls[len(t.calls)-1].v
				t.low[u] = min(t.low[u], t.low[v])
			}
			if t.low[v] == t.index[v] {
				var comp []uint32
				for {
					w := t.stack[len(t.stack)-1]
					t.stack = t.stack[:len(t.stack)-1]
					t.onStack[w] = false
					comp = append(comp, w)
					if w == v {
						break
					}
				}
				sort.Slice(comp, func(i, j int) bool { return comp[i] < comp[j] })
				comps = append(comps, comp)
			}
		}
	}
	for _, v := range t.visited {
		t.index[v] = unvisited
	}
	t.visited, t.nextIndex = t.visited[:0], 0
	// Called after the reset, so that f may run the search again.
	for _, c := range comps {
		f(c)
	}
}

func (t *tarjan) push(v uint32) {
	t.index[v], t.low[v] = t.nextIndex, t.nextIndex
	t.nextIndex++
	t.visited = append(t.visited, v)
	t.stack = append(t.stack, v)
	t.onStack[v] = true
	t.calls = append(t.calls, tarjanFrame{v, t.g.first[v]})
}

// fairComponents calls f with each set of states marked in keep in which
// a fair execution can stay for ever: strongly connected, with a cycle,
// and taking inside it every fairness class enabled in any of its states
// (strong fairness). A component that fails is narrowed: the states where
// a class that is never taken inside is enabled cannot recur in a fair
// execution, so they are left out and the rest is decomposed again, as in
// the emptiness check of Streett automata.
func (g *graph) fairComponents(keep []bool, f func(comp []uint32, entry uint32)) {
	t := newTarjan(g)
	all := make([]uint32, 0, g.n())
	for i := range keep {
		if keep[i] {
			all = append(all, uint32(i))
		}
	}
	inComp := make([]bool, g.n())
	var check func(comp []uint32)
	check = func(comp []uint32) {
		for _, v := range comp {
			inComp[v] = true
		}
		var anywhere, taken uint32
		inner := false
		for _, v := range comp {
			anywhere |= g.enabled[v]
			lo, hi := g.edges(v)
			for e := lo; e < hi; e++ {
				if inComp[g.to[e]] {
					inner = true
					if c := g.class[e]; c >= 0 {
						taken |= 1 << c
					}
				}
			}
		}
		for _, v := range comp {
			inComp[v] = false
		}
		switch {
		case !inner:
			return // a single state without a loop
		case anywhere&^taken == 0:
			entry := comp[0]
			for _, v := range comp {
				if g.depth[v] < g.depth[entry] || g.depth[v] == g.depth[entry] && v < entry {
					entry = v
				}
			}
			f(comp, entry)
			return
		}
		starved := anywhere &^ taken
		var rest []uint32
		for _, v := range comp {
			if g.enabled[v]&starved == 0 {
				rest = append(rest, v)
			}
		}
		if len(rest) == 0 {
			return
		}
		for _, v := range comp {
			keep[v] = false
		}
		for _, v := range rest {
			keep[v] = true
		}
		t.run(keep, rest, check)
		for _, v := range comp {
			keep[v] = true
		}
	}
	t.run(keep, all, check)
}

// shortestPath gives an initial state and the edges of a shortest path
// from the initial states to target.
func (g *graph) shortestPath(target uint32) (uint32, []uint32) {
	n := g.n()
	parentEdge := make([]uint32, n)
	parent := make([]uint32, n)
	seen := make([]bool, n)
	var queue []uint32
	for i := range g.initials {
		seen[i] = true
		queue = append(queue, uint32(i))
	}
	for k := 0; k < len(queue) && !seen[target]; k++ {
		v := queue[k]
		lo, hi := g.edges(v)
		for e := lo; e < hi; e++ {
			w := g.to[e]
			if !seen[w] {
				seen[w], parent[w], parentEdge[w] = true, v, e
				queue = append(queue, w)
			}
		}
	}
	var rev []uint32
	v := target
	for int(v) >= len(g.initials) {
		rev = append(rev, parentEdge[v])
		v = parent[v]
	}
	out := make([]uint32, len(rev))
	for i := range rev {
		out[i] = rev[len(rev)-1-i]
	}
	return v, out
}

// fairCycle builds a cycle through from, inside the component comp, that
// for every fairness class either passes through a state where the class
// is disabled or takes an edge of that class.
func (g *graph) fairCycle(from uint32, comp []uint32) []uint32 {
	inComp := map[uint32]bool{}
	for _, v := range comp {
		inComp[v] = true
	}
	var cycle []uint32
	cur := from
	// pathTo walks (BFS inside the component) from cur to the first state
	// or edge accepted by done, appending the edges taken.
	pathTo := func(done func(state uint32, edge int64) bool) {
		if done(cur, -1) {
			return
		}
		parent := map[uint32]uint32{}
		parentEdge := map[uint32]uint32{}
		seen := map[uint32]bool{cur: true}
		queue := []uint32{cur}
		for k := 0; k < len(queue); k++ {
			v := queue[k]
			lo, hi := g.edges(v)
			for e := lo; e < hi; e++ {
				w := g.to[e]
				if !inComp[w] {
					continue
				}
				if done(w, int64(e)) {
					var rev []uint32
					rev = append(rev, e)
					for u := v; u != cur; u = parent[u] {
						rev = append(rev, parentEdge[u])
					}
					for i := len(rev) - 1; i >= 0; i-- {
						cycle = append(cycle, rev[i])
					}
					cur = w
					return
				}
				if !seen[w] {
					seen[w], parent[w], parentEdge[w] = true, v, e
					queue = append(queue, w)
				}
			}
		}
		panic("explore: component is not strongly connected")
	}
	for {
		states := []uint32{from}
		var taken uint32
		v := from
		for _, e := range cycle {
			if c := g.class[e]; c >= 0 {
				taken |= 1 << c
			}
			v = g.to[e]
			states = append(states, v)
		}
		var anywhere uint32
		for _, s := range states {
			anywhere |= g.enabled[s]
		}
		missing := anywhere &^ taken
		if missing == 0 && len(cycle) > 0 && cur == from {
			return cycle
		}
		if missing != 0 {
			c := 0
			for missing&(1<<c) == 0 {
				c++
			}
			pathTo(func(state uint32, edge int64) bool { return edge >= 0 && g.class[edge] == int8(c) })
			continue
		}
		// Every class is satisfied: close the cycle.
		pathTo(func(state uint32, edge int64) bool { return edge >= 0 && state == from })
	}
}

// replayLasso turns state indices and edge positions into a path of
// labels and states by calling Successors again.
func replayLasso[S, T any](sys System[S, T], g *graph, l lassoIndices) Lasso[S, T] {
	s := sys.Initial()[g.initials[l.start]]
	out := Lasso[S, T]{Path: Path[S, T]{Start: s}, LoopStart: l.loopStart}
	v := l.start
	for _, e := range l.edges {
		pos := e - g.first[v]
		k := uint32(0)
		var label T
		var next S
		found := false
		sys.Successors(s, func(lb T, t S) {
			if k == pos {
				label, next, found = lb, t, true
			}
			k++
		})
		if !found {
			panic("explore: successor vanished while replaying a lasso: Successors is not deterministic")
		}
		out.Path.Steps = append(out.Path.Steps, Step[S, T]{Label: label, State: next})
		s, v = next, g.to[e]
	}
	return out
}
