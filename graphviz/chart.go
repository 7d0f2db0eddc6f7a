package graphviz

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/emicklei/dot"
	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

// chart is a counterexample as a message sequence chart: one row per step,
// two lifelines, and every segment an arrow from the step that sent it to
// the step that delivered or lost it.
type chart struct {
	mark   string // the property the last step violates
	title  string
	names  [2]string
	start  [2]string
	rows   []chartRow
	msgs   []message
	cycle  bool
	loop   int // first row of the cycle
	stuck  bool
	legend string
}

type chartRow struct {
	step  int
	state [2]string // state entered in this step, by side ("" if unchanged)
	note  [2]string // what the side did: OPEN, CLOSE, a timeout, a crash
}

type message struct {
	from      model.Side
	seg       model.Segment
	label     string
	send, end int // rows; send -1: before the chart; end -1: still in flight
	lost      bool
	forged    bool // made by the attacker: it arrives in the step it is sent
	dup       bool // a copy made by the network
	reordered bool
	stale     bool // its sender had started another connection when it arrived
}

// newChart follows every segment of a trace from the step that sent it.
func newChart(sys *model.System, tr *properties.Trace, title string) *chart {
	nb := properties.NewNumbering(sys, tr)
	c := &chart{title: title, cycle: tr.Cycle, loop: tr.Loop, stuck: tr.Stuck, legend: nb.Legend(sys)}
	for side := model.A; side <= model.B; side++ {
		c.names[side] = sys.SideName(side)
		c.start[side] = tr.Start.Ends[side].State.String()
	}
	flights := properties.NewFlights(sys)
	prev := tr.Start
	for i, ps := range tr.Steps {
		st, after := ps.Step, ps.State
		row := chartRow{step: i + 1}
		for side := model.A; side <= model.B; side++ {
			if after.Ends[side].State != prev.Ends[side].State || st.Relisten && side == st.Side {
				row.state[side] = after.Ends[side].State.String()
			}
		}
		taken := flights.Apply(st, func(seg model.Segment, copied bool) int {
			label := nb.SegmentAt(seg, st.Side, after.Ends[st.Side].PeerInc, i)
			if copied {
				label = c.msgs[flights.At(st.Side, int(st.Pos))].label
			}
			c.msgs = append(c.msgs, message{from: st.Side, seg: seg, label: label, send: i, end: -1, dup: copied})
			return len(c.msgs) - 1
		})
		if taken >= 0 {
			m := &c.msgs[taken]
			m.end = i
			m.lost = st.Kind == model.Lose
			m.reordered = st.Reordered
			m.stale = m.seg.Inc() != prev.Ends[m.from].Inc
		}
		if st.Kind == model.Forge {
			c.msgs = append(c.msgs, message{from: st.Side.Other(), seg: st.Seg, label: properties.ForgedLabel(nb, ps, i),
				send: i, end: i, forged: true})
		}
		switch st.Kind {
		case model.Forge:
			row.note[st.Side] = deliveryNote(prev.Ends[st.Side], st)
		case model.Call, model.Timeout:
			row.note[st.Side] = eventNote(st)
			if st.Refused {
				row.note[st.Side] += ": error"
			}
		case model.Deliver:
			row.note[st.Side] = deliveryNote(prev.Ends[st.Side], st)
		case model.Crash:
			row.note[st.Side] = "crash: TCB lost"
			row.state[st.Side] = "CLOSED"
		}
		c.rows = append(c.rows, row)
		prev = after
	}
	return c
}

// deliveryNote says what an arrival did when the arrow alone does not.
func deliveryNote(before model.Endpoint, st model.Step) string {
	switch {
	case st.NRules == 0:
		return "ignored"
	case st.Relisten:
		return "TCB deleted, listening again"
	case !before.HasTCB() && st.NOut > 0 && st.Out[0].Has(model.RST):
		return "no connection: answers RST"
	case st.Deleted && st.Seg.Has(model.RST):
		return "reset: TCB deleted"
	case st.Deleted:
		return "TCB deleted"
	case st.NOut == 0 && !st.Delivered && !st.Seg.Has(model.ACK):
		return "dropped"
	}
	return ""
}

