package tcptest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// recorder is a TB that records failures instead of failing, to test
// what a failing check reports.
type recorder struct {
	name   string
	failed bool
	log    []string
}

func (r *recorder) Helper()      {}
func (r *recorder) Name() string { return r.name }
func (r *recorder) Logf(format string, args ...any) {
	r.log = append(r.log, fmt.Sprintf(format, args...))
}
func (r *recorder) Log(args ...any)                   { r.log = append(r.log, fmt.Sprint(args...)) }
func (r *recorder) Skipf(format string, args ...any)  { panic("skip") }
func (r *recorder) Skip(args ...any)                  { panic("skip") }
func (r *recorder) SkipNow()                          { panic("skip") }
func (r *recorder) Errorf(format string, args ...any) { r.failed = true; r.Logf(format, args...) }
func (r *recorder) Error(args ...any)                 { r.failed = true; r.Log(args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...); panic(r) }
func (r *recorder) Fatal(args ...any)                 { r.Error(args...); panic(r) }
func (r *recorder) FailNow()                          { r.failed = true; panic(r) }
func (r *recorder) Fail()                             { r.failed = true }
func (r *recorder) Failed() bool                      { return r.failed }

// run calls f with a recorder, stopping where the recorder's FailNow
// stops it.
func run(name string, f func(TB)) *recorder {
	r := &recorder{name: name}
	func() {
		defer func() {
			if p := recover(); p != nil && p != r {
				panic(p)
			}
		}()
		f(r)
	}()
	return r
}

func (r *recorder) text() string { return strings.Join(r.log, "\n") }

func TestCheckPassesRFC9293(t *testing.T) {
	rep := Check(t, Options{Settings: map[string]string{"data": "0", "incarnations": "1"}})
	if rep == nil || !rep.Complete || rep.Violated() {
		t.Errorf("rfc9293 did not pass: %+v", rep)
	}
}

func TestCheckFailsWithChartAndImages(t *testing.T) {
	dir := t.TempDir()
	r := run("TestNoTimeWait", func(tb TB) {
		Check(tb, Options{Variant: "no-time-wait", Properties: []string{"orderly-release"}, Images: dir})
	})
	out := r.text()
	for _, want := range []string{"orderly-release violated", "shortest counterexample, 13 steps", "FIN=1, ACK=1, seq=w, ack=u+1", "images: "} {
		if !strings.Contains(out, want) {
			t.Errorf("the failure lacks %q:\n%s", want, out)
		}
	}
	if !r.failed {
		t.Errorf("a violated property did not fail the test")
	}
	for _, ext := range []string{"svg", "dot"} {
		if _, err := os.Stat(filepath.Join(dir, "TestNoTimeWait-orderly-release."+ext)); err != nil {
			t.Errorf("no %s image: %v", ext, err)
		}
	}
}

func TestCheckExpected(t *testing.T) {
	// no-time-wait states that orderly-release is violated: as expected.
	if r := run("t", func(tb TB) { Check(tb, Options{Variant: "no-time-wait", Expected: true}) }); r.failed {
		t.Errorf("expected verdicts failed the test:\n%s", r.text())
	}
	// rfc1337 expects every property to hold; under a crash one does not.
	r := run("t", func(tb TB) {
		Check(tb, Options{Variant: "rfc1337", Expected: true, Settings: map[string]string{"crash": "1", "incarnations": "1"}, Properties: []string{"no-deadlock"}})
	})
	if !r.failed || !strings.Contains(r.text(), "no-deadlock violated") {
		t.Errorf("an unexpected violation passed:\n%s", r.text())
	}
}

func TestCheckBadOptions(t *testing.T) {
	for _, o := range []Options{
		{Variant: "no-such-variant"},
		{Settings: map[string]string{"loss": "many"}},
		{Settings: map[string]string{"colour": "blue"}},
		{Settings: map[string]string{"window": "99"}},
		{Properties: []string{"liveliness"}},
	} {
		r := run("t", func(tb TB) { Check(tb, o) })
		if !r.failed || !strings.HasPrefix(r.text(), "tcptest: ") {
			t.Errorf("%+v: %q", o, r.text())
		}
	}
	r := run("t", func(tb TB) { Check(tb, Options{MaxStates: 1000}) })
	if !r.failed || !strings.Contains(r.text(), "no verdict") {
		t.Errorf("a search stopped by a limit passed: %q", r.text())
	}
}

