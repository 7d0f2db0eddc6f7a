package graphviz

import (
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// A Drawing is what tcpmc's own renderer draws: shapes, lines and text
// placed on a page. The layouts produce drawings; the SVG and PNG writers
// render them, so both formats show exactly the same picture.
type Drawing struct {
	Width, Height float64
	Items         []Item
}

// Item is one thing drawn. Exactly one of its parts is set.
type Item struct {
	Shape *Shape
	Line  *Line
	Text  *Text
}

// Shape is a box, rounded box or ellipse.
type Shape struct {
	Kind         ShapeKind
	X, Y, W, H   float64 // top-left corner and size
	Fill, Stroke string  // colors as #rrggbb; "" means none
	StrokeWidth  float64
	Dash         []float64
	Class        string // an SVG class, for pages that style or light up parts
}

type ShapeKind uint8

const (
	Box ShapeKind = iota
	RoundBox
	Ellipse
)

// Line is a polyline or, when Curve is set, a smooth curve through the
// points; it may end in an arrowhead or a cross.
type Line struct {
	Points     []Point
	Curve      bool
	Color      string
	Width      float64
	Dash       []float64
	Arrow      bool // arrowhead at the last point
	CrossAtEnd bool // an X at the last point: a lost segment
	Class      string
}

// Point is a position on the page.
type Point struct{ X, Y float64 }

// Text is a single line of text anchored at its left, centre or right.
type Text struct {
	X, Y   float64 // baseline position of the anchor
	S      string
	Size   float64
	Bold   bool
	Color  string
	Anchor Anchor
	// Background, when set, is painted behind the text so that it stays
	// legible over lines.
	Background string
	Class      string
}

type Anchor uint8

const (
	Start Anchor = iota
	Middle
	End
)

func (d *Drawing) add(it Item) { d.Items = append(d.Items, it) }

func (d *Drawing) shape(s Shape) { d.add(Item{Shape: &s}) }
func (d *Drawing) line(l Line)   { d.add(Item{Line: &l}) }
func (d *Drawing) text(t Text)   { d.add(Item{Text: &t}) }

// Fonts: the Go fonts, whose metrics the layouts use and the PNG writer
// draws with; the SVG writer pins each text to the measured width.
var (
	fontsOnce             sync.Once
	regularFont, boldFont *opentype.Font
)

func loadFonts() {
	fontsOnce.Do(func() {
		var err error
		if regularFont, err = opentype.Parse(goregular.TTF); err != nil {
			panic(err)
		}
		if boldFont, err = opentype.Parse(gobold.TTF); err != nil {
			panic(err)
		}
	})
}

var faces sync.Map // faceKey -> font.Face

type faceKey struct {
	size float64
	bold bool
	dpi  float64
}

// face returns a font face at a size in points (1 point = 1 page unit at
// 72 dpi) scaled by dpi/72.
func face(size float64, bold bool, dpi float64) font.Face {
	loadFonts()
	k := faceKey{size, bold, dpi}
	if f, ok := faces.Load(k); ok {
		return f.(font.Face)
	}
	src := regularFont
	if bold {
		src = boldFont
	}
	f, err := opentype.NewFace(src, &opentype.FaceOptions{Size: size, DPI: dpi, Hinting: font.HintingNone})
	if err != nil {
		panic(err)
	}
	actual, _ := faces.LoadOrStore(k, f)
	return actual.(font.Face)
}

// textWidth is the width of s on the page, in page units.
func textWidth(s string, size float64, bold bool) float64 {
	f := face(size, bold, 72)
	return fixedToFloat(font.MeasureString(f, s))
}

func fixedToFloat(v fixed.Int26_6) float64 { return float64(v) / 64 }

// ascent is the height of capitals above the baseline, for vertical
// centring.
func ascent(size float64) float64 { return size * 0.72 }

// flatten turns a curve through points into a polyline: each pair of
// points is joined by a cubic Bézier whose tangents follow the neighbours
// (Catmull-Rom), sampled finely.
func flatten(pts []Point) []Point {
	if len(pts) < 3 {
		return pts
	}
	var out []Point
	for i := 0; i+1 < len(pts); i++ {
		p0, p1, p2, p3 := pts[max(i-1, 0)], pts[i], pts[i+1], pts[min(i+2, len(pts)-1)]
		c1 := Point{p1.X + (p2.X-p0.X)/6, p1.Y + (p2.Y-p0.Y)/6}
		c2 := Point{p2.X - (p3.X-p1.X)/6, p2.Y - (p3.Y-p1.Y)/6}
		const steps = 12
		for s := 0; s < steps; s++ {
			t := float64(s) / steps
			out = append(out, bezier(p1, c1, c2, p2, t))
		}
	}
	return append(out, pts[len(pts)-1])
}

// controlPoints gives the Bézier control points flatten uses, for SVG.
func controlPoints(pts []Point) [][2]Point {
	var out [][2]Point
	for i := 0; i+1 < len(pts); i++ {
		p0, p1, p2, p3 := pts[max(i-1, 0)], pts[i], pts[i+1], pts[min(i+2, len(pts)-1)]
		out = append(out, [2]Point{{p1.X + (p2.X-p0.X)/6, p1.Y + (p2.Y-p0.Y)/6}, {p2.X - (p3.X-p1.X)/6, p2.Y - (p3.Y-p1.Y)/6}})
	}
	return out
}

func bezier(p0, c1, c2, p1 Point, t float64) Point {
	u := 1 - t
	return Point{
		u*u*u*p0.X + 3*u*u*t*c1.X + 3*u*t*t*c2.X + t*t*t*p1.X,
		u*u*u*p0.Y + 3*u*u*t*c1.Y + 3*u*t*t*c2.Y + t*t*t*p1.Y,
	}
}

// arrowHead gives the three corners of an arrowhead at the end of a line
// arriving from `from`.
func arrowHead(from, tip Point, size float64) [3]Point {
	dx, dy := tip.X-from.X, tip.Y-from.Y
	l := math.Hypot(dx, dy)
	if l == 0 {
		l = 1
	}
	ux, uy := dx/l, dy/l
	base := Point{tip.X - ux*size, tip.Y - uy*size}
	return [3]Point{tip, {base.X - uy*size*0.4, base.Y + ux*size*0.4}, {base.X + uy*size*0.4, base.Y - ux*size*0.4}}
}

// lineEnd is the last segment's start of a polyline, for arrowheads.
func lineEnd(pts []Point) (Point, Point) {
	tip := pts[len(pts)-1]
	for i := len(pts) - 2; i >= 0; i-- {
		if math.Hypot(pts[i].X-tip.X, pts[i].Y-tip.Y) > 0.5 {
			return pts[i], tip
		}
	}
	return Point{tip.X, tip.Y - 1}, tip
}
