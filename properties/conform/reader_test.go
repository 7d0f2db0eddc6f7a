package conform

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/tcpmc/tcpmc/model"
)

func readScript(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../testdata/packetdrill/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mutant is a script with one line changed, and the verdict it must get.
type mutant struct {
	old, new string
	verdict  Verdict
	line     int
	reason   string
}

func checkMutants(t *testing.T, name string, defined map[string]bool, mutants []mutant) {
	t.Helper()
	base := readScript(t, name)
	for _, m := range mutants {
		text := strings.Replace(base, m.old, m.new, 1)
		if text == base {
			t.Fatalf("%s: %q is not in the script", name, m.old)
		}
		s, err := ParseDefined(name, strings.NewReader(text), defined)
		if err != nil {
			t.Fatal(err)
		}
		r := RunScript(s, model.RFC9293())
		if r.Verdict != m.verdict || r.Line != m.line || !strings.Contains(r.Reason, m.reason) {
			t.Errorf("%s with %q: %s at line %d: %s; want %s at line %d about %q", name, m.new, r.Verdict, r.Line, r.Reason, m.verdict, m.line, m.reason)
		}
	}
}

// The stack's window, read from SO_RCVBUF, is mapped onto the model's: the
// right edge is in the window in both, the number after it outside in
// both. A challenge ACK the script does not show is a disagreement, and
// SO_ERROR must be the model's notification.
func TestWindowEdgesAndSOError(t *testing.T) {
	checkMutants(t, "rst-window-edges.pkt", nil, []mutant{
		// In the window: the challenge ACK comes before the data's ACK.
		{"< R 20001:20001(0)", "< R 20000:20000(0)", Disagrees, 24, "an ACK no stack may leave out"},
		// A larger window puts 20001 inside it.
		{"SO_RCVBUF, [20000]", "SO_RCVBUF, [30000]", Disagrees, 24, "an ACK no stack may leave out"},
		// A smaller one puts the later RST at 20100 outside it: no ACK.
		{"SO_RCVBUF, [20000]", "SO_RCVBUF, [19999]", Disagrees, 28, "the model sends nothing"},
		{"SO_ERROR, [ECONNRESET]", "SO_ERROR, [0]", Disagrees, 33, "notified its user of ECONNRESET"},
		{"SO_ERROR, [0], [4]) = 0\n\n", "SO_ERROR, [ECONNRESET], [4]) = 0\n\n", Disagrees, 18, "notified its user of no error"},
		{"SO_ERROR, [ECONNRESET], [4]) = 0\n   +0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0]", "SO_ERROR, [ECONNRESET], [4]) = 0\n   +0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNRESET]", Disagrees, 34, "notified its user of no error"},
	})
}

// Only an ACK a stack may delay is passed over; a challenge ACK is not.
func TestOnlyDelayableACKsAreTolerated(t *testing.T) {
	r := RunScript(parse(t, "delayed-ack.pkt", readScript(t, "delayed-ack.pkt")), model.RFC9293())
	if r.Verdict != Agrees || r.ToleratedACKs != 1 {
		t.Errorf("delayed-ack.pkt: %s, %d tolerated ACKs (%s); want agreement with 1", r.Verdict, r.ToleratedACKs, r.Reason)
	}
	checkMutants(t, "delayed-ack.pkt", nil, []mutant{
		{"   +0 close(4) = 0", "   +0 < S 101:101(0) win 65535\n   +0 close(4) = 0", Disagrees, 19, "an ACK no stack may leave out"},
		{"   +0 close(4) = 0", "   +0 < R 150:150(0) win 0\n   +0 close(4) = 0", Disagrees, 19, "an ACK no stack may leave out"},
	})
}

// Replies from CLOSED: SEQ=0 when the segment had no ACK, SEG.LEN
// counting SYN, data and FIN modulo 2^32, the ack field of a segment
// without ACK ignored.
func TestClosedReplies(t *testing.T) {
	checkMutants(t, "closed-replies.pkt", nil, []mutant{
		{"> R. 0:0(0) ack 1\n", "> R 1000:1000(0)\n", Disagrees, 14, "different flags"},
		{"> R. 0:0(0) ack 111", "> R. 0:0(0) ack 110", Disagrees, 16, "a different acknowledgement number"},
		{"> R. 0:0(0) ack 202", "> R. 1:1(0) ack 202", Disagrees, 18, "a different sequence number"},
		{"> R. 0:0(0) ack 5", "> R. 0:0(0) ack 4", Disagrees, 20, "a different acknowledgement number"},
		{"> R 4294967295:4294967295(0)", "> R 0:0(0)", Disagrees, 23, "a different sequence number"},
		{"> R ...(0)", "> R. ...(0)", Disagrees, 25, "different flags"},
	})
}

// A second SYN in SYN-RECEIVED is placed by the peer's ISN already known,
// not taken as a new one.
func TestNoISNRebasingInSynReceived(t *testing.T) {
	checkMutants(t, "syn-received-second-syn.pkt", nil, []mutant{
		// The SYN at 50 lies in the window: no reply, back to LISTEN.
		{"< S 50:50(0) win 65535 <mss 1460>", "< S 50:50(0) win 65535 <mss 1460>\n   +0 > . 1:1(0) ack 51", Disagrees, 22, "the model sends nothing (in LISTEN"},
		// The ACK for the same SYN again must be shown.
		{"   +0 > . 1:1(0) ack 1\n +.01 < S 50", " +.01 < S 50", Disagrees, 22, "the model sends `. 1:1(0) ack 1` (different flags; an ACK no stack may leave out)"},
	})
}

func TestConnectErrors(t *testing.T) {
	checkMutants(t, "connect-refused-blocking.pkt", nil, []mutant{
		{"= -1 ECONNREFUSED", "= -1 ETIMEDOUT", Disagrees, 6, "connect() = -1 ETIMEDOUT, but the model notified its user of ECONNREFUSED"},
	})
	checkMutants(t, "connect-refused.pkt", nil, []mutant{
		{"SO_ERROR, [ECONNREFUSED]", "SO_ERROR, [ECONNRESET]", Disagrees, 13, "notified its user of ECONNREFUSED"},
	})
}

// #ifdef keeps a block for a defined name, #else for the others.
func TestIfdefChoosesAPlatform(t *testing.T) {
	text := readScript(t, "reader/time-wait-ack-ifdef.pkt")
	for _, c := range []struct {
		defined map[string]bool
		verdict Verdict
	}{{map[string]bool{"STANDARD": true}, Agrees}, {nil, Disagrees}, {map[string]bool{"FreeBSD": true}, Disagrees}} {
		s, err := ParseDefined("time-wait-ack-ifdef.pkt", strings.NewReader(text), c.defined)
		if err != nil {
			t.Fatal(err)
		}
		if r := RunScript(s, model.RFC9293()); r.Verdict != c.verdict || (c.verdict == Disagrees && r.Line != 21) {
			t.Errorf("defined %v: %s at line %d (%s); want %s", c.defined, r.Verdict, r.Line, r.Reason, c.verdict)
		}
	}
	nested := "#ifdef A\n#ifndef B\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n#else\n0 bogus\n#endif\n#else\n0 bogus\n#endif\n"
	for _, d := range []map[string]bool{{"A": true}, {"A": true, "B": true}, {"B": true}} {
		s, err := ParseDefined("nested.pkt", strings.NewReader(nested), d)
		want := d["A"] && !d["B"]
		if want && (err != nil || len(s.Events) != 1 || s.Events[0].Line != 3) {
			t.Errorf("defined %v: %v, %+v", d, err, s)
		}
		if !want && err == nil {
			t.Errorf("defined %v: the bogus line was not kept", d)
		}
	}
}

func TestPreprocessorAndAnySeqErrors(t *testing.T) {
	for _, c := range []struct {
		text string
		line int
		want string
	}{
		{"0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n#endif\n", 2, "#endif without #ifdef"},
		{"#ifdef X\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n", 1, "#ifdef without #endif"},
		{"#ifdef X\n#else\n#else\n#endif\n", 3, "#else without #ifdef"},
		{"#ifdef\n#endif\n", 1, "#ifdef wants one name"},
		{"+0 < S ...(0) win 1\n", 1, "an injected segment needs its sequence number"},
		{"+0 > S ...(x)\n", 1, "start:end(length)"},
	} {
		_, err := Parse("bad.pkt", strings.NewReader(c.text))
		var se *SyntaxError
		if !errors.As(err, &se) || se.Line != c.line || !strings.Contains(se.Msg, c.want) {
			t.Errorf("%q: got %v; want line %d about %q", c.text, err, c.line, c.want)
		}
	}
}

// A script's sysctl lines set the knobs they select, for a built-in
// variant; without them the same script disagrees.
func TestSysctlsSelectKnobs(t *testing.T) {
	for _, c := range []struct {
		file, sysctl, knob string
		line               int
	}{
		{"reader/syn-fin-listen.pkt", "`sysctl -w net.inet.tcp.drop_synfin=1`", "syn-fin: drop (net.inet.tcp.drop_synfin=1)", 13},
		{"reader/syn-fin-time-wait.pkt", "`sysctl -w net.inet.tcp.drop_synfin=1`", "syn-fin: drop (net.inet.tcp.drop_synfin=1)", 22},
		{"reader/time-wait-rst-rfc1337.pkt", "`sysctl -q net.ipv4.tcp_rfc1337=1`", "time-wait-rst: ignore (net.ipv4.tcp_rfc1337=1)", 20},
		{"reader/insecure-rst.pkt", "`sysctl -w net.inet.tcp.insecure_rst=1`", "rst: rfc793 (net.inet.tcp.insecure_rst=1)", 18},
	} {
		text := readScript(t, c.file)
		r := RunScript(parse(t, c.file, text), model.RFC9293())
		if r.Verdict != Agrees || len(r.Knobs) != 1 || r.Knobs[0] != c.knob {
			t.Errorf("%s: %s (%s), knobs %q; want agreement with %q", c.file, r.Verdict, r.Reason, r.Knobs, c.knob)
		}
		for _, changed := range []string{
			strings.Replace(text, c.sysctl, "", 1),
			strings.Replace(text, c.sysctl, strings.Replace(c.sysctl, "=1", "=0", 1), 1),
			// Set only after the first system call: the script's set-up is over.
			strings.Replace(text, c.sysctl, "", 1) + c.sysctl + "\n",
		} {
			r := RunScript(parse(t, c.file, changed), model.RFC9293())
			if r.Verdict != Disagrees || r.Line != c.line || len(r.Knobs) != 0 {
				t.Errorf("%s without its sysctl: %s at line %d (%s), knobs %q; want a disagreement at line %d", c.file, r.Verdict, r.Line, r.Reason, r.Knobs, c.line)
			}
		}
		// A variant file takes the knob as well.
		file, err := model.LoadVariantFile("../../testdata/variants/short-time-wait.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if r := RunScript(parse(t, c.file, text), file); r.Verdict != Agrees || len(r.Knobs) != 1 {
			t.Errorf("%s with a variant file: %s (%s), knobs %q", c.file, r.Verdict, r.Reason, r.Knobs)
		}
		// A variant built in Go, with no base to set knobs on, cannot.
		own := model.RFC9293()
		own.Name = "mine"
		if r := RunScript(parse(t, c.file, text), own); r.Verdict != NotApplicable || !strings.Contains(r.Reason, "which mine cannot take") {
			t.Errorf("%s with a variant of one's own: %s (%s)", c.file, r.Verdict, r.Reason)
		}
	}
	// A variant that already sets the knob runs as it is.
	v, _ := model.Builtin("rfc1337")
	if r := RunScript(parse(t, "x.pkt", readScript(t, "reader/time-wait-rst-rfc1337.pkt")), v); r.Verdict != Agrees {
		t.Errorf("rfc1337: %s (%s)", r.Verdict, r.Reason)
	}
}

// FreeBSD's TIME-WAIT acknowledges an in-window segment that is not at
// RCV.NXT; RFC 9293's lets it pass (the knob time-wait-ack).
func TestTimeWaitAckKnob(t *testing.T) {
	s, err := ParseDefined("time-wait-ack-ifdef.pkt", strings.NewReader(readScript(t, "reader/time-wait-ack-ifdef.pkt")), map[string]bool{"FreeBSD": true})
	if err != nil {
		t.Fatal(err)
	}
	if r := RunScript(s, model.RFC9293()); r.Verdict != Disagrees || r.Line != 21 {
		t.Errorf("rfc9293: %s at line %d (%s); want a disagreement at line 21", r.Verdict, r.Line, r.Reason)
	}
	v, err := model.WithKnobs(model.RFC9293(), model.Setting{Name: "time-wait-ack", Value: "freebsd"})
	if err != nil {
		t.Fatal(err)
	}
	if r := RunScript(s, v); r.Verdict != Agrees {
		t.Errorf("time-wait-ack freebsd: %s at line %d (%s)", r.Verdict, r.Line, r.Reason)
	}
}

// A sockstat line of FreeBSD's scripts is an assertion about socket
// states, checked against the model's endpoint.
func TestSockstatAssertions(t *testing.T) {
	text := readScript(t, "reader/sockstat-states.pkt")
	if r := RunScript(parse(t, "sockstat-states.pkt", text), model.RFC9293()); r.Verdict != Agrees {
		t.Errorf("rfc9293: %s at line %d (%s)", r.Verdict, r.Line, r.Reason)
	}
	v, _ := model.Builtin("rfc1337")
	if r := RunScript(parse(t, "sockstat-states.pkt", text), v); r.Verdict != Disagrees || r.Line != 26 || !strings.Contains(r.Reason, "counts 0 sockets in TIME-WAIT; the model has 1") {
		t.Errorf("rfc1337: %s at line %d (%s); want a disagreement at line 26", r.Verdict, r.Line, r.Reason)
	}
	checkMutants(t, "reader/sockstat-states.pkt", nil, []mutant{
		{"grep -c SYN_RCVD | grep 1", "grep -c SYN_RCVD | grep 0", Disagrees, 15, "counts 0 sockets in SYN-RECEIVED; the model has 1"},
		{"grep -c LISTEN | grep 1", "grep -c LISTEN | grep 0", Disagrees, 18, "in LISTEN; the model has 1"},
		{"grep -c CLOSED | grep 0", "grep -c CLOSED | grep 1", Disagrees, 29, "in CLOSED; the model has 0"},
		// Another shell line is not read.
		{"grep -c CLOSED | grep 0", "grep -c CLOSED | wc -l", Agrees, 0, ""},
	})
}
