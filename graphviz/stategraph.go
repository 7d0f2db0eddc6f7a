package graphviz

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/emicklei/dot"
	"github.com/tcpmc/tcpmc/explore"
	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

// GraphOptions bound the global state graph.
type GraphOptions struct {
	// MaxNodes is the most nodes drawn; a larger graph is an error that
	// says how to make it smaller. 0 means DefaultMaxNodes.
	MaxNodes int
	// Collapse draws one node per pair of endpoint states, merging the
	// joint states that differ only in channel contents and variables.
	Collapse bool
	// MaxStates bounds the joint states explored (0: DefaultMaxStates).
	MaxStates int
	// Properties are the safety properties whose violations are
	// highlighted (all when empty).
	Properties []string
}

// Defaults of GraphOptions: a few hundred nodes is where a drawn graph
// stops being readable.
const (
	DefaultMaxNodes  = 300
	DefaultMaxStates = 1_000_000
)

// TooLargeError is returned when a state graph exceeds GraphOptions'
// bounds.
type TooLargeError struct {
	Limit    int  // MaxNodes, or MaxStates when collapsing
	Collapse bool // the joint states to collapse were too many
	Nodes    int  // when collapsing: the pairs of endpoint states found
}

func (e *TooLargeError) Error() string {
	switch {
	case e.Collapse && e.Nodes > 0:
		return fmt.Sprintf("state graph too large to draw: %d pairs of endpoint states, more than the limit of %d", e.Nodes, e.Limit)
	case e.Collapse:
		return fmt.Sprintf("state graph too large to draw: more than %d joint states to collapse", e.Limit)
	}
	return fmt.Sprintf("state graph too large to draw: more than %d states", e.Limit)
}

// StateGraph is the reachable global state graph of a configuration: each
// node a joint state (both endpoints and what is in flight), each edge a
// step of the model (a rule firing on a call, timer or arrival, or a
// fault). Nodes and edges that violate a safety property are highlighted.
type StateGraph struct {
	title    string
	config   string
	names    [2]string // the sides, as the command line calls them
	collapse bool
	states   int // joint states explored
	nodes    []graphNode
	edges    []graphEdge
	violated []string // properties violated anywhere in the graph
}

type graphNode struct {
	lines     []string // first line: the endpoints' states
	rank      int      // breadth-first depth
	initial   bool
	final     bool // a normal end: no connection left, nothing in flight
	violates  []string
	collapsed int // joint states merged into the node
}

type graphEdge struct {
	from, to int
	labels   []string
	more     int // labels left out of a merged edge
	violates []string
}

// maxEdgeLabels is how many distinct steps a merged edge lists.
const maxEdgeLabels = 3