func eventNote(st model.Step) string {
	switch st.Event {
	case model.OpenActive:
		return "OPEN"
	case model.OpenPassive:
		return "passive OPEN"
	case model.Send:
		return "SEND"
	case model.Close:
		return "CLOSE"
	case model.Abort:
		return "ABORT"
	case model.RetransmissionTimeout:
		return "timeout: retransmit"
	case model.UserTimeout:
		return "retry limit: give up"
	case model.TimeWaitTimeout:
		return "2 MSL timeout"
	case model.KeepAliveTimeout:
		return "keep-alive probe"
	case model.FinWait2Timeout:
		return "FIN-WAIT-2 timeout"
	}
	return st.Event.String()
}

// Chart geometry, in page units (points).
const (
	chartRowH    = 32
	chartTopH    = 78
	chartFont    = 11
	stateFont    = 11.5
	chartMargin  = 16
	lifelineGap  = 90 // added to the widest label
	sideColumn   = 150
	numberColumn = 28
)

// drawing lays the chart out: step numbers on the left, the client's
// states and notes left of its lifeline, the server's right of its own,
// segments as slanted arrows between them.
func (c *chart) drawing() *Drawing {
	labelW := 0.0
	for _, m := range c.msgs {
		labelW = max(labelW, textWidth(m.label+messageSuffix(m), chartFont, false))
	}
	sideW := float64(sideColumn)
	for _, r := range c.rows {
		for side := 0; side < 2; side++ {
			sideW = max(sideW, textWidth(r.state[side], stateFont, true)+20, textWidth(r.note[side], chartFont-1, false)+20)
		}
	}
	left := chartMargin + numberColumn + sideW
	right := left + labelW + lifelineGap
	width := right + sideW + chartMargin + 60 // room for a cycle bracket
	top := float64(chartTopH)
	if c.title != "" {
		top += 22
	}
	bottom := top + float64(len(c.rows)+1)*chartRowH
	height := bottom + 44
	d := &Drawing{Width: width, Height: height}
	rowY := func(i int) float64 { return top + float64(i+1)*chartRowH }
	x := [2]float64{left, right}
	// Invisible bands, one per step, under everything: a page lights up
	// the current step by its class.
	for i, r := range c.rows {
		d.shape(Shape{Kind: Box, X: 0, Y: rowY(i) - chartRowH/2, W: width, H: chartRowH, Class: fmt.Sprintf("step step-%d", r.step)})
	}

	if c.title != "" {
		d.text(Text{X: chartMargin, Y: 24, S: c.title, Size: 13, Bold: true})
	}
	// Lifelines with their names and initial states.
	for side := 0; side < 2; side++ {
		name := c.names[side]
		w := max(textWidth(name, 13, true)+24, 90)
		hy := top - 54
		d.shape(Shape{Kind: RoundBox, X: x[side] - w/2, Y: hy, W: w, H: 24, Fill: "#e8eef7", Stroke: "#38598b", StrokeWidth: 1.2})
		d.text(Text{X: x[side], Y: hy + 12 + ascent(13)/2, S: name, Size: 13, Bold: true, Anchor: Middle, Color: "#1f3a66"})
		d.line(Line{Points: []Point{{x[side], hy + 24}, {x[side], bottom}}, Color: "#9aa7b8", Width: 1.5})
		d.stateLabel(side, x[side], top-12, c.start[side])
	}
	for i, r := range c.rows {
		y := rowY(i)
		d.text(Text{X: chartMargin + numberColumn - 6, Y: y + ascent(chartFont)/2, S: fmt.Sprint(r.step), Size: chartFont, Color: "#777777", Anchor: End})
		for side := 0; side < 2; side++ {
			if r.state[side] != "" {
				d.stateLabel(side, x[side], y, r.state[side])
			}
			if r.note[side] != "" {
				dy := 0.0
				if r.state[side] != "" {
					dy = 13
				}
				pos, anchor := x[side]-10, End
				if side == 1 {
					pos, anchor = x[side]+10, Start
				}
				d.text(Text{X: pos, Y: y + ascent(chartFont)/2 + dy, S: r.note[side], Size: chartFont - 1, Color: "#6a4c93", Anchor: anchor})
			}
		}
	}
	// Segments: lines first, then their labels on top, each placed along
	// its arrow where it overlaps no label placed before it.
	type pending struct {
		a, b  Point
		text  string
		color string
	}
	var labels []pending
	for _, m := range c.msgs {
		from, to := x[m.from], x[1-m.from]
		y0 := top
		if m.send >= 0 {
			y0 = rowY(m.send)
		}
		color, dash := "#1f3a66", []float64(nil)
		if m.dup {
			color, dash = "#8a6d00", []float64{6, 4}
		}
		if m.forged {
			color, dash = "#cc0000", []float64{4, 3}
		}
		switch {
		case m.forged: // from the attacker, between the lifelines, to its target
			y1 := rowY(m.end)
			start := Point{from + (to-from)*0.35, y1 - 0.7*chartRowH}
			d.line(Line{Points: []Point{start, {to, y1}}, Color: color, Width: 1.6, Dash: dash, Arrow: true})
			d.text(Text{X: start.X + 6*sign(from-to), Y: start.Y + 4, S: "attacker", Size: chartFont - 1, Bold: true, Color: color, Anchor: anchorToward(from - to)})
			labels = append(labels, pending{start, Point{to, y1}, m.label + messageSuffix(m), color})
		case m.end < 0: // still in flight when the trace ends
			// A short dotted trail: where it would have gone is unknown.
			y1 := min(y0+1.5*chartRowH, bottom-6)
			mid := from + (to-from)*0.45
			d.line(Line{Points: []Point{{from, y0}, {mid, y1}}, Color: color, Width: 1.3, Dash: []float64{2, 3}})
			labels = append(labels, pending{Point{from, y0}, Point{mid, y1}, m.label + messageSuffix(m) + " (in flight)", color})
		case m.lost:
			y1 := rowY(m.end)
			end := from + (to-from)*0.72
			d.line(Line{Points: []Point{{from, y0}, {end, y1}}, Color: color, Width: 1.3, Dash: dash, CrossAtEnd: true})
			labels = append(labels, pending{Point{from, y0}, Point{end, y1}, m.label + messageSuffix(m), color})
			d.text(Text{X: end + 10*sign(to-from), Y: y1 + 4, S: "lost", Size: chartFont - 1, Color: "#cc0000", Anchor: anchorToward(to - from)})
		default:
			y1 := rowY(m.end)
			d.line(Line{Points: []Point{{from, y0}, {to, y1}}, Color: color, Width: 1.4, Dash: dash, Arrow: true})
			labels = append(labels, pending{Point{from, y0}, Point{to, y1}, m.label + messageSuffix(m), color})
		}
	}
	// Short arrows have the least room: place their labels first, each
	// where it covers the fewest labels and lines already drawn.
	sort.SliceStable(labels, func(i, j int) bool {
		return math.Abs(labels[i].b.Y-labels[i].a.Y) < math.Abs(labels[j].b.Y-labels[j].a.Y)
	})
	var taken []rect
	for _, it := range d.Items {
		if t := it.Text; t != nil && t.Anchor != Middle {
			w := textWidth(t.S, t.Size, t.Bold)
			x0 := t.X
			if t.Anchor == End {
				x0 -= w
			}
			taken = append(taken, rect{x0, t.Y - t.Size, w, t.Size + 4})
		}
	}
	var strokes [][2]Point
	for _, l := range labels {
		strokes = append(strokes, [2]Point{l.a, l.b})
	}
	// Keep labels off the ends of arrows, where they would be read as the
	// label of the arrow that starts or ends there.
	// The zone is wide: a label that ends just short of another arrow's
	// head reads as that arrow's label ("FIN ... -> LISTEN").
	ends := make([][2]rect, len(labels))
	for i, l := range labels {
		for k, p := range []Point{l.a, l.b} {
			ends[i][k] = rect{p.X - 48, p.Y - 11, 96, 22}
		}
	}
	for side := 0; side < 2; side++ {
		strokes = append(strokes, [2]Point{{x[side], top}, {x[side], bottom}})
	}
	for li, l := range labels {
		w, h := textWidth(l.text, chartFont, false)+6, float64(chartFont+4)
		var best rect
		bestCost := math.Inf(1)
		for t := 0.12; t <= 0.88; t += 0.02 {
			p := Point{l.a.X + (l.b.X-l.a.X)*t, l.a.Y + (l.b.Y-l.a.Y)*t}
			r := rect{p.X - w/2, p.Y - h/2, w, h}
			cost := math.Abs(t-0.5) * 20
			for _, q := range taken {
				cost += 50 * r.overlap(q)
			}
			margin := rect{r.x - 2, r.y - 2, r.w + 4, r.h + 4}
			for _, s := range strokes {
				if s != [2]Point{l.a, l.b} && margin.crosses(s[0], s[1]) {
					cost += 400
				}
			}
			for k, e := range ends {
				if k != li {
					cost += 30 * (r.overlap(e[0]) + r.overlap(e[1]))
				}
			}
			if cost < bestCost {
				best, bestCost = r, cost
			}
		}
		taken = append(taken, best)
		d.messageLabel(Point{best.x + w/2, best.y + h/2}, l.text, l.color)
	}
	// The cycle of a lasso, or where the execution gets stuck.
	if c.cycle && len(c.rows) > 0 {
		bx := right + sideW + 20
		y0, y1 := rowY(c.loop)-12, rowY(len(c.rows)-1)+8
		d.line(Line{Points: []Point{{bx - 8, y0}, {bx, y0}, {bx, y1}, {bx - 8, y1}}, Color: "#cc0000", Width: 2})
		d.line(Line{Points: []Point{{bx + 14, y1}, {bx + 14, y0}}, Color: "#cc0000", Width: 1.2, Arrow: true})
		d.text(Text{X: bx - 4, Y: y1 + 22, S: "repeats for ever", Size: chartFont, Bold: true, Color: "#cc0000", Anchor: End})
	}
	if c.stuck {
		d.text(Text{X: (left + right) / 2, Y: bottom + 14, S: "no step is possible: stuck here for ever", Size: chartFont, Bold: true, Color: "#cc0000", Anchor: Middle})
	}
	if c.mark != "" && !c.cycle && !c.stuck && len(c.rows) > 0 {
		d.text(Text{X: (left + right) / 2, Y: bottom + 14, S: fmt.Sprintf("step %d violates %s", len(c.rows), c.mark), Size: chartFont, Bold: true, Color: "#cc0000", Anchor: Middle})
	}
	if c.legend != "" {
		d.text(Text{X: chartMargin, Y: height - 12, S: c.legend, Size: chartFont - 1, Color: "#555555"})
	}
	return d
}

