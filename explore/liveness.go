package explore

import (
	"context"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"time"
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
	Workers   int    // 0 means runtime.GOMAXPROCS(0)
	MaxStates uint64 // 0: no limit
	MaxTime   time.Duration
	MaxMemory uint64 // bytes of Go heap; 0: no limit
	// Progress, if set, is called about every half second while the
	// graph is built, from the goroutine that called CheckLiveness.
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
	// VisitedBytes is what the visited set took while the graph was
	// built (freed before the analysis).
	VisitedBytes uint64
	PeakHeap     uint64 // the Go heap's peak while the graph was built and searched
	// CollisionProbability bounds the chance that two states shared a
	// fingerprint and were merged in the graph.
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
// enabled along it.
//
// The graph is built by the workers of the safety search (BuildGraph),
// with each property's trigger and goal kept as two bits a state; the
// analysis then streams over its edges with arrays of a few bytes a
// state, and stops, like the build, on the time and memory limits and
// when ctx is cancelled (the result is then incomplete, without verdicts).
func CheckLiveness[S, T any](ctx context.Context, sys System[S, T], opts LivenessOptions[S, T]) *LivenessResult[S, T] {
	if len(opts.Properties) > 32 {
		panic("explore: more than 32 liveness properties")
	}
	start := time.Now()
	var marks []func(S) bool
	for _, p := range opts.Properties {
		marks = append(marks, p.Trigger, p.Goal)
	}
	maxStates := opts.MaxStates
	if maxStates > 0 {
		maxStates++ // the limit is on states beyond MaxStates, not at it
	}
	g := BuildGraph[S, T](ctx, sys, GraphOptions[S, T]{Class: opts.Class, Marks: marks, Workers: opts.Workers,
		MaxStates: maxStates, MaxTime: opts.MaxTime, MaxMemory: opts.MaxMemory, Progress: opts.Progress})
	r := &LivenessResult[S, T]{States: g.States, Edges: g.Edges, Complete: g.Complete, Stopped: g.Stopped,
		Bytes: g.Bytes(), VisitedBytes: g.VisitedBytes, Depth: g.Depth, CollisionProbability: g.CollisionProbability}
	if r.Complete {
		a := newAnalysis(ctx, g, opts, start)
		var found []LiveViolation[S, T]
		for p := range opts.Properties {
			lasso, ok := a.violation(p)
			if a.stopped != Finished {
				break
			}
			if ok {
				found = append(found, LiveViolation[S, T]{Property: opts.Properties[p].Name, Lasso: replayLasso(sys, g, lasso)})
			}
		}
		a.release()
		if a.stopped != Finished {
			r.Complete, r.Stopped = false, a.stopped
		} else {
			r.Violations = found
		}
		g.PeakHeap = max(g.PeakHeap, a.probe.peak)
	}
	r.Elapsed = time.Since(start)
	r.PeakHeap = g.PeakHeap
	return r
}

// bitset is a set of state indices.
type bitset []uint64

func newBitset(n uint64) bitset    { return make(bitset, (n+63)/64) }
func bitsetBytes(n uint64) uint64  { return (n + 63) / 64 * 8 }
func (b bitset) has(v uint32) bool { return b[v/64]&(1<<(v%64)) != 0 }
func (b bitset) set(v uint32)      { b[v/64] |= 1 << (v % 64) }
func (b bitset) unset(v uint32)    { b[v/64] &^= 1 << (v % 64) }

// tick counts a step of the analysis and, every analysisCheckEvery
// steps, checks ctx and the limits; it reports whether to go on.
func (a *analysis) tick() bool {
	a.ticks++
	return a.ticks%analysisCheckEvery != 0 && a.ok() || a.check()
}

func (a *analysis) ok() bool { return a.stopped == Finished }

// arrays is what the analysis allocates: Tarjan's index and low link, and
// three sets of states.
func (a *analysis) arrays() uint64 { return 8*a.g.States + 3*bitsetBytes(a.g.States) }

func (a *analysis) release() { a.g.budget.free(a.reserved) }

// trigger and goal are the marks of property p in state v.
func (a *analysis) trigger(p int, v uint32) bool { return a.g.Mark(2*p, v) }
func (a *analysis) goal(p int, v uint32) bool    { return a.g.Mark(2*p+1, v) }

const analysisCheckEvery = 1 << 14 // steps of the analysis between two checks of ctx and limits

// analysis holds what the search for fair lassos needs besides the graph:
// a few bytes a state, allocated once and reused for every property.
type analysis struct {
	g        *Graph
	ctx      context.Context
	deadline time.Time // zero: none
	limit    uint64    // heap limit; 0: none
	probe    *memoryProbe
	ticks    uint64
	stopped  StopReason
	reserved uint64

	bad, inComp bitset
	stack       []uint32
	t           *tarjan
}

func newAnalysis[S, T any](ctx context.Context, g *Graph, opts LivenessOptions[S, T], start time.Time) *analysis {
	a := &analysis{g: g, ctx: ctx, limit: opts.MaxMemory, probe: newMemoryProbe()}
	if opts.MaxTime > 0 {
		a.deadline = start.Add(opts.MaxTime)
	}
	if a.limit > 0 {
		// The visited set is garbage now: let the budget see the heap
		// without it before the analysis reserves its arrays.
		runtime.GC()
		g.budget.sample(a.probe.read(true))
	}
	if !g.budget.reserve(a.arrays()) {
		a.stopped = MemoryLimit
		return a
	}
	a.reserved = a.arrays()
	n := g.States
	a.bad, a.inComp = newBitset(n), newBitset(n)
	a.t = &tarjan{g: g, a: a, index: make([]uint32, n), low: make([]uint32, n), onStack: newBitset(n)}
	for i := range a.t.index {
		a.t.index[i] = unvisited
	}
	return a
}

// check looks at ctx and the limits, and records why the analysis must
// stop; it reports whether it may go on.
func (a *analysis) check() bool {
	switch {
	case a.stopped != Finished:
	case a.ctx.Err() != nil:
		a.stopped = Interrupted
	case !a.deadline.IsZero() && time.Now().After(a.deadline):
		a.stopped = TimeLimit
	case a.limit > 0 && a.probe.read(false) >= a.limit:
		a.stopped = MemoryLimit
	}
	return a.stopped == Finished
}

// lassoIndices is a lasso as an initial state and successor positions:
// edges[k] is the position of the edge taken at step k.
type lassoIndices struct {
	start     uint32 // initial state
	edges     []uint32
	loopStart int
}

// violation finds the counterexample to property p nearest the initial
// states, if there is one. States are numbered breadth-first, so the
// nearest of two states is the one of lower index.
func (a *analysis) violation(p int) (lassoIndices, bool) {
	g := a.g
	if !a.ok() {
		return lassoIndices{}, false
	}
	n := uint32(g.States)
	// bad: not Goal, reachable from Trigger && !Goal through !Goal states.
	bad := a.bad
	clear(bad)
	stack := a.stack[:0]
	for i := uint32(0); i < n; i++ {
		if a.trigger(p, i) && !a.goal(p, i) {
			bad.set(i)
			stack = append(stack, i)
		}
	}
	for len(stack) > 0 && a.tick() {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		it := g.edges(i)
		for j, _, ok := it.next(); ok; j, _, ok = it.next() {
			if !bad.has(j) && !a.goal(p, j) {
				bad.set(j)
				stack = append(stack, j)
			}
		}
	}
	a.stack = stack[:0]
	best := int64(-1) // state where the violation is entered
	var bestComp []uint32
	// An execution may stay for ever in a state where no fairness class
	// is enabled: only faults or optional actions could move it on.
	for i := uint32(0); i < n && a.ok(); i++ {
		if bad.has(i) && g.enabled(i) == 0 {
			best = int64(i)
			break
		}
	}
	stuck := best >= 0
	a.fairComponents(bad, func(comp []uint32) {
		if best < 0 || int64(comp[0]) < best {
			best, bestComp, stuck = int64(comp[0]), append(bestComp[:0], comp...), false
		}
	})
	if best < 0 || !a.ok() {
		return lassoIndices{}, false
	}
	start, prefix := a.shortestPath(uint32(best))
	l := lassoIndices{start: start, edges: prefix, loopStart: -1}
	if !stuck {
		l.loopStart = len(prefix)
		l.edges = append(l.edges, a.fairCycle(uint32(best), bestComp)...)
	}
	return l, a.ok()
}

// tarjan finds strongly connected components of subgraphs of g
// (iteratively, so that deep graphs do not overflow the stack). Its arrays
// are allocated once and reset after each run for the states it visited,
// so that the repeated runs of the fairness refinement cost only the size
// of the part they look at.
type tarjan struct {
	g         *Graph
	a         *analysis
	index     []uint32
	low       []uint32
	onStack   bitset
	visited   []uint32
	stack     []uint32
	calls     []tarjanFrame
	nextIndex uint32
}

// tarjanFrame is a state being visited and where its edges are read:
// chunks[chunk][off:end], prev the target of the edge read last.
type tarjanFrame struct{ v, prev, chunk, off, end uint32 }

const unvisited = math.MaxUint32

// run calls f with each strongly connected component, sorted, of the
// subgraph of the states marked in keep, starting from roots (from every
// state in keep, in index order, when roots is nil). Components of one
// state without a loop are left out: no execution stays in them.
func (t *tarjan) run(keep bitset, roots []uint32, f func([]uint32)) {
	var flat []uint32 // the components found, one after the other
	var ends []int
	visit := func(root uint32) {
		if !keep.has(root) || t.index[root] != unvisited {
			return
		}
		t.push(root)
		for len(t.calls) > 0 && t.a.tick() {
			top := &t.calls[len(t.calls)-1]
			v := top.v
			if top.off < top.end {
				it := edgeIter{rec: t.g.chunks[top.chunk][top.off:top.end], prev: top.prev}
				w, _, _ := it.next()
				top.off, top.prev = top.end-uint32(len(it.rec)), w
				if !keep.has(w) {
					continue
				}
				if t.index[w] == unvisited {
					t.push(w)
				} else if t.onStack.has(w) && t.index[w] < t.low[v] {
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
				begin := len(flat)
				for {
					w := t.stack[len(t.stack)-1]
					t.stack = t.stack[:len(t.stack)-1]
					t.onStack.unset(w)
					flat = append(flat, w)
					if w == v {
						break
					}
				}
				if comp := flat[begin:]; len(comp) > 1 || t.selfLoop(v) {
					slices.Sort(comp)
					ends = append(ends, len(flat))
				} else {
					flat = flat[:begin]
				}
			}
		}
	}
	if roots == nil {
		for i := uint32(0); i < uint32(t.g.States) && t.a.ok(); i++ {
			visit(i)
		}
	}
	for _, root := range roots {
		visit(root)
	}
	for _, v := range t.visited {
		t.index[v] = unvisited
	}
	for _, v := range t.stack {
		t.onStack.unset(v) // left by an interrupted run
	}
	t.visited, t.stack, t.calls, t.nextIndex = t.visited[:0], t.stack[:0], t.calls[:0], 0
	// Called after the reset, so that f may run the search again.
	begin := 0
	for _, end := range ends {
		if !t.a.ok() {
			return
		}
		f(flat[begin:end])
		begin = end
	}
}

func (t *tarjan) selfLoop(v uint32) bool {
	it := t.g.edges(v)
	for w, _, ok := it.next(); ok; w, _, ok = it.next() {
		if w == v {
			return true
		}
	}
	return false
}

func (t *tarjan) push(v uint32) {
	t.index[v], t.low[v] = t.nextIndex, t.nextIndex
	t.nextIndex++
	t.visited = append(t.visited, v)
	t.stack = append(t.stack, v)
	t.onStack.set(v)
	c, off, end := t.g.locate(v)
	t.calls = append(t.calls, tarjanFrame{v: v, prev: v, chunk: uint32(c), off: off, end: end})
}

// fairComponents calls f with each set of states marked in keep in which
// a fair execution can stay for ever: strongly connected, with a cycle,
// and taking inside it every fairness class enabled in any of its states
// (strong fairness). A component that fails is narrowed: the states where
// a class that is never taken inside is enabled cannot recur in a fair
// execution, so they are left out and the rest is decomposed again, as in
// the emptiness check of Streett automata.
func (a *analysis) fairComponents(keep bitset, f func(comp []uint32)) {
	g, t, inComp := a.g, a.t, a.inComp
	var check func(comp []uint32)
	check = func(comp []uint32) {
		for _, v := range comp {
			inComp.set(v)
		}
		var anywhere, taken uint32
		inner := false
		for _, v := range comp {
			it := g.edges(v)
			for w, c, ok := it.next(); ok; w, c, ok = it.next() {
				if c >= 0 {
					anywhere |= 1 << c
				}
				if inComp.has(w) {
					inner = true
					if c >= 0 {
						taken |= 1 << c
					}
				}
			}
		}
		for _, v := range comp {
			inComp.unset(v)
		}
		switch {
		case !inner:
			return // a single state without a loop
		case anywhere&^taken == 0:
			f(comp)
			return
		}
		starved := anywhere &^ taken
		var rest []uint32
		for _, v := range comp {
			if g.enabled(v)&starved == 0 {
				rest = append(rest, v)
			}
		}
		if len(rest) == 0 {
			return
		}
		for _, v := range comp {
			keep.unset(v)
		}
		for _, v := range rest {
			keep.set(v)
		}
		t.run(keep, rest, check)
		for _, v := range comp {
			keep.set(v)
		}
	}
	t.run(keep, nil, check)
}

// shortestPath gives an initial state and the edge positions of a
// shortest path from the initial states to target: the path of the
// breadth-first search that numbered the states, whose parent of a state
// is the first state of the level above with an edge to it (the first
// such edge). It scans one level per step and allocates nothing per state.
func (a *analysis) shortestPath(target uint32) (uint32, []uint32) {
	g := a.g
	var rev []uint32
	v := target
	for d := g.level(v); d > 0 && a.ok(); d-- {
		parent, pos, found := uint32(0), uint32(0), false
		for u := g.levels[d-1]; u < g.levels[d] && !found && a.tick(); u++ {
			it := g.edges(u)
			k := uint32(0)
			for w, _, ok := it.next(); ok; w, _, ok = it.next() {
				if w == v {
					parent, pos, found = u, k, true
					break
				}
				k++
			}
		}
		if !found {
			if a.ok() {
				panic("explore: a state has no parent in the level above")
			}
			break
		}
		rev = append(rev, pos)
		v = parent
	}
	out := make([]uint32, len(rev))
	for i := range rev {
		out[i] = rev[len(rev)-1-i]
	}
	return v, out
}

// edgeRef is an edge of the graph: the position pos among the edges of
// from, its target and class.
type edgeRef struct {
	from, pos, to uint32
	class         int8
}

// fairCycle builds a cycle through from, inside the component comp
// (sorted), that for every fairness class either passes through a state
// where the class is disabled or takes an edge of that class. It returns
// the edges' positions.
func (a *analysis) fairCycle(from uint32, comp []uint32) []uint32 {
	g := a.g
	inComp := a.inComp
	for _, v := range comp {
		inComp.set(v)
	}
	defer func() {
		for _, v := range comp {
			inComp.unset(v)
		}
	}()
	at := func(v uint32) int { i, _ := slices.BinarySearch(comp, v); return i }
	// The breadth-first searches' arrays, indexed by position in comp.
	parent := make([]edgeRef, len(comp))
	seen := newBitset(uint64(len(comp)))
	var cycle []edgeRef
	cur := from
	// pathTo walks (BFS inside the component) from cur to the first edge
	// accepted by done, appending the edges taken.
	pathTo := func(done func(e edgeRef) bool) {
		clear(seen)
		seen.set(uint32(at(cur)))
		queue := []uint32{cur}
		for k := 0; k < len(queue); k++ {
			v := queue[k]
			it := g.edges(v)
			pos := uint32(0)
			for w, c, ok := it.next(); ok; w, c, ok = it.next() {
				e := edgeRef{from: v, pos: pos, to: w, class: c}
				pos++
				if !inComp.has(w) {
					continue
				}
				if done(e) {
					rev := []edgeRef{e}
					for u := v; u != cur; u = parent[at(u)].from {
						rev = append(rev, parent[at(u)])
					}
					for i := len(rev) - 1; i >= 0; i-- {
						cycle = append(cycle, rev[i])
					}
					cur = w
					return
				}
				if i := uint32(at(w)); !seen.has(i) {
					seen.set(i)
					parent[i] = e
					queue = append(queue, w)
				}
			}
		}
		panic("explore: component is not strongly connected")
	}
	for {
		taken := uint32(0)
		anywhere := g.enabled(from)
		for _, e := range cycle {
			if e.class >= 0 {
				taken |= 1 << e.class
			}
			anywhere |= g.enabled(e.to)
		}
		missing := anywhere &^ taken
		if missing == 0 && len(cycle) > 0 && cur == from {
			out := make([]uint32, len(cycle))
			for i, e := range cycle {
				out[i] = e.pos
			}
			return out
		}
		if missing != 0 {
			c := int8(bits.TrailingZeros32(missing))
			pathTo(func(e edgeRef) bool { return e.class == c })
			continue
		}
		// Every class is satisfied: close the cycle.
		pathTo(func(e edgeRef) bool { return e.to == from })
	}
}

// replayLasso turns an initial state and edge positions into a path of
// labels and states.
func replayLasso[S, T any](sys System[S, T], g *Graph, l lassoIndices) Lasso[S, T] {
	s := sys.Initial()[g.initials[l.start]]
	return Lasso[S, T]{Path: Path[S, T]{Start: s, Steps: replay(sys, s, l.edges)}, LoopStart: l.loopStart}
}
