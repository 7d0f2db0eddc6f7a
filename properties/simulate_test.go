package properties

import (
	"context"
	"testing"

	"github.com/tcpmc/tcpmc/model"
	"pgregory.net/rapid"
)

// deep is a configuration far beyond the exhaustive search: a large
// sequence space, more data, faults and connections.
func deep(c *model.Config) {
	c.SeqSpace, c.Window, c.Capacity, c.RetryLimit = 256, 8, 4, 3
	c.Loss, c.Dup, c.Reorder = 3, 3, 3
	c.Data, c.Incarnations = [2]int{5, 5}, 3
}

func deepSystem(t *testing.T, v *model.Variant) *model.System {
	t.Helper()
	cfg := v.Config
	deep(&cfg)
	sys, err := model.NewSystem(v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sys
}

// rfc9293 passes random deep runs: every safety property at every step,
// and porcupine accepts the byte streams. (rapid's own flags, e.g.
// -rapid.checks, apply.)
func TestSimulateRFC9293Holds(t *testing.T) {
	// Retransmission never gives up: with more faults than retries one
	// side may give up and leave its peer waiting for ever, a deadlock
	// RFC 9293 allows (README, What tcpmc shows about RFC 9293).
	cfg := model.RFC9293().Config
	deep(&cfg)
	cfg.RetryLimit = model.Unlimited
	sys, err := model.NewSystem(model.RFC9293(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := NewSimulation(sys, SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rapid.Check(t, sim.Run)
	if sim.Steps() < 20*sim.Runs() {
		t.Errorf("%d runs took only %d steps: the runs are not deep", sim.Runs(), sim.Steps())
	}
}

// Weakened variants are caught by random runs under a configuration well
// beyond the exhaustive search (seq space 256, 3 octets each way, two
// faults of each kind, three connections) and shrunk to short schedules that replay; the seed
// reproduces the same minimal schedule.
func TestSimulateCatchesAndShrinks(t *testing.T) {
	skipUnderRace(t)
	if testing.Short() {
		t.Skip("shrinks three long schedules")
	}
	broken, err := LoadVariant("../testdata/variants/examples/deliver-out-of-order.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		variant *model.Variant
		want    string // the property a minimal schedule violates
	}{
		{builtin(t, "no-time-wait"), OrderlyRelease.Name},
		{builtin(t, "two-way-handshake"), ""},
		{broken, StreamIntegrity.Name},
	} {
		cfg := c.variant.Config
		cfg.SeqSpace, cfg.Window, cfg.Capacity, cfg.RetryLimit = 256, 8, 4, 3
		cfg.Loss, cfg.Dup, cfg.Reorder, cfg.Data, cfg.Incarnations = 2, 2, 2, [2]int{2, 2}, 3
		sys, err := model.NewSystem(c.variant, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var props []string // all, unless the test wants one
		if c.want != "" {
			props = []string{c.want}
		}
		sim, err := NewSimulation(sys, SimOptions{Properties: props})
		if err != nil {
			t.Fatal(err)
		}
		res, err := RunSimulation(sim, 2000, 42)
		if err != nil {
			t.Fatal(err)
		}
		if res.Failure == nil {
			t.Errorf("%s: no violation in %d runs", c.variant.Name, res.Runs)
			continue
		}
		f := res.Failure
		if c.want != "" && f.Property != c.want {
			t.Errorf("%s: %s violated, want %s", c.variant.Name, f.Property, c.want)
		}
		if err := sys.Replay(f.Trace.Start, f.Trace.Steps); err != nil {
			t.Errorf("%s: the shrunk schedule does not replay: %v", c.variant.Name, err)
		}
		short, long := len(f.Trace.Steps), len(res.Original.Trace.Steps)
		// With three octets each way to send and acknowledge before the
		// close, no violation of these takes fewer than about 12 to 30
		// steps; the exhaustive search cannot reach that depth here.
		if short > long || short > 45 {
			t.Errorf("%s: shrunk from %d to %d steps", c.variant.Name, long, short)
		}
		t.Logf("%s: %s violated after %d runs; the schedule found had %d steps, rapid shrank it to %d (seed %d)",
			c.variant.Name, f.Property, res.RunsToFailure, long, short, res.Seed)

		again, err := NewSimulation(sys, SimOptions{Properties: props})
		if err != nil {
			t.Fatal(err)
		}
		rerun, err := RunSimulation(again, 1, res.Seed)
		if err != nil || rerun.Failure == nil || len(rerun.Failure.Trace.Steps) != short || rerun.Failure.Property != f.Property {
			t.Errorf("%s: seed %d does not reproduce the failure: %v %+v", c.variant.Name, res.Seed, err, rerun.Failure)
		}
		checkMinimized(t, c.variant.Name, sys, sim, f)
	}
}

// checkMinimized: leaving out the steps a failure does not need keeps a
// real path that violates the same property, in which no fault can be
// left out, and its schedule replays it exactly.
func checkMinimized(t *testing.T, name string, sys *model.System, sim *Simulation, f *SimFailure) {
	t.Helper()
	m := sim.Minimize(f)
	if m.Property != f.Property || len(m.Trace.Steps) > len(f.Trace.Steps) {
		t.Errorf("%s: minimized to %s in %d steps from %s in %d", name, m.Property, len(m.Trace.Steps), f.Property, len(f.Trace.Steps))
	}
	if err := sys.Replay(m.Trace.Start, m.Trace.Steps); err != nil {
		t.Errorf("%s: the minimized schedule is not a path of the model: %v", name, err)
	}
	for i, ps := range m.Trace.Steps {
		if faultRank(ps.Step) >= firstFaultRank && sim.without(m, i) != nil {
			t.Errorf("%s: step %d (%s) of the minimized schedule is not needed", name, i+1, sys.Describe(ps.Step))
		}
	}
	sc := sim.ScheduleOf(m)
	tr, g, err := sim.Replay(sc)
	if err != nil || g == nil || g.Property != m.Property || len(tr.Steps) != len(m.Trace.Steps) {
		t.Fatalf("%s: schedule %v does not replay the failure: %v", name, sc, err)
	}
	for i := range tr.Steps {
		if tr.Steps[i] != m.Trace.Steps[i] {
			t.Errorf("%s: the replayed schedule differs at step %d", name, i+1)
			break
		}
	}
	t.Logf("%s: %d steps once the needless ones are left out", name, len(m.Trace.Steps))
}

func builtin(t *testing.T, name string) *model.Variant {
	t.Helper()
	v, ok := model.Builtin(name)
	if !ok {
		t.Fatalf("no variant %s", name)
	}
	return v
}

func TestSimulationOptions(t *testing.T) {
	sys := deepSystem(t, model.RFC9293())
	if _, err := NewSimulation(sys, SimOptions{Properties: []string{"eventually-closed"}}); err == nil {
		t.Errorf("a liveness property is accepted")
	}
	if _, err := NewSimulation(sys, SimOptions{Properties: []string{"nonsense"}}); err == nil {
		t.Errorf("an unknown property is accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sim, _ := NewSimulation(sys, SimOptions{Context: ctx})
	res, err := RunSimulation(sim, 50, 1)
	if err != nil || res.Runs != 0 || res.Failure != nil {
		t.Errorf("cancelled: %v, %d runs", err, res.Runs)
	}
}
