package conform

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tcpmc/tcpmc/model"
)

// A Script is a packetdrill script: timed events, each a system call, a
// packet injected into the stack under test ("<") or expected from it
// (">"), or a shell or Python snippet.
type Script struct {
	File   string
	Events []Event
}

// EventKind says what an event of a script is.
type EventKind uint8

const (
	SyscallEvent EventKind = iota
	PacketEvent
	CommandEvent // `shell command`
	CodeEvent    // %{ python }%
)

// Event is one line (or block) of a script.
type Event struct {
	Line   int
	Time   string // as written: 0, +.1, *, +0...0.2
	Kind   EventKind
	Call   *Syscall
	Packet *Packet
	Text   string // a command's or code block's text
}

// Syscall is a system call and the result the script expects.
type Syscall struct {
	Name   string
	Args   []string
	Result string // "0", "-1", "4", "..."
	Errno  string // "EINPROGRESS", ...
}

// Packet is a TCP segment as packetdrill writes it: flags, relative
// sequence numbers "start:end(len)", "ack N", "win N" and options.
type Packet struct {
	Inbound bool   // "<": injected into the stack under test
	Flags   string // S F R P . (ACK) E W U, as written
	AnySeq  bool   // "...(len)": any sequence number (an expected segment only)
	Seq     uint32
	End     uint32
	Len     uint32
	Ack     uint32
	HasAck  bool
	Win     uint32
	HasWin  bool
	Options string // <...>, parsed and ignored
	Other   string // what the model cannot use, named (e.g. an ICMP packet)
}

// Has reports whether the packet carries a flag letter.
func (p *Packet) Has(flag byte) bool { return strings.IndexByte(p.Flags, flag) >= 0 }