type rect struct{ x, y, w, h float64 }

// crosses reports whether the segment from a to b passes through r
// (Liang-Barsky clipping).
func (r rect) crosses(a, b Point) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := b.X-a.X, b.Y-a.Y
	for _, c := range [4][2]float64{{-dx, a.X - r.x}, {dx, r.x + r.w - a.X}, {-dy, a.Y - r.y}, {dy, r.y + r.h - a.Y}} {
		p, q := c[0], c[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = math.Max(t0, t)
		} else {
			t1 = math.Min(t1, t)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

func (r rect) overlap(q rect) float64 {
	w := math.Min(r.x+r.w, q.x+q.w) - math.Max(r.x, q.x)
	h := math.Min(r.y+r.h, q.y+q.h) - math.Max(r.y, q.y)
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

func anchorToward(dir float64) Anchor {
	if dir < 0 {
		return End
	}
	return Start
}

func messageSuffix(m message) string {
	var s []string
	if m.dup {
		s = append(s, "duplicate")
	}
	if m.forged {
		s = append(s, "forged by the attacker")
	}
	if m.reordered {
		s = append(s, "out of order")
	}
	if m.stale {
		s = append(s, "of an old connection")
	}
	if len(s) == 0 {
		return ""
	}
	return " (" + strings.Join(s, ", ") + ")"
}

// stateLabel writes a state beside a lifeline, with a tick on the line.
func (d *Drawing) stateLabel(side int, x, y float64, state string) {
	d.shape(Shape{Kind: Box, X: x - 4, Y: y - 4, W: 8, H: 8, Fill: "#38598b"})
	pos, anchor := x-10, End
	if side == 1 {
		pos, anchor = x+10, Start
	}
	d.text(Text{X: pos, Y: y + ascent(stateFont)/2, S: state, Size: stateFont, Bold: true, Anchor: anchor, Color: "#1a1a1a"})
}

func (d *Drawing) messageLabel(at Point, s, color string) {
	d.text(Text{X: at.X, Y: at.Y + ascent(chartFont)/2, S: s, Size: chartFont, Anchor: Middle, Color: color, Background: "#ffffff"})
}

// dotGraph writes the chart as DOT: a column of points per lifeline, the
// two points of a step on one rank and ordered by invisible edges, and the
// segments as edges that do not constrain the layout.
func (c *chart) dotGraph() *dot.Graph {
	g := dot.NewGraph(dot.Directed)
	g.NodeInitializer(func(n dot.Node) { n.Attr("fontname", "Helvetica") })
	g.EdgeInitializer(func(e dot.Edge) { e.Attr("fontname", "Helvetica") })
	g.Attr("rankdir", "TB")
	g.Attr("nodesep", "3")
	g.Attr("ranksep", "0.3")
	g.Attr("splines", "line")
	g.Attr("forcelabels", "true")
	g.Attr("fontname", "Helvetica")
	label := []string{c.title}
	if c.cycle {
		label = append(label, fmt.Sprintf("steps %d to %d repeat for ever", c.loop+1, len(c.rows)))
	}
	if c.stuck {
		label = append(label, "after the last step no step is possible: stuck here for ever")
	}
	if c.legend != "" {
		label = append(label, c.legend)
	}
	g.Attr("label", strings.Join(label, "\n"))
	g.Attr("labelloc", "t")
	sides := [2]string{"a", "b"}
	n := len(c.rows)
	// Row 0 holds the heads, row i the points after step i; the nodes of
	// a row are laid out left to right by invisible edges.
	rowNodes := make([][2]dot.Node, n+2)
	order := func(nodes ...dot.Node) {
		for k := 1; k < len(nodes); k++ {
			g.Edge(nodes[k-1], nodes[k]).Attr("style", "invis").Attr("weight", "0")
		}
	}
	for side := 0; side < 2; side++ {
		head := sameRank(g, 0).Node(sides[side] + "0").Box().Label(c.names[side] + "\n" + c.start[side])
		head.Attr("style", "rounded,filled").Attr("fillcolor", "#e8eef7").Attr("fontname", "Helvetica-Bold")
		rowNodes[0][side] = head
	}
	order(rowNodes[0][0], rowNodes[0][1])
	lost := map[int]dot.Node{}
	for i := 1; i <= n+1; i++ {
		var between []dot.Node
		for k, m := range c.msgs {
			if m.lost && m.end == i-1 {
				x := sameRank(g, i).Node(fmt.Sprintf("lost%d", k+1)).Attr("shape", "plaintext").Attr("fontcolor", "#cc0000").Label("X lost")
				lost[k] = x
				between = append(between, x)
			}
		}
		for side := 0; side < 2; side++ {
			pt := sameRank(g, i).Node(fmt.Sprintf("%s%d", sides[side], i)).Attr("shape", "point").Attr("width", "0.08").Label("")
			if i <= n {
				label := c.rows[i-1].state[side]
				if note := c.rows[i-1].note[side]; note != "" {
					label = strings.TrimSpace(label + " (" + note + ")")
				}
				if label != "" {
					pt.Attr("xlabel", label)
				}
			}
			g.Edge(rowNodes[i-1][side], pt).Attr("arrowhead", "none").Attr("color", "#9aa7b8").Attr("penwidth", "1.5").Attr("weight", "1000")
			rowNodes[i][side] = pt
		}
		order(append(append([]dot.Node{rowNodes[i][0]}, between...), rowNodes[i][1])...)
	}
	inflight := 0
	var flying []dot.Node
	for k, m := range c.msgs {
		from := rowNodes[m.send+1][m.from]
		var to dot.Node
		switch {
		case m.end < 0:
			inflight++
			to = sameRank(g, n+1).Node(fmt.Sprintf("inflight%d", inflight)).Attr("shape", "plaintext").Label("(in flight)")
			flying = append(flying, to)
		case m.lost:
			to = lost[k]
		default:
			to = rowNodes[m.end+1][1-m.from]
		}
		// An xlabel stays by its edge; a label of an edge that does not
		// constrain the layout is pushed aside.
		e := g.Edge(from, to).Attr("xlabel", m.label+messageSuffix(m)).Attr("constraint", "false").Attr("fontsize", "10").Attr("color", "#1f3a66")
		if m.dup {
			e.Dashed()
		}
		if m.lost {
			e.Attr("arrowhead", "none")
		}
	}
	if len(flying) > 0 {
		order(append(append([]dot.Node{rowNodes[n+1][0]}, flying...), rowNodes[n+1][1])...)
	}
	return g
}
