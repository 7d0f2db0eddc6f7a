package graphviz

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpmc/tcpmc/model"
	"github.com/tcpmc/tcpmc/properties"
)

var update = flag.Bool("update", false, "rewrite the golden DOT files and the README images in ../testdata")

// counterexample checks a built-in variant under its own configuration and
// returns the system and the counterexample of one property.
func counterexample(t *testing.T, variant, property string) (*model.System, *properties.Trace) {
	t.Helper()
	v, ok := model.Builtin(variant)
	if !ok {
		t.Fatalf("no variant %s", variant)
	}
	sys, err := model.NewSystem(v, v.Config)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := properties.Check(context.Background(), sys, properties.Options{Properties: []string{property}})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := rep.Result(property)
	if r.Counterexample == nil {
		t.Fatalf("%s: %s holds; the test needs a counterexample", variant, property)
	}
	if err := sys.Replay(r.Counterexample.Start, r.Counterexample.Steps); err != nil {
		t.Fatalf("%s: the counterexample does not replay: %v", variant, err)
	}
	return sys, r.Counterexample
}

func chartOf(t *testing.T, variant, property string) *Chart {
	sys, tr := counterexample(t, variant, property)
	return NewChart(sys, tr, variant+": "+property+" violated").MarkViolation(property)
}

