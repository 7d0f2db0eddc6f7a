package model

import (
	"testing"
)

// BenchmarkSuccessors measures successor generation alone over the first
// few thousand reachable states of a configuration.
func BenchmarkSuccessors(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Data = [2]int{2, 1}
	cfg.Incarnations = 2
	cfg.Crash = 1
	sys, _ := NewSystem(RFC9293(), cfg)
	// Collect a sample of states breadth-first.
	var sample []State
	seen := map[State]bool{}
	queue := sys.Initial()
	for len(queue) > 0 && len(sample) < 20000 {
		s := queue[0]
		queue = queue[1:]
		sample = append(sample, s)
		sys.Successors(s, func(_ Step, n State) {
			if !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		})
	}
	succ := sys.Fork()
	n := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		succ(sample[i%len(sample)], func(Step, State) { n++ })
	}
	b.ReportMetric(float64(n)/float64(b.N), "succ/state")
}
