package graphviz

import (
	"math"
	"sort"
)

// A layered layout (after Sugiyama): nodes sit on rows given by their
// rank; every edge becomes a chain of dummy items through the rows in
// between, and its label is the first dummy, so that labels take room
// like nodes and never overlap them. Rows are ordered by barycentre sweeps
// to reduce crossings, then items are pulled towards their neighbours.

type layoutNode struct {
	w, h float64
	rank int
	box  bool // a (rounded) box; otherwise an ellipse
}

type layoutEdge struct {
	from, to       int
	labelW, labelH float64
}

type placed struct {
	nodes []Point   // node centres
	paths [][]Point // one per edge, from the source's border to the target's
	label []Point   // where each edge's label starts (left end, baseline centre)
	w, h  float64
}

type item struct {
	node  int // real node, or -1 for a dummy
	edge  int // the edge a dummy belongs to
	label bool
	w, h  float64
	x     float64
	order float64
	up    []int // items in the row above it is joined to
	down  []int
}

const (
	layoutMargin = 20
	itemGap      = 26
	rowGap       = 14
	dummyW       = 8
)

func layered(nodes []layoutNode, edges []layoutEdge) *placed {
	maxRank := 0
	for _, n := range nodes {
		maxRank = max(maxRank, n.rank)
	}
	nRows := 2*maxRank + 3
	rows := make([][]int, nRows) // item indices per row
	var items []item
	add := func(row int, it item) int {
		items = append(items, it)
		id := len(items) - 1
		rows[row] = append(rows[row], id)
		return id
	}
	nodeItem := make([]int, len(nodes))
	for i, n := range nodes {
		nodeItem[i] = add(2*n.rank, item{node: i, edge: -1, w: n.w, h: n.h, order: float64(i)})
	}
	chains := make([][]int, len(edges)) // item ids from source to target
	for e, ed := range edges {
		r0, r1 := 2*nodes[ed.from].rank, 2*nodes[ed.to].rank
		chain := []int{nodeItem[ed.from]}
		var via []int
		switch {
		case ed.from == ed.to:
			// A loop: drawn beside the node, its label next to it.
		case r1 > r0:
			for r := r0 + 1; r < r1; r++ {
				via = append(via, r)
			}
		case r1 < r0:
			for r := r0 - 1; r > r1; r-- {
				via = append(via, r)
			}
		default: // same rank: dip into the row below
			via = []int{r0 + 1}
		}
		for k, r := range via {
			it := item{node: -1, edge: e, w: dummyW, h: 4, order: float64(len(items))}
			if k == 0 {
				it.label, it.w, it.h = true, ed.labelW+dummyW+6, ed.labelH
			}
			chain = append(chain, add(r, it))
		}
		if ed.from != ed.to {
			chain = append(chain, nodeItem[ed.to])
		}
		chains[e] = chain
	}
	rowOf := make([]int, len(items))
	for r, row := range rows {
		for _, id := range row {
			rowOf[id] = r
		}
	}
	for _, ch := range chains {
		for k := 0; k+1 < len(ch); k++ {
			a, b := ch[k], ch[k+1]
			if rowOf[a] < rowOf[b] {
				items[a].down = append(items[a].down, b)
				items[b].up = append(items[b].up, a)
			} else {
				items[b].down = append(items[b].down, a)
				items[a].up = append(items[a].up, b)
			}
		}
	}
	orderRows(items, rows)
	placeX(items, rows)

	// Rows top to bottom.
	rowY := make([]float64, nRows)
	y := float64(layoutMargin)
	for r, row := range rows {
		h := 0.0
		for _, id := range row {
			h = max(h, items[id].h)
		}
		if len(row) == 0 {
			h = 0
		}
		rowY[r] = y + h/2
		y += h + rowGap
	}
	res := &placed{nodes: make([]Point, len(nodes)), paths: make([][]Point, len(edges)), label: make([]Point, len(edges))}
	maxX := 0.0
	for _, it := range items {
		maxX = max(maxX, it.x+it.w/2)
	}
	res.w, res.h = maxX+layoutMargin+60, y+layoutMargin
	for i := range nodes {
		it := items[nodeItem[i]]
		res.nodes[i] = Point{it.x, rowY[rowOf[nodeItem[i]]]}
	}
	for e, ch := range chains {
		ed := edges[e]
		src := res.nodes[ed.from]
		if ed.from == ed.to {
			n := nodes[ed.from]
			x0 := src.X + n.w/2
			res.paths[e] = []Point{{x0 - 4, src.Y - n.h/3}, {x0 + 26, src.Y - n.h/2 - 6}, {x0 + 26, src.Y + n.h/2 + 6}, {x0 - 4, src.Y + n.h/3}}
			res.label[e] = Point{x0 + 32, src.Y}
			res.w = max(res.w, x0+40+ed.labelW)
			continue
		}
		var pts []Point
		for _, id := range ch[1 : len(ch)-1] {
			it := items[id]
			p := Point{it.x, rowY[rowOf[id]]}
			if it.label {
				// The line passes at the left of its label.
				p.X = it.x - it.w/2 + dummyW/2
				res.label[e] = Point{p.X + 6, p.Y}
			}
			pts = append(pts, p)
		}
		dst := res.nodes[ed.to]
		first, last := dst, src
		if len(pts) > 0 {
			first, last = pts[0], pts[len(pts)-1]
		}
		start := border(src, nodes[ed.from], first)
		end := border(dst, nodes[ed.to], last)
		res.paths[e] = append(append([]Point{start}, pts...), end)
	}
	return res
}

