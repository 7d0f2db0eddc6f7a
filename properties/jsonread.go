package properties

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/tcpmc/tcpmc/explore"
	"github.com/tcpmc/tcpmc/model"
)

// jsonModel is the rule table in a report's JSON.
type jsonModel struct {
	Description string       `json:"description"`
	Rules       []model.Rule `json:"rules"`
	Macros      []jsonMacro  `json:"macros"`
}

type jsonMacro struct {
	Name string `json:"name"`
	Expr string `json:"expr"`
	Why  string `json:"why,omitempty"`
}

func modelJSON(v *model.Variant) *jsonModel {
	m := &jsonModel{Description: v.Description, Rules: v.Rules, Macros: []jsonMacro{}}
	for _, mc := range v.Macros {
		m.Macros = append(m.Macros, jsonMacro{mc.Name, mc.Expr, mc.Why})
	}
	return m
}

// ReadReport rebuilds a report from the JSON `tcpmc check --json` wrote:
// the model from the rule table and configuration it holds, and each
// counterexample by replaying it on that model, so that every trace of
// the rebuilt report is a real path of the model.
func ReadReport(data []byte) (*Report, error) {
	var jr jsonReport
	if err := json.Unmarshal(data, &jr); err != nil {
		return nil, fmt.Errorf("not the JSON of tcpmc check --json: %v", err)
	}
	if jr.Model == nil || len(jr.Model.Rules) == 0 {
		return nil, fmt.Errorf("no \"model\" with the rule table: written by an older tcpmc? run tcpmc check --json again")
	}
	cfg, err := configFromJSON(jr.Config)
	if err != nil {
		return nil, err
	}
	v := &model.Variant{Name: jr.Variant, Description: jr.Model.Description, Rules: jr.Model.Rules, Config: cfg}
	for _, m := range jr.Model.Macros {
		v.Macros = append(v.Macros, model.Macro{Name: m.Name, Expr: m.Expr, Why: m.Why})
	}
	for _, p := range jr.Properties {
		if p.Expected != "" {
			v.Expect = append(v.Expect, model.Expectation{Property: p.Name, Verdict: p.Expected})
		}
	}
	sys, err := model.NewSystem(v, cfg)
	if err != nil {
		return nil, err
	}
	seconds := func(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }
	rep := &Report{Variant: jr.Variant, Config: cfg, States: jr.States, Transitions: jr.Transitions, Depth: jr.Depth,
		Elapsed: seconds(jr.ElapsedSeconds), Complete: jr.Complete, Stopped: explore.StopReason(jr.Stopped),
		Exact: jr.Exact, CollisionProbability: jr.CollisionProbability, sys: sys,
		// The JSON keeps the memory per state only.
		VisitedBytes: uint64(math.Round(jr.BytesPerState * float64(jr.States)))}
	if sf := jr.Safety; sf != nil {
		rep.Safety = &SafetyStats{States: sf.States, Transitions: sf.Transitions, Depth: sf.Depth, Elapsed: seconds(sf.ElapsedSeconds),
			Complete: sf.Complete, Stopped: explore.StopReason(sf.Stopped), PeakHeap: sf.PeakHeapBytes,
			Exact: jr.Exact, CollisionProbability: jr.CollisionProbability, VisitedBytes: rep.VisitedBytes}
	}
	if l := jr.Liveness; l != nil {
		rep.Liveness = &LivenessStats{States: l.States, Edges: l.Edges, Depth: l.Depth, Elapsed: seconds(l.ElapsedSeconds),
			Complete: l.Complete, Stopped: explore.StopReason(l.Stopped), PeakHeap: l.PeakHeapBytes}
	}
	for _, p := range jr.Properties {
		if p.Kind != Safety && p.Kind != Liveness && p.Kind != Reachable {
			return nil, fmt.Errorf("property %q: unknown kind %q", p.Name, p.Kind)
		}
		if p.Verdict != Holds && p.Verdict != Violated && p.Verdict != Unknown {
			return nil, fmt.Errorf("property %q: unknown verdict %q", p.Name, p.Verdict)
		}
		res := Result{Property: Property{Name: p.Name, Kind: p.Kind, Description: p.Description, Form: p.Form}, Verdict: p.Verdict}
		if p.Counterexample != nil {
			if res.Counterexample, err = replayJSON(sys, p.Counterexample); err != nil {
				return nil, fmt.Errorf("counterexample of %s: %v", p.Name, err)
			}
			if res.Attack, err = attackFromJSON(p.Attack, res.Counterexample); err != nil {
				return nil, fmt.Errorf("attack of %s: %v", p.Name, err)
			}
		}
		if p.Witness != nil {
			if res.Witness, err = replayJSON(sys, p.Witness); err != nil {
				return nil, fmt.Errorf("witness of %s: %v", p.Name, err)
			}
		}
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

func configFromJSON(j jsonConfig) (model.Config, error) {
	c := model.Config{Data: j.Data, Abort: j.Abort, Incarnations: j.Incarnations, Loss: j.Loss, Dup: j.Dup,
		Reorder: j.Reorder, Crash: j.Crash, Capacity: j.Capacity, SeqSpace: j.SeqSpace, Window: j.Window, RetryLimit: j.Retries}
	var err error
	if c.Open, err = model.ParseOpen(j.Open); err != nil {
		return c, err
	}
	if c.Close, err = model.ParseClose(j.Close); err != nil {
		return c, err
	}
	if c.ISN, err = model.ParseISN(j.ISN); err != nil {
		return c, err
	}
	if j.Attack > 0 {
		c.Attack = j.Attack
		for _, set := range [][2]string{{"attacker", j.Attacker}, {"attack-segments", j.AttackSegments}, {"attack-states", j.AttackStates}} {
			if err := model.ApplySetting(&c, set[0], set[1]); err != nil {
				return c, err
			}
		}
	}
	for name, value := range map[string]string{"calls": j.Calls, "never-close": j.NeverClose, "crash": j.CrashHost} {
		if value == "" {
			continue
		}
		if err := model.ApplySetting(&c, name, value); err != nil {
			return c, err
		}
	}
	switch j.Network {
	case "fifo":
	case "unordered":
		c.Unordered = true
	default:
		return c, fmt.Errorf("unknown network %q", j.Network)
	}
	return c, c.Validate()
}

// replayJSON finds, step by step, the transition of the model that a
// JSON trace describes.
func replayJSON(sys *model.System, jt *jsonTrace) (*Trace, error) {
	start := sys.Initial()[0]
	if !sameGlobal(sys, start, jt.Start) {
		return nil, fmt.Errorf("it does not start in the model's initial state")
	}
	tr := &Trace{Start: start, Stuck: jt.Stuck}
	if jt.LoopStart > 0 {
		if jt.LoopStart > len(jt.Steps) {
			return nil, fmt.Errorf("loop_start %d is beyond its %d steps", jt.LoopStart, len(jt.Steps))
		}
		tr.Cycle, tr.Loop = true, jt.LoopStart-1
	}
	cur := start
	for i, js := range jt.Steps {
		var found *model.PathStep
		sys.Successors(cur, func(st model.Step, next model.State) {
			if found == nil && sameStep(sys, st, js) && sameGlobal(sys, next, js.jsonGlobal) {
				found = &model.PathStep{Step: st, State: next}
			}
		})
		if found == nil {
			return nil, fmt.Errorf("step %d (%s) is not a step of the model from the state before it", i+1, js.Description)
		}
		tr.Steps = append(tr.Steps, *found)
		cur = found.State
	}
	return tr, nil
}

func sameStep(sys *model.System, st model.Step, js jsonStep) bool {
	if st.Kind.String() != js.Kind || sys.SideName(st.Side) != js.Side || st.Reordered != js.Reordered {
		return false
	}
	if (st.Kind == model.Call || st.Kind == model.Timeout) && st.Event.String() != js.Event {
		return false
	}
	if st.Kind == model.Forge && (js.Segment == nil || !sameSegment(st.Seg, *js.Segment)) {
		return false
	}
	var rules []string
	for _, id := range st.RuleIDs() {
		rules = append(rules, sys.Table().Rule(id).Name)
	}
	return slices.Equal(rules, js.Rules)
}

func sameGlobal(sys *model.System, s model.State, g jsonGlobal) bool {
	for side := model.A; side <= model.B; side++ {
		e, je := s.Ends[side], g.Endpoints[sys.SideName(side)]
		if e.State.String() != je.State || e.ISS != je.ISS || e.IRS != je.IRS || e.SndUna != je.SndUna ||
			e.SndNxt != je.SndNxt || e.RcvNxt != je.RcvNxt || e.Retries != je.Retries || e.Inc != je.Inc {
			return false
		}
		segs := g.Network[sys.SideName(side)+"->"+sys.SideName(side.Other())]
		ch := s.Channel(side)
		if len(ch) != len(segs) {
			return false
		}
		for k, seg := range ch {
			js := segs[k]
			if model.CtlString(seg.Ctl()) != js.Flags || seg.Seq() != js.Seq || seg.Ack() != js.Ack || seg.Len() != js.Len || seg.Inc() != js.Inc {
				return false
			}
		}
	}
	return true
}

// MarshalTrace writes an execution of the model in the JSON form of a
// counterexample (as in `tcpmc check --json`).
func MarshalTrace(sys *model.System, tr *Trace) ([]byte, error) {
	return json.MarshalIndent(traceJSON(sys, tr), "", "  ")
}
