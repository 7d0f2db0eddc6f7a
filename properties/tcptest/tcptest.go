// Package tcptest checks TCP connection-management variants from go test,
// so that a project maintaining or teaching a variant can check it in CI:
//
//	func TestMyVariant(t *testing.T) {
//		tcptest.Check(t, tcptest.Options{
//			Variant:  "testdata/my-variant.yaml",
//			Settings: map[string]string{"loss": "2", "data": "2,1"},
//		})
//	}
//
// Check explores every interleaving within the bounds (tcpmc check);
// Simulate draws random deep runs with rapid and shrinks a failing one
// (tcpmc simulate). A violation fails the test with the counterexample's
// sequence chart in the log and, when Options.Images or the TCPMC_IMAGES
// environment variable names a directory, writes the chart there as SVG
// and DOT (and porcupine's view of a broken byte stream as HTML).
//
// The runnable examples (ExampleCheck, ExampleCheck_violation,
// ExampleCheck_expected, ExampleSimulate in example_test.go) show each
// use with its output; go doc does not print examples: read them there
// or on pkg.go.dev, or run them with go test -run Example -v.
package tcptest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/tcpmc/tcpmc/graphviz"
	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
	"pgregory.net/rapid"
)

// TB is the part of *testing.T that tcptest uses; *testing.T and
// *testing.B satisfy it.
type TB = rapid.TB

// Options say what to check.
type Options struct {
	// Variant is a built-in variant's name or a variant file's path
	// (default "rfc9293").
	Variant string
	// Settings change the variant's configuration, with the names and
	// values of the command line and variant files: "loss": "2",
	// "data": "2,1", "network": "unordered".
	Settings map[string]string
	// Properties are the properties checked (default: all).
	Properties []string
	// Invariants, Steps, Reachable and LeadsTo are properties of your own,
	// written as on the command line ("NAME: EXPR", the name optional;
	// leads-to "NAME: FROM ~> TO"): see tcpmc variants --vocabulary.
	// A reachable property fails the test when no reachable state
	// satisfies it.
	Invariants, Steps, Reachable, LeadsTo []string
	// Expected compares each verdict with the variant's stated
	// expectations instead of requiring that every property holds, for
	// variants that are weak on purpose.
	Expected bool
	// Images is a directory where counterexamples are written as images;
	// when empty, the TCPMC_IMAGES environment variable is used, if set.
	Images string
	// MaxStates and Timeout bound the exhaustive search (0: no limit); a
	// search stopped by them fails the test, as its verdicts are unknown.
	MaxStates uint64
	Timeout   time.Duration
}

