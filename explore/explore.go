package explore

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zeebo/xxh3"
)

// System is what the engine explores: any transition system that can list
// its initial states and the successors of a state. S is the state, T the
// label of a transition (which rule fired, which fault happened).
//
// Successors must be deterministic: the same state yields the same labels
// and successors in the same order every time, because counterexamples are
// stored as successor indices and rebuilt by calling Successors again.
type System[S, T any] interface {
	Initial() []S
	Successors(s S, yield func(label T, next S))
	// Key appends a compact encoding of s to dst. Two states are the same
	// state exactly when their keys are equal.
	Key(dst []byte, s S) []byte
}

// Forker is an optional interface of a System: Fork returns a successor
// function for the private use of one worker, which may keep caches and
// scratch space without locking. The engine forks once per worker and
// otherwise calls Successors.
type Forker[S, T any] interface {
	Fork() func(s S, yield func(label T, next S))
}

// Invariant is a safety property of single states.
type Invariant[S any] struct {
	Name  string
	Holds func(s S) bool
}

// ActionProperty is a safety property of transitions: it sees the state
// before, the label and the state after.
type ActionProperty[S, T any] struct {
	Name  string
	Holds func(from S, label T, to S) bool
}

// Options control a search. The zero value explores everything with one
// worker per CPU and no limits.
type Options[S, T any] struct {
	Invariants []Invariant[S]
	Actions    []ActionProperty[S, T]
	// Deadlock names the property "every state that is not final has a
	// successor"; empty disables the check. Final may be nil (no state is
	// final: every state without successors is a deadlock). Environment,
	// if set, marks the transitions that do not count as successors for
	// the check: those of an environment that may or may not act (a
	// fault, an optional abort) do not get a system out of a deadlock.
	Deadlock    string
	Final       func(S) bool
	Environment func(T) bool

	Workers   int           // 0 means runtime.GOMAXPROCS(0)
	MaxStates uint64        // 0 means no limit
	MaxDepth  int           // 0 means no limit; states deeper are not stored
	MaxTime   time.Duration // 0 means no limit
	MaxMemory uint64        // bytes; 0 means no limit
	// Exact stores whole state keys instead of 62-bit fingerprints: no risk
	// of a fingerprint collision hiding a state, at many times the memory.
	Exact bool
	// KeepGoing continues after every property has been violated, to count
	// the whole state space.
	KeepGoing bool

	Progress         func(Progress) // called from the searching goroutine
	ProgressInterval time.Duration  // default 500ms
}

// StopReason says why a search ended before covering the state space.
type StopReason string

const (
	Finished         StopReason = ""
	StateLimit       StopReason = "state limit"
	DepthLimit       StopReason = "depth limit"
	TimeLimit        StopReason = "time limit"
	MemoryLimit      StopReason = "memory limit"
	Interrupted      StopReason = "interrupted"
	AllViolated      StopReason = "every property violated"
	depthBatch                  = 4096 // states expanded between two merges
	chunkSize                   = 128  // states a worker takes at a time
	memoryCheckEvery            = 250 * time.Millisecond
)

// Progress is a snapshot of a running search.
type Progress struct {
	States, Transitions uint64
	Depth               int
	Queue               int // states waiting to be expanded
	Elapsed             time.Duration
}

// Result is what a search found.
type Result[S, T any] struct {
	States      uint64 // distinct states stored
	Transitions uint64 // successors generated
	Depth       int    // deepest level expanded (the initial states are level 0)
	Complete    bool   // the whole reachable state space was explored
	Stopped     StopReason
	Elapsed     time.Duration
	Exact       bool
	// VisitedBytes is the memory of the visited set, TraceBytes that of the
	// parent links kept to rebuild counterexamples.
	VisitedBytes, TraceBytes uint64
	// CollisionProbability bounds the chance that a fingerprint collision
	// made the search skip a state (0 for exact searches).
	CollisionProbability float64
	// PeakHeap is the largest Go heap sampled during the search (live
	// objects and garbage not yet swept): what the process really used.
	PeakHeap uint64
	// Violations holds the first violation of each property, in the order
	// the properties were given (invariants, actions, deadlock). Each path
	// is a shortest one.
	Violations []Violation[S, T]
}

