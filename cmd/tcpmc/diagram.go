package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"

	"github.com/tcpmc/tcpmc/graphviz"
	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
	"github.com/tcpmc/tcpmc/properties/conform"
)

const diagramSynopsis = `tcpmc diagram [flags]

Draws a variant's endpoint state diagram, generated from its rule table, or
with --graph the reachable global state graph of a configuration (the model
flags as for tcpmc check), its violating states in red. Writes DOT to
standard output unless -o or --format asks for SVG or PNG.`

func runDiagram(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("diagram", flag.ContinueOnError)
	var cf configFlags
	cf.register(fs)
	var (
		out      = fs.String("o", "", "write to this `file` (its extension gives the format) instead of standard output")
		format   = fs.String("format", "", "image format: dot, svg or png (default: from -o, else dot)")
		renderer = fs.String("renderer", "auto", "who draws graphs as SVG or PNG: auto (Graphviz's dot if installed, else builtin), dot or builtin")
		graph    = fs.Bool("graph", false, "draw the reachable global state graph of the configuration instead of the endpoint diagram")
		collapse = fs.Bool("collapse", false, "with --graph, one node per pair of endpoint states")
		maxNodes = fs.Int("max-nodes", graphviz.DefaultMaxNodes, "with --graph, the most nodes drawn; a larger graph is an error")
		errs     = fs.Bool("errors", false, "in the endpoint diagram, also draw the transitions on RST, ABORT and giving up")
		props    = fs.String("property", "", "with --graph, comma-separated safety `properties` whose violations are highlighted (default: all)")
	)
	if helped, err := parseFlags(fs, args, stdout, diagramSynopsis); helped || err != nil {
		return exitHolds, err
	}
	var graphOnly []string
	fs.Visit(func(f *flag.Flag) {
		if isSetting(f.Name) || f.Name == "collapse" || f.Name == "max-nodes" || f.Name == "property" {
			graphOnly = append(graphOnly, "-"+f.Name)
		}
	})
	switch {
	case !*graph && len(graphOnly) > 0:
		return 0, usagef("diagram: %s only applies to the state graph (add --graph)", strings.Join(graphOnly, ", "))
	case *graph && *errs:
		return 0, usagef("diagram: -errors applies to the endpoint diagram, not to --graph")
	case *maxNodes < 1:
		return 0, usagef("diagram: -max-nodes must be at least 1")
	}
	f, err := imageFormat(*format, *out)
	if err != nil {
		return 0, err
	}
	r, err := graphviz.ParseRenderer(*renderer)
	if err != nil {
		return 0, usagef("-renderer: %v", err)
	}
	if f == graphviz.PNG && *out == "" && isTerminal(stdout) {
		return 0, usagef("diagram: not writing PNG to a terminal; use -o FILE.png")
	}

	var img graphviz.Image
	if *graph {
		v, cfg, err := cf.model()
		if err != nil {
			return 0, err
		}
		sys, err := model.NewSystem(v, cfg)
		if err != nil {
			return 0, usageError{err.Error()}
		}
		opts := graphviz.GraphOptions{MaxNodes: *maxNodes, Collapse: *collapse}
		if *props != "" {
			opts.Properties = strings.Split(*props, ",")
		}
		if _, err := properties.Select(opts.Properties); err != nil {
			return 0, usageError{err.Error()}
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		g, err := graphviz.NewStateGraph(ctx, sys, opts)
		var large *graphviz.TooLargeError
		switch {
		case errors.As(err, &large) && large.Collapse && large.Nodes == 0:
			return 0, usagef("diagram: %v; lower the bounds (for example -loss 0 -dup 0 -data 0 -incarnations 1)", err)
		case errors.As(err, &large) && large.Collapse:
			return 0, usagef("diagram: %v; raise -max-nodes", err)
		case errors.As(err, &large):
			return 0, usagef("diagram: %v (-max-nodes); lower the bounds (for example -loss 0 -dup 0 -data 0 -incarnations 1 -retries 0), add -collapse for one node per pair of endpoint states, or raise -max-nodes", err)
		case errors.Is(err, context.Canceled):
			return 0, errors.New("diagram: interrupted")
		case err != nil:
			return 0, err
		}
		fmt.Fprintf(stderr, "state graph: %s joint states, %d nodes, %d edges", commas(uint64(g.States())), g.Nodes(), g.Edges())
		if bad := g.Violated(); len(bad) > 0 {
			fmt.Fprintf(stderr, "; violated: %s", strings.Join(bad, ", "))
		}
		fmt.Fprintln(stderr)
		img = g
	} else {
		v, err := loadVariant(cf.variant)
		if err != nil {
			return 0, err
		}
		d, err := graphviz.NewStateDiagram(v, *errs)
		if err != nil {
			return 0, usageError{err.Error()}
		}
		img = d
	}
	return exitHolds, writeImageFlag("-o", *out, stdout, img, f, r)
}

// imageFormat decides the format from --format and the output file name.
func imageFormat(format, out string) (graphviz.Format, error) {
	if format != "" {
		f, err := graphviz.ParseFormat(format)
		if err != nil {
			return "", usagef("-format: %v", err)
		}
		if ext, ok := graphviz.FormatOf(out); ok && ext != f {
			return "", usagef("-o %s: the name says %s but -format says %s", out, ext, f)
		}
		return f, nil
	}
	if out == "" {
		return graphviz.DOT, nil
	}
	f, ok := graphviz.FormatOf(out)
	if !ok {
		return "", usagef("-o %s: cannot tell the format from the extension (use .dot, .svg or .png, or --format)", out)
	}
	return f, nil
}

// writeImage writes an image to a file named by --out (see writeOutput),
// or to stdout when path is empty.
func writeImage(path string, stdout io.Writer, img graphviz.Image, f graphviz.Format, r graphviz.Renderer) error {
	return writeImageFlag("--out", path, stdout, img, f, r)
}

// writeImageFlag is writeImage for a file given by flag.
func writeImageFlag(flag, path string, stdout io.Writer, img graphviz.Image, f graphviz.Format, r graphviz.Renderer) error {
	if path == "" {
		return graphviz.Write(stdout, img, f, r)
	}
	return writeOutput(flag, path, func(w io.Writer) error { return graphviz.Write(w, img, f, r) })
}

func writeHTML(path string, res properties.StreamResult) error {
	return writeOutput("--out", path, res.WriteHTML)
}

// unwrapPath drops the temporary file name from a path error.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// formatPacketdrill is an -out-format that is no image: the path as a
// packetdrill script for each side (conform.WriteScript).
const formatPacketdrill graphviz.Format = "packetdrill"

// parseFormats reads -out-format: image formats (or packetdrill)
// separated by commas.
func parseFormats(s string) ([]graphviz.Format, error) {
	var out []graphviz.Format
	for _, name := range strings.Split(s, ",") {
		if slices.Contains(out, graphviz.Format(strings.TrimSpace(name))) {
			continue // each file once
		}
		if strings.TrimSpace(name) == string(formatPacketdrill) {
			out = append(out, formatPacketdrill)
			continue
		}
		f, err := graphviz.ParseFormat(strings.TrimSpace(name))
		if err != nil {
			return nil, usagef("-out-format: %v (or packetdrill)", err)
		}
		out = append(out, f)
	}
	return out, nil
}

// outFormatNeedsOut refuses -out-format given without -out: nothing
// would be written, and the user expects files.
func outFormatNeedsOut(fs *flag.FlagSet, outDir string) error {
	given := false
	fs.Visit(func(fl *flag.Flag) { given = given || fl.Name == "out-format" })
	if given && outDir == "" {
		return usagef("-out-format: give -out DIR too, the directory the files go to")
	}
	return nil
}

// writeTrace writes a trace's chart in each format to base.FORMAT, or
// for packetdrill a script for each side to base-SIDE.pkt, and lists the
// files on w.
func writeTrace(base string, formats []graphviz.Format, sys *model.System, tr *properties.Trace, chart *graphviz.Chart, w io.Writer) error {
	for _, f := range formats {
		if f != formatPacketdrill {
			path := base + "." + string(f)
			if err := writeImage(path, nil, chart, f, graphviz.Builtin); err != nil {
				return err
			}
			fmt.Fprintf(w, "tcpmc: wrote %s\n", path)
			continue
		}
		for side := model.A; side <= model.B; side++ {
			path := base + "-" + unsafeName.ReplaceAllString(sys.SideName(side), "_") + ".pkt"
			err := writeOutput("--out", path, func(out io.Writer) error { return conform.WriteScript(out, sys, tr, side) })
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "tcpmc: wrote %s\n", path)
		}
	}
	return nil
}