// SyntaxError is a script that cannot be read, with its file and line.
type SyntaxError struct {
	File string
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// maxScriptBytes bounds what is read of a script: packetdrill's own
// scripts take a few kilobytes.
const maxScriptBytes = 4 << 20

// MaxScriptBytes is the size beyond which a file is no packetdrill script.
const MaxScriptBytes = maxScriptBytes

var (
	timeRE   = regexp.MustCompile(`^(\*|\+?(\d+(\.\d*)?|\.\d+)((\.\.\.|~)\+?(\d+(\.\d*)?|\.\d+))?)$`)
	flagsRE  = regexp.MustCompile(`^[SFRP.EWU]+$`)
	seqRE    = regexp.MustCompile(`^(\d+):(\d+)\((\d+)\)$`)
	anySeqRE = regexp.MustCompile(`^\.\.\.\((\d+)\)$`)
	callRE   = regexp.MustCompile(`^([a-z_][a-z0-9_]*)\(`)
)

// Parse reads a packetdrill script. Comments (// and /* */) and blank
// lines are skipped; lines of command-line options ("--name=value") are
// kept as commands; a system call, a `command` or a %{ code }% block may
// span lines. Every other line must be an event. No name is defined for
// #ifdef blocks.
func Parse(file string, r io.Reader) (*Script, error) { return ParseDefined(file, r, nil) }

// ParseDefined reads a packetdrill script keeping the #ifdef NAME blocks
// whose NAME is defined (and the #else blocks of the others), as
// packetdrill's preprocessor does with its --define flags.
func ParseDefined(file string, r io.Reader, defined map[string]bool) (*Script, error) {
	lr := &io.LimitedReader{R: r, N: maxScriptBytes + 1}
	sc := bufio.NewScanner(lr)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	s := &Script{File: file}
	bad := func(line int, format string, args ...any) error {
		return &SyntaxError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, bad(len(lines)+1, "a line longer than 1 MiB: not a packetdrill script")
	} else if err != nil {
		return nil, bad(len(lines)+1, "%v", err)
	}
	if lr.N <= 0 {
		return nil, bad(0, "larger than %d MiB: a packetdrill script is a short text", maxScriptBytes>>20)
	}
	if len(lines) > 0 && isBinary(lines[0]) {
		return nil, bad(1, "not text: a packet capture is checked with tcpmc conform")
	}
	if err := preprocess(lines, defined); err != nil {
		return nil, bad(err.line, "%s", err.msg)
	}
	inComment := false
	for i := 0; i < len(lines); i++ {
		n := i + 1
		var text string
		text, inComment = stripComments(lines[i], inComment)
		line := strings.TrimSpace(text)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "--") {
			s.Events = append(s.Events, Event{Line: n, Kind: CommandEvent, Text: line})
			continue
		}
		// The time, unless the event is an untimed command or code block.
		ev := Event{Line: n}
		rest := line
		if !strings.HasPrefix(line, "`") && !strings.HasPrefix(line, "%{") {
			// A time may be written in pieces: +.002 ... 0.004, +0 ...0.010.
			f := strings.Fields(line)
			t, used := f[0], 1
			for used < len(f) && (strings.HasPrefix(f[used], "...") || strings.HasPrefix(f[used], "~")) {
				t += f[used]
				used++
				if (f[used-1] == "..." || f[used-1] == "~") && used < len(f) {
					t += f[used]
					used++
				}
			}
			if !timeRE.MatchString(t) {
				return nil, bad(n, "%q is not a time (want 0, +.1, .2, *, a range +0...0.1 or a tolerance +.1~+.2)", t)
			}
			ev.Time = t
			rest = line
			for _, w := range f[:used] {
				rest = strings.TrimSpace(rest[strings.Index(rest, w)+len(w):])
			}
		}
		// join gathers the following lines (comments stripped) until
		// done says the event is complete.
		join := func(first string, done func(string) bool, what string) (string, error) {
			all := first
			for !done(all) {
				i++
				if i >= len(lines) {
					return "", bad(n, "unterminated %s", what)
				}
				var more string
				more, inComment = stripComments(lines[i], inComment)
				all += "\n" + more
			}
			return all, nil
		}
		switch {
		case rest == "":
			return nil, bad(n, "a time with no event")
		case strings.HasPrefix(rest, "`"):
			all, err := join(rest, func(t string) bool { return strings.Count(t, "`") >= 2 }, "`command`")
			if err != nil {
				return nil, err
			}
			ev.Kind, ev.Text = CommandEvent, strings.TrimSpace(strings.Trim(strings.TrimSpace(all), "`"))
		case strings.HasPrefix(rest, "%{"):
			all, err := join(rest, func(t string) bool { return strings.Contains(t, "}%") }, "%{ code block }%")
			if err != nil {
				return nil, err
			}
			ev.Kind, ev.Text = CodeEvent, strings.TrimSpace(all[2:strings.Index(all, "}%")])
		case rest[0] == '<' || rest[0] == '>':
			p, err := parsePacket(rest)
			if err != nil {
				return nil, bad(n, "%v", err)
			}
			ev.Kind, ev.Packet = PacketEvent, p
		default:
			all, err := join(rest, balanced, "system call")
			if err != nil {
				return nil, err
			}
			c, err := parseSyscall(strings.Join(strings.Fields(all), " "))
			if err != nil {
				return nil, bad(n, "%v", err)
			}
			ev.Kind, ev.Call = SyscallEvent, c
		}
		s.Events = append(s.Events, ev)
	}
	if inComment {
		return nil, bad(len(lines), "unterminated /* comment")
	}
	if len(s.Events) == 0 {
		return nil, bad(0, "no events: an empty script tests nothing")
	}
	return s, nil
}

// balanced reports whether a call's brackets are all closed.
func balanced(t string) bool {
	depth := 0
	var quote byte
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		}
	}
	return depth <= 0
}

// stripComments removes // and /* */ comments from a line, given whether
// a /* comment is open at its start.
func stripComments(line string, open bool) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(line); {
		switch {
		case open:
			if j := strings.Index(line[i:], "*/"); j >= 0 {
				i += j + 2
				open = false
			} else {
				i = len(line)
			}
		case strings.HasPrefix(line[i:], "//"):
			i = len(line)
		case strings.HasPrefix(line[i:], "/*"):
			open = true
			i += 2
		case line[i] == '"':
			// Keep strings whole: they may hold "//".
			j := strings.IndexByte(line[i+1:], '"')
			if j < 0 {
				b.WriteString(line[i:])
				i = len(line)
			} else {
				b.WriteString(line[i : i+j+2])
				i += j + 2
			}
		default:
			b.WriteByte(line[i])
			i++
		}
	}
	return b.String(), open
}

