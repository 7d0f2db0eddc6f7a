package model

import (
	"fmt"
	"strconv"
	"strings"
)

// Action names one step in words, for scripted scenarios and transcripts:
//
//	open client          the client's application calls OPEN
//	send server          SEND one octet
//	close client         CLOSE
//	abort server         ABORT
//	deliver client       the oldest segment the client sent arrives at the server
//	deliver client 1     the client's segment at position 1 (0 is the oldest) arrives
//	lose server [N]      the network loses the server's oldest (or Nth) segment
//	dup client [N]       the network duplicates it
//	timeout client retransmission | time-wait | user | keep-alive | fin-wait-2
//	crash server         the server's host loses its TCB
//
// Sides are client and server, or A and B in a simultaneous open.
type Action struct {
	Kind  StepKind
	Side  Side
	Event Event // for calls and timeouts
	Pos   int
}

// ParseAction reads an action; open mode decides the side names.
func ParseAction(text string, open OpenMode) (Action, error) {
	f := strings.Fields(strings.ToLower(text))
	if len(f) < 2 {
		return Action{}, fmt.Errorf("%q: want a verb and a side, e.g. \"deliver client\"", text)
	}
	var a Action
	switch f[1] {
	case strings.ToLower(SideName(open, A)):
		a.Side = A
	case strings.ToLower(SideName(open, B)):
		a.Side = B
	default:
		return Action{}, fmt.Errorf("%q: unknown side %q (want %s or %s)", text, f[1], SideName(open, A), SideName(open, B))
	}
	extra := f[2:]
	pos := func() error {
		if len(extra) == 0 {
			return nil
		}
		if len(extra) > 1 {
			return fmt.Errorf("%q: too many words", text)
		}
		n, err := strconv.Atoi(extra[0])
		if err != nil || n < 0 {
			return fmt.Errorf("%q: %q is not a segment position", text, extra[0])
		}
		a.Pos = n
		return nil
	}
	switch f[0] {
	case "open":
		a.Kind, a.Event = Call, OpenActive
	case "send":
		a.Kind, a.Event = Call, Send
	case "close":
		a.Kind, a.Event = Call, Close
	case "abort":
		a.Kind, a.Event = Call, Abort
	case "crash":
		a.Kind = Crash
	case "deliver":
		a.Kind = Deliver
		return a, pos()
	case "lose":
		a.Kind = Lose
		return a, pos()
	case "dup", "duplicate":
		a.Kind = Duplicate
		return a, pos()
	case "timeout":
		a.Kind = Timeout
		if len(extra) != 1 {
			return Action{}, fmt.Errorf("%q: want timeout SIDE retransmission|time-wait|user|keep-alive|fin-wait-2", text)
		}
		switch extra[0] {
		case "retransmission", "rto":
			a.Event = RetransmissionTimeout
		case "time-wait", "2msl":
			a.Event = TimeWaitTimeout
		case "user", "give-up":
			a.Event = UserTimeout
		case "keep-alive", "keepalive":
			a.Event = KeepAliveTimeout
		case "fin-wait-2":
			a.Event = FinWait2Timeout
		default:
			return Action{}, fmt.Errorf("%q: unknown timer %q (want retransmission, time-wait, user, keep-alive or fin-wait-2)", text, extra[0])
		}
		return a, nil
	default:
		return Action{}, fmt.Errorf("%q: unknown verb %q (want open, send, close, abort, deliver, lose, dup, timeout or crash)", text, f[0])
	}
	if len(extra) > 0 {
		return Action{}, fmt.Errorf("%q: too many words", text)
	}
	return a, nil
}

func (a Action) matches(st Step) bool {
	if st.Kind != a.Kind || st.Side != a.Side {
		return false
	}
	switch a.Kind {
	case Call:
		if a.Event == OpenActive {
			return st.Event == OpenActive || st.Event == OpenPassive
		}
		return st.Event == a.Event
	case Timeout:
		return st.Event == a.Event
	case Deliver:
		// Deliveries are labelled by the receiver; the action names the sender.
		return int(st.Pos) == a.Pos
	case Lose, Duplicate:
		return int(st.Pos) == a.Pos
	}
	return true
}

// Apply performs an action from s, choosing among the model's own
// successors (the first, if an ISN choice makes several). It fails, listing
// what could happen instead, when the action is not possible.
func (m *System) Apply(s State, a Action) (Step, State, error) {
	want := a
	if a.Kind == Deliver {
		want.Side = a.Side.Other()
	}
	var options []string
	var st Step
	var next State
	found := false
	m.Successors(s, func(step Step, n State) {
		if !found && want.matches(step) {
			st, next, found = step, n, true
		}
		options = append(options, m.Describe(step))
	})
	if !found {
		return Step{}, State{}, fmt.Errorf("not possible now; possible steps: %s", strings.Join(options, "; "))
	}
	return st, next, nil
}
