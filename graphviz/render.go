package graphviz

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"strconv"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// classAttr is the class attribute of an SVG element, if it has one.
func classAttr(c string) string {
	if c == "" {
		return ""
	}
	return ` class="` + xmlEscape(c) + `"`
}

func dashAttr(dash []float64) string {
	if len(dash) == 0 {
		return ""
	}
	var parts []string
	for _, d := range dash {
		parts = append(parts, num(d))
	}
	return ` stroke-dasharray="` + strings.Join(parts, ",") + `"`
}

// SVG renders the drawing as a standalone SVG document. Each text is pinned
// to the width measured with the Go fonts (textLength), so it stays inside
// its shape whatever font the viewer substitutes.
func (d *Drawing) SVG() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s">`+"\n",
		num(d.Width), num(d.Height), num(d.Width), num(d.Height))
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%s" height="%s" fill="#ffffff"/>`+"\n", num(d.Width), num(d.Height))
	for _, it := range d.Items {
		switch {
		case it.Shape != nil:
			s := it.Shape
			style := fmt.Sprintf(` fill="%s" stroke="%s" stroke-width="%s"%s%s`, orNone(s.Fill), orNone(s.Stroke), num(s.StrokeWidth), dashAttr(s.Dash), classAttr(s.Class))
			switch s.Kind {
			case Ellipse:
				fmt.Fprintf(&b, `<ellipse cx="%s" cy="%s" rx="%s" ry="%s"%s/>`+"\n", num(s.X+s.W/2), num(s.Y+s.H/2), num(s.W/2), num(s.H/2), style)
			default:
				rx := ""
				if s.Kind == RoundBox {
					rx = fmt.Sprintf(` rx="%s"`, num(math.Min(8, s.H/3)))
				}
				fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s"%s%s/>`+"\n", num(s.X), num(s.Y), num(s.W), num(s.H), rx, style)
			}
		case it.Line != nil:
			l := it.Line
			if len(l.Points) < 2 {
				continue
			}
			var path strings.Builder
			fmt.Fprintf(&path, "M%s %s", num(l.Points[0].X), num(l.Points[0].Y))
			if l.Curve && len(l.Points) > 2 {
				for i, c := range controlPoints(l.Points) {
					p := l.Points[i+1]
					fmt.Fprintf(&path, " C%s %s %s %s %s %s", num(c[0].X), num(c[0].Y), num(c[1].X), num(c[1].Y), num(p.X), num(p.Y))
				}
			} else {
				for _, p := range l.Points[1:] {
					fmt.Fprintf(&path, " L%s %s", num(p.X), num(p.Y))
				}
			}
			fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="%s"%s%s/>`+"\n", path.String(), l.Color, num(l.Width), dashAttr(l.Dash), classAttr(l.Class))
			from, tip := lineEnd(endPoints(l))
			if l.Arrow {
				h := arrowHead(from, tip, 6+2*l.Width)
				fmt.Fprintf(&b, `<polygon points="%s,%s %s,%s %s,%s" fill="%s"%s/>`+"\n", num(h[0].X), num(h[0].Y), num(h[1].X), num(h[1].Y), num(h[2].X), num(h[2].Y), l.Color, classAttr(l.Class))
			}
			if l.CrossAtEnd {
				const r = 6
				fmt.Fprintf(&b, `<path d="M%s %s L%s %s M%s %s L%s %s" stroke="%s" stroke-width="2.5"/>`+"\n",
					num(tip.X-r), num(tip.Y-r), num(tip.X+r), num(tip.Y+r), num(tip.X-r), num(tip.Y+r), num(tip.X+r), num(tip.Y-r), "#cc0000")
			}
		case it.Text != nil:
			t := it.Text
			w := textWidth(t.S, t.Size, t.Bold)
			x := t.X
			switch t.Anchor {
			case Middle:
				x -= w / 2
			case End:
				x -= w
			}
			if t.Background != "" {
				fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`+"\n",
					num(x-2), num(t.Y-ascent(t.Size)-2), num(w+4), num(t.Size+3), t.Background)
			}
			weight := ""
			if t.Bold {
				weight = ` font-weight="bold"`
			}
			fmt.Fprintf(&b, `<text x="%s" y="%s" font-family="Go, 'DejaVu Sans', Helvetica, Arial, sans-serif" font-size="%s"%s fill="%s" textLength="%s" lengthAdjust="spacingAndGlyphs"%s>%s</text>`+"\n",
				num(x), num(t.Y), num(t.Size), weight, orColor(t.Color), num(w), classAttr(t.Class), xmlEscape(t.S))
		}
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// endPoints gives the points that the end of a line passes through, as
// drawn (curves are flattened).
func endPoints(l *Line) []Point {
	if l.Curve && len(l.Points) > 2 {
		return flatten(l.Points)
	}
	return l.Points
}