// writeCharts writes each counterexample and witness of a report as a
// sequence chart in dir, in the formats asked for, and lists the files on w.
func writeCharts(dir string, formats []graphviz.Format, rep *properties.Report, w io.Writer) error {
	drawn := false
	for _, r := range rep.Results {
		drawn = drawn || r.Trace() != nil
	}
	if !drawn {
		return nil // nothing to draw: no empty directory either
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &writeError{flag: "--out", path: dir, err: unwrapPath(err)}
	}
	sys := rep.System()
	variant := unsafeName.ReplaceAllString(strings.TrimSuffix(filepath.Base(sys.Variant().Name), ".yaml"), "_")
	for _, r := range rep.Results {
		if r.Trace() == nil {
			continue
		}
		var chart *graphviz.Chart
		if r.Witness != nil {
			title := fmt.Sprintf("%s: %s holds (shortest witness, %d steps)", sys.Variant().Name, r.Property.Name, len(r.Witness.Steps))
			chart = graphviz.NewChart(sys, r.Witness, title)
		} else {
			kind := "shortest counterexample"
			if r.Counterexample.Cycle {
				kind = "counterexample: a path into a cycle"
			}
			title := fmt.Sprintf("%s: %s violated (%s, %d steps)", sys.Variant().Name, r.Property.Name, kind, len(r.Counterexample.Steps))
			chart = graphviz.NewChart(sys, r.Counterexample, title).MarkViolation(r.Property.Name)
		}
		if err := writeTrace(filepath.Join(dir, variant+"-"+r.Property.Name), formats, sys, r.Trace(), chart, w); err != nil {
			return err
		}
		// A broken byte stream also gets porcupine's view of it.
		if r.Counterexample == nil {
			continue
		}
		if res := properties.CheckStream(properties.ModelStreamHistory(sys, r.Counterexample)); res.Verdict == properties.Violated {
			path := filepath.Join(dir, variant+"-"+r.Property.Name+"-stream.html")
			if err := writeHTML(path, res); err != nil {
				return err
			}
			fmt.Fprintf(w, "tcpmc: wrote %s\n", path)
		}
	}
	return nil
}
