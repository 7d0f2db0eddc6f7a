package graphviz

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/emicklei/dot"
	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

// edgeKind is how a transition of the endpoint diagram is drawn.
type edgeKind uint8

const (
	plainEdge   edgeKind = iota
	clientPath           // the client's usual path: active open, active close
	serverPath           // the server's usual path: passive open, passive close
	errorEdge            // RST, ABORT, giving up: left out of RFC 9293's Figure 5
	addedEdge            // the variant adds or changes it
	removedEdge          // the variant removes it
)

// transition is an edge of the endpoint state diagram: every rule that
// moves from one state to another, merged by state pair.
type transition struct {
	from, to model.TCPState
	labels   []string
	kind     edgeKind
}

var (
	// diagramRank places the states on rows as RFC 9293's Figure 5 does.
	diagramRank = [...]int{model.Closed: 0, model.Listen: 1, model.SynSent: 2, model.SynReceived: 2,
		model.Established: 3, model.FinWait1: 4, model.CloseWait: 4, model.FinWait2: 5, model.Closing: 5,
		model.LastAck: 5, model.TimeWait: 6}
	rstInGuard = regexp.MustCompile(`(^|[^!A-Z.])RST\b`)
)

// isError reports whether a rule handles an error: ABORT, giving up after
// the retry limit, or a RST that deletes the connection. RFC 9293's
// Figure 5 leaves these out (its note 3).
func isError(r model.RuleInfo) bool {
	if r.Event == model.Abort || r.Event == model.UserTimeout {
		return true
	}
	return r.Event == model.SegmentArrives && r.Next == model.Closed && rstInGuard.MatchString(r.If)
}

// ruleTransitions merges the rules that change state into transitions,
// one per pair of states, with the error transitions of a pair (RST,
// ABORT, giving up) drawn apart from its usual ones. The client's and the
// server's usual paths are those a fault-free connection of the variant
// takes (usualPaths).
func ruleTransitions(v *model.Variant, errors bool) ([]transition, error) {
	t, err := model.CompileTable(v.Rules, v.Macros)
	if err != nil {
		return nil, err
	}
	type key struct {
		from, to model.TCPState
		isError  bool
	}
	var out []transition
	index := map[key]int{}
	for _, r := range t.Rules() {
		if !r.Changes || (!errors && isError(r)) {
			continue
		}
		label := r.Label
		if label == "" {
			label = r.Name
		}
		for _, from := range r.States {
			if from == r.Next {
				continue
			}
			k := key{from, r.Next, isError(r)}
			i, ok := index[k]
			if !ok {
				i = len(out)
				index[k] = i
				kind := plainEdge
				if k.isError {
					kind = errorEdge
				}
				out = append(out, transition{from: from, to: r.Next, kind: kind})
			}
			if !contains(out[i].labels, label) {
				out[i].labels = append(out[i].labels, label)
			}
		}
	}
	client, server, err := usualPaths(v)
	if err != nil {
		return nil, err
	}
	for i := range out {
		pair := [2]model.TCPState{out[i].from, out[i].to}
		switch {
		case out[i].kind == errorEdge:
		case client[pair]:
			out[i].kind = clientPath
		case server[pair]:
			out[i].kind = serverPath
		}
	}
	return out, nil
}

