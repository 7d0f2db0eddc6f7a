package conform

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/tcpmc/tcpmc/model"
)

// Verdict is the outcome of running a script against the model.
type Verdict string

const (
	Agrees        Verdict = "agrees"
	Disagrees     Verdict = "disagrees"
	NotApplicable Verdict = "not applicable" // the script uses something the model leaves out
)

// ScriptResult is what running one script found.
type ScriptResult struct {
	File    string  `json:"file"`
	Verdict Verdict `json:"verdict"`
	// Line and Reason say, for a disagreement, what the script expects
	// and what the model does instead; for a script that is not
	// applicable, which construct is outside the model.
	Line   int    `json:"line,omitempty"`
	Reason string `json:"reason,omitempty"`
	Events int    `json:"events"` // events run before the verdict
	// ToleratedACKs counts pure ACKs the model sent that the script did
	// not expect: a stack may delay or merge an ACK (RFC 9293 3.8.6.3).
	ToleratedACKs int `json:"tolerated_acks"`
	// Timeouts counts the retransmission timeouts fired where the script
	// waits for a retransmission.
	Timeouts int `json:"timeouts"`
	// Ignored names what was read and not checked: socket options,
	// shell commands, Python assertions.
	Ignored []string `json:"ignored"`
}

// Config is the model configuration scripts run under: a large sequence
// space, a window far from full, and Linux's patience with
// retransmissions.
func Config() model.Config {
	c := model.DefaultConfig()
	c.SeqSpace, c.Window, c.RetryLimit = 256, 100, 15
	c.Loss, c.Dup, c.Reorder, c.Crash = 0, 0, 0, 0
	c.Incarnations, c.Open, c.Close = 1, model.Simultaneous, model.CloseEither
	return c
}

// peerISN is the model value the script's peer sequence number 0 stands
// for.
const peerISN = 100

// RunScript runs a script with a model endpoint of the variant as the
// stack under test.
func RunScript(s *Script, v *model.Variant) ScriptResult {
	sys, err := model.NewSystem(v, Config())
	if err != nil {
		return ScriptResult{File: s.File, Verdict: NotApplicable, Reason: err.Error()}
	}
	r := &runner{
		sys:     sys,
		d:       sys.NewDriver(model.A),
		space:   Config().SeqSpace,
		outPos:  []uint32{0},
		inPos:   []uint32{0},
		fds:     map[string]string{},
		ignored: map[string]bool{},
		res:     ScriptResult{File: s.File, Verdict: Agrees},
	}
	r.iss = r.d.Endpoint().Clock
	for _, ev := range s.Events {
		r.res.Events++
		if err := r.event(ev); err != nil {
			var o *outcome
			if errors.As(err, &o) {
				r.res.Verdict, r.res.Line, r.res.Reason = o.verdict, ev.Line, o.reason
			}
			break
		}
		if r.pendingAccept != nil && r.synchronized() {
			r.pendingAccept = nil
		}
		if r.pendingRead > 0 && r.read+r.pendingRead <= r.delivered {
			r.read += r.pendingRead
			r.pendingRead = 0
		}
	}
	if r.res.Verdict == Agrees {
		switch {
		case r.pendingRead > 0:
			r.res.Verdict, r.res.Line = Disagrees, r.pendingReadLine
			r.res.Reason = fmt.Sprintf("a blocking read returns %d bytes, but the model has %s", r.pendingRead, r.readable())
		case r.pendingAccept != nil:
			r.res.Verdict, r.res.Line = Disagrees, r.pendingAccept.Line
			r.res.Reason = fmt.Sprintf("accept() returns a connection, but the model's endpoint never reaches ESTABLISHED (it is in %s)", r.d.Endpoint().State)
		default:
			// Like packetdrill, only the segments a script expects are
			// checked: what the stack sends after its last expectation is
			// not.
			for _, seg := range r.d.Pending() {
				if pureACK(seg) {
					r.res.ToleratedACKs++
				}
			}
		}
	}
	for k := range r.ignored {
		r.res.Ignored = append(r.res.Ignored, k)
	}
	sort.Strings(r.res.Ignored)
	return r.res
}