// System builds the model the options describe.
func (o Options) System() (*model.System, error) {
	name := o.Variant
	if name == "" {
		name = "rfc9293"
	}
	v, ok := model.Builtin(name)
	if !ok {
		var err error
		if v, err = properties.LoadVariant(name); err != nil {
			return nil, err
		}
	}
	cfg := v.Config
	keys := make([]string, 0, len(o.Settings))
	for k := range o.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := model.ApplySetting(&cfg, k, o.Settings[k]); err != nil {
			return nil, fmt.Errorf("setting %s: %w", k, err)
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return model.NewSystem(v, cfg)
}

// Check explores the configuration exhaustively and fails t for every
// property that does not hold (or, with Expected, that differs from the
// variant's expectation), logging its shortest counterexample. It returns
// the report for further assertions.
func Check(t TB, o Options) *properties.Report {
	t.Helper()
	sys, err := o.System()
	if err != nil {
		t.Fatalf("tcptest: %v", err)
		return nil
	}
	extra, err := o.userProperties()
	if err != nil {
		t.Fatalf("tcptest: %v", err)
		return nil
	}
	rep, err := properties.Check(context.Background(), sys, properties.Options{
		Properties: o.Properties, Extra: extra, MaxStates: o.MaxStates, MaxTime: o.Timeout})
	if err != nil {
		t.Fatalf("tcptest: %v", err)
		return nil
	}
	if !rep.Complete && !rep.Violated() {
		t.Errorf("tcptest: %s: the search stopped (%s) after %d states before covering the state space: no verdict", sys.Variant().Name, rep.Stopped, rep.States)
	}
	for _, r := range rep.Results {
		want := properties.Holds
		if o.Expected {
			want, _, _ = properties.Compare(sys.Variant(), r.Property.Name, r.Verdict)
		}
		switch {
		case r.Verdict == properties.Unknown || r.Verdict == want:
		case r.Counterexample != nil:
			var stream *properties.StreamResult
			if res := properties.CheckStream(properties.ModelStreamHistory(sys, r.Counterexample)); res.Verdict == properties.Violated {
				stream = &res
			}
			files := writeChart(t, o, sys, r.Property.Name, r.Counterexample, stream)
			t.Errorf("tcptest: %s: %s violated: %s\nshortest counterexample, %d steps:\n\n%s%s",
				sys.Variant().Name, r.Property.Name, r.Property.Description, len(r.Counterexample.Steps),
				properties.Chart(sys, r.Counterexample), files)
		case r.Property.Kind == properties.Reachable && r.Verdict == properties.Violated:
			t.Errorf("tcptest: %s: %s: no reachable state satisfies %s", sys.Variant().Name, r.Property.Name, r.Property.Description)
		default:
			t.Errorf("tcptest: %s: %s %s, but the variant expects it to be %s", sys.Variant().Name, r.Property.Name, r.Verdict, want)
		}
	}
	return rep
}

func (o Options) userProperties() ([]model.PropertySpec, error) {
	var out []model.PropertySpec
	for _, f := range []struct {
		form  string
		texts []string
	}{{"invariant", o.Invariants}, {"step", o.Steps}, {"reachable", o.Reachable}, {"leads-to", o.LeadsTo}} {
		for i, text := range f.texts {
			spec, err := model.ParsePropertyFlag(f.form, text, i+1)
			if err != nil {
				return nil, err
			}
			out = append(out, spec)
		}
	}
	return out, nil
}

// SimOptions bound random runs.
type SimOptions struct {
	// Depth is the most steps a run takes (0: properties.DefaultDepth).
	Depth int
}

// Simulate runs random deep schedules of the configuration with rapid:
// the safety properties are checked at every step and the byte stream
// with porcupine at the end of each run. A failure is shrunk by rapid and
// fails t with the minimal schedule's chart, logged once. With Expected,
// the properties the variant expects to be violated are not checked: a
// random run that violates them finds what is known. rapid's flags apply
// (-rapid.checks, -rapid.seed); rapid saves a failing schedule under
// testdata/rapid/ and replays it first next time (set RAPID_NOFAILFILE=1
// in CI to leave the tree clean).
func Simulate(t TB, o Options, so SimOptions) {
	t.Helper()
	sys, err := o.System()
	if err != nil {
		t.Fatalf("tcptest: %v", err)
		return
	}
	props := o.Properties
	if o.Expected {
		props = notExpectedViolated(sys, props)
		if len(props) == 0 {
			t.Logf("tcptest: %s: every property is expected to be violated: nothing to check", sys.Variant().Name)
			return
		}
	}
	sim, err := properties.NewSimulation(sys, properties.SimOptions{Depth: so.Depth, Properties: props})
	if err != nil {
		t.Fatalf("tcptest: %v", err)
		return
	}
	// rapid ends a failed test with FailNow: the chart and images of the
	// shrunk schedule are given on the way out.
	defer func() {
		if f := sim.Last; f != nil {
			f = sim.Minimize(f)
			stream := f.Stream
			if stream == nil {
				if res := properties.CheckStream(properties.ModelStreamHistory(sys, f.Trace)); res.Verdict == properties.Violated {
					stream = &res
				}
			}
			t.Logf("tcptest: %s: %s%s", sys.Variant().Name, sim.Describe(f), writeChart(t, o, sys, f.Property, f.Trace, stream))
		}
	}()
	rapid.Check(t, sim.Run)
}

// notExpectedViolated are the safety properties among names (all when
// empty) that the variant does not expect to be violated.
func notExpectedViolated(sys *model.System, names []string) []string {
	props, err := properties.Select(names)
	if err != nil {
		return names // NewSimulation reports it
	}
	out := []string{}
	for _, p := range props {
		if want, _, _ := properties.Compare(sys.Variant(), p.Name, properties.Unknown); want == properties.Violated {
			continue
		}
		if p.Kind == properties.Safety {
			out = append(out, p.Name)
		}
	}
	return out
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// writeChart writes a counterexample's images when asked to, and says
// where.
func writeChart(t TB, o Options, sys *model.System, property string, tr *properties.Trace, stream *properties.StreamResult) string {
	t.Helper()
	dir := o.Images
	if dir == "" {
		dir = os.Getenv("TCPMC_IMAGES")
	}
	if dir == "" {
		return ""
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("tcptest: images: %v", err)
		return ""
	}
	base := filepath.Join(dir, unsafe.ReplaceAllString(t.Name()+"-"+property, "_"))
	title := fmt.Sprintf("%s: %s violated (%d steps)", sys.Variant().Name, property, len(tr.Steps))
	chart := graphviz.NewChart(sys, tr, title).MarkViolation(property)
	var written []string
	for _, f := range []graphviz.Format{graphviz.SVG, graphviz.DOT} {
		path := base + "." + string(f)
		if err := writeFile(path, func(w *os.File) error { return graphviz.Write(w, chart, f, graphviz.Builtin) }); err != nil {
			t.Logf("tcptest: %v", err)
			continue
		}
		written = append(written, path)
	}
	if stream != nil {
		path := base + "-stream.html"
		if err := writeFile(path, func(w *os.File) error { return stream.WriteHTML(w) }); err == nil {
			written = append(written, path)
		}
	}
	if len(written) == 0 {
		return ""
	}
	return "\nimages: " + strings.Join(written, ", ")
}

func writeFile(path string, write func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
