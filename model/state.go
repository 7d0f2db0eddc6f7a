package model

import (
	"fmt"
	"strings"
	"unsafe"
)

// TCPState is one of the 11 connection states of RFC 9293 section 3.3.2.
type TCPState uint8

const (
	Closed TCPState = iota
	Listen
	SynSent
	SynReceived
	Established
	FinWait1
	FinWait2
	CloseWait
	Closing
	LastAck
	TimeWait
	numStates
)

var stateNames = [numStates]string{
	"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED",
	"FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT",
}

// String gives RFC 9293's name of the state.
func (s TCPState) String() string {
	if s < numStates {
		return stateNames[s]
	}
	return fmt.Sprintf("TCPState(%d)", uint8(s))
}

// AllStates lists the 11 states in RFC order.
func AllStates() []TCPState {
	out := make([]TCPState, numStates)
	for i := range out {
		out[i] = TCPState(i)
	}
	return out
}

// Synchronized reports whether the state is one RFC 9293 calls synchronized
// (ESTABLISHED through TIME-WAIT).
func (s TCPState) Synchronized() bool { return s >= Established && s <= TimeWait }

// stateAliases maps a state name stripped of separators to the state. It
// accepts the spellings of the seed notes and of common tools: SYN-RECV,
// SYN_RCVD, CLOSED_WAIT, FIN_WAIT1, ESTAB and so on.
var stateAliases = map[string]TCPState{
	"CLOSED": Closed, "LISTEN": Listen,
	"SYNSENT": SynSent, "SYNRECEIVED": SynReceived, "SYNRCVD": SynReceived, "SYNRECV": SynReceived,
	"ESTABLISHED": Established, "ESTAB": Established,
	"FINWAIT1": FinWait1, "FINWAIT2": FinWait2,
	"CLOSEWAIT": CloseWait, "CLOSEDWAIT": CloseWait,
	"CLOSING": Closing, "LASTACK": LastAck, "TIMEWAIT": TimeWait,
}

// ParseState reads a state name in RFC 9293's spelling or a common variant
// of it (case, '-', '_' and spaces are ignored).
func ParseState(name string) (TCPState, error) {
	key := strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', ' ':
			return -1
		}
		return r
	}, strings.ToUpper(name))
	if s, ok := stateAliases[key]; ok {
		return s, nil
	}
	return 0, fmt.Errorf("unknown state %q (want one of %s)", name, strings.Join(stateNames[:], ", "))
}

// Segment is a TCP segment in flight, packed into 32 bits: control bits,
// one optional data octet, sequence and acknowledgment numbers, and ghost
// fields the protocol never reads: the tag of the TCB that sent it, which
// octet of its application's stream the data is, and whether it was sent
// in reply to an arriving segment.
type Segment uint32

// Control bits.
const (
	SYN uint8 = 1 << iota
	ACK
	FIN
	RST
)

const (
	segDataBit   = 4
	segSeqShift  = 5
	segAckShift  = 13
	segIncShift  = 21 // 5 bits
	segByteShift = 26 // 3 bits
	segReplyBit  = 29
	// MaxIncarnation bounds the connections an application opens,
	// MaxDataBytes the octets it sends in each.
	MaxIncarnation = 7
	MaxDataBytes   = 7
	// maxTag is the largest ghost TCB tag; tags saturate there.
	maxTag = 31
)

// NewSegment packs a segment. inc and byteIndex are ghost values.
func NewSegment(ctl uint8, seq, ack uint8, data bool, inc, byteIndex uint8) Segment {
	s := uint32(ctl&0xf) | uint32(seq)<<segSeqShift | uint32(ack)<<segAckShift |
		uint32(inc&maxTag)<<segIncShift | uint32(byteIndex&7)<<segByteShift
	if data {
		s |= 1 << segDataBit
	}
	return Segment(s)
}

func (s Segment) Ctl() uint8         { return uint8(s) & 0xf }
func (s Segment) Has(bit uint8) bool { return s.Ctl()&bit != 0 }
func (s Segment) Data() bool         { return s&(1<<segDataBit) != 0 }
func (s Segment) Seq() uint8         { return uint8(s >> segSeqShift) }
func (s Segment) Ack() uint8         { return uint8(s >> segAckShift) }

// Inc is the ghost tag of the sender's TCB when it sent the segment.
func (s Segment) Inc() uint8 { return uint8(s>>segIncShift) & maxTag }

// ByteIndex is the ghost position of the data octet in its sender's stream.
func (s Segment) ByteIndex() uint8 { return uint8(s>>segByteShift) & 7 }

// Reply is a ghost mark: the segment was sent in reply to one that
// arrived, so it is never newer than the connection it answers.
func (s Segment) Reply() bool { return s&(1<<segReplyBit) != 0 }

func (s Segment) asReply() Segment { return s | 1<<segReplyBit }

// Len is SEG.LEN: data octets plus one each for SYN and FIN.
func (s Segment) Len() int {
	n := 0
	if s.Data() {
		n++
	}
	if s.Has(SYN) {
		n++
	}
	if s.Has(FIN) {
		n++
	}
	return n
}

// CtlString writes the control bits the way RFC 9293 does: "SYN,ACK".
func CtlString(ctl uint8) string {
	var parts []string
	for _, b := range []struct {
		bit  uint8
		name string
	}{{SYN, "SYN"}, {FIN, "FIN"}, {RST, "RST"}, {ACK, "ACK"}} {
		if ctl&b.bit != 0 {
			parts = append(parts, b.name)
		}
	}
	return strings.Join(parts, ",")
}

