package properties

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/tcpmc/tcpmc/model"
	"pgregory.net/rapid"
)

// Random deep runs: where the exhaustive search cannot go (a large
// sequence space, more data, faults and connections), rapid draws random
// schedules, the safety properties are checked at every step and the
// byte stream at the end, and a failing schedule is shrunk by rapid to a
// short one. Successors are listed benign first (in-order deliveries,
// calls, timers, then out-of-order deliveries, duplicates, losses and
// crashes), so that shrinking, which moves choices towards zero, keeps
// only the faults that matter.

// SimOptions configure random runs.
type SimOptions struct {
	// Depth is the most steps a run takes (0: DefaultDepth).
	Depth int
	// Properties are the safety properties checked (all when empty).
	// Liveness properties need the whole state graph: choosing one is an
	// error.
	Properties []string
	// Context stops the runs: those that start after it is done pass at
	// once.
	Context context.Context
}

// DefaultDepth is long enough for several connections with data and
// faults.
const DefaultDepth = 400

// Simulation draws and checks random schedules of a system. Its Run
// method is a rapid property.
type Simulation struct {
	sys    *model.System
	next   func(model.State, func(model.Step, model.State)) // the model's successors, with a memo
	depth  int
	mon    *Monitor
	stream bool // check the stream with porcupine at the end of each run
	ctx    context.Context
	gen    *rapid.Generator[schedule]

	runs, steps atomic.Int64
	failed      atomic.Bool
	// First is the first failing schedule found, Last the last one: after
	// rapid has shrunk it, the minimal one. Both nil if none failed.
	First, Last *SimFailure
	// RunsToFailure is how many runs were drawn before the first failure.
	RunsToFailure int64
}

// SimFailure is a schedule that violates a property.
type SimFailure struct {
	Property string
	Trace    *Trace
	Stream   *StreamResult // when porcupine rejected the byte stream
}

// NewSimulation prepares random runs of sys.
func NewSimulation(sys *model.System, opts SimOptions) (*Simulation, error) {
	props, err := Select(opts.Properties)
	if err != nil {
		return nil, err
	}
	var names []string
	stream := false
	for _, p := range props {
		if p.Kind != Safety {
			if len(opts.Properties) > 0 {
				return nil, fmt.Errorf("%s is a %s property: random runs cannot show it (use tcpmc check)", p.Name, p.Kind)
			}
			continue
		}
		names = append(names, p.Name)
		stream = stream || p.Name == StreamIntegrity.Name
	}
	mon, err := NewMonitor(sys, names)
	if err != nil {
		return nil, err
	}
	s := &Simulation{sys: sys, next: sys.Fork(), depth: opts.Depth, mon: mon, stream: stream, ctx: opts.Context}
	if s.depth <= 0 {
		s.depth = DefaultDepth
	}
	if s.ctx == nil {
		s.ctx = context.Background()
	}
	s.gen = rapid.Custom(s.draw)
	return s, nil
}

// Runs and Steps count the runs drawn so far (shrinking included) and the
// steps they took.
func (s *Simulation) Runs() int64  { return s.runs.Load() }
func (s *Simulation) Steps() int64 { return s.steps.Load() }

// Failed reports whether a run has failed; unlike First, it may be read
// while the simulation runs.
func (s *Simulation) Failed() bool { return s.failed.Load() }

// Run draws one schedule and fails t with the sequence chart of the first
// violation.
func (s *Simulation) Run(t *rapid.T) {
	if s.ctx.Err() != nil {
		return
	}
	n := s.runs.Add(1)
	sc := s.gen.Draw(t, "schedule")
	s.steps.Add(int64(len(sc.trace.Steps)))
	if sc.failure == nil {
		return
	}
	if s.First == nil {
		s.First, s.RunsToFailure = sc.failure, n
		s.failed.Store(true)
	}
	s.Last = sc.failure
	// The chart is for the caller to show once, of the shrunk schedule:
	// rapid repeats this message for the run it reports.
	t.Fatalf("%s violated in a random schedule of %d steps", sc.failure.Property, len(sc.failure.Trace.Steps))
}

// Describe writes a failure as the check command does: the property, the
// schedule's length and its chart.
func (s *Simulation) Describe(f *SimFailure) string {
	var b strings.Builder
	p, _ := Lookup(f.Property)
	fmt.Fprintf(&b, "%s violated: %s\n", f.Property, p.Description)
	if f.Stream != nil {
		fmt.Fprintf(&b, "porcupine: the octets sent and received are not linearizable as a FIFO queue per stream\n")
	}
	fmt.Fprintf(&b, "random schedule, %d steps:\n\n%s", len(f.Trace.Steps), Chart(s.sys, f.Trace))
	return b.String()
}

// schedule is a drawn run: the choices made, the trace and the violation
// that ended it, if any.
type schedule struct {
	choices []int
	trace   *Trace
	failure *SimFailure
	stopped bool // the chooser gave up before the run ended
}

// GoString is how rapid logs the schedule drawn: the choice at each step.
func (sc schedule) GoString() string {
	parts := make([]string, len(sc.choices))
	for i, c := range sc.choices {
		parts[i] = fmt.Sprint(c)
	}
	return fmt.Sprintf("%d steps, choices %s", len(sc.choices), strings.Join(parts, " "))
}

// firstFaultRank is the rank of the first kind of fault.
const firstFaultRank = 3

// sortBenignFirst lists successors benign first, in the model's order
// within a kind.
func sortBenignFirst(next []model.PathStep) {
	sort.SliceStable(next, func(i, j int) bool { return faultRank(next[i].Step) < faultRank(next[j].Step) })
}