func rfcDiagram(t *testing.T, errors bool) *StateDiagram {
	t.Helper()
	d, err := NewStateDiagram(model.RFC9293(), errors)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// smallSystem is rfc9293 without faults or data, one connection, no
// retransmission: the handshake and close in every interleaving.
func smallSystem(t *testing.T, variant string, change func(*model.Config)) *model.System {
	t.Helper()
	v, ok := model.Builtin(variant)
	if !ok {
		t.Fatalf("no variant %s", variant)
	}
	cfg := v.Config
	cfg.Loss, cfg.Dup, cfg.Reorder, cfg.Crash = 0, 0, 0, 0
	cfg.Data, cfg.Incarnations, cfg.RetryLimit = [2]int{}, 1, 0
	if change != nil {
		change(&cfg)
	}
	sys, err := model.NewSystem(v, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sys
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./graphviz -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go test ./graphviz -update and review the diff", path)
	}
}

func TestGoldenDOT(t *testing.T) {
	for _, c := range []struct {
		file string
		img  Image
	}{
		{"state-diagram-rfc9293.dot", rfcDiagram(t, false)},
		{"chart-no-time-wait-orderly-release.dot", chartOf(t, "no-time-wait", "orderly-release")},
		{"chart-rfc793-time-wait-rst-eventually-closed.dot", chartOf(t, "rfc793-time-wait-rst", "eventually-closed")},
	} {
		var b bytes.Buffer
		if err := Write(&b, c.img, DOT, Builtin); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(b.String(), "digraph") {
			t.Errorf("%s does not start a digraph", c.file)
		}
		golden(t, filepath.Join("..", "testdata", "dot", c.file), b.Bytes())
	}
}

// Every transition of RFC 9293's Figure 5, as the figure labels it.
func TestDiagramHasEveryFigure5Transition(t *testing.T) {
	figure5 := []struct {
		from, to string
		label    string
	}{
		{"CLOSED", "LISTEN", "passive OPEN / create TCB"},
		{"CLOSED", "SYN-SENT", "active OPEN / snd SYN"},
		{"LISTEN", "CLOSED", "CLOSE / delete TCB"},
		{"LISTEN", "SYN-RECEIVED", "rcv SYN / snd SYN,ACK"},
		// The figure labels it SEND (3.10.2); the same change happens on an
		// active OPEN (3.10.1), which is the rule tcpmc's table has.
		{"LISTEN", "SYN-SENT", "active OPEN / snd SYN"},
		{"SYN-RECEIVED", "LISTEN", "rcv RST"},
		{"SYN-SENT", "SYN-RECEIVED", "rcv SYN / snd SYN,ACK"},
		{"SYN-SENT", "CLOSED", "CLOSE / delete TCB"},
		{"SYN-RECEIVED", "ESTABLISHED", "rcv ACK of SYN"},
		{"SYN-SENT", "ESTABLISHED", "rcv SYN,ACK / snd ACK"},
		{"SYN-RECEIVED", "FIN-WAIT-1", "CLOSE / snd FIN"},
		{"ESTABLISHED", "FIN-WAIT-1", "CLOSE / snd FIN"},
		{"ESTABLISHED", "CLOSE-WAIT", "rcv FIN / snd ACK"},
		{"FIN-WAIT-1", "FIN-WAIT-2", "rcv ACK of FIN"},
		{"FIN-WAIT-1", "CLOSING", "rcv FIN / snd ACK"},
		{"CLOSE-WAIT", "LAST-ACK", "CLOSE / snd FIN"},
		{"FIN-WAIT-2", "TIME-WAIT", "rcv FIN / snd ACK"},
		{"CLOSING", "TIME-WAIT", "rcv ACK of FIN"},
		{"LAST-ACK", "CLOSED", "rcv ACK of FIN"},
		{"TIME-WAIT", "CLOSED", "timeout=2MSL / delete TCB"},
	}
	d := rfcDiagram(t, false)
	for _, f := range figure5 {
		found := false
		for _, tr := range d.trs {
			if tr.from.String() == f.from && tr.to.String() == f.to {
				for _, l := range tr.labels {
					found = found || strings.HasPrefix(l, f.label)
				}
			}
		}
		if !found {
			t.Errorf("no transition %s -> %s labelled %q", f.from, f.to, f.label)
		}
	}
	if len(d.trs) != len(figure5) {
		t.Errorf("%d transitions drawn, Figure 5 has %d: %v", len(d.trs), len(figure5), d.trs)
	}
	// Error transitions (RST, ABORT, giving up) only when asked for.
	withErrors := rfcDiagram(t, true)
	if len(withErrors.trs) <= len(d.trs) {
		t.Errorf("--errors adds no transition")
	}
}

// The client's and the server's usual paths are drawn apart, each the
// whole way from CLOSED to CLOSED.
func TestDiagramUsualPaths(t *testing.T) {
	d := rfcDiagram(t, false)
	count := map[edgeKind]int{}
	for _, tr := range d.trs {
		count[tr.kind]++
	}
	if count[clientPath] != 6 || count[serverPath] != 6 {
		t.Errorf("client path %d edges, server path %d, want 6 each", count[clientPath], count[serverPath])
	}
}

func TestVariantDiagramShowsChanges(t *testing.T) {
	v, _ := model.Builtin("no-time-wait")
	d, err := NewStateDiagram(v, false)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[[2]string]edgeKind{}
	for _, tr := range d.trs {
		kinds[[2]string{tr.from.String(), tr.to.String()}] = tr.kind
	}
	if kinds[[2]string{"FIN-WAIT-2", "TIME-WAIT"}] != removedEdge {
		t.Errorf("FIN-WAIT-2 -> TIME-WAIT is not marked removed")
	}
	if kinds[[2]string{"FIN-WAIT-2", "CLOSED"}] != addedEdge {
		t.Errorf("FIN-WAIT-2 -> CLOSED is not marked added")
	}
	if kinds[[2]string{"ESTABLISHED", "CLOSE-WAIT"}] != serverPath {
		t.Errorf("an unchanged transition is marked changed")
	}
}

// svgTexts parses an SVG document and returns its texts.
func svgTexts(t *testing.T, doc []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var texts []string
	inText := false
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG does not parse as XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
			inText = tok.Name.Local == "text"
		case xml.CharData:
			if inText {
				texts = append(texts, string(tok))
			}
		case xml.EndElement:
			inText = false
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q, want svg", root)
	}
	return texts
}

func TestSVGParsesWithLabels(t *testing.T) {
	for _, c := range []struct {
		name string
		img  Image
		want []string
	}{
		{"diagram", rfcDiagram(t, false), []string{"SYN-RECEIVED", "TIME-WAIT", "rcv SYN / snd SYN,ACK", "CLOSE / snd FIN", "timeout=2MSL / delete TCB"}},
		{"chart", chartOf(t, "no-time-wait", "orderly-release"), []string{"client", "server", "SYN=1, seq=x", "SYN=1, ACK=1, seq=y, ack=x+1", "ACK=1, seq=x+1, ack=y+1", "FIN-WAIT-2", "lost", "RST=1, seq=u+1", "FIN=1, ACK=1, seq=w, ack=u+1"}},
		{"lasso", chartOf(t, "rfc793-time-wait-rst", "eventually-closed"), []string{"repeats for ever", "(in flight)"}},
		{"graph", mustGraph(t, smallSystem(t, "rfc9293", func(c *model.Config) { c.Close = model.CloseClient }), GraphOptions{}), []string{"CLOSED | LISTEN", "→ SYN seq=x", "client OPEN", "CLOSED | CLOSED"}},
	} {
		var b bytes.Buffer
		if err := Write(&b, c.img, SVG, Builtin); err != nil {
			t.Fatal(err)
		}
		texts := svgTexts(t, b.Bytes())
		for _, w := range c.want {
			found := false
			for _, s := range texts {
				found = found || strings.Contains(s, w)
			}
			if !found {
				t.Errorf("%s: no text %q in the SVG", c.name, w)
			}
		}
	}
}

