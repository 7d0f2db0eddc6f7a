package properties

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/tcpmc/tcpmc/model"
)

func safetyNames() []string {
	var out []string
	for _, p := range Catalog() {
		if p.Kind == Safety {
			out = append(out, p.Name)
		}
	}
	return out
}

func livenessNames() []string {
	var out []string
	for _, p := range Catalog() {
		if p.Kind == Liveness {
			out = append(out, p.Name)
		}
	}
	return out
}

// benchCheck reports states explored per second of wall-clock and of
// CPU time (the figure to compare on a shared machine), and the memory
// kept per state: for the safety search, the visited set plus parent
// links; for the liveness search, the stored state graph, and the Go
// heap's peak. Compare runs with benchstat.
func benchCheck(b *testing.B, cfg model.Config, props []string) {
	sys, err := model.NewSystem(model.RFC9293(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	var rep *Report
	cpu := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err = Check(context.Background(), sys, Options{Properties: props})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu = cpuTime() - cpu
	if !rep.Complete {
		b.Fatalf("incomplete: %s", rep.Stopped)
	}
	b.ReportMetric(float64(rep.States), "states")
	b.ReportMetric(float64(rep.States)*float64(b.N)/b.Elapsed().Seconds(), "states/s")
	b.ReportMetric(float64(rep.States)*float64(b.N)/cpu.Seconds(), "states/cpu-s")
	if l := rep.Liveness; l != nil {
		b.ReportMetric(float64(l.Bytes)/float64(rep.States), "graph-B/state")
		b.ReportMetric(float64(l.PeakHeap)/float64(rep.States), "heap-B/state")
	} else {
		b.ReportMetric(rep.BytesPerState(), "B/state")
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func largeConfig() model.Config {
	cfg := model.DefaultConfig()
	cfg.Data = [2]int{2, 1}
	cfg.Crash = 1
	return cfg
}

// BenchmarkSafetyDefault is the safety search of `tcpmc check`.
func BenchmarkSafetyDefault(b *testing.B) { benchCheck(b, model.DefaultConfig(), safetyNames()) }

// BenchmarkLivenessDefault is its liveness search over the state graph.
func BenchmarkLivenessDefault(b *testing.B) { benchCheck(b, model.DefaultConfig(), livenessNames()) }

// BenchmarkSafetyLarge adds a crash and more data: millions of states,
// where the visited set's fixed start-up size no longer dominates the
// memory per state.
func BenchmarkSafetyLarge(b *testing.B) { benchCheck(b, largeConfig(), safetyNames()) }

// BenchmarkLivenessLarge is the liveness search of the large
// configuration: the state graph of millions of states.
func BenchmarkLivenessLarge(b *testing.B) { benchCheck(b, largeConfig(), livenessNames()) }
