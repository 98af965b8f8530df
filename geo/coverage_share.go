package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// coverageStrips is the number of horizontal strips over which the covered
// share of a polygon is integrated (midpoint rule). The polygon's own area
// is integrated over the same strips, so a fully covered polygon comes out
// at exactly 1 and the errors of the two integrals largely cancel; the
// result agrees with an exact polygon overlay to a few parts in 1,000
// (TestCoveredShareMatchesOverlay).
const coverageStrips = 64

// capsule is the set of points of a plane within r of the segment p–q.
type capsule struct {
	p, q       orb.Point
	ux, uy     float64 // unit vector from p to q (0, 0 when p == q)
	length, r  float64
	minY, maxY float64
}

func newCapsule(p, q orb.Point, r float64) capsule {
	c := capsule{p: p, q: q, r: r, minY: math.Min(p[1], q[1]) - r, maxY: math.Max(p[1], q[1]) + r}
	if c.length = math.Hypot(q[0]-p[0], q[1]-p[1]); c.length > 0 {
		c.ux, c.uy = (q[0]-p[0])/c.length, (q[1]-p[1])/c.length
	}
	return c
}

// contains reports whether point x lies in the capsule.
func (c capsule) contains(x orb.Point) bool {
	dx, dy := x[0]-c.p[0], x[1]-c.p[1]
	t := math.Max(0, math.Min(c.length, dx*c.ux+dy*c.uy))
	ex, ey := dx-t*c.ux, dy-t*c.uy
	return ex*ex+ey*ey <= c.r*c.r
}

// span returns the interval of x where the horizontal line at y crosses
// the capsule. The capsule is convex, so the union of the line's crossings
// of its two end discs and its middle rectangle is one interval.
func (c capsule) span(y float64) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	r2 := c.r * c.r
	if dy := y - c.p[1]; dy*dy <= r2 {
		half := math.Sqrt(r2 - dy*dy)
		lo, hi = c.p[0]-half, c.p[0]+half
	}
	if dy := y - c.q[1]; dy*dy <= r2 {
		half := math.Sqrt(r2 - dy*dy)
		lo, hi = fmin(lo, c.q[0]-half), fmax(hi, c.q[0]+half)
	}
	if c.length > 0 {
		// 0 ≤ (X−p)·u ≤ length and −r ≤ (X−p)·n ≤ r, with n = (−uy, ux),
		// are two bands, each an interval of x on the line.
		dy := y - c.p[1]
		aLo, aHi, okA := band(c.ux, dy*c.uy, 0, c.length, c.p[0])
		bLo, bHi, okB := band(-c.uy, dy*c.ux, -c.r, c.r, c.p[0])
		if okA && okB {
			if l, h := fmax(aLo, bLo), fmin(aHi, bHi); l <= h {
				lo, hi = fmin(lo, l), fmax(hi, h)
			}
		}
	}
	return lo, hi, lo <= hi
}

// band returns the x for which lo ≤ a·(x − x0) + b ≤ hi.
func band(a, b, lo, hi, x0 float64) (float64, float64, bool) {
	if a == 0 {
		if b >= lo && b <= hi {
			return math.Inf(-1), math.Inf(1), true
		}
		return 0, 0, false
	}
	x1, x2 := (lo-b)/a+x0, (hi-b)/a+x0
	if x1 > x2 {
		x1, x2 = x2, x1
	}
	return x1, x2, true
}

type interval struct{ lo, hi float64 }

// shareScratch is a coverage worker's reusable memory for coveredShare.
type shareScratch struct {
	points []orb.Point
	rings  [][]orb.Point
	near   []capsule
	active []capsule
	xs     []float64
	spans  []interval
}

// coveredShare returns the share of the polygonal shape's area that lies
// within distance of the corridors, the target being within distance of
// one at nearest metres. A target whose extent plus that distance stays
// within reach is covered whole (triangle inequality); otherwise the
// corridor edges that come within distance of the target become capsules
// in a plane tangent to the target (see localFrame) and the share is
// integrated strip by strip.
func (w *coverageWorker) coveredShare(shape *Shape, distance, nearest float64) float64 {
	if distance == 0 {
		return 0
	}
	bound := shape.Bound()
	if nearest+boundDiameter(bound) <= distance {
		return 1
	}
	frame := newLocalFrame(bound.Center())
	sc := &w.share
	sc.points = sc.points[:0]
	for _, r := range shape.rings {
		for _, v := range shape.verts[r[0]:r[1]] {
			sc.points = append(sc.points, frame.project(v.v))
		}
	}
	sc.rings = sc.rings[:0]
	for _, r := range shape.rings {
		sc.rings = append(sc.rings, sc.points[int(r[0]-shape.rings[0][0]):int(r[1]-shape.rings[0][0])])
	}
	rings := sc.rings
	box := expandBound(bound, distance)
	w.capsules = w.capsules[:0]
	w.c.index.Candidates(box, func(i int) bool {
		piece := w.c.pieces[i]
		corridor := w.c.shapes[piece.corridor]
		last, lastXY := int32(-1), orb.Point{}
		project := func(v int32) orb.Point {
			if v != last { // consecutive edges share a vertex
				last, lastXY = v, frame.project(corridor.verts[v].v)
			}
			return lastXY
		}
		corridor.eachElemInNode(piece.level, piece.index, box, func(e shapeElem) {
			p := project(e.a)
			w.capsules = append(w.capsules, newCapsule(p, project(e.b), distance))
		})
		return true
	})
	// A capsule is convex: if it holds every vertex it holds the polygon.
	for _, c := range w.capsules {
		if allInside(c, rings) {
			return 1
		}
	}
	return sc.scanShare(rings, w.capsules, coverageStrips)
}

