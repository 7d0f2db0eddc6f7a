package explore

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/zeebo/xxh3"
)

// GraphOptions configure BuildGraph.
type GraphOptions[S, T any] struct {
	// Class gives the fairness class of a transition, 0 to 31, or -1 for
	// none; nil gives -1 to every transition.
	Class func(T) int
	// Marks are predicates on states whose values the graph keeps, one
	// bit a state each (at most 64), for analyses that cannot see states.
	Marks []func(S) bool

	Workers   int           // 0 means runtime.GOMAXPROCS(0)
	MaxStates uint64        // 0 means no limit
	MaxTime   time.Duration // 0 means no limit
	MaxMemory uint64        // bytes; 0 means no limit
	Progress  func(Progress)
}

// Graph is the reachable state graph, built by the workers of the
// breadth-first search: states are numbered in the order that search
// stores them (level by level, so a lower index is never deeper), and the
// edges of a state are its successors in Successors' order, so that an
// edge's position is its successor index. No state is kept: a state is
// rebuilt by replaying successor indices from an initial state.
//
// The edges are delta-coded: for each state a run of varints, each the
// zig-zagged difference from the previous edge's target (the state
// itself for the first) shifted left by six bits, or'ed with the class
// plus one. A state's successors seen for the first time are numbered
// consecutively, so most differences take one or two bytes. Each state
// costs 4 bytes of record offset, its marks' bits and its edges' bytes.
type Graph struct {
	States, Edges uint64
	Depth         int // the deepest level (initial states are level 0)
	Complete      bool
	Stopped       StopReason
	Elapsed       time.Duration
	// VisitedBytes is what the visited set (fingerprints and indices)
	// took while the graph was built; it is freed once it is.
	VisitedBytes uint64
	PeakHeap     uint64
	// CollisionProbability bounds the chance that two states shared a
	// fingerprint and were merged.
	CollisionProbability float64

	levels   []uint32 // the first state of each level, then States
	initials []uint32 // position in Initial() of each initial state
	// A state's record is chunks[c][pos[v] : end], c the chunk whose
	// first state is the greatest at most v, end the next state's
	// record or the chunk's end. No record straddles two chunks.
	pos        [][]uint32 // in blocks of posBlock
	chunks     [][]byte
	chunkFirst []uint32
	marks      [][]uint64 // bit v*nMarks+k, in blocks of marksBlock words: mark k holds in state v
	nMarks     int
	records    uint32 // states whose edges are stored
	bytes      uint64 // allocated for pos, chunks and marks
	budget     *budget
	scratch    []byte
}

const (
	posBlock    = 1 << 14
	streamChunk = 1 << 18
	classBits   = 6
	marksBlock  = 1 << 12 // words in a block of marks
)

// Initial gives, for each initial state of the graph (states 0 to
// len-1), its position in the system's Initial().
func (g *Graph) Initial() []int {
	out := make([]int, len(g.initials))
	for i, k := range g.initials {
		out[i] = int(k)
	}
	return out
}

// Bytes is the memory the graph holds.
func (g *Graph) Bytes() uint64 { return g.bytes }

// Mark reports whether mark k held in state v.
func (g *Graph) Mark(k int, v uint32) bool {
	b := uint64(v)*uint64(g.nMarks) + uint64(k)
	w := b / 64
	return g.marks[w/marksBlock][w%marksBlock]&(1<<(b%64)) != 0
}

// level is the breadth-first depth of state v.
func (g *Graph) level(v uint32) int {
	return sort.Search(len(g.levels), func(i int) bool { return g.levels[i] > v }) - 1
}

func (g *Graph) chunkOf(v uint32) int {
	return sort.Search(len(g.chunkFirst), func(i int) bool { return g.chunkFirst[i] > v }) - 1
}

// locate finds the record of state v: chunks[c][start:end].
func (g *Graph) locate(v uint32) (c int, start, end uint32) {
	c = g.chunkOf(v)
	start = g.pos[v/posBlock][v%posBlock]
	end = uint32(len(g.chunks[c]))
	if w := v + 1; w < g.records && (c+1 == len(g.chunkFirst) || w < g.chunkFirst[c+1]) {
		end = g.pos[w/posBlock][w%posBlock]
	}
	return c, start, end
}

