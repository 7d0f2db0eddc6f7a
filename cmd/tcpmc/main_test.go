package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/tcpmc/tcpmc/properties"
)

func runTool(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCheckDefaultHolds(t *testing.T) {
	code, out, errOut := runTool("check")
	if code != exitHolds {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"variant rfc9293", "complete", "handshake-sync", "no-deadlock"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "violated") || strings.Contains(out, "unknown") {
		t.Errorf("rfc9293 should hold:\n%s", out)
	}
	if errOut != "" {
		t.Errorf("no progress line expected off a terminal, got %q", errOut)
	}
}

func TestCheckJSON(t *testing.T) {
	code, out, _ := runTool("check", "--json", "--retries", "1")
	if code != exitViolated {
		t.Fatalf("exit %d, want %d (no-deadlock is violated with one retry)", code, exitViolated)
	}
	var rep struct {
		Variant        string         `json:"variant"`
		Config         map[string]any `json:"config"`
		States         *int           `json:"states"`
		Transitions    *int           `json:"transitions"`
		Depth          *int           `json:"depth"`
		ElapsedSeconds *float64       `json:"elapsed_seconds"`
		Complete       *bool          `json:"complete"`
		Properties     []struct {
			Name           string `json:"name"`
			Kind           string `json:"kind"`
			Verdict        string `json:"verdict"`
			Counterexample *struct {
				Steps []struct {
					Rules     []string                  `json:"rules"`
					Kind      string                    `json:"kind"`
					Endpoints map[string]map[string]any `json:"endpoints"`
				} `json:"steps"`
			} `json:"counterexample"`
		} `json:"properties"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.Variant != "rfc9293" || rep.Config["retries"] != 1.0 || rep.States == nil || rep.Transitions == nil ||
		rep.Depth == nil || rep.ElapsedSeconds == nil || rep.Complete == nil || len(rep.Properties) != len(properties.Catalog()) {
		t.Fatalf("missing keys: %+v", rep)
	}
	var violated []string
	kinds := map[string]int{}
	for _, p := range rep.Properties {
		kinds[p.Kind]++
		if p.Verdict == "violated" {
			violated = append(violated, p.Name)
			if p.Counterexample == nil || len(p.Counterexample.Steps) == 0 {
				t.Fatalf("%s: violated without counterexample steps", p.Name)
			}
			for _, s := range p.Counterexample.Steps {
				if s.Kind == "" || s.Endpoints["client"]["state"] == nil || s.Endpoints["server"]["state"] == nil {
					t.Fatalf("%s: step lacks kind or endpoint states: %+v", p.Name, s)
				}
			}
		}
	}
	// One retry cannot cover one loss plus one reordering: a side can give
	// up and leave the other waiting for ever, half-open.
	if strings.Join(violated, ",") != "no-half-open,no-deadlock,eventually-closed,no-half-open-stuck" {
		t.Errorf("violated: %v", violated)
	}
	want := map[string]int{}
	for _, p := range properties.Catalog() {
		want[string(p.Kind)]++
	}
	if kinds["safety"] != want["safety"] || kinds["liveness"] != want["liveness"] || kinds["reachable"] != want["reachable"] {
		t.Errorf("kinds: %v", kinds)
	}
}

func TestViolationPrintsChart(t *testing.T) {
	code, out, _ := runTool("check", "--retries", "1", "--property", "no-deadlock")
	if code != exitViolated {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"no-deadlock violated", "SYN=1, seq=x", "SYN=1, ACK=1, seq=y, ack=x+1", "initial sequence numbers"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestLimitExitsWith3(t *testing.T) {
	code, out, _ := runTool("check", "--max-states", "500")
	if code != exitLimit || !strings.Contains(out, "unknown") || !strings.Contains(out, "state limit") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	code, _, _ = runTool("check", "--max-memory", "1KiB")
	if code != exitLimit {
		t.Fatalf("memory limit: exit %d", code)
	}
}

func TestBadInputIsOneLineAndExit2(t *testing.T) {
	cases := [][]string{
		{"frobnicate"},
		{"check", "--no-such-flag"},
		{"check", "--loss", "many"},
		{"check", "--variant", "rfc0000"},
		{"check", "--seq-space", "12"},
		{"check", "--capacity", "0"},
		{"check", "--window", "40"},
		{"check", "--data", "1,2,3"},
		{"check", "--data", "9"},
		{"check", "--close", "nobody"},
		{"check", "--open", "simultaneous", "--close", "client"},
		{"check", "--property", "liveness-of-the-party"},
		{"check", "--max-memory", "lots"},
		{"check", "--incarnations", "0"},
		{"check", "--loss", "-1"},
		{"check", "extra-argument"},
		{"variants", "--json"},
		{"variants", "no-such-variant"},
		{"check", "--variant", "../../testdata/variants/examples/bad-expectation.yaml"},
		{"check", "--variant", "main_test.go"},
		{"check", "--retries", "forever"},
		{"check", "--isn", "random"},
		{"variants", "--knobs", "--rules"},
		{"variants", "--rules", "--lint"},
	}
	for _, args := range cases {
		code, out, errOut := runTool(args...)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code != exitUsage || len(lines) != 1 || !strings.HasPrefix(lines[0], "tcpmc: ") || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line on stderr", args, code, out, errOut)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"check", "-h"}, {"help", "check"}} {
		code, out, _ := runTool(args...)
		if code != exitHolds || !strings.Contains(out, "usage") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
}

func TestVariantsLists(t *testing.T) {
	code, out, _ := runTool("variants")
	for _, want := range []string{"rfc9293", "two-way-handshake", "no-time-wait", "short-time-wait", "no-retransmission",
		"no-simultaneous-open", "rfc793-time-wait-rst", "rfc1337", "expected violated: orderly-release"} {
		if code != exitHolds || !strings.Contains(out, want) {
			t.Fatalf("exit %d, output lacks %q:\n%s", code, want, out)
		}
	}
	code, out, _ = runTool("variants", "no-time-wait")
	if code != exitHolds || !strings.Contains(out, "knob: time-wait = none") || !strings.Contains(out, "orderly-release        violated  the final ACK is lost") {
		t.Fatalf("details: exit %d:\n%s", code, out)
	}
	code, out, _ = runTool("variants", "--knobs")
	if code != exitHolds || !strings.Contains(out, "time-wait-rst") {
		t.Fatalf("knobs: exit %d:\n%s", code, out)
	}
}

// Each catalog variant, checked with no other flag, gets its expected
// verdicts: the exit status is 1 exactly when a violation is expected.
func TestCheckVariantUsesItsConfiguration(t *testing.T) {
	code, out, _ := runTool("check", "--variant", "no-time-wait")
	if code != exitViolated || !strings.Contains(out, "data 0,0") || strings.Contains(out, "not as expected") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	code, out, _ = runTool("check", "--variant", "no-time-wait", "--loss", "0")
	if code != exitHolds || !strings.Contains(out, "loss 0") || !strings.Contains(out, "flags changed it") {
		t.Fatalf("with --loss 0 no final ACK can be lost: exit %d:\n%s", code, out)
	}
	code, out, _ = runTool("check", "--variant", "../../testdata/variants/rfc1337.yaml")
	if code != exitHolds || strings.Contains(out, "not as expected") {
		t.Fatalf("rfc1337 from its file: exit %d:\n%s", code, out)
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"4GiB", "512MiB", "1.5G", "100", "", "-1", "1e400KiB", "KiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseSize(s)
		if err == nil && v == 0 {
			t.Fatalf("%q parsed as zero bytes", s)
		}
	})
}

func TestParseSize(t *testing.T) {
	for s, want := range map[string]uint64{"4GiB": 4 << 30, "512MiB": 512 << 20, "2G": 2 << 30, "1000": 1000, "1.5KiB": 1536} {
		if got, err := parseSize(s); err != nil || got != want {
			t.Errorf("%q: got %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "lots", "-1", "0", "1e-30", "NaN", "Inf", "1e400"} {
		if _, err := parseSize(s); err == nil {
			t.Errorf("%q: accepted", s)
		}
	}
}

// With --expected the exit status says whether every verdict is the one
// the variant states, for CI of a variant that is weak on purpose.
// 0B means what 0 means: no limit; a search given it is not stopped by
// memory.
func TestMaxMemoryZeroWithAUnit(t *testing.T) {
	for _, s := range []string{"0", "0B", "0GiB"} {
		if n, err := memoryLimitFlag(s, io.Discard); err != nil || n != 0 {
			t.Errorf("--max-memory %s: got %d, %v; want 0 (no limit)", s, n, err)
		}
	}
	if n, err := memoryLimitFlag("", io.Discard); err != nil || n == 0 {
		t.Errorf("default --max-memory: got %d, %v; want a limit", n, err)
	}
	if _, err := memoryLimitFlag("-0.5B", io.Discard); err == nil {
		t.Error("--max-memory -0.5B accepted")
	}
	if code, out, errOut := runTool("check", "--max-memory", "0B", "--variant", "no-time-wait"); code != exitViolated || !strings.Contains(out, "(complete)") {
		t.Errorf("check --max-memory 0B: exit %d, %s", code, errOut)
	}
}

func TestCheckExpected(t *testing.T) {
	if code, _, errOut := runTool("check", "--variant", "no-time-wait", "--expected"); code != exitHolds {
		t.Errorf("no-time-wait is as expected: exit %d, %q", code, errOut)
	}
	if code, _, _ := runTool("check", "--variant", "no-time-wait"); code != exitViolated {
		t.Errorf("without --expected a violation exits %d, want 1", code)
	}
	code, out, _ := runTool("check", "--variant", "rfc1337", "--crash", "1", "--incarnations", "1", "--property", "no-deadlock", "--expected")
	if code != exitViolated || !strings.Contains(out, "not as expected") {
		t.Errorf("an unexpected violation: exit %d\n%s", code, out)
	}
	code, out, _ = runTool("check", "--variant", "no-time-wait", "--json", "--property", "orderly-release,no-deadlock")
	var rep struct {
		Properties []struct {
			Name       string `json:"name"`
			Expected   string `json:"expected"`
			AsExpected *bool  `json:"as_expected"`
		} `json:"properties"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Properties) != 2 {
		t.Fatalf("exit %d: %v\n%s", code, err, out)
	}
	for _, p := range rep.Properties {
		if p.Expected == "" || p.AsExpected == nil || !*p.AsExpected {
			t.Errorf("%s: expected %q, as_expected %v", p.Name, p.Expected, p.AsExpected)
		}
	}
}

func TestVariantsRules(t *testing.T) {
	code, out, _ := runTool("variants", "--rules")
	if code != exitHolds || !strings.Contains(out, "listen.rcv-syn  (RFC 9293 3.10.7.2)") || !strings.Contains(out, "    next: SYN-RECEIVED") {
		t.Errorf("exit %d:\n%.600s", code, out)
	}
	_, out, _ = runTool("variants", "--rules", "../../testdata/variants/examples/my-two-way-handshake.yaml")
	i := strings.Index(out, "listen.rcv-syn ")
	if i < 0 || !strings.Contains(out[i:i+300], "next: ESTABLISHED") {
		t.Errorf("the file's change is not in its rule table:\n%.300s", out[max(i, 0):])
	}
}
