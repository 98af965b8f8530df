package data

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

func asError(err error, target any) bool { return errors.As(err, target) }

// checkGeometry applies the geometry rules: coordinates in range, no
// repeated consecutive points, closed rings of four or more positions with
// counter-clockwise exteriors and clockwise holes, and no self-intersecting
// polygons. strict adds the planning layers' rule of at most MaxDecimals
// decimals.
func (c *checker) checkGeometry(g orb.Geometry, strict bool) {
	switch g := g.(type) {
	case orb.Point:
		c.checkPoints("point", []orb.Point{g}, strict)
	case orb.MultiPoint:
		c.checkPoints("multipoint", g, strict)
	case orb.LineString:
		c.checkLine("line", g, strict)
	case orb.MultiLineString:
		for i, ls := range g {
			c.checkLine(fmt.Sprintf("line %d", i), ls, strict)
		}
	case orb.Polygon:
		c.checkPolygon("polygon", g, strict)
	case orb.MultiPolygon:
		if len(g) == 0 {
			c.fail("multipolygon has no polygons")
		}
		for i, p := range g {
			c.checkPolygon(fmt.Sprintf("polygon %d", i), p, strict)
		}
	case orb.Collection:
		for _, m := range g {
			c.checkGeometry(m, strict)
		}
	default:
		c.fail("unsupported geometry type %s", g.GeoJSONType())
	}
}

func (c *checker) checkPoints(what string, pts []orb.Point, strict bool) bool {
	ok := true
	for i, p := range pts {
		if !pointInRange(p) {
			c.fail("%s position %d %v is out of range (longitude -180..180, latitude -90..90)", what, i, [2]float64(p))
			ok = false
			continue
		}
		if strict && (tooPrecise(p[0]) || tooPrecise(p[1])) {
			c.fail("%s position %d %v has more than %d decimals", what, i, [2]float64(p), MaxDecimals)
			ok = false
		}
	}
	return ok
}

func (c *checker) checkRepeats(what string, pts []orb.Point) bool {
	for i := 1; i < len(pts); i++ {
		if pts[i] == pts[i-1] {
			c.fail("%s repeats position %d %v at %d", what, i-1, [2]float64(pts[i]), i)
			return false
		}
	}
	return true
}

func (c *checker) checkLine(what string, ls orb.LineString, strict bool) {
	if len(ls) < 2 {
		c.fail("%s has %d position(s), at least 2 needed", what, len(ls))
		return
	}
	c.checkPoints(what, ls, strict)
	c.checkRepeats(what, ls)
}

func (c *checker) checkPolygon(what string, p orb.Polygon, strict bool) {
	if len(p) == 0 {
		c.fail("%s has no rings", what)
		return
	}
	shapeOK := true
	for i, r := range p {
		ringName := fmt.Sprintf("%s exterior ring", what)
		if i > 0 {
			ringName = fmt.Sprintf("%s hole %d", what, i)
		}
		if len(r) < 4 {
			c.fail("%s has %d positions, at least 4 needed", ringName, len(r))
			shapeOK = false
			continue
		}
		if r[0] != r[len(r)-1] {
			c.fail("%s is not closed: first %v and last %v positions differ", ringName, [2]float64(r[0]), [2]float64(r[len(r)-1]))
			shapeOK = false
			continue
		}
		if !c.checkPoints(ringName, r, strict) || !c.checkRepeats(ringName, r) {
			shapeOK = false
			continue
		}
		area := signedArea(r)
		switch {
		case area == 0:
			c.fail("%s has zero area", ringName)
			shapeOK = false
		case i == 0 && area < 0:
			c.fail("%s is clockwise; RFC 7946 wants exterior rings counter-clockwise", ringName)
		case i > 0 && area > 0:
			c.fail("%s is counter-clockwise; RFC 7946 wants holes clockwise", ringName)
		}
	}
	if !shapeOK {
		return
	}
	if a, b, ok := findSelfIntersection(p); ok {
		c.fail("%s self-intersects: segment %s crosses segment %s", what, a, b)
	}
}

func pointInRange(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
}

func tooPrecise(v float64) bool {
	scaled := v * 1e6
	// A coordinate written with six decimals is within float64 rounding
	// (about 1e-8 here) of an integer once scaled.
	return math.Abs(scaled-math.Round(scaled)) > 1e-3
}

