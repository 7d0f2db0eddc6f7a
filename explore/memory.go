package explore

import (
	"runtime/metrics"
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
