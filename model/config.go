package model

import (
	"fmt"
	"strconv"
	"strings"
)

// OpenMode says how the two applications open the connection.
type OpenMode uint8

const (
	ClientServer OpenMode = iota // A opens actively, B listens
	Simultaneous                 // both open actively
	BothListen                   // both listen; either may then turn its listener active (RFC 9293 3.10.1, LISTEN)
	LateListen                   // as client-server, but the server starts listening at some point, maybe after the client's SYN arrived
)

// CallMode says when applications make their calls.
type CallMode uint8

const (
	// CallsScripted: OPEN when closed, SEND while octets are left, CLOSE
	// once they are sent (in the order the close mode says), ABORT where
	// allowed on a connection the application knows.
	CallsScripted CallMode = iota
	// CallsAny: OPEN, SEND, CLOSE and (where --abort allows) ABORT in every
	// state where RFC 9293 section 3.10 defines the call, including the
	// calls it answers with an error, which change nothing.
	CallsAny
)

// CloseMode says which application closes first.
type CloseMode uint8

const (
	CloseEither CloseMode = iota // either, or both at once
	CloseClient                  // A closes first; B closes after A's FIN
	CloseServer                  // B closes first; A closes after B's FIN
)

// ISNMode is how initial sequence numbers are chosen.
type ISNMode uint8

const (
	// ISNClock: each new ISN lies just beyond every sequence number the
	// host's previous connections used, as RFC 9293 section 3.4.1's clock
	// guarantees within the clock's cycle.
	ISNClock ISNMode = iota
	// ISNOverlap: the clock has advanced less than one window since the
	// host's previous ISN, so the next ISN lies after it but inside the
	// sequence numbers the previous connection may have used: RFC 1337's
	// "fast or long" connection, whose old segments TIME-WAIT must absorb.
	ISNOverlap
	// ISNArbitrary: after its first connection a host may pick any ISN, so
	// a new incarnation can even reuse an old ISN.
	ISNArbitrary
)

// Unlimited is the retry limit of an application that sets R2 to infinity
// (RFC 9293 MUST-21): retransmission never gives up.
const Unlimited = -1

// Config is a configuration of the model: sequence space, network, faults
// and workload. Every field bounds the state space.
type Config struct {
	SeqSpace   int  // size of the sequence number space: a power of two, 8 to 256
	Window     int  // RCV.WND, fixed
	RetryLimit int  // retransmissions of one segment before giving up, or Unlimited
	Capacity   int  // segments the network holds at once, both directions together
	Unordered  bool // channels deliver in any order (otherwise FIFO plus the reorder budget)

	Loss, Dup, Reorder, Crash int // fault budgets

	Open         OpenMode
	Close        CloseMode
	Data         [2]int  // octets each application sends in each incarnation
	Abort        [2]bool // the application may abort instead of closing
	Incarnations int     // connections each application opens
	ISN          ISNMode

	Calls      CallMode
	NeverClose [2]bool // the application never calls CLOSE
	// CrashOnly: the crash budget is for one host only (CrashAny: either).
	CrashOnly CrashTarget

	// The attacker (attack.go): at most Attack forged segments, none by
	// default; the empty sets of kinds and states stand for all.
	Attack         int
	Attacker       Attacker
	AttackSegments AttackKinds
	AttackStates   StateSet
}

// CrashTarget is the host that may crash.
type CrashTarget uint8

const (
	CrashAny    CrashTarget = iota // either host, as the budget allows
	CrashClient                    // only side A
	CrashServer                    // only side B
)

// MayCrash reports whether the host of a side may crash at all.
func (c Config) MayCrash(s Side) bool {
	switch c.CrashOnly {
	case CrashClient:
		return s == A
	case CrashServer:
		return s == B
	}
	return true
}

// Passive reports whether a side's application opens passively (listens).
func (c Config) Passive(s Side) bool {
	switch c.Open {
	case ClientServer, LateListen:
		return s == B
	case BothListen:
		return true
	}
	return false
}

// DefaultConfig is what `tcpmc check` uses without flags: client/server,
// one octet each way, either side closing first, a second connection on
// the same address pair, one loss, one duplicate and one reordering. The
// retry limit covers what those faults can waste (a lost segment, and a
// reordered one that the receiver drops instead of holding).
func DefaultConfig() Config {
	return Config{
		SeqSpace: 32, Window: 4, RetryLimit: 2, Capacity: 3,
		Loss: 1, Dup: 1, Reorder: 1,
		Open: ClientServer, Close: CloseEither,
		Data: [2]int{1, 1}, Incarnations: 2,
	}
}

