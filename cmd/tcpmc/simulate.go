package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tcpmc/tcpmc/graphviz"
	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

const simulateSynopsis = `tcpmc simulate [flags]

Runs random schedules of the variant far deeper than the exhaustive search
can go (which step fires, which segment is delivered, lost, duplicated or
reordered, when a host crashes), checks the safety properties at every step
and the byte stream with porcupine at the end of each run, and shrinks the
first failing schedule with rapid to a short one. Finding nothing is not a
proof: it says how many runs found nothing. The model flags are those of
tcpmc check.`

func runSimulate(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	var cf configFlags
	cf.register(fs)
	var props listFlag
	var (
		runs      = fs.Int("runs", 200, "random schedules to try")
		depth     = fs.Int("depth", properties.DefaultDepth, "the most steps a schedule takes")
		seed      = fs.Uint64("seed", 0, "the first run's seed (0: a random one); a failure prints the seed that reproduces it")
		timeout   = fs.Duration("timeout", 0, "stop starting runs after this long, e.g. 30s (0: no limit)")
		outDir    = fs.String("out", "", "write the shrunk schedule's chart, and porcupine's view of a broken stream, to `DIR`")
		outFormat = fs.String("out-format", "svg,dot", "the `formats` of the chart written by -out: any of svg, png, dot, and packetdrill (a script for each side)")
		quiet     = fs.Bool("quiet", false, "no progress line")
		replay    = fs.String("replay", "", "replay this `schedule` (the choices a failure prints to reproduce it) instead of drawing random ones")
	)
	fs.Var(&props, "property", "comma-separated safety `properties` to check, or the flag repeated (default: all safety properties)")
	if helped, err := parseFlags(fs, args, stdout, simulateSynopsis+propertyHelp(false)+simulateExits); helped || err != nil {
		return exitHolds, err
	}
	switch {
	case *runs < 1:
		return 0, usagef("simulate: -runs must be at least 1")
	case *depth < 1:
		return 0, usagef("simulate: -depth must be at least 1")
	case *timeout < 0:
		return 0, usagef("simulate: -timeout cannot be negative")
	}
	v, cfg, err := cf.model()
	if err != nil {
		return 0, err
	}
	if err := outFormatNeedsOut(fs, *outDir); err != nil {
		return 0, err
	}
	formats, err := parseFormats(*outFormat)
	if err != nil {
		return 0, err
	}
	sys, err := model.NewSystem(v, cfg)
	if err != nil {
		return 0, usageError{err.Error()}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if *timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	sim, err := properties.NewSimulation(sys, properties.SimOptions{Depth: *depth, Properties: props.list(), Context: ctx})
	if err != nil {
		return 0, usageError{err.Error()}
	}

	if *replay != "" {
		return replaySchedule(stdout, stderr, sim, *replay, *outDir, formats)
	}
	start := time.Now()
	var progress *simProgress
	if !*quiet && isTerminal(stderr) {
		fmt.Fprintf(stderr, "simulating %s: %s\n", v.Name, describeConfig(cfg))
		progress = startSimProgress(stderr, sim, start)
	}
	defer progress.stop()
	finished := make(chan struct{})
	defer close(finished)
	go interruptions(cancel, finished, func() {
		// A second Ctrl-C: say what was done, then exit as Ctrl-C does.
		progress.stop()
		fmt.Fprintf(stdout, "variant %s: %s\n%s random schedules (%s steps in all), %.2fs: interrupted twice%s\n",
			v.Name, describeConfig(cfg), commas(uint64(sim.Runs())), commas(uint64(sim.Steps())), time.Since(start).Seconds(), pendingFailure(sim))
		exitNow(exitLimit)
	})
	res, err := properties.RunSimulation(sim, *runs, *seed)
	progress.stop() // before the report, so that it starts on a line of its own
	if err != nil {
		return 0, err
	}
	elapsed := time.Since(start)

	fmt.Fprintf(stdout, "variant %s: %s\n", v.Name, describeConfig(cfg))
	f := res.Failure
	if f == nil {
		status := "no violation found"
		code := exitHolds
		if ctx.Err() != nil {
			status, code = "stopped ("+stopReason(ctx)+") before the runs were done; no violation found", exitLimit
		}
		fmt.Fprintf(stdout, "%s random schedules of at most %d steps (%s steps in all), %.2fs: %s\n",
			commas(uint64(res.Runs)), *depth, commas(uint64(res.Steps)), elapsed.Seconds(), status)
		return code, nil
	}
	shrunk := len(f.Trace.Steps)
	f = sim.Minimize(f)
	fmt.Fprintf(stdout, "%s violated in run %d of at most %d steps; rapid shrank the schedule from %d to %d steps",
		f.Property, res.RunsToFailure, *depth, len(res.Original.Trace.Steps), shrunk)
	if len(f.Trace.Steps) < shrunk {
		fmt.Fprintf(stdout, ", and leaving out the steps the violation does not need to %d", len(f.Trace.Steps))
	}
	fmt.Fprintf(stdout, " (%.2fs)\n\n", time.Since(start).Seconds())
	fmt.Fprint(stdout, sim.Describe(f))
	fmt.Fprintf(stdout, "\nreproduce: tcpmc simulate %s\n", reproduceArgs(args, sim.ScheduleOf(f)))
	if *outDir != "" {
		if err := writeSimulation(*outDir, formats, sys, f, stderr); err != nil {
			return 0, err
		}
	}
	return exitViolated, nil
}

// Signals and exits, replaced by the tests.
var (
	notifySignals = func(c chan<- os.Signal) func() {
		signal.Notify(c, os.Interrupt, syscall.SIGTERM)
		return func() { signal.Stop(c) }
	}
	exitNow = os.Exit
)

// interruptions cancels the simulation on the first Ctrl-C (or SIGTERM)
// and calls again on the second, until finished.
func interruptions(cancel func(), finished <-chan struct{}, again func()) {
	sigs := make(chan os.Signal, 2)
	stop := notifySignals(sigs)
	defer stop()
	for n := 0; ; n++ {
		select {
		case <-finished:
			return
		case <-sigs:
			if n == 0 {
				cancel()
				continue
			}
			again()
			return
		}
	}
}

// pendingFailure says that a failure was found but not yet reported.
func pendingFailure(sim *properties.Simulation) string {
	if sim.Failed() {
		return "; a violation was found and was being shrunk: run again with a timeout to see it"
	}
	return "; no violation found"
}

// simProgress rewrites one line on stderr with the runs so far.
type simProgress struct {
	done    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

func startSimProgress(w io.Writer, sim *properties.Simulation, start time.Time) *simProgress {
	p := &simProgress{done: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(p.stopped)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.done:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-tick.C:
				fmt.Fprintf(w, "\r\033[K%s runs  %s steps  %.1fs", commas(uint64(sim.Runs())), commas(uint64(sim.Steps())), time.Since(start).Seconds())
			}
		}
	}()
	return p
}

