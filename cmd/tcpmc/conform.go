package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/tcpmc/tcpmc/properties/conform"
)

const conformSynopsis = `tcpmc conform [--variant NAME|FILE] [--at ADDR] [--loss N] [--dup N] [--reorder N] [--brief] [--json] FILE...

Reads packet captures (pcap or pcapng), splits them into connections by
address and port pair, and decides for each whether the model can put its
segments on the wire in the order captured, allowing the faults the
capture implies (a segment lost, copied or retransmitted) and pure ACKs a
stack delays (by default at most one loss, one duplicate and one
reordering per connection). Sequence numbers are relative to each side's
ISN (x for the side that sent the first SYN, y for the other); each
segment of data is one octet of the model, so the charts count one per
segment, and a note under each chart maps them back; options are
ignored. Prints,
per connection, accepted with the sequence chart that explains it,
rejected with the first packet the model cannot send and what it could
send instead, or not applicable with the construct outside the model.
Exit status 0 when no connection is rejected, 1 when one is, 2 for a
capture that cannot be read.`

// maxCaptureBytes bounds a capture read from a FIFO or device, which is
// read whole (a regular file is streamed).
const maxCaptureBytes = 1 << 30

func runConform(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("conform", flag.ContinueOnError)
	variant := fs.String("variant", "rfc9293", "the `variant` whose endpoints must explain the captures")
	at := fs.String("at", "", "the `address` of the host the capture was taken on (default: anywhere between the ends)")
	brief := fs.Bool("brief", false, "print one line per connection, without charts")
	faults := conform.DefaultFaults
	fs.IntVar(&faults.Loss, "loss", faults.Loss, "losses an explanation may assume, per connection")
	fs.IntVar(&faults.Dup, "dup", faults.Dup, "duplicates an explanation may assume, per connection")
	fs.IntVar(&faults.Reorder, "reorder", faults.Reorder, "reorderings an explanation may assume, per connection")
	asJSON := fs.Bool("json", false, "print one JSON object per capture, in a list")
	timeout := fs.Duration("timeout", 0, "stop after this long, e.g. 30s or 5m, and print the connections checked (0: no limit)")
	maxMem := fs.String("max-memory", "", "stop before the Go heap grows past this, e.g. 4GiB; 0: no limit (default: a share of what the process may use)")
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fmt.Fprintf(stdout, "usage: %s\n\nflags:\n", conformSynopsis)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return exitHolds, nil
		}
		return 0, usagef("conform: %v (see tcpmc conform -h)", err)
	}
	if fs.NArg() == 0 {
		return 0, usagef("conform: give one or more capture files")
	}
	if *timeout < 0 {
		return 0, usagef("conform: --timeout cannot be negative")
	}
	opts := conform.WireOptions{Faults: faults, MaxTime: *timeout}
	var err error
	if opts.MaxMemory, err = memoryLimitFlag(*maxMem, stderr); err != nil {
		return 0, err
	}
	if faults.Loss < 0 || faults.Dup < 0 || faults.Reorder < 0 || faults.Loss > 255 || faults.Dup > 255 || faults.Reorder > 255 {
		return 0, usagef("conform: --loss, --dup and --reorder must be 0 to 255")
	}
	if *at != "" {
		addr, err := netip.ParseAddr(*at)
		if err != nil {
			return 0, usagef("conform: --at %q is not an IP address", *at)
		}
		opts.At = addr
	}
	v, err := loadVariant(*variant)
	if err != nil {
		return 0, err
	}
	ctx, stop := interruptible()
	defer stop()
	start := time.Now()
	var results []conform.CaptureResult
	readCtx := ctx
	if *timeout > 0 {
		var cancel context.CancelFunc
		readCtx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	unread := 0
	for i, name := range fs.Args() {
		f, err := openInput(readCtx, name, maxCaptureBytes)
		if err != nil && readCtx.Err() != nil && len(results) > 0 {
			unread = fs.NArg() - i // waiting for a FIFO's writer: report what was checked
			break
		} else if err != nil {
			return 0, usagef("conform: %s: %v", name, err)
		}
		c, err := conform.ReadCapture(name, f)
		f.Close()
		var ce *conform.CaptureError
		if errors.As(err, &ce) {
			return 0, usageError{err.Error()}
		} else if err != nil {
			return 0, err
		}
		if opts.MaxTime > 0 {
			// One budget for all the captures.
			opts.MaxTime = max(*timeout-time.Since(start), time.Millisecond)
		}
		r := conform.CheckCaptureContext(ctx, c, v, opts)
		results = append(results, r)
		if r.Stopped != "" {
			break
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return 0, err
		}
	} else {
		printCaptures(stdout, results, *brief, opts.At)
		if unread > 0 {
			fmt.Fprintf(stdout, "stopped while waiting for %s to be written: %d capture%s not read\n", fs.Arg(fs.NArg()-unread), unread, plural(unread))
		}
	}
	for _, r := range results {
		for _, c := range r.Connections {
			if c.Verdict == conform.Rejected {
				return exitViolated, nil
			}
		}
	}
	if unread > 0 || len(results) > 0 && results[len(results)-1].Stopped != "" {
		return exitLimit, nil
	}
	return exitHolds, nil
}

