//go:build linux

package explore

import "syscall"

// allocTable returns zeroed memory for the fingerprint table. Large tables
// are mapped directly and marked for transparent huge pages: lookups land
// at random, and with 4 KiB pages nearly every one also misses the TLB.
func allocTable(n int) []byte {
	if n < 4<<20 {
		return make([]byte, n)
	}
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, n)
	}
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE) // advice only: fine if refused
	return b
}

// freeTable returns a table from allocTable.
func freeTable(b []byte) {
	if len(b) >= 4<<20 {
		_ = syscall.Munmap(b)
	}
}