func orNone(c string) string {
	if c == "" {
		return "none"
	}
	return c
}

func orColor(c string) string {
	if c == "" {
		return "#000000"
	}
	return c
}

func parseColor(c string) color.RGBA {
	if len(c) == 7 && c[0] == '#' {
		v, err := strconv.ParseUint(c[1:], 16, 32)
		if err == nil {
			return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
		}
	}
	return color.RGBA{0, 0, 0, 0xff}
}

// PNG rasterizes the drawing at scale pixels per page unit, with
// anti-aliasing and the Go fonts.
func (d *Drawing) PNG(scale float64) ([]byte, error) {
	w, h := int(math.Ceil(d.Width*scale)), int(math.Ceil(d.Height*scale))
	if w <= 0 || h <= 0 || w*h > 64<<20 {
		return nil, fmt.Errorf("a %dx%d image is too large to draw", w, h)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	r := &raster{img: img, scale: scale}
	for _, it := range d.Items {
		switch {
		case it.Shape != nil:
			r.shape(it.Shape)
		case it.Line != nil:
			r.line(it.Line)
		case it.Text != nil:
			r.text(it.Text)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type raster struct {
	img   *image.RGBA
	scale float64
}

// fill paints the polygons (each a closed list of page points) in one
// colour; overlapping polygons add up, so strokes made of pieces look
// whole.
//
// The rasterizer adds up signed coverage, so polygons of opposite
// orientation would cancel where they overlap: all are turned the same
// way first. Only their bounding box is rasterized.
func (r *raster) fill(polys [][]Point, c string) {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range polys {
		for _, q := range p {
			minX, minY = math.Min(minX, q.X*r.scale), math.Min(minY, q.Y*r.scale)
			maxX, maxY = math.Max(maxX, q.X*r.scale), math.Max(maxY, q.Y*r.scale)
		}
	}
	box := image.Rect(int(math.Floor(minX))-1, int(math.Floor(minY))-1, int(math.Ceil(maxX))+1, int(math.Ceil(maxY))+1).Intersect(r.img.Bounds())
	if box.Empty() {
		return
	}
	z := vector.NewRasterizer(box.Dx(), box.Dy())
	ox, oy := float64(box.Min.X), float64(box.Min.Y)
	for _, p := range polys {
		if len(p) < 3 {
			continue
		}
		if signedArea(p) < 0 {
			p = reversed(p)
		}
		z.MoveTo(float32(p[0].X*r.scale-ox), float32(p[0].Y*r.scale-oy))
		for _, q := range p[1:] {
			z.LineTo(float32(q.X*r.scale-ox), float32(q.Y*r.scale-oy))
		}
		z.ClosePath()
	}
	z.Draw(r.img, box, image.NewUniform(parseColor(c)), image.Point{})
}

func signedArea(p []Point) float64 {
	a := 0.0
	for i := range p {
		q := p[(i+1)%len(p)]
		a += p[i].X*q.Y - q.X*p[i].Y
	}
	return a
}

func reversed(p []Point) []Point {
	out := make([]Point, len(p))
	for i := range p {
		out[len(p)-1-i] = p[i]
	}
	return out
}

func ellipsePoly(cx, cy, rx, ry float64) []Point {
	const n = 48
	pts := make([]Point, n)
	for i := range pts {
		a := 2 * math.Pi * float64(i) / n
		pts[i] = Point{cx + rx*math.Cos(a), cy + ry*math.Sin(a)}
	}
	return pts
}

func roundRectPoly(x, y, w, h, rad float64) []Point {
	var pts []Point
	corner := func(cx, cy, from float64) {
		for i := 0; i <= 6; i++ {
			a := from + math.Pi/2*float64(i)/6
			pts = append(pts, Point{cx + rad*math.Cos(a), cy + rad*math.Sin(a)})
		}
	}
	corner(x+w-rad, y+rad, -math.Pi/2)
	corner(x+w-rad, y+h-rad, 0)
	corner(x+rad, y+h-rad, math.Pi/2)
	corner(x+rad, y+rad, math.Pi)
	return pts
}

func (r *raster) shape(s *Shape) {
	var outline []Point
	switch s.Kind {
	case Ellipse:
		outline = ellipsePoly(s.X+s.W/2, s.Y+s.H/2, s.W/2, s.H/2)
	case RoundBox:
		outline = roundRectPoly(s.X, s.Y, s.W, s.H, math.Min(8, s.H/3))
	default:
		outline = []Point{{s.X, s.Y}, {s.X + s.W, s.Y}, {s.X + s.W, s.Y + s.H}, {s.X, s.Y + s.H}}
	}
	if s.Fill != "" {
		r.fill([][]Point{outline}, s.Fill)
	}
	if s.Stroke != "" && s.StrokeWidth > 0 {
		closed := append(append([]Point{}, outline...), outline[0])
		r.stroke(closed, s.StrokeWidth, s.Dash, s.Stroke)
	}
}

// stroke draws a polyline of the given width, dashed if asked, as
// segment quads with round joins; dashes end square-cut so that the gaps
// keep their length.
func (r *raster) stroke(pts []Point, width float64, dash []float64, c string) {
	var polys [][]Point
	for _, run := range dashRuns(pts, dash) {
		for i := 0; i+1 < len(run); i++ {
			polys = append(polys, segmentQuad(run[i], run[i+1], width))
		}
		joins := run
		if len(dash) > 0 {
			joins = run[1 : len(run)-1]
		}
		for _, p := range joins {
			polys = append(polys, ellipsePoly(p.X, p.Y, width/2, width/2))
		}
	}
	r.fill(polys, c)
}

func segmentQuad(a, b Point, width float64) []Point {
	dx, dy := b.X-a.X, b.Y-a.Y
	l := math.Hypot(dx, dy)
	if l == 0 {
		return nil
	}
	nx, ny := -dy/l*width/2, dx/l*width/2
	return []Point{{a.X + nx, a.Y + ny}, {b.X + nx, b.Y + ny}, {b.X - nx, b.Y - ny}, {a.X - nx, a.Y - ny}}
}

// dashRuns cuts a polyline into the pieces a dash pattern draws.
func dashRuns(pts []Point, dash []float64) [][]Point {
	if len(dash) == 0 {
		return [][]Point{pts}
	}
	var runs [][]Point
	var cur []Point
	k, left, on := 0, dash[0], true
	if on {
		cur = []Point{pts[0]}
	}
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		seg := math.Hypot(b.X-a.X, b.Y-a.Y)
		pos := 0.0
		for seg-pos > left {
			pos += left
			t := pos / seg
			p := Point{a.X + (b.X-a.X)*t, a.Y + (b.Y-a.Y)*t}
			if on {
				runs = append(runs, append(cur, p))
				cur = nil
			} else {
				cur = []Point{p}
			}
			on = !on
			k = (k + 1) % len(dash)
			left = dash[k]
		}
		left -= seg - pos
		if on {
			cur = append(cur, b)
		}
	}
	if on && len(cur) > 1 {
		runs = append(runs, cur)
	}
	return runs
}

func (r *raster) line(l *Line) {
	pts := endPoints(l)
	if len(pts) < 2 {
		return
	}
	shaft := pts
	if l.Arrow {
		// Stop the shaft short of the tip, under the head.
		from, tip := lineEnd(pts)
		size := 6 + 2*l.Width
		dx, dy := tip.X-from.X, tip.Y-from.Y
		if n := math.Hypot(dx, dy); n > 0 {
			shaft = append(append([]Point{}, pts[:len(pts)-1]...), Point{tip.X - dx/n*size*0.8, tip.Y - dy/n*size*0.8})
		}
		h := arrowHead(from, tip, size)
		r.fill([][]Point{h[:]}, l.Color)
	}
	r.stroke(shaft, l.Width, l.Dash, l.Color)
	if l.CrossAtEnd {
		_, tip := lineEnd(pts)
		const s = 6
		r.stroke([]Point{{tip.X - s, tip.Y - s}, {tip.X + s, tip.Y + s}}, 2.5, nil, "#cc0000")
		r.stroke([]Point{{tip.X - s, tip.Y + s}, {tip.X + s, tip.Y - s}}, 2.5, nil, "#cc0000")
	}
}

func (r *raster) text(t *Text) {
	w := textWidth(t.S, t.Size, t.Bold)
	x := t.X
	switch t.Anchor {
	case Middle:
		x -= w / 2
	case End:
		x -= w
	}
	if t.Background != "" {
		r.fill([][]Point{{{x - 2, t.Y - ascent(t.Size) - 2}, {x + w + 2, t.Y - ascent(t.Size) - 2}, {x + w + 2, t.Y + t.Size*0.28 + 1}, {x - 2, t.Y + t.Size*0.28 + 1}}}, t.Background)
	}
	d := font.Drawer{
		Dst:  r.img,
		Src:  image.NewUniform(parseColor(orColor(t.Color))),
		Face: face(t.Size*r.scale, t.Bold, 72),
		Dot:  fixed.Point26_6{X: fixed.Int26_6(x * r.scale * 64), Y: fixed.Int26_6(t.Y * r.scale * 64)},
	}
	d.DrawString(t.S)
}
