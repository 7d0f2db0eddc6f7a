package model

import (
	"fmt"
	"strings"
	"sync"
)

// The built-in variants. Each weakened variant exists to show, with a
// counterexample, why TCP is built as it is; its configuration is the
// smallest that shows it, and its expected verdicts are facts about TCP,
// each with the reason.

var allHold = []string{"handshake-sync", "no-stale-connection", "segment-arithmetic", "stream-integrity",
	"time-wait-absorbs-fin", "orderly-release", "reset-only-by-peer", "no-half-open", "refused-open-reported", "calls-take-effect", "calls-answered", "no-deadlock",
	"eventually-closed", "no-half-open-stuck", "handshake-completes", "reliable-delivery", "quiet-after-close", "connection-established"}

// expect builds the expectations of a variant: the violated properties
// with their reasons; every other property holds, for the reason given.
func expect(holdsWhy string, violated ...string) []Expectation {
	why := map[string]string{}
	for i := 0; i+1 < len(violated); i += 2 {
		why[violated[i]] = violated[i+1]
	}
	var out []Expectation
	for _, p := range allHold {
		w, violated := why[p]
		switch {
		case violated:
			out = append(out, Expectation{Property: p, Verdict: "violated", Why: w})
		case p == "reset-only-by-peer":
			out = append(out, Expectation{Property: p, Verdict: "holds", Why: noAttackerWhy})
		default:
			out = append(out, Expectation{Property: p, Verdict: "holds", Why: holdsWhy})
		}
	}
	return out
}