func mustGraph(t *testing.T, sys *model.System, opts GraphOptions) *StateGraph {
	t.Helper()
	g, err := NewStateGraph(context.Background(), sys, opts)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func decodePNG(t *testing.T, img Image) (image.Image, *Drawing) {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, img, PNG, Builtin); err != nil {
		t.Fatal(err)
	}
	m, err := png.Decode(&b)
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	d := img.Drawing()
	if got, want := m.Bounds().Dx(), int(math.Ceil(d.Width*PNGScale)); abs(got-want) > 1 {
		t.Errorf("PNG %d px wide, want %d", got, want)
	}
	return m, d
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func pixel(m image.Image, p Point) color.RGBA {
	r, g, b, _ := m.At(int(p.X*PNGScale), int(p.Y*PNGScale)).RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 255}
}

func isBackground(c color.RGBA) bool { return c.R > 245 && c.G > 245 && c.B > 245 }

// The PNG shows what the drawing holds: the cross of a lost segment is
// red where the segment ends, and a dashed line alternates ink and paper.
func TestPNGShowsCrossesAndDashes(t *testing.T) {
	m, d := decodePNG(t, chartOf(t, "no-time-wait", "orderly-release"))
	crosses := 0
	for _, it := range d.Items {
		if l := it.Line; l != nil && l.CrossAtEnd {
			crosses++
			c := pixel(m, l.Points[len(l.Points)-1])
			if !(c.R > 150 && c.G < 100 && c.B < 100) {
				t.Errorf("no red cross at the end of a lost segment: pixel %v", c)
			}
		}
	}
	if crosses != 1 {
		t.Errorf("%d crosses drawn, want 1 (one lost segment)", crosses)
	}

	m, d = decodePNG(t, rfcDiagram(t, false))
	dashed := 0
	for _, it := range d.Items {
		l := it.Line
		if l == nil || l.Dash == nil {
			continue
		}
		dashed++
		pts := flatten(l.Points)
		ink, paper := 0, 0
		for k := 0; k+1 < len(pts); k++ {
			a, b := pts[k], pts[k+1]
			n := int(math.Hypot(b.X-a.X, b.Y-a.Y))
			for s := 0; s < n; s++ {
				p := Point{a.X + (b.X-a.X)*float64(s)/float64(n), a.Y + (b.Y-a.Y)*float64(s)/float64(n)}
				if isBackground(pixel(m, p)) {
					paper++
				} else {
					ink++
				}
			}
		}
		// Labels sit on some lines; the rest must show both dashes and gaps.
		if ink == 0 || paper*5 < ink {
			t.Errorf("dashed line drawn solid or not at all: %d points inked, %d not", ink, paper)
		}
	}
	if dashed == 0 {
		t.Errorf("the diagram has no dashed line (the server's path)")
	}
}

type box struct{ x0, y0, x1, y1 float64 }

func (b box) contains(c box) bool {
	return c.x0 >= b.x0-0.5 && c.x1 <= b.x1+0.5 && c.y0 >= b.y0-0.5 && c.y1 <= b.y1+0.5
}

func (b box) overlaps(c box) bool {
	return b.x0 < c.x1 && c.x0 < b.x1 && b.y0 < c.y1 && c.y0 < b.y1
}

func textBox(tx *Text) box {
	w := textWidth(tx.S, tx.Size, tx.Bold)
	x := tx.X
	switch tx.Anchor {
	case Middle:
		x -= w / 2
	case End:
		x -= w
	}
	return box{x, tx.Y - ascent(tx.Size), x + w, tx.Y + tx.Size*0.25}
}