type runner struct {
	sys   *model.System
	d     *model.Driver
	space int
	// iss is the model's initial sequence number; outPos[k] is the
	// script's relative sequence number of the k-th number of the
	// endpoint's sequence space (0: the SYN), up to SND.NXT. inPos is
	// the same for the peer's space, based at peerISN.
	iss    uint8
	outPos []uint32
	inPos  []uint32
	// The application's view: bytes delivered and read, and whether the
	// peer's FIN or a reset arrived.
	delivered, read uint32
	finIn, reset    bool
	readShut        bool              // shutdown(SHUT_RD): reads return end-of-file
	fds             map[string]string // fd -> "socket", "listener" or "connection"
	linger0         bool
	pendingAccept   *Event
	pendingRead     uint32 // bytes a blocking read waits for
	pendingReadLine int
	ignored         map[string]bool
	res             ScriptResult
}

// outcome ends a run early with a verdict.
type outcome struct {
	verdict Verdict
	reason  string
}

func (o *outcome) Error() string { return o.reason }

func notApplicable(format string, args ...any) error {
	return &outcome{NotApplicable, fmt.Sprintf(format, args...)}
}

func disagree(format string, args ...any) error {
	return &outcome{Disagrees, fmt.Sprintf(format, args...)}
}

func (r *runner) event(ev Event) error {
	switch ev.Kind {
	case CommandEvent:
		r.ignored["shell commands (`...`) are not run"] = true
	case CodeEvent:
		r.ignored["Python assertions (%{...}%) are not checked"] = true
	case PacketEvent:
		if ev.Packet.Inbound {
			return r.inject(ev.Packet)
		}
		return r.expect(ev.Packet)
	case SyscallEvent:
		return r.syscall(ev)
	}
	return nil
}

func (r *runner) synchronized() bool { return r.d.Endpoint().State.Synchronized() }

func (r *runner) mod(v int) uint8 { return uint8(((v % r.space) + r.space) % r.space) }

// fd is a call's first argument.
func fd(c *Syscall) string {
	if len(c.Args) == 0 {
		return ""
	}
	return c.Args[0]
}

func expectsError(c *Syscall) bool { return strings.HasPrefix(c.Result, "-") }

func (r *runner) syscall(ev Event) error {
	c := ev.Call
	all := strings.Join(c.Args, ",")
	switch c.Name {
	case "socket":
		for _, kind := range r.fds {
			if kind != "closed" {
				return notApplicable("a second socket: the model runs one connection")
			}
		}
		if !strings.Contains(all, "SOCK_STREAM") {
			return notApplicable("socket(%s): not a TCP socket", all)
		}
		r.fds[c.Result] = "socket"
	case "bind", "getsockopt", "fcntl", "ioctl", "poll", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "getsockname", "getpeername":
		r.ignored[c.Name] = true
	case "setsockopt":
		switch {
		case strings.Contains(all, "SO_LINGER"):
			r.linger0 = strings.Contains(all, "onoff=1") && strings.Contains(all, "linger=0")
		case strings.Contains(all, "TCP_FASTOPEN") || strings.Contains(all, "TCP_MD5SIG") || strings.Contains(all, "TCP_REPAIR") ||
			strings.Contains(all, "TCP_USER_TIMEOUT") || strings.Contains(all, "SO_ZEROCOPY") || strings.Contains(all, "TCP_ULP"):
			return notApplicable("setsockopt %s: outside the model", optionName(c.Args))
		default:
			r.ignored["setsockopt "+optionName(c.Args)] = true
		}
	case "listen":
		st, err := r.d.Call(model.OpenPassive)
		if err != nil {
			return disagree("listen(): the model has %v", err)
		}
		r.sent(st, 0)
		r.fds[fd(c)] = "listener"
	case "connect":
		st, err := r.d.Call(model.OpenActive)
		if err != nil {
			return notApplicable("connect() in %s: %v", r.d.Endpoint().State, err)
		}
		r.sent(st, 0)
		r.fds[fd(c)] = "connection"
	case "accept", "accept4":
		if expectsError(c) {
			if r.synchronized() && c.Errno == "EAGAIN" {
				return disagree("accept() = -1 EAGAIN, but the model's connection is %s", r.d.Endpoint().State)
			}
			return nil
		}
		r.fds[c.Result] = "connection"
		if !r.synchronized() {
			if blocking(ev) {
				e := ev
				r.pendingAccept = &e // a blocking accept: it returns later
				return nil
			}
			return disagree("accept() returns a connection, but the model's endpoint is in %s", r.d.Endpoint().State)
		}
	case "write", "send", "sendto", "sendmsg", "writev":
		if strings.Contains(all, "MSG_FASTOPEN") {
			return notApplicable("%s with MSG_FASTOPEN: TCP Fast Open (RFC 7413) is not modelled", c.Name)
		}
		return r.write(c)
	case "read", "recv", "recvfrom", "recvmsg", "readv":
		if strings.Contains(all, "MSG_ERRQUEUE") {
			r.ignored["the error queue (MSG_ERRQUEUE)"] = true
			return nil
		}
		if r.pendingRead > 0 {
			return notApplicable("a read while a blocking read is waiting")
		}
		return r.receive(ev)
	case "shutdown":
		if strings.Contains(all, "SHUT_RD") {
			r.readShut = true // reads return end-of-file from now on: a local matter
		}
		if strings.Contains(all, "SHUT_WR") || strings.Contains(all, "SHUT_RDWR") {
			return r.close(c, false)
		}
	case "close":
		if r.fds[fd(c)] == "listener" && r.fdKindCount("connection") > 0 {
			r.fds[fd(c)] = "closed" // the listener goes; the accepted connection stays
			return nil
		}
		r.fds[fd(c)] = "closed"
		return r.close(c, r.linger0)
	default:
		return notApplicable("%s(): a system call outside the model", c.Name)
	}
	return nil
}

