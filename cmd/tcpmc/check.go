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
	"strconv"
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
		props     listFlag
		maxStates = fs.Uint64("max-states", 0, "stop after this many states (0: no limit)")
		maxDepth  = fs.Int("max-depth", 0, "do not explore beyond this depth (0: no limit)")
		timeout   = fs.Duration("timeout", 0, "stop after this long, e.g. 30s or 5m (0: no limit)")
		maxMem    = fs.String("max-memory", "", "stop before the Go heap grows past this, e.g. 4GiB; 0: no limit (default: a share of what the process may use: cgroup limit, ulimit -v and -d, physical memory)")
		workers   = fs.Int("workers", 0, "parallel workers (0: one per CPU)")
		exact     = fs.Bool("exact", false, "store whole states instead of 62-bit fingerprints (no collision risk, more memory)")
		asJSON    = fs.Bool("json", false, "print one JSON object instead of the table")
		quiet     = fs.Bool("quiet", false, "no progress line")
		outDir    = fs.String("out", "", "write each counterexample as a sequence chart, `DIR`/VARIANT-PROPERTY.dot and .svg")
		outFormat = fs.String("out-format", "svg,dot", "the `formats` written by -out: any of svg, png, dot, and packetdrill (a script for each side)")
		htmlOut   = fs.String("html", "", "also write the report as one self-contained HTML page, `FILE`.html, to step through each counterexample")
		expected  = fs.Bool("expected", false, "exit 0 when every verdict is the one the variant states (a property it states nothing about must hold), 1 when one differs: for CI of a weak variant")
	)
	fs.Var(&props, "property", "comma-separated `properties` to check, or the flag repeated (default: all)")
	var user userPropertyFlags
	user.register(fs)
	coverage := fs.Bool("coverage", false, "count, for every rule, the transitions of the explored state space that fired it, and list the rules that never fired")
	suite := fs.Bool("suite", false, "check the variant in every configuration of the standard suite (see the README): exit 0 when it violates nothing rfc9293 holds there (or only what its own expect: says), 1 otherwise")
	if helped, err := parseFlags(fs, args, stdout, checkSynopsis+propertyHelp(true)+checkExits); helped || err != nil {
		return exitHolds, err
	}
	if user.err != nil {
		return 0, usageError{user.err.Error()}
	}
	for _, f := range []struct {
		name  string
		value int64
	}{{"max-depth", int64(*maxDepth)}, {"workers", int64(*workers)}, {"timeout", int64(*timeout)}} {
		if f.value < 0 {
			return 0, usagef("check: -%s cannot be negative", f.name)
		}
	}
	v, cfg, err := cf.model()
	if err != nil {
		return 0, err
	}
	formats, err := parseFormats(*outFormat)
	if err != nil {
		return 0, err
	}
	if err := outFormatNeedsOut(fs, *outDir); err != nil {
		return 0, err
	}
	if *outDir != "" {
		if err := checkOutDir("--out", *outDir); err != nil {
			return 0, err
		}
	}
	if *htmlOut != "" {
		if err := checkOutFile("--html", *htmlOut); err != nil {
			return 0, err
		}
	}
	sys, err := model.NewSystem(v, cfg)
	if err != nil {
		return 0, usageError{err.Error()}
	}
	opts := properties.Options{Workers: *workers, MaxStates: *maxStates, MaxDepth: *maxDepth, MaxTime: *timeout, Exact: *exact,
		Coverage: *coverage, Extra: user.specs}
	opts.Properties = props.list()
	if _, err := properties.Selected(sys, opts); err != nil {
		return 0, usageError{err.Error()}
	}
	if opts.MaxMemory, err = memoryLimitFlag(*maxMem, stderr); err != nil {
		return 0, err
	}
	if opts.MaxMemory > 0 {
		// Let the garbage collector work harder before the limit rather
		// than let the heap grow past it.
		debug.SetMemoryLimit(int64(opts.MaxMemory - opts.MaxMemory/10))
	}

	ctx, stop := interruptible()
	defer stop()
	var prog *progressLine
	if !*asJSON && !*quiet && isTerminal(stderr) {
		prog = &progressLine{w: stderr}
		opts.Progress, opts.LivenessProgress = prog.safety, prog.liveness
		if !*suite {
			// Say what is being checked while it runs.
			fmt.Fprintf(stderr, "checking %s: %s\n", v.Name, describeConfig(cfg))
		}
	}
	if *suite {
		if *outDir != "" || *expected {
			return 0, usagef("check: --suite states its own expectations and draws no charts: give neither --out nor --expected with it")
		}
		if set := cf.settingsGiven(); len(set) > 0 {
			return 0, usagef("check: --suite chooses its own configurations: -%s cannot be given with it", set[0])
		}
		return checkSuite(ctx, v, opts, *asJSON, prog, stdout, stderr)
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
		printReport(stdout, rep, *expected)
	}
	if *htmlOut != "" {
		if err := writeHTMLReport("--html", *htmlOut, rep); err != nil {
			return 0, err
		}
	}
	code := checkExit(rep, *expected)
	if *outDir != "" {
		if err := writeCharts(*outDir, formats, rep, stderr); err != nil {
			return code, err
		}
	}
	return code, nil
}