func settings(kv ...string) []Setting {
	var out []Setting
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Setting{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

func knob(kv ...string) []Setting { return settings(kv...) }

var builtinSpecs = []*Spec{
	{Name: "two-way-handshake", Description: "the server is established on the client's SYN alone",
		Knobs:  knob("handshake", "two-way"),
		Config: settings("network", "unordered", "data", "0"),
		Expect: expect("the change does not touch it",
			"no-stale-connection", "a delayed duplicate of the client's SYN reaches the listener after that connection has ended, and without a third segment the server cannot tell it is old: it opens a connection nobody asked for, and holds its resources until a RST clears it (seed notes 001, 003: the first and third reasons for three segments)",
			"handshake-sync", "the server takes the connection as synchronized although the client never acknowledged the server's ISN, so the two sides can hold different pairs of ISNs (the second reason: each side's ISN must be acknowledged)",
			"segment-arithmetic", "established before its own SYN is acknowledged, the server accepts the client's data or FIN, and its retransmitted SYN,ACK then acknowledges more than x+1",
			"no-half-open", "a delayed duplicate SYN opens a server connection the client knows nothing of; when its SYN,ACK is lost, the server holds that connection with nothing in flight that would reveal it")},
	{Name: "no-time-wait", Description: "the side that closes first goes straight to CLOSED after the last ACK",
		Knobs:  knob("time-wait", "none"),
		Config: settings("data", "0", "close", "client", "incarnations", "1", "dup", "0", "reorder", "0"),
		Expect: expect("the change does not touch it",
			"orderly-release", "the final ACK is lost, the other side retransmits its FIN, which meets no connection and is answered with a RST: the other side is reset instead of closing (seed notes 003, 004: the first reason for TIME-WAIT)",
			"no-half-open", "when the final ACK is lost the client has already forgotten the connection, and the server waits in LAST-ACK with nothing in flight until it retransmits its FIN")},
	{Name: "short-time-wait", Description: "TIME-WAIT ends before old segments have died",
		Knobs:  knob("time-wait", "short"),
		Config: twaConfig,
		Expect: expect("the change does not touch it",
			"time-wait-absorbs-fin", "TIME-WAIT may end right after acknowledging a FIN, while the peer may still retransmit it (the first reason for TIME-WAIT, seed notes 003, 004)",
			"orderly-release", "TIME-WAIT ends before the client's retransmitted FIN arrives; the FIN meets no connection and draws a RST",
			"handshake-sync", "TIME-WAIT ends while the client is still in LAST-ACK; an old duplicate SYN opens a new server connection and, the sequence numbers overlapping, the client's old connection acknowledges it",
			"stream-integrity", "the server takes the next connection before the old segments have died; its sequence numbers overlap the old ones (a fast connection), so a delayed duplicate of the client's old data lands in the new window and is delivered (the second reason for TIME-WAIT, seed note 003; RFC 1337 hazard H1)",
			"no-stale-connection", "an old duplicate SYN, or an old RST that sends the new server connection back to LISTEN, lets a side establish on a SYN its peer no longer holds (RFC 1337 hazard H3)",
			"segment-arithmetic", "an old segment whose ACK field happens to acknowledge the new ISN completes the new handshake, and the server acknowledges sequence numbers the client never sent (hazard H2)",
			"no-deadlock", "an old RST resets the new server connection while the client stays ESTABLISHED with nothing left to send: both wait for ever (hazard H3)",
			"eventually-closed", "a desynchronized connection exchanges ACKs for ever and never closes (RFC 1337 Figure 3, hazard H2)",
			"no-half-open-stuck", "after that old RST the client stays ESTABLISHED for ever opposite a server with no connection",
			"no-half-open", "after that old RST the client stays ESTABLISHED with nothing in flight opposite a server with no connection",
			"reliable-delivery", "in the desynchronized connection the client's data is never acknowledged: each side answers the other's ACK as unacceptable, for ever (RFC 1337 hazard H2)",
			"quiet-after-close", "the desynchronized connection answers each ACK with an ACK for ever: the network never falls quiet (RFC 1337 hazard H2)")},
	{Name: "no-retransmission", Description: "nothing is retransmitted",
		Knobs:  knob("retransmission", "off"),
		Config: settings("incarnations", "1", "dup", "0", "reorder", "0"),
		Expect: expect("a lost segment stops progress but breaks no safety property",
			"no-deadlock", "a lost segment is never sent again: both sides wait for ever",
			"eventually-closed", "a lost FIN leaves its sender in FIN-WAIT-1 for ever",
			"no-half-open-stuck", "a lost final ACK leaves the passive closer in LAST-ACK for ever after the other side's TIME-WAIT ends",
			"no-half-open", "a lost final ACK leaves the passive closer in LAST-ACK, with nothing in flight, once the other side's TIME-WAIT has ended",
			"handshake-completes", "a lost SYN leaves the client in SYN-SENT for ever: neither ESTABLISHED nor a reported failure",
			"reliable-delivery", "a lost data octet is never sent again: it is neither acknowledged nor reported as a failure (retransmission is what makes TCP reliable, 3.8.1)")},
	{Name: "no-simultaneous-open", Description: "SYN-SENT drops a SYN that carries no ACK",
		Knobs:  knob("simultaneous-open", "off"),
		Config: settings("open", "simultaneous", "retries", "unlimited", "data", "0", "incarnations", "1", "loss", "0", "dup", "0", "reorder", "0"),
		Expect: expect("the change does not touch it",
			"handshake-completes", "both sides send SYNs that cross; each drops the other's, and with the retry limit set to infinity (MUST-21) they retransmit for ever without reaching ESTABLISHED (RFC 9293 MUST-10 requires simultaneous open)",
			"connection-established", "in a simultaneous open neither side ever gets past SYN-SENT: each drops the other's SYN, and a SYN that arrives before the peer has opened only draws a RST, so no run makes a connection")},
	{Name: "rfc793-time-wait-rst", Description: "any RST in the window closes TIME-WAIT (RFC 793)",
		Knobs:  knob("time-wait-rst", "close"),
		Config: twaConfig,
		Expect: expect("a RST that assassinates TIME-WAIT comes from a client whose old connection is over, so this property is not exposed",
			"stream-integrity", "a RST reaches the server in TIME-WAIT (the client, reconnecting or closed, answers the ACK TIME-WAIT sends with one) and assassinates it (RFC 1337); the server takes the next connection at once, over overlapping sequence numbers, and old data from the previous connection is delivered in the new one (hazard H1)",
			"no-stale-connection", "after the assassination an old duplicate RST sends the new server connection back to LISTEN, and the client establishes on the SYN,ACK of a TCB that no longer exists (hazard H3, RFC 1337 Figure 4)",
			"segment-arithmetic", "an old FIN whose ACK field happens to acknowledge the new ISN completes the new handshake, and the server then acknowledges sequence numbers the client never sent (hazard H2)",
			"orderly-release", "the second copy of the RST that assassinated TIME-WAIT lands exactly at the new connection's RCV.NXT and resets it (hazard H3)",
			"no-deadlock", "an old RST resets the new server connection while the client stays ESTABLISHED with nothing left to send: both wait for ever (hazard H3)",
			"eventually-closed", "the desynchronized connection exchanges ACKs for ever: each side finds the other's ACK unacceptable (RFC 1337 Figure 3, hazard H2)",
			"no-half-open-stuck", "after that old RST the client stays ESTABLISHED for ever opposite a server with no connection",
			"no-half-open", "after that old RST the client stays ESTABLISHED with nothing in flight opposite a server with no connection",
			"reliable-delivery", "in the desynchronized connection the client's data is never acknowledged: each side answers the other's ACK as unacceptable, for ever (RFC 1337 hazard H2)",
			"quiet-after-close", "the desynchronized connection answers each ACK with an ACK for ever: the network never falls quiet (RFC 1337 hazard H2)")},
	{Name: "rfc793-rst", Description: "any RST in the window resets a synchronized connection (RFC 793)",
		Knobs:  knob("rst", "rfc793"),
		Config: attackConfig("rst"),
		Expect: expectAttacked("a forged RST against ESTABLISHED ends only the connection it hits; its peer's later reset, by the RST its FIN draws from a side with no connection, follows from that attack",
			"reset-only-by-peer", "a blind attacker's RST resets the connection wherever it lands in the receive window (RFC 793 section 3.9): of the 32 sequence numbers it may guess, the window's 4 succeed (RFC 5961 section 3, the blind reset attack)",
			"no-half-open", "the forged RST resets one side while nothing is in flight: the other holds its connection, half-open, until its application closes")},
	{Name: "rfc793-syn", Description: "a SYN in the window resets a synchronized connection (RFC 793)",
		Knobs:  knob("syn", "rfc793"),
		Config: attackConfig("syn"),
		Expect: expectAttacked("a forged SYN against ESTABLISHED ends only the connection it hits; its peer's later reset follows from that attack",
			"reset-only-by-peer", "a blind attacker's SYN anywhere in the receive window is taken as an error and resets the connection (RFC 793 section 3.9, fourth check): of the 32 sequence numbers it may guess, the window's 4 succeed (RFC 5961 section 4, the blind SYN attack)",
			"no-half-open", "the reset the victim sends (seq=0, as RFC 793 section 3.4 forms it for a segment without ACK) lies outside its peer's window and is dropped: the peer holds a half-open connection with nothing in flight")},
	{Name: "rfc1337", Description: "every RST is ignored in TIME-WAIT (RFC 1337, fix F1)",
		Knobs:  knob("time-wait-rst", "ignore"),
		Config: twaConfig,
		Expect: expect("with the RST ignored, TIME-WAIT lasts until no old segment can arrive, which avoids all three hazards (RFC 1337 section 3, F1)")},
}

// noAttackerWhy is why reset-only-by-peer holds for a variant whose
// configuration has no attacker.
const noAttackerWhy = "its configuration has no attacker: every segment that arrives was sent by an endpoint"

// attackConfig is the smallest configuration that shows what a blind
// attacker's forged segment of one kind does to an established
// connection: one forged segment, against ESTABLISHED only, one connection
// without data or faults, so that the attack is the only thing that can
// go wrong.
func attackConfig(kind string) []Setting {
	return settings("attack", "1", "attack-segments", kind, "attack-states", "ESTABLISHED",
		"data", "0", "incarnations", "1", "loss", "0", "dup", "0", "reorder", "0")
}

// expectAttacked is expect for a variant whose configuration has an
// attacker: reset-only-by-peer gets the reason holdsWhy like the others.
func expectAttacked(holdsWhy string, violated ...string) []Expectation {
	out := expect(holdsWhy, violated...)
	for i := range out {
		if out[i].Why == noAttackerWhy {
			out[i].Why = holdsWhy
		}
	}
	return out
}

// twaConfig is where a TIME-WAIT that ends early can harm the next
// connection: the server closes first, so the side in TIME-WAIT is the one
// that takes the next connection, as soon as TIME-WAIT ends; sequence
// numbers overlap the previous connection's (RFC 1337: only fast or long
// connections are at risk); the network delays old duplicates; and the
// client sends two octets, so that its old data can reach past the next
// connection's ISN into its window.
var twaConfig = settings("network", "unordered", "isn", "overlap", "close", "server", "loss", "0", "data", "2,0", "capacity", "2")

var (
	builtinsMu  sync.Mutex
	builtinsMap = map[string]*Variant{}
)

// builtin resolves one built-in variant the first time it is asked for,
// with the built-ins it is based on, but not the others: loading a
// variant should not cost the resolution of all. The dead-rule check, a
// second or more of work per variant, is left to LintBuiltin (the tests
// and tcpmc variants --lint): the built-in tables do not change at run
// time.
func builtin(name string) (*Variant, bool) {
	builtinsMu.Lock()
	defer builtinsMu.Unlock()
	return builtinLocked(name, len(builtinSpecs))
}

// builtinLocked resolves the built-in name among the first n specs: a
// built-in spec may use as its base only rfc9293 or a built-in listed
// before it.
func builtinLocked(name string, n int) (*Variant, bool) {
	if name == "rfc9293" {
		return RFC9293(), true
	}
	if v, ok := builtinsMap[name]; ok {
		return v, true
	}
	for i, s := range builtinSpecs[:n] {
		if s.Name != name {
			continue
		}
		v, err := builtinSpec(s).resolve(func(base string) (*Variant, bool) { return builtinLocked(base, i) }, false)
		if err != nil {
			panic(fmt.Sprintf("model: %v", err))
		}
		builtinsMap[name] = v
		return v, true
	}
	return nil, false
}

func builtinSpec(s *Spec) *Spec {
	c := *s
	c.File = "built-in variant " + s.Name
	return &c
}

// LintBuiltin resolves a built-in variant with the checks a variant file
// gets, the dead-rule check included.
func LintBuiltin(name string) error {
	if name == "rfc9293" {
		sys, err := NewSystem(RFC9293(), DefaultConfig())
		if err != nil {
			return err
		}
		if dead := sys.Unfired(); len(dead) > 0 {
			return fmt.Errorf("built-in variant rfc9293: rules that can never fire: %s", strings.Join(dead, ", "))
		}
		return nil
	}
	for _, s := range builtinSpecs {
		if s.Name == name {
			_, err := builtinSpec(s).resolve(Builtin, true)
			return err
		}
	}
	return fmt.Errorf("no built-in variant %q", name)
}

// RFC9293 is the connection-management part of RFC 9293 as specified.
func RFC9293() *Variant {
	return &Variant{
		Name:        "rfc9293",
		Description: "RFC 9293 as written, with RFC 5961's challenge ACKs",
		Rules:       append([]Rule(nil), rfc9293Rules...),
		Macros:      append([]Macro(nil), rfc9293Macros...),
		Config:      DefaultConfig(),
		Expect: expect("it holds under the assumptions RFC 9293 relies on: clock-driven initial sequence numbers (section 3.4.1), " +
			"segments that die within MSL, and a retry limit that outlasts the losses"),
	}
}

// Builtins lists the built-in variants, rfc9293 first.
func Builtins() []*Variant {
	var out []*Variant
	for _, n := range BuiltinNames() {
		v, _ := Builtin(n)
		out = append(out, v)
	}
	return out
}

// BuiltinNames lists their names.
func BuiltinNames() []string {
	out := []string{"rfc9293"}
	for _, s := range builtinSpecs {
		out = append(out, s.Name)
	}
	return out
}

// Builtin finds a built-in variant by name. It returns a copy the caller
// may change.
func Builtin(name string) (*Variant, bool) {
	if name == "rfc9293" {
		return RFC9293(), true
	}
	v, ok := builtin(name)
	if !ok {
		return nil, false
	}
	c := *v
	c.Rules = append([]Rule(nil), v.Rules...)
	return &c, true
}
