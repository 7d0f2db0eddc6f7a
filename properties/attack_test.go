package properties

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tcpmc/tcpmc/explore"
	"github.com/tcpmc/tcpmc/model"
)

// attackSystem builds a variant under its own configuration with settings
// changed.
func attackSystem(t *testing.T, variant string, kv ...string) *model.System {
	t.Helper()
	v, ok := model.Builtin(variant)
	if !ok {
		t.Fatalf("no variant %s", variant)
	}
	cfg := v.Config
	for i := 0; i+1 < len(kv); i += 2 {
		if err := model.ApplySetting(&cfg, kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	sys, err := model.NewSystem(v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sys
}

// The workload of rfc793-rst and rfc793-syn, applied to rfc9293.
func attackedRFC9293(t *testing.T, kind string, kv ...string) *model.System {
	return attackSystem(t, "rfc9293", append([]string{"attack", "1", "attack-segments", kind, "attack-states", "ESTABLISHED",
		"data", "0", "incarnations", "1", "loss", "0", "dup", "0", "reorder", "0"}, kv...)...)
}

func checkAttack(t *testing.T, sys *model.System, props ...string) *Report {
	t.Helper()
	rep, err := Check(context.Background(), sys, Options{Properties: props})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Complete && rep.Stopped != explore.AllViolated {
		t.Fatalf("search incomplete: %s", rep.Stopped)
	}
	for _, r := range rep.Results {
		if tr := r.Counterexample; tr != nil {
			if err := sys.Replay(tr.Start, tr.Steps); err != nil {
				t.Errorf("%s: counterexample does not replay: %v", r.Property.Name, err)
			}
		}
	}
	return rep
}

func wantCount(t *testing.T, rep *Report, prop string, succeeded, outOf int) {
	t.Helper()
	r, ok := rep.Result(prop)
	if !ok || r.Verdict != Violated {
		t.Fatalf("%s: want violated, got %+v", prop, r.Verdict)
	}
	if r.Attack == nil {
		t.Fatalf("%s: no attack count", prop)
	}
	if !r.Attack.Complete || r.Attack.Succeeded != succeeded || r.Attack.OutOf != outOf {
		t.Errorf("%s: attack %d of %d (complete %v), want %d of %d", prop, r.Attack.Succeeded, r.Attack.OutOf, r.Attack.Complete, succeeded, outOf)
	}
	if k := r.Counterexample.Steps[r.Attack.Step].Step.Kind; k != model.Forge {
		t.Errorf("%s: the counted step is a %s, not a forged segment", prop, k)
	}
}

// A blind attacker's RST: RFC 793 resets on any sequence number in the
// window, RFC 5961 only on RCV.NXT. The window is varied so that the
// count is seen to follow it.
func TestAttackBlindRST(t *testing.T) {
	for _, window := range []string{"2", "4", "6"} {
		w := map[string]int{"2": 2, "4": 4, "6": 6}[window]
		rep := checkAttack(t, attackSystem(t, "rfc793-rst", "window", window), "reset-only-by-peer", "no-half-open", "orderly-release")
		wantCount(t, rep, "reset-only-by-peer", w, 32)
		wantCount(t, rep, "no-half-open", w, 32)
		if r, _ := rep.Result("orderly-release"); r.Verdict != Holds {
			t.Errorf("window %s: orderly-release %s: a forged reset must be blamed on the attack", window, r.Verdict)
		}
		rep = checkAttack(t, attackedRFC9293(t, "rst", "window", window), "reset-only-by-peer", "no-half-open", "orderly-release")
		wantCount(t, rep, "reset-only-by-peer", 1, 32)
		wantCount(t, rep, "no-half-open", 1, 32)
		if r, _ := rep.Result("orderly-release"); r.Verdict != Holds {
			t.Errorf("rfc9293, window %s: orderly-release %s", window, r.Verdict)
		}
	}
}

// A blind attacker's SYN: RFC 793 resets on one in the window, RFC 5961
// answers every one with a challenge ACK and keeps the connection.
func TestAttackBlindSYN(t *testing.T) {
	rep := checkAttack(t, attackSystem(t, "rfc793-syn"), "reset-only-by-peer", "no-half-open")
	wantCount(t, rep, "reset-only-by-peer", 4, 32)
	wantCount(t, rep, "no-half-open", 4, 32)

	sys := attackedRFC9293(t, "syn")
	rep = checkAttack(t, sys)
	for _, r := range rep.Results {
		if r.Verdict != Holds {
			t.Errorf("rfc9293 against a forged SYN: %s %s", r.Property.Name, r.Verdict)
		}
	}
	// The challenge ACK: an established endpoint answers a forged SYN in
	// its window with <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and stays.
	challenged := 0
	forEachReachable(t, sys, func(s model.State, st model.Step, next model.State) {
		if st.Kind != model.Forge {
			return
		}
		ep := s.Ends[st.Side]
		if next.Ends[st.Side].State != ep.State {
			t.Errorf("a forged SYN moved %s to %s", ep.State, next.Ends[st.Side].State)
		}
		if st.NOut == 1 && st.Out[0].Ctl() == model.ACK && st.Out[0].Seq() == ep.SndNxt && st.Out[0].Ack() == ep.RcvNxt {
			challenged++
		}
	})
	if challenged == 0 {
		t.Error("no forged SYN drew a challenge ACK")
	}
}

// forEachReachable visits every transition of the reachable state space.
func forEachReachable(t *testing.T, sys *model.System, visit func(model.State, model.Step, model.State)) {
	t.Helper()
	seen := map[model.State]bool{}
	queue := sys.Initial()
	for _, s := range queue {
		seen[s] = true
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		sys.Successors(s, func(st model.Step, next model.State) {
			visit(s, st, next)
			if !seen[next] {
				seen[next] = true
				queue = append(queue, next)
			}
		})
		if len(seen) > 200000 {
			t.Fatal("state space larger than expected")
		}
	}
}

// An on-path attacker reads RCV.NXT off the segments in flight: RFC
// 5961's exact match does not stop it (RFC 5961 section 1 leaves on-path
// attackers out of scope), and there is nothing to count.
func TestAttackOnPath(t *testing.T) {
	sys := attackedRFC9293(t, "rst", "attacker", "on-path")
	rep := checkAttack(t, sys, "reset-only-by-peer")
	r, _ := rep.Result("reset-only-by-peer")
	if r.Verdict != Violated || r.Attack != nil {
		t.Fatalf("on-path RST against rfc9293: %s, count %+v; want violated, no count", r.Verdict, r.Attack)
	}
	// It forges only with numbers it has seen.
	forEachReachable(t, sys, func(s model.State, st model.Step, _ model.State) {
		if st.Kind != model.Forge {
			return
		}
		seen := false
		for side := model.A; side <= model.B; side++ {
			for _, seg := range s.Channel(side) {
				end := uint8((int(seg.Seq()) + seg.Len()) % 32)
				seen = seen || st.Seg.Seq() == seg.Seq() || st.Seg.Seq() == end || seg.Has(model.ACK) && st.Seg.Seq() == seg.Ack()
			}
		}
		if !seen {
			t.Fatalf("on-path attacker forged seq %d, seen in no segment in flight: %v", st.Seg.Seq(), s.Channel(model.A))
		}
	})
}

// The budget, the kinds and the states attacked bound what the attacker
// does.
func TestAttackBounds(t *testing.T) {
	sys := attackSystem(t, "rfc9293", "attack", "2", "attack-segments", "rst,fin", "attack-states", "FIN-WAIT-2,CLOSE-WAIT",
		"data", "0", "incarnations", "1", "loss", "0", "dup", "0", "reorder", "0", "seq-space", "8", "window", "2")
	forged := 0
	forEachReachable(t, sys, func(s model.State, st model.Step, next model.State) {
		if next.Forged() > 2 {
			t.Fatalf("%d segments forged with a budget of 2", next.Forged())
		}
		if st.Kind != model.Forge {
			if next.Forged() != s.Forged() {
				t.Fatalf("a %s step changed the forged count", st.Kind)
			}
			return
		}
		forged++
		if next.Forged() != s.Forged()+1 {
			t.Fatalf("a forged segment did not spend the budget")
		}
		if k := model.KindOf(st.Seg); k != model.ForgeRST && k != model.ForgeFIN {
			t.Fatalf("forged a %s", k)
		}
		if st := s.Ends[st.Side].State; st != model.FinWait2 && st != model.CloseWait {
			t.Fatalf("attacked an endpoint in %s", st)
		}
		if !st.Seg.Forged() {
			t.Fatal("a forged segment without its ghost mark")
		}
	})
	if forged == 0 {
		t.Fatal("the attacker never acted")
	}
	// Without an attacker nothing is forged.
	forEachReachable(t, attackSystem(t, "rfc9293", "data", "0", "incarnations", "1"), func(_ model.State, st model.Step, _ model.State) {
		if st.Kind == model.Forge {
			t.Fatal("a forged segment without an attacker")
		}
	})
}

// Forged data that lands at RCV.NXT is handed to the application:
// stream-integrity is violated, and the count says by how many guesses.
func TestAttackBlindData(t *testing.T) {
	sys := attackedRFC9293(t, "data", "seq-space", "8", "window", "2")
	rep := checkAttack(t, sys, "stream-integrity")
	r, _ := rep.Result("stream-integrity")
	if r.Verdict != Violated || r.Attack == nil {
		t.Fatalf("stream-integrity %s, count %+v", r.Verdict, r.Attack)
	}
	if r.Attack.OutOf != 64 || r.Attack.Succeeded < 1 || r.Attack.Succeeded >= 64 {
		t.Errorf("forged data: %d of %d, want out of 64 (8 sequence times 8 acknowledgment numbers), some but not all", r.Attack.Succeeded, r.Attack.OutOf)
	}
}

// JSON marks the forged step and gives the count on the property; a saved
// report is rebuilt by replaying it.
func TestAttackJSON(t *testing.T) {
	sys := attackSystem(t, "rfc793-rst")
	rep := checkAttack(t, sys, "reset-only-by-peer")
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Config     map[string]any `json:"config"`
		Properties []struct {
			Name   string `json:"name"`
			Attack *struct {
				Succeeded int `json:"succeeded"`
				OutOf     int `json:"out_of"`
			} `json:"attack"`
			Counterexample struct {
				Steps []struct {
					Kind    string `json:"kind"`
					Forged  bool   `json:"forged"`
					Segment *struct {
						Flags string `json:"flags"`
					} `json:"segment"`
				} `json:"steps"`
			} `json:"counterexample"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if out.Config["attack"] != 1.0 || out.Config["attack_segments"] != "rst" || out.Config["attack_states"] != "ESTABLISHED" {
		t.Errorf("config: %v", out.Config)
	}
	p := out.Properties[0]
	if p.Attack == nil || p.Attack.Succeeded != 4 || p.Attack.OutOf != 32 {
		t.Fatalf("attack: %+v", p.Attack)
	}
	last := p.Counterexample.Steps[len(p.Counterexample.Steps)-1]
	if last.Kind != "forge" || !last.Forged || last.Segment == nil || last.Segment.Flags != "RST" {
		t.Errorf("last step: %+v", last)
	}
	back, err := ReadReport(data)
	if err != nil {
		t.Fatalf("the saved report does not replay: %v", err)
	}
	if r, _ := back.Result("reset-only-by-peer"); r.Counterexample == nil || r.Attack == nil || r.Attack.Succeeded != 4 || r.Attack.OutOf != 32 {
		t.Errorf("replayed report lost the counterexample or its count: %+v", r.Attack)
	}
}

// The text chart marks the forged segment.
func TestAttackChart(t *testing.T) {
	sys := attackSystem(t, "rfc793-rst")
	rep := checkAttack(t, sys, "reset-only-by-peer")
	r, _ := rep.Result("reset-only-by-peer")
	chart := Chart(sys, r.Counterexample)
	for _, want := range []string{"<-- RST=1, seq=y+1               !!!", "forged by the attacker [synchronized.rcv-rst]"} {
		if !strings.Contains(chart, want) {
			t.Errorf("chart lacks %q:\n%s", want, chart)
		}
	}
}

// A forged SYN that reaches SYN-SENT is taken for a simultaneous open
// (RFC 9293 3.10.7.3, which RFC 5961 leaves as it is): the client's SYN,ACK
// then acknowledges the forged number, and the server's RST in answer
// resets the client. The RST is the server's, but the attack provoked it:
// reset-only-by-peer, not orderly-release, reports it, and every guess
// succeeds.
func TestAttackProvokedReset(t *testing.T) {
	sys := attackedRFC9293(t, "syn", "attack-states", "SYN-SENT")
	rep := checkAttack(t, sys, "reset-only-by-peer", "orderly-release")
	wantCount(t, rep, "reset-only-by-peer", 32, 32)
	r, _ := rep.Result("reset-only-by-peer")
	last := r.Counterexample.Steps[len(r.Counterexample.Steps)-1].Step
	if last.Kind != model.Deliver || !last.Seg.Has(model.RST) || last.Seg.Forged() {
		t.Errorf("the reset should be the peer's own RST, got %s %v", last.Kind, last.Seg)
	}
	if r, _ := rep.Result("orderly-release"); r.Verdict != Holds {
		t.Errorf("orderly-release %s: a reset the attack provoked is not a protocol fault", r.Verdict)
	}
}

// BenchmarkCheckBlindAttack: the safety search of a connection without
// data or faults against one blind forged segment of any kind in any
// state (26,753 states; each state offers the attacker 2 x (32 + 32 + 3 x
// 1,024) segments to try).
func BenchmarkCheckBlindAttack(b *testing.B) {
	v, _ := model.Builtin("rfc9293")
	cfg := v.Config
	for _, kv := range [][2]string{{"attack", "1"}, {"data", "0"}, {"incarnations", "1"}, {"loss", "0"}, {"dup", "0"}, {"reorder", "0"}} {
		if err := model.ApplySetting(&cfg, kv[0], kv[1]); err != nil {
			b.Fatal(err)
		}
	}
	sys, err := model.NewSystem(v, cfg)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		rep, err := Check(context.Background(), sys, Options{Properties: []string{"time-wait-absorbs-fin"}})
		if err != nil || !rep.Complete {
			b.Fatal(err, rep.Stopped)
		}
		b.ReportMetric(float64(rep.States)/rep.Elapsed.Seconds(), "states/s")
	}
}
