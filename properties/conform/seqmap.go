package conform

import (
	"strconv"
	"strings"

	"github.com/tcpmc/tcpmc/model"
)

// A script's sequence numbers are 32-bit and relative to each side's
// ISN; the model's are small and count one number per segment of data.
// Numbers the two sides used (a SYN, each segment, a FIN) map one to one
// (inPos, outPos). Any other number is mapped by what it means to the
// receiver: an empty segment is placed relative to RCV.NXT and the
// stack's receive window, so that "at RCV.NXT", "in the window", "the
// last number in the window" (the right edge), "beyond it" and "before
// RCV.NXT" mean the same for the model's window; an acknowledgment number
// relative to SND.NXT (ahead: it acknowledges something not sent) or to
// the ISN (before it: old). Differences are taken modulo 2^32, so a
// number just below an ISN of 0 (4294967295) is one before it.

// signed is the difference a-b of two 32-bit sequence numbers, as RFC 9293
// 3.4 compares them.
func signed(a, b uint32) int { return int(int32(a - b)) }

// stackWindow is the receive window of the stack under test, in octets.
// In SYN-RECEIVED after a passive open it is the window of the stack's
// SYN,ACK (a listener keeps no buffer for a half-open connection, and a
// SYN's window is never scaled, RFC 7323 2.2); otherwise the receive buffer the script last read
// with getsockopt(SO_RCVBUF) (FreeBSD accepts into the buffer's space,
// which its scripts read this way), else the window of the stack's last
// segment, scaled when both SYNs carried a window scale option; 0 when
// the script never says.
func (r *runner) stackWindow() int {
	if ep := r.d.Endpoint(); ep.State == model.SynReceived && ep.Passive() && r.stackWinOnSYN {
		return r.stackWin
	}
	if r.rcvBuf > 0 {
		return r.rcvBuf
	}
	if r.stackWin > 0 && r.stackWscale >= 0 && r.peerWscale && !r.stackWinOnSYN {
		return r.stackWin << r.stackWscale
	}
	return r.stackWin
}

// noteStackSegment reads the window and window scale of a segment the
// stack sends.
func (r *runner) noteStackSegment(p *Packet) {
	if p.HasWin {
		r.stackWin, r.stackWinOnSYN = int(p.Win), p.Has('S') // a SYN's window is never scaled
	}
	if p.Has('S') {
		r.stackWscale = wscale(p.Options)
	}
}

// wscale is a segment's window scale option, or -1.
func wscale(options string) int {
	for _, o := range strings.Split(options, ",") {
		if w := strings.Fields(o); len(w) == 2 && w[0] == "wscale" {
			if n, err := strconv.Atoi(w[1]); err == nil && n >= 0 && n <= 14 {
				return n
			}
		}
	}
	return -1
}

// getsockoptInt reads getsockopt's value "[65700]".
func getsockoptInt(args []string) (int, bool) {
	if len(args) < 4 {
		return 0, false
	}
	n, err := strconv.Atoi(strings.Trim(args[3], "[] "))
	return n, err == nil && n > 0
}

// rcvNxtIndex is the index in inPos of the endpoint's RCV.NXT, or of the
// last number known when it has none yet.
func (r *runner) rcvNxtIndex() int {
	last := len(r.inPos) - 1
	ep := r.d.Endpoint()
	if !hasIRS(ep.State) {
		return last
	}
	k := int(r.mod(int(ep.RcvNxt) - peerISN))
	if k > last {
		return last
	}
	return k
}

// hasIRS reports whether an endpoint in the state knows the peer's ISN.
func hasIRS(s model.TCPState) bool {
	return s != model.Closed && s != model.Listen && s != model.SynSent
}

// placeIn is the model index (relative to the peer's ISN) of a peer's
// sequence number that starts an empty segment, or a segment of data or
// FIN that is not where the peer's stream continues.
func (r *runner) placeIn(s uint32, empty bool) (int, error) {
	if k := indexOf(r.inPos, s); k >= 0 {
		return k, nil
	}
	kRcv := r.rcvNxtIndex()
	d := signed(s, r.inPos[kRcv])
	switch {
	case d > 0:
		m, err := r.windowOffset(d, s)
		if err != nil {
			return 0, err
		}
		return kRcv + m, nil
	case !empty:
		return 0, notApplicable("data or FIN at %d, starting inside data already received: the model counts one octet per segment", s)
	case signed(s, r.inPos[0]) < 0:
		// Before the peer's ISN: old, however far.
		return max(signed(s, r.inPos[0]), -r.space/4), nil
	}
	// Inside data already received: the number before it is as old.
	k := 0
	for i, p := range r.inPos[:kRcv+1] {
		if signed(p, s) < 0 {
			k = i
		}
	}
	return k, nil
}

// windowOffset maps an offset d > 0 beyond RCV.NXT onto the model's
// window, keeping its place: in the window, at its right edge (the last
// number in it), or beyond.
func (r *runner) windowOffset(d int, s uint32) (int, error) {
	wm := r.window
	w := r.stackWindow()
	switch {
	case w == 0 && d < wm:
		return d, nil // one number an octet, as far as the model's window
	case w == 0:
		return 0, notApplicable("a segment at %d, %d beyond RCV.NXT, and the script never says the stack's receive window", s, d)
	case d < w-1:
		return min(d, wm-2), nil
	case d == w-1:
		return wm - 1, nil
	}
	return wm + min(d-w, r.space/2-wm-1-len(r.inPos)), nil
}

// mapAck turns an acknowledgment number of the script (relative to the
// endpoint's ISN) into the model's.
func (r *runner) mapAck(a uint32) (uint8, error) {
	if !r.ownSYN {
		// No SYN sent: nothing to be relative to. The number is the
		// model's ISN, and a reply that echoes it (a RST's SEQ=SEG.ACK)
		// is rendered back as written.
		r.outPos = []uint32{a}
		return r.iss, nil
	}
	if k := indexOf(r.outPos, a); k >= 0 {
		return r.mod(int(r.iss) + k), nil
	}
	last := len(r.outPos) - 1
	var k int
	switch {
	case signed(a, r.outPos[last]) > 0:
		// Beyond what was sent: it acknowledges something never sent.
		k = last + min(signed(a, r.outPos[last]), r.space/4)
	case signed(a, r.outPos[0]) < 0:
		// Before the ISN: an old acknowledgment.
		k = max(signed(a, r.outPos[0]), -r.space/4)
	default:
		return 0, notApplicable("ack %d falls inside a segment: the model counts one octet per segment", a)
	}
	r.outExtra = extra{k: k, script: a, set: true}
	return r.mod(int(r.iss) + k), nil
}

// extra remembers the last number mapped outside the known positions, so
// that a reply echoing it is rendered as the script wrote it.
type extra struct {
	k      int
	script uint32
	set    bool
}

// scriptPos is the script's relative number for the k-th number of a
// sequence space (k taken modulo the model's space, in -space/2..space/2):
// a known one, the last one mapped outside them, or beyond them one
// number an octet.
func scriptPos(pos []uint32, x extra, k, space int) uint32 {
	if k >= space/2 {
		k -= space
	}
	last := len(pos) - 1
	switch {
	case x.set && x.k == k:
		return x.script
	case k >= 0 && k <= last:
		return pos[k]
	case k > last:
		return pos[last] + uint32(k-last)
	}
	return pos[0] - uint32(-k)
}