// stop clears the line and waits until it is cleared.
func (p *simProgress) stop() {
	if p == nil {
		return
	}
	p.once.Do(func() { close(p.done) })
	<-p.stopped
}

func stopReason(ctx context.Context) string {
	if ctx.Err() == context.DeadlineExceeded {
		return "time limit"
	}
	return "interrupted"
}

// reproduceArgs are the command's arguments with the failing schedule to
// replay instead of the runs to draw.
func reproduceArgs(args []string, sc properties.Schedule) string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := strings.TrimLeft(args[i], "-")
		name, _, hasValue := strings.Cut(a, "=")
		switch name {
		case "seed", "runs", "replay", "timeout", "out", "out-format":
			if !hasValue {
				i++ // skip the value
			}
			continue
		case "quiet":
			continue
		}
		out = append(out, args[i])
	}
	out = append(out, "--replay", sc.String())
	return strings.Join(out, " ")
}

// replaySchedule runs one schedule and reports as a failing run does.
func replaySchedule(stdout, stderr io.Writer, sim *properties.Simulation, schedule, outDir string, formats []graphviz.Format) (int, error) {
	sc, err := properties.ParseSchedule(schedule)
	if err != nil {
		return 0, usagef("-replay: %v", err)
	}
	tr, f, err := sim.Replay(sc)
	if err != nil {
		return 0, usagef("-replay: %v", err)
	}
	sys := sim.System()
	fmt.Fprintf(stdout, "variant %s: %s\n", sys.Variant().Name, describeConfig(sys.Config()))
	if f == nil {
		fmt.Fprintf(stdout, "the schedule of %d steps violates no property\n", len(tr.Steps))
		return exitHolds, nil
	}
	fmt.Fprintf(stdout, "%s violated by the schedule replayed\n\n", f.Property)
	fmt.Fprint(stdout, sim.Describe(f))
	if outDir != "" {
		if err := writeSimulation(outDir, formats, sys, f, stderr); err != nil {
			return 0, err
		}
	}
	return exitViolated, nil
}

// writeSimulation writes the shrunk schedule's chart and, for a broken
// stream, porcupine's visualisation.
func writeSimulation(dir string, formats []graphviz.Format, sys *model.System, f *properties.SimFailure, w io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usagef("-out: %v", err)
	}
	base := filepath.Join(dir, unsafeName.ReplaceAllString(sys.Variant().Name, "_")+"-"+f.Property+"-random")
	title := fmt.Sprintf("%s: %s violated (random schedule shrunk by rapid, %d steps)", sys.Variant().Name, f.Property, len(f.Trace.Steps))
	chart := graphviz.NewChart(sys, f.Trace, title).MarkViolation(f.Property)
	if err := writeTrace(base, formats, sys, f.Trace, chart, w); err != nil {
		return err
	}
	stream := f.Stream
	if stream == nil {
		if res := properties.CheckStream(properties.ModelStreamHistory(sys, f.Trace)); res.Verdict == properties.Violated {
			stream = &res
		}
	}
	if stream != nil {
		path := base + "-stream.html"
		if err := writeHTML(path, *stream); err != nil {
			return err
		}
		fmt.Fprintf(w, "tcpmc: wrote %s\n", path)
	}
	return nil
}
