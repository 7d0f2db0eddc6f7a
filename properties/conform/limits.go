package conform

import (
	"context"
	"errors"
	"runtime/metrics"
	"time"
)

// Stop says why a check of captures or scripts ended early.
type Stop string

const (
	Interrupted Stop = "interrupted"
	TimeLimit   Stop = "time limit"
	MemoryLimit Stop = "memory limit"
)

var errTimeLimit = errors.New("time limit")

// visitedEntryBytes estimates what an entry of the search's visited map
// costs beside its key and value.
const visitedEntryBytes = 120

// memoryCheck samples the Go heap, at most every 100 ms, against a limit.
type memoryCheck struct {
	limit  uint64
	sample []metrics.Sample
	last   time.Time
	heap   uint64
}

func newMemoryCheck(limit uint64) *memoryCheck {
	return &memoryCheck{limit: limit, sample: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
}

func (m *memoryCheck) read() uint64 {
	if time.Since(m.last) >= 100*time.Millisecond {
		m.last = time.Now()
		metrics.Read(m.sample)
		if v := m.sample[0].Value; v.Kind() == metrics.KindUint64 {
			m.heap = v.Uint64()
		}
	}
	return m.heap
}

// room reports whether n more bytes fit under the limit.
func (m *memoryCheck) room(n uint64) bool { return m.limit == 0 || m.read()+n <= m.limit }

// stop says whether to stop now: ctx done, or the heap at the limit.
func (m *memoryCheck) stop(ctx context.Context) Stop {
	switch {
	case ctx.Err() == nil:
	case errors.Is(context.Cause(ctx), errTimeLimit):
		return TimeLimit
	default:
		return Interrupted
	}
	if m.limit > 0 && m.read() >= m.limit {
		return MemoryLimit
	}
	return ""
}
