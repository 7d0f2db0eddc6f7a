package main

import (
	"bytes"
	"flag"
	"io"
	"strings"

	"github.com/tcpmc/tcpmc/graphviz/htmlview"
	"github.com/tcpmc/tcpmc/properties"
)

const reportSynopsis = "tcpmc report [-o FILE.html] RESULT.json\n\nWrites the result of a check saved with `tcpmc check --json` as one\nself-contained HTML page: the configuration, the verdicts, and each\ncounterexample to step through with both TCBs, the network and the rules\nthat fired. The counterexamples are replayed on the model to rebuild them."

func runReport(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	out := fs.String("o", "", "write the page to `FILE` (default: standard output)")
	// The file may come before the flags or after them.
	var path string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-o" || a == "--o":
			i++ // its value
		case !strings.HasPrefix(a, "-") && path == "":
			path, args = a, append(args[:i:i], args[i+1:]...)
			i--
		}
	}
	if helped, err := parseFlags(fs, args, stdout, reportSynopsis); helped || err != nil {
		return exitHolds, err
	}
	if path == "" {
		return 0, usagef("report: want one RESULT.json written by tcpmc check --json")
	}
	ctx, stop := interruptible()
	defer stop()
	in, err := openInput(ctx, path, maxReportBytes)
	if err != nil {
		return 0, usagef("report: %s: %v", path, err)
	}
	data, err := io.ReadAll(io.LimitReader(in, maxReportBytes+1))
	in.Close()
	switch {
	case err != nil:
		return 0, usagef("report: %s: %v", path, err)
	case len(data) > maxReportBytes:
		return 0, usagef("report: %s: more than %d MiB: not a report tcpmc check --json wrote", path, maxReportBytes>>20)
	}
	rep, err := properties.ReadReport(data)
	if err != nil {
		return 0, usagef("report: %s: %v", path, err)
	}
	if *out == "" {
		return exitHolds, htmlview.WriteReport(stdout, rep)
	}
	return exitHolds, writeHTMLReport("-o", *out, rep)
}

// maxReportBytes bounds what tcpmc report reads: a check's JSON with its
// counterexamples and rule table is a few megabytes.
const maxReportBytes = 256 << 20

// writeHTMLReport writes the page of a check to the file a flag names,
// as every output file is written (writeOutput).
func writeHTMLReport(flag, path string, rep *properties.Report) error {
	var b bytes.Buffer
	if err := htmlview.WriteReport(&b, rep); err != nil {
		return err
	}
	return writeOutput(flag, path, func(w io.Writer) error {
		_, err := w.Write(b.Bytes())
		return err
	})
}