// signedArea is twice the ring's signed planar area: positive when the ring
// runs counter-clockwise.
func signedArea(r orb.Ring) float64 {
	var sum float64
	for i := 0; i+1 < len(r); i++ {
		sum += (r[i][0] - r[0][0]) * (r[i+1][1] - r[0][1])
		sum -= (r[i+1][0] - r[0][0]) * (r[i][1] - r[0][1])
	}
	return sum
}

// segment is one edge of a polygon ring, remembered with its place.
type segment struct {
	ring, index int
	a, b        orb.Point
}

func (s segment) String() string {
	return fmt.Sprintf("%d of ring %d", s.index, s.ring)
}

// findSelfIntersection sweeps a polygon's edges in order of their smallest x
// and reports the first pair that touches or crosses, other than the shared
// endpoint of neighbouring edges of one ring. It is O(n log n + k), where k is
// the number of edge pairs whose x ranges overlap.
func findSelfIntersection(p orb.Polygon) (segment, segment, bool) {
	var segs []segment
	for ri, r := range p {
		for i := 0; i+1 < len(r); i++ {
			segs = append(segs, segment{ring: ri, index: i, a: r[i], b: r[i+1]})
		}
	}
	minX := func(s segment) float64 { return math.Min(s.a[0], s.b[0]) }
	maxX := func(s segment) float64 { return math.Max(s.a[0], s.b[0]) }
	sort.Slice(segs, func(i, j int) bool { return minX(segs[i]) < minX(segs[j]) })
	ringLen := func(ri int) int { return len(p[ri]) - 1 }
	for i := range segs {
		s := segs[i]
		right := maxX(s)
		for j := i + 1; j < len(segs) && minX(segs[j]) <= right; j++ {
			t := segs[j]
			if math.Max(s.a[1], s.b[1]) < math.Min(t.a[1], t.b[1]) || math.Max(t.a[1], t.b[1]) < math.Min(s.a[1], s.b[1]) {
				continue
			}
			if s.ring == t.ring {
				n := ringLen(s.ring)
				lo, hi := s.index, t.index
				if lo > hi {
					lo, hi = hi, lo
				}
				if hi-lo == 1 || (lo == 0 && hi == n-1) {
					// Neighbours share one endpoint: they are bad only when
					// they fold back over each other.
					if n > 3 && neighboursOverlap(s, t) {
						return s, t, true
					}
					continue
				}
			}
			if segmentsIntersect(s.a, s.b, t.a, t.b) {
				return s, t, true
			}
		}
	}
	return segment{}, segment{}, false
}

// neighboursOverlap reports whether two edges that share an endpoint also
// share more than that point (a spike that doubles back).
func neighboursOverlap(s, t segment) bool {
	var shared, sOther, tOther orb.Point
	switch {
	case s.b == t.a:
		shared, sOther, tOther = s.b, s.a, t.b
	case s.a == t.b:
		shared, sOther, tOther = s.a, s.b, t.a
	case s.a == t.a:
		shared, sOther, tOther = s.a, s.b, t.b
	default:
		shared, sOther, tOther = s.b, s.a, t.a
	}
	if orient(shared, sOther, tOther) != 0 {
		return false
	}
	// Collinear: they overlap when both others lie on the same side of shared.
	dot := (sOther[0]-shared[0])*(tOther[0]-shared[0]) + (sOther[1]-shared[1])*(tOther[1]-shared[1])
	return dot > 0
}

// orient returns the sign of the turn a→b→c: 1 left, -1 right, 0 collinear.
func orient(a, b, c orb.Point) int {
	v := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func onSegment(a, b, p orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// segmentsIntersect reports whether closed segments ab and cd share a point.
func segmentsIntersect(a, b, c, d orb.Point) bool {
	o1, o2, o3, o4 := orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
	if o1 != o2 && o3 != o4 {
		return true
	}
	return (o1 == 0 && onSegment(a, b, c)) || (o2 == 0 && onSegment(a, b, d)) ||
		(o3 == 0 && onSegment(c, d, a)) || (o4 == 0 && onSegment(c, d, b))
}
