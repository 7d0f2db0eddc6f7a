package explore

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// memoryProbe samples the Go heap (objects live or not yet swept), the
// honest figure for a memory limit: data-structure estimates miss maps'
// overheads, slices' spare capacity and garbage. It samples at most every
// memoryCheckEvery and keeps the peak for the report.
type memoryProbe struct {
	sample []metrics.Sample
	last   time.Time
	peak   uint64
}

func newMemoryProbe() *memoryProbe {
	return &memoryProbe{sample: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
}

// read returns the heap in use now (sampled at most every
// memoryCheckEvery unless force).
func (m *memoryProbe) read(force bool) uint64 {
	if !force && time.Since(m.last) < memoryCheckEvery {
		return m.peak
	}
	m.last = time.Now()
	metrics.Read(m.sample)
	v := m.sample[0].Value
	if v.Kind() != metrics.KindUint64 {
		return m.peak
	}
	m.peak = max(m.peak, v.Uint64())
	return v.Uint64()
}

// budget accounts the memory of the search's growing structures (visited
// set, parent links, frontier) before each allocation, so that the search
// stops at its limit instead of dying half-way through doubling a table.
// A nil budget or a zero limit accounts without refusing. It is safe for
// concurrent use: partitions of the visited set grow from several workers.
type budget struct {
	limit uint64
	used  atomic.Uint64
	// heap is the last heap sample: what the structures do not account
	// for (garbage, the model's caches) still counts against the limit.
	heap    atomic.Uint64
	refused atomic.Bool
	// mapped is the last sample of the address space the process has
	// mapped, and mapLimit what its rlimit allows less a margin (0: no
	// rlimit): the heap is a part of what a process maps, and threads'
	// stacks and the C library's arenas count against the rlimit too.
	mapped, mapLimit uint64
}

func newBudget(limit uint64) *budget {
	b := &budget{limit: limit}
	if as := readRlimit(syscall.RLIMIT_AS); as > 0 && limit > 0 {
		b.mapLimit = as - as/8
	}
	return b
}

// sample records the heap now and, under an address-space rlimit, what
// the process has mapped.
func (b *budget) sample(heap uint64) {
	b.heap.Store(heap)
	if b.mapLimit > 0 {
		atomic.StoreUint64(&b.mapped, procField("/proc/self/status", "VmSize:"))
	}
}

// overMapLimit reports whether the process has mapped more than its
// rlimit leaves room for.
func (b *budget) overMapLimit(n uint64) bool {
	return b.mapLimit > 0 && atomic.LoadUint64(&b.mapped)+n > b.mapLimit
}

// reserve accounts n more bytes, or refuses (and remembers it refused)
// when they would take the accounted memory or the heap past the limit.
func (b *budget) reserve(n uint64) bool {
	if b == nil {
		return true
	}
	for {
		u := b.used.Load()
		if b.limit > 0 && (u+n > b.limit || b.heap.Load()+n > b.limit || b.overMapLimit(n)) {
			b.refused.Store(true)
			return false
		}
		if b.used.CompareAndSwap(u, u+n) {
			return true
		}
	}
}

// free gives back n bytes reserved earlier.
func (b *budget) free(n uint64) {
	if b != nil {
		b.used.Add(^(n - 1))
	}
}

// DefaultMaxMemory is the memory limit a search should keep to when the
// user gives none: a share of what this process may really use, the least
// of its cgroup's memory limit (v2 memory.max or v1
// memory.limit_in_bytes), what its address-space and data-segment
// rlimits leave beyond what it has mapped already, and the machine's
// memory. The share leaves headroom for what the Go runtime maps beyond
// the heap it reports: spans not yet returned, the garbage collector's
// own data, threads' stacks.
func DefaultMaxMemory() uint64 {
	return memoryShare(processMemory("/", readRlimit))
}

// memoryLimits is what bounds the process's memory, in bytes (0: no
// such bound); mappedAS and mappedData are what the process has mapped
// already (VmSize and VmData: a Go program reserves about 1.5 GiB of
// address space before it allocates anything).
type memoryLimits struct {
	cgroup, addressSpace, data, physical uint64
	mappedAS, mappedData                 uint64
}

// MemoryCeiling is the most a search may be given and still stop before
// the kernel stops it: the share DefaultMaxMemory takes of the cgroup's
// limit and the rlimits, without the part about the machine's memory; 0
// when none of them bounds this process.
func MemoryCeiling() uint64 {
	l := processMemory("/", readRlimit)
	if l.cgroup == 0 && l.addressSpace == 0 && l.data == 0 {
		return 0
	}
	l.physical = 0
	return memoryShare(l)
}

func memoryShare(l memoryLimits) uint64 {
	limit := uint64(4 << 30) // when nothing can be read
	if l.physical > 0 {
		limit = l.physical / 2
	} else if l.cgroup > 0 || l.addressSpace > 0 || l.data > 0 {
		limit = ^uint64(0) // the hard bounds alone decide (MemoryCeiling)
	}
	if l.cgroup > 0 {
		limit = min(limit, l.cgroup/4*3)
	}
	left := func(cap, used uint64) uint64 { return (cap - min(cap, used)) / 3 }
	if l.data > 0 {
		limit = min(limit, left(l.data, l.mappedData))
	}
	if l.addressSpace > 0 {
		limit = min(limit, left(l.addressSpace, l.mappedAS))
	}
	return max(limit, 16<<20)
}

func readRlimit(resource int) uint64 {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(resource, &r); err != nil || r.Cur == ^uint64(0) {
		return 0
	}
	return r.Cur
}

// processMemory reads the bounds on this process's memory, with root the
// file system root (a test's fake tree) and rlimit the rlimit reader.
func processMemory(root string, rlimit func(resource int) uint64) memoryLimits {
	l := memoryLimits{
		cgroup:       cgroupMemoryLimit(root),
		addressSpace: rlimit(syscall.RLIMIT_AS),
		data:         rlimit(syscall.RLIMIT_DATA),
	}
	l.physical = procField(filepath.Join(root, "proc/meminfo"), "MemTotal:")
	l.mappedAS = procField(filepath.Join(root, "proc/self/status"), "VmSize:")
	l.mappedData = procField(filepath.Join(root, "proc/self/status"), "VmData:")
	return l
}

// procField reads a "Name: N kB" line of a /proc file, in bytes.
func procField(file, name string) uint64 {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == name {
			if kb, err := strconv.ParseUint(f[1], 10, 64); err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// cgroupMemoryLimit is the least memory limit of this process's cgroup
// and its ancestors, v2 or v1, or 0 when there is none.
func cgroupMemoryLimit(root string) uint64 {
	f, err := os.Open(filepath.Join(root, "proc/self/cgroup"))
	if err != nil {
		return 0
	}
	defer f.Close()
	var limit uint64
	least := func(v uint64) {
		if v > 0 && (limit == 0 || v < limit) {
			limit = v
		}
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// hierarchy-ID:controllers:path
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			for _, mnt := range []string{"sys/fs/cgroup", "sys/fs/cgroup/unified"} {
				least(cgroupFile(filepath.Join(root, mnt), parts[2], "memory.max"))
			}
		case hasController(parts[1], "memory"):
			least(cgroupFile(filepath.Join(root, "sys/fs/cgroup/memory"), parts[2], "memory.limit_in_bytes"))
		}
	}
	return limit
}

func hasController(list, name string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// cgroupFile reads a limit file in the cgroup at path under mount and in
// each of its ancestors (a container sees its own cgroup as the root, so
// the path may not exist below the mount: then the mount's own file
// counts), and returns the least, or 0 for none ("max", or v1's huge
// number).
func cgroupFile(mount, path, name string) uint64 {
	var limit uint64
	for dir := filepath.Join(mount, filepath.Clean("/"+path)); ; dir = filepath.Dir(dir) {
		if data, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			v, err := strconv.ParseUint(string(bytes.TrimSpace(data)), 10, 64)
			if err == nil && v < 1<<60 && (limit == 0 || v < limit) {
				limit = v
			}
		}
		if dir == mount || len(dir) <= len(mount) {
			return limit
		}
	}
}
