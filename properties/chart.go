package properties

import (
	"fmt"
	"math"
	"strings"

	"github.com/tcpmc/tcpmc/model"
)

// Numbering names sequence numbers the way the seed notes and textbooks
// do: relative to each side's initial sequence number, x for the client (or
// A) and y for the server (or B), primed for later connections (seq=x+1,
// ack=y+1); and in the close, u for the first FIN's sequence number, v for
// the other side's when it acknowledges that FIN, w for the other side's
// own FIN (the final ACK is seq=u+1, ack=w+1). A name is used from the step
// its number first appears, and only for the connection it belongs to.
type Numbering struct {
	space int
	bases [2][]base
}

type base struct {
	value uint8
	inc   uint8 // the connection (incarnation) of the side it belongs to
	name  string
	step  int  // first step it names a number in (-1: the initial state)
	isn   bool // an initial sequence number, not a name from the close
}

// NewNumbering collects the names along a trace.
func NewNumbering(sys *model.System, tr *Trace) *Numbering {
	nb := &Numbering{space: sys.Config().SeqSpace}
	primes := map[[2]uint8]string{} // (side, inc) -> the primes of its ISN name
	see := func(s model.State, step int) {
		for side := model.A; side <= model.B; side++ {
			ep := s.Ends[side]
			if !ep.HasTCB() {
				continue
			}
			known := false
			isns := 0
			for _, b := range nb.bases[side] {
				if b.isn {
					known = known || b.value == ep.ISS && b.inc == ep.Inc
					isns++
				}
			}
			if !known {
				p := strings.Repeat("'", isns)
				if _, ok := primes[[2]uint8{uint8(side), ep.Inc}]; !ok {
					primes[[2]uint8{uint8(side), ep.Inc}] = p
				}
				nb.bases[side] = append(nb.bases[side], base{ep.ISS, ep.Inc, [2]string{"x", "y"}[side] + p, step, true})
			}
		}
	}
	// The close: who sent the first FIN of a connection (u), who answered
	// (v, then w).
	role := map[[2]uint8]byte{}
	uValue := map[[2]uint8]uint8{}
	closeNames := func(side model.Side, ep model.Endpoint, seg model.Segment, step int) {
		me, peer := [2]uint8{uint8(side), ep.Inc}, [2]uint8{uint8(side.Other()), ep.PeerInc}
		add := func(letter string) {
			nb.bases[side] = append(nb.bases[side], base{seg.Seq(), ep.Inc, letter + primes[me], step, false})
		}
		switch {
		case seg.Has(model.RST) || seg.Has(model.SYN):
		case seg.Has(model.FIN) && role[me] == 0 && role[peer] == 'u':
			role[me] = 'w'
			add("w")
		case seg.Has(model.FIN) && role[me] == 0:
			role[me], uValue[me] = 'u', seg.Seq()
			add("u")
		case seg.Has(model.ACK) && role[me] == 0 && role[peer] == 'u' && seg.Ack() == uint8((int(uValue[peer])+1)%nb.space):
			role[me] = 'v'
			add("v")
		case seg.Has(model.FIN) && role[me] == 'v':
			role[me] = 'w'
			add("w")
		}
	}
	see(tr.Start, -1)
	for i, ps := range tr.Steps {
		see(ps.State, i)
		ep := ps.State.Ends[ps.Step.Side]
		if k := ps.Step.Kind; k == model.Call || k == model.Timeout || k == model.Deliver || k == model.Forge {
			for _, seg := range ps.Step.Sent() {
				closeNames(ps.Step.Side, ep, seg, i)
			}
		}
	}
	return nb
}

// NameAt writes a number of side's sequence space as it is named at a
// step: by the nearest name of connection inc at or below it, the latest
// introduced on a tie; failing that, by a name of another connection
// close below it; failing that, as a number.
func (nb *Numbering) NameAt(side model.Side, v uint8, inc uint8, step int) string {
	return nb.nameAt(side, v, inc, step, false)
}

