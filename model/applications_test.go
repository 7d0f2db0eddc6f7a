package model

import (
	"strings"
	"testing"
)

// play applies actions from the initial state and returns the steps
// taken and the state reached.
func play(t *testing.T, v *Variant, cfg Config, actions ...string) ([]Step, State, *System) {
	t.Helper()
	sys, err := NewSystem(v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := sys.Initial()[0]
	var steps []Step
	for _, text := range actions {
		a, err := ParseAction(text, cfg.Open)
		if err != nil {
			t.Fatal(err)
		}
		st, next, err := sys.Apply(s, a)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		steps = append(steps, st)
		s = next
	}
	return steps, s, sys
}

func firedRules(sys *System, st Step) []string {
	var out []string
	for _, id := range st.RuleIDs() {
		out = append(out, sys.Table().Rule(id).Name)
	}
	return out
}

func anyCallsConfig() Config {
	cfg := DefaultConfig()
	cfg.Calls = CallsAny
	return cfg
}

// The four handshake rules that scripted applications never reach, each
// fired by an application of calls any.
func TestAnyCallsFireHandshakeRules(t *testing.T) {
	simultaneous := anyCallsConfig()
	simultaneous.Open = Simultaneous
	for _, c := range []struct {
		rule    string
		cfg     Config
		actions []string
		want    TCPState // the caller's state after the last action
		side    Side
	}{
		{"listen.open-active", anyCallsConfig(), []string{"open server"}, SynSent, B},
		{"listen.close", anyCallsConfig(), []string{"close server"}, Closed, B},
		{"syn-sent.close", anyCallsConfig(), []string{"open client", "close client"}, Closed, A},
		{"syn-received.close", anyCallsConfig(), []string{"open client", "deliver client", "close server"}, FinWait1, B},
		{"syn-received.close", simultaneous, []string{"open A", "open B", "deliver B", "close A"}, FinWait1, A},
	} {
		steps, s, sys := play(t, RFC9293(), c.cfg, c.actions...)
		last := steps[len(steps)-1]
		if got := firedRules(sys, last); len(got) == 0 || got[0] != c.rule {
			t.Errorf("%s: %v fired %v", c.rule, c.actions, got)
		}
		if s.Ends[c.side].State != c.want {
			t.Errorf("%s: %s ends in %v, want %v", c.rule, sys.SideName(c.side), s.Ends[c.side].State, c.want)
		}
	}
}

// A call RFC 9293 answers with an error fires its rule and changes
// nothing; the step says it was refused.
func TestAnyCallsErrors(t *testing.T) {
	for _, c := range []struct {
		rule    string
		actions []string
	}{
		{"closed.send", []string{"send client"}},
		{"closed.close", []string{"close client"}},
		{"listen.send", []string{"send server"}},
		{"open.exists", []string{"open client", "open client"}},
		{"closing.close", []string{"open client", "deliver client", "deliver server", "deliver client", "close client", "close client"}},
		{"closing.send", []string{"open client", "deliver client", "deliver server", "deliver client", "close client", "send client"}},
	} {
		steps, s, sys := play(t, RFC9293(), anyCallsConfig(), c.actions...)
		last := steps[len(steps)-1]
		if got := firedRules(sys, last); len(got) != 1 || got[0] != c.rule || !last.Refused {
			t.Errorf("%v: fired %v, refused %v; want %s refused", c.actions, got, last.Refused, c.rule)
		}
		_, before, _ := play(t, RFC9293(), anyCallsConfig(), c.actions[:len(c.actions)-1]...)
		if s != before {
			t.Errorf("%v: the refused call changed the state", c.actions)
		}
		if !strings.HasPrefix(sys.Table().Rule(last.RuleIDs()[0]).Why, "error: ") {
			t.Errorf("%s: its why does not give the RFC's error", c.rule)
		}
	}
	cfg := anyCallsConfig()
	cfg.Abort = [2]bool{true, false}
	steps, _, sys := play(t, RFC9293(), cfg, "abort client")
	if got := firedRules(sys, steps[0]); len(got) != 1 || got[0] != "closed.abort" || !steps[0].Refused {
		t.Errorf("ABORT in CLOSED: %v", got)
	}
	// Scripted applications make no such call.
	if _, _, err := sys0Apply(t, DefaultConfig(), "close client"); err == nil {
		t.Error("a scripted client closes before it has opened")
	}
}

func sys0Apply(t *testing.T, cfg Config, text string) (Step, State, error) {
	sys, err := NewSystem(RFC9293(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseAction(text, cfg.Open)
	if err != nil {
		t.Fatal(err)
	}
	return sys.Apply(sys.Initial()[0], a)
}

func TestBothListenAndLateListen(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Open = BothListen
	sys, _ := NewSystem(RFC9293(), cfg)
	init := sys.Initial()[0]
	if init.Ends[A].State != Listen || init.Ends[B].State != Listen {
		t.Fatalf("both-listen starts in %v, %v", init.Ends[A].State, init.Ends[B].State)
	}
	steps, s, sys := play(t, RFC9293(), cfg, "open A", "deliver A", "deliver B", "deliver A")
	if got := firedRules(sys, steps[0]); got[0] != "listen.open-active" {
		t.Errorf("a listener turning active fired %v", got)
	}
	if s.Ends[A].State != Established || s.Ends[B].State != Established {
		t.Errorf("both-listen handshake ends in %v, %v", s.Ends[A].State, s.Ends[B].State)
	}

	cfg = DefaultConfig()
	cfg.Open = LateListen
	steps, s, sys = play(t, RFC9293(), cfg, "open client", "deliver client", "deliver server")
	if s.Ends[B].State != Closed || s.Ends[A].State != Closed {
		t.Fatalf("a SYN before the server listens: %v, %v", s.Ends[A].State, s.Ends[B].State)
	}
	if got := firedRules(sys, steps[1]); got[0] != "closed.rcv-no-ack" {
		t.Errorf("the SYN at the closed server fired %v", got)
	}
	if got := firedRules(sys, steps[2]); got[0] != "syn-sent.rcv-rst" {
		t.Errorf("the client took the RST with %v: want connection refused", got)
	}
	_, s, _ = play(t, RFC9293(), cfg, "open server")
	if s.Ends[B].State != Listen {
		t.Errorf("the late server's OPEN: %v", s.Ends[B].State)
	}
	bad := DefaultConfig()
	bad.Open, bad.Close = BothListen, CloseClient
	if err := bad.Validate(); err == nil {
		t.Error("both-listen with close=client accepted")
	}
}

func TestCrashOneHost(t *testing.T) {
	for _, target := range []CrashTarget{CrashClient, CrashServer} {
		cfg := DefaultConfig()
		if err := ApplySetting(&cfg, "crash", map[CrashTarget]string{CrashClient: "client", CrashServer: "server"}[target]); err != nil {
			t.Fatal(err)
		}
		if cfg.Crash != 1 || cfg.CrashOnly != target {
			t.Fatalf("crash %v: %+v", target, cfg)
		}
		_, s, sys := play(t, RFC9293(), cfg, "open client", "deliver client", "deliver server")
		crashed := map[Side]bool{}
		sys.Successors(s, func(st Step, _ State) {
			if st.Kind == Crash {
				crashed[st.Side] = true
			}
		})
		want := map[Side]bool{Side(target - CrashClient): true}
		if len(crashed) != 1 || !crashed[Side(target-CrashClient)] {
			t.Errorf("crash %v: crashes of %v, want %v", target, crashed, want)
		}
	}
	cfg := DefaultConfig()
	if err := ApplySetting(&cfg, "crash", "2"); err != nil || cfg.Crash != 2 || cfg.CrashOnly != CrashAny {
		t.Errorf("crash 2: %v %+v", err, cfg)
	}
	cfg.CrashOnly = CrashServer
	if err := cfg.Validate(); err == nil {
		t.Error("two crashes of one chosen host accepted")
	}
}

func TestNeverClose(t *testing.T) {
	cfg := DefaultConfig()
	cfg.NeverClose = [2]bool{false, true}
	cfg.Close = CloseClient
	cfg.Data = [2]int{0, 0}
	steps, s, sys := play(t, RFC9293(), cfg, "open client", "deliver client", "deliver server", "deliver client",
		"close client", "deliver client", "deliver server")
	_ = steps
	if s.Ends[A].State != FinWait2 || s.Ends[B].State != CloseWait || s.InFlight() != 0 {
		t.Fatalf("after the client's close: %v %v, %d in flight", s.Ends[A].State, s.Ends[B].State, s.InFlight())
	}
	n := 0
	sys.Successors(s, func(st Step, _ State) {
		if st.Kind == Call || st.Kind == Timeout || st.Kind == Deliver {
			n++
		}
	})
	if n != 0 || sys.Final(s) {
		t.Errorf("FIN-WAIT-2 opposite a server that never closes: %d successors, final %v; want a hang", n, sys.Final(s))
	}
	// The server's idle connection on its own is an end: its application
	// keeps it open.
	s.Ends[A] = Endpoint{Clock: s.Ends[A].Clock}
	if !sys.Final(s) {
		t.Error("an idle CLOSE-WAIT of an application that never closes is not an end")
	}
}

// Each timer knob: its rule fires where its reference says.
func TestTimerKnobs(t *testing.T) {
	resolve := func(knob, value string) *Variant {
		t.Helper()
		v, err := (&Spec{Name: knob + "-" + value, Knobs: []Setting{{Name: knob, Value: value}}}).Resolve()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	established := []string{"open client", "deliver client", "deliver server", "deliver client"}
	cfg := DefaultConfig()
	cfg.Data = [2]int{0, 0}

	steps, s, sys := play(t, resolve("keep-alive", "on"), cfg, append(established, "timeout client keep-alive")...)
	probe := steps[len(steps)-1]
	if got := firedRules(sys, probe); len(got) != 1 || got[0] != "keep-alive.probe" || probe.NOut != 1 {
		t.Fatalf("keep-alive: %v", got)
	}
	if seg := probe.Out[0]; int(seg.Seq()) != mod(int(s.Ends[A].SndNxt)-1, cfg.SeqSpace) || seg.Len() != 0 || !seg.Has(ACK) {
		t.Errorf("the probe %v is not SEG.SEQ = SND.NXT-1 without data", seg)
	}
	_, s, _ = play(t, resolve("keep-alive", "on"), cfg, append(established, "timeout client keep-alive", "deliver client")...)
	if s.Count[B] != 1 || s.Net[B][0].Ack() != s.Ends[A].SndNxt {
		t.Errorf("the peer answers the probe with %v", s.Channel(B))
	}
	if _, _, err := sys0ApplyVariant(t, RFC9293(), cfg, append(established, "timeout client keep-alive")); err == nil {
		t.Error("rfc9293 sends a keep-alive probe: keep-alives must default to off (MUST-25)")
	}

	// The user timeout: the client's SYN is unacknowledged and still in
	// flight, no retransmission yet; the timeout deletes the TCB.
	steps, s, sys = play(t, resolve("user-timeout", "on"), cfg, "open client", "timeout client user")
	if got := firedRules(sys, steps[1]); got[0] != "user-timeout.expires" || s.Ends[A].State != Closed || !s.Ends[A].Aborted() {
		t.Errorf("user timeout: %v, client %v", got, s.Ends[A].State)
	}
	if _, _, err := sys0ApplyVariant(t, RFC9293(), cfg, []string{"open client", "timeout client user"}); err == nil {
		t.Error("rfc9293 gives up before the retry limit")
	}

	finWait2 := append(append([]string(nil), established...), "close client", "deliver client", "deliver server")
	steps, s, sys = play(t, resolve("fin-wait-2-timeout", "linux"), cfg, append(finWait2, "timeout client fin-wait-2", "close server", "deliver server")...)
	if got := firedRules(sys, steps[len(finWait2)]); got[0] != "fin-wait-2.timeout" {
		t.Errorf("FIN-WAIT-2 timeout: %v", got)
	}
	if last := steps[len(steps)-1]; last.NOut != 1 || !last.Out[0].Has(RST) {
		t.Errorf("the late FIN is answered with %v, want a RST", last.Sent())
	}
	if _, _, err := sys0ApplyVariant(t, RFC9293(), cfg, append(finWait2, "timeout client fin-wait-2")); err == nil {
		t.Error("rfc9293 has a FIN-WAIT-2 timer")
	}
}

func sys0ApplyVariant(t *testing.T, v *Variant, cfg Config, actions []string) (Step, State, error) {
	sys, err := NewSystem(v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := sys.Initial()[0]
	var st Step
	for _, text := range actions {
		a, err := ParseAction(text, cfg.Open)
		if err != nil {
			t.Fatal(err)
		}
		if st, s, err = sys.Apply(s, a); err != nil {
			return st, s, err
		}
	}
	return st, s, nil
}

func TestApplicationSettings(t *testing.T) {
	cfg := DefaultConfig()
	for _, kv := range [][2]string{{"calls", "any"}, {"never-close", "both"}, {"open", "late-listen"}, {"crash", "server"}} {
		if err := ApplySetting(&cfg, kv[0], kv[1]); err != nil {
			t.Fatalf("%s %s: %v", kv[0], kv[1], err)
		}
	}
	back := DefaultConfig()
	for _, s := range cfg.Settings() {
		if err := ApplySetting(&back, s.Name, s.Value); err != nil {
			t.Fatal(err)
		}
	}
	if back != cfg {
		t.Errorf("settings do not read back: %+v, want %+v", back, cfg)
	}
	for _, s := range DefaultConfig().Settings() {
		if s.Name == "calls" || s.Name == "never-close" {
			t.Errorf("the default configuration writes %s", s.Name)
		}
	}
	for _, kv := range [][2]string{{"calls", "sometimes"}, {"never-close", "nobody"}, {"open", "listen"}, {"crash", "host"}, {"crash", "-1"}} {
		err := ApplySetting(&cfg, kv[0], kv[1])
		if err == nil || !strings.Contains(err.Error(), kv[1]) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s %q: %v", kv[0], kv[1], err)
		}
	}
}

// The application settings never panic, and a value they accept gives a
// configuration that writes itself back as the same settings.
func FuzzApplicationSettings(f *testing.F) {
	for _, v := range []string{"any", "scripted", "client", "server", "both", "none", "2", "-1", "both-listen", "late-listen", ""} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, value string) {
		for _, name := range []string{"calls", "never-close", "crash", "open"} {
			cfg := DefaultConfig()
			if err := ApplySetting(&cfg, name, value); err != nil {
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("%s %q: a multi-line error", name, value)
				}
				continue
			}
			if cfg.Validate() != nil {
				continue
			}
			back := DefaultConfig()
			for _, s := range cfg.Settings() {
				if err := ApplySetting(&back, s.Name, s.Value); err != nil {
					t.Fatalf("%s %q: %s %q does not read back: %v", name, value, s.Name, s.Value, err)
				}
			}
			if back != cfg {
				t.Fatalf("%s %q: %+v reads back as %+v", name, value, cfg, back)
			}
		}
	})
}