// BytesPerState is the memory the search kept per state: visited set plus
// parent links.
func (r *Result[S, T]) BytesPerState() float64 {
	if r.States == 0 {
		return 0
	}
	return float64(r.VisitedBytes+r.TraceBytes) / float64(r.States)
}

// Violation is a property that failed, with a shortest path showing it.
type Violation[S, T any] struct {
	Property string
	Path     Path[S, T]
}

// Path is an execution: an initial state and the steps taken from it.
type Path[S, T any] struct {
	Start S
	Steps []Step[S, T]
}

// Step is one transition of a path and the state it leads to.
type Step[S, T any] struct {
	Label T
	State S
}

// Last is the final state of the path.
func (p Path[S, T]) Last() S {
	if len(p.Steps) == 0 {
		return p.Start
	}
	return p.Steps[len(p.Steps)-1].State
}

// Run explores sys breadth-first. It returns when the state space is
// exhausted, when every property is violated (unless KeepGoing), when a
// limit is reached, or when ctx is cancelled; in every case the result
// holds everything found so far.
//
// Results do not depend on the number of workers: each level is expanded
// in parallel against a visited set that nobody writes to, and the new
// states are merged by one goroutine in a fixed order.
func Run[S, T any](ctx context.Context, sys System[S, T], opts Options[S, T]) *Result[S, T] {
	e := newEngine(sys, opts, false)
	e.run(ctx)
	r := e.result()
	e.set.release()
	return r
}

// visited is the set of states seen so far, keyed by the hash of a state's
// key (fingerprint mode) or by the key itself (exact mode). It is split
// into partitions by the hash: inserts into different partitions may run
// at once, and lookups may run at once while nobody inserts.
type visited interface {
	contains(h uint64, key []byte) bool
	// insert adds a state and reports whether it was new; ok is false
	// when the memory budget refused the room for it.
	insert(h uint64, key string) (added, ok bool)
	bytes() uint64
	release() // frees the memory; the set is unusable afterwards
}

type exactSet struct {
	parts  [partitions]exactPart
	budget *budget
}

type exactPart struct {
	m    map[string]struct{}
	size uint64
}

// exactEntryBytes is roughly what a Go map spends per string entry beyond
// the key's own bytes; an estimate, and reported as one.
const exactEntryBytes = 48

func newExactSet(b *budget) *exactSet {
	x := exactSet{budget: b}
	for i := range x.parts {
		x.parts[i].m = map[string]struct{}{}
	}
	return &x
}

func (x *exactSet) contains(h uint64, key []byte) bool {
	_, ok := x.parts[partitionOf(h)].m[string(key)]
	return ok
}

func (x *exactSet) insert(h uint64, key string) (added, ok bool) {
	p := &x.parts[partitionOf(h)]
	if _, ok := p.m[key]; ok {
		return false, true
	}
	// Go's maps grow a bounded group of slots at a time, so accounting
	// each entry before it is added keeps the map within the budget.
	n := uint64(len(key)) + exactEntryBytes
	if !x.budget.reserve(n) {
		return false, false
	}
	p.m[key] = struct{}{}
	p.size += n
	return true, true
}

func (x *exactSet) bytes() uint64 {
	var n uint64
	for i := range x.parts {
		n += x.parts[i].size
	}
	return n
}

func (x *exactSet) release() {
	for i := range x.parts {
		x.parts[i].m = nil
	}
}

// violationAt locates a violation: the state at (depth, index) violates an
// invariant (action < 0) or its action-th successor violates an action
// property.
type violationAt struct {
	depth  int
	index  uint32
	action int
}

func (a violationAt) before(b violationAt) bool {
	if a.depth != b.depth {
		return a.depth < b.depth
	}
	if a.index != b.index {
		return a.index < b.index
	}
	return a.action < b.action
}