// In the laid-out graphs, each node's text is inside its shape, and no
// edge label covers a node or another label.
func TestGraphLayoutsKeepTextInsideAndApart(t *testing.T) {
	for _, c := range []struct {
		name string
		d    *Drawing
	}{
		{"diagram", rfcDiagram(t, false).Drawing()},
		{"diagram with errors", rfcDiagram(t, true).Drawing()},
		{"state graph", mustGraph(t, smallSystem(t, "rfc9293", nil), GraphOptions{}).Drawing()},
	} {
		var shapes, labels []box
		var inside []*Text
		for _, it := range c.d.Items {
			switch {
			case it.Shape != nil:
				s := it.Shape
				shapes = append(shapes, box{s.X, s.Y, s.X + s.W, s.Y + s.H})
			case it.Text != nil && it.Text.Anchor == Middle:
				inside = append(inside, it.Text)
			case it.Text != nil && it.Text.Background != "":
				labels = append(labels, textBox(it.Text))
			}
		}
		for _, tx := range inside {
			tb := textBox(tx)
			ok := false
			for _, s := range shapes {
				ok = ok || s.contains(tb)
			}
			if !ok {
				t.Errorf("%s: %q sticks out of its shape", c.name, tx.S)
			}
		}
		for i, l := range labels {
			for _, s := range shapes {
				if l.overlaps(s) {
					t.Errorf("%s: an edge label at (%.0f,%.0f) covers a node", c.name, l.x0, l.y0)
				}
			}
			for _, m := range labels[:i] {
				if l.overlaps(m) {
					t.Errorf("%s: two edge labels overlap at (%.0f,%.0f)", c.name, l.x0, l.y0)
				}
			}
		}
	}
}

// In a chart, no segment label covers another or a state name.
func TestChartLabelsApart(t *testing.T) {
	for _, c := range [][2]string{{"no-time-wait", "orderly-release"}, {"rfc793-time-wait-rst", "eventually-closed"}, {"no-retransmission", "handshake-completes"}} {
		d := chartOf(t, c[0], c[1]).Drawing()
		var boxes []box
		var texts []string
		for _, it := range d.Items {
			if tx := it.Text; tx != nil && tx.Size >= chartFont {
				boxes = append(boxes, textBox(tx))
				texts = append(texts, tx.S)
			}
		}
		for i := range boxes {
			for j := range i {
				if boxes[i].overlaps(boxes[j]) {
					t.Errorf("%s: %q overlaps %q", c[0], texts[i], texts[j])
				}
			}
		}
	}
}

func TestChartFollowsSegments(t *testing.T) {
	sys, tr := counterexample(t, "no-time-wait", "orderly-release")
	c := newChart(sys, tr, "")
	if len(c.rows) != len(tr.Steps) {
		t.Fatalf("%d rows for %d steps", len(c.rows), len(tr.Steps))
	}
	sent := 0
	for _, ps := range tr.Steps {
		sent += int(ps.Step.NOut)
	}
	if len(c.msgs) != sent {
		t.Errorf("%d arrows for %d segments sent", len(c.msgs), sent)
	}
	for _, m := range c.msgs {
		if m.end >= 0 && m.end <= m.send {
			t.Errorf("%q arrives at row %d, not after it was sent at row %d", m.label, m.end, m.send)
		}
		if m.end >= 0 && !m.lost && tr.Steps[m.end].Step.Kind != model.Deliver {
			t.Errorf("%q ends at a step that delivers nothing", m.label)
		}
	}
	// The lasso's cycle is bracketed from its first step.
	sys, tr = counterexample(t, "rfc793-time-wait-rst", "eventually-closed")
	c = newChart(sys, tr, "")
	if !c.cycle || c.loop != tr.Loop {
		t.Errorf("lasso: cycle %v from row %d, want from %d", c.cycle, c.loop, tr.Loop)
	}
}

func TestStateGraphMatchesTheSearch(t *testing.T) {
	for _, close := range []model.CloseMode{model.CloseClient, model.CloseEither} {
		sys := smallSystem(t, "rfc9293", func(c *model.Config) { c.Close = close })
		g := mustGraph(t, sys, GraphOptions{})
		rep, err := properties.Check(context.Background(), sys, properties.Options{Properties: []string{"no-deadlock"}})
		if err != nil {
			t.Fatal(err)
		}
		if uint64(g.Nodes()) != rep.States || uint64(g.States()) != rep.States {
			t.Errorf("close %v: %d nodes, the search found %d states", close, g.Nodes(), rep.States)
		}
		if len(g.Violated()) != 0 {
			t.Errorf("close %v: violations %v in rfc9293", close, g.Violated())
		}
	}
}

