package properties

import (
	"errors"
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"pgregory.net/rapid"
)

// RunSimulation runs rapid on a simulation outside go test, as tcpmc
// simulate does: checks random schedules starting from seed (0: a random
// seed), stopping at the first failure, which rapid then shrinks.
//
// rapid takes its settings from its command-line flags, so this sets them
// on the standard flag set for the duration of the call; calls must not
// overlap, and it must not be used from inside a rapid test.
func RunSimulation(sim *Simulation, checks int, seed uint64) (SimResult, error) {
	simMu.Lock()
	defer simMu.Unlock()
	// rapid asks testing.Short(), which needs the testing flags,
	// registered and parsed (as no arguments: tcpmc has its own flags).
	if flag.Lookup("test.short") == nil {
		testing.Init()
	}
	if !flag.Parsed() {
		if err := flag.CommandLine.Parse(nil); err != nil {
			return SimResult{}, err
		}
	}
	settings := map[string]string{
		"rapid.checks":     strconv.Itoa(checks),
		"rapid.seed":       strconv.FormatUint(seed, 10),
		"rapid.nofailfile": "true", // the seed reproduces a failure
		"rapid.failfile":   "",
		"rapid.v":          "false",
		// Shrinking normally converges in seconds; a generous bound keeps
		// the result the same on slower machines, so that the seed
		// reproduces the same shrunk schedule.
		"rapid.shrinktime": "3m",
	}
	for name, value := range settings {
		f := flag.Lookup(name)
		if f == nil {
			return SimResult{}, fmt.Errorf("rapid has no flag -%s", name)
		}
		old := f.Value.String()
		if err := f.Value.Set(value); err != nil {
			return SimResult{}, err
		}
		defer f.Value.Set(old)
	}
	// rapid cannot be stopped mid-way: a run that starts after the
	// simulation's context is done passes at once, but rapid would still
	// start every one of them. Checking in chunks bounds what is left to
	// skip when the context ends, whatever the number of runs.
	tb := &loneTB{name: "tcpmc-simulate"}
	checksFlag, seedFlag := flag.Lookup("rapid.checks"), flag.Lookup("rapid.seed")
	for chunk := uint64(0); checks > 0 && !tb.failed && sim.ctx.Err() == nil; chunk++ {
		n := min(checks, simChunk)
		checks -= n
		chunkSeed := seed
		if seed != 0 && chunk > 0 {
			chunkSeed = seed + chunk*0x9E3779B97F4A7C15 // another fixed seed for each chunk
		}
		if err := checksFlag.Value.Set(strconv.Itoa(n)); err != nil {
			return SimResult{}, err
		}
		if err := seedFlag.Value.Set(strconv.FormatUint(chunkSeed, 10)); err != nil {
			return SimResult{}, err
		}
		func() {
			defer func() {
				if r := recover(); r != nil && r != errFailNow {
					panic(r)
				}
			}()
			rapid.Check(tb, sim.Run)
		}()
	}
	res := SimResult{Runs: sim.Runs(), Steps: sim.Steps(), Original: sim.First, Failure: sim.Last, RunsToFailure: sim.RunsToFailure}
	if tb.failed {
		res.Log = strings.Join(tb.errors, "\n")
		if m := seedInMessage.FindStringSubmatch(res.Log); m != nil {
			res.Seed, _ = strconv.ParseUint(m[1], 10, 64)
		}
		if res.Failure == nil {
			return res, fmt.Errorf("rapid reported a failure that is not a property violation: %s", firstLine(res.Log))
		}
	}
	return res, nil
}

// SimResult is the outcome of RunSimulation.
type SimResult struct {
	Runs, Steps   int64       // runs drawn (shrinking included) and their steps
	RunsToFailure int64       // runs drawn before the first failure
	Original      *SimFailure // the first failing schedule found
	Failure       *SimFailure // the same, shrunk by rapid
	Seed          uint64      // rapid's seed of the failing run: it reproduces the failure
	Log           string      // rapid's report of the failure
}

// simChunk is how many runs one call of rapid makes.
const simChunk = 1000

var (
	simMu         sync.Mutex
	errFailNow    = errors.New("rapid: FailNow")
	seedInMessage = regexp.MustCompile(`-rapid\.seed=(\d+)`)
)

func firstLine(s string) string { return strings.SplitN(s, "\n", 2)[0] }

// loneTB is the test object rapid reports to when there is no test.
type loneTB struct {
	name   string
	failed bool
	errors []string
}

func (t *loneTB) Helper()                           {}
func (t *loneTB) Name() string                      { return t.name }
func (t *loneTB) Logf(format string, args ...any)   {}
func (t *loneTB) Log(args ...any)                   {}
func (t *loneTB) Skipf(format string, args ...any)  { panic(errFailNow) }
func (t *loneTB) Skip(args ...any)                  { panic(errFailNow) }
func (t *loneTB) SkipNow()                          { panic(errFailNow) }
func (t *loneTB) Errorf(format string, args ...any) { t.Error(fmt.Sprintf(format, args...)) }
func (t *loneTB) Error(args ...any) {
	t.failed = true
	t.errors = append(t.errors, fmt.Sprint(args...))
}
func (t *loneTB) Fatalf(format string, args ...any) { t.Errorf(format, args...); t.FailNow() }
func (t *loneTB) Fatal(args ...any)                 { t.Error(args...); t.FailNow() }
func (t *loneTB) FailNow()                          { t.failed = true; panic(errFailNow) }
func (t *loneTB) Fail()                             { t.failed = true }
func (t *loneTB) Failed() bool                      { return t.failed }
