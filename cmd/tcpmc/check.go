package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/tcpmc/tcpmc/explore"
	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

const checkSynopsis = "tcpmc check [flags]\n\nExplores every interleaving of the variant under the fault budget breadth-first,\nchecks the safety properties on every state and transition and the liveness\nproperties on the state graph under fairness, and prints the shortest\ncounterexample of each violation (a lasso for liveness)."

func runCheck(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	var cf configFlags
	cf.register(fs)
	var (
		props     = fs.String("property", "", "comma-separated `properties` to check (default: all)")
		maxStates = fs.Uint64("max-states", 0, "stop after this many states (0: no limit)")
		maxDepth  = fs.Int("max-depth", 0, "do not explore beyond this depth (0: no limit)")
		timeout   = fs.Duration("timeout", 0, "stop after this long, e.g. 30s or 5m (0: no limit)")
		maxMem    = fs.String("max-memory", "", "stop before the search holds this much memory, e.g. 4GiB (default: half the machine's memory)")
		workers   = fs.Int("workers", 0, "parallel workers (0: one per CPU)")
		exact     = fs.Bool("exact", false, "store whole states instead of 62-bit fingerprints (no collision risk, more memory)")
		asJSON    = fs.Bool("json", false, "print one JSON object instead of the table")
		quiet     = fs.Bool("quiet", false, "no progress line")
		outDir    = fs.String("out", "", "write each counterexample as a sequence chart, `DIR`/VARIANT-PROPERTY.dot and .svg")
	)
	if helped, err := parseFlags(fs, args, stdout, checkSynopsis); helped || err != nil {
		return exitHolds, err
	}
	if *maxDepth < 0 || *workers < 0 || *timeout < 0 {
		return 0, usagef("check: -max-depth, -workers and -timeout cannot be negative")
	}
	v, cfg, err := cf.model()
	if err != nil {
		return 0, err
	}
	sys, err := model.NewSystem(v, cfg)
	if err != nil {
		return 0, usageError{err.Error()}
	}
	opts := properties.Options{Workers: *workers, MaxStates: *maxStates, MaxDepth: *maxDepth, MaxTime: *timeout, Exact: *exact}
	if *props != "" {
		opts.Properties = strings.Split(*props, ",")
	}
	if _, err := properties.Select(opts.Properties); err != nil {
		return 0, usageError{err.Error()}
	}
	if *maxMem != "" {
		if opts.MaxMemory, err = parseSize(*maxMem); err != nil {
			return 0, usagef("-max-memory: %v", err)
		}
	} else {
		opts.MaxMemory = defaultMemoryLimit()
	}
	// Let the garbage collector work harder before the limit rather than
	// let the process grow past it.
	debug.SetMemoryLimit(int64(opts.MaxMemory + opts.MaxMemory/4))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills the process as usual
	}()
	var prog *progressLine
	if !*asJSON && !*quiet && isTerminal(stderr) {
		prog = &progressLine{w: stderr}
		opts.Progress = prog.update
	}
	rep, err := properties.Check(ctx, sys, opts)
	if err != nil {
		return 0, usageError{err.Error()}
	}
	prog.clear()

	if *asJSON {
		out, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return 0, err
		}
		fmt.Fprintln(stdout, string(out))
	} else {
		printReport(stdout, rep)
	}
	if *outDir != "" {
		if err := writeCharts(*outDir, rep, stderr); err != nil {
			return 0, err
		}
	}
	switch {
	case rep.Violated():
		return exitViolated, nil
	case !rep.Complete:
		return exitLimit, nil
	}
	return exitHolds, nil
}

func describeConfig(c model.Config) string {
	network := "fifo"
	if c.Unordered {
		network = "unordered"
	}
	abort := "none"
	switch c.Abort {
	case [2]bool{true, false}:
		abort = model.SideName(c.Open, model.A)
	case [2]bool{false, true}:
		abort = model.SideName(c.Open, model.B)
	case [2]bool{true, true}:
		abort = "both"
	}
	faults := fmt.Sprintf("loss %d, dup %d, reorder %d, crash %d", c.Loss, c.Dup, c.Reorder, c.Crash)
	if c.Unordered {
		faults = fmt.Sprintf("loss %d, dup %d, crash %d", c.Loss, c.Dup, c.Crash)
	}
	return fmt.Sprintf("open %s, close %s first, data %d,%d, abort %s, incarnations %d; "+
		"%s; %s network of %d segments; seq space %d, window %d, retries %s, %s ISN",
		c.Open, c.Close, c.Data[0], c.Data[1], abort, c.Incarnations,
		faults, network, c.Capacity, c.SeqSpace, c.Window, model.RetriesString(c.RetryLimit), c.ISN)
}

