package properties

import (
	"encoding/json"

	"github.com/tcpmc/tcpmc/model"
)

// The JSON form of a report (`tcpmc check --json`). Key names are part of
// tcpmc's interface.

type jsonReport struct {
	Variant              string         `json:"variant"`
	Config               jsonConfig     `json:"config"`
	States               uint64         `json:"states"`
	Transitions          uint64         `json:"transitions"`
	Depth                int            `json:"depth"`
	ElapsedSeconds       float64        `json:"elapsed_seconds"`
	Complete             bool           `json:"complete"`
	Stopped              string         `json:"stopped"`
	BytesPerState        float64        `json:"bytes_per_state"`
	Exact                bool           `json:"exact"`
	CollisionProbability float64        `json:"collision_probability"`
	Properties           []jsonProperty `json:"properties"`
	Safety               *jsonSafety    `json:"safety,omitempty"`
	Liveness             *jsonLiveness  `json:"liveness,omitempty"`
	// Model is the rule table checked, so that a saved report can be
	// rebuilt (tcpmc report) from the JSON alone.
	Model    *jsonModel    `json:"model,omitempty"`
	Coverage *jsonCoverage `json:"coverage,omitempty"`
}

// jsonCoverage is Report.Coverage: every rule with the transitions that
// fired it, and the share of rules that fired at least once.
type jsonCoverage struct {
	Rules      []jsonRuleCount `json:"rules"`
	Fired      int             `json:"fired"`
	Total      int             `json:"total"`
	Share      float64         `json:"share"`
	NeverFired []string        `json:"never_fired"`
	Complete   bool            `json:"complete"`
}

type jsonRuleCount struct {
	Rule  string `json:"rule"`
	Fired uint64 `json:"fired"`
}

// jsonSafety and jsonLiveness describe the two searches, each with its
// own completeness; "stopped" is empty when a search finished.
type jsonSafety struct {
	States         uint64  `json:"states"`
	Transitions    uint64  `json:"transitions"`
	Depth          int     `json:"depth"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	Complete       bool    `json:"complete"`
	Stopped        string  `json:"stopped"`
	PeakHeapBytes  uint64  `json:"peak_heap_bytes"`
}

type jsonLiveness struct {
	States         uint64  `json:"states"`
	Edges          uint64  `json:"edges"`
	Depth          int     `json:"depth"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	Complete       bool    `json:"complete"`
	Stopped        string  `json:"stopped"`
	PeakHeapBytes  uint64  `json:"peak_heap_bytes"`
}

type jsonConfig struct {
	Open         string  `json:"open"`
	Close        string  `json:"close"`
	Data         [2]int  `json:"data"`
	Abort        [2]bool `json:"abort"`
	Incarnations int     `json:"incarnations"`
	Loss         int     `json:"loss"`
	Dup          int     `json:"dup"`
	Reorder      int     `json:"reorder"`
	Crash        int     `json:"crash"`
	Network      string  `json:"network"`
	Capacity     int     `json:"capacity"`
	SeqSpace     int     `json:"seq_space"`
	Window       int     `json:"window"`
	Retries      int     `json:"retries"` // -1: unlimited
	ISN          string  `json:"isn"`
	// The application settings added later, written only when set.
	Calls      string `json:"calls,omitempty"`       // any
	NeverClose string `json:"never_close,omitempty"` // client, server or both
	CrashHost  string `json:"crash_host,omitempty"`  // the one host that may crash: client or server
	// The attacker, absent when there is none (see model/attack.go).
	Attack         int    `json:"attack,omitempty"`
	Attacker       string `json:"attacker,omitempty"`
	AttackSegments string `json:"attack_segments,omitempty"`
	AttackStates   string `json:"attack_states,omitempty"`
}

type jsonProperty struct {
	Name        string  `json:"name"`
	Kind        Kind    `json:"kind"`
	Verdict     Verdict `json:"verdict"`
	Description string  `json:"description"`
	// Form is how a user property is written: invariant, step, leads-to
	// or reachable; absent for the catalog's.
	Form string `json:"form,omitempty"`
	// Expected is the variant's stated verdict, if it states one;
	// AsExpected whether the verdict is that one (an unknown verdict is
	// not).
	Expected       string     `json:"expected,omitempty"`
	AsExpected     *bool      `json:"as_expected,omitempty"`
	Counterexample *jsonTrace `json:"counterexample,omitempty"`
	// Witness is a reachable property's shortest path to a state it looks
	// for.
	Witness *jsonTrace `json:"witness,omitempty"`
	// Attack counts the values of a blind attacker's forged segment that
	// succeed (see AttackCount).
	Attack *jsonAttack `json:"attack,omitempty"`
}

