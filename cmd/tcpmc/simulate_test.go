package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

func TestSimulateFindsAndReproduces(t *testing.T) {
	args := []string{"simulate", "--variant", "../../testdata/variants/examples/deliver-out-of-order.yaml", "--seq-space", "256", "--window", "8", "--data", "3,2", "--seed", "5"}
	code, out, errOut := runTool(args...)
	if code != exitViolated || !strings.Contains(out, "stream-integrity violated in run") || !strings.Contains(out, "random schedule, ") {
		t.Fatalf("exit %d, stderr %q\n%s", code, errOut, out)
	}
	i := strings.Index(out, "reproduce: tcpmc ")
	if i < 0 {
		t.Fatalf("no reproduction command:\n%s", out)
	}
	again := strings.Fields(strings.TrimSpace(out[i+len("reproduce: tcpmc "):]))
	// The command replays the schedule instead of drawing and shrinking
	// again.
	if cmd := strings.Join(again, " "); !strings.Contains(cmd, " --replay ") || strings.Contains(cmd, "--seed") {
		t.Errorf("reproduce: tcpmc %s: want the schedule to replay", cmd)
	}
	code, out2, _ := runTool(again...)
	chart := func(s string) string {
		s = s[strings.Index(s, "random schedule, "):]
		if i := strings.Index(s, "\nreproduce:"); i >= 0 {
			s = s[:i]
		}
		return strings.TrimSpace(s)
	}
	if code != exitViolated || chart(out2) != chart(out) {
		t.Errorf("%v does not reproduce the schedule:\n%s\n---\n%s", again, out, out2)
	}
}

func TestSimulateHolds(t *testing.T) {
	code, out, errOut := runTool("simulate", "--seq-space", "256", "--window", "8", "--data", "5,5", "--loss", "2", "--dup", "2", "--reorder", "2", "--retries", "unlimited", "--runs", "100")
	if code != exitHolds || !strings.Contains(out, "100 random schedules") || !strings.Contains(out, "no violation found") {
		t.Errorf("exit %d, stderr %q\n%s", code, errOut, out)
	}
}

func TestSimulateWritesImages(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runTool("simulate", "--variant", "../../testdata/variants/examples/deliver-out-of-order.yaml", "--seed", "3",
		"--property", "stream-integrity", "--out", dir, "--out-format", "svg")
	if code != exitViolated {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) == 0 {
		t.Fatal("nothing written")
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestSimulateBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"simulate", "--runs", "0"}, "-runs"},
		{[]string{"simulate", "--depth", "-3"}, "-depth"},
		{[]string{"simulate", "--property", "eventually-closed"}, "liveness property"},
		{[]string{"simulate", "--seed", "minus"}, "-seed"},
		{[]string{"simulate", "--loss", "-1"}, "loss"},
		{[]string{"simulate", "--out-format", "bmp"}, "-out-format"},
	} {
		code, out, errOut := runTool(c.args...)
		if code != exitUsage || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", c.args, code, out, errOut)
		}
	}
}

// A time limit stops the runs within a second, however many were asked
// for.
func TestSimulateTimeoutAtAnyRuns(t *testing.T) {
	start := time.Now()
	code, out, _ := runTool("simulate", "--timeout", "1s", "--runs", "100000000")
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("a 1s timeout stopped after %v", elapsed)
	}
	if code != exitLimit || !strings.Contains(out, "stopped (time limit) before the runs were done; no violation found") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// fakeSignals replaces the process's signals by a channel the test sends
// on, and exiting by recording the status.
func fakeSignals(t *testing.T) (send func(), exited <-chan int) {
	var (
		mu  sync.Mutex
		got chan<- os.Signal
	)
	ready := make(chan struct{})
	codes := make(chan int, 1)
	oldNotify, oldExit := notifySignals, exitNow
	notifySignals = func(c chan<- os.Signal) func() {
		mu.Lock()
		got = c
		mu.Unlock()
		close(ready)
		return func() {}
	}
	exitNow = func(code int) { codes <- code }
	t.Cleanup(func() { notifySignals, exitNow = oldNotify, oldExit })
	return func() {
		<-ready
		mu.Lock()
		defer mu.Unlock()
		got <- os.Interrupt
	}, codes
}

// syncBuffer is written by the command and by its signal handler.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Ctrl-C stops the runs within a second and prints the report.
func TestSimulateCtrlC(t *testing.T) {
	send, _ := fakeSignals(t)
	sent := make(chan time.Time, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		sent <- time.Now()
		send()
	}()
	var out, errOut syncBuffer
	code := run([]string{"simulate", "--runs", "100000000"}, &out, &errOut)
	if elapsed := time.Since(<-sent); elapsed > time.Second {
		t.Errorf("Ctrl-C stopped the runs after %v", elapsed)
	}
	if code != exitLimit || !strings.Contains(out.String(), "stopped (interrupted) before the runs were done") {
		t.Errorf("exit %d:\n%s%s", code, out.String(), errOut.String())
	}
}

// A second Ctrl-C exits at once, saying first what was done.
func TestSimulateSecondCtrlC(t *testing.T) {
	send, exited := fakeSignals(t)
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- run([]string{"simulate", "--runs", "100000000"}, &out, &errOut) }()
	send()
	send()
	select {
	case code := <-exited:
		if code != exitLimit {
			t.Errorf("exit %d, want %d", code, exitLimit)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the second Ctrl-C did not exit")
	}
	if s := out.String(); !strings.Contains(s, "random schedules (") || !strings.Contains(s, "interrupted twice; no violation found") {
		t.Errorf("no report before exiting:\n%s", s)
	}
	<-done
}

// The progress line is cleared, and stopping waits until it is, so that
// the report starts on a line of its own.
func TestSimulateProgressCleared(t *testing.T) {
	var errOut syncBuffer
	v, _ := model.Builtin("rfc9293")
	sys, err := model.NewSystem(v, v.Config)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := properties.NewSimulation(sys, properties.SimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := startSimProgress(&errOut, sim, time.Now())
	time.Sleep(600 * time.Millisecond)
	p.stop()
	p.stop()
	s := errOut.String()
	if !strings.Contains(s, " runs  ") || !strings.HasSuffix(s, "\r\033[K") || strings.Count(s, "\r\033[K") < 2 {
		t.Errorf("progress output %q: want a progress line, then the line cleared", s)
	}
}