func printReport(w io.Writer, rep *properties.Report) {
	fmt.Fprintf(w, "variant %s: %s\n", rep.Variant, describeConfig(rep.Config))
	status := "complete"
	if !rep.Complete {
		status = "stopped: " + string(rep.Stopped)
		if rep.Stopped == explore.AllViolated {
			status = "stopped early: every property checked is violated"
		}
	}
	fmt.Fprintf(w, "%s states, %s transitions, depth %d, %.2fs (%s)\n",
		commas(rep.States), commas(rep.Transitions), rep.Depth, rep.Elapsed.Seconds(), status)
	mem := fmt.Sprintf("visited states and parent links: %.1f MiB (%.1f bytes/state)",
		float64(rep.VisitedBytes+rep.TraceBytes)/(1<<20), rep.BytesPerState())
	if rep.BytesPerState() > 1000 {
		// A small search does not fill the visited set's first table.
		mem = fmt.Sprintf("visited states and parent links: %.1f MiB (the visited set's initial table)",
			float64(rep.VisitedBytes+rep.TraceBytes)/(1<<20))
	}
	if rep.Exact {
		mem += ", exact"
	} else {
		mem += fmt.Sprintf(", fingerprint collision chance %.0e", rep.CollisionProbability)
	}
	fmt.Fprintf(w, "%s\n", mem)
	if l := rep.Liveness; l != nil {
		status := "complete"
		if !l.Complete {
			status = "stopped: " + string(l.Stopped)
		}
		fmt.Fprintf(w, "liveness: state graph of %s states and %s edges, %.2fs (%s; %.1f MiB)\n",
			commas(l.States), commas(l.Edges), l.Elapsed.Seconds(), status, float64(l.Bytes)/(1<<20))
	}
	fmt.Fprintln(w)
	v := rep.System().Variant()
	if len(v.Expect) > 0 {
		fmt.Fprintf(w, "%-22s %-8s %-9s %s\n", "PROPERTY", "KIND", "VERDICT", "EXPECTED")
	} else {
		fmt.Fprintf(w, "%-22s %-8s %s\n", "PROPERTY", "KIND", "VERDICT")
	}
	surprises := 0
	for _, r := range rep.Results {
		line := fmt.Sprintf("%-22s %-8s %-9s", r.Property.Name, r.Property.Kind, r.Verdict)
		if e, ok := v.Expected(r.Property.Name); ok {
			line += " " + e.Verdict
			if r.Verdict != properties.Unknown && string(r.Verdict) != e.Verdict {
				line += "  <- not as expected"
				surprises++
			}
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	if surprises > 0 && !sameConfig(rep.Config, v.Config) {
		fmt.Fprintf(w, "(expectations are stated for the variant's own configuration; flags changed it)\n")
	}
	for _, r := range rep.Results {
		if r.Counterexample == nil {
			continue
		}
		fmt.Fprintf(w, "\n%s violated: %s\n", r.Property.Name, r.Property.Description)
		fmt.Fprintf(w, "shortest counterexample, %d steps:\n\n", len(r.Counterexample.Steps))
		fmt.Fprint(w, properties.Chart(rep.System(), r.Counterexample))
	}
	if !rep.Complete && rep.Stopped != explore.AllViolated && rep.Stopped != explore.Finished {
		fmt.Fprintf(w, "\nthe search stopped (%s) before covering the state space: \"unknown\" means no violation was found in the part explored\n", rep.Stopped)
	}
}

func sameConfig(a, b model.Config) bool { return a == b }

// commas writes 1234567 as 1,234,567.
func commas(n uint64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// progressLine shows the search's progress on a terminal, rewriting one
// line on stderr.
type progressLine struct {
	w          io.Writer
	lastStates uint64
	lastTime   time.Duration
	shown      bool
}

func (p *progressLine) update(pr explore.Progress) {
	rate := 0.0
	if dt := (pr.Elapsed - p.lastTime).Seconds(); dt > 0 {
		rate = float64(pr.States-p.lastStates) / dt
	}
	p.lastStates, p.lastTime = pr.States, pr.Elapsed
	fmt.Fprintf(p.w, "\r\033[K%s states  %s states/s  queue %s  depth %d  %.1fs",
		commas(pr.States), commas(uint64(rate)), commas(uint64(pr.Queue)), pr.Depth, pr.Elapsed.Seconds())
	p.shown = true
}

func (p *progressLine) clear() {
	if p != nil && p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// defaultMemoryLimit is half the machine's memory, or 4 GiB when it cannot
// be read.
func defaultMemoryLimit() uint64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			var kb uint64
			if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil && kb > 0 {
				return kb * 1024 / 2
			}
		}
	}
	return 4 << 30
}