type jsonTrace struct {
	Legend string     `json:"legend"`
	Start  jsonGlobal `json:"start"`
	Steps  []jsonStep `json:"steps"`
	// LoopStart is the number of the first step of the cycle of a lasso
	// (steps are numbered from 1); Stuck marks a lasso that ends in a
	// state without successors.
	LoopStart int  `json:"loop_start,omitempty"`
	Stuck     bool `json:"stuck,omitempty"`
}

type jsonStep struct {
	Index       int           `json:"index"`
	Kind        string        `json:"kind"`
	Side        string        `json:"side"`
	Event       string        `json:"event,omitempty"`
	Segment     *jsonSegment  `json:"segment,omitempty"`
	Reordered   bool          `json:"reordered,omitempty"`
	Forged      bool          `json:"forged,omitempty"`  // the segment is the attacker's (kind forge)
	Refused     bool          `json:"refused,omitempty"` // a call RFC 9293 answers with an error: nothing changed
	Rules       []string      `json:"rules"`
	Sent        []jsonSegment `json:"sent"`
	Description string        `json:"description"`
	jsonGlobal
}

type jsonGlobal struct {
	Endpoints map[string]jsonEndpoint  `json:"endpoints"`
	Network   map[string][]jsonSegment `json:"network"`
}

type jsonEndpoint struct {
	State   string `json:"state"`
	ISS     uint8  `json:"iss"`
	IRS     uint8  `json:"irs"`
	SndUna  uint8  `json:"snd_una"`
	SndNxt  uint8  `json:"snd_nxt"`
	RcvNxt  uint8  `json:"rcv_nxt"`
	Retries uint8  `json:"retries"`
	Inc     uint8  `json:"incarnation"`
}

type jsonSegment struct {
	Text  string `json:"text"`
	Flags string `json:"flags"`
	Seq   uint8  `json:"seq"`
	Ack   uint8  `json:"ack"`
	Len   int    `json:"len"`
	Inc   uint8  `json:"incarnation"` // of the sender's connection that sent it
}

func configJSON(c model.Config) jsonConfig {
	network := "fifo"
	if c.Unordered {
		network = "unordered"
	}
	j := jsonConfig{
		Open: c.Open.String(), Close: c.Close.String(), Data: c.Data, Abort: c.Abort,
		Incarnations: c.Incarnations, Loss: c.Loss, Dup: c.Dup, Reorder: c.Reorder, Crash: c.Crash,
		Network: network, Capacity: c.Capacity, SeqSpace: c.SeqSpace, Window: c.Window,
		Retries: c.RetryLimit, ISN: c.ISN.String(),
		Calls: settingIfSet(c, "calls"), NeverClose: settingIfSet(c, "never-close"), CrashHost: crashHost(c),
	}
	if c.Attack > 0 {
		j.Attack, j.Attacker, j.AttackSegments, j.AttackStates = c.Attack, c.Attacker.String(), c.AttackSegments.String(), c.AttackStates.String()
	}
	return j
}

// settingIfSet is a setting's value as Config.Settings writes it, or
// empty when Settings leaves it out (it is the default).
func settingIfSet(c model.Config, name string) string {
	for _, s := range c.Settings() {
		if s.Name == name {
			return s.Value
		}
	}
	return ""
}

func crashHost(c model.Config) string {
	if c.CrashOnly == model.CrashAny {
		return ""
	}
	return settingIfSet(c, "crash")
}

func segmentJSON(nb *Numbering, s model.Segment, from model.Side, peerInc uint8) jsonSegment {
	return jsonSegment{Text: nb.Segment(s, from, peerInc), Flags: model.CtlString(s.Ctl()), Seq: s.Seq(), Ack: s.Ack(), Len: s.Len(), Inc: s.Inc()}
}

func globalJSON(sys *model.System, nb *Numbering, s model.State) jsonGlobal {
	g := jsonGlobal{Endpoints: map[string]jsonEndpoint{}, Network: map[string][]jsonSegment{}}
	for side := model.A; side <= model.B; side++ {
		e := s.Ends[side]
		g.Endpoints[sys.SideName(side)] = jsonEndpoint{State: e.State.String(), ISS: e.ISS, IRS: e.IRS,
			SndUna: e.SndUna, SndNxt: e.SndNxt, RcvNxt: e.RcvNxt, Retries: e.Retries, Inc: e.Inc}
		key := sys.SideName(side) + "->" + sys.SideName(side.Other())
		segs := []jsonSegment{}
		for _, seg := range s.Channel(side) {
			segs = append(segs, segmentJSON(nb, seg, side, e.PeerInc))
		}
		g.Network[key] = segs
	}
	return g
}

