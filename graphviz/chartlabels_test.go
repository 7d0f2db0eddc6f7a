package graphviz

import (
	"math"
	"strings"
	"testing"
)

// A segment's label is read as belonging to the arrow it sits on, or to
// the arrowhead it ends beside: no label may come near the head of an
// arrow other than its own (in rfc793-time-wait-rst's lasso the
// retransmitted FIN's label once lay against the RST's head at LISTEN,
// reading "FIN -> LISTEN").
func TestChartLabelsAwayFromOtherArrowheads(t *testing.T) {
	for _, c := range [][2]string{{"no-time-wait", "orderly-release"}, {"rfc793-time-wait-rst", "eventually-closed"},
		{"rfc793-time-wait-rst", "orderly-release"}, {"two-way-handshake", "no-stale-connection"}} {
		d := chartOf(t, c[0], c[1]).Drawing()
		var arrows []*Line
		for _, it := range d.Items {
			if l := it.Line; l != nil && l.Arrow && len(l.Points) == 2 && l.Points[0].X != l.Points[1].X {
				arrows = append(arrows, l)
			}
		}
		for _, it := range d.Items {
			tx := it.Text
			if tx == nil || tx.Anchor != Middle || tx.Background == "" {
				continue // not a segment's label
			}
			b := textBox(tx)
			centre := Point{(b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2}
			own, ownD := -1, math.Inf(1)
			for i, l := range arrows {
				if dist := segmentDistance(centre, l.Points[0], l.Points[1]); dist < ownD {
					own, ownD = i, dist
				}
			}
			for i, l := range arrows {
				tip := l.Points[1]
				near := box{b.x0 - 30, b.y0 - 4, b.x1 + 30, b.y1 + 4}
				if i != own && tip.X >= near.x0 && tip.X <= near.x1 && tip.Y >= near.y0 && tip.Y <= near.y1 {
					t.Errorf("%s %s: label %q lies against the head of another arrow, at (%.0f, %.0f)", c[0], c[1], tx.S, tip.X, tip.Y)
				}
			}
		}
	}
}

func segmentDistance(p, a, b Point) float64 {
	dx, dy := b.X-a.X, b.Y-a.Y
	u := ((p.X-a.X)*dx + (p.Y-a.Y)*dy) / (dx*dx + dy*dy)
	u = math.Max(0, math.Min(1, u))
	return math.Hypot(p.X-a.X-u*dx, p.Y-a.Y-u*dy)
}

// A segment that arrives after its sender started another connection is
// marked as one of the old connection.
func TestChartMarksStaleSegments(t *testing.T) {
	count := func(variant, property string) int {
		n := 0
		for _, it := range chartOf(t, variant, property).Drawing().Items {
			if tx := it.Text; tx != nil && strings.HasSuffix(tx.S, "(of an old connection)") {
				n++
			}
		}
		return n
	}
	// The lasso: the client's retransmitted FIN reaches the server after
	// the client has opened its second connection.
	if n := count("rfc793-time-wait-rst", "eventually-closed"); n != 1 {
		t.Errorf("rfc793-time-wait-rst: %d segments marked as of an old connection, want 1", n)
	}
	if n := count("no-time-wait", "orderly-release"); n != 0 {
		t.Errorf("no-time-wait has one connection, yet %d segments are marked old", n)
	}
}