// checkExit is the exit status of a check: by the verdicts, or with
// --expected by whether they are the ones the variant states.
func checkExit(rep *properties.Report, expected bool) int {
	if expected {
		known := true
		for _, r := range rep.Results {
			known = known && r.Verdict != properties.Unknown
		}
		switch {
		case rep.AsExpected():
			return exitHolds
		case !known && rep.AsExpectedWhereKnown():
			return exitLimit
		}
		return exitViolated
	}
	switch {
	case rep.Violated():
		return exitViolated
	case !rep.Complete && !decided(rep):
		return exitLimit
	}
	return exitHolds
}

// decided: every property has its verdict, as when a search stops early
// because every witness it looked for is found.
func decided(rep *properties.Report) bool {
	for _, r := range rep.Results {
		if r.Verdict == properties.Unknown {
			return false
		}
	}
	return true
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
	crash := strconv.Itoa(c.Crash)
	switch c.CrashOnly {
	case model.CrashClient, model.CrashServer:
		host := model.SideName(c.Open, model.Side(c.CrashOnly-model.CrashClient))
		if host == "client" || host == "server" {
			host = "the " + host
		}
		crash = "1 of " + host
	}
	faults := fmt.Sprintf("loss %d, dup %d, reorder %d, crash %s", c.Loss, c.Dup, c.Reorder, crash)
	if c.Unordered {
		faults = fmt.Sprintf("loss %d, dup %d, crash %s", c.Loss, c.Dup, crash)
	}
	if a := c.AttackString(); a != "" {
		faults += ", " + a
	}
	return fmt.Sprintf("open %s, close %s first, data %d,%d, abort %s, incarnations %d%s; "+
		"%s; %s network of %d segments; seq space %d, window %d, retries %s, %s ISN",
		c.Open, c.Close, c.Data[0], c.Data[1], abort, c.Incarnations, applicationsExtra(c),
		faults, network, c.Capacity, c.SeqSpace, c.Window, model.RetriesString(c.RetryLimit), c.ISN)
}