// border is where the line from a node's centre towards p leaves the
// node's shape.
func border(c Point, n layoutNode, p Point) Point {
	dx, dy := p.X-c.X, p.Y-c.Y
	if dx == 0 && dy == 0 {
		return c
	}
	a, b := n.w/2, n.h/2
	if n.box {
		// Where the line leaves the rectangle, a little outside it so
		// that an arrowhead is not hidden under a rounded corner.
		t := math.Min(a/math.Max(math.Abs(dx), 1e-9), b/math.Max(math.Abs(dy), 1e-9))
		t += 1.5 / math.Hypot(dx, dy)
		return Point{c.X + dx*t, c.Y + dy*t}
	}
	t := 1 / math.Sqrt(dx*dx/(a*a)+dy*dy/(b*b))
	return Point{c.X + dx*t, c.Y + dy*t}
}

// orderRows reduces crossings by barycentre sweeps, keeping the best
// ordering found.
func orderRows(items []item, rows [][]int) {
	best := math.MaxInt
	bestOrder := make([]float64, len(items))
	snapshot := func() {
		if c := crossings(items, rows); c < best {
			best = c
			for i := range items {
				bestOrder[i] = items[i].order
			}
		}
	}
	renumber(items, rows)
	snapshot()
	for pass := 0; pass < 12; pass++ {
		for r := 1; r < len(rows); r++ {
			sweep(items, rows[r], true)
			renumber(items, rows[r:r+1])
		}
		for r := len(rows) - 2; r >= 0; r-- {
			sweep(items, rows[r], false)
			renumber(items, rows[r:r+1])
		}
		snapshot()
	}
	for i := range items {
		items[i].order = bestOrder[i]
	}
	renumber(items, rows)
}

func sweep(items []item, row []int, fromAbove bool) {
	for _, id := range row {
		ns := items[id].down
		if fromAbove {
			ns = items[id].up
		}
		if len(ns) == 0 {
			continue
		}
		sum := 0.0
		for _, n := range ns {
			sum += items[n].order
		}
		// Nudge by the old position so that ties keep their order.
		items[id].order = sum/float64(len(ns)) + items[id].order*1e-6
	}
}

func renumber(items []item, rows [][]int) {
	for _, row := range rows {
		sort.SliceStable(row, func(a, b int) bool { return items[row[a]].order < items[row[b]].order })
		for k, id := range row {
			items[id].order = float64(k)
		}
	}
}

func crossings(items []item, rows [][]int) int {
	n := 0
	for _, row := range rows {
		type seg struct{ a, b float64 }
		var segs []seg
		for _, id := range row {
			for _, d := range items[id].down {
				segs = append(segs, seg{items[id].order, items[d].order})
			}
		}
		for i := range segs {
			for j := i + 1; j < len(segs); j++ {
				if (segs[i].a-segs[j].a)*(segs[i].b-segs[j].b) < 0 {
					n++
				}
			}
		}
	}
	return n
}

// placeX gives items x positions: packed left to right, then moved
// repeatedly towards the mean of their neighbours while keeping their
// order and gaps.
func placeX(items []item, rows [][]int) {
	for _, row := range rows {
		x := float64(layoutMargin)
		for _, id := range row {
			items[id].x = x + items[id].w/2
			x += items[id].w + itemGap
		}
	}
	// A label's line passes at its left: attraction works on that point,
	// not on the label's centre, or every label would push the rows below
	// sideways.
	anchor := func(it *item) float64 {
		if it.label {
			return it.x - it.w/2 + dummyW/2
		}
		return it.x
	}
	for pass := 0; pass < 60; pass++ {
		for _, row := range rows {
			for _, id := range row {
				ns := append(append([]int{}, items[id].up...), items[id].down...)
				if len(ns) == 0 {
					continue
				}
				xs := make([]float64, len(ns))
				for k, n := range ns {
					xs[k] = anchor(&items[n])
				}
				sort.Float64s(xs)
				want := xs[len(xs)/2] // the median resists being dragged by one long edge
				if len(xs)%2 == 0 {
					want = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
				}
				items[id].x += (want - anchor(&items[id])) * 0.5
			}
			separate(items, row)
		}
	}
	minX := math.MaxFloat64
	for _, it := range items {
		minX = math.Min(minX, it.x-it.w/2)
	}
	for i := range items {
		items[i].x += layoutMargin - minX
	}
}

// separate removes overlaps in a row while moving items as little as
// possible: overlapping neighbours merge into a block placed at the mean
// of where its items want to be (isotonic regression), so crowded rows
// spread evenly instead of drifting one way.
func separate(items []item, row []int) {
	type block struct {
		first, last int     // positions in row
		width       float64 // from the first item's left edge to the last item's right edge
		sum         float64 // of each item's wanted left edge minus its offset in the block
		n           int
	}
	var stack []block
	for k, id := range row {
		it := items[id]
		b := block{first: k, last: k, width: it.w, sum: it.x - it.w/2, n: 1}
		for len(stack) > 0 {
			top := stack[len(stack)-1]
			if top.sum/float64(top.n)+top.width+itemGap <= b.sum/float64(b.n) {
				break
			}
			// Merge: b's items sit after top's, offset by top's width.
			off := top.width + itemGap
			b = block{first: top.first, last: b.last, width: off + b.width, sum: top.sum + b.sum - off*float64(b.n), n: top.n + b.n}
			stack = stack[:len(stack)-1]
		}
		stack = append(stack, b)
	}
	for _, b := range stack {
		x := b.sum / float64(b.n)
		for k := b.first; k <= b.last; k++ {
			it := &items[row[k]]
			it.x = x + it.w/2
			x += it.w + itemGap
		}
	}
}