// TraceJSON is the JSON form of a counterexample.
func traceJSON(sys *model.System, tr *Trace) *jsonTrace {
	nb := NewNumbering(sys, tr)
	out := &jsonTrace{Legend: nb.Legend(sys), Start: globalJSON(sys, nb, tr.Start), Steps: []jsonStep{}, Stuck: tr.Stuck}
	if tr.Cycle {
		out.LoopStart = tr.Loop + 1
	}
	prev := tr.Start
	for i, ps := range tr.Steps {
		st := ps.Step
		js := jsonStep{Index: i + 1, Kind: st.Kind.String(), Side: sys.SideName(st.Side),
			Reordered: st.Reordered, Refused: st.Refused, Rules: []string{}, Sent: []jsonSegment{},
			Description: sys.Describe(st), jsonGlobal: globalJSON(sys, nb, ps.State)}
		if st.Kind == model.Call || st.Kind == model.Timeout {
			js.Event = st.Event.String()
		}
		switch st.Kind {
		case model.Deliver:
			seg := segmentJSON(nb, st.Seg, st.Side.Other(), prev.Ends[st.Side.Other()].PeerInc)
			js.Segment = &seg
		case model.Lose, model.Duplicate:
			seg := segmentJSON(nb, st.Seg, st.Side, prev.Ends[st.Side].PeerInc)
			js.Segment = &seg
		case model.Forge:
			seg := segmentJSON(nb, st.Seg, st.Side.Other(), prev.Ends[st.Side.Other()].PeerInc)
			seg.Text = ForgedLabel(nb, ps, i)
			js.Segment, js.Forged = &seg, true
		}
		for _, id := range st.RuleIDs() {
			js.Rules = append(js.Rules, sys.Table().Rule(id).Name)
		}
		for _, s := range st.Sent() {
			js.Sent = append(js.Sent, segmentJSON(nb, s, st.Side, ps.State.Ends[st.Side].PeerInc))
		}
		out.Steps = append(out.Steps, js)
		prev = ps.State
	}
	return out
}

// MarshalJSON writes the report in the schema `tcpmc check --json` uses.
func (r *Report) MarshalJSON() ([]byte, error) {
	jr := jsonReport{
		Variant: r.Variant, Config: configJSON(r.Config),
		States: r.States, Transitions: r.Transitions, Depth: r.Depth,
		ElapsedSeconds: r.Elapsed.Seconds(), Complete: r.Complete, Stopped: string(r.Stopped),
		BytesPerState: r.BytesPerState(), Exact: r.Exact, CollisionProbability: r.CollisionProbability,
		Properties: []jsonProperty{}, Model: modelJSON(r.sys.Variant()),
	}
	if sf := r.Safety; sf != nil {
		jr.Safety = &jsonSafety{States: sf.States, Transitions: sf.Transitions, Depth: sf.Depth, ElapsedSeconds: sf.Elapsed.Seconds(),
			Complete: sf.Complete, Stopped: string(sf.Stopped), PeakHeapBytes: sf.PeakHeap}
	}
	if l := r.Liveness; l != nil {
		jr.Liveness = &jsonLiveness{States: l.States, Edges: l.Edges, Depth: l.Depth, ElapsedSeconds: l.Elapsed.Seconds(),
			Complete: l.Complete, Stopped: string(l.Stopped), PeakHeapBytes: l.PeakHeap}
	}
	for _, res := range r.Results {
		jp := jsonProperty{Name: res.Property.Name, Kind: res.Property.Kind, Verdict: res.Verdict, Description: res.Property.Description,
			Form: res.Property.Form}
		if want, stated, as := Compare(r.sys.Variant(), res.Property.Name, res.Verdict); stated {
			jp.Expected, jp.AsExpected = string(want), &as
		}
		if res.Counterexample != nil {
			jp.Counterexample = traceJSON(r.sys, res.Counterexample)
		}
		if res.Witness != nil {
			jp.Witness = traceJSON(r.sys, res.Witness)
		}
		jp.Attack = attackJSON(res.Attack)
		jr.Properties = append(jr.Properties, jp)
	}
	jr.Coverage = coverageJSON(r.Coverage)
	return json.Marshal(jr)
}

func coverageJSON(c *Coverage) *jsonCoverage {
	if c == nil {
		return nil
	}
	jc := &jsonCoverage{Rules: []jsonRuleCount{}, Total: len(c.Rules), Share: c.Share(), NeverFired: []string{}, Complete: c.Complete}
	for i, rule := range c.Rules {
		jc.Rules = append(jc.Rules, jsonRuleCount{Rule: rule.Name, Fired: c.Fired[i]})
	}
	jc.NeverFired = append(jc.NeverFired, c.Unfired()...)
	jc.Fired = jc.Total - len(jc.NeverFired)
	return jc
}
