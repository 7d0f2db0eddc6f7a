package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tcpmc/tcpmc/properties/conform"
)

const packetdrillSynopsis = `tcpmc packetdrill [--variant NAME|FILE] [--json] FILE...

Runs packetdrill scripts with a model endpoint as the stack under test:
each system call becomes a user call, each injected segment ("<") an
arrival, and each expected segment (">") must be what the model sends
(a retransmission timeout fires where the script waits for one). Prints,
per script, whether the model agrees, disagrees (the line, and what the
model did instead), or the script is not applicable (the construct outside
the model, named). Exit status 0 when no script disagrees, 1 when one
does, 2 for a script that cannot be read.`

func runPacketdrill(args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("packetdrill", flag.ContinueOnError)
	variant := fs.String("variant", "rfc9293", "the `variant` whose endpoint runs the scripts")
	asJSON := fs.Bool("json", false, "print one JSON object per script, in a list")
	timeout := fs.Duration("timeout", 0, "stop after this long, e.g. 30s, and print the scripts run (0: no limit)")
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fmt.Fprintf(stdout, "usage: %s\n\nflags:\n", packetdrillSynopsis)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return exitHolds, nil
		}
		return 0, usagef("packetdrill: %v (see tcpmc packetdrill -h)", err)
	}
	if fs.NArg() == 0 {
		return 0, usagef("packetdrill: give one or more script files")
	}
	if *timeout < 0 {
		return 0, usagef("packetdrill: --timeout cannot be negative")
	}
	v, err := loadVariant(*variant)
	if err != nil {
		return 0, err
	}
	// A script is at most a few megabytes and runs in time linear in its
	// length: stopping between scripts stops within a second.
	ctx, stop := interruptible()
	defer stop()
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, *timeout, errPacketdrillTimeout)
		defer cancel()
	}
	var results []conform.ScriptResult
	stopped := ""
	for _, name := range fs.Args() {
		if ctx.Err() != nil {
			stopped = "interrupted"
			if errors.Is(context.Cause(ctx), errPacketdrillTimeout) {
				stopped = "time limit"
			}
			break
		}
		f, err := os.Open(name)
		if err != nil {
			return 0, usagef("packetdrill: %s: %v", name, unwrapPath(err))
		}
		s, err := conform.Parse(name, f)
		f.Close()
		var se *conform.SyntaxError
		if errors.As(err, &se) {
			return 0, usageError{err.Error()}
		} else if err != nil {
			return 0, err
		}
		results = append(results, conform.RunScript(s, v))
	}
	if *asJSON {
		out, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return 0, err
		}
		fmt.Fprintln(stdout, string(out))
	} else {
		printScripts(stdout, results)
		if stopped != "" {
			fmt.Fprintf(stdout, "stopped (%s): %d script%s not run\n", stopped, fs.NArg()-len(results), plural(fs.NArg()-len(results)))
		}
	}
	for _, r := range results {
		if r.Verdict == conform.Disagrees {
			return exitViolated, nil
		}
	}
	if stopped != "" {
		return exitLimit, nil
	}
	return exitHolds, nil
}

var errPacketdrillTimeout = errors.New("time limit")

func printScripts(w io.Writer, results []conform.ScriptResult) {
	counts := map[conform.Verdict]int{}
	width := 0
	for _, r := range results {
		width = max(width, len(r.File))
	}
	for _, r := range results {
		counts[r.Verdict]++
		line := fmt.Sprintf("%-*s  %s", width, r.File, r.Verdict)
		if r.Verdict != conform.Agrees {
			line += fmt.Sprintf(" (line %d): %s", r.Line, r.Reason)
		} else if r.ToleratedACKs > 0 {
			line += fmt.Sprintf(" (%d ACK%s the script does not expect: delayed or merged by the stack)", r.ToleratedACKs, plural(r.ToleratedACKs))
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	fmt.Fprintf(w, "\n%d script%s: %d agree, %d disagree, %d not applicable\n", len(results), plural(len(results)),
		counts[conform.Agrees], counts[conform.Disagrees], counts[conform.NotApplicable])
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
