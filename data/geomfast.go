package data

import (
	"math"
	"slices"
	"sync"

	"github.com/paulmach/orb"
)

// This file holds the quick answer to "does this polygon touch or cross
// itself?" that validation asks of every polygon. findSelfIntersection's
// Shamos–Hoey sweep answers it in O(n log n) for any shape, but costs a
// sort of 2n events by point, an ordered tree and exact orientation tests
// that round every coordinate again each time. Nearly every polygon of a
// real layer is simple, and for those a much cheaper test proves it: the
// edges bucketed (a counting sort, O(n)) by the left end of their bounding
// boxes and swept in that order, each compared only with the edges still
// active, and the exact test run only on pairs whose boxes overlap (in
// integers of the six-decimal grid, converted once per polygon).
// Should that test find a meeting pair, findSelfIntersection runs as
// before to pick the pair the message names; should the shape make the box
// test slow (a comb, whose teeth all overlap in x), the sweep decides.

// polygonCheck is the reusable state of quickSelfIntersection: one per
// validating goroutine, so polygons allocate nothing once it has grown.
type polygonCheck struct {
	pts    []orb.Point // every vertex of every ring, closing ones included
	gx, gy []int64     // pts in millionths of a degree, when grid
	grid   bool
	edges  []edgeBox
	active []int32
	// bucket's
	order, starts, fill []int32
	lows                []float64
}

// edgeBox is one edge with its bounding box: from vertex v to v+1 of pts,
// the edge index of ring (n edges).
type edgeBox struct {
	xmin, xmax, ymin, ymax float64
	v, ring, index, n      int32
}

var polygonCheckPool = sync.Pool{New: func() any { return new(polygonCheck) }}

// verdict is quickSelfIntersection's answer.
type verdict int8

const (
	simple    verdict = iota // no two edges meet but neighbours at their vertex
	meets                    // some pair of edges meets
	undecided                // the shape would make the quick test slow
)

// quickSelfIntersection tells whether findSelfIntersection would find a
// pair of edges that meet in p (closed rings without repeated consecutive
// positions, as checkPolygon passes them). It is exact, with the same tests
// (see onGrid and orientFloat), and answers undecided rather than do more
// than a few times the work of a simple polygon.
func (pc *polygonCheck) quickSelfIntersection(p orb.Polygon) verdict {
	pc.load(p)
	// Neighbouring edges share their vertex; they may share no more (a
	// spike: collinear, folding back).
	for _, e := range pc.edges {
		prev := e.v - 1
		if e.index == 0 {
			prev = e.v + e.n - 1
		}
		if pc.orient(prev, e.v, e.v+1) == 0 && pc.foldsBack(prev, e.v, e.v+1) {
			return meets
		}
	}
	// Every other pair: only edges whose boxes overlap can meet. The edges
	// are taken in order of bucket (a counting sort by the left end of
	// their boxes, monotone in it), so an active edge that ends before the
	// leftmost start in the current bucket ends before every edge still to
	// come and leaves.
	order, starts, lows := pc.bucket()
	budget := 32*len(pc.edges) + 1024
	active := pc.active[:0]
	defer func() { pc.active = active }()
	for b := 0; b+1 < len(starts); b++ {
		if starts[b] == starts[b+1] {
			continue
		}
		low := lows[b]
		kept := active[:0]
		for _, j := range active {
			if pc.edges[j].xmax >= low {
				kept = append(kept, j)
			}
		}
		active = kept
		for _, i := range order[starts[b]:starts[b+1]] {
			e := &pc.edges[i]
			for _, j := range active {
				f := &pc.edges[j]
				if budget--; budget < 0 {
					return undecided
				}
				if f.xmax < e.xmin || e.xmax < f.xmin || f.ymax < e.ymin || e.ymax < f.ymin || neighbourEdges(e, f) {
					continue
				}
				if pc.segmentsMeet(e.v, f.v) {
					return meets
				}
			}
			active = append(active, i)
		}
	}
	return simple
}

