package data

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"

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
		if len(g) == 0 {
			c.fail("multipoint has no points")
		}
		c.checkPoints("multipoint", g, strict)
	case orb.LineString:
		c.checkLine("line", g, strict)
	case orb.MultiLineString:
		if len(g) == 0 {
			c.fail("multilinestring has no lines")
		}
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
		if len(g) == 0 {
			c.fail("geometry collection is empty")
		}
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
	exact := onGrid(p)
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
		switch area := ringAreaSign(r, exact); {
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
	if a, b, spike, ok := findSelfIntersection(p); ok {
		if spike {
			c.fail("%s has a spike: segment %s folds back over segment %s", what, a, b)
		} else {
			c.fail("%s self-intersects: segment %s crosses or touches segment %s", what, a, b)
		}
		return
	}
	// No two rings touch, so each hole lies wholly inside or wholly outside
	// every other ring: one vertex tells which.
	orient := orientationFor(exact)
	for i := 1; i < len(p); i++ {
		if !insideRing(p[i][0], p[0], orient) {
			c.fail("%s hole %d lies outside the exterior ring", what, i)
			continue
		}
		for j := 1; j < len(p); j++ {
			if j != i && insideRing(p[i][0], p[j], orient) {
				c.fail("%s hole %d lies inside hole %d", what, i, j)
				break
			}
		}
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

// gridScale is the number of grid steps per degree: planning-layer
// coordinates have at most six decimals.
const gridScale = 1e6

// onGrid reports whether every position of p is exactly the float64 that a
// decimal with at most six decimals reads as (what strconv.ParseFloat gives
// for "120.123456"). Such positions are compared exactly as integers of
// millionths of a degree: their decimal values, not their binary
// approximations, decide whether points are collinear.
func onGrid(p orb.Polygon) bool {
	for _, r := range p {
		for _, pt := range r {
			if !gridValue(pt[0]) || !gridValue(pt[1]) {
				return false
			}
		}
	}
	return true
}

func gridValue(v float64) bool {
	if math.Abs(v) > 1000 {
		return false
	}
	k := math.Round(v * gridScale)
	return k/gridScale == v
}

func gridInt(v float64) int64 { return int64(math.Round(v * gridScale)) }

// orientation returns the sign of the turn a→b→c: 1 left, -1 right, 0
// collinear.
type orientation func(a, b, c orb.Point) int

func orientationFor(exactGrid bool) orientation {
	if exactGrid {
		return orientGrid
	}
	return orientFloat
}

// orientGrid is exact for positions on the six-decimal grid: differences
// are at most 3.6e8 millionths, so the products stay below 2^63.
func orientGrid(a, b, c orb.Point) int {
	ax, ay := gridInt(a[0]), gridInt(a[1])
	v := (gridInt(b[0])-ax)*(gridInt(c[1])-ay) - (gridInt(b[1])-ay)*(gridInt(c[0])-ax)
	return sign(float64(v))
}

// orientFloat is exact for any float64 positions: it trusts the floating
// point result when it is far from zero (Shewchuk's error bound for this
// determinant) and recomputes in rational arithmetic otherwise.
func orientFloat(a, b, c orb.Point) int {
	l := (b[0] - a[0]) * (c[1] - a[1])
	r := (b[1] - a[1]) * (c[0] - a[0])
	v := l - r
	const epsilon = 1.1102230246251565e-16 // 2^-53
	if bound := (3 + 16*epsilon) * epsilon * (math.Abs(l) + math.Abs(r)); math.Abs(v) > bound {
		return sign(v)
	}
	rat := func(f float64) *big.Rat { return new(big.Rat).SetFloat64(f) }
	sub := func(x, y float64) *big.Rat { return new(big.Rat).Sub(rat(x), rat(y)) }
	lr := new(big.Rat).Mul(sub(b[0], a[0]), sub(c[1], a[1]))
	rr := new(big.Rat).Mul(sub(b[1], a[1]), sub(c[0], a[0]))
	return lr.Cmp(rr)
}

func sign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// ringAreaSign returns the sign of a closed ring's signed area: positive
// when it runs counter-clockwise. It is exact (in the grid's integers, or
// in rational arithmetic when the floating point sum is too close to zero
// to trust).
func ringAreaSign(r orb.Ring, exactGrid bool) int {
	if exactGrid {
		sum := new(big.Int)
		var acc int64
		x0, y0 := gridInt(r[0][0]), gridInt(r[0][1])
		for i := 1; i+1 < len(r); i++ {
			ax, ay := gridInt(r[i][0])-x0, gridInt(r[i][1])-y0
			bx, by := gridInt(r[i+1][0])-x0, gridInt(r[i+1][1])-y0
			term := ax*by - bx*ay // |term| < 2^57
			if (acc > 0 && term > math.MaxInt64-acc) || (acc < 0 && term < math.MinInt64-acc) {
				sum.Add(sum, big.NewInt(acc))
				acc = 0
			}
			acc += term
		}
		return sum.Add(sum, big.NewInt(acc)).Sign()
	}
	var v, magnitude float64
	for i := 1; i+1 < len(r); i++ {
		t1 := (r[i][0] - r[0][0]) * (r[i+1][1] - r[0][1])
		t2 := (r[i+1][0] - r[0][0]) * (r[i][1] - r[0][1])
		v += t1 - t2
		magnitude += math.Abs(t1) + math.Abs(t2)
	}
	if math.Abs(v) > 4*float64(len(r))*1.1102230246251565e-16*magnitude {
		return sign(v)
	}
	sum := new(big.Rat)
	rat := func(f float64) *big.Rat { return new(big.Rat).SetFloat64(f) }
	for i := 1; i+1 < len(r); i++ {
		ax := new(big.Rat).Sub(rat(r[i][0]), rat(r[0][0]))
		ay := new(big.Rat).Sub(rat(r[i][1]), rat(r[0][1]))
		bx := new(big.Rat).Sub(rat(r[i+1][0]), rat(r[0][0]))
		by := new(big.Rat).Sub(rat(r[i+1][1]), rat(r[0][1]))
		sum.Add(sum, new(big.Rat).Sub(new(big.Rat).Mul(ax, by), new(big.Rat).Mul(bx, ay)))
	}
	return sum.Sign()
}

// insideRing reports whether p lies inside ring r (crossing number with
// exact orientation tests); p must not lie on r.
func insideRing(p orb.Point, r orb.Ring, orient orientation) bool {
	in := false
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if (a[1] > p[1]) == (b[1] > p[1]) {
			continue
		}
		// The edge straddles p's horizontal line: p is left of an upward
		// edge, or right of a downward one, when the ray to +x crosses it.
		if o := orient(a, b, p); (b[1] > a[1] && o > 0) || (b[1] < a[1] && o < 0) {
			in = !in
		}
	}
	return in
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
// endpoint of neighbouring edges of one ring; spike says the pair are
// neighbours that fold back over each other (reported before any other
// pair). It is O(n log n + k), where k
// is the number of edge pairs whose x ranges overlap. Its tests are exact
// (see onGrid and orientFloat). Rings must be closed, without repeated
// consecutive positions.
func findSelfIntersection(p orb.Polygon) (first, second segment, spike, found bool) {
	orient := orientationFor(onGrid(p))
	// A spike also touches the edge before it, so look for spikes first to
	// name them as such.
	for ri, r := range p {
		n := len(r) - 1
		for i := 0; i < n; i++ {
			prev := (i - 1 + n) % n
			before := segment{ring: ri, index: prev, a: r[prev], b: r[i]}
			after := segment{ring: ri, index: i, a: r[i], b: r[i+1]}
			if n > 2 && neighboursOverlap(before, after, orient) {
				if prev > i {
					before, after = after, before
				}
				return before, after, true, true
			}
		}
	}
	var segs []segment
	for ri, r := range p {
		for i := 0; i+1 < len(r); i++ {
			segs = append(segs, segment{ring: ri, index: i, a: r[i], b: r[i+1]})
		}
	}
	minX := func(s segment) float64 { return math.Min(s.a[0], s.b[0]) }
	maxX := func(s segment) float64 { return math.Max(s.a[0], s.b[0]) }
	slices.SortFunc(segs, func(s, t segment) int { return cmp.Compare(minX(s), minX(t)) })
	ringLen := func(ri int) int { return len(p[ri]) - 1 }
	for i := range segs {
		s := segs[i]
		right := maxX(s)
		for j := i + 1; j < len(segs) && minX(segs[j]) <= right; j++ {
			t := segs[j]
			if math.Max(s.a[1], s.b[1]) < math.Min(t.a[1], t.b[1]) || math.Max(t.a[1], t.b[1]) < math.Min(s.a[1], s.b[1]) {
				continue
			}
			first, second = s, t
			if first.ring > second.ring || (first.ring == second.ring && first.index > second.index) {
				first, second = second, first
			}
			if s.ring == t.ring {
				n := ringLen(s.ring)
				lo, hi := first.index, second.index
				if hi-lo == 1 || (lo == 0 && hi == n-1) {
					// Neighbours share one endpoint: they are bad only when
					// they fold back over each other, checked above.
					continue
				}
			}
			if segmentsIntersect(s.a, s.b, t.a, t.b, orient) {
				return first, second, false, true
			}
		}
	}
	return segment{}, segment{}, false, false
}

// neighboursOverlap reports whether two edges that share an endpoint also
// share more than that point (a spike that doubles back).
func neighboursOverlap(s, t segment, orient orientation) bool {
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
	// Collinear: they overlap when both others lie on the same side of
	// shared. Each product's sign is exact, and for collinear vectors they
	// never have opposite signs, so the sum's sign is exact too.
	dot := (sOther[0]-shared[0])*(tOther[0]-shared[0]) + (sOther[1]-shared[1])*(tOther[1]-shared[1])
	return dot > 0
}

func onSegment(a, b, p orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// segmentsIntersect reports whether closed segments ab and cd share a point.
func segmentsIntersect(a, b, c, d orb.Point, orient orientation) bool {
	o1, o2, o3, o4 := orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
	if o1 != o2 && o3 != o4 {
		return true
	}
	return (o1 == 0 && onSegment(a, b, c)) || (o2 == 0 && onSegment(a, b, d)) ||
		(o3 == 0 && onSegment(c, d, a)) || (o4 == 0 && onSegment(c, d, b))
}
