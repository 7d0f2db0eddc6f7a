package properties

import (
	"context"
	"testing"

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

// benchCheck reports states explored per second and the memory kept per
// state: for the safety search, the visited set plus parent links; for
// the liveness search, the stored state graph. Compare runs with benchstat.
func benchCheck(b *testing.B, cfg model.Config, props []string) {
	sys, err := model.NewSystem(model.RFC9293(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	var rep *Report
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err = Check(context.Background(), sys, Options{Properties: props})
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
	if rep.Liveness != nil {
		b.ReportMetric(float64(rep.Liveness.Bytes)/float64(rep.States), "graph-B/state")
	} else {
		b.ReportMetric(rep.BytesPerState(), "B/state")
	}
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