// nameAt prefers, on a tie, the initial sequence number's name when
// handshake is set (a SYN's numbers are the handshake's), the latest name
// otherwise.
func (nb *Numbering) nameAt(side model.Side, v uint8, inc uint8, step int, handshake bool) string {
	best, bestOff, bestStep, found := "", 0, 0, false
	bestISN := false
	consider := func(match bool, limit int) {
		for _, b := range nb.bases[side] {
			if b.step > step || (b.inc == inc) != match {
				continue
			}
			off := (int(v) - int(b.value) + nb.space) % nb.space
			if off > limit {
				continue
			}
			better := !found || off < bestOff
			if found && off == bestOff {
				better = handshake && b.isn && !bestISN || !(handshake && bestISN && !b.isn) && b.step >= bestStep
			}
			if better {
				best, bestOff, bestStep, bestISN, found = b.name, off, b.step, b.isn, true
			}
		}
	}
	consider(true, nb.space/2-1)
	if !found {
		consider(false, nb.space/4)
	}
	switch {
	case !found:
		return fmt.Sprint(v)
	case bestOff == 0:
		return best
	}
	return fmt.Sprintf("%s+%d", best, bestOff)
}

// Name is NameAt with every name known.
func (nb *Numbering) Name(side model.Side, v uint8, inc uint8) string {
	return nb.NameAt(side, v, inc, math.MaxInt)
}

// Legend gives the values the names stand for.
func (nb *Numbering) Legend(sys *model.System) string {
	var isns, closes []string
	for side := model.A; side <= model.B; side++ {
		for _, b := range nb.bases[side] {
			if b.isn {
				isns = append(isns, fmt.Sprintf("%s=%d", b.name, b.value))
			}
		}
	}
	for side := model.A; side <= model.B; side++ {
		for _, b := range nb.bases[side] {
			if !b.isn {
				closes = append(closes, fmt.Sprintf("%s=%s", b.name, nb.isnName(side, b)))
			}
		}
	}
	if len(isns) == 0 {
		return ""
	}
	s := fmt.Sprintf("initial sequence numbers: %s (sequence space %d)", strings.Join(isns, ", "), nb.space)
	if len(closes) > 0 {
		s += "; in the close " + strings.Join(closes, ", ")
	}
	return s
}

// isnName writes a close name's number relative to its connection's ISN.
func (nb *Numbering) isnName(side model.Side, c base) string {
	for _, b := range nb.bases[side] {
		if b.isn && b.inc == c.inc {
			off := (int(c.value) - int(b.value) + nb.space) % nb.space
			if off == 0 {
				return b.name
			}
			return fmt.Sprintf("%s+%d", b.name, off)
		}
	}
	return fmt.Sprint(c.value)
}

// Segment writes a segment as the seed notes do: "SYN=1, ACK=1, seq=y,
// ack=x+1". from is the side that sent it and peerInc the incarnation of
// the receiver that the sender was talking to.
func (nb *Numbering) Segment(s model.Segment, from model.Side, peerInc uint8) string {
	return nb.SegmentAt(s, from, peerInc, math.MaxInt)
}

