//go:build !linux

package explore

func allocTable(n int) []byte { return make([]byte, n) }

func freeTable([]byte) {}
