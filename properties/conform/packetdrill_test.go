package conform

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpmc/tcpmc/model"
)

func parse(t *testing.T, name, text string) *Script {
	t.Helper()
	s, err := Parse(name, strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Every script in testdata/packetdrill agrees with rfc9293, and says which
// clause of RFC 9293 it exercises.
func TestOwnScriptsAgree(t *testing.T) {
	files, err := filepath.Glob("../../testdata/packetdrill/*.pkt")
	if err != nil || len(files) < 20 {
		t.Fatalf("%d scripts: %v", len(files), err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "RFC 9293 3.") {
			t.Errorf("%s: no comment naming the RFC 9293 clause it exercises", f)
		}
		s := parse(t, f, string(b))
		r := RunScript(s, model.RFC9293())
		if r.Verdict != Agrees {
			t.Errorf("%s: %s at line %d: %s", f, r.Verdict, r.Line, r.Reason)
		}
	}
}

// The runner finds disagreements, and says where: each case is a correct
// script with one line changed.
func TestDisagreementsAreFound(t *testing.T) {
	base, err := os.ReadFile("../../testdata/packetdrill/active-open-close.pkt")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		old, new string
		line     int
		reason   string
	}{
		{"   +0 > F. 101:101(0) ack 1", "   +0 > F. 101:101(0) ack 2", 19, "a different acknowledgement number"},
		{"   +0 > . 102:102(0) ack 2", "   +0 > R 102:102(0)", 22, "the model sends only `. 102:102(0) ack 2`"},
		// A FIN before the close: the model can only retransmit its data.
		{"   +0 > P. 1:101(100) ack 1", "   +0 > P. 1:101(100) ack 1\n   +0 > F. 101:101(0) ack 1", 16, "the model sends `. 1:101(100) ack 1`"},
		{"   +0 close(3) = 0", "   +0 read(3, ..., 100) = 100", 18, "read() = 100"},
	} {
		text := strings.Replace(string(base), c.old, c.new, 1)
		if text == string(base) {
			t.Fatalf("%q is not in the script", c.old)
		}
		r := RunScript(parse(t, "mutant.pkt", text), model.RFC9293())
		if r.Verdict != Disagrees || r.Line != c.line || !strings.Contains(r.Reason, c.reason) {
			t.Errorf("%q: %s at line %d: %s; want a disagreement at line %d about %q", c.new, r.Verdict, r.Line, r.Reason, c.line, c.reason)
		}
	}
}

// A variant can disagree where rfc9293 agrees: RFC 1337 keeps TIME-WAIT
// through a RST.
func TestVariantsDisagree(t *testing.T) {
	b, err := os.ReadFile("../../testdata/packetdrill/time-wait-rst.pkt")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := model.Builtin("rfc1337")
	r := RunScript(parse(t, "time-wait-rst.pkt", string(b)), v)
	if r.Verdict != Disagrees {
		t.Errorf("rfc1337: %s (%s)", r.Verdict, r.Reason)
	}
	// And only where the variant differs: without TIME-WAIT the FIN that
	// ends the connection was still received, so read() returns 0.
	b, err = os.ReadFile("../../testdata/packetdrill/half-close.pkt")
	if err != nil {
		t.Fatal(err)
	}
	v, _ = model.Builtin("no-time-wait")
	if r := RunScript(parse(t, "half-close.pkt", string(b)), v); r.Verdict != Agrees {
		t.Errorf("no-time-wait, half-close.pkt: %s at line %d (%s)", r.Verdict, r.Line, r.Reason)
	}
}

func TestNotApplicableNamesTheConstruct(t *testing.T) {
	head := "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n"
	for _, c := range []struct{ text, want string }{
		{"0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 sendto(3, ..., 1000, MSG_FASTOPEN, ..., ...) = 1000\n", "Fast Open"},
		{head + "+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 5\n", "a second socket"},
		{head + "+0 < S 0:0(0) win 1000 <mss 1000,FO abcd>\n", "Fast Open"},
		{head + "+0 < S 0:0(0) win 1000\n+0 > S. 0:0(0) ack 1\n+0 < . 1:1(0) ack 1 win 1000\n+0 accept(3, ..., ...) = 4\n+0 write(4, ..., 2000) = 2000\n+0 > . 1:1001(1000) ack 1\n", "part of a write"},
		{head + "+0 splice(3, ..., ...) = 0\n", "splice()"},
		{"0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n", "not a TCP socket"},
	} {
		r := RunScript(parse(t, "x.pkt", c.text), model.RFC9293())
		if r.Verdict != NotApplicable || !strings.Contains(r.Reason, c.want) {
			t.Errorf("%q: %s: %s; want not applicable naming %q", c.text, r.Verdict, r.Reason, c.want)
		}
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for _, c := range []struct {
		text string
		line int
		want string
	}{
		{"0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\nsoon close(3) = 0\n", 2, "not a time"},
		{"// c\n\n+0 > S 0:0(0) <mss 1460\n", 3, "unterminated <options>"},
		{"+0 > S 0:x(0)\n", 1, "start:end(length)"},
		{"+0 > S 0:5(2)\n", 1, "the length is not end minus start"},
		{"+0 > . 1:1(0) ack\n", 1, "needs a value"},
		{"+0 > S 0:0(0) wnd 5\n", 1, "unknown packet field"},
		{"+0 close(3\n", 1, "unterminated system call"},
		{"+0 close(3)\n", 1, "no \"= result\""},
		{"+0 frobnicate\n", 1, "neither a packet nor a system call"},
		{"#if defined(X)\n+0 frobnicate\n#endif\n", 1, "#if is not read"},
		{"#ifdef X\n#elif Y\n#endif\n", 2, "#elif is not read"},
		{"\xd4\xc3\xb2\xa1\x02\x00\x04\x00\n", 1, "not text: a packet capture is checked with tcpmc conform"},
		{"// café\n+0 frobnicate\n", 2, "neither a packet nor a system call"},
		{"0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 connct(3, ..., ...) = 0\n", 2, "unknown system call connct() (did you mean connect?)"},
		{"`sysctl -q x=1\n", 1, "unterminated `command`"},
		{"+0 %{ assert x\n", 1, "unterminated %{ code block }%"},
		{"/* open\n+0 close(3) = 0\n", 2, "unterminated /* comment"},
		{"+0\n", 1, "no event"},
	} {
		_, err := Parse("bad.pkt", strings.NewReader(c.text))
		var se *SyntaxError
		if !errors.As(err, &se) || se.Line != c.line || !strings.Contains(se.Msg, c.want) || !strings.HasPrefix(err.Error(), "bad.pkt:") {
			t.Errorf("%q: got %v; want line %d about %q", c.text, err, c.line, c.want)
		}
	}
}

func TestParseForms(t *testing.T) {
	s := parse(t, "forms.pkt", `--tolerance_usecs=10000
`+"`../common/defaults.sh\nsysctl -q x=1\n`"+`
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3 // a comment
+.002 ... 0.004 connect(3, ..., ...) = 0
+0 ...0.010 read(3, ..., 10) = 10
+.01~+.015 > [ect0] P. 1:1001(1000) ack 1 <nop,nop,TS val 1 ecr 2>
* recvmsg(3, {msg_name(...)=...,
    msg_iov(1)=[{..., 10}], msg_flags=0}, 0) = 10
+0 %{
assert tcpi_rtt > 0
}%
/* a block
comment */ +0 close(3) = 0
`)
	want := []EventKind{CommandEvent, CommandEvent, SyscallEvent, SyscallEvent, SyscallEvent, PacketEvent, SyscallEvent, CodeEvent, SyscallEvent}
	if len(s.Events) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(s.Events), len(want), s.Events)
	}
	for i, k := range want {
		if s.Events[i].Kind != k {
			t.Errorf("event %d (line %d): kind %d, want %d", i, s.Events[i].Line, s.Events[i].Kind, k)
		}
	}
	if c := s.Events[6].Call; c.Name != "recvmsg" || len(c.Args) != 3 || c.Result != "10" {
		t.Errorf("multi-line call: %+v", c)
	}
	if p := s.Events[5].Packet; p.Flags != "P." || p.Seq != 1 || p.End != 1001 || !p.HasAck || p.Ack != 1 || s.Events[5].Time != "+.01~+.015" {
		t.Errorf("packet: %+v at %q", p, s.Events[5].Time)
	}
	if s.Events[3].Time != "+.002...0.004" || s.Events[4].Time != "+0...0.010" {
		t.Errorf("times: %q %q", s.Events[3].Time, s.Events[4].Time)
	}
}

// Parsing never panics, and what parses runs without panicking.
func FuzzParseScript(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/packetdrill/*.pkt")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(string(b))
		}
	}
	f.Add("+0 < S 0:0(0) win 1 <a,b>\n+0 > S. 0:0(0) ack 1\n")
	f.Add("0 read(3, ..., 1000) = 0\n+.1...0.2 accept(3, ..., ...) = 4\n")
	f.Add("`sysctl -w net.inet.tcp.drop_synfin=1`\n#ifdef STANDARD\n+0 > R ...(0)\n#else\n+0 < S 4294967295:9(10) ack 4294967295\n#endif\n")
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Parse("fuzz.pkt", strings.NewReader(text))
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("not a SyntaxError: %v", err)
			}
			return
		}
		RunScript(s, model.RFC9293())
		// The blocks kept for a defined name parse and run as well.
		if s, err := ParseDefined("fuzz.pkt", strings.NewReader(text), map[string]bool{"STANDARD": true}); err == nil {
			RunScript(s, model.RFC9293())
		} else if !errors.As(err, new(*SyntaxError)) {
			t.Fatalf("not a SyntaxError: %v", err)
		}
	})
}