// faultRank orders successors benign first.
func faultRank(st model.Step) int {
	switch st.Kind {
	case model.Deliver:
		if st.Reordered {
			return 3
		}
		return 0
	case model.Call:
		return 1
	case model.Timeout:
		return 2
	case model.Duplicate:
		return 4
	case model.Lose:
		return 5
	}
	return 6 // crash
}

// faultLevels are the chances, in 64ths, that a step is a fault when one
// is possible. Each run draws its level (swarm testing): with many steps
// and small fault budgets, a fixed rate would spend the budget early, and
// a fault late in a connection (the loss of a final ACK) would hardly ever
// be tried.
var faultLevels = [...]int{1, 4, 16, 32}

// choose draws a step: whether it is a fault (at the run's fault level),
// then a kind among those enabled (deliveries, calls, timers; or
// out-of-order deliveries, duplicates, losses, crashes), then one step of
// that kind. Every choice shrinks towards the benign.
func (s *Simulation) choose(t *rapid.T, r *runStyle, next []model.PathStep) int {
	var starts []int // where each kind begins in next
	firstFault := -1
	for i := range next {
		if i == 0 || faultRank(next[i].Step) != faultRank(next[i-1].Step) {
			if firstFault < 0 && faultRank(next[i].Step) >= firstFaultRank {
				firstFault = len(starts)
			}
			starts = append(starts, i)
		}
	}
	lo, hi := 0, len(starts)-1 // the kinds to choose from
	if firstFault >= 0 {
		fault := firstFault == 0 || rapid.IntRange(0, 63).Draw(t, "fault") < faultLevels[r.faults]
		if fault {
			lo = firstFault
		} else {
			hi = firstFault - 1
		}
	}
	k := lo + rapid.IntRange(0, hi-lo).Draw(t, "kind")
	end := len(next)
	if k+1 < len(starts) {
		end = starts[k+1]
	}
	c := starts[k] + rapid.IntRange(0, end-starts[k]-1).Draw(t, "step")
	if st := next[c].Step; st.Kind == model.Deliver && r.delivery != anyAge {
		// Deliver the oldest or the newest segment of those offered.
		best := -1
		for i := starts[k]; i < end; i++ {
			age := r.flights.At(next[i].Step.Side.Other(), int(next[i].Step.Pos))
			if best < 0 || (r.delivery == oldestFirst) == (age < r.flights.At(next[best].Step.Side.Other(), int(next[best].Step.Pos))) {
				best = i
			}
		}
		c = best
	}
	return c
}

// runStyle is what a run draws once: how often it takes faults and which
// segments it delivers first. Delivering the newest first keeps an old
// segment in the network for long, which is how stale segments meet
// later connections.
type runStyle struct {
	faults   int // index in faultLevels
	delivery int // anyAge, oldestFirst or newestFirst
	flights  *Flights
}

const (
	anyAge = iota
	oldestFirst
	newestFirst
)

// draw runs the model from its initial state, one rapid choice per step,
// until a violation, a state without successors or the depth.
func (s *Simulation) draw(t *rapid.T) schedule {
	initial := s.sys.Initial()
	start := initial[0]
	if len(initial) > 1 {
		start = initial[rapid.IntRange(0, len(initial)-1).Draw(t, "initial")]
	}
	style := &runStyle{
		faults:   rapid.IntRange(0, len(faultLevels)-1).Draw(t, "fault level"),
		delivery: rapid.IntRange(anyAge, newestFirst).Draw(t, "delivery order"),
		flights:  NewFlights(s.sys),
	}
	return s.execute(start, func(next []model.PathStep) int { return s.choose(t, style, next) }, style.flights)
}

// execute runs the model from start, pick choosing each step among the
// successors (listed benign first; -1 stops the run), until a violation,
// a state without successors or the depth, and checks the byte stream at
// the end.
func (s *Simulation) execute(start model.State, pick func(next []model.PathStep) int, flights *Flights) schedule {
	sc := schedule{trace: &Trace{Start: start}}
	fail := func(names []string) schedule {
		sc.failure = &SimFailure{Property: names[0], Trace: sc.trace}
		return sc
	}
	cur := start
	var next []model.PathStep
	for len(sc.trace.Steps) < s.depth {
		next = next[:0]
		s.next(cur, func(st model.Step, to model.State) { next = append(next, model.PathStep{Step: st, State: to}) })
		moves := 0
		for _, ps := range next {
			if !Environment(ps.Step) {
				moves++
			}
		}
		if bad := s.mon.State(cur, moves); len(bad) > 0 {
			return fail(bad)
		}
		if len(next) == 0 {
			break
		}
		sortBenignFirst(next)
		c := pick(next)
		if c < 0 {
			sc.stopped = true
			return sc
		}
		ps := next[c]
		sc.choices = append(sc.choices, c)
		step := len(sc.trace.Steps)
		flights.Apply(ps.Step, func(model.Segment, bool) int { return step })
		sc.trace.Steps = append(sc.trace.Steps, ps)
		if bad := s.mon.Step(cur, ps.Step, ps.State); len(bad) > 0 {
			return fail(bad)
		}
		cur = ps.State
	}
	if s.stream {
		if res := CheckStream(ModelStreamHistory(s.sys, sc.trace)); res.Verdict == Violated {
			sc.failure = &SimFailure{Property: StreamIntegrity.Name, Trace: sc.trace, Stream: &res}
		}
	}
	return sc
}
