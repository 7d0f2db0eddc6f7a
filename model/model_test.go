package model

import (
	"strings"
	"testing"
	"unsafe"
)

func TestStateHasNoPadding(t *testing.T) {
	// State's bytes are its key: implicit padding could differ between
	// equal states.
	if got := unsafe.Sizeof(State{}); got != stateSize {
		t.Fatalf("State is %d bytes, its fields %d: a field change introduced padding", got, stateSize)
	}
	if unsafe.Sizeof(Endpoint{}) != 13 {
		t.Fatalf("Endpoint is %d bytes", unsafe.Sizeof(Endpoint{}))
	}
}

func TestParseStateAcceptsTheSeedSpellings(t *testing.T) {
	for name, want := range map[string]TCPState{
		"SYN-RECEIVED": SynReceived, "SYN-RECV": SynReceived, "SYN_RCVD": SynReceived, "syn-rcvd": SynReceived,
		"CLOSE-WAIT": CloseWait, "CLOSED_WAIT": CloseWait, "CLOSED-WAIT": CloseWait,
		"FIN-WAIT-1": FinWait1, "FIN_WAIT1": FinWait1, "FINWAIT-2": FinWait2,
		"ESTAB": Established, "time_wait": TimeWait, "LAST-ACK": LastAck, "LISTEN": Listen,
	} {
		got, err := ParseState(name)
		if err != nil || got != want {
			t.Errorf("%s: got %v, %v; want %v", name, got, err, want)
		}
	}
	if _, err := ParseState("HALF-OPEN"); err == nil || !strings.Contains(err.Error(), "SYN-RECEIVED") {
		t.Errorf("unknown state should list the known ones, got %v", err)
	}
	for _, s := range AllStates() {
		if back, err := ParseState(s.String()); err != nil || back != s {
			t.Errorf("%v does not round-trip", s)
		}
	}
}

func TestSegmentPacking(t *testing.T) {
	s := NewSegment(SYN|ACK, 200, 17, true, 29, 7)
	if !s.Has(SYN) || !s.Has(ACK) || s.Has(FIN) || s.Seq() != 200 || s.Ack() != 17 || !s.Data() || s.Inc() != 29 || s.ByteIndex() != 7 || s.Len() != 2 {
		t.Fatalf("round trip failed: %v", s)
	}
	if got := s.String(); got != "<SEQ=200><ACK=17><CTL=SYN,ACK><DATA>" {
		t.Fatalf("String: %s", got)
	}
}

// evalIn evaluates a boolean or integer expression for an endpoint and a
// segment in a sequence space of 32.
func evalIn(t *testing.T, src string, ep Endpoint, seg Segment) int {
	t.Helper()
	c, err := compileExpr(src, nil)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	e := &env{ep: &ep, seg: seg, p: &params{seqSpace: 32, window: 4, retryLimit: 2}}
	return c.eval(e)
}

func TestModularComparisons(t *testing.T) {
	ep := Endpoint{SndUna: 30, SndNxt: 2, RcvNxt: 31}
	for src, want := range map[string]int{
		"SND.UNA < SND.NXT":                      1, // 30 < 2 across the wrap
		"SND.NXT < SND.UNA":                      0,
		"SND.UNA < SEG.ACK =< SND.NXT":           1, // ack 1
		"SND.UNA + 4 == SND.NXT":                 1,
		"SND.NXT - SND.UNA":                      4, // distance
		"RCV.NXT =< SEG.SEQ < RCV.NXT + RCV.WND": 1, // seq 0 is in [31, 35)
		"SEG.SEQ + SEG.LEN - 1 == 0":             1,
		"!(ACK && SYN) || FIN":                   1,
		"RETRIES < RETRY.LIMIT":                  1,
		"SEG.ACK > SND.NXT":                      0,
	} {
		if got := evalIn(t, src, ep, NewSegment(ACK, 0, 1, true, 1, 0)); got != want {
			t.Errorf("%s = %d, want %d", src, got, want)
		}
	}
}

func TestExpressionErrorsNameTheColumn(t *testing.T) {
	for src, want := range map[string]string{
		"SND.NEXT == 1":      "column 1: unknown name SND.NEXT (did you mean SND.NXT?)",
		"SYN && SEG.SEQ":     "column 5: && needs booleans",
		"ISS + IRS":          "column 5: cannot add two sequence numbers",
		"SYN < ACK":          "does not order booleans",
		"(SYN":               "missing )",
		"SEG.SEQ == RETRIES": "cannot compare sequence number with integer",
		"SYN ==":             "expression ends too early",
		"SYN $ ACK":          "column 5: unexpected character",
		"SYN ACK":            "column 5: unexpected \"ACK\"",
	} {
		_, err := compileExpr(src, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", src, err, want)
		}
	}
}

