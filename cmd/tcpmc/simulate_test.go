package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	code, out2, _ := runTool(again...)
	chart := func(s string) string { return s[strings.Index(s, "random schedule, "):strings.Index(s, "reproduce:")] }
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