// NewStateGraph draws the state graph explore builds for sys (bounded by
// MaxStates and the default memory limit). Edges are merged as they are
// walked, so that collapsing a large state space costs the memory of
// explore's graph, not a node per joint state.
func NewStateGraph(ctx context.Context, sys *model.System, opts GraphOptions) (*StateGraph, error) {
	if opts.MaxNodes <= 0 {
		opts.MaxNodes = DefaultMaxNodes
	}
	if opts.MaxStates <= 0 {
		opts.MaxStates = DefaultMaxStates
	}
	mon, err := properties.NewMonitor(sys, opts.Properties)
	if err != nil {
		return nil, err
	}
	limit := opts.MaxStates
	if !opts.Collapse {
		limit = min(limit, opts.MaxNodes)
	}
	g := &StateGraph{collapse: opts.Collapse, title: fmt.Sprintf("Reachable states of %s", sys.Variant().Name),
		config: configSummary(sys.Config()), names: [2]string{sys.SideName(model.A), sys.SideName(model.B)}}
	violated := map[string]bool{}
	note := func(list []string) {
		for _, p := range list {
			violated[p] = true
		}
	}

	// The graph comes from explore's search; walking it rebuilds the
	// joint states in breadth-first order, each with its successors.
	eg := explore.BuildGraph[model.State, model.Step](ctx, sys, explore.GraphOptions[model.State, model.Step]{
		MaxStates: uint64(limit) + 1, MaxMemory: explore.DefaultMaxMemory()})
	switch {
	case eg.Stopped == explore.Interrupted:
		return nil, ctx.Err()
	case eg.Stopped == explore.StateLimit && opts.Collapse:
		return nil, &TooLargeError{Limit: opts.MaxStates, Collapse: true}
	case eg.Stopped == explore.StateLimit:
		return nil, &TooLargeError{Limit: opts.MaxNodes}
	case !eg.Complete:
		return nil, fmt.Errorf("state graph search stopped: %s", eg.Stopped)
	}

	// The joint states drawn one node each (when not collapsing), the
	// depth of each joint state and the node it is drawn as.
	var states []model.State
	var nodeOf, depths []int
	pairNode := map[[2]model.TCPState]int{}
	// discover makes the node of the next joint state in breadth-first
	// order, the order explore numbered them in.
	discover := func(s model.State, depth int) {
		depths = append(depths, depth)
		node := len(g.nodes)
		if opts.Collapse {
			pair := [2]model.TCPState{s.Ends[model.A].State, s.Ends[model.B].State}
			if j, ok := pairNode[pair]; ok {
				node = j
			} else {
				pairNode[pair] = node
				g.nodes = append(g.nodes, graphNode{lines: []string{pairLine(pair)}})
			}
		} else {
			states = append(states, s)
			g.nodes = append(g.nodes, graphNode{rank: depth})
		}
		nodeOf = append(nodeOf, node)
		nd := &g.nodes[node]
		nd.collapsed++
		nd.initial = nd.initial || depth == 0
		nd.final = nd.final || sys.Final(s)
	}
	edgeOf := map[[2]int]int{}
	addEdge := func(a, b int, st model.Step, bad []string) {
		note(bad)
		g.nodes[b].violates = union(g.nodes[b].violates, bad)
		if opts.Collapse && a == b {
			return // a step within a pair of endpoint states
		}
		j, ok := edgeOf[[2]int{a, b}]
		if !ok {
			j = len(g.edges)
			edgeOf[[2]int{a, b}] = j
			g.edges = append(g.edges, graphEdge{from: a, to: b})
		}
		e := &g.edges[j]
		e.violates = union(e.violates, bad)
		label := stepLabel(sys, st)
		if opts.Collapse {
			// Out-of-order arrivals do the same as in-order ones here.
			label = strings.TrimSuffix(label, outOfOrder)
		}
		switch {
		case contains(e.labels, label):
		case len(e.labels) < maxEdgeLabels:
			e.labels = append(e.labels, label)
		default:
			e.more++
		}
	}

	init := sys.Initial()
	for _, k := range eg.Initial() {
		discover(init[k], 0)
	}
	explore.WalkGraph(sys, eg, func(i uint32, from model.State, succ []explore.Successor[model.State, model.Step]) {
		moves := 0 // successors that are not the environment's
		for _, sc := range succ {
			if !properties.Environment(sc.Label) {
				moves++
			}
			if int(sc.To) == len(nodeOf) {
				discover(sc.State, depths[i]+1)
			}
			addEdge(nodeOf[i], nodeOf[sc.To], sc.Label, mon.Step(from, sc.Label, sc.State))
		}
		bad := mon.State(from, moves)
		note(bad)
		g.nodes[nodeOf[i]].violates = union(g.nodes[nodeOf[i]].violates, bad)
	})
	g.states = int(eg.States)

	if opts.Collapse {
		if len(g.nodes) > opts.MaxNodes {
			return nil, &TooLargeError{Limit: opts.MaxNodes, Collapse: true, Nodes: len(g.nodes)}
		}
		for i := range g.nodes {
			g.nodes[i].lines = append(g.nodes[i].lines, plural(g.nodes[i].collapsed, "joint state"))
		}
		g.rankByEdges()
	} else {
		// Segments are named after the ISNs seen anywhere in the graph.
		trace := &properties.Trace{Start: states[0]}
		for _, s := range states[1:] {
			trace.Steps = append(trace.Steps, model.PathStep{State: s})
		}
		nb := properties.NewNumbering(sys, trace)
		seen := map[string][]int{}
		for i, s := range states {
			g.nodes[i].lines = stateLines(sys, nb, s)
			k := strings.Join(g.nodes[i].lines, "\n")
			seen[k] = append(seen[k], i)
		}
		// Joint states that look alike differ in what the summary leaves
		// out: say how many connections each side has opened, then number
		// what still looks alike.
		for _, same := range seen {
			if len(same) < 2 {
				continue
			}
			again := map[string]int{}
			for _, i := range same {
				e := states[i].Ends
				line := fmt.Sprintf("opened %d | %d", e[model.A].Opens, e[model.B].Opens)
				if e[model.A].Crashes+e[model.B].Crashes > 0 {
					line += fmt.Sprintf(", crashed %d | %d", e[model.A].Crashes, e[model.B].Crashes)
				}
				again[line]++
				if again[line] > 1 {
					line += fmt.Sprintf(" (#%d)", again[line])
				}
				g.nodes[i].lines = append(g.nodes[i].lines, line)
			}
		}
	}
	for p := range violated {
		g.violated = append(g.violated, p)
	}
	sort.Strings(g.violated)
	return g, nil
}