func TestStateGraphHighlightsViolations(t *testing.T) {
	sys := smallSystem(t, "no-time-wait", func(c *model.Config) { c.Loss, c.RetryLimit, c.Close = 1, 1, model.CloseClient })
	g := mustGraph(t, sys, GraphOptions{MaxNodes: 1000})
	if got := strings.Join(g.Violated(), ","); got != "no-half-open,orderly-release" {
		t.Fatalf("violated %q, want no-half-open,orderly-release", got)
	}
	red := 0
	for _, n := range g.nodes {
		if len(n.violates) > 0 {
			red++
		}
	}
	redEdges := 0
	for _, e := range g.edges {
		if len(e.violates) > 0 {
			redEdges++
		}
	}
	if red == 0 || redEdges == 0 {
		t.Errorf("%d nodes and %d edges highlighted", red, redEdges)
	}
	if !strings.Contains(g.DOT().String(), badStroke) {
		t.Errorf("the DOT has no highlighted element")
	}
	// Collapsed, the same violation shows on a pair of endpoint states.
	c := mustGraph(t, sys, GraphOptions{Collapse: true})
	if len(c.Violated()) != 2 || c.Nodes() > 11*11 {
		t.Errorf("collapsed: %d nodes, violated %v", c.Nodes(), c.Violated())
	}
}

