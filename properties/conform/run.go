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
	Unreadable    Verdict = "unreadable"     // the script is not packetdrill as the reader knows it
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
	// Knobs are the variant's knobs the script's sysctls set, each with
	// its sysctl.
	Knobs []string `json:"knobs,omitempty"`
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
	v, knobs, err := variantFor(s, v)
	if err != nil {
		return ScriptResult{File: s.File, Verdict: NotApplicable, Reason: err.Error()}
	}
	res := runScript(s, v)
	res.Knobs = knobs
	return res
}

func runScript(s *Script, v *model.Variant) ScriptResult {
	sys, err := model.NewSystem(v, Config())
	if err != nil {
		return ScriptResult{File: s.File, Verdict: NotApplicable, Reason: err.Error()}
	}
	r := &runner{
		sys:         sys,
		d:           sys.NewDriver(model.A),
		space:       Config().SeqSpace,
		outPos:      []uint32{0},
		inPos:       []uint32{0},
		fds:         map[string]string{},
		ignored:     map[string]bool{},
		res:         ScriptResult{File: s.File, Verdict: Agrees},
		window:      Config().Window,
		stackWscale: -1,
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
		case r.pendingConnect != nil:
			r.res.Verdict, r.res.Line = Disagrees, r.pendingConnect.Line
			r.res.Reason = fmt.Sprintf("connect() = -1 %s, but the model notified its user of %s (%s)", r.pendingConnect.Call.Errno, orNone(r.sockErr), r.d.Endpoint().State)
		case r.pendingAccept != nil:
			r.res.Verdict, r.res.Line = Disagrees, r.pendingAccept.Line
			r.res.Reason = fmt.Sprintf("accept() returns a connection, but the model's endpoint never reaches ESTABLISHED (it is in %s)", r.d.Endpoint().State)
		default:
			// Like packetdrill, only the segments a script expects are
			// checked: what the stack sends after its last expectation is
			// not.
			for _, p := range r.pending {
				if p.optional {
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
	// the same for the peer's space, based at peerISN. The extras are the
	// last numbers mapped outside them (seqmap.go).
	iss               uint8
	outPos            []uint32
	inPos             []uint32
	outExtra, inExtra extra
	ownSYN            bool // the endpoint sent a SYN: its numbers are relative to its ISN
	// The windows: the model's, and what the script says of the stack's.
	window                    int
	rcvBuf, stackWin          int
	stackWscale               int
	stackWinOnSYN, peerWscale bool
	// pending[i] describes the i-th segment the endpoint sent that the
	// script has not taken (notify.go).
	pending []pendingSegment
	// sockErr is the model's last notification the user has not read;
	// pendingConnect a blocking connect() that fails when it comes.
	sockErr        string
	pendingConnect *Event
	synData        bool // the peer's last SYN carried data
	// The application's view: bytes delivered and read, and whether the
	// peer's FIN arrived.
	delivered, read uint32
	finIn           bool
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
		if ok, err := r.sockstat(ev.Text); ok {
			return err
		}
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
	case "getsockopt":
		switch {
		case strings.Contains(all, "SO_ERROR") && len(c.Args) >= 4:
			return r.soError(c)
		case strings.Contains(all, "SO_RCVBUF"):
			if n, ok := getsockoptInt(c.Args); ok {
				r.rcvBuf = n
			}
		}
		r.ignored["getsockopt"] = true
	case "bind", "fcntl", "ioctl", "poll", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "getsockname", "getpeername":
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
		r.track(st, false)
		r.fds[fd(c)] = "listener"
	case "connect":
		st, err := r.d.Call(model.OpenActive)
		if err != nil {
			return notApplicable("connect() in %s: %v", r.d.Endpoint().State, err)
		}
		r.sent(st, 0)
		r.track(st, false)
		r.fds[fd(c)] = "connection"
		if expectsError(c) && c.Errno != "EINPROGRESS" {
			e := ev
			r.pendingConnect = &e // a blocking connect that fails when the model says so
		}
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
			if r.synData && r.d.Endpoint().State == model.SynReceived {
				return notApplicable("accept() returns a connection on a SYN with data before the handshake completes: TCP Fast Open (RFC 7413) is not modelled")
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
		return r.callError(c)
	case err != nil && (st == model.SynSent || st == model.SynReceived || st == model.Listen):
		return notApplicable("%s() in %s: RFC 9293 queues data sent before the connection is established (3.10.2); the model has no queue", c.Name, st)
	case err != nil:
		return disagree("%s() = %s, but the model has %v", c.Name, c.Result, err)
	case expectsError(c):
		return disagree("%s() = %s %s, but the model sends the data", c.Name, c.Result, c.Errno)
	}
	r.sent(step, uint32(n))
	r.track(step, false)
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
	case expectsError(c) && (c.Errno == connectionReset || c.Errno == connectionRefused || c.Errno == connectionTimeout):
		return r.callError(c)
	case expectsError(c) && c.Errno == "EAGAIN":
		if r.read != r.delivered {
			return disagree("%s() = -1 EAGAIN, but the model has %s", c.Name, r.readable())
		}
	case expectsError(c):
		r.ignored[c.Name+" errors other than ECONNRESET, ECONNREFUSED, ETIMEDOUT and EAGAIN"] = true
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
		r.track(step, false)
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
	for _, f := range []struct {
		letter byte
		bit    uint8
	}{{'S', model.SYN}, {'F', model.FIN}, {'R', model.RST}, {'.', model.ACK}} {
		if p.Has(f.letter) {
			ctl |= f.bit
		}
	}
	before := r.d.Endpoint()
	if p.Has('S') {
		r.peerWscale = wscale(p.Options) >= 0
		r.synData = p.Len > 0
	}
	// The peer's ISN is learnt from its SYN while the endpoint has none
	// (CLOSED, LISTEN, SYN-SENT); a later SYN is placed like any segment.
	// A segment other than a SYN then has nothing to be relative to: it
	// stands where the peer's stream would begin.
	if !hasIRS(before.State) {
		if p.Has('S') {
			r.inPos = []uint32{p.Seq, p.Seq + 1}
		} else {
			r.inPos = []uint32{p.Seq - 1, p.Seq}
		}
		r.inExtra = extra{}
	}
	if !r.ownSYN && !p.Has('.') {
		// A reply from CLOSED to a segment without ACK has SEQ=0
		// (RFC 9293 3.10.7.1): the number the script writes as 0.
		r.iss, r.outPos = 0, []uint32{0}
	}
	k := indexOf(r.inPos, p.Seq)
	if p.Has('S') && !hasIRS(before.State) {
		k = 0
	}
	if k < 0 {
		placed, err := r.placeIn(p.Seq, p.Len == 0 && !p.Has('F'))
		if err != nil {
			return err
		}
		k = placed
		r.inExtra = extra{k: k, script: p.Seq, set: true}
	} else if err := r.extendIn(p, k); err != nil {
		return err
	}
	var ack uint8
	if p.HasAck && p.Has('.') {
		// Without the ACK flag the field is not read (RFC 9293 3.1).
		a, err := r.mapAck(p.Ack)
		if err != nil {
			return err
		}
		ack = a
	}
	seg := model.NewSegment(ctl, r.mod(peerISN+k), ack, p.Len > 0, 1, 0)
	st := r.d.Arrive(seg)
	after := r.d.Endpoint()
	r.sent(st, 0)
	r.track(st, delaysACK(before, after))
	if st.Delivered {
		r.delivered += p.Len
	}
	switch after.State {
	case model.CloseWait, model.Closing, model.TimeWait, model.LastAck:
		r.finIn = true
	}
	// A FIN the endpoint acknowledges was received even where the TCB it
	// closed is gone at once (a variant without TIME-WAIT): the
	// application reads end-of-file.
	for _, out := range st.Sent() {
		if seg.Has(model.FIN) && out.Has(model.ACK) && !out.Has(model.RST) && int(out.Ack()) == int(r.mod(int(seg.Seq())+seg.Len())) {
			r.finIn = true
		}
	}
	switch {
	case st.Deleted && p.Has('R'):
		r.notify(resetNotice(before))
	case st.Deleted && p.Has('S') && before.State.Synchronized():
		// RFC 793's SYN in the window: "the user should also receive
		// an unsolicited general "connection reset" signal".
		r.notify(connectionReset)
	}
	return nil
}

// extendIn extends the map of the peer's numbers by what a segment at a
// number the peer used occupies after its SYN: its text, then its FIN.
func (r *runner) extendIn(p *Packet, k int) error {
	j := k + btoi(p.Has('S'))
	textStart := p.Seq + uint32(btoi(p.Has('S')))
	if p.Len > 0 {
		switch {
		case j == len(r.inPos)-1 && r.inPos[j] == textStart:
			r.inPos = append(r.inPos, textStart+p.Len)
		case j >= len(r.inPos)-1 || r.inPos[j] != textStart || r.inPos[j+1] != textStart+p.Len:
			return notApplicable("data %d:%d does not repeat an earlier segment exactly: the model counts one octet per segment", p.Seq, p.Seq+p.Len)
		}
		j++
	}
	if p.Has('F') && j == len(r.inPos)-1 {
		r.inPos = append(r.inPos, r.inPos[j]+1)
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
	r.noteStackSegment(p)
	if p.Len > 0 && !p.AnySeq {
		k := indexOf(r.outPos, p.Seq)
		if k < 0 || k+1 >= len(r.outPos) || r.outPos[k+1] != p.End {
			return notApplicable("the stack sends %d:%d, part of a write the model sends as one segment (split, or retransmitted in part)", p.Seq, p.End)
		}
	}
	for tries := 0; ; tries++ {
		for i, seg := range r.d.Pending() {
			if r.matches(seg, p) == "" {
				r.takeUpTo(i)
				return r.learn(seg, p)
			}
			if !r.isOptional(i) {
				why := r.matches(seg, p)
				if pureACK(seg) {
					why += "; an ACK no stack may leave out"
				}
				return disagree("the script expects %s; the model sends %s (%s)", describe(p), r.shown(i, seg), why)
			}
		}
		if tries > 0 {
			break
		}
		before := r.d.Endpoint()
		st, fired := r.d.Timeout(model.RetransmissionTimeout)
		if !fired {
			break
		}
		r.track(st, false)
		if st.Deleted && before.State != model.Closed {
			r.notify(connectionTimeout)
		}
		r.res.Timeouts++
	}
	if pending := r.d.Pending(); len(pending) > 0 {
		return disagree("the script expects %s; the model sends only %s", describe(p), r.shown(len(pending)-1, pending[len(pending)-1]))
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

// takeUpTo takes the pending segments up to the i-th: the ones before it
// are ACKs a stack may delay or merge.
func (r *runner) takeUpTo(i int) {
	for j := 0; j <= i; j++ {
		r.d.Take()
		if j < i {
			r.res.ToleratedACKs++
		}
	}
	r.pending = r.pending[min(i+1, len(r.pending)):]
}

func (r *runner) isOptional(i int) bool { return i < len(r.pending) && r.pending[i].optional }

// shown is the i-th pending segment as the script would have written it
// when it was sent (the map may have moved on since: a new ISN).
func (r *runner) shown(i int, seg model.Segment) string {
	if i < len(r.pending) {
		return r.pending[i].text
	}
	return r.render(seg)
}

func orNone(err string) string {
	if err == "" {
		return "no error"
	}
	return err
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
	if seg.Has(model.SYN) || p.AnySeq {
		// The model's ISN is the script's 0; "...": any number.
	} else if r.scriptSeq(seg) != p.Seq {
		return "a different sequence number"
	}
	if seg.Has(model.ACK) && p.HasAck && r.scriptAck(seg) != p.Ack {
		return "a different acknowledgement number"
	}
	return ""
}

// scriptSeq is a model sequence number of the endpoint as the script
// writes it.
func (r *runner) scriptSeq(seg model.Segment) uint32 {
	return scriptPos(r.outPos, r.outExtra, int(r.mod(int(seg.Seq())-int(r.iss))), r.space)
}

// scriptAck is a model acknowledgment number of the endpoint as the
// script writes it.
func (r *runner) scriptAck(seg model.Segment) uint32 {
	return scriptPos(r.inPos, r.inExtra, int(r.mod(int(seg.Ack())-peerISN)), r.space)
}

// sent extends the map of the endpoint's sequence numbers with what a step
// sent for the first time: a SYN, the octet that stands for a write of
// size bytes, a FIN.
func (r *runner) sent(st model.Step, size uint32) {
	for _, seg := range st.Sent() {
		if seg.Has(model.SYN) {
			r.iss = seg.Seq()
			r.outPos, r.outExtra, r.ownSYN = []uint32{0, 1}, extra{}, true
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
	start := r.scriptSeq(seg)
	switch {
	case seg.Has(model.SYN):
		out = flags + " 0:0(0)"
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
		out += fmt.Sprintf(" ack %d", r.scriptAck(seg))
	}
	return "`" + out + "`"
}

// describe writes an expected packet back as the script wrote it.
func describe(p *Packet) string {
	s := fmt.Sprintf("%s %d:%d(%d)", p.Flags, p.Seq, p.End, p.Len)
	if p.AnySeq {
		s = fmt.Sprintf("%s ...(%d)", p.Flags, p.Len)
	}
	if p.HasAck {
		s += fmt.Sprintf(" ack %d", p.Ack)
	}
	return "`" + s + "`"
}