// String writes the segment in RFC 9293's notation with raw numbers.
func (s Segment) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "<SEQ=%d>", s.Seq())
	if s.Has(ACK) {
		fmt.Fprintf(&b, "<ACK=%d>", s.Ack())
	}
	fmt.Fprintf(&b, "<CTL=%s>", CtlString(s.Ctl()))
	if s.Data() {
		b.WriteString("<DATA>")
	}
	return b.String()
}

// Endpoint is one side: the TCB variables of RFC 9293 section 3.3.1 that
// connection management needs, the host's ISN clock, and ghost variables.
type Endpoint struct {
	State   TCPState
	Flags   uint8 // flagPassive, flagAborted, flagCrashed, ...; the top bits count forged segments received (attack.go)
	ISS     uint8
	IRS     uint8
	SndUna  uint8
	SndNxt  uint8
	RcvNxt  uint8
	Retries uint8 // retransmissions of the segment at the front of the queue
	// Clock is the host's ISN generator: the next clock-driven ISN. It
	// survives the TCB and crashes (RFC 9293 section 3.4.1).
	Clock uint8
	// Inc is a ghost tag naming the current TCB (the incarnation of the
	// connection on this side): it changes with every OPEN and every time
	// a listener goes back to LISTEN. PeerInc is the tag of the peer's TCB
	// whose SYN gave this TCB its IRS (0 when there is none).
	Inc     uint8
	PeerInc uint8
	Crashes uint8 // host crashes so far; each grants one more incarnation
	Opens   uint8 // connections the application has opened (the workload's count)
}

const (
	flagPassive uint8 = 1 << iota // SYN-RECEIVED was reached from LISTEN (MUST-11)
	flagAborted                   // ghost: this incarnation aborted, crashed or gave up
	flagCrashed                   // the host lost its TCB and owes a quiet time
	flagUsedSeq                   // the host has used sequence numbers before
	// flagStaleSyn (ghost): the SYN that gave this TCB its IRS was not sent
	// for this connection by the peer's current TCB: when it arrived the
	// TCB that sent it had been replaced, had ended normally, or had
	// paired with another of ours.
	flagStaleSyn
	// flagForgedLow and flagForgedHigh count the forged segments the
	// endpoint received, 0 to 3: the attacker's budget (attack.go).
	flagForgedLow
	flagForgedHigh
	// flagAttacked (ghost): a forged segment changed or ended this TCB;
	// cleared when the application opens the next connection.
	flagAttacked
)

// Passive reports whether the TCB reached SYN-RECEIVED from LISTEN.
func (e Endpoint) Passive() bool { return e.Flags&flagPassive != 0 }

// Aborted reports (ghost) whether this incarnation ended by ABORT, crash or
// retransmission give-up.
func (e Endpoint) Aborted() bool { return e.Flags&flagAborted != 0 }

// StaleSyn reports (ghost) whether the SYN this TCB synchronized on was an
// old one when it arrived.
func (e Endpoint) StaleSyn() bool { return e.Flags&flagStaleSyn != 0 }

// Crashed reports whether the host lost its TCB in a crash and has not
// opened since.
func (e Endpoint) Crashed() bool { return e.Flags&flagCrashed != 0 }

// HasTCB reports whether the endpoint holds sequence-number state.
func (e Endpoint) HasTCB() bool { return e.State != Closed && e.State != Listen }

// Side names an endpoint. Net[side] carries what that side sends.
type Side uint8

const (
	A Side = 0 // the client in a client/server workload
	B Side = 1 // the server
)

// Other is the peer.
func (s Side) Other() Side { return 1 - s }

// MaxInFlight is the most segments the network can hold.
const MaxInFlight = 4

// Budget is what is left of each fault.
type Budget struct {
	Loss, Dup, Reorder, Crash uint8
}

// State is a global state of the model: both endpoints, both channels and
// the fault budget left. It is a comparable value without pointers or
// padding, so its bytes are its key.
type State struct {
	Net    [2][MaxInFlight]Segment
	Ends   [2]Endpoint
	Count  [2]uint8 // segments in Net[side]
	Budget Budget
}

// stateSize is checked by a test: State must have no implicit padding, so
// that equal states have equal bytes. It is 64 bytes, one cache line.
const stateSize = 2*MaxInFlight*4 + 2*13 + 2 + 4

// Channel returns the segments in flight from side, oldest first.
func (s *State) Channel(side Side) []Segment { return s.Net[side][:s.Count[side]] }

// Remove takes the segment at a position of the channel from side out of
// the network.
func (s *State) Remove(side Side, pos int) {
	ch := &s.Net[side]
	n := int(s.Count[side])
	copy(ch[pos:n-1], ch[pos+1:n])
	ch[n-1] = 0
	s.Count[side]--
}

// InFlight is the number of segments in the network.
func (s *State) InFlight() int { return int(s.Count[0]) + int(s.Count[1]) }

// Key appends the state's bytes to dst.
func (s *State) Key(dst []byte) []byte {
	return append(dst, unsafe.Slice((*byte)(unsafe.Pointer(s)), unsafe.Sizeof(*s))...)
}