type candidate[S any] struct {
	state  S
	hash   uint64
	key    string // exact mode only
	parent uint32
	action uint32
	fresh  bool // set by the merge: first time this state is seen
	// first is, in a graph search, the ordinal in its batch of the first
	// candidate with this state (the candidate's own when fresh).
	first uint32
}

type chunkResult[S any] struct {
	cands       []candidate[S]
	found       map[int]violationAt // property index -> first violation in chunk
	transitions uint64
	beyondDepth bool // a successor past MaxDepth was not in the visited set

	// A graph search's: the states expanded, their edges, and the
	// ordinal in the batch of the chunk's first candidate.
	nodes   []graphNode
	gedges  []graphEdge
	ordBase uint32
}

type engine[S, T any] struct {
	sys   System[S, T]
	opts  Options[S, T]
	set   visited
	start time.Time

	props    []string // invariants, then actions, then deadlock
	found    []*violationAt
	active   []bool // property still unviolated (checked)
	nActive  int
	initials []S

	logs        []levelLog
	states      uint64
	transitions uint64
	depth       int
	stopped     StopReason
	complete    bool
	queue       int
	beyondDepth bool

	probe  *memoryProbe
	budget *budget
	graph  *graphSpec[S, T] // nil unless the search builds a graph
}

// newEngine makes the engine of a search; with graph set, of a search
// that builds the state graph (BuildGraph sets the rest of e.graph).
func newEngine[S, T any](sys System[S, T], opts Options[S, T], graph bool) *engine[S, T] {
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.ProgressInterval <= 0 {
		opts.ProgressInterval = 500 * time.Millisecond
	}
	e := &engine[S, T]{sys: sys, opts: opts, budget: newBudget(opts.MaxMemory)}
	switch {
	case graph:
		index := newPartitionedIndex(e.budget)
		e.set = index
		e.graph = &graphSpec[S, T]{index: index}
	case opts.Exact:
		e.set = newExactSet(e.budget)
	default:
		e.set = newPartitionedFPs(e.budget)
	}
	for _, p := range opts.Invariants {
		e.props = append(e.props, p.Name)
	}
	for _, p := range opts.Actions {
		e.props = append(e.props, p.Name)
	}
	if opts.Deadlock != "" {
		e.props = append(e.props, opts.Deadlock)
	}
	e.found = make([]*violationAt, len(e.props))
	e.active = make([]bool, len(e.props))
	for i := range e.active {
		e.active[i] = true
	}
	e.nActive = len(e.props)
	e.probe = newMemoryProbe()
	return e
}

func (e *engine[S, T]) run(ctx context.Context) {
	e.start = time.Now()
	lastProgress := e.start

	// Level 0: the distinct initial states, in order.
	e.initials = e.sys.Initial()
	cur := &frontier[S]{budget: e.budget}
	var log0 levelLog
	var buf []byte
	seeded := true
	if e.graph != nil {
		seeded = e.seedGraph(cur)
	}
	for i, s := range e.initials {
		if e.graph != nil {
			break
		}
		buf = e.sys.Key(buf[:0], s)
		added, _ := e.set.insert(xxh3.Hash(buf), string(buf))
		if !added {
			continue
		}
		if !cur.push(s) || !log0.add(uint32(i), 0, e.budget) {
			seeded = false
			break
		}
		e.states++
	}
	e.logs = append(e.logs, log0)
	if !seeded {
		// Not even the initial states fit in the memory limit.
		e.stopped = MemoryLimit
		return
	}

	workers := newWorkerPool(e)

	for depth := 0; cur.len() > 0; depth++ {
		e.depth = depth
		if e.graph != nil {
			e.graph.g.levels = append(e.graph.g.levels, uint32(e.states))
		}
		next := &frontier[S]{budget: e.budget}
		var log levelLog
		for b := 0; b < cur.len(); b += depthBatch {
			end := min(b+depthBatch, cur.len())
			e.queue = cur.len() - end + next.len()
			results := workers.expand(cur, b, end, depth)
			e.mergeViolations(results)
			var stop StopReason
			switch {
			case e.graph != nil && !workers.insertGraph(results):
				stop = MemoryLimit
			case e.graph != nil:
				stop = e.mergeGraph(workers, results, next)
			default:
				full := !workers.insert(results)
				stop = e.merge(results, next, &log)
				if full {
					stop = MemoryLimit
				}
			}
			if stop != Finished {
				e.stopped = stop
				e.logs = append(e.logs, log)
				return
			}
			if e.nActive == 0 && len(e.props) > 0 && !e.opts.KeepGoing {
				e.stopped = AllViolated
				e.logs = append(e.logs, log)
				return
			}
			if stop := e.checkLimits(ctx, cur.len()+next.len()); stop != Finished {
				e.stopped = stop
				e.logs = append(e.logs, log)
				return
			}
			if e.opts.Progress != nil && time.Since(lastProgress) >= e.opts.ProgressInterval {
				lastProgress = time.Now()
				e.opts.Progress(e.progress())
			}
		}
		e.logs = append(e.logs, log)
		if e.beyondDepth {
			// The deepest level allowed has successors never seen: they
			// were checked as transitions but not explored further.
			e.stopped = DepthLimit
			return
		}
		cur.release()
		cur = next
	}
	e.complete = e.stopped == Finished
}