// parsePacket reads "< S. 0:0(0) ack 1 win 32768 <mss 1000,nop>".
func parsePacket(text string) (*Packet, error) {
	p := &Packet{Inbound: text[0] == '<'}
	rest := strings.TrimSpace(text[1:])
	if strings.HasPrefix(rest, "[") {
		// An IP-level annotation such as [ect0]: read and ignored.
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return nil, fmt.Errorf("unterminated [annotation]")
		}
		rest = strings.TrimSpace(rest[j+1:])
	}
	if i := strings.IndexByte(rest, '<'); i >= 0 {
		j := strings.LastIndexByte(rest, '>')
		if j < i {
			return nil, fmt.Errorf("unterminated <options>")
		}
		p.Options = rest[i+1 : j]
		rest = strings.TrimSpace(rest[:i] + " " + rest[j+1:])
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		return nil, fmt.Errorf("a packet with no flags")
	}
	if !flagsRE.MatchString(f[0]) {
		// Not a TCP segment the way connection management writes it
		// (ICMP, UDP, an encapsulation): kept for the runner to name.
		p.Other = strings.Join(f, " ")
		return p, nil
	}
	p.Flags = f[0]
	f = f[1:]
	if len(f) > 0 && anySeqRE.MatchString(f[0]) {
		n, err := strconv.ParseUint(anySeqRE.FindStringSubmatch(f[0])[1], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%q: a number out of range", f[0])
		}
		if p.Inbound {
			return nil, fmt.Errorf("%q: an injected segment needs its sequence number", f[0])
		}
		p.AnySeq, p.Len = true, uint32(n)
		f = f[1:]
	} else if len(f) > 0 {
		m := seqRE.FindStringSubmatch(f[0])
		if m == nil {
			return nil, fmt.Errorf("%q is not start:end(length)", f[0])
		}
		start, err1 := strconv.ParseUint(m[1], 10, 32)
		end, err2 := strconv.ParseUint(m[2], 10, 32)
		n, err3 := strconv.ParseUint(m[3], 10, 32)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("%q: a number out of range", f[0])
		}
		if uint32(end)-uint32(start) != uint32(n) {
			return nil, fmt.Errorf("%q: the length is not end minus start", f[0])
		}
		p.Seq, p.End, p.Len = uint32(start), uint32(end), uint32(n)
		f = f[1:]
	}
	for len(f) > 0 {
		key := f[0]
		if len(f) < 2 {
			return nil, fmt.Errorf("%q needs a value", key)
		}
		v, err := strconv.ParseUint(f[1], 10, 32)
		switch key {
		case "ack", "win", "urg":
			if err != nil {
				return nil, fmt.Errorf("%s %q: not a number", key, f[1])
			}
		default:
			return nil, fmt.Errorf("unknown packet field %q", key)
		}
		switch key {
		case "ack":
			p.Ack, p.HasAck = uint32(v), true
		case "win":
			p.Win, p.HasWin = uint32(v), true
		}
		f = f[2:]
	}
	// An ack number without the ACK flag is sent as written: the receiver
	// must ignore the field (RFC 9293 3.1: "if the ACK control bit is set").
	return p, nil
}

// parseSyscall reads "connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)".
// isBinary: not UTF-8, or control characters a text line does not hold.
func isBinary(line string) bool {
	if !utf8.ValidString(line) {
		return true
	}
	for _, c := range []byte(line) {
		if c < 0x20 && c != '\t' && c != '\r' {
			return true
		}
	}
	return false
}

// packetdrillCalls are the system calls packetdrill scripts use; a name
// close to one of them (and not one) is a typo.
var packetdrillCalls = []string{"socket", "bind", "listen", "accept", "accept4", "connect", "read", "readv",
	"recv", "recvfrom", "recvmsg", "write", "writev", "send", "sendto", "sendmsg", "sendfile", "splice",
	"close", "shutdown", "setsockopt", "getsockopt", "fcntl", "ioctl", "poll", "select", "epoll_create",
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "getsockname", "getpeername", "pipe", "open",
	"socketpair", "recvmmsg", "sendmmsg", "pselect", "ppoll", "dup", "dup2", "usleep"}