const outOfOrder = " (out of order)"

// rankByEdges ranks collapsed nodes by their distance from the initial
// node in the collapsed graph: the depth of the first joint state merged
// into a node can be far larger and would stretch the drawing.
func (g *StateGraph) rankByEdges() {
	adj := make([][]int, len(g.nodes))
	for _, e := range g.edges {
		adj[e.from] = append(adj[e.from], e.to)
	}
	var queue []int
	for i := range g.nodes {
		g.nodes[i].rank = -1
		if g.nodes[i].initial {
			g.nodes[i].rank = 0
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, m := range adj[n] {
			if g.nodes[m].rank < 0 {
				g.nodes[m].rank = g.nodes[n].rank + 1
				queue = append(queue, m)
			}
		}
	}
}

// States is the number of joint states explored; Nodes and Edges the size
// of the graph drawn.
func (g *StateGraph) States() int { return g.states }
func (g *StateGraph) Nodes() int  { return len(g.nodes) }
func (g *StateGraph) Edges() int  { return len(g.edges) }

// Violated lists the safety properties violated somewhere in the graph.
func (g *StateGraph) Violated() []string { return g.violated }

func union(a, b []string) []string {
	for _, s := range b {
		if !contains(a, s) {
			a = append(a, s)
		}
	}
	return a
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func pairLine(p [2]model.TCPState) string { return p[0].String() + " | " + p[1].String() }

// stateLines summarises a joint state: the endpoints' states, then the
// segments in flight each way, oldest first.
func stateLines(sys *model.System, nb *properties.Numbering, s model.State) []string {
	lines := []string{pairLine([2]model.TCPState{s.Ends[model.A].State, s.Ends[model.B].State})}
	for side := model.A; side <= model.B; side++ {
		var segs []string
		for _, seg := range s.Net[side][:s.Count[side]] {
			segs = append(segs, compactSegment(nb, seg, side, s.Ends[side].PeerInc))
		}
		if len(segs) > 0 {
			lines = append(lines, [2]string{"→ ", "← "}[side]+strings.Join(segs, "; "))
		}
	}
	return lines
}

// compactSegment writes a segment as the seed notes do, without the "=1"
// of each flag: "SYN,ACK seq=y ack=x+1".
func compactSegment(nb *properties.Numbering, seg model.Segment, from model.Side, peerInc uint8) string {
	full := nb.Segment(seg, from, peerInc)
	var flags, fields []string
	for _, part := range strings.Split(full, ", ") {
		if name, ok := strings.CutSuffix(part, "=1"); ok && strings.ToUpper(name) == name {
			flags = append(flags, name)
		} else {
			fields = append(fields, part)
		}
	}
	return strings.Join(flags, ",") + " " + strings.Join(fields, " ")
}

// stepLabel names a step briefly: who did what.
func stepLabel(sys *model.System, st model.Step) string {
	who := sys.SideName(st.Side)
	flags := func(seg model.Segment) string {
		var f []string
		for _, b := range []struct {
			bit  uint8
			name string
		}{{model.SYN, "SYN"}, {model.FIN, "FIN"}, {model.RST, "RST"}, {model.ACK, "ACK"}} {
			if seg.Has(b.bit) {
				f = append(f, b.name)
			}
		}
		s := strings.Join(f, ",")
		if seg.Data() {
			s += "+data"
		}
		return s
	}
	switch st.Kind {
	case model.Call, model.Timeout:
		return who + " " + eventNote(st)
	case model.Deliver:
		s := who + " rcv " + flags(st.Seg)
		if st.Reordered {
			s += outOfOrder
		}
		return s
	case model.Lose:
		return "lose " + flags(st.Seg)
	case model.Duplicate:
		return "duplicate " + flags(st.Seg)
	case model.Crash:
		return who + " crashes"
	case model.Forge:
		return who + " rcv forged " + flags(st.Seg)
	}
	return st.Kind.String()
}

// configSummary writes the configuration as the command line sets it.
func configSummary(c model.Config) string {
	var parts []string
	for _, st := range c.Settings() {
		parts = append(parts, st.Name+" "+st.Value)
	}
	return strings.Join(parts, ", ")
}

// Node and edge colours of the state graph.
const (
	nodeFill      = "#f3f6fb"
	nodeStroke    = "#38598b"
	badFill       = "#fde2e1"
	badStroke     = "#c0392b"
	finalFill     = "#e6f2e6"
	initialStroke = "#1f3a66"
)

func (n graphNode) colors() (fill, stroke string, width float64) {
	switch {
	case len(n.violates) > 0:
		return badFill, badStroke, 2.2
	case n.initial:
		return nodeFill, initialStroke, 2.4
	case n.final:
		return finalFill, "#3b7a3b", 1.4
	}
	return nodeFill, nodeStroke, 1.1
}

func (n graphNode) text() []string {
	lines := n.lines
	if len(n.violates) > 0 {
		lines = append(append([]string(nil), lines...), "violates "+strings.Join(n.violates, ", "))
	}
	return lines
}

func (e graphEdge) text() []string {
	lines := e.labels
	if e.more > 0 {
		lines = append(append([]string(nil), lines...), fmt.Sprintf("(+%d more)", e.more))
	}
	return lines
}

const (
	graphFont   = 10
	graphLine   = 12.5
	graphBold   = 10.5
	graphMargin = 10
)

// Drawing lays the graph out with tcpmc's own layered layout, one row per
// breadth-first depth.
func (g *StateGraph) Drawing() *Drawing {
	nodes := make([]layoutNode, len(g.nodes))
	for i, n := range g.nodes {
		w := 0.0
		for k, l := range n.text() {
			w = max(w, textWidth(l, graphFont, k == 0))
		}
		nodes[i] = layoutNode{w: w + 2*graphMargin, h: float64(len(n.text()))*graphLine + 10, rank: n.rank, box: true}
	}
	edges := make([]layoutEdge, len(g.edges))
	for i, e := range g.edges {
		w := 0.0
		for _, l := range e.text() {
			w = max(w, textWidth(l, graphFont-1, false))
		}
		edges[i] = layoutEdge{from: e.from, to: e.to, labelW: w, labelH: float64(len(e.text())) * (graphLine - 1)}
	}
	p := layered(nodes, edges)
	const top = 56
	d := &Drawing{Width: max(p.w, textWidth(g.legend(), graphFont, false)+2*layoutMargin, textWidth(g.config, graphFont, false)+2*layoutMargin), Height: p.h + top + 40}
	d.text(Text{X: layoutMargin, Y: 24, S: g.title, Size: 13, Bold: true})
	d.text(Text{X: layoutMargin, Y: 42, S: g.config, Size: graphFont, Color: "#555555"})
	shift := func(pt Point) Point { return Point{pt.X, pt.Y + top} }
	for i, e := range g.edges {
		color, width := "#555555", 1.0
		if len(e.violates) > 0 {
			color, width = badStroke, 2.2
		}
		pts := make([]Point, len(p.paths[i]))
		for k, pt := range p.paths[i] {
			pts[k] = shift(pt)
		}
		d.line(Line{Points: pts, Curve: true, Color: color, Width: width, Arrow: true})
	}
	for i, e := range g.edges {
		at := shift(p.label[i])
		lines := e.text()
		color := "#333333"
		if len(e.violates) > 0 {
			color = badStroke
		}
		y := at.Y - float64(len(lines)-1)*(graphLine-1)/2 + ascent(graphFont-1)/2
		for k, l := range lines {
			d.text(Text{X: at.X, Y: y + float64(k)*(graphLine-1), S: l, Size: graphFont - 1, Color: color, Background: "#ffffff"})
		}
	}
	for i, n := range g.nodes {
		c := shift(p.nodes[i])
		ln := nodes[i]
		fill, stroke, width := n.colors()
		d.shape(Shape{Kind: RoundBox, X: c.X - ln.w/2, Y: c.Y - ln.h/2, W: ln.w, H: ln.h, Fill: fill, Stroke: stroke, StrokeWidth: width})
		lines := n.text()
		y := c.Y - float64(len(lines)-1)*graphLine/2 + ascent(graphFont)/2
		for k, l := range lines {
			t := Text{X: c.X, Y: y + float64(k)*graphLine, S: l, Size: graphFont, Bold: k == 0, Anchor: Middle, Color: "#1a1a1a"}
			if k > 0 && strings.HasPrefix(l, "violates ") {
				t.Color = badStroke
			}
			d.text(t)
		}
	}
	d.text(Text{X: layoutMargin, Y: d.Height - 16, S: g.legend(), Size: graphFont, Color: "#555555"})
	return d
}

func (g *StateGraph) legend() string {
	a, b := g.names[0], g.names[1]
	s := fmt.Sprintf("%s | %s states; → segments in flight to the %s, ← to the %s; thick border: initial state; green: normal end; red: violates a safety property", a, b, b, a)
	if g.collapse {
		s = fmt.Sprintf("%s | %s states, each node merging the joint states with that pair; thick border: initial; green: normal end; red: violates a safety property", a, b)
	}
	return s
}

// DOT writes the graph for Graphviz, which ranks it by itself.
func (g *StateGraph) DOT() *dot.Graph {
	dg := dot.NewGraph(dot.Directed)
	dg.Attr("label", g.title+"\n"+g.config+"\n"+strings.ReplaceAll(g.legend(), "; ", "\n"))
	dg.Attr("labelloc", "t")
	dg.Attr("fontname", "Helvetica")
	dg.Attr("fontsize", "12")
	dg.Attr("nodesep", "0.35")
	dg.Attr("ranksep", "0.5")
	ids := make([]dot.Node, len(g.nodes))
	for i, n := range g.nodes {
		fill, stroke, width := n.colors()
		nd := dg.Node(fmt.Sprintf("s%d", i)).Label(strings.Join(n.text(), "\n")).Box()
		nd.Attr("style", "rounded,filled").Attr("fillcolor", fill).Attr("color", stroke).Attr("penwidth", fmt.Sprint(width))
		nd.Attr("fontname", "Helvetica").Attr("fontsize", "10")
		ids[i] = nd
	}
	for _, e := range g.edges {
		ed := dg.Edge(ids[e.from], ids[e.to], strings.Join(e.text(), "\n"))
		ed.Attr("fontname", "Helvetica").Attr("fontsize", "9")
		if len(e.violates) > 0 {
			ed.Attr("color", badStroke).Attr("fontcolor", badStroke).Attr("penwidth", "2")
		} else {
			ed.Attr("color", "#555555")
		}
	}
	return dg
}