func (g *Graph) record(v uint32) []byte {
	c, start, end := g.locate(v)
	return g.chunks[c][start:end]
}

// edgeIter walks the edges of one state.
type edgeIter struct {
	rec  []byte
	prev uint32
}

func (g *Graph) edges(v uint32) edgeIter { return edgeIter{rec: g.record(v), prev: v} }

func (it *edgeIter) next() (to uint32, class int8, ok bool) {
	if len(it.rec) == 0 {
		return 0, 0, false
	}
	var x uint64
	var shift uint
	for i, b := range it.rec {
		x |= uint64(b&0x7f) << shift
		if b < 0x80 {
			it.rec = it.rec[i+1:]
			break
		}
		shift += 7
	}
	z := x >> classBits
	it.prev = uint32(int64(it.prev) + (int64(z>>1) ^ -int64(z&1)))
	return it.prev, int8(x&(1<<classBits-1)) - 1, true
}

// Successors calls f with the target and fairness class of each edge of
// state v, in successor order.
func (g *Graph) Successors(v uint32, f func(to uint32, class int)) {
	it := g.edges(v)
	for to, c, ok := it.next(); ok; to, c, ok = it.next() {
		f(to, int(c))
	}
}

// enabled is the set of fairness classes with an edge out of v.
func (g *Graph) enabled(v uint32) uint32 {
	var m uint32
	it := g.edges(v)
	for _, c, ok := it.next(); ok; _, c, ok = it.next() {
		if c >= 0 {
			m |= 1 << c
		}
	}
	return m
}

// graphEdge is an edge found by a worker: to is a state index, or with
// fresh set the position of a candidate in its chunk, resolved once the
// candidates have indices.
type graphEdge struct {
	to    uint32
	class int8
	fresh bool
}

// graphNode is a state expanded by a worker: its marks and how many of
// the chunk's edges are its own.
type graphNode struct {
	marks uint64
	edges uint32
}

// grow reserves and allocates room for another state's record of n bytes.
func (g *Graph) room(n int) bool {
	if g.records%posBlock == 0 {
		if !g.budget.reserve(posBlock * 4) {
			return false
		}
		g.bytes += posBlock * 4
		g.pos = append(g.pos, make([]uint32, posBlock))
	}
	if words := (uint64(g.records+1)*uint64(g.nMarks) + 63) / 64; words > uint64(len(g.marks))*marksBlock {
		if !g.budget.reserve(marksBlock * 8) {
			return false
		}
		g.bytes += marksBlock * 8
		g.marks = append(g.marks, make([]uint64, marksBlock))
	}
	if c := len(g.chunks); c == 0 || cap(g.chunks[c-1])-len(g.chunks[c-1]) < n {
		size := max(streamChunk, n)
		if !g.budget.reserve(uint64(size)) {
			return false
		}
		g.bytes += uint64(size)
		g.chunks = append(g.chunks, make([]byte, 0, size))
		g.chunkFirst = append(g.chunkFirst, g.records)
	}
	return true
}

// add appends the record of the next state: its marks and its edges,
// whose targets are all indices by now.
func (g *Graph) add(marks uint64, edges []graphEdge) bool {
	v := g.records
	rec := g.scratch[:0]
	prev := v
	for _, e := range edges {
		d := int64(e.to) - int64(prev)
		z := uint64(d<<1) ^ uint64(d>>63)
		x := z<<classBits | uint64(e.class+1)
		for x >= 0x80 {
			rec = append(rec, byte(x)|0x80)
			x >>= 7
		}
		rec = append(rec, byte(x))
		prev = e.to
	}
	g.scratch = rec
	if !g.room(len(rec)) {
		return false
	}
	c := len(g.chunks) - 1
	g.pos[v/posBlock][v%posBlock] = uint32(len(g.chunks[c]))
	g.chunks[c] = append(g.chunks[c], rec...)
	for k := 0; k < g.nMarks; k++ {
		if marks&(1<<k) != 0 {
			b := uint64(v)*uint64(g.nMarks) + uint64(k)
			w := b / 64
			g.marks[w/marksBlock][w%marksBlock] |= 1 << (b % 64)
		}
	}
	g.records++
	g.Edges += uint64(len(edges))
	return true
}

// graphSpec is what an engine building a graph needs beyond Options.
type graphSpec[S, T any] struct {
	g     *Graph
	class func(T) int
	marks []func(S) bool
	index *partitionedIndex
	final []uint32 // index of each candidate of a batch, by ordinal
}