func TestSimulatePassesRFC9293(t *testing.T) {
	// Retransmission never gives up: with more losses than retries a
	// side may give up and leave its peer waiting for ever, a deadlock
	// RFC 9293 allows (README, What tcpmc shows about RFC 9293).
	Simulate(t, Options{Settings: map[string]string{"seq-space": "256", "window": "8", "data": "4,3", "loss": "3", "dup": "2", "reorder": "2", "retries": "unlimited"}}, SimOptions{})
}

func TestSimulateFailsShrunk(t *testing.T) {
	// No fail file under testdata/rapid for a failure the test wants; a
	// fixed seed and enough runs that the flaw is met whatever rapid's
	// defaults (100 runs miss it now and then).
	for name, value := range map[string]string{"rapid.nofailfile": "true", "rapid.seed": "1", "rapid.checks": "1000"} {
		old := flag.Lookup(name).Value.String()
		if err := flag.Set(name, value); err != nil {
			t.Fatal(err)
		}
		defer flag.Set(name, old)
	}
	dir := t.TempDir()
	r := run("TestBroken", func(tb TB) {
		Simulate(tb, Options{Variant: "../../testdata/variants/examples/deliver-out-of-order.yaml", Images: dir}, SimOptions{})
	})
	out := r.text()
	if !r.failed || !strings.Contains(out, "stream-integrity violated") || !strings.Contains(out, "random schedule, ") {
		t.Fatalf("the broken variant passed or failed without a chart:\n%s", out)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "TestBroken-stream-integrity*"))
	if len(matches) < 3 {
		t.Errorf("images written: %v, want the chart as SVG and DOT and porcupine's view", matches)
	}
	if n := strings.Count(out, "random schedule, "); n != 1 {
		t.Errorf("the chart is logged %d times, want once:\n%s", n, out)
	}
}

// With Expected, a violation the variant states is what random runs find,
// not a failure; without it, it is one.
func TestSimulateExpected(t *testing.T) {
	for name, value := range map[string]string{"rapid.nofailfile": "true", "rapid.seed": "1", "rapid.checks": "300"} {
		old := flag.Lookup(name).Value.String()
		if err := flag.Set(name, value); err != nil {
			t.Fatal(err)
		}
		defer flag.Set(name, old)
	}
	o := Options{Variant: "no-time-wait", Properties: []string{"orderly-release", "handshake-sync"}}
	if r := run("t", func(tb TB) { Simulate(tb, o, SimOptions{}) }); !r.failed || !strings.Contains(r.text(), "orderly-release violated") {
		t.Errorf("without Expected the violation passed:\n%s", r.text())
	}
	o.Expected = true
	if r := run("t", func(tb TB) { Simulate(tb, o, SimOptions{}) }); r.failed {
		t.Errorf("with Expected the stated violation failed the test:\n%s", r.text())
	}
}

func TestSettingsDidYouMean(t *testing.T) {
	r := run("t", func(tb TB) { Check(tb, Options{Settings: map[string]string{"lose": "2"}}) })
	if !r.failed || !strings.Contains(r.text(), `unknown setting "lose" (did you mean loss?)`) {
		t.Errorf("a mistyped setting: %q", r.text())
	}
}

// The README and the package doc name every runnable example, since go
// doc does not show them.
func TestExamplesNamed(t *testing.T) {
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("tcptest.go")
	if err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile(`(?m)^func (Example\w*)\(`).FindAllStringSubmatch(string(src), -1)
	if len(names) == 0 {
		t.Fatal("no examples found")
	}
	for _, m := range names {
		if !strings.Contains(string(readme), "`"+m[1]+"`") {
			t.Errorf("README.md does not name %s", m[1])
		}
		if !strings.Contains(string(doc), m[1]) {
			t.Errorf("the package doc does not name %s", m[1])
		}
	}
}