func parseSyscall(text string) (*Syscall, error) {
	m := callRE.FindStringSubmatch(text)
	if m == nil {
		return nil, fmt.Errorf("%q is neither a packet nor a system call", firstWord(text))
	}
	c := &Syscall{Name: m[1]}
	if !slices.Contains(packetdrillCalls, c.Name) {
		if hint := model.DidYouMean(c.Name, packetdrillCalls); hint != "" {
			// A typo, not a call outside the model: the script must not
			// quietly count as not applicable.
			return nil, fmt.Errorf("unknown system call %s()%s", c.Name, hint)
		}
	}
	args, rest, err := splitArgs(text[len(m[0]):])
	if err != nil {
		return nil, fmt.Errorf("%s: %v", c.Name, err)
	}
	c.Args = args
	rest = strings.TrimSpace(rest)
	if !strings.HasPrefix(rest, "=") {
		return nil, fmt.Errorf("%s(...) with no \"= result\"", c.Name)
	}
	f := strings.Fields(strings.TrimSpace(rest[1:]))
	if len(f) == 0 {
		return nil, fmt.Errorf("%s(...) = with no result", c.Name)
	}
	c.Result = f[0]
	if len(f) > 1 && strings.HasPrefix(f[1], "E") {
		c.Errno = f[1]
	}
	return c, nil
}

// splitArgs splits a call's arguments at top-level commas, up to its
// closing parenthesis, and returns what follows.
func splitArgs(s string) ([]string, string, error) {
	var args []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
			if depth < 0 {
				return nil, "", fmt.Errorf("unbalanced %q", c)
			}
		case c == ')':
			if depth == 0 {
				if a := strings.TrimSpace(s[start:i]); a != "" || len(args) > 0 {
					args = append(args, a)
				}
				return args, s[i+1:], nil
			}
			depth--
		case c == ',' && depth == 0:
			args = append(args, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return nil, "", fmt.Errorf("unterminated argument list")
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return s
}

type lineError struct {
	line int
	msg  string
}

// preprocess blanks, in place, the lines that #ifdef, #ifndef, #else and
// #endif leave out, and the directives themselves, so that line numbers
// stay those of the file.
func preprocess(lines []string, defined map[string]bool) *lineError {
	type block struct {
		line            int
		keep, sawElse   bool
		outerKept, cond bool
	}
	var open []block
	kept := func() bool { return len(open) == 0 || open[len(open)-1].keep }
	for i, l := range lines {
		t := strings.TrimSpace(l)
		f := strings.Fields(t)
		if len(f) == 0 || !strings.HasPrefix(f[0], "#") {
			if !kept() {
				lines[i] = ""
			}
			continue
		}
		switch f[0] {
		case "#ifdef", "#ifndef":
			if len(f) != 2 {
				return &lineError{i + 1, fmt.Sprintf("%s wants one name", f[0])}
			}
			cond := defined[f[1]] == (f[0] == "#ifdef")
			open = append(open, block{line: i + 1, outerKept: kept(), cond: cond, keep: kept() && cond})
		case "#else":
			if len(open) == 0 || open[len(open)-1].sawElse {
				return &lineError{i + 1, "#else without #ifdef"}
			}
			b := &open[len(open)-1]
			b.sawElse, b.keep = true, b.outerKept && !b.cond
		case "#endif":
			if len(open) == 0 {
				return &lineError{i + 1, "#endif without #ifdef"}
			}
			open = open[:len(open)-1]
		case "#if", "#elif", "#elifdef", "#elifndef":
			// Conditions on expressions are not read: refusing beats
			// guessing which block a stack runs.
			return &lineError{i + 1, fmt.Sprintf("%s is not read (only #ifdef NAME, #ifndef NAME, #else and #endif)", f[0])}
		default:
			if !kept() {
				lines[i] = ""
			}
			continue // not a directive: the parser says what it is
		}
		lines[i] = ""
	}
	if len(open) > 0 {
		b := open[len(open)-1]
		return &lineError{b.line, "#ifdef without #endif"}
	}
	return nil
}
