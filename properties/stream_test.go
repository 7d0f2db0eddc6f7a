package properties

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tcpmc/tcpmc/model"
)

// violatesStream says whether any step of a trace violates
// stream-integrity, by the step-by-step check of the search.
func violatesStream(sys *model.System, tr *Trace) bool {
	mon, _ := NewMonitor(sys, []string{StreamIntegrity.Name})
	prev := tr.Start
	for _, ps := range tr.Steps {
		if len(mon.Step(prev, ps.Step, ps.State)) > 0 {
			return true
		}
		prev = ps.State
	}
	return false
}

// Porcupine and stream-integrity are independent checks of the same
// promise: on every counterexample of the catalog they must agree.
func TestStreamCheckAgreesOnCatalogCounterexamples(t *testing.T) {
	agreed, rejected := 0, 0
	for _, v := range model.Builtins() {
		rep := catalog(t)[v.Name]
		sys := rep.System()
		for _, r := range rep.Results {
			if r.Counterexample == nil {
				continue
			}
			res := CheckStream(ModelStreamHistory(sys, r.Counterexample))
			want := Holds
			if violatesStream(sys, r.Counterexample) {
				want = Violated
				rejected++
			}
			if res.Verdict != want {
				t.Errorf("%s, counterexample of %s: porcupine says %s, stream-integrity %s", v.Name, r.Property.Name, res.Verdict, want)
			}
			agreed++
		}
	}
	if rejected == 0 || agreed == rejected {
		t.Errorf("%d counterexamples, %d with a broken stream: the test needs both kinds", agreed, rejected)
	}
	t.Logf("%d counterexamples compared, %d with a broken stream", agreed, rejected)
}

// The same on random walks through rfc9293 under faults: data is sent and
// received, and porcupine accepts every history.
func TestStreamCheckAcceptsRandomRFC9293Runs(t *testing.T) {
	v := model.RFC9293()
	cfg := v.Config
	cfg.Data = [2]int{3, 2}
	sys, err := model.NewSystem(v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	received := 0
	for walk := 0; walk < 500; walk++ {
		tr := &Trace{Start: sys.Initial()[0]}
		s := tr.Start
		for len(tr.Steps) < 80 {
			var next []model.PathStep
			sys.Successors(s, func(st model.Step, to model.State) { next = append(next, model.PathStep{Step: st, State: to}) })
			if len(next) == 0 {
				break
			}
			ps := next[rng.IntN(len(next))]
			tr.Steps = append(tr.Steps, ps)
			s = ps.State
		}
		h := ModelStreamHistory(sys, tr)
		for _, op := range h.Ops {
			if !op.Send {
				received++
			}
		}
		if res := CheckStream(h); res.Verdict != Holds {
			t.Fatalf("walk %d: porcupine says %s:\n%s", walk, res.Verdict, Chart(sys, tr))
		}
	}
	if received < 500 {
		t.Errorf("only %d octets received over 500 walks", received)
	}
}

func TestStreamCheckRejectsBrokenHistories(t *testing.T) {
	op := func(send bool, v int, call, ret int64) StreamOp {
		return StreamOp{Stream: 1, Send: send, Values: []int{v}, Call: call, Return: ret, Note: "octet"}
	}
	for name, c := range map[string]struct {
		ops  []StreamOp
		want Verdict
	}{
		"in order":              {[]StreamOp{op(true, 1, 0, 1), op(true, 2, 2, 3), op(false, 1, 0, 5), op(false, 2, 5, 6)}, Holds},
		"lost":                  {[]StreamOp{op(true, 1, 0, 1), op(true, 2, 2, 3), op(false, 2, 4, 5)}, Violated},
		"duplicated":            {[]StreamOp{op(true, 1, 0, 1), op(false, 1, 2, 3), op(false, 1, 4, 5)}, Violated},
		"reordered":             {[]StreamOp{op(true, 1, 0, 1), op(true, 2, 2, 3), op(false, 2, 4, 5), op(false, 1, 6, 7)}, Violated},
		"never sent":            {[]StreamOp{op(false, 9, 0, 1)}, Violated},
		"received while sent":   {[]StreamOp{op(true, 1, 0, 10), op(false, 1, 5, 6)}, Holds},
		"received before sent":  {[]StreamOp{op(false, 1, 0, 1), op(true, 1, 2, 3)}, Violated},
		"other stream is apart": {[]StreamOp{op(true, 1, 0, 1), {Stream: 2, Values: []int{1}, Call: 2, Return: 3}}, Violated},
	} {
		res := CheckStream(StreamHistory{Ops: c.ops})
		if res.Verdict != c.want {
			t.Errorf("%s: %s, want %s", name, res.Verdict, c.want)
		}
		if res.Verdict == Violated {
			var b bytes.Buffer
			if err := res.WriteHTML(&b); err != nil || !strings.Contains(b.String(), "<html") {
				t.Errorf("%s: visualisation: %v", name, err)
			}
		}
	}
}
