package properties

import (
	"fmt"
	"strings"

	"github.com/tcpmc/tcpmc/model"
)

// Numbering names sequence numbers the way the seed notes and textbooks
// do: relative to each side's initial sequence number, x for the client (or
// A) and y for the server (or B), primed for later incarnations: seq=x+1,
// ack=y+1.
type Numbering struct {
	space int
	isns  [2][]isn
}

type isn struct {
	value uint8
	inc   uint8
	name  string
}

// NewNumbering collects the ISNs that appear along a trace.
func NewNumbering(sys *model.System, tr *Trace) *Numbering {
	nb := &Numbering{space: sys.Config().SeqSpace}
	see := func(s model.State) {
		for side := model.A; side <= model.B; side++ {
			ep := s.Ends[side]
			if !ep.HasTCB() {
				continue
			}
			known := false
			for _, v := range nb.isns[side] {
				known = known || v.value == ep.ISS && v.inc == ep.Inc
			}
			if !known {
				base := [2]string{"x", "y"}[side]
				name := base + strings.Repeat("'", len(nb.isns[side]))
				nb.isns[side] = append(nb.isns[side], isn{ep.ISS, ep.Inc, name})
			}
		}
	}
	see(tr.Start)
	for _, st := range tr.Steps {
		see(st.State)
	}
	return nb
}

// Name writes a sequence number of side's sequence space symbolically,
// preferring the ISN of incarnation inc when several are close.
func (nb *Numbering) Name(side model.Side, v uint8, inc uint8) string {
	best, bestOff, bestMatch := "", 0, false
	limit := nb.space / 4
	for _, c := range nb.isns[side] {
		off := (int(v) - int(c.value) + nb.space) % nb.space
		if off > limit {
			continue
		}
		match := c.inc == inc
		if best == "" || match && !bestMatch || match == bestMatch && off < bestOff {
			best, bestOff, bestMatch = c.name, off, match
		}
	}
	if best == "" {
		return fmt.Sprint(v)
	}
	if bestOff == 0 {
		return best
	}
	return fmt.Sprintf("%s+%d", best, bestOff)
}