// SegmentAt writes a segment sent at a step of the trace.
func (nb *Numbering) SegmentAt(s model.Segment, from model.Side, peerInc uint8, step int) string {
	var parts []string
	for _, f := range []struct {
		bit  uint8
		name string
	}{{model.SYN, "SYN"}, {model.FIN, "FIN"}, {model.RST, "RST"}, {model.ACK, "ACK"}} {
		if s.Has(f.bit) {
			parts = append(parts, f.name+"=1")
		}
	}
	syn := s.Has(model.SYN)
	parts = append(parts, "seq="+nb.nameAt(from, s.Seq(), s.Inc(), step, syn))
	if s.Has(model.ACK) {
		parts = append(parts, "ack="+nb.nameAt(from.Other(), s.Ack(), peerInc, step, syn))
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
	sl := newsegmentLabels(sys, nb)
	for i, ps := range tr.Steps {
		if tr.Cycle && i == tr.Loop {
			rows = append(rows, chartRow{marker: fmt.Sprintf("---- cycle: steps %d to %d repeat for ever ----", i+1, len(tr.Steps))})
		}
		sr := stepRows(sys, sl.step(i, ps), i+1, prev, ps)
		if i < len(tr.Notes) && tr.Notes[i] != "" {
			sr[0].note = joinNote(sr[0].note, tr.Notes[i])
		}
		rows = append(rows, sr...)
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

// segmentLabels follows the segments of a trace so that each is written
// the same way wherever it appears: as it was named when it was sent.
type segmentLabels struct {
	nb      *Numbering
	flights *Flights
	labels  []string
}

func newsegmentLabels(sys *model.System, nb *Numbering) *segmentLabels {
	return &segmentLabels{nb: nb, flights: NewFlights(sys)}
}

// stepLabels are the labels of one step's segments: the one it takes out
// of the network or copies, and those it sends.
type stepLabels struct {
	taken string
	sent  []string
}

// step follows step i of the trace and names its segments.
func (sl *segmentLabels) step(i int, ps model.PathStep) stepLabels {
	st := ps.Step
	var out stepLabels
	if st.Kind == model.Duplicate {
		if id := sl.flights.At(st.Side, int(st.Pos)); id >= 0 {
			out.taken = sl.labels[id]
		}
	}
	peerInc := ps.State.Ends[st.Side].PeerInc
	taken := sl.flights.Apply(st, func(seg model.Segment, copied bool) int {
		label := out.taken
		if !copied {
			label = sl.nb.SegmentAt(seg, st.Side, peerInc, i)
			out.sent = append(out.sent, label)
		}
		sl.labels = append(sl.labels, label)
		return len(sl.labels) - 1
	})
	if taken >= 0 {
		out.taken = sl.labels[taken]
	}
	if st.Kind == model.Forge {
		out.taken = ForgedLabel(sl.nb, ps, i)
	}
	return out
}

// ForgedLabel writes the segment a forge step delivers as if its target's
// peer had sent it, which is what the attacker pretends.
func ForgedLabel(nb *Numbering, ps model.PathStep, i int) string {
	st := ps.Step
	peer := ps.State.Ends[st.Side.Other()]
	seg := model.NewSegment(st.Seg.Ctl(), st.Seg.Seq(), st.Seg.Ack(), st.Seg.Data(), peer.Inc, 0)
	return nb.SegmentAt(seg, st.Side.Other(), peer.PeerInc, i)
}

func stepRows(sys *model.System, labels stepLabels, n int, before model.State, ps model.PathStep) []chartRow {
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
		if st.Refused && st.NRules > 0 {
			note += " -> " + sys.Table().Rule(int(st.Rules[0])).Why // the RFC's error answer
		}
		if st.NOut == 0 {
			r := chartRow{note: note}
			r.left, r.right = stateCells(side, stateName)
			rows = append(rows, r)
		}
		for k, label := range labels.sent {
			r := departure(side, label)
			if k == 0 {
				r.left, r.right = stateCells(side, stateName)
				r.note = note
			}
			rows = append(rows, r)
		}
	case model.Deliver:
		r := chartRow{seg: labels.taken}
		if side == model.B {
			r.larrow, r.rarr = "...", "-->"
		} else {
			r.larrow, r.rarr = "<--", "..."
		}
		r.left, r.right = stateCells(side, stateName)
		if st.Reordered {
			r.note = "arrives ahead of older segments"
		}
		if st.Seg.Inc() != before.Ends[side.Other()].Inc {
			// As the images say: its sender has started another connection.
			r.note = joinNote(r.note, "of an old connection")
		}
		rows = append(rows, arrival(r, st, labels.sent)...)
	case model.Lose, model.Duplicate:
		r := chartRow{larrow: "...", seg: labels.taken, rarr: "..."}
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
	case model.Forge:
		r := chartRow{seg: labels.taken, note: "forged by the attacker"}
		if side == model.B {
			r.larrow, r.rarr = "!!!", "-->"
		} else {
			r.larrow, r.rarr = "<--", "!!!"
		}
		r.left, r.right = stateCells(side, stateName)
		rows = append(rows, arrival(r, st, labels.sent)...)
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

// arrival ends the rows of a segment arriving: what became of it, then
// what the endpoint sent in answer.
func arrival(r chartRow, st model.Step, sent []string) []chartRow {
	if st.NRules == 0 {
		r.note = joinNote(r.note, "no rule applies: ignored")
	}
	if st.Relisten {
		r.note = joinNote(r.note, "TCB deleted, listening again")
	}
	rows := []chartRow{r}
	for _, label := range sent {
		rows = append(rows, departure(st.Side, label))
	}
	return rows
}

// joinNote appends to a step's note: another remark after "; ", the
// rules that fired and a parenthesis after a space.
func joinNote(a, b string) string {
	switch {
	case a == "":
		return b
	case strings.HasPrefix(b, "["), strings.HasPrefix(b, "("):
		return a + " " + b
	}
	return a + "; " + b
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
	case model.KeepAliveTimeout:
		return "idle: keep-alive probe"
	case model.FinWait2Timeout:
		return "FIN-WAIT-2 timeout"
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