// BuildGraph explores sys breadth-first with the workers of Run and keeps
// every edge. It stops cleanly on a limit or when ctx is cancelled; the
// graph is then incomplete (Complete false) and holds the edges of the
// states expanded so far. The graph does not depend on the number of
// workers.
func BuildGraph[S, T any](ctx context.Context, sys System[S, T], opts GraphOptions[S, T]) *Graph {
	if len(opts.Marks) > 64 {
		panic("explore: more than 64 marks")
	}
	e := newEngine(sys, Options[S, T]{Workers: opts.Workers, MaxStates: opts.MaxStates, MaxTime: opts.MaxTime,
		MaxMemory: opts.MaxMemory, Progress: opts.Progress}, true)
	g := &Graph{budget: e.budget, nMarks: len(opts.Marks), levels: []uint32{0}}
	idx := e.graph.index
	e.graph.g, e.graph.class, e.graph.marks = g, opts.Class, opts.Marks
	e.run(ctx)
	if e.complete && uint64(g.records) != e.states {
		panic(fmt.Sprintf("explore: graph has %d records for %d states", g.records, e.states))
	}
	g.States, g.Depth, g.Complete, g.Stopped = e.states, e.depth, e.complete, e.stopped
	g.VisitedBytes = idx.bytes()
	g.CollisionProbability = collisionProbability(e.states)
	idx.release()
	e.graph.final = nil
	g.Elapsed = time.Since(e.start)
	g.PeakHeap = max(e.probe.peak, e.probe.read(true))
	return g
}

// seedGraph stores the distinct initial states as level 0; it reports
// false when the memory limit refused room for them.
func (e *engine[S, T]) seedGraph(cur *frontier[S]) bool {
	gs := e.graph
	var buf []byte
	for i, s := range e.initials {
		buf = e.sys.Key(buf[:0], s)
		_, added, ok := gs.index.insertValue(xxh3.Hash(buf), uint32(e.states))
		if !ok || added && !cur.push(s) {
			return false
		}
		if added {
			gs.g.initials = append(gs.g.initials, uint32(i))
			e.states++
		}
	}
	return true
}

// emitGraph is emit for a graph search: every successor becomes an edge,
// to the index of its state when it has one, to a new candidate if not.
func (x *expansion[S, T]) emitGraph(label T, t S) {
	gs := x.e.graph
	x.n++
	class := -1
	if gs.class != nil {
		class = gs.class(label)
		if class < -1 || class > 31 {
			panic(fmt.Sprintf("explore: fairness class %d out of range -1..31", class))
		}
	}
	x.buf = x.e.sys.Key(x.buf[:0], t)
	h := xxh3.Hash(x.buf)
	if v, ok := gs.index.lookup(h); ok {
		x.r.gedges = append(x.r.gedges, graphEdge{to: v, class: int8(class)})
		return
	}
	x.r.gedges = append(x.r.gedges, graphEdge{to: uint32(len(x.r.cands)), class: int8(class), fresh: true})
	x.r.cands = append(x.r.cands, candidate[S]{state: t, hash: h})
}

// expandGraphChunk expands states cur[begin:end] of a graph search.
func (e *engine[S, T]) expandGraphChunk(successors func(S, func(T, S)), cur *frontier[S], begin, end, depth int, r *chunkResult[S], buf []byte) []byte {
	x := &expansion[S, T]{e: e, r: r, depth: depth, buf: buf}
	emit := x.emitGraph
	for i := begin; i < end; i++ {
		x.s, x.n = *cur.at(i), 0
		var marks uint64
		for k, m := range e.graph.marks {
			if m(x.s) {
				marks |= 1 << k
			}
		}
		successors(x.s, emit)
		r.transitions += uint64(x.n)
		r.nodes = append(r.nodes, graphNode{marks: marks, edges: x.n})
	}
	return x.buf
}

