package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The memory tests run tcpmc in a child process (this test binary, told by
// an environment variable to act as tcpmc) with an address-space rlimit,
// as `ulimit -v` or `prlimit --as` would set it.
const childEnv = "TCPMC_TEST_RUN_AS_TCPMC"
const childASEnv = "TCPMC_TEST_RLIMIT_AS"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		if as, err := strconv.ParseUint(os.Getenv(childASEnv), 10, 64); err == nil {
			if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: as, Max: as}); err != nil {
				os.Stderr.WriteString("setrlimit: " + err.Error() + "\n")
				os.Exit(99)
			}
		}
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// runLimited runs tcpmc with args in a child process, under an
// address-space limit of as bytes unless as is 0.
func runLimited(t *testing.T, as uint64, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	if as > 0 {
		cmd.Env = append(cmd.Env, childASEnv+"="+strconv.FormatUint(as, 10))
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errOut.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errOut.String()
}

// TestAddressSpaceLimitStopsTheSearchCleanly: under an address-space
// rlimit far below what an exact search with two crashes needs (it died
// with "fatal error: out of memory" and no output under 8 GiB), the
// default --max-memory keeps the search within the rlimit: it stops with
// exit 3 and prints what it found, in text and in JSON.
func TestAddressSpaceLimitStopsTheSearchCleanly(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector maps far more address space than the program")
	}
	if testing.Short() {
		t.Skip("a few seconds of search in a child process")
	}
	const as = 2 << 30
	args := []string{"check", "--exact", "--crash", "2", "--property", "handshake-sync,no-stale-connection", "--quiet"}
	code, out, errOut := runLimited(t, as, args...)
	if code != exitLimit || strings.Contains(errOut, "fatal") || !strings.Contains(out, "stopped: memory limit") ||
		!strings.Contains(out, "handshake-sync         safety   unknown") {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	code, out, errOut = runLimited(t, as, append(args, "--json")...)
	var rep struct {
		Complete bool
		Stopped  string
		States   uint64
		Results  []struct{ Verdict string } `json:"properties"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitLimit {
		t.Fatalf("exit %d, %v, stderr %q, stdout:\n%s", code, err, errOut, out)
	}
	if rep.Complete || rep.Stopped != "memory limit" || rep.States < 1000 || len(rep.Results) != 2 || rep.Results[0].Verdict != "unknown" {
		t.Fatalf("JSON report: %+v", rep)
	}
}
