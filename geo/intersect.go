package geo

import "github.com/paulmach/orb"

// IntersectsBound reports whether geometry g shares at least one point with
// the closed box b: a point on the box's edge, a line crossing a corner, a
// polygon that holds the whole box. It is exact in floating point, not an
// envelope test: a diagonal line does not intersect a box that merely lies
// inside its envelope.
func IntersectsBound(g orb.Geometry, b orb.Bound) bool {
	if g == nil {
		return false
	}
	return IntersectsBoundEnvelope(g, g.Bound(), b)
}

// IntersectsBoundEnvelope is IntersectsBound for a caller that already
// knows g's envelope gb (computing it walks every vertex).
func IntersectsBoundEnvelope(g orb.Geometry, gb, b orb.Bound) bool {
	if gb.Max[0] < b.Min[0] || gb.Max[1] < b.Min[1] || gb.Min[0] > b.Max[0] || gb.Min[1] > b.Max[1] {
		return false
	}
	if gb.Min[0] >= b.Min[0] && gb.Min[1] >= b.Min[1] && gb.Max[0] <= b.Max[0] && gb.Max[1] <= b.Max[1] {
		return true // the whole geometry lies in the box
	}
	switch g := g.(type) {
	case orb.Point:
		return b.Contains(g)
	case orb.MultiPoint:
		for _, p := range g {
			if b.Contains(p) {
				return true
			}
		}
	case orb.LineString:
		return lineIntersectsBound(g, b)
	case orb.MultiLineString:
		for _, ls := range g {
			if lineIntersectsBound(ls, b) {
				return true
			}
		}
	case orb.Ring:
		return polygonIntersectsBound(orb.Polygon{g}, b)
	case orb.Polygon:
		return polygonIntersectsBound(g, b)
	case orb.MultiPolygon:
		for _, p := range g {
			if polygonIntersectsBound(p, b) {
				return true
			}
		}
	case orb.Collection:
		for _, m := range g {
			if IntersectsBound(m, b) {
				return true
			}
		}
	case orb.Bound:
		return true // envelopes overlap, tested above
	}
	return false
}

func lineIntersectsBound(ls orb.LineString, b orb.Bound) bool {
	// A vertex in the box settles it with four comparisons; most lines
	// and rings that cross the box's edge have one.
	for _, p := range ls {
		if b.Contains(p) {
			return true
		}
	}
	for i := 0; i+1 < len(ls); i++ {
		p, q := ls[i], ls[i+1]
		// Both ends beyond the same side of the box: the segment misses.
		if (p[0] < b.Min[0] && q[0] < b.Min[0]) || (p[0] > b.Max[0] && q[0] > b.Max[0]) ||
			(p[1] < b.Min[1] && q[1] < b.Min[1]) || (p[1] > b.Max[1] && q[1] > b.Max[1]) {
			continue
		}
		if segmentIntersectsBound(p, q, b) {
			return true
		}
	}
	return false
}

func polygonIntersectsBound(p orb.Polygon, b orb.Bound) bool {
	for _, r := range p {
		if lineIntersectsBound(orb.LineString(r), b) {
			return true
		}
	}
	// No edge reaches the box: the box is wholly inside the polygon or
	// wholly outside it, so one corner decides.
	return polygonContainsPoint(p, b.Min)
}

// segmentIntersectsBound clips segment pq against b (Liang–Barsky) and
// reports whether any part of it remains.
func segmentIntersectsBound(p, q orb.Point, b orb.Bound) bool {
	t0, t1 := 0.0, 1.0
	for axis := 0; axis < 2; axis++ {
		d := q[axis] - p[axis]
		lo, hi := b.Min[axis], b.Max[axis]
		if d == 0 {
			if p[axis] < lo || p[axis] > hi {
				return false
			}
			continue
		}
		ta, tb := (lo-p[axis])/d, (hi-p[axis])/d
		if ta > tb {
			ta, tb = tb, ta
		}
		if ta > t0 {
			t0 = ta
		}
		if tb < t1 {
			t1 = tb
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

// polygonContainsPoint reports whether pt lies inside the polygon's
// exterior ring and outside all of its holes (even–odd ray casting).
func polygonContainsPoint(p orb.Polygon, pt orb.Point) bool {
	if len(p) == 0 || !ringContainsPoint(p[0], pt) {
		return false
	}
	for _, hole := range p[1:] {
		if ringContainsPoint(hole, pt) {
			return false
		}
	}
	return true
}

func ringContainsPoint(r orb.Ring, pt orb.Point) bool {
	inside := false
	n := len(r)
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		a, c := r[i], r[j]
		if (a[1] > pt[1]) != (c[1] > pt[1]) {
			x := (c[0]-a[0])*(pt[1]-a[1])/(c[1]-a[1]) + a[0]
			if pt[0] < x {
				inside = !inside
			}
		}
	}
	return inside
}
