package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
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
const childCgroupEnv = "TCPMC_TEST_CGROUP" // a cgroup directory the child joins first

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		if dir := os.Getenv(childCgroupEnv); dir != "" {
			if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(os.Getpid())), 0); err != nil {
				os.Stderr.WriteString("joining the cgroup: " + err.Error() + "\n")
				os.Exit(99)
			}
		}
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
	var env []string
	if as > 0 {
		env = append(env, childASEnv+"="+strconv.FormatUint(as, 10))
	}
	return runChild(t, env, args...)
}

// runChild runs tcpmc with args in a child process with more environment.
func runChild(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), childEnv+"=1"), env...)
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

// TestCgroupLimitStopsTheSearchCleanly: in a cgroup whose memory limit is
// far below what the search needs (as a container or a systemd unit sets
// it), the default --max-memory, three quarters of the cgroup's limit,
// stops the search before the kernel kills it: exit 3 and what it found.
// It needs root and a cgroup memory controller it may write (v1 or v2).
func TestCgroupLimitStopsTheSearchCleanly(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("a few seconds of search in a child process")
	}
	dir := memoryCgroup(t, 128<<20)
	args := []string{"check", "--exact", "--crash", "2", "--property", "handshake-sync,no-stale-connection", "--quiet"}
	code, out, errOut := runChild(t, []string{childCgroupEnv + "=" + dir}, args...)
	if code != exitLimit || strings.Contains(errOut, "fatal") || !strings.Contains(out, "stopped: memory limit") ||
		!strings.Contains(out, "handshake-sync         safety   unknown") {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	// A --max-memory beyond the cgroup's limit (the kernel killed this
	// search at 128 MiB) is lowered to the share the default takes.
	code, out, errOut = runChild(t, []string{childCgroupEnv + "=" + dir}, append(args, "--max-memory", "4GiB")...)
	if code != exitLimit || !strings.Contains(out, "stopped: memory limit") ||
		!strings.Contains(errOut, "--max-memory 4GiB is more than this process may use") {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
}

// memoryCgroup makes a cgroup with a memory limit and removes it after
// the test, or skips the test where it cannot.
func memoryCgroup(t *testing.T, limit uint64) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("making a cgroup needs root")
	}
	name := "tcpmc-test-" + strconv.Itoa(os.Getpid())
	v2 := filepath.Join("/sys/fs/cgroup", name)
	for _, c := range []struct{ dir, file string }{
		{filepath.Join("/sys/fs/cgroup/memory", name), "memory.limit_in_bytes"}, // v1
		{v2, "memory.max"},
	} {
		if c.dir == v2 {
			ctl, err := os.ReadFile("/sys/fs/cgroup/cgroup.subtree_control")
			if err != nil || !strings.Contains(string(ctl), "memory") {
				continue
			}
		}
		if err := os.Mkdir(c.dir, 0o755); err != nil {
			continue
		}
		t.Cleanup(func() { os.Remove(c.dir) })
		if err := os.WriteFile(filepath.Join(c.dir, c.file), []byte(strconv.FormatUint(limit, 10)), 0); err != nil {
			t.Skipf("setting %s: %v", c.file, err)
		}
		return c.dir
	}
	t.Skip("no cgroup memory controller to write here")
	return ""
}
