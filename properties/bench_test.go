package properties

import (
	"context"
	"testing"

	"github.com/tcpmc/tcpmc/model"
)

// benchCheck reports states explored per second and the memory kept per
// state (visited set plus parent links). Compare runs with benchstat.
func benchCheck(b *testing.B, cfg model.Config) {
	sys, err := model.NewSystem(model.RFC9293(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	var rep *Report
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err = Check(context.Background(), sys, Options{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if !rep.Complete {
		b.Fatalf("incomplete: %s", rep.Stopped)
	}
	b.ReportMetric(float64(rep.States), "states")
	b.ReportMetric(float64(rep.States)*float64(b.N)/b.Elapsed().Seconds(), "states/s")
	b.ReportMetric(rep.BytesPerState(), "B/state")
}

// BenchmarkCheckDefault is `tcpmc check` with no flags.
func BenchmarkCheckDefault(b *testing.B) { benchCheck(b, model.DefaultConfig()) }

// BenchmarkCheckLarge adds a second incarnation, a crash and more data:
// millions of states, where the visited set's fixed start-up size no
// longer dominates the memory per state.
func BenchmarkCheckLarge(b *testing.B) {
	cfg := model.DefaultConfig()
	cfg.Data = [2]int{2, 1}
	cfg.Incarnations = 2
	cfg.Crash = 1
	benchCheck(b, cfg)
}
