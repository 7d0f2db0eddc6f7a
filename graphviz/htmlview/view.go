// Package htmlview writes what tcpmc finds as pages for a browser: the
// self-contained report of a check, each counterexample to step through
// beside the endpoint state diagram, and the pages of the explorer, which
// walks the model by hand. Pages carry their own CSS, script and SVG and
// fetch nothing.
package htmlview

import (
	"fmt"
	"strings"

	"github.com/tcpmc/tcpmc/graphviz"
	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

// Trace is an execution as the page's script shows it: the state after
// every step, with what the step did.
type Trace struct {
	Title  string `json:"title"`
	Legend string `json:"legend"`
	// Steps[0] is the initial state; Steps[i] the state after step i.
	Steps []Step `json:"steps"`
	// LoopStart is the number of the first step of a lasso's cycle (0:
	// none); Stuck marks an execution that stops for ever.
	LoopStart int    `json:"loop_start"`
	Stuck     bool   `json:"stuck"`
	Chart     string `json:"chart"` // the sequence chart as SVG
}

// Step is one step and the state it reached.
type Step struct {
	N     int    `json:"n"`
	Kind  string `json:"kind"` // call, deliver, timeout, lose, duplicate, crash, forge; "" for the initial state
	Side  string `json:"side"`
	Text  string `json:"text"`  // what happened, in words
	Taken string `json:"taken"` // the segment delivered, lost or copied
	// Sent lists the segments the step sent.
	Sent      []string `json:"sent"`
	Rules     []string `json:"rules"`
	Delivered bool     `json:"delivered"` // a data octet reached the application
	InCycle   bool     `json:"in_cycle"`
	// Move is the acting endpoint's transition, "FROM_TO" as the state
	// diagram's classes name it, or "".
	Move string   `json:"move"`
	Ends [2]End   `json:"ends"`
	Net  [2][]Seg `json:"net"` // by sender, oldest first
}

// End is one endpoint's TCB and its application's history.
type End struct {
	Name    string `json:"name"`
	State   string `json:"state"`
	ISS     int    `json:"iss"`
	IRS     int    `json:"irs"`
	SndUna  int    `json:"snd_una"`
	SndNxt  int    `json:"snd_nxt"`
	RcvNxt  int    `json:"rcv_nxt"`
	Retries int    `json:"retries"`
	Inc     int    `json:"incarnation"`
	TCB     bool   `json:"tcb"`
	// Calls are the application's calls so far; Received the data
	// octets it has been handed.
	Calls    []string `json:"calls"`
	Received int      `json:"received"`
}

// Seg is a segment in flight.
type Seg struct {
	Text string `json:"text"`
	Inc  int    `json:"incarnation"` // of the sender's connection that sent it
	// Stale marks a segment of an older connection of its sender than
	// the one it has now.
	Stale bool `json:"stale"`
}

// Rule is a rule of the table as the page explains it.
type Rule struct {
	Name    string `json:"name"`
	Section string `json:"section"`
	In      string `json:"in"`
	On      string `json:"on"`
	If      string `json:"if"`
	Do      string `json:"do"`
	Send    string `json:"send"`
	Next    string `json:"next"`
	Why     string `json:"why"`
}

// Rules lists the table's rules by name.
func Rules(sys *model.System) map[string]Rule {
	out := map[string]Rule{}
	for _, r := range sys.Table().Rules() {
		out[r.Name] = Rule{Name: r.Name, Section: r.Section, In: r.In, On: r.On, If: r.If, Do: r.Do, Send: r.Send, Next: r.Rule.Next, Why: r.Why}
	}
	return out
}

// NewTrace follows a trace step by step. A violated property, when
// given, is marked on the chart.
func NewTrace(sys *model.System, tr *properties.Trace, title, violated string) Trace {
	nb := properties.NewNumbering(sys, tr)
	out := Trace{Title: title, Legend: nb.Legend(sys), Stuck: tr.Stuck, Steps: Steps(sys, tr)}
	if tr.Cycle {
		out.LoopStart = tr.Loop + 1
	}
	ch := graphviz.NewChart(sys, tr, "")
	if violated != "" {
		ch.MarkViolation(violated)
	}
	out.Chart = string(ch.Drawing().SVG())
	return out
}

// Steps follows a trace step by step: Steps(...)[0] is the initial
// state, [i] the state after step i.
func Steps(sys *model.System, tr *properties.Trace) []Step {
	nb := properties.NewNumbering(sys, tr)
	var out []Step
	flights := properties.NewFlights(sys)
	var labels []string
	var calls [2][]string
	var received [2]int
	out = append(out, Step{Text: "initial state", Sent: []string{}, Rules: []string{}, Ends: ends(sys, tr.Start, calls, received)})
	out[0].Net = network(sys, tr.Start, flights, labels)
	prev := tr.Start
	for i, ps := range tr.Steps {
		st, after := ps.Step, ps.State
		step := Step{N: i + 1, Kind: st.Kind.String(), Side: sys.SideName(st.Side), Sent: []string{}, Rules: []string{},
			Delivered: st.Delivered, InCycle: tr.Cycle && i >= tr.Loop}
		peerInc := after.Ends[st.Side].PeerInc
		var copied string
		if st.Kind == model.Duplicate {
			if id := flights.At(st.Side, int(st.Pos)); id >= 0 {
				copied = labels[id]
			}
		}
		taken := flights.Apply(st, func(seg model.Segment, dup bool) int {
			label := copied
			if !dup {
				label = nb.SegmentAt(seg, st.Side, peerInc, i)
				step.Sent = append(step.Sent, label)
			}
			labels = append(labels, label)
			return len(labels) - 1
		})
		switch {
		case taken >= 0:
			step.Taken = labels[taken]
		case copied != "":
			step.Taken = copied
		}
		if st.Kind == model.Forge {
			step.Taken = properties.ForgedLabel(nb, ps, i)
		}
		for _, id := range st.RuleIDs() {
			step.Rules = append(step.Rules, sys.Table().Rule(id).Name)
		}
		if st.Kind == model.Call {
			calls[st.Side] = append(calls[st.Side], st.Event.String())
		}
		if st.Delivered {
			received[st.Side]++
		}
		step.Text = describe(sys, st, step.Taken)
		from, to := prev.Ends[st.Side].State, after.Ends[st.Side].State
		if st.Relisten {
			to = model.Listen
		}
		if (from != to || st.Relisten) && st.Kind != model.Lose && st.Kind != model.Duplicate {
			step.Move = from.String() + "_" + to.String()
		}
		step.Ends = ends(sys, after, calls, received)
		step.Net = network(sys, after, flights, labels)
		out = append(out, step)
		prev = after
	}
	return out
}

func ends(sys *model.System, s model.State, calls [2][]string, received [2]int) [2]End {
	var out [2]End
	for side := model.A; side <= model.B; side++ {
		e := s.Ends[side]
		out[side] = End{Name: sys.SideName(side), State: e.State.String(), ISS: int(e.ISS), IRS: int(e.IRS),
			SndUna: int(e.SndUna), SndNxt: int(e.SndNxt), RcvNxt: int(e.RcvNxt), Retries: int(e.Retries), Inc: int(e.Inc),
			TCB: e.HasTCB(), Calls: append([]string{}, calls[side]...), Received: received[side]}
	}
	return out
}

// network lists the segments in flight, labelled as they were when sent.
func network(sys *model.System, s model.State, flights *properties.Flights, labels []string) [2][]Seg {
	var out [2][]Seg
	for side := model.A; side <= model.B; side++ {
		out[side] = []Seg{}
		for pos, seg := range s.Channel(side) {
			label := seg.String()
			if id := flights.At(side, pos); id >= 0 && id < len(labels) {
				label = labels[id]
			}
			out[side] = append(out[side], Seg{Text: label, Inc: int(seg.Inc()), Stale: seg.Inc() != s.Ends[side].Inc})
		}
	}
	return out
}

// describe says what a step did, with its segment named as the chart
// names it.
func describe(sys *model.System, st model.Step, seg string) string {
	who := sys.SideName(st.Side)
	switch st.Kind {
	case model.Call:
		return fmt.Sprintf("%s's application calls %s", who, st.Event)
	case model.Timeout:
		return fmt.Sprintf("%s: %s", who, st.Event)
	case model.Deliver:
		s := fmt.Sprintf("%s receives %s", who, seg)
		if st.Reordered {
			s += ", ahead of older segments"
		}
		if st.NRules == 0 {
			s += ": no rule applies, ignored"
		}
		return s
	case model.Lose:
		return fmt.Sprintf("the network loses %s from %s", seg, who)
	case model.Duplicate:
		return fmt.Sprintf("the network duplicates %s from %s", seg, who)
	case model.Crash:
		return fmt.Sprintf("%s's host crashes and loses its TCB", who)
	case model.Forge:
		s := fmt.Sprintf("%s receives %s, forged by the attacker", who, seg)
		if st.NRules == 0 {
			s += ": no rule applies, ignored"
		}
		return s
	}
	return st.Kind.String()
}

// StepLabel is how a choice of a next step is shown: what it does and the
// rules it fires.
func StepLabel(s Step) string {
	l := s.Text
	if len(s.Rules) > 0 {
		l += " [" + strings.Join(s.Rules, ", ") + "]"
	}
	return l
}

// Diagram draws the variant's endpoint state diagram, error transitions
// included, as SVG whose transitions a page can light up.
func Diagram(v *model.Variant) (string, error) {
	sd, err := graphviz.NewStateDiagram(v, true)
	if err != nil {
		return "", err
	}
	return string(sd.Drawing().SVG()), nil
}