// byPartition runs f on every candidate of a batch, with its ordinal in
// the batch, each worker taking the candidates of its own partitions in
// generation order.
func (w *workerPool[S, T]) byPartition(results []*chunkResult[S], f func(c *candidate[S], ord uint32)) {
	n := 0
	for _, r := range results {
		r.ordBase = uint32(n)
		n += len(r.cands)
	}
	workers := min(w.e.opts.Workers, max(1, n/256))
	own := func(k int) {
		for _, r := range results {
			for i := range r.cands {
				if c := &r.cands[i]; partitionOf(c.hash)%workers == k {
					f(c, r.ordBase+uint32(i))
				}
			}
		}
	}
	if workers == 1 {
		own(0)
		return
	}
	done := make(chan struct{})
	for k := 0; k < workers; k++ {
		go func() {
			own(k)
			done <- struct{}{}
		}()
	}
	for k := 0; k < workers; k++ {
		<-done
	}
}

// insertGraph adds a batch's candidates to the index, each with its
// ordinal in the batch for now; a candidate whose state an earlier one of
// the batch brought learns that one's ordinal. It reports false when the
// budget refused room.
func (w *workerPool[S, T]) insertGraph(results []*chunkResult[S]) bool {
	idx := w.e.graph.index
	full := make([]bool, partitions)
	w.byPartition(results, func(c *candidate[S], ord uint32) {
		prev, added, ok := idx.insertValue(c.hash, ord)
		if !ok {
			full[partitionOf(c.hash)] = true
		}
		c.fresh, c.first = added, prev
	})
	for _, f := range full {
		if f {
			return false
		}
	}
	return true
}

// mergeGraph numbers the new states of a batch in generation order,
// appends them to the next level, puts their indices in the index, and
// stores the records of the states the batch expanded.
func (e *engine[S, T]) mergeGraph(w *workerPool[S, T], results []*chunkResult[S], next *frontier[S]) StopReason {
	gs := e.graph
	gs.final = gs.final[:0]
	for _, r := range results {
		for i := range r.cands {
			c := &r.cands[i]
			if !c.fresh {
				gs.final = append(gs.final, gs.final[c.first])
				continue
			}
			if e.states >= math.MaxUint32 {
				return StateLimit
			}
			if !next.push(c.state) {
				return MemoryLimit
			}
			gs.final = append(gs.final, uint32(e.states))
			e.states++
			if e.opts.MaxStates > 0 && e.states >= e.opts.MaxStates {
				return StateLimit
			}
		}
	}
	w.byPartition(results, func(c *candidate[S], ord uint32) {
		if c.fresh {
			gs.index.update(c.hash, gs.final[ord])
		}
	})
	for _, r := range results {
		edges := r.gedges
		for _, nd := range r.nodes {
			own := edges[:nd.edges]
			edges = edges[nd.edges:]
			for k := range own {
				if own[k].fresh {
					own[k].to, own[k].fresh = gs.final[r.ordBase+own[k].to], false
				}
			}
			if !gs.g.add(nd.marks, own) {
				return MemoryLimit
			}
		}
	}
	return Finished
}

// WalkGraph calls visit with every state of g whose edges it holds, in
// index order, and its successors in Successors' order, each with the
// index of its state. States are rebuilt level by level from the initial
// states: two levels are kept at a time.
func WalkGraph[S, T any](sys System[S, T], g *Graph, visit func(v uint32, s S, succ []Successor[S, T])) {
	init := sys.Initial()
	var cur, next []S
	for _, k := range g.initials {
		cur = append(cur, init[k])
	}
	var succ []Successor[S, T]
	level := 0
	for v := uint32(0); v < g.records; v++ {
		if v == g.levels[level+1] {
			level++
			cur, next = next, cur[:0]
		}
		s := cur[v-g.levels[level]]
		succ = succ[:0]
		sys.Successors(s, func(label T, t S) { succ = append(succ, Successor[S, T]{Label: label, State: t}) })
		it := g.edges(v)
		for k := range succ {
			to, _, ok := it.next()
			if !ok {
				panic("explore: a state has more successors than when the graph was built: Successors is not deterministic")
			}
			succ[k].To = to
			if level+2 < len(g.levels) && to == g.levels[level+1]+uint32(len(next)) {
				next = append(next, succ[k].State)
			}
		}
		if _, _, more := it.next(); more {
			panic("explore: a state has fewer successors than when the graph was built: Successors is not deterministic")
		}
		visit(v, s, succ)
	}
}

// Successor is a successor of a state in WalkGraph.
type Successor[S, T any] struct {
	Label T
	State S
	To    uint32 // its index in the graph
}
