package conform

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

// A path written as a packetdrill script for either endpoint, run against
// that endpoint of the same variant, never disagrees and nearly always
// agrees: the script's calls, injected segments and expected segments are
// the path's, as the reader reads them. Random paths of a configuration with losses, duplicates,
// reordering and aborts, in a window as large as the runner's.
func TestWrittenScriptsAgree(t *testing.T) {
	cfg := model.DefaultConfig()
	cfg.SeqSpace, cfg.Window, cfg.RetryLimit = Config().SeqSpace, Config().Window, Config().RetryLimit
	cfg.Incarnations, cfg.Abort, cfg.Loss, cfg.Dup, cfg.Data = 1, [2]bool{true, true}, 2, 2, [2]int{2, 2}
	anyCalls := cfg
	anyCalls.Calls = model.CallsAny
	for i, name := range []string{"rfc9293", "no-time-wait", "rfc1337", "rfc9293"} {
		if i == 3 {
			cfg = anyCalls // applications that call anything, refused calls among them
		}
		v, _ := model.Builtin(name)
		sys, err := model.NewSystem(v, cfg)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, uint64(i)))
		lines, agree, behind := 0, 0, 0
		for walk := 0; walk < 300; walk++ {
			tr := randomPath(sys, rng, 30)
			for side := model.A; side <= model.B; side++ {
				var b strings.Builder
				if err := WriteScript(&b, sys, tr, side); err != nil {
					t.Fatal(err)
				}
				script, err := Parse("written.pkt", strings.NewReader(b.String()))
				if err != nil && strings.Contains(err.Error(), "no events") {
					continue // the side's first move is one a script cannot make
				}
				if err != nil {
					t.Fatalf("%s: the written script does not parse: %v\n%s", name, err, b.String())
				}
				lines += len(script.Events)
				res := RunScript(script, v)
				switch {
				case res.Verdict == Agrees:
					agree++
				case res.Verdict == NotApplicable,
					res.Verdict == Disagrees && strings.Contains(res.Reason, "expects `R. 0:0(0)"):
					// The reader's limits, which it names: a segment
					// numbered behind the script's ISN reads as far ahead,
					// data ahead of what the peer sent so far cannot be
					// placed, a second SYN re-bases the peer's numbers; and
					// it reads the stack's RST with <SEQ=0> relative to
					// the stack's ISN.
					behind++
				default:
					t.Fatalf("%s, %s: the written script %s at line %d: %s\n%s\npath:\n%s", name, sys.SideName(side), res.Verdict, res.Line, res.Reason, b.String(), properties.Chart(sys, tr))
				}
			}
		}
		t.Logf("%s: %d script lines; %d scripts agree, %d meet a limit of the reader", name, lines, agree, behind)
		if lines < 3000 || agree < 9*behind {
			t.Errorf("%s: %d script lines, %d scripts agree, %d numbered behind the ISN: too few tested", name, lines, agree, behind)
		}
	}
}

// randomPath takes up to n random steps from the initial state.
func randomPath(sys *model.System, rng *rand.Rand, n int) *properties.Trace {
	tr := &properties.Trace{Start: sys.Initial()[0]}
	s := tr.Start
	for range n {
		var next []model.PathStep
		sys.Successors(s, func(st model.Step, ns model.State) { next = append(next, model.PathStep{Step: st, State: ns}) })
		if len(next) == 0 {
			break
		}
		ps := next[rng.IntN(len(next))]
		tr.Steps = append(tr.Steps, ps)
		s = ps.State
	}
	return tr
}

// The script of the handshake and close, for the server: the system calls
// of a listening application and the segments as packetdrill writes them.
func TestWrittenScriptOfAHandshake(t *testing.T) {
	cfg := model.DefaultConfig()
	cfg.Data = [2]int{0, 0}
	sys, err := model.NewSystem(model.RFC9293(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr := &properties.Trace{Start: sys.Initial()[0]}
	s := tr.Start
	for _, text := range []string{"open client", "deliver client", "deliver server", "deliver client", "close client", "deliver client"} {
		a, err := model.ParseAction(text, model.ClientServer)
		if err != nil {
			t.Fatal(err)
		}
		st, ns, err := sys.Apply(s, a)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		tr.Steps = append(tr.Steps, model.PathStep{Step: st, State: ns})
		s = ns
	}
	var b strings.Builder
	if err := WriteScript(&b, sys, tr, model.B); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"listen(3, 1) = 0",
		"< S 0:0(0) win 65535 <mss 1460>",
		"> S. 0:0(0) ack 1 <...>",
		"< . 1:1(0) ack 1 win 65535",
		"accept(3, ..., ...) = 4",
		"< F. 1:1(0) ack 1 win 65535",
		"> . 1:1(0) ack 2",
	}
	got := b.String()
	for _, w := range want {
		i := strings.Index(got, w)
		if i < 0 {
			t.Fatalf("the script lacks %q (or has it out of order):\n%s", w, b.String())
		}
		got = got[i+len(w):]
	}
}