func (r *runner) fdKindCount(kind string) int {
	n := 0
	for _, k := range r.fds {
		if k == kind {
			n++
		}
	}
	return n
}

func optionName(args []string) string {
	if len(args) >= 3 {
		return args[2]
	}
	return strings.Join(args, ",")
}

// interfaceErrors are errors of the system-call interface, not of the
// protocol.
var interfaceErrors = map[string]bool{"EFAULT": true, "EINVAL": true, "EBADF": true, "ENOTSOCK": true, "EOPNOTSUPP": true, "EMSGSIZE": true}

func (r *runner) write(c *Syscall) error {
	if interfaceErrors[c.Errno] {
		return notApplicable("%s() = -1 %s: an error of the system-call interface, not of the protocol", c.Name, c.Errno)
	}
	n, perr := strconv.ParseUint(c.Result, 10, 32)
	if !expectsError(c) && (perr != nil || n == 0) {
		return notApplicable("%s() = %s: a size the model cannot follow", c.Name, c.Result)
	}
	st := r.d.Endpoint().State
	step, err := r.d.Call(model.Send)
	switch {
	case err != nil && expectsError(c):
		return nil
	case err != nil && (st == model.SynSent || st == model.SynReceived || st == model.Listen):
		return notApplicable("%s() in %s: RFC 9293 queues data sent before the connection is established (3.10.2); the model has no queue", c.Name, st)
	case err != nil:
		return disagree("%s() = %s, but the model has %v", c.Name, c.Result, err)
	case expectsError(c):
		return disagree("%s() = %s %s, but the model sends the data", c.Name, c.Result, c.Errno)
	}
	r.sent(step, uint32(n))
	return nil
}

func (r *runner) receive(ev Event) error {
	c := ev.Call
	switch {
	case c.Result == "0" && r.readShut:
	case c.Result == "0":
		if r.read != r.delivered || !r.finIn {
			return disagree("%s() = 0 (the peer closed), but the model has %s", c.Name, r.readable())
		}
	case expectsError(c) && c.Errno == "ECONNRESET":
		if !r.reset {
			return disagree("%s() = -1 ECONNRESET, but the model's connection was not reset (%s)", c.Name, r.d.Endpoint().State)
		}
	case expectsError(c) && c.Errno == "EAGAIN":
		if r.read != r.delivered {
			return disagree("%s() = -1 EAGAIN, but the model has %s", c.Name, r.readable())
		}
	case expectsError(c):
		r.ignored[c.Name+" errors other than ECONNRESET and EAGAIN"] = true
	default:
		n, err := strconv.ParseUint(c.Result, 10, 32)
		if err != nil {
			return notApplicable("%s() = %s: a size the model cannot follow", c.Name, c.Result)
		}
		if r.read+uint32(n) > r.delivered {
			if blocking(ev) {
				r.pendingRead, r.pendingReadLine = uint32(n), ev.Line // it returns when the data has come
				return nil
			}
			return disagree("%s() = %d, but the model has %s", c.Name, n, r.readable())
		}
		r.read += uint32(n)
	}
	return nil
}