func printCaptures(w io.Writer, results []conform.CaptureResult, brief bool, at netip.Addr) {
	counts := map[conform.Verdict]int{}
	total := 0
	for _, r := range results {
		if len(r.Connections) == 0 {
			fmt.Fprintf(w, "%s: no TCP connections in %d packets\n", r.File, r.Packets)
		}
		for _, c := range r.Connections {
			total++
			counts[c.Verdict]++
			fmt.Fprintf(w, "%s: %s: %s\n", r.File, c.Connection, connSummary(c))
			if at.IsValid() && c.CapturedAt == "" && c.Verdict != conform.NotApplicable {
				fmt.Fprintf(w, "  (--at %s is neither end, or both: the capture point is taken to be anywhere between them)\n", at)
			}
			switch {
			case c.Verdict == conform.Rejected && len(c.Expected) > 0:
				if c.Packet == 0 {
					fmt.Fprintf(w, "  segments the model sends that the capture does not show:\n")
				} else {
					fmt.Fprintf(w, "  the model could send instead:\n")
				}
				for _, e := range c.Expected {
					fmt.Fprintf(w, "    %s\n", e)
				}
			case c.Verdict == conform.Accepted && !brief:
				fmt.Fprintln(w)
				for _, line := range strings.Split(strings.TrimRight(c.Chart, "\n"), "\n") {
					fmt.Fprintln(w, strings.TrimRight("  "+line, " "))
				}
				fmt.Fprintln(w)
			}
		}
	}
	fmt.Fprintf(w, "%d connection%s: %d accepted, %d rejected, %d not applicable\n", total, plural(total),
		counts[conform.Accepted], counts[conform.Rejected], counts[conform.NotApplicable])
	if n := len(results); n > 0 && results[n-1].Stopped != "" {
		fmt.Fprintf(w, "stopped (%s) in %s: %d connection%s of it not checked, and any later capture\n",
			results[n-1].Stopped, results[n-1].File, results[n-1].Unchecked, plural(results[n-1].Unchecked))
	}
}

// connSummary is the verdict on one line: for an acceptance, the states
// each end went through and what the explanation assumes.
func connSummary(c conform.ConnResult) string {
	switch c.Verdict {
	case conform.Rejected:
		return "rejected: " + c.Reason
	case conform.NotApplicable:
		return "not applicable: " + c.Reason
	}
	var assumed []string
	count := func(n int, what string) {
		if n > 0 {
			assumed = append(assumed, fmt.Sprintf("%d %s%s", n, what, plural(n)))
		}
	}
	count(c.Losses, "loss")
	count(c.Duplicates, "duplicate")
	count(c.Reorderings, "reordering")
	count(c.Timeouts, "retransmission timeout")
	count(c.DelayedACKs, "delayed ACK")
	count(c.ACKedRSTs, "RST with ACK")
	s := fmt.Sprintf("accepted, %d segments", c.Segments)
	if len(assumed) > 0 {
		s += " (" + strings.Join(assumed, ", ") + ")"
	}
	return s
}