func TestTemplatesAndEffects(t *testing.T) {
	if _, err := compileTemplate("<SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>", nil); err != nil {
		t.Fatal(err)
	}
	for src, want := range map[string]string{
		"<SEQ=ISS><CTL=SYN,ACK>":              "CTL has ACK but no <ACK=...>",
		"<SEQ=ISS><ACK=IRS><CTL=SYN>":         "CTL lacks ACK",
		"<SEQ=ISS><CTL=PSH>":                  "unknown control bit \"PSH\"",
		"<SEQ=SYN><CTL=RST>":                  "SEQ must be a sequence number",
		"<SEQ=ISS><CTL=RST":                   "missing >",
		"<WND=5><SEQ=ISS><CTL=RST>":           "unknown field \"WND\"",
		"<SEQ=ISS><DATA=2><CTL=ACK><ACK=IRS>": "one data octet",
	} {
		if _, err := compileTemplate(src, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", src, err, want)
		}
	}
	for src, want := range map[string]string{
		"SEG.SEQ := 1":             "SEG.SEQ cannot be assigned",
		"IRS = 1":                  "want NAME := expression",
		"RETRIES := SYN":           "RETRIES is an integer, cannot assign a boolean",
		"IRS := SEG.SEQ; FOO := 1": "unknown variable FOO",
	} {
		if _, err := compileEffect(src, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", src, err, want)
		}
	}
}

func TestRuleErrors(t *testing.T) {
	for _, c := range []struct {
		r    Rule
		want string
	}{
		{Rule{Name: "x", In: "LISTEN", On: "segment 9"}, "rule x, on: want \"segment N\""},
		{Rule{Name: "x", In: "LISTEN", On: "wake up"}, "unknown trigger"},
		{Rule{Name: "x", In: "SYN-WAIT", On: "CLOSE"}, "rule x, in: unknown state"},
		{Rule{Name: "x", In: "LISTEN", On: "CLOSE", If: "SYN"}, "reads the arriving segment but the trigger is CLOSE"},
		{Rule{Name: "x", In: "LISTEN", On: "CLOSE", Then: "continue"}, "only segment rules can continue"},
		{Rule{Name: "x", In: "LISTEN", On: "CLOSE", Do: "send"}, "no segment to send"},
		{Rule{Name: "x", In: "LISTEN", On: "CLOSE", If: "RETRIES"}, "a guard must be a boolean"},
		{Rule{Name: "", In: "LISTEN", On: "CLOSE"}, "needs a name"},
	} {
		_, err := CompileTable([]Rule{c.r}, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.r, err, c.want)
		}
	}
	dup := []Rule{{Name: "a", In: "LISTEN", On: "CLOSE"}, {Name: "a", In: "LISTEN", On: "ABORT"}}
	if _, err := CompileTable(dup, nil); err == nil || !strings.Contains(err.Error(), "two rules have this name") {
		t.Errorf("duplicate names: %v", err)
	}
}

func TestRFC9293TableIsWellFormed(t *testing.T) {
	tab, err := CompileTable(rfc9293Rules, rfc9293Macros)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range tab.Rules() {
		if r.Section == "" {
			t.Errorf("%s cites no section", r.Name)
		}
		if r.Changes && r.Label == "" {
			t.Errorf("%s changes state but has no diagram label", r.Name)
		}
	}
	// Every state has a rule for every arriving segment: processing of a
	// segment always ends in a rule.
	sys, _ := NewSystem(RFC9293(), DefaultConfig())
	for _, st := range AllStates() {
		for ctl := uint8(1); ctl < 16; ctl++ {
			for _, seq := range []uint8{0, 3, 9, 30} {
				for _, ack := range []uint8{0, 4, 8, 31} {
					for _, data := range []bool{false, true} {
						s := sys.Initial()[0]
						s.Ends[B] = Endpoint{State: st, ISS: 5, SndUna: 6, SndNxt: 8, IRS: 2, RcvNxt: 3}
						seg := NewSegment(ctl, seq, ack, data, 1, 0)
						for _, r := range sys.newExpander(false).outcomes(&s, B, SegmentArrives, seg) {
							if !r.o.fired() {
								t.Errorf("%v: no rule for %v", st, seg)
							}
						}
					}
				}
			}
		}
	}
}