// boundDiameter returns an upper bound in metres of the distance between
// any two points of a small box: the diagonal over its widest parallel.
func boundDiameter(b orb.Bound) float64 {
	widest := b.Min[1]
	if math.Abs(b.Max[1]) < math.Abs(widest) {
		widest = b.Max[1]
	}
	if b.Min[1] < 0 && b.Max[1] > 0 {
		widest = 0
	}
	width := PointDistance(orb.Point{b.Min[0], widest}, orb.Point{b.Max[0], widest})
	height := PointDistance(orb.Point{b.Min[0], b.Min[1]}, orb.Point{b.Min[0], b.Max[1]})
	return math.Hypot(width, height) * 1.001
}

// localFrame maps auxiliary-sphere vectors near a centre to metres on a
// plane tangent there: the orthographic projection onto the east and north
// directions, scaled by the ellipsoid's radii of curvature at the centre
// (N·cos φ per unit of cos β·dλ eastward, M per unit of dβ northward).
// Within 50 km of the centre it is true to 10⁻⁴; at 500 km to about 0.5 %.
type localFrame struct {
	east, north vec3
	kx, ky      float64
}

func newLocalFrame(centre orb.Point) localFrame {
	c := auxVector(centre[0], centre[1])
	east := vec3{-c.y, c.x, 0}
	if east.norm2() < 1e-20 { // at a pole any direction will do
		east = vec3{0, 1, 0}
	}
	east = east.normalize()
	north := c.cross(east)
	phi := centre[1] * degree
	e2 := wgs84F * (2 - wgs84F)
	sinPhi, cosPhi := math.Sincos(phi)
	w := math.Sqrt(1 - e2*sinPhi*sinPhi)
	primeVertical := wgs84A / w
	meridian := wgs84A * (1 - e2) / (w * w * w)
	cosBeta := math.Hypot(c.x, c.y)
	fr := localFrame{east: east, north: north}
	fr.kx = primeVertical // N·cos φ / cos β → N as φ → ±90°
	fr.ky = meridian / (1 - wgs84F)
	if cosPhi > 1e-12 {
		fr.kx = primeVertical * cosPhi / cosBeta
		fr.ky = meridian * cosPhi * cosPhi / ((1 - wgs84F) * cosBeta * cosBeta)
	}
	return fr
}

func (fr localFrame) project(v vec3) orb.Point {
	return orb.Point{fr.kx * v.dot(fr.east), fr.ky * v.dot(fr.north)}
}

func allInside(c capsule, rings [][]orb.Point) bool {
	for _, ring := range rings {
		for _, p := range ring {
			if !c.contains(p) {
				return false
			}
		}
	}
	return true
}

// scanShare integrates, over strips horizontal strips, the length of each
// strip's middle line inside the rings (even–odd) and inside any capsule,
// and returns the ratio of the two. Capsules that miss the rings' box are
// dropped; the others are swept in order of their lowest y.
func (sc *shareScratch) scanShare(rings [][]orb.Point, capsules []capsule, strips int) float64 {
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, ring := range rings {
		for _, p := range ring {
			minX, minY = fmin(minX, p[0]), fmin(minY, p[1])
			maxX, maxY = fmax(maxX, p[0]), fmax(maxY, p[1])
		}
	}
	if !(maxY > minY) {
		return 0
	}
	near := sc.near[:0]
	for _, c := range capsules {
		if c.maxY >= minY && c.minY <= maxY &&
			fmax(c.p[0], c.q[0])+c.r >= minX && fmin(c.p[0], c.q[0])-c.r <= maxX {
			near = append(near, c)
		}
	}
	slices.SortFunc(near, func(a, b capsule) int { return cmpFloat(a.minY, b.minY) })
	sc.near = near
	h := (maxY - minY) / float64(strips)
	xs, spans, active := sc.xs[:0], sc.spans[:0], sc.active[:0]
	defer func() { sc.xs, sc.spans, sc.active = xs, spans, active }()
	var total, covered float64
	next := 0
	for k := 0; k < strips; k++ {
		y := minY + (float64(k)+0.5)*h
		xs = xs[:0]
		for _, ring := range rings {
			for i := 0; i+1 < len(ring); i++ {
				a, b := ring[i], ring[i+1]
				if (a[1] > y) != (b[1] > y) {
					xs = append(xs, a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]))
				}
			}
		}
		slices.Sort(xs)
		for ; next < len(near) && near[next].minY <= y; next++ {
			active = append(active, near[next])
		}
		spans = spans[:0]
		kept := active[:0]
		for _, c := range active {
			if c.maxY < y {
				continue // below every later strip too
			}
			kept = append(kept, c)
			if lo, hi, ok := c.span(y); ok {
				spans = append(spans, interval{lo, hi})
			}
		}
		active = kept
		slices.SortFunc(spans, func(a, b interval) int { return cmpFloat(a.lo, b.lo) })
		// Walk the polygon's intervals and the capsules' spans together.
		j := 0
		for i := 0; i+1 < len(xs); i += 2 {
			lo, hi := xs[i], xs[i+1]
			total += hi - lo
			for ; j < len(spans) && spans[j].hi <= lo; j++ {
			}
			// Count the union of the spans within [lo, hi] once.
			cur := lo
			for k := j; k < len(spans) && spans[k].lo < hi; k++ {
				s := fmax(spans[k].lo, cur)
				e := fmin(spans[k].hi, hi)
				if e > s {
					covered += e - s
					cur = e
				}
			}
		}
	}
	if total == 0 {
		return 0
	}
	return math.Min(1, covered/total)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