// usualPaths runs a fault-free connection of the variant (the client
// opens and closes first, no data) and collects the state changes of each
// side: the client's usual path and the server's. The server's passive
// OPEN happens before the run starts.
func usualPaths(v *model.Variant) (client, server map[[2]model.TCPState]bool, err error) {
	cfg := model.DefaultConfig()
	cfg.Loss, cfg.Dup, cfg.Reorder, cfg.Crash = 0, 0, 0, 0
	cfg.Data, cfg.Incarnations, cfg.Close, cfg.Open = [2]int{}, 1, model.CloseClient, model.ClientServer
	sys, err := model.NewSystem(v, cfg)
	if err != nil {
		return nil, nil, err
	}
	client = map[[2]model.TCPState]bool{}
	server = map[[2]model.TCPState]bool{{model.Closed, model.Listen}: true}
	s := sys.Initial()[0]
	for range 200 {
		// Deliveries first, then calls, then timers: what a network
		// without faults and an application without haste would do.
		var best *model.PathStep
		rank := func(st model.Step) int {
			switch st.Kind {
			case model.Deliver:
				return 0
			case model.Call:
				return 1
			}
			return 2
		}
		sys.Successors(s, func(st model.Step, t model.State) {
			if !properties.Environment(st) && (best == nil || rank(st) < rank(best.Step)) {
				best = &model.PathStep{Step: st, State: t}
			}
		})
		if best == nil {
			break
		}
		for side, paths := range [2]map[[2]model.TCPState]bool{client, server} {
			a, b := s.Ends[side].State, best.State.Ends[side].State
			if a != b {
				paths[[2]model.TCPState{a, b}] = true
			}
		}
		s = best.State
		if sys.Final(s) {
			break
		}
	}
	return client, server, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// diagramTransitions gives a variant's transitions; for a variant other
// than rfc9293, those it adds or changes and those it removes are marked.
func diagramTransitions(v *model.Variant, errors bool) ([]transition, error) {
	trs, err := ruleTransitions(v, errors)
	if err != nil {
		return nil, err
	}
	if v.Name == "rfc9293" {
		return trs, nil
	}
	base, err := ruleTransitions(model.RFC9293(), errors)
	if err != nil {
		return nil, err
	}
	type key struct {
		from, to model.TCPState
		isError  bool
	}
	keyOf := func(t transition) key { return key{t.from, t.to, t.kind == errorEdge} }
	baseLabels := map[key]string{}
	for _, b := range base {
		baseLabels[keyOf(b)] = strings.Join(b.labels, "\n")
	}
	now := map[key]bool{}
	for i := range trs {
		k := keyOf(trs[i])
		now[k] = true
		if l, ok := baseLabels[k]; !ok || l != strings.Join(trs[i].labels, "\n") {
			trs[i].kind = addedEdge
		}
	}
	for _, b := range base {
		if !now[keyOf(b)] {
			b.kind = removedEdge
			b.labels = append(b.labels, "(removed)")
			trs = append(trs, b)
		}
	}
	return trs, nil
}

type edgeStyle struct {
	color string
	width float64
	dash  []float64
	dot   string // DOT style
	name  string // how the legend of a DOT image calls it
}

var edgeStyles = map[edgeKind]edgeStyle{
	plainEdge:   {"#333333", 1.1, nil, "solid", "thin black"},
	clientPath:  {"#1f5fbf", 2.4, nil, "bold", "thick blue"},
	serverPath:  {"#c0392b", 2.4, []float64{8, 5}, "dashed", "thick dashed red"},
	errorEdge:   {"#8c8c8c", 1, []float64{2, 3}, "dotted", "dotted grey"},
	addedEdge:   {"#1e8a3e", 2.4, nil, "bold", "thick green"},
	removedEdge: {"#b8b8b8", 1.2, []float64{5, 4}, "dashed", "dashed light grey"},
}

const (
	diagramFont = 10.5
	stateSize   = 12
	lineHeight  = 13
)

// StateDiagram draws a variant's endpoint state diagram, generated from
// its rule table: the 11 states, a transition for every rule that changes
// state, labelled as RFC 9293's Figure 5 labels them.
type StateDiagram struct {
	variant *model.Variant
	trs     []transition
	errors  bool
}

// NewStateDiagram builds the diagram of a variant. With errors, the
// transitions on RST, ABORT and giving up are drawn too.
func NewStateDiagram(v *model.Variant, errors bool) (*StateDiagram, error) {
	trs, err := diagramTransitions(v, errors)
	if err != nil {
		return nil, err
	}
	return &StateDiagram{variant: v, trs: trs, errors: errors}, nil
}

func (sd *StateDiagram) title() string {
	if sd.variant.Name == "rfc9293" {
		return "TCP connection states (RFC 9293), generated from tcpmc's rule table"
	}
	return fmt.Sprintf("TCP connection states: variant %s (%s)", sd.variant.Name, sd.variant.Description)
}

func (sd *StateDiagram) legend() []legendEntry {
	l := []legendEntry{{clientPath, "client's usual path (active open, active close)"}, {serverPath, "server's usual path (passive open, passive close)"}}
	if sd.variant.Name != "rfc9293" {
		l = append(l, legendEntry{addedEdge, "changed by the variant"}, legendEntry{removedEdge, "removed by the variant"})
	}
	if sd.errors {
		l = append(l, legendEntry{errorEdge, "RST, ABORT, giving up"})
	}
	return l
}

type legendEntry struct {
	kind edgeKind
	text string
}

// closedBelow is the index of the second drawing of CLOSED: as in RFC
// 9293's Figure 5, connections start from CLOSED at the top and end in
// CLOSED at the bottom, so that the diagram reads downwards.
const closedBelow = int(model.TimeWait) + 1

// target is the node an edge into a state is drawn to.
func target(t transition) int {
	if t.to == model.Closed && diagramRank[t.from] >= diagramRank[model.Established] {
		return closedBelow
	}
	return int(t.to)
}

// edgeClass names a transition in SVG, "edge e-FROM_TO", so that a page
// can light up the transition a step takes.
func edgeClass(t transition) string { return "edge e-" + t.from.String() + "_" + t.to.String() }

// Drawing lays the diagram out with tcpmc's own layered layout.
func (sd *StateDiagram) Drawing() *Drawing {
	states := append(model.AllStates(), model.Closed)
	nodes := make([]layoutNode, len(states))
	for i, s := range states {
		rank := diagramRank[s]
		if i == closedBelow {
			rank = diagramRank[model.TimeWait] + 1
		}
		nodes[i] = layoutNode{w: textWidth(s.String(), stateSize, true)*1.15 + 28, h: 34, rank: rank}
	}
	edges := make([]layoutEdge, len(sd.trs))
	for i, t := range sd.trs {
		w := 0.0
		for _, l := range t.labels {
			w = max(w, textWidth(l, diagramFont, false))
		}
		edges[i] = layoutEdge{from: int(t.from), to: target(t), labelW: w, labelH: float64(len(t.labels)) * lineHeight}
	}
	p := layered(nodes, edges)
	const top = 40
	legendH := float64(len(sd.legend()))*16 + 14
	d := &Drawing{Width: max(p.w, 560), Height: p.h + top + legendH}
	d.text(Text{X: layoutMargin, Y: 24, S: sd.title(), Size: 13, Bold: true})
	shift := func(pt Point) Point { return Point{pt.X, pt.Y + top} }
	for i, t := range sd.trs {
		st := edgeStyles[t.kind]
		pts := make([]Point, len(p.paths[i]))
		for k, pt := range p.paths[i] {
			pts[k] = shift(pt)
		}
		d.line(Line{Points: pts, Curve: true, Color: st.color, Width: st.width, Dash: st.dash, Arrow: true, Class: edgeClass(t)})
	}
	for i, t := range sd.trs {
		st := edgeStyles[t.kind]
		at := shift(p.label[i])
		y := at.Y - float64(len(t.labels)-1)*lineHeight/2 + ascent(diagramFont)/2
		for k, l := range t.labels {
			d.text(Text{X: at.X, Y: y + float64(k)*lineHeight, S: l, Size: diagramFont, Color: labelColor(st.color), Background: "#ffffff", Class: edgeClass(t) + "-label"})
		}
	}
	for i, s := range states {
		c := shift(p.nodes[i])
		n := nodes[i]
		d.shape(Shape{Kind: Ellipse, X: c.X - n.w/2, Y: c.Y - n.h/2, W: n.w, H: n.h, Fill: "#f3f6fb", Stroke: "#38598b", StrokeWidth: 1.4, Class: "state s-" + s.String()})
		d.text(Text{X: c.X, Y: c.Y + ascent(stateSize)/2, S: s.String(), Size: stateSize, Bold: true, Anchor: Middle})
	}
	y := p.h + top + 6
	for _, e := range sd.legend() {
		st := edgeStyles[e.kind]
		d.line(Line{Points: []Point{{layoutMargin, y}, {layoutMargin + 40, y}}, Color: st.color, Width: st.width, Dash: st.dash, Arrow: true})
		d.text(Text{X: layoutMargin + 50, Y: y + 4, S: e.text, Size: diagramFont})
		y += 16
	}
	return d
}

func labelColor(c string) string {
	if c == "#b8b8b8" {
		return "#999999"
	}
	if c == "#8c8c8c" || c == "#333333" {
		return "#222222"
	}
	return c
}

// sameRank is the subgraph of the nodes on one rank. (AddToSameRank would
// do, but emicklei/dot v1.11.0 writes its groups in map order, and the
// DOT must not change from one run to the next; subgraphs are written
// sorted by name.)
func sameRank(g *dot.Graph, rank int) *dot.Graph {
	sub := g.Subgraph(fmt.Sprintf("rank%04d", rank))
	sub.Attr("rank", "same")
	sub.Delete("label")
	return sub
}

// DOT writes the diagram for Graphviz.
func (sd *StateDiagram) DOT() *dot.Graph {
	g := dot.NewGraph(dot.Directed)
	var legend []string
	for _, e := range sd.legend() {
		legend = append(legend, edgeStyles[e.kind].name+": "+e.text)
	}
	g.Attr("label", sd.title()+"\n"+strings.Join(legend, "\n"))
	g.Attr("labelloc", "t")
	g.Attr("fontname", "Helvetica-Bold")
	g.Attr("nodesep", "0.6")
	g.Attr("ranksep", "0.7")
	nodes := map[int]dot.Node{}
	first := map[int]dot.Node{} // a node of each rank
	for i, s := range append(model.AllStates(), model.Closed) {
		id, rank := s.String(), diagramRank[s]
		if i == closedBelow {
			id, rank = "CLOSED (end)", diagramRank[model.TimeWait]+1
		}
		n := sameRank(g, rank).Node(id).Label(s.String()).Attr("shape", "ellipse").Attr("style", "filled").
			Attr("fillcolor", "#f3f6fb").Attr("color", "#38598b").Attr("fontname", "Helvetica-Bold")
		nodes[i] = n
		if _, ok := first[rank]; !ok {
			first[rank] = n
		}
	}
	// Same-rank groups alone do not order the ranks: chain them with
	// invisible edges, and let edges that go back up not pull on the
	// layout.
	for r := 1; r < len(first); r++ {
		g.Edge(first[r-1], first[r]).Attr("style", "invis").Attr("weight", "0")
	}
	for _, t := range sd.trs {
		st := edgeStyles[t.kind]
		e := g.Edge(nodes[int(t.from)], nodes[target(t)], strings.Join(t.labels, "\n"))
		e.Attr("color", st.color).Attr("fontcolor", labelColor(st.color)).Attr("fontsize", "10").Attr("fontname", "Helvetica")
		e.Attr("style", st.dot).Attr("penwidth", fmt.Sprint(st.width))
		if diagramRank[t.from] > diagramRank[t.to] && target(t) != closedBelow {
			e.Attr("constraint", "false")
		}
	}
	return g
}
