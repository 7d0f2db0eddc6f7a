package properties

import (
	"context"
	"fmt"

	"github.com/tcpmc/tcpmc/explore"
	"github.com/tcpmc/tcpmc/model"
)

// ResetOnlyByPeer is the guarantee an attacker in the network breaks: a
// connection ends only by what its own endpoints do, never by a segment
// neither of them sent. A forged segment that makes an endpoint lose its
// connection (a RST in the window, for RFC 793 a SYN too) is an attack
// that succeeded, not a fault of the protocol, and is blamed here rather
// than on orderly-release.
var ResetOnlyByPeer = Property{Name: "reset-only-by-peer", Kind: Safety,
	Description: "no endpoint loses its connection to a segment its peer did not send, nor to a RST such a segment provoked: a forged RST or SYN that resets it is an attack that succeeded",
	step:        alwaysStep(resetOnlyByPeer)}

func resetOnlyByPeer(from state, st step, to state) bool {
	before := from.Ends[st.Side]
	lost := before.HasTCB() && (!to.Ends[st.Side].HasTCB() || st.Deleted || st.Relisten)
	switch {
	case !lost:
		return true
	case st.Kind == model.Forge:
		return false
	case st.Kind == model.Deliver && st.Seg.Has(model.RST):
		// A RST its peer sent, but in answer to what a forged segment
		// made of this connection (or of the peer's side of it).
		peer := from.Ends[st.Side.Other()]
		return !before.Attacked() && !(peer.Attacked() && peer.Inc == before.PeerInc)
	}
	return true
}

// arrives reports whether a segment reached an endpoint in the step, sent
// by its peer or forged: the receiving rules answer both alike.
func arrives(st step) bool { return st.Kind == model.Deliver || st.Kind == model.Forge }

// AttackCount says how many of the values a blind attacker may give its
// forged segment lead to a violation: of every sequence number (and, for
// a segment with an ACK, every acknowledgment number), those from which
// the property is violated, by the forged segment's arrival or by some
// continuation without further forgery.
type AttackCount struct {
	Succeeded, OutOf int
	// Step is the index in the counterexample of the forged segment
	// counted: the last one, the earlier ones taken as they are.
	Step int
	// Complete is false when a search from some value stopped at a limit:
	// Succeeded is then a lower bound.
	Complete bool
}

// startAt is a system whose only initial state is a given one.
type startAt struct {
	*model.System
	start model.State
}

func (s startAt) Initial() []model.State { return []model.State{s.start} }

// CountAttack counts, for a property violated by a counterexample whose
// last forged segment came from a blind attacker, the values of that
// segment that succeed. It reports false when there is nothing to count
// (no forged segment, an on-path attacker, a reachability query).
func CountAttack(ctx context.Context, sys *model.System, p Property, tr *Trace, opts Options) (AttackCount, bool, error) {
	cfg := sys.Config()
	if tr == nil || cfg.Attack == 0 || cfg.Attacker != model.Blind || p.Kind == Reachable {
		return AttackCount{}, false, nil
	}
	at := -1
	for i, ps := range tr.Steps {
		if ps.Step.Kind == model.Forge {
			at = i
		}
	}
	if at < 0 {
		return AttackCount{}, false, nil
	}
	before := tr.Start
	if at > 0 {
		before = tr.Steps[at-1].State
	}
	forged := tr.Steps[at].Step
	// After the counted segment the attacker has nothing left to send.
	sub := cfg
	sub.Attack = before.Forged() + 1
	subSys, err := model.NewSystem(sys.Variant(), sub)
	if err != nil {
		return AttackCount{}, false, err
	}
	c := checksOf(subSys, []Property{p})
	count := AttackCount{Step: at, Complete: true}
	reach := map[model.State]bool{}
	violatedFrom := func(s model.State) bool {
		if v, ok := reach[s]; ok {
			return v
		}
		if ctx.Err() != nil {
			count.Complete = false // stopped: the values left are not counted
			return false
		}
		var found, complete bool
		from := startAt{subSys, s}
		if p.Kind == Liveness {
			res := explore.CheckLiveness[state, step](ctx, from, explore.LivenessOptions[state, step]{
				Properties: c.live, Class: fairnessClass, MaxStates: opts.MaxStates, MaxMemory: opts.MaxMemory})
			found, complete = len(res.Violations) > 0, res.Complete
		} else {
			eo := explore.Options[state, step]{Invariants: c.invariants, Actions: c.actions,
				Workers: opts.Workers, MaxStates: opts.MaxStates, MaxMemory: opts.MaxMemory}
			if c.deadlock {
				eo.Deadlock, eo.Final, eo.Environment = NoDeadlock.Name, subSys.Final, Environment
			}
			res := explore.Run[state, step](ctx, from, eo)
			found, complete = len(res.Violations) > 0, res.Complete || len(res.Violations) > 0
		}
		count.Complete = count.Complete && complete
		reach[s] = found
		return found
	}
	var stepHolds func(state, step, state) bool
	if p.step != nil {
		stepHolds = p.step(subSys)
	}
	for _, seg := range subSys.ForgeCandidates(before, forged.Side, model.KindOf(forged.Seg)) {
		count.OutOf++
		success := false
		subSys.ForgeSuccessors(before, forged.Side, seg, func(st model.Step, ns model.State) {
			if success {
				return
			}
			success = stepHolds != nil && !stepHolds(before, st, ns) || violatedFrom(ns)
		})
		if success {
			count.Succeeded++
		}
	}
	return count, true, ctx.Err()
}

// countAttacks fills in the attack counts of a report's violations.
func countAttacks(ctx context.Context, sys *model.System, rep *Report, opts Options) {
	for i := range rep.Results {
		r := &rep.Results[i]
		if r.Counterexample == nil {
			continue
		}
		if n, ok, err := CountAttack(ctx, sys, r.Property, r.Counterexample, opts); ok && err == nil {
			r.Attack = &n
		}
	}
}

// jsonAttack is AttackCount in a report's JSON: on the property, how many
// of the values of the forged segment succeed, out of how many.
type jsonAttack struct {
	Succeeded int  `json:"succeeded"`
	OutOf     int  `json:"out_of"`
	Step      int  `json:"step"` // the forged step counted, numbered from 1
	Complete  bool `json:"complete"`
}

func attackJSON(c *AttackCount) *jsonAttack {
	if c == nil {
		return nil
	}
	return &jsonAttack{Succeeded: c.Succeeded, OutOf: c.OutOf, Step: c.Step + 1, Complete: c.Complete}
}

// sameSegment compares a segment with its JSON form.
func sameSegment(seg model.Segment, js jsonSegment) bool {
	return model.CtlString(seg.Ctl()) == js.Flags && seg.Seq() == js.Seq && seg.Ack() == js.Ack && seg.Len() == js.Len
}

// attackFromJSON reads a saved count back, checking that it names a
// forged step of the counterexample.
func attackFromJSON(ja *jsonAttack, tr *Trace) (*AttackCount, error) {
	if ja == nil {
		return nil, nil
	}
	if ja.Step < 1 || ja.Step > len(tr.Steps) || tr.Steps[ja.Step-1].Step.Kind != model.Forge {
		return nil, fmt.Errorf("step %d is not a forged segment of the counterexample", ja.Step)
	}
	if ja.Succeeded < 0 || ja.Succeeded > ja.OutOf {
		return nil, fmt.Errorf("%d succeeded out of %d", ja.Succeeded, ja.OutOf)
	}
	return &AttackCount{Succeeded: ja.Succeeded, OutOf: ja.OutOf, Step: ja.Step - 1, Complete: ja.Complete}, nil
}
