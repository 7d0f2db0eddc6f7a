package conform

import (
	"fmt"
	"io"
	"strings"

	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

// WriteScript writes a path of the model as a packetdrill script with one
// endpoint, side, as the stack under test: its application's calls become
// system calls, the segments that arrive at it are injected (<), and
// those it sends are expected (>). The script plays the peer, so the
// peer's calls, and what the network does to the endpoint's own
// segments, leave no line. The script covers the endpoint's first
// connection; it ends, with a comment saying why, where the path does
// something packetdrill cannot make a stack do (a crash, a timer other
// than retransmission, a second connection).
//
// Sequence numbers are relative, as packetdrill writes them: the stack's
// to its ISN, the script's to the first SYN it sends (0). The model sends
// one octet per write; its window is the configuration's, far smaller
// than a real stack's, which matters only for segments out of the window.
func WriteScript(w io.Writer, sys *model.System, tr *properties.Trace, side model.Side) error {
	x := scriptWriter{sys: sys, side: side, conn: "3"}
	cfg := sys.Config()
	x.line("// tcpmc: a path of %s, %d steps, with the %s as the stack under test;", sys.Variant().Name, len(tr.Steps), sys.SideName(side))
	x.line("// the script plays the %s. The model's window is %d in a sequence space of %d.", sys.SideName(side.Other()), cfg.Window, cfg.SeqSpace)
	switch tr.Start.Ends[side].State {
	case model.Closed:
	case model.Listen: // the workload's listening application has opened already
		x.call(model.Step{Kind: model.Call, Side: side, Event: model.OpenPassive})
	default:
		return fmt.Errorf("the path starts with the %s in %s: a script starts from a closed socket", sys.SideName(side), tr.Start.Ends[side].State)
	}
	// The script's numbers start at the first SYN that reaches the stack,
	// even for segments that arrive before it.
	for _, ps := range tr.Steps {
		if st := ps.Step; st.Kind == model.Deliver && st.Side == side && (st.Seg.Has(model.SYN) || !x.haveBase) {
			x.base, x.haveBase = st.Seg.Seq(), true
			if st.Seg.Has(model.SYN) {
				break
			}
		}
	}
	for i, ps := range tr.Steps {
		if stop := x.step(ps); stop != "" {
			x.line("")
			x.line("// step %d: %s; the script ends here.", i+1, stop)
			break
		}
	}
	_, err := io.WriteString(w, x.b.String())
	return err
}

type scriptWriter struct {
	sys  *model.System
	side model.Side
	b    strings.Builder
	// iss is the stack's ISN (from its SYN), base the script's (the seq
	// of the first SYN that reaches the stack, or without one of the
	// first segment); haveISS says whether the ISN is known yet.
	iss, base         uint8
	haveISS, haveBase bool
	opened, accepted  bool
	conn              string // the descriptor the application reads and writes
	passive           bool
	tcbless           bool // the stack has no TCB after the step being written
}

func (x *scriptWriter) line(format string, args ...any) {
	fmt.Fprintf(&x.b, format+"\n", args...)
}

// step writes one step of the path, or says why the script cannot go on.
func (x *scriptWriter) step(ps model.PathStep) (stop string) {
	st, after := ps.Step, ps.State
	if st.Side != x.side {
		return "" // the peer's own moves, and the network's on the peer's segments
	}
	switch st.Kind {
	case model.Lose, model.Duplicate:
		return "" // the stack's segment is still expected where it sent it
	case model.Crash:
		return fmt.Sprintf("the %s's host crashes", x.sys.SideName(x.side))
	case model.Call:
		if st.Refused {
			// RFC 9293 answers it with an error and nothing changes: a
			// stack's error codes for it differ, so the script says it in
			// words only.
			x.line("// the %s's application calls %s: refused with an error (%s)", x.sys.SideName(x.side), st.Event, x.sys.Describe(st))
			return ""
		}
		if stop := x.call(st); stop != "" {
			return stop
		}
	case model.Timeout:
		if st.Event != model.RetransmissionTimeout {
			return fmt.Sprintf("the %s's %s timer fires, which a script cannot make a stack do at a known time", x.sys.SideName(x.side), timerName(st.Event))
		}
		x.expectAll(st, "*") // a retransmission comes after the stack's RTO
		return ""
	case model.Deliver:
		x.inject(st.Seg)
	}
	now := after.Ends[x.side]
	if st.Kind != model.Timeout {
		x.tcbless = !now.HasTCB()
		x.expectAll(st, "+0")
	}
	if x.passive && !x.accepted && now.State.Synchronized() {
		x.accepted, x.conn = true, "4"
		x.line("   +0 accept(3, ..., ...) = 4")
	}
	if st.Delivered {
		x.line("   +0 read(%s, ..., 1) = 1", x.conn)
	}
	if st.Relisten {
		return "the listening application takes a second connection"
	}
	return ""
}

func (x *scriptWriter) call(st model.Step) (stop string) {
	switch st.Event {
	case model.OpenActive, model.OpenPassive:
		if x.opened {
			return fmt.Sprintf("the %s's application opens a second connection", x.sys.SideName(x.side))
		}
		x.opened = true
		x.line("    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3")
		if st.Event == model.OpenPassive {
			x.passive = true
			x.line("   +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0")
			x.line("   +0 bind(3, ..., ...) = 0")
			x.line("   +0 listen(3, 1) = 0")
		} else {
			x.line("   +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0")
			x.line("   +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)")
		}
	case model.Send:
		x.line("   +0 write(%s, ..., 1) = 1", x.conn)
	case model.Close:
		x.line("   +0 close(%s) = 0", x.conn)
	case model.Abort:
		x.line("   +0 setsockopt(%s, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0", x.conn)
		x.line("   +0 close(%s) = 0", x.conn)
	default:
		return fmt.Sprintf("the %s's application calls %s", x.sys.SideName(x.side), st.Event)
	}
	return ""
}

func timerName(ev model.Event) string {
	switch ev {
	case model.TimeWaitTimeout:
		return "2 MSL"
	case model.UserTimeout:
		return "user timeout (giving up)"
	}
	return ev.String()
}

// inject writes a segment arriving at the stack.
func (x *scriptWriter) inject(seg model.Segment) {
	seq := x.rel(seg.Seq(), x.base)
	text := fmt.Sprintf("%s %d:%d(%d)", flagsOf(seg), seq, seq+uint32(seg.Len()-synFin(seg)), seg.Len()-synFin(seg))
	if seg.Has(model.ACK) {
		if x.haveISS {
			text += fmt.Sprintf(" ack %d", x.rel(seg.Ack(), x.iss))
		} else {
			text += fmt.Sprintf(" ack %d", 0)
		}
	}
	text += " win 65535"
	if seg.Has(model.SYN) {
		text += " <mss 1460>"
	}
	x.line(" +.01 < %s", text)
}

// expectAll writes the segments a step of the stack sent.
func (x *scriptWriter) expectAll(st model.Step, at string) {
	for _, seg := range st.Sent() {
		if seg.Has(model.SYN) {
			x.iss, x.haveISS = seg.Seq(), true
		}
		seq := uint32(0)
		if x.haveISS && !(x.tcbless && seg.Has(model.RST) && seg.Seq() == 0) {
			// A RST sent with no TCB has <SEQ=0> (RFC 9293 3.10.7.1), no
			// number relative to an ISN: packetdrill writes it as 0.
			seq = x.rel(seg.Seq(), x.iss)
		}
		n := uint32(seg.Len() - synFin(seg))
		text := fmt.Sprintf("%s %d:%d(%d)", flagsOf(seg), seq, seq+n, n)
		if seg.Has(model.ACK) && x.haveBase {
			text += fmt.Sprintf(" ack %d", x.rel(seg.Ack(), x.base))
		}
		if seg.Has(model.SYN) {
			text += " <...>"
		}
		x.line("%5s > %s", at, text)
		at = "+0"
	}
}

// rel is a model sequence number relative to base, as packetdrill writes
// it (modulo 2^32).
func (x *scriptWriter) rel(v, base uint8) uint32 {
	space := x.sys.Config().SeqSpace
	d := (int(v) - int(base)) % space
	if d < 0 {
		d += space
	}
	if d >= space/2 {
		d -= space // behind the base: an old segment
	}
	return uint32(int32(d))
}

// synFin is what SYN and FIN add to a segment's length.
func synFin(seg model.Segment) int {
	n := 0
	if seg.Has(model.SYN) {
		n++
	}
	if seg.Has(model.FIN) {
		n++
	}
	return n
}

// flagsOf writes a segment's control bits as packetdrill does: S, F, R,
// P for data, then "." for ACK.
func flagsOf(seg model.Segment) string {
	var b strings.Builder
	for _, f := range []struct {
		bit    uint8
		letter byte
	}{{model.SYN, 'S'}, {model.FIN, 'F'}, {model.RST, 'R'}} {
		if seg.Has(f.bit) {
			b.WriteByte(f.letter)
		}
	}
	if seg.Data() {
		b.WriteByte('P')
	}
	if seg.Has(model.ACK) {
		b.WriteByte('.')
	}
	return b.String()
}