// bucket sorts the edges into as many buckets as there are edges by the
// left end of their boxes: order lists the edges of bucket b at
// order[starts[b]:starts[b+1]], and lows[b] is the leftmost start in it.
func (pc *polygonCheck) bucket() (order, starts []int32, lows []float64) {
	n := len(pc.edges)
	x0, x1 := pc.edges[0].xmin, pc.edges[0].xmin
	for i := range pc.edges {
		x0, x1 = min(x0, pc.edges[i].xmin), max(x1, pc.edges[i].xmin)
	}
	scale := 0.0
	if x1 > x0 {
		scale = float64(n) / (x1 - x0) * (1 - 1e-9)
	}
	which := func(x float64) int { return min(int((x-x0)*scale), n-1) }
	starts = slices.Grow(pc.starts[:0], n+1)[:n+1]
	lows = slices.Grow(pc.lows[:0], n)[:n]
	clear(starts)
	for i := range pc.edges {
		b := which(pc.edges[i].xmin)
		if starts[b+1] == 0 || pc.edges[i].xmin < lows[b] {
			lows[b] = pc.edges[i].xmin
		}
		starts[b+1]++
	}
	for b := 1; b <= n; b++ {
		starts[b] += starts[b-1]
	}
	order = slices.Grow(pc.order[:0], n)[:n]
	fill := slices.Grow(pc.fill[:0], n)[:n]
	copy(fill, starts[:n])
	for i := range pc.edges {
		b := which(pc.edges[i].xmin)
		order[fill[b]] = int32(i)
		fill[b]++
	}
	pc.order, pc.starts, pc.lows, pc.fill = order, starts, lows, fill
	return order, starts, lows
}

// load flattens p's vertices and edges into pc.
func (pc *polygonCheck) load(p orb.Polygon) {
	pc.pts, pc.edges = pc.pts[:0], pc.edges[:0]
	for ri, r := range p {
		start := int32(len(pc.pts))
		pc.pts = append(pc.pts, r...)
		n := int32(len(r) - 1)
		for i := int32(0); i < n; i++ {
			a, b := r[i], r[i+1]
			pc.edges = append(pc.edges, edgeBox{
				xmin: min(a[0], b[0]), xmax: max(a[0], b[0]), ymin: min(a[1], b[1]), ymax: max(a[1], b[1]),
				v: start + i, ring: int32(ri), index: i, n: n})
		}
	}
	pc.grid = true
	pc.gx, pc.gy = pc.gx[:0], pc.gy[:0]
	for _, pt := range pc.pts {
		// gridValue and gridInt, rounding once.
		kx, ky := math.RoundToEven(pt[0]*gridScale), math.RoundToEven(pt[1]*gridScale)
		if math.Abs(pt[0]) > 1000 || math.Abs(pt[1]) > 1000 || kx/gridScale != pt[0] || ky/gridScale != pt[1] {
			pc.grid = false
			break
		}
		pc.gx, pc.gy = append(pc.gx, int64(kx)), append(pc.gy, int64(ky))
	}
}

// release returns pc to the pool unless it grew very large.
func (pc *polygonCheck) release() {
	if cap(pc.pts) > 1<<16 {
		return
	}
	polygonCheckPool.Put(pc)
}

// neighbourEdges reports whether e and f follow each other in one ring.
func neighbourEdges(e, f *edgeBox) bool {
	if e.ring != f.ring {
		return false
	}
	d := e.index - f.index
	return d == 1 || d == -1 || d == e.n-1 || d == 1-e.n
}

// orient is the exact sign of the turn a→b→c of vertices a, b, c.
func (pc *polygonCheck) orient(a, b, c int32) int {
	if !pc.grid {
		return orientFloat(pc.pts[a], pc.pts[b], pc.pts[c])
	}
	return orientInts(pc.gx[a], pc.gy[a], pc.gx[b], pc.gy[b], pc.gx[c], pc.gy[c])
}

// foldsBack reports whether, for collinear p, shared, q, the edges
// shared→p and shared→q point the same way (see neighboursOverlap).
func (pc *polygonCheck) foldsBack(p, shared, q int32) bool {
	if pc.grid {
		return (pc.gx[p]-pc.gx[shared])*(pc.gx[q]-pc.gx[shared])+(pc.gy[p]-pc.gy[shared])*(pc.gy[q]-pc.gy[shared]) > 0
	}
	s, a, b := pc.pts[shared], pc.pts[p], pc.pts[q]
	return (a[0]-s[0])*(b[0]-s[0])+(a[1]-s[1])*(b[1]-s[1]) > 0
}

// segmentsMeet is segmentsIntersect for the edges starting at vertices
// e and f.
func (pc *polygonCheck) segmentsMeet(e, f int32) bool {
	a, b, c, d := e, e+1, f, f+1
	o1, o2, o3, o4 := pc.orient(a, b, c), pc.orient(a, b, d), pc.orient(c, d, a), pc.orient(c, d, b)
	if o1 != o2 && o3 != o4 {
		return true
	}
	pa, pb, pcc, pd := pc.pts[a], pc.pts[b], pc.pts[c], pc.pts[d]
	return (o1 == 0 && onSegment(pa, pb, pcc)) || (o2 == 0 && onSegment(pa, pb, pd)) ||
		(o3 == 0 && onSegment(pcc, pd, pa)) || (o4 == 0 && onSegment(pcc, pd, pb))
}