// Legend gives the values the names stand for.
func (nb *Numbering) Legend(sys *model.System) string {
	var parts []string
	for side := model.A; side <= model.B; side++ {
		for _, c := range nb.isns[side] {
			parts = append(parts, fmt.Sprintf("%s=%d", c.name, c.value))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("initial sequence numbers: %s (sequence space %d)", strings.Join(parts, ", "), nb.space)
}

// Segment writes a segment as the seed notes do: "SYN=1, ACK=1, seq=y,
// ack=x+1". from is the side that sent it and peerInc the incarnation of
// the receiver that the sender was talking to.
func (nb *Numbering) Segment(s model.Segment, from model.Side, peerInc uint8) string {
	var parts []string
	for _, f := range []struct {
		bit  uint8
		name string
	}{{model.SYN, "SYN"}, {model.FIN, "FIN"}, {model.RST, "RST"}, {model.ACK, "ACK"}} {
		if s.Has(f.bit) {
			parts = append(parts, f.name+"=1")
		}
	}
	parts = append(parts, "seq="+nb.Name(from, s.Seq(), s.Inc()))
	if s.Has(model.ACK) {
		parts = append(parts, "ack="+nb.Name(from.Other(), s.Ack(), peerInc))
	}
	if s.Data() {
		parts = append(parts, "len=1")
	}
	return strings.Join(parts, ", ")
}

type chartRow struct {
	num          string
	left, right  string // states
	larrow, rarr string
	seg          string
	note         string
	marker       string // a whole line of its own, for the parts of a lasso
}

// Chart draws a trace as a text message sequence chart: the client (or A)
// on the left, the server (or B) on the right, time flowing down, the
// state of the side that acted after each step, and every segment as the
// seed notes write it. "-->" and "<--" mark a segment leaving or arriving,
// "..." one still in the network, "X" one lost.
func Chart(sys *model.System, tr *Trace) string {
	nb := NewNumbering(sys, tr)
	rows := []chartRow{{num: "", left: tr.Start.Ends[model.A].State.String(), right: tr.Start.Ends[model.B].State.String()}}
	prev := tr.Start
	for i, ps := range tr.Steps {
		if tr.Cycle && i == tr.Loop {
			rows = append(rows, chartRow{marker: fmt.Sprintf("---- cycle: steps %d to %d repeat for ever ----", i+1, len(tr.Steps))})
		}
		rows = append(rows, stepRows(sys, nb, i+1, prev, ps)...)
		prev = ps.State
	}
	switch {
	case tr.Cycle && tr.Loop == 0:
		rows = append(rows, chartRow{marker: "---- back to the initial state: the cycle starts again ----"})
	case tr.Cycle:
		rows = append(rows, chartRow{marker: fmt.Sprintf("---- back to the state after step %d: the cycle starts again ----", tr.Loop)})
	case tr.Stuck:
		rows = append(rows, chartRow{marker: "---- no step is possible: the execution stops here for ever ----"})
	}
	return renderChart(sys, nb, rows)
}

func stateCells(side model.Side, s string) (left, right string) {
	if side == model.A {
		return s, ""
	}
	return "", s
}

// departure is a row for a segment leaving side.
func departure(side model.Side, label string) chartRow {
	if side == model.A {
		return chartRow{larrow: "-->", seg: label, rarr: "..."}
	}
	return chartRow{larrow: "...", seg: label, rarr: "<--"}
}

func stepRows(sys *model.System, nb *Numbering, n int, before model.State, ps model.PathStep) []chartRow {
	st, after := ps.Step, ps.State
	side := st.Side
	ep := after.Ends[side]
	var rows []chartRow
	rules := ruleNames(sys, st)
	stateName := ep.State.String()
	if st.Relisten {
		stateName = "LISTEN"
	}
	switch st.Kind {
	case model.Call, model.Timeout:
		note := eventNote(st)
		if st.Relisten {
			note += ", listening again"
		}
		if st.NOut == 0 {
			r := chartRow{note: note}
			r.left, r.right = stateCells(side, stateName)
			rows = append(rows, r)
		}
		for k, out := range st.Sent() {
			r := departure(side, nb.Segment(out, side, ep.PeerInc))
			if k == 0 {
				r.left, r.right = stateCells(side, stateName)
				r.note = note
			}
			rows = append(rows, r)
		}
	case model.Deliver:
		from := side.Other()
		sender := before.Ends[from]
		r := chartRow{seg: nb.Segment(st.Seg, from, sender.PeerInc)}
		if side == model.B {
			r.larrow, r.rarr = "...", "-->"
		} else {
			r.larrow, r.rarr = "<--", "..."
		}
		r.left, r.right = stateCells(side, stateName)
		if st.Reordered {
			r.note = "arrives ahead of older segments"
		}
		if st.NRules == 0 {
			r.note = joinNote(r.note, "no rule applies: ignored")
		}
		if st.Relisten {
			r.note = joinNote(r.note, "TCB deleted, listening again")
		}
		rows = append(rows, r)
		for _, out := range st.Sent() {
			rows = append(rows, departure(side, nb.Segment(out, side, ep.PeerInc)))
		}
	case model.Lose, model.Duplicate:
		label := nb.Segment(st.Seg, side, before.Ends[side].PeerInc)
		r := chartRow{larrow: "...", seg: label, rarr: "..."}
		if st.Kind == model.Lose {
			if side == model.A {
				r.rarr = " X"
			} else {
				r.larrow = "X "
			}
			r.note = "lost"
		} else {
			r.note = "duplicated by the network"
		}
		rows = append(rows, r)
	case model.Crash:
		r := chartRow{note: "crash: the host loses its TCB"}
		r.left, r.right = stateCells(side, "CLOSED")
		rows = append(rows, r)
	}
	if rules != "" {
		rows[0].note = joinNote(rows[0].note, "["+rules+"]")
	}
	rows[0].num = fmt.Sprint(n)
	return rows
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

func eventNote(st model.Step) string {
	switch st.Event {
	case model.OpenActive:
		return "OPEN (active)"
	case model.OpenPassive:
		return "OPEN (passive)"
	case model.Send:
		return "SEND 1 octet"
	case model.Close:
		return "CLOSE"
	case model.Abort:
		return "ABORT"
	case model.RetransmissionTimeout:
		return "retransmission timeout"
	case model.UserTimeout:
		return "retry limit reached: connection given up"
	case model.TimeWaitTimeout:
		return "2 MSL timeout"
	}
	return st.Event.String()
}

func ruleNames(sys *model.System, st model.Step) string {
	var names []string
	for _, id := range st.RuleIDs() {
		names = append(names, sys.Table().Rule(id).Name)
	}
	return strings.Join(names, ", ")
}

func renderChart(sys *model.System, nb *Numbering, rows []chartRow) string {
	numW, stW, segW := 2, 12, 0
	for _, r := range rows {
		if r.marker != "" {
			continue
		}
		numW = max(numW, len(r.num))
		stW = max(stW, len(r.left), len(r.right))
		segW = max(segW, len(r.seg))
	}
	var b strings.Builder
	line := func(num, left, la, seg, ra, right, note string) {
		s := fmt.Sprintf("%*s  %-*s  %-3s %-*s %3s  %-*s", numW, num, stW, left, la, segW, seg, ra, stW, right)
		if note != "" {
			s += "  " + note
		}
		b.WriteString(strings.TrimRight(s, " ") + "\n")
	}
	line("", sys.SideName(model.A), "", "", "", sys.SideName(model.B), "")
	for _, r := range rows {
		if r.marker != "" {
			b.WriteString(strings.Repeat(" ", numW+2) + r.marker + "\n")
			continue
		}
		line(r.num, r.left, r.larrow, r.seg, r.rarr, r.right, r.note)
	}
	if lg := nb.Legend(sys); lg != "" {
		b.WriteString(lg + "\n")
	}
	return b.String()
}
