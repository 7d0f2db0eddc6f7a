package explore

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestProcessMemoryReadsEveryBound reads a fake /proc and /sys: the
// least limit of a cgroup and its ancestors counts, v2 and v1 alike, and
// "max" or v1's huge number means no limit.
func TestProcessMemoryReadsEveryBound(t *testing.T) {
	noRlimit := func(int) uint64 { return 0 }
	v2 := t.TempDir()
	writeFiles(t, v2, map[string]string{
		"proc/self/cgroup":                        "0::/user.slice/job\n",
		"proc/meminfo":                            "MemTotal:       8000000 kB\nMemFree: 1 kB\n",
		"proc/self/status":                        "VmSize:\t 1000 kB\nVmData:\t 500 kB\n",
		"sys/fs/cgroup/user.slice/memory.max":     "3000000000\n",
		"sys/fs/cgroup/user.slice/job/memory.max": "max\n",
	})
	l := processMemory(v2, noRlimit)
	if l.cgroup != 3000000000 || l.physical != 8000000*1024 || l.mappedAS != 1000*1024 || l.mappedData != 500*1024 {
		t.Errorf("v2: %+v", l)
	}
	if got, want := memoryShare(l), uint64(3000000000/4*3); got != want {
		t.Errorf("v2 share %d, want %d (three quarters of the cgroup's limit)", got, want)
	}

	v1 := t.TempDir()
	writeFiles(t, v1, map[string]string{
		"proc/self/cgroup": "5:devices:/x\n4:memory,cpu:/a/b\n",
		"sys/fs/cgroup/memory/a/b/memory.limit_in_bytes": "9223372036854771712\n",
		"sys/fs/cgroup/memory/a/memory.limit_in_bytes":   "1073741824\n",
	})
	if l := processMemory(v1, noRlimit); l.cgroup != 1<<30 {
		t.Errorf("v1: cgroup limit %d, want the parent's 1 GiB", l.cgroup)
	}

	none := t.TempDir()
	writeFiles(t, none, map[string]string{"proc/self/cgroup": "0::/\n", "sys/fs/cgroup/memory.max": "max\n"})
	if l := processMemory(none, noRlimit); l.cgroup != 0 {
		t.Errorf("no limit read as %d", l.cgroup)
	}

	as := func(r int) uint64 {
		if r == syscall.RLIMIT_AS {
			return 4 << 30
		}
		return 0
	}
	l = processMemory(v2, as)
	l.mappedAS = 1 << 30
	if got, want := memoryShare(l), uint64(1<<30); got != want {
		t.Errorf("under a 4 GiB address-space rlimit with 1 GiB mapped: share %d, want %d (a third of what is left)", got, want)
	}
	// MemoryCeiling leaves the machine's memory out: the hard bounds
	// alone decide, even above the 4 GiB taken when nothing is known.
	if got, want := memoryShare(memoryLimits{cgroup: 16 << 30}), uint64(12<<30); got != want {
		t.Errorf("a 16 GiB cgroup alone: share %d, want %d", got, want)
	}
	if got, want := memoryShare(memoryLimits{}), uint64(4<<30); got != want {
		t.Errorf("nothing known: share %d, want %d", got, want)
	}
}

// TestBudgetRefusesPastItsLimit: reserve accounts until the limit, then
// refuses and remembers it; free gives bytes back.
func TestBudgetRefusesPastItsLimit(t *testing.T) {
	b := &budget{limit: 100}
	if !b.reserve(60) || b.reserve(41) || !b.refused.Load() {
		t.Fatal("60 then 41 bytes of 100: want the second refused")
	}
	b.free(60)
	b.heap.Store(90)
	if b.reserve(11) {
		t.Fatal("a heap of 90 leaves no room for 11 more of 100")
	}
	var unlimited *budget
	if !unlimited.reserve(1 << 40) {
		t.Fatal("a nil budget refused")
	}
}