func (e *engine[S, T]) progress() Progress {
	return Progress{States: e.states, Transitions: e.transitions, Depth: e.depth, Queue: e.queue, Elapsed: time.Since(e.start)}
}

// mergeViolations keeps, for each property, the violation found first in
// (depth, state index, successor index) order, which does not depend on
// how the work was split between workers.
func (e *engine[S, T]) mergeViolations(results []*chunkResult[S]) {
	for _, r := range results {
		e.transitions += r.transitions
		e.beyondDepth = e.beyondDepth || r.beyondDepth
		for p, at := range r.found {
			if e.found[p] == nil || at.before(*e.found[p]) {
				v := at
				e.found[p] = &v
			}
		}
	}
	// A batch covers a contiguous range of states, so nothing later can
	// beat a violation found in it: stop checking those properties.
	for p := range e.props {
		if e.found[p] != nil && e.active[p] {
			e.active[p] = false
			e.nActive--
		}
	}
}

// merge appends the new states of a batch to the next level, in the order
// they were generated; workers.insert has already marked which are new.
func (e *engine[S, T]) merge(results []*chunkResult[S], next *frontier[S], log *levelLog) StopReason {
	for _, r := range results {
		for i := range r.cands {
			c := &r.cands[i]
			if !c.fresh {
				continue
			}
			if !next.push(c.state) || !log.add(c.parent, c.action, e.budget) {
				return MemoryLimit
			}
			e.states++
			if e.opts.MaxStates > 0 && e.states >= e.opts.MaxStates {
				return StateLimit
			}
		}
	}
	return Finished
}

func (e *engine[S, T]) checkLimits(ctx context.Context, queued int) StopReason {
	if ctx.Err() != nil {
		return Interrupted
	}
	if e.opts.MaxTime > 0 && time.Since(e.start) >= e.opts.MaxTime {
		return TimeLimit
	}
	heap := e.probe.read(false)
	e.budget.sample(heap)
	if e.opts.MaxMemory > 0 && (e.budget.refused.Load() || e.budget.overMapLimit(0) || max(e.budget.used.Load(), heap) >= e.opts.MaxMemory) {
		return MemoryLimit
	}
	return Finished
}

func (e *engine[S, T]) traceBytes() uint64 {
	var n uint64
	for _, l := range e.logs {
		n += uint64(cap(l.data))
	}
	return n
}