func TestActionsAndApply(t *testing.T) {
	sys, _ := NewSystem(RFC9293(), DefaultConfig())
	s := sys.Initial()[0]
	for _, text := range []string{"open client", "deliver client", "deliver server", "deliver client", "send client"} {
		a, err := ParseAction(text, ClientServer)
		if err != nil {
			t.Fatal(err)
		}
		_, next, err := sys.Apply(s, a)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		s = next
	}
	if s.Ends[A].State != Established || s.Ends[B].State != Established || s.Count[A] != 1 {
		t.Fatalf("after the handshake and a SEND: %v %v, %d in flight", s.Ends[A].State, s.Ends[B].State, s.Count[A])
	}
	a, _ := ParseAction("timeout client time-wait", ClientServer)
	if _, _, err := sys.Apply(s, a); err == nil || !strings.Contains(err.Error(), "possible steps") {
		t.Fatalf("impossible step: %v", err)
	}
	for _, bad := range []string{"", "deliver", "deliver nobody", "dance client", "deliver client x", "timeout client soon", "open client now"} {
		if _, err := ParseAction(bad, ClientServer); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, mut := range []func(*Config){
		func(c *Config) { c.SeqSpace = 24 },
		func(c *Config) { c.SeqSpace = 512 },
		func(c *Config) { c.Window = 0 },
		func(c *Config) { c.Window = 16 },
		func(c *Config) { c.Capacity = 7 },
		func(c *Config) { c.Loss = -1 },
		func(c *Config) { c.Data[1] = 8 },
		func(c *Config) { c.Incarnations = 0 },
		func(c *Config) { c.Incarnations, c.Crash = 5, 3 },
		func(c *Config) { c.Open, c.Close = Simultaneous, CloseServer },
	} {
		c := DefaultConfig()
		mut(&c)
		if c.Validate() == nil {
			t.Errorf("accepted %+v", c)
		}
	}
}

func FuzzCompileExpr(f *testing.F) {
	for _, r := range rfc9293Rules {
		f.Add(r.If)
	}
	f.Add("RCV.NXT =< SEG.SEQ < RCV.NXT + RCV.WND || -(3) - 4 == 0")
	f.Fuzz(func(t *testing.T, src string) {
		c, err := compileExpr(src, nil)
		if err != nil {
			return
		}
		ep := Endpoint{ISS: 3, SndNxt: 9}
		e := &env{ep: &ep, seg: NewSegment(SYN|ACK, 1, 2, true, 1, 0), p: &params{seqSpace: 16, window: 3, retryLimit: 1}, world: fixedWorld{}}
		v := c.eval(e)
		if c.typ == boolType && v != 0 && v != 1 {
			t.Fatalf("%q: boolean evaluated to %d", src, v)
		}
		if c.typ == seqType && (v < 0 || v >= 16) {
			t.Fatalf("%q: sequence number %d outside the space", src, v)
		}
	})
}

func FuzzCompileTemplate(f *testing.F) {
	for _, r := range rfc9293Rules {
		f.Add(r.Send)
	}
	f.Fuzz(func(t *testing.T, src string) {
		tp, err := compileTemplate(src, nil)
		if err != nil {
			return
		}
		if tp.seq == nil || (tp.ctl&ACK != 0) != (tp.ack != nil) {
			t.Fatalf("%q: accepted an inconsistent segment", src)
		}
	})
}

func FuzzCompileEffect(f *testing.F) {
	for _, r := range rfc9293Rules {
		f.Add(r.Do)
	}
	f.Fuzz(func(t *testing.T, src string) {
		eff, err := compileEffect(src, nil)
		if err != nil {
			return
		}
		for _, a := range eff.assigns {
			if a.target.set == nil {
				t.Fatalf("%q: assigns read-only %s", src, a.target.name)
			}
		}
	})
}

func FuzzParseAction(f *testing.F) {
	for _, s := range []string{"deliver client 2", "timeout server time-wait", "open a", "crash server"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ParseAction(s, ClientServer)
		ParseAction(s, Simultaneous)
		ParseState(s)
	})
}

type fixedWorld struct{}

func (fixedWorld) netQuiet() bool   { return true }
func (fixedWorld) mslElapsed() bool { return false }

func TestEveryRFC9293RuleCanFire(t *testing.T) {
	sys, _ := NewSystem(RFC9293(), DefaultConfig())
	if dead := sys.Unfired(); len(dead) > 0 {
		t.Fatalf("rules that never fire: %v", dead)
	}
	// And the check does find a dead rule.
	v := RFC9293()
	v.Rules = append(v.Rules, Rule{Name: "shadowed", In: "LISTEN", On: "segment 1", If: "RST && !RST"})
	sys, _ = NewSystem(v, DefaultConfig())
	if dead := sys.Unfired(); len(dead) != 1 || dead[0] != "shadowed" {
		t.Fatalf("want only the shadowed rule reported, got %v", dead)
	}
}