// printReport writes the report as a table. The EXPECTED column shows
// what the variant states, and "holds" where it states nothing (what
// --expected requires); every verdict that differs is marked and named.
func printReport(w io.Writer, rep *properties.Report, expected bool) {
	fmt.Fprintf(w, "variant %s: %s\n", rep.Variant, describeConfig(rep.Config))
	if sf := rep.Safety; sf != nil {
		status := "complete"
		switch {
		case sf.Stopped == explore.AllViolated && hasReachable(rep):
			status = "stopped early: every safety property checked is violated or its witness found"
		case sf.Stopped == explore.AllViolated:
			status = "stopped early: every safety property checked is violated"
		case !sf.Complete:
			status = "stopped: " + string(sf.Stopped)
		}
		fmt.Fprintf(w, "safety: %s states, %s transitions, depth %d, %.2fs (%s)\n",
			commas(sf.States), commas(sf.Transitions), sf.Depth, sf.Elapsed.Seconds(), status)
		mem := fmt.Sprintf("visited states and parent links: %.1f MiB (%.1f bytes/state)",
			mib(sf.VisitedBytes+sf.TraceBytes), sf.BytesPerState())
		if sf.BytesPerState() > 1000 {
			// A small search does not fill the visited set's first table.
			mem = fmt.Sprintf("visited states and parent links: %.1f MiB (the visited set's initial table)", mib(sf.VisitedBytes+sf.TraceBytes))
		}
		if sf.Exact {
			mem += ", exact"
		} else {
			mem += fmt.Sprintf(", fingerprint collision chance %.0e", sf.CollisionProbability)
		}
		fmt.Fprintf(w, "        %s; Go heap peak %.0f MiB\n", mem, mib(sf.PeakHeap))
	}
	if l := rep.Liveness; l != nil {
		switch {
		case l.Stopped == explore.DepthLimit && l.States == 0:
			fmt.Fprintf(w, "liveness: not checked: a depth limit would leave the state graph incomplete\n")
		default:
			status := "complete"
			if !l.Complete {
				status = "stopped: " + string(l.Stopped)
			}
			fmt.Fprintf(w, "liveness: state graph of %s states and %s edges, depth %d, %.2fs (%s)\n",
				commas(l.States), commas(l.Edges), l.Depth, l.Elapsed.Seconds(), status)
			fmt.Fprintf(w, "        graph %.1f MiB; Go heap peak %.0f MiB\n", mib(l.Bytes), mib(l.PeakHeap))
		}
	}
	fmt.Fprintln(w)
	v := rep.System().Variant()
	showExpected := expected || len(v.Expect) > 0
	nameW, kindW := 22, 8
	for _, r := range rep.Results {
		nameW, kindW = max(nameW, len(r.Property.Name)+1), max(kindW, len(r.Property.Kind))
	}
	if showExpected {
		fmt.Fprintf(w, "%-*s %-*s %-9s %s\n", nameW, "PROPERTY", kindW, "KIND", "VERDICT", "EXPECTED")
	} else {
		fmt.Fprintf(w, "%-*s %-*s %s\n", nameW, "PROPERTY", kindW, "KIND", "VERDICT")
	}
	var surprises []string
	stated := false // a surprise in what the variant states (not the user's own properties)
	for _, r := range rep.Results {
		line := fmt.Sprintf("%-*s %-*s %-9s", nameW, r.Property.Name, kindW, r.Property.Kind, r.Verdict)
		if showExpected {
			want, _, as := properties.Compare(v, r.Property.Name, r.Verdict)
			line += " " + string(want)
			if r.Verdict != properties.Unknown && !as {
				line += "  <- not as expected"
				surprises = append(surprises, r.Property.Name)
				stated = stated || !r.Property.User()
			}
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	if len(surprises) > 0 {
		fmt.Fprintf(w, "not as expected: %s\n", strings.Join(surprises, ", "))
	}
	if stated && !sameConfig(rep.Config, v.Config) {
		fmt.Fprintf(w, "(expectations are stated for the variant's own configuration; flags changed it)\n")
	}
	if rep.Coverage != nil {
		printCoverage(w, rep.Coverage)
	}
	for _, r := range rep.Results {
		switch {
		case r.Counterexample != nil:
			fmt.Fprintf(w, "\n%s violated: %s\n", r.Property.Name, r.Property.Description)
			if line := attackLine(rep.Config, r); line != "" {
				fmt.Fprintln(w, line)
			}
			fmt.Fprintf(w, "shortest counterexample, %d steps:\n\n", len(r.Counterexample.Steps))
			fmt.Fprint(w, properties.Chart(rep.System(), r.Counterexample))
		case r.Witness != nil:
			fmt.Fprintf(w, "\n%s is reachable: %s\n", r.Property.Name, r.Property.Description)
			fmt.Fprintf(w, "shortest witness, %d steps:\n\n", len(r.Witness.Steps))
			fmt.Fprint(w, properties.Chart(rep.System(), r.Witness))
		case r.Property.Kind == properties.Reachable && r.Verdict == properties.Violated && r.Property.User():
			fmt.Fprintf(w, "\n%s is not reachable: no reachable state satisfies %s\n", r.Property.Name, r.Property.Description)
		case r.Property.Kind == properties.Reachable && r.Verdict == properties.Violated:
			fmt.Fprintf(w, "\n%s violated: no run does what it looks for: %s\n", r.Property.Name, r.Property.Description)
		}
	}
	if !rep.Complete && rep.Stopped != explore.AllViolated && rep.Stopped != explore.Finished {
		fmt.Fprintf(w, "\nthe search stopped (%s) before covering the state space: \"unknown\" means no violation was found in the part explored\n", rep.Stopped)
	}
}

func sameConfig(a, b model.Config) bool { return a == b }

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

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
	phase      string
	lastStates uint64
	lastTime   time.Duration
	shown      bool
}

func (p *progressLine) safety(pr explore.Progress)   { p.update("safety", pr) }
func (p *progressLine) liveness(pr explore.Progress) { p.update("liveness graph", pr) }

func (p *progressLine) update(phase string, pr explore.Progress) {
	if phase != p.phase {
		p.phase, p.lastStates, p.lastTime = phase, 0, 0
	}
	rate := 0.0
	if dt := (pr.Elapsed - p.lastTime).Seconds(); dt > 0 {
		rate = float64(pr.States-p.lastStates) / dt
	}
	p.lastStates, p.lastTime = pr.States, pr.Elapsed
	fmt.Fprintf(p.w, "\r\033[K%s: %s states  %s states/s  queue %s  depth %d  %.1fs",
		phase, commas(pr.States), commas(uint64(rate)), commas(uint64(pr.Queue)), pr.Depth, pr.Elapsed.Seconds())
	p.shown = true
}

func (p *progressLine) clear() {
	if p != nil && p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// interruptible is a context cancelled by the first Ctrl-C or SIGTERM; a
// second one kills the process as usual.
func interruptible() (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx, stop
}
