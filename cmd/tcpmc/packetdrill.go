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

const packetdrillSynopsis = `tcpmc packetdrill [--variant NAME|FILE] [--define NAME,...] [--json] FILE...

Runs packetdrill scripts with a model endpoint as the stack under test:
each system call becomes a user call, each injected segment ("<") an
arrival, and each expected segment (">") must be what the model sends
(a retransmission timeout fires where the script waits for one). Prints,
per script, whether the model agrees, disagrees (the line, and what the
model did instead), is not applicable (the construct outside the model,
named) or cannot be read (the line and why; the others still run).
#ifdef NAME blocks are kept when NAME is given to --define (e.g.
STANDARD, FreeBSD, Linux). A script's sysctl lines set the knobs they
select on the variant (net.inet.tcp.drop_synfin=1: syn-fin drop;
net.ipv4.tcp_rfc1337=1: time-wait-rst ignore). Exit status 0 when no
script disagrees, 1 when one does, 2 when a script cannot be read.`

func runPacketdrill(args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("packetdrill", flag.ContinueOnError)
	variant := fs.String("variant", "rfc9293", "the `variant` whose endpoint runs the scripts")
	asJSON := fs.Bool("json", false, "print one JSON object per script, in a list")
	var defines listFlag
	fs.Var(&defines, "define", "comma-separated `names` for which #ifdef blocks are kept, e.g. STANDARD or FreeBSD; repeatable")
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
	// A file that cannot be opened is a mistake on the command line: it
	// stops everything before anything runs. A script that cannot be read
	// is one result among the others.
	for _, name := range fs.Args() {
		if st, err := os.Stat(name); err != nil {
			return 0, usagef("packetdrill: %s: %v", name, unwrapPath(err))
		} else if st.Mode().IsRegular() {
			f, err := os.Open(name)
			if err != nil {
				return 0, usagef("packetdrill: %s: %v", name, unwrapPath(err))
			}
			f.Close()
		}
	}
	defined := map[string]bool{}
	for _, d := range defines.list() {
		defined[d] = true
	}
	var results []conform.ScriptResult
	var unreadable []string
	stopped := ""
	why := func() string {
		if errors.Is(context.Cause(ctx), errPacketdrillTimeout) {
			return "time limit"
		}
		return "interrupted"
	}
	for _, name := range fs.Args() {
		if ctx.Err() != nil {
			stopped = why()
			break
		}
		f, err := openInput(ctx, name, conform.MaxScriptBytes)
		if err != nil && ctx.Err() != nil {
			stopped = why() // waiting for a FIFO's writer
			break
		} else if err != nil {
			return 0, usagef("packetdrill: %s: %v", name, err)
		}
		s, err := conform.ParseDefined(name, f, defined)
		f.Close()
		var se *conform.SyntaxError
		if errors.As(err, &se) {
			results = append(results, conform.ScriptResult{File: name, Verdict: conform.Unreadable, Line: se.Line, Reason: se.Msg})
			unreadable = append(unreadable, err.Error())
			continue
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
	if len(unreadable) > 0 {
		more := ""
		if len(unreadable) > 1 {
			more = fmt.Sprintf(" (and %d more script%s that cannot be read)", len(unreadable)-1, plural(len(unreadable)-1))
		}
		return 0, usagef("packetdrill: %s%s", unreadable[0], more)
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
		if r.Verdict != conform.Agrees && r.Line == 0 {
			line += ": " + r.Reason
		} else if r.Verdict != conform.Agrees {
			line += fmt.Sprintf(" (line %d): %s", r.Line, r.Reason)
		} else if r.ToleratedACKs > 0 {
			line += fmt.Sprintf(" (%d ACK%s the script does not expect: delayed or merged by the stack)", r.ToleratedACKs, plural(r.ToleratedACKs))
		}
		if len(r.Knobs) > 0 {
			line += " [" + strings.Join(r.Knobs, "; ") + "]"
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	unreadable := ""
	if n := counts[conform.Unreadable]; n > 0 {
		unreadable = fmt.Sprintf(", %d unreadable", n)
	}
	fmt.Fprintf(w, "\n%d script%s: %d agree, %d disagree, %d not applicable%s\n", len(results), plural(len(results)),
		counts[conform.Agrees], counts[conform.Disagrees], counts[conform.NotApplicable], unreadable)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