func (e *engine[S, T]) result() *Result[S, T] {
	r := &Result[S, T]{
		States:       e.states,
		Transitions:  e.transitions,
		Depth:        e.depth,
		Complete:     e.complete,
		Stopped:      e.stopped,
		Elapsed:      time.Since(e.start),
		Exact:        e.opts.Exact,
		VisitedBytes: e.set.bytes(),
		TraceBytes:   e.traceBytes(),
		PeakHeap:     max(e.probe.peak, e.probe.read(true)),
	}
	if !e.opts.Exact {
		r.CollisionProbability = collisionProbability(e.states)
	}
	for p, at := range e.found {
		if at != nil {
			r.Violations = append(r.Violations, Violation[S, T]{Property: e.props[p], Path: e.path(*at)})
		}
	}
	return r
}

// path rebuilds the shortest path to a violation from the parent links, by
// replaying successor indices from the initial state.
func (e *engine[S, T]) path(at violationAt) Path[S, T] {
	actions := make([]uint32, at.depth)
	idx := at.index
	for l := at.depth; l >= 1; l-- {
		parent, action := e.logs[l].entry(idx)
		actions[l-1] = action
		idx = parent
	}
	initial, _ := e.logs[0].entry(idx)
	if at.action >= 0 {
		actions = append(actions, uint32(at.action))
	}
	start := e.initials[initial]
	return Path[S, T]{Start: start, Steps: replay(e.sys, start, actions)}
}

// replay rebuilds the steps of a path from start that take the given
// successor indices, by calling Successors again: counterexamples of
// every search are kept as indices and made into states here.
func replay[S, T any](sys System[S, T], start S, actions []uint32) []Step[S, T] {
	var steps []Step[S, T]
	s := start
	for _, a := range actions {
		var label T
		var next S
		n := uint32(0)
		ok := false
		sys.Successors(s, func(l T, t S) {
			if n == a {
				label, next, ok = l, t, true
			}
			n++
		})
		if !ok {
			panic(fmt.Sprintf("explore: successor %d of a state on the path no longer exists: Successors is not deterministic", a))
		}
		steps = append(steps, Step[S, T]{Label: label, State: next})
		s = next
	}
	return steps
}

// workerPool expands batches of states in parallel.
type workerPool[S, T any] struct {
	e       *engine[S, T]
	results []*chunkResult[S]
	spare   []*chunkResult[S]
	succ    []func(S, func(T, S)) // one successor function per worker
}

func (e *engine[S, T]) successorFunc() func(S, func(T, S)) {
	if f, ok := e.sys.(Forker[S, T]); ok {
		return f.Fork()
	}
	return e.sys.Successors
}

func newWorkerPool[S, T any](e *engine[S, T]) *workerPool[S, T] {
	return &workerPool[S, T]{e: e}
}

func (w *workerPool[S, T]) expand(cur *frontier[S], begin, end, depth int) []*chunkResult[S] {
	nChunks := (end - begin + chunkSize - 1) / chunkSize
	// Reuse the buffers of the previous batch.
	w.spare = append(w.spare, w.results...)
	w.results = w.results[:0]
	for i := 0; i < nChunks; i++ {
		var r *chunkResult[S]
		if n := len(w.spare); n > 0 {
			r, w.spare = w.spare[n-1], w.spare[:n-1]
			r.cands, r.nodes, r.gedges = r.cands[:0], r.nodes[:0], r.gedges[:0]
			clear(r.found)
			r.transitions = 0
			r.beyondDepth = false
		} else {
			r = &chunkResult[S]{found: map[int]violationAt{}}
		}
		w.results = append(w.results, r)
	}
	workers := min(w.e.opts.Workers, nChunks)
	for len(w.succ) < workers {
		w.succ = append(w.succ, w.e.successorFunc())
	}
	expandChunk := w.e.expandChunk
	if w.e.graph != nil {
		expandChunk = w.e.expandGraphChunk
	}
	if workers <= 1 {
		var buf []byte
		for c := 0; c < nChunks; c++ {
			buf = expandChunk(w.succ[0], cur, begin+c*chunkSize, min(begin+(c+1)*chunkSize, end), depth, w.results[c], buf)
		}
		return w.results
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		succ := w.succ[k]
		go func() {
			defer wg.Done()
			var buf []byte
			for {
				c := int(next.Add(1) - 1)
				if c >= nChunks {
					return
				}
				buf = expandChunk(succ, cur, begin+c*chunkSize, min(begin+(c+1)*chunkSize, end), depth, w.results[c], buf)
			}
		}()
	}
	wg.Wait()
	return w.results
}

