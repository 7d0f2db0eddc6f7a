package explore

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// twoPhase is the two-phase commit protocol of Lamport's TwoPhase
// specification (Gray and Lamport, "Consensus on Transaction Commit"):
// a transaction manager and n resource managers, messages kept in a set
// that is never emptied. testdata/spin/twophase.pml is the same model in
// Promela, for comparison with SPIN (testdata/spin/compare.sh).
//
// A state is packed into a word: two bits of state per resource manager
// (working, prepared, committed, aborted), two for the manager (init,
// committed, aborted), the set of managers the TM knows prepared, the
// set of Prepared messages sent, and the Commit and Abort messages.
type twoPhase struct{ n int }

const (
	rmWorking = iota
	rmPrepared
	rmCommitted
	rmAborted
)

const (
	tmInit = iota
	tmCommitted
	tmAborted
)

type tpState uint64

func (tp twoPhase) rm(s tpState, r int) int           { return int(s>>(2*r)) & 3 }
func (tp twoPhase) setRM(s tpState, r, v int) tpState { return s&^(3<<(2*r)) | tpState(v)<<(2*r) }
func (tp twoPhase) tm(s tpState) int                  { return int(s>>(2*tp.n)) & 3 }
func (tp twoPhase) setTM(s tpState, v int) tpState    { return s&^(3<<(2*tp.n)) | tpState(v)<<(2*tp.n) }
func (tp twoPhase) bit(set, r int) tpState            { return 1 << (2*tp.n + 2 + set*tp.n + r) }
func (tp twoPhase) commitMsg() tpState                { return 1 << (4*tp.n + 2) }
func (tp twoPhase) abortMsg() tpState                 { return 1 << (4*tp.n + 3) }
func (tp twoPhase) has(s tpState, set, r int) bool    { return s&tp.bit(set, r) != 0 }
func (twoPhase) Initial() []tpState                   { return []tpState{0} }
func (twoPhase) Key(dst []byte, s tpState) []byte {
	return binary.LittleEndian.AppendUint64(dst, uint64(s))
}
func (tp twoPhase) allPrepared(s tpState) bool { return (s>>(2*tp.n+2))&(1<<tp.n-1) == 1<<tp.n-1 }
func (tp twoPhase) consistent(s tpState) bool {
	return !(tp.anyRM(s, rmCommitted) && tp.anyRM(s, rmAborted))
}

func (tp twoPhase) anyRM(s tpState, v int) bool {
	for r := 0; r < tp.n; r++ {
		if tp.rm(s, r) == v {
			return true
		}
	}
	return false
}

const (
	tmPreparedSet = 0 // the managers the TM has heard are prepared
	preparedMsgs  = 1 // the Prepared messages sent
)

// Successors lists the actions of TwoPhase in a fixed order: the TM's,
// then each resource manager's.
func (tp twoPhase) Successors(s tpState, yield func(string, tpState)) {
	if tp.tm(s) == tmInit {
		if tp.allPrepared(s) {
			yield("TMCommit", tp.setTM(s, tmCommitted)|tp.commitMsg())
		}
		yield("TMAbort", tp.setTM(s, tmAborted)|tp.abortMsg())
	}
	for r := 0; r < tp.n; r++ {
		if tp.tm(s) == tmInit && tp.has(s, preparedMsgs, r) {
			yield("TMRcvPrepared", s|tp.bit(tmPreparedSet, r))
		}
		if tp.rm(s, r) == rmWorking {
			yield("RMPrepare", tp.setRM(s, r, rmPrepared)|tp.bit(preparedMsgs, r))
			yield("RMChooseToAbort", tp.setRM(s, r, rmAborted))
		}
		if s&tp.commitMsg() != 0 {
			yield("RMRcvCommitMsg", tp.setRM(s, r, rmCommitted))
		}
		if s&tp.abortMsg() != 0 {
			yield("RMRcvAbortMsg", tp.setRM(s, r, rmAborted))
		}
	}
}

// twoPhaseStates are the reachable states of TwoPhase with n resource
// managers: 288 for three is what TLC reports for the specification,
// 10,340,352 for nine what SPIN reports for the Promela twin; the test
// below counts up to seven with a plain map as well.
var twoPhaseStates = map[int]uint64{1: 12, 2: 56, 3: 288, 4: 1568, 5: 8832, 6: 50816, 7: 296448, 8: 1745408, 9: 10340352}

func TestTwoPhaseStateCounts(t *testing.T) {
	for n := 1; n <= 7; n++ {
		tp := twoPhase{n}
		res := Run[tpState, string](context.Background(), tp, Options[tpState, string]{
			Invariants: []Invariant[tpState]{{Name: "consistent", Holds: tp.consistent}}})
		if !res.Complete || len(res.Violations) != 0 {
			t.Fatalf("n=%d: complete=%v, %d violations", n, res.Complete, len(res.Violations))
		}
		// An independent count, by a map.
		seen := map[tpState]bool{0: true}
		queue := []tpState{0}
		for len(queue) > 0 {
			s := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			tp.Successors(s, func(_ string, t tpState) {
				if !seen[t] {
					seen[t] = true
					queue = append(queue, t)
				}
			})
		}
		if res.States != uint64(len(seen)) || res.States != twoPhaseStates[n] {
			t.Errorf("n=%d: engine %d states, map %d, known %d", n, res.States, len(seen), twoPhaseStates[n])
		}
	}
}

// BenchmarkTwoPhase is the engine alone on a model whose successors cost
// almost nothing: the visited set, the frontier and the parent links.
// TWOPHASE_RM picks the number of resource managers (default 7, 296,448
// states; 9 gives 10,340,352, the size testdata/spin/compare.sh uses).
func BenchmarkTwoPhase(b *testing.B) {
	n := 7
	if v, err := strconv.Atoi(os.Getenv("TWOPHASE_RM")); err == nil {
		n = v
	}
	tp := twoPhase{n}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("rm=%d/workers=%d", n, workers), func(b *testing.B) {
			var res *Result[tpState, string]
			cpu := processCPU()
			for i := 0; i < b.N; i++ {
				res = Run[tpState, string](context.Background(), tp, Options[tpState, string]{Workers: workers,
					Invariants: []Invariant[tpState]{{Name: "consistent", Holds: tp.consistent}}})
			}
			cpu = processCPU() - cpu
			if want, ok := twoPhaseStates[n]; ok && res.States != want {
				b.Fatalf("%d states, want %d", res.States, want)
			}
			b.ReportMetric(float64(res.States), "states")
			b.ReportMetric(float64(res.States)*float64(b.N)/cpu.Seconds(), "states/cpu-s")
			b.ReportMetric(res.BytesPerState(), "B/state")
		})
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