func TestStateGraphTooLarge(t *testing.T) {
	v := model.RFC9293()
	sys, err := model.NewSystem(v, v.Config)
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewStateGraph(context.Background(), sys, GraphOptions{MaxNodes: 50})
	var large *TooLargeError
	if !errors.As(err, &large) || large.Limit != 50 || !strings.Contains(err.Error(), "more than 50 states") {
		t.Errorf("got %v, want a too-large error naming the limit", err)
	}
	_, err = NewStateGraph(context.Background(), sys, GraphOptions{Collapse: true, MaxStates: 1000})
	if !errors.As(err, &large) || !large.Collapse {
		t.Errorf("collapse beyond MaxStates: got %v", err)
	}
	_, err = NewStateGraph(context.Background(), sys, GraphOptions{Collapse: true, MaxNodes: 5})
	if !errors.As(err, &large) || large.Nodes == 0 {
		t.Errorf("collapse beyond MaxNodes: got %v", err)
	}
	_, err = NewStateGraph(context.Background(), sys, GraphOptions{Properties: []string{"no-such-property"}})
	if err == nil {
		t.Errorf("an unknown property is accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewStateGraph(ctx, sys, GraphOptions{Collapse: true}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}

func TestParseFormatAndRenderer(t *testing.T) {
	for _, s := range []string{"dot", "SVG", "png"} {
		if _, err := ParseFormat(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []string{"", "gif", "svgz"} {
		if _, err := ParseFormat(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	if f, ok := FormatOf("out/chart.svg"); !ok || f != SVG {
		t.Errorf("FormatOf(chart.svg) = %v, %v", f, ok)
	}
	if _, ok := FormatOf("chart"); ok {
		t.Errorf("a name without extension has a format")
	}
	if _, err := ParseRenderer("graphviz"); err == nil {
		t.Errorf("unknown renderer accepted")
	}
}

// Without a dot program, auto falls back to the builtin renderer and dot
// is an error; with one, auto uses it.
func TestRendererChoice(t *testing.T) {
	d := rfcDiagram(t, false)
	render := func(r Renderer) ([]byte, error) {
		var b bytes.Buffer
		err := Write(&b, d, SVG, r)
		return b.Bytes(), err
	}
	builtin, err := render(Builtin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("dot"); err == nil {
		out, err := render(Auto)
		if err != nil {
			t.Fatal(err)
		}
		svgTexts(t, out)
		if bytes.Equal(out, builtin) {
			t.Errorf("auto did not use the installed dot")
		}
	}
	t.Setenv("PATH", t.TempDir())
	auto, err := render(Auto)
	if err != nil || !bytes.Equal(auto, builtin) {
		t.Errorf("auto without dot: %v, same as builtin: %v", err, bytes.Equal(auto, builtin))
	}
	if _, err := render(SystemDot); err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Errorf("dot without dot: got %v", err)
	}
	// Charts are always laid out by tcpmc.
	var a, b bytes.Buffer
	ch := chartOf(t, "no-time-wait", "orderly-release")
	if err := Write(&a, ch, SVG, SystemDot); err != nil {
		t.Fatal(err)
	}
	if err := Write(&b, ch, SVG, Builtin); err != nil || !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("a chart depends on the renderer")
	}
}

// The README shows these images. "go test ./graphviz -run READMEImages
// -update" draws them again; this test fails when they are stale. Pixels
// are compared with a tolerance: floating-point rounding in the
// rasterizer may differ between CPU architectures.
func TestREADMEImages(t *testing.T) {
	for _, c := range []struct {
		file string
		img  Image
	}{
		{"state-diagram.png", rfcDiagram(t, false)},
		{"counterexample-no-time-wait.png", NewChart(counterexampleTitled(t, "no-time-wait", "orderly-release")).MarkViolation("orderly-release")},
		{"counterexample-rfc793-rst.png", NewChart(counterexampleTitled(t, "rfc793-rst", "reset-only-by-peer")).MarkViolation("reset-only-by-peer")},
	} {
		var b bytes.Buffer
		if err := Write(&b, c.img, PNG, Builtin); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("..", "testdata", "images", c.file)
		if *update {
			golden(t, path, b.Bytes())
			continue
		}
		old, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./graphviz -run READMEImages -update)", err)
		}
		if d := pixelDifference(t, old, b.Bytes()); d > 0.0001 {
			t.Errorf("%s is stale (%.2f%% of pixels differ): run go test ./graphviz -run READMEImages -update", path, 100*d)
		}
	}
}

func counterexampleTitled(t *testing.T, variant, property string) (*model.System, *properties.Trace, string) {
	sys, tr := counterexample(t, variant, property)
	return sys, tr, variant + ": " + property + " violated (shortest counterexample)"
}

// pixelDifference is the share of pixels that differ visibly, 1 when the
// sizes differ.
func pixelDifference(t *testing.T, a, b []byte) float64 {
	t.Helper()
	ma, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatalf("committed image: %v", err)
	}
	mb, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if ma.Bounds() != mb.Bounds() {
		return 1
	}
	diff, total := 0, 0
	r := ma.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			total++
			r1, g1, b1, _ := ma.At(x, y).RGBA()
			r2, g2, b2, _ := mb.At(x, y).RGBA()
			if far(r1, r2) || far(g1, g2) || far(b1, b2) {
				diff++
			}
		}
	}
	return float64(diff) / float64(total)
}

func far(a, b uint32) bool { return a>>8 > b>>8+8 || b>>8 > a>>8+8 }

// On random walks through the default configuration (faults of every
// kind), each arrow of the chart starts at the step that sent or copied
// its segment and ends at the step that delivered or lost it, marked as
// the step was: duplicate, out of order, lost.
func TestChartOnRandomWalks(t *testing.T) {
	for _, network := range []string{"fifo", "unordered"} {
		v := model.RFC9293()
		cfg := v.Config
		cfg.Unordered = network == "unordered"
		sys, err := model.NewSystem(v, cfg)
		if err != nil {
			t.Fatal(err)
		}
		seen := randomWalkCharts(t, sys)
		want := []string{"deliver", "lose", "duplicate delivered or lost"}
		if !cfg.Unordered {
			want = append(want, "reordered")
		}
		for _, k := range want {
			if !seen[k] {
				t.Errorf("%s: no walk had a %s step: the test covers less than it says", network, k)
			}
		}
	}
}

func randomWalkCharts(t *testing.T, sys *model.System) map[string]bool {
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for walk := 0; walk < 300; walk++ {
		tr := &properties.Trace{Start: sys.Initial()[0]}
		s := tr.Start
		for len(tr.Steps) < 40 {
			var next []model.PathStep
			sys.Successors(s, func(st model.Step, to model.State) { next = append(next, model.PathStep{Step: st, State: to}) })
			if len(next) == 0 {
				break
			}
			ps := next[rng.IntN(len(next))]
			tr.Steps = append(tr.Steps, ps)
			s = ps.State
		}
		c := newChart(sys, tr, "")
		ends := map[int]message{}
		for _, m := range c.msgs {
			if m.end >= 0 {
				if _, twice := ends[m.end]; twice {
					t.Fatalf("walk %d: two arrows end at step %d", walk, m.end+1)
				}
				ends[m.end] = m
			}
		}
		for i, ps := range tr.Steps {
			st := ps.Step
			m, ok := ends[i]
			switch st.Kind {
			case model.Deliver, model.Lose:
				if !ok || m.lost != (st.Kind == model.Lose) || m.seg != st.Seg || m.reordered != st.Reordered {
					t.Fatalf("walk %d step %d (%s): arrow %+v", walk, i+1, sys.Describe(st), m)
				}
				seen[st.Kind.String()] = true
				if st.Reordered {
					seen["reordered"] = true
				}
				if m.dup {
					seen["duplicate delivered or lost"] = true
				}
			default:
				if ok {
					t.Fatalf("walk %d step %d (%s) ends an arrow", walk, i+1, sys.Describe(st))
				}
			}
		}
	}
	return seen
}