// Validate reports the first impossible setting, naming it.
func (c Config) Validate() error {
	bad := func(format string, args []any, settings ...string) error {
		return &ConfigError{Settings: settings, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case c.SeqSpace < 8 || c.SeqSpace > 256 || c.SeqSpace&(c.SeqSpace-1) != 0:
		return bad("sequence space %d: want a power of two from 8 to 256", []any{c.SeqSpace}, "seq-space")
	case c.Window < 1 || c.Window >= c.SeqSpace/2:
		return bad("window %d: want 1 to %d (less than half the sequence space)", []any{c.Window, c.SeqSpace/2 - 1}, "window", "seq-space")
	case c.RetryLimit != Unlimited && (c.RetryLimit < 0 || c.RetryLimit > 15):
		return bad("retry limit %d: want 0 to 15, or unlimited", []any{c.RetryLimit}, "retries")
	case c.Capacity < 1 || c.Capacity > MaxInFlight:
		return bad("network capacity %d: want 1 to %d segments", []any{c.Capacity, MaxInFlight}, "capacity")
	case c.Loss < 0 || c.Dup < 0 || c.Reorder < 0 || c.Crash < 0:
		return bad("fault budgets cannot be negative", nil, "loss", "dup", "reorder", "crash")
	case c.Loss > 255 || c.Dup > 255 || c.Reorder > 255 || c.Crash > 255:
		return bad("fault budgets must be at most 255", nil, "loss", "dup", "reorder", "crash")
	case c.Data[0] < 0 || c.Data[1] < 0 || c.Data[0] > MaxDataBytes || c.Data[1] > MaxDataBytes:
		return bad("data %d,%d: each application sends 0 to %d octets", []any{c.Data[0], c.Data[1], MaxDataBytes}, "data")
	case c.Incarnations < 1:
		return bad("incarnations %d: want at least 1", []any{c.Incarnations}, "incarnations")
	case c.Incarnations+c.Crash > MaxIncarnation:
		return bad("incarnations %d plus crashes %d: at most %d connections per side can be told apart", []any{c.Incarnations, c.Crash, MaxIncarnation}, "incarnations", "crash")
	case c.Open > LateListen || c.Close > CloseServer || c.ISN > ISNArbitrary || c.Calls > CallsAny || c.CrashOnly > CrashServer:
		return bad("unknown open, close, ISN, calls or crash mode", nil, "open", "close", "isn", "calls", "crash")
	case c.Open == Simultaneous && c.Close != CloseEither:
		return bad("in a simultaneous open neither side is the client or the server: use close=either", nil, "close", "open")
	case c.Open == BothListen && c.Close != CloseEither:
		return bad("when both sides listen neither is the client or the server: use close=either", nil, "close", "open")
	case c.CrashOnly != CrashAny && c.Crash != 1:
		return bad("a crash of one chosen host is one crash (crash %d)", []any{c.Crash}, "crash")
	}
	return c.validateAttack()
}

// ConfigError is an invalid configuration, with the settings it is about.
type ConfigError struct {
	Settings []string
	Msg      string
}

func (e *ConfigError) Error() string { return e.Msg }

// SideName is how output names a side: client and server, or A and B in a
// simultaneous open.
func SideName(open OpenMode, s Side) string {
	if open == Simultaneous || open == BothListen {
		return [2]string{"A", "B"}[s]
	}
	return [2]string{"client", "server"}[s]
}

// ParseOpen, ParseClose and ParseISN read the command-line spellings.
func ParseOpen(s string) (OpenMode, error) {
	switch strings.ToLower(s) {
	case "client-server", "clientserver", "normal":
		return ClientServer, nil
	case "simultaneous", "simultaneous-open":
		return Simultaneous, nil
	case "both-listen":
		return BothListen, nil
	case "late-listen":
		return LateListen, nil
	}
	return 0, fmt.Errorf("unknown open mode %q (want client-server, simultaneous, both-listen or late-listen)", s)
}

// ParseCalls reads the calls setting.
func ParseCalls(s string) (CallMode, error) {
	switch strings.ToLower(s) {
	case "scripted":
		return CallsScripted, nil
	case "any":
		return CallsAny, nil
	}
	return 0, fmt.Errorf("unknown calls mode %q (want scripted or any)", s)
}

func ParseClose(s string) (CloseMode, error) {
	switch strings.ToLower(s) {
	case "either", "both", "any":
		return CloseEither, nil
	case "client", "a":
		return CloseClient, nil
	case "server", "b":
		return CloseServer, nil
	}
	return 0, fmt.Errorf("unknown close mode %q (want client, server or either)", s)
}

func ParseISN(s string) (ISNMode, error) {
	switch strings.ToLower(s) {
	case "clock":
		return ISNClock, nil
	case "overlap":
		return ISNOverlap, nil
	case "arbitrary", "any":
		return ISNArbitrary, nil
	}
	return 0, fmt.Errorf("unknown ISN mode %q (want clock, overlap or arbitrary)", s)
}

// ParseRetries reads a retry limit: a number or "unlimited".
func ParseRetries(s string) (int, error) {
	if strings.ToLower(s) == "unlimited" {
		return Unlimited, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 15 {
		return 0, fmt.Errorf("retries %q: want 0 to 15, or unlimited", s)
	}
	return n, nil
}

// RetriesString writes a retry limit as ParseRetries reads it.
func RetriesString(n int) string {
	if n == Unlimited {
		return "unlimited"
	}
	return strconv.Itoa(n)
}

func (m OpenMode) String() string {
	return [...]string{"client-server", "simultaneous", "both-listen", "late-listen"}[m]
}
func (m CallMode) String() string  { return [...]string{"scripted", "any"}[m] }
func (m CloseMode) String() string { return [...]string{"either", "client", "server"}[m] }
func (m ISNMode) String() string   { return [...]string{"clock", "overlap", "arbitrary"}[m] }
