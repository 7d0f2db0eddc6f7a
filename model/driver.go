package model

import "fmt"

// A Driver runs one endpoint of a system by hand, the way a conformance
// test drives a TCP stack: the test makes the application's calls, hands
// the endpoint segments, fires its timers, and takes what it sends. It
// applies the rule table directly, outside the workload and the fault
// model that Successors follows; the other endpoint stays CLOSED and
// never acts (the test plays the peer).
type Driver struct {
	m    *System
	x    *expander
	side Side
	// State is the joint state: the driven endpoint, and in the channel
	// from its side the segments it sent that the test has not taken.
	State State
}

// NewDriver starts a driver for one side, its endpoint CLOSED.
func (m *System) NewDriver(side Side) *Driver {
	d := &Driver{m: m, x: m.newExpander(false), side: side}
	for s := A; s <= B; s++ {
		d.State.Ends[s] = Endpoint{Clock: m.initialClock(s)}
	}
	return d
}

// Endpoint is the driven endpoint.
func (d *Driver) Endpoint() Endpoint { return d.State.Ends[d.side] }

// ErrNoRule is returned when no rule of the table handles an event in
// the endpoint's state: the model does not say what happens.
type ErrNoRule struct {
	Event Event
	State TCPState
}

func (e *ErrNoRule) Error() string {
	return fmt.Sprintf("no rule for %s in %s", e.Event, e.State)
}

// ErrRefused is returned for a call RFC 9293 answers with an error: a
// rule takes it and nothing changes.
type ErrRefused struct {
	Event  Event
	State  TCPState
	Answer string // the rule's why: "error: connection closing", ...
}

func (e *ErrRefused) Error() string {
	return fmt.Sprintf("%s in %s: %s", e.Event, e.State, e.Answer)
}

// Call makes an application call: OPEN (active or passive), SEND of one
// octet, CLOSE or ABORT.
func (d *Driver) Call(ev Event) (Step, error) {
	s := d.State
	if ev == OpenActive || ev == OpenPassive {
		s.Ends[d.side] = opening(s.Ends[d.side])
	}
	return d.fire(s, Call, ev, 0)
}

// Timeout fires a timer, if a rule lets it fire now.
func (d *Driver) Timeout(ev Event) (Step, bool) {
	st, err := d.fire(d.State, Timeout, ev, 0)
	return st, err == nil
}

// Arrive hands the endpoint a segment from the peer. A segment is always
// processed; the step says which rules fired (none: it was ignored).
func (d *Driver) Arrive(seg Segment) Step {
	s := d.State
	o, _ := d.x.runOne(&s, d.side, SegmentArrives, seg, s.Ends[d.side].Clock)
	st := Step{Kind: Deliver, Side: d.side, Seg: seg, ISN: s.Ends[d.side].Clock}
	d.settle(&s, SegmentArrives, seg, &o, &st)
	d.State = s
	return st
}

func (d *Driver) fire(s State, kind StepKind, ev Event, seg Segment) (Step, error) {
	o, _ := d.x.runOne(&s, d.side, ev, seg, s.Ends[d.side].Clock)
	if !o.fired() {
		return Step{}, &ErrNoRule{ev, s.Ends[d.side].State}
	}
	if kind == Call && o.ep == s.Ends[d.side] && o.nOut == 0 {
		return Step{}, &ErrRefused{ev, s.Ends[d.side].State, d.m.table.rules[o.rules[0]].Why}
	}
	if ev == Abort || ev == UserTimeout && o.ep.State == Closed {
		o.ep.Flags |= flagAborted
	}
	st := Step{Kind: kind, Side: d.side, Event: ev, ISN: s.Ends[d.side].Clock}
	d.settle(&s, ev, seg, &o, &st)
	d.State = s
	return st, nil
}

// settle records an outcome as the search does, but without the
// workload's listening application reopening: the test decides.
func (d *Driver) settle(s *State, ev Event, seg Segment, o *outcome, st *Step) {
	d.m.record(s, d.side, ev, seg, o, st)
	for _, out := range st.Sent() {
		if int(s.Count[d.side]) == MaxInFlight {
			s.Remove(d.side, 0) // the oldest is dropped: the test did not want it
		}
		d.m.push(s, d.side, out)
	}
}

// Pending lists what the endpoint sent that the test has not taken,
// oldest first.
func (d *Driver) Pending() []Segment { return d.State.Channel(d.side) }

// Take removes and returns the oldest segment the endpoint sent.
func (d *Driver) Take() (Segment, bool) {
	if d.State.Count[d.side] == 0 {
		return 0, false
	}
	seg := d.State.Net[d.side][0]
	d.State.Remove(d.side, 0)
	return seg, true
}