// blocking reports whether an event's time is a range: a call that
// blocks, returning by the end of the range.
func blocking(ev Event) bool { return ev.Time == "*" || strings.Contains(ev.Time, "...") }

func (r *runner) readable() string {
	if r.delivered > r.read {
		return fmt.Sprintf("%d bytes to read", r.delivered-r.read)
	}
	if r.finIn {
		return "nothing to read before the peer's FIN"
	}
	return "delivered nothing more to the application"
}

func (r *runner) close(c *Syscall, abort bool) error {
	ev := model.Close
	if abort {
		ev = model.Abort
	}
	st := r.d.Endpoint().State
	step, err := r.d.Call(ev)
	if err == nil {
		r.sent(step, 0)
		return nil
	}
	if expectsError(c) {
		return nil
	}
	switch st {
	case model.FinWait1, model.FinWait2, model.Closing, model.TimeWait, model.LastAck, model.Closed:
		return nil // already closing: nothing more to send (RFC 9293 3.10.4)
	}
	return notApplicable("%s() in %s: %v", c.Name, st, err)
}

// inject hands the model endpoint a segment from the script's peer.
func (r *runner) inject(p *Packet) error {
	if p.Other != "" {
		return notApplicable("the packet %q is not a TCP segment the model knows", p.Other)
	}
	if err := options(p); err != nil {
		return err
	}
	if p.Has('U') {
		return notApplicable("urgent data is not modelled")
	}
	var ctl uint8
	if p.Has('S') {
		ctl |= model.SYN
		if !r.synchronized() {
			r.inPos = []uint32{p.Seq, p.Seq + 1} // the peer's ISN, and the SYN's place
		}
	}
	if p.Has('F') {
		ctl |= model.FIN
	}
	if p.Has('R') {
		ctl |= model.RST
	}
	if p.Has('.') {
		ctl |= model.ACK
	}
	k := indexOf(r.inPos, p.Seq)
	if p.Has('S') && !r.synchronized() {
		k = 0
	}
	last := len(r.inPos) - 1
	switch {
	case k < 0 && p.Seq > r.inPos[last] && (p.Len > 0 || p.Has('F')):
		return notApplicable("data or FIN at %d, beyond the %d sent so far: the model counts one octet per segment and cannot place it", p.Seq, r.inPos[last])
	case k < 0 && p.Seq > r.inPos[last]:
		// An empty segment ahead of the stream: one number a byte.
		if p.Seq-r.inPos[last] >= uint32(r.space/2) {
			return notApplicable("a segment at %d, far beyond the %d sent so far", p.Seq, r.inPos[last])
		}
		k = last + int(p.Seq-r.inPos[last])
	case k < 0:
		return notApplicable("a segment starting at %d, inside an earlier one: the model counts one octet per segment", p.Seq)
	}
	if p.Len > 0 {
		switch {
		case k == last:
			r.inPos = append(r.inPos, p.Seq+p.Len)
		case r.inPos[k+1] != p.Seq+p.Len:
			return notApplicable("data %d:%d does not repeat an earlier segment exactly: the model counts one octet per segment", p.Seq, p.Seq+p.Len)
		}
	}
	if p.Has('F') && k+btoi(p.Len > 0) == len(r.inPos)-1 {
		r.inPos = append(r.inPos, p.Seq+p.Len+1)
	}
	var ack uint8
	if p.HasAck {
		a, err := r.mapAck(p.Ack)
		if err != nil {
			return err
		}
		ack = a
	}
	seg := model.NewSegment(ctl, r.mod(peerISN+k), ack, p.Len > 0, 1, 0)
	st := r.d.Arrive(seg)
	r.sent(st, 0)
	if st.Delivered {
		r.delivered += p.Len
	}
	switch r.d.Endpoint().State {
	case model.CloseWait, model.Closing, model.TimeWait, model.LastAck:
		r.finIn = true
	}
	if st.Deleted && p.Has('R') {
		r.reset = true
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func indexOf(pos []uint32, v uint32) int {
	for i, p := range pos {
		if p == v {
			return i
		}
	}
	return -1
}

// mapAck turns an acknowledgement number of the script (relative to the
// endpoint's ISN) into the model's.
func (r *runner) mapAck(a uint32) (uint8, error) {
	if k := indexOf(r.outPos, a); k >= 0 {
		return r.mod(int(r.iss) + k), nil
	}
	last := len(r.outPos) - 1
	if a > r.outPos[last] {
		// Beyond what was sent: one number a byte, as far as the model's
		// sequence space can tell.
		if a-r.outPos[last] >= uint32(r.space/2) {
			return 0, notApplicable("ack %d, far beyond the %d sent so far", a, r.outPos[last])
		}
		return r.mod(int(r.iss) + last + int(a-r.outPos[last])), nil
	}
	return 0, notApplicable("ack %d falls inside a segment: the model counts one octet per segment", a)
}

// expect takes the segment the script expects from the model endpoint:
// what it has sent, or else what a retransmission timeout makes it send.
// Pure ACKs the script does not expect are passed over.
func (r *runner) expect(p *Packet) error {
	if p.Other != "" {
		return notApplicable("the packet %q is not a TCP segment the model knows", p.Other)
	}
	if err := options(p); err != nil {
		return err
	}
	if p.Len > 0 {
		k := indexOf(r.outPos, p.Seq)
		if k < 0 || k+1 >= len(r.outPos) || r.outPos[k+1] != p.End {
			return notApplicable("the stack sends %d:%d, part of a write the model sends as one segment (split, or retransmitted in part)", p.Seq, p.End)
		}
	}
	for tries := 0; ; tries++ {
		for _, seg := range r.d.Pending() {
			if r.matches(seg, p) == "" {
				r.takeUpTo(seg)
				return r.learn(seg, p)
			}
			if !pureACK(seg) {
				return disagree("the script expects %s; the model sends %s (%s)", describe(p), r.render(seg), r.matches(seg, p))
			}
		}
		if tries > 0 {
			break
		}
		if _, fired := r.d.Timeout(model.RetransmissionTimeout); !fired {
			break
		}
		r.res.Timeouts++
	}
	if pending := r.d.Pending(); len(pending) > 0 {
		return disagree("the script expects %s; the model sends only %s", describe(p), r.render(pending[len(pending)-1]))
	}
	return disagree("the script expects %s; the model sends nothing (in %s, no timer would make it send)", describe(p), r.d.Endpoint().State)
}

// options rejects the TCP options that change connection management:
// Fast Open cookies and MD5 signatures. The others (MSS, window scale,
// SACK, timestamps) are read and ignored.
func options(p *Packet) error {
	for _, o := range strings.FieldsFunc(p.Options, func(r rune) bool { return r == ',' }) {
		w := strings.Fields(o)
		if len(w) == 0 {
			continue
		}
		switch w[0] {
		case "FO", "FOEXP", "exp-tfo":
			return notApplicable("TCP Fast Open (RFC 7413, option %s) is not modelled", w[0])
		case "md5":
			return notApplicable("TCP MD5 signatures (RFC 2385) are not modelled")
		}
	}
	return nil
}

// takeUpTo takes the pending segments up to seg: the pure ACKs before it
// are the ones a stack may delay or merge.
func (r *runner) takeUpTo(seg model.Segment) {
	for {
		s, _ := r.d.Take()
		if s == seg {
			return
		}
		r.res.ToleratedACKs++
	}
}

func pureACK(s model.Segment) bool { return s.Ctl() == model.ACK && !s.Data() }

// matches says how a model segment differs from the expected one, or ""
// if it is the one.
func (r *runner) matches(seg model.Segment, p *Packet) string {
	want := map[uint8]bool{model.SYN: p.Has('S'), model.FIN: p.Has('F'), model.RST: p.Has('R'), model.ACK: p.Has('.')}
	for bit, w := range want {
		if seg.Has(bit) != w {
			return "different flags"
		}
	}
	if seg.Data() != (p.Len > 0) {
		return "different length"
	}
	if seg.Has(model.SYN) {
		// The model's ISN is the script's 0.
	} else if got, ok := r.scriptSeq(seg); !ok || got != p.Seq {
		return "a different sequence number"
	}
	if seg.Has(model.ACK) && p.HasAck {
		if a, ok := scriptPos(r.inPos, int(r.mod(int(seg.Ack())-peerISN)), r.space); !ok || a != p.Ack {
			return "a different acknowledgement number"
		}
	}
	return ""
}

// scriptSeq is a model sequence number of the endpoint as the script
// writes it.
func (r *runner) scriptSeq(seg model.Segment) (uint32, bool) {
	return scriptPos(r.outPos, int(r.mod(int(seg.Seq())-int(r.iss))), r.space)
}

// scriptPos is the script's relative number for the k-th number of a
// sequence space: a mapped one, or beyond them one number a byte (as
// mapAck and inject place them).
func scriptPos(pos []uint32, k, space int) (uint32, bool) {
	last := len(pos) - 1
	switch {
	case k <= last:
		return pos[k], true
	case k-last < space/2:
		return pos[last] + uint32(k-last), true
	}
	return 0, false
}

// sent extends the map of the endpoint's sequence numbers with what a step
// sent for the first time: a SYN, the octet that stands for a write of
// size bytes, a FIN.
func (r *runner) sent(st model.Step, size uint32) {
	for _, seg := range st.Sent() {
		if seg.Has(model.SYN) {
			r.iss = seg.Seq()
			r.outPos = []uint32{0, 1}
			continue
		}
		k := int(r.mod(int(seg.Seq()) - int(r.iss)))
		if seg.Data() && k == len(r.outPos)-1 {
			r.outPos = append(r.outPos, r.outPos[k]+size)
			k++
		} else if seg.Data() {
			k++
		}
		if seg.Has(model.FIN) && k == len(r.outPos)-1 {
			r.outPos = append(r.outPos, r.outPos[k]+1)
		}
	}
}

// learn checks that a matched data segment is the whole write the model
// sent as one.
func (r *runner) learn(seg model.Segment, p *Packet) error {
	if !seg.Data() {
		return nil
	}
	k := int(r.mod(int(seg.Seq()) - int(r.iss)))
	if k+1 < len(r.outPos) && r.outPos[k+1]-r.outPos[k] != p.Len {
		return notApplicable("the stack sends a write of %d bytes as segments of %d: the model sends each write as one segment", r.outPos[k+1]-r.outPos[k], p.Len)
	}
	return nil
}

// render writes a model segment of the endpoint as packetdrill does.
func (r *runner) render(seg model.Segment) string {
	flags := ""
	for _, f := range []struct {
		bit    uint8
		letter string
	}{{model.SYN, "S"}, {model.FIN, "F"}, {model.RST, "R"}} {
		if seg.Has(f.bit) {
			flags += f.letter
		}
	}
	if seg.Has(model.ACK) {
		flags += "."
	}
	var out string
	start, ok := r.scriptSeq(seg)
	switch {
	case seg.Has(model.SYN):
		out = flags + " 0:0(0)"
	case !ok:
		out = fmt.Sprintf("%s (seq beyond %d)", flags, r.outPos[len(r.outPos)-1])
	case seg.Data():
		k := int(r.mod(int(seg.Seq()) - int(r.iss)))
		size := uint32(0)
		if k+1 < len(r.outPos) {
			size = r.outPos[k+1] - r.outPos[k]
		}
		out = fmt.Sprintf("%s %d:%d(%d)", flags, start, start+size, size)
	default:
		out = fmt.Sprintf("%s %d:%d(0)", flags, start, start)
	}
	if seg.Has(model.ACK) {
		if a, ok := scriptPos(r.inPos, int(r.mod(int(seg.Ack())-peerISN)), r.space); ok {
			out += fmt.Sprintf(" ack %d", a)
		} else {
			out += fmt.Sprintf(" ack (beyond %d)", r.inPos[len(r.inPos)-1])
		}
	}
	return "`" + out + "`"
}

// describe writes an expected packet back as the script wrote it.
func describe(p *Packet) string {
	s := fmt.Sprintf("%s %d:%d(%d)", p.Flags, p.Seq, p.End, p.Len)
	if p.HasAck {
		s += fmt.Sprintf(" ack %d", p.Ack)
	}
	return "`" + s + "`"
}