// expansion is one worker's context while it expands a chunk; its emit
// method is the yield function given to the system, made once per chunk
// rather than once per state.
type expansion[S, T any] struct {
	e     *engine[S, T]
	r     *chunkResult[S]
	s     S
	idx   uint32
	n     uint32
	moves uint32 // successors that count as progress
	depth int
	store bool
	buf   []byte
}

func (x *expansion[S, T]) emit(label T, t S) {
	e := x.e
	a := x.n
	x.n++
	if e.opts.Environment == nil || !e.opts.Environment(label) {
		x.moves++
	}
	nInv := len(e.opts.Invariants)
	for k, act := range e.opts.Actions {
		p := nInv + k
		if e.active[p] && !act.Holds(x.s, label, t) {
			x.r.note(p, violationAt{x.depth, x.idx, int(a)})
		}
	}
	x.buf = e.sys.Key(x.buf[:0], t)
	h := xxh3.Hash(x.buf)
	if e.set.contains(h, x.buf) {
		return
	}
	if !x.store {
		x.r.beyondDepth = true
		return
	}
	c := candidate[S]{state: t, hash: h, parent: x.idx, action: a}
	if e.opts.Exact {
		c.key = string(x.buf)
	}
	x.r.cands = append(x.r.cands, c)
}

// insert adds a batch's candidates to the visited set and marks the ones
// seen for the first time. Each worker owns a fixed set of partitions and
// inserts its candidates in generation order, so which candidate of a state
// counts as its first does not depend on the number of workers. It
// reports false when the memory budget refused room for a candidate
// (which is then not marked fresh).
func (w *workerPool[S, T]) insert(results []*chunkResult[S]) bool {
	var full atomic.Bool
	n := 0
	for _, r := range results {
		n += len(r.cands)
	}
	workers := min(w.e.opts.Workers, max(1, n/256))
	own := func(k int) {
		for _, r := range results {
			for i := range r.cands {
				c := &r.cands[i]
				if partitionOf(c.hash)%workers == k {
					var ok bool
					if c.fresh, ok = w.e.set.insert(c.hash, c.key); !ok {
						full.Store(true)
					}
				}
			}
		}
	}
	if workers == 1 {
		own(0)
		return !full.Load()
	}
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own(k)
		}()
	}
	wg.Wait()
	return !full.Load()
}

// expandChunk checks and expands states cur[begin:end] of the given level.
// It only reads the visited set.
func (e *engine[S, T]) expandChunk(successors func(S, func(T, S)), cur *frontier[S], begin, end, depth int, r *chunkResult[S], buf []byte) []byte {
	nInv, nAct := len(e.opts.Invariants), len(e.opts.Actions)
	x := &expansion[S, T]{e: e, r: r, depth: depth, buf: buf,
		store: e.opts.MaxDepth == 0 || depth < e.opts.MaxDepth}
	emit := x.emit
	for i := begin; i < end; i++ {
		x.s, x.idx, x.n, x.moves = *cur.at(i), uint32(i), 0, 0
		for p, inv := range e.opts.Invariants {
			if e.active[p] && !inv.Holds(x.s) {
				r.note(p, violationAt{depth, x.idx, -1})
			}
		}
		successors(x.s, emit)
		r.transitions += uint64(x.n)
		if x.moves == 0 && e.opts.Deadlock != "" {
			p := nInv + nAct
			if e.active[p] && (e.opts.Final == nil || !e.opts.Final(x.s)) {
				r.note(p, violationAt{depth, x.idx, -1})
			}
		}
	}
	return x.buf
}

// note records a violation if it is the first one of its property in the
// chunk (states are visited in index order, so the first is the least).
func (r *chunkResult[S]) note(p int, at violationAt) {
	if _, ok := r.found[p]; !ok {
		r.found[p] = at
	}
}
