package data

import (
	"cmp"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// exactPoint is a position as an exact rational: the decimal a six-decimal
// coordinate stands for, or the float64's own value otherwise.
type exactPoint struct{ x, y *big.Rat }

// gridExact reads a six-decimal coordinate's decimal text as an integer of
// millionths, independently of the code under test.
func gridExact(v float64) int64 {
	s := strconv.FormatFloat(v, 'f', 6, 64)
	k, err := strconv.ParseInt(strings.Replace(s, ".", "", 1), 10, 64)
	if err != nil {
		panic(err)
	}
	return k
}

func exactOf(p orb.Point, grid bool) exactPoint {
	conv := func(v float64) *big.Rat {
		if grid {
			r, ok := new(big.Rat).SetString(strconv.FormatFloat(v, 'f', -1, 64))
			if !ok {
				panic(v)
			}
			return r
		}
		return new(big.Rat).SetFloat64(v)
	}
	return exactPoint{conv(p[0]), conv(p[1])}
}

func bruteOrient(a, b, c exactPoint) int {
	l := new(big.Rat).Mul(new(big.Rat).Sub(b.x, a.x), new(big.Rat).Sub(c.y, a.y))
	r := new(big.Rat).Mul(new(big.Rat).Sub(b.y, a.y), new(big.Rat).Sub(c.x, a.x))
	return l.Cmp(r)
}

// bruteGeometry is the exact arithmetic the brute force needs: rationals
// for any float64, int64 millionths for six-decimal coordinates (fast
// enough for rings of hundreds of vertices).
type bruteGeometry[P any] struct {
	orient func(a, b, c P) int
	// within reports whether r lies in the bounding box of p and q.
	within func(p, q, r P) bool
	// sameWay reports whether p-s and q-s point the same way (dot > 0).
	sameWay func(p, s, q P) bool
}

var ratGeometry = bruteGeometry[exactPoint]{
	orient: bruteOrient,
	within: func(p, q, r exactPoint) bool { return between(p.x, q.x, r.x) && between(p.y, q.y, r.y) },
	sameWay: func(p, s, q exactPoint) bool {
		dot := new(big.Rat).Add(
			new(big.Rat).Mul(new(big.Rat).Sub(p.x, s.x), new(big.Rat).Sub(q.x, s.x)),
			new(big.Rat).Mul(new(big.Rat).Sub(p.y, s.y), new(big.Rat).Sub(q.y, s.y)))
		return dot.Sign() > 0
	},
}

type intPoint struct{ x, y int64 }

var intGeometry = bruteGeometry[intPoint]{
	orient: func(a, b, c intPoint) int {
		v := (b.x-a.x)*(c.y-a.y) - (b.y-a.y)*(c.x-a.x)
		switch {
		case v > 0:
			return 1
		case v < 0:
			return -1
		}
		return 0
	},
	within: func(p, q, r intPoint) bool {
		return min(p.x, q.x) <= r.x && r.x <= max(p.x, q.x) && min(p.y, q.y) <= r.y && r.y <= max(p.y, q.y)
	},
	sameWay: func(p, s, q intPoint) bool { return (p.x-s.x)*(q.x-s.x)+(p.y-s.y)*(q.y-s.y) > 0 },
}

func between(a, b, p *big.Rat) bool {
	lo, hi := a, b
	if lo.Cmp(hi) > 0 {
		lo, hi = hi, lo
	}
	return lo.Cmp(p) <= 0 && p.Cmp(hi) <= 0
}

// touch: do closed segments ab and cd share a point? Textbook case
// analysis.
func (g bruteGeometry[P]) touch(a, b, c, d P) bool {
	o1, o2, o3, o4 := g.orient(a, b, c), g.orient(a, b, d), g.orient(c, d, a), g.orient(c, d, b)
	if o1*o2 < 0 && o3*o4 < 0 {
		return true
	}
	return (o1 == 0 && g.within(a, b, c)) || (o2 == 0 && g.within(a, b, d)) ||
		(o3 == 0 && g.within(c, d, a)) || (o4 == 0 && g.within(c, d, b))
}

// foldBack: do neighbouring edges p→shared and shared→q overlap in more
// than their shared point?
func (g bruteGeometry[P]) foldBack(p, shared, q P) bool {
	return g.orient(p, shared, q) == 0 && g.sameWay(p, shared, q)
}

type bruteSeg[P any] struct {
	ring, index int
	a, b        P
}

// intersections checks every pair of edges: O(n²). It returns whether the
// polygon is bad, and a test of whether a given pair of edges is bad.
func (g bruteGeometry[P]) intersections(p orb.Polygon, conv func(orb.Point) P) (bad bool, badPair func(ring1, i1, ring2, i2 int) bool) {
	var segs []bruteSeg[P]
	ringLen := map[int]int{}
	for ri, r := range p {
		ringLen[ri] = len(r) - 1
		for i := 0; i+1 < len(r); i++ {
			segs = append(segs, bruteSeg[P]{ri, i, conv(r[i]), conv(r[i+1])})
		}
	}
	pairBad := func(s, t bruteSeg[P]) bool {
		if s.ring == t.ring {
			n := ringLen[s.ring]
			switch {
			case (s.index+1)%n == t.index:
				return g.foldBack(s.a, s.b, t.b)
			case (t.index+1)%n == s.index:
				return g.foldBack(t.a, t.b, s.b)
			}
		}
		return g.touch(s.a, s.b, t.a, t.b)
	}
	for i := range segs {
		for j := i + 1; j < len(segs) && !bad; j++ {
			bad = pairBad(segs[i], segs[j])
		}
	}
	find := func(ring, index int) bruteSeg[P] {
		for _, s := range segs {
			if s.ring == ring && s.index == index {
				return s
			}
		}
		panic("no such segment")
	}
	return bad, func(r1, i1, r2, i2 int) bool { return pairBad(find(r1, i1), find(r2, i2)) }
}

// bruteIntersections runs the brute force in the arithmetic that fits p.
func bruteIntersections(p orb.Polygon, grid bool) (bool, func(ring1, i1, ring2, i2 int) bool) {
	if grid {
		return intGeometry.intersections(p, func(q orb.Point) intPoint { return intPoint{gridExact(q[0]), gridExact(q[1])} })
	}
	return ratGeometry.intersections(p, func(q orb.Point) exactPoint { return exactOf(q, false) })
}

func gridPoint(x, y int64) orb.Point {
	return orb.Point{float64(x) / 1e6, float64(y) / 1e6}
}

// randomRing draws n positions on a coarse lattice near (x0, y0) in
// millionths of a degree, so collinear vertices, touching edges and
// overlaps are common; consecutive repeats are redrawn (the validator
// rejects them before the sweep runs).
func randomRing(rng *rand.Rand, n int, x0, y0, size, stepX, stepY int64) orb.Ring {
	r := make(orb.Ring, 0, n+1)
	for len(r) < n {
		p := gridPoint(x0+stepX*rng.Int64N(size), y0+stepY*rng.Int64N(size))
		if len(r) > 0 && p == r[len(r)-1] {
			continue
		}
		if len(r) == n-1 && p == r[0] {
			continue
		}
		r = append(r, p)
	}
	return append(r, r[0])
}

// TestSelfIntersectionAgainstBruteForce compares the sweep with an exact
// O(n²) check of every pair of edges on thousands of random polygons:
// arbitrary rings on a coarse lattice (full of degenerate cases) at real
// coordinate magnitudes, rings with holes, star-shaped rings as Generate
// draws them, and rings off the six-decimal grid.
func TestSelfIntersectionAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	type sample struct {
		name string
		poly orb.Polygon
	}
	var samples []sample
	for i := 0; i < 6000; i++ {
		n := 4 + rng.IntN(5)
		samples = append(samples, sample{"lattice ring", orb.Polygon{randomRing(rng, n, 120123456, 28000001, 10, 7, 3)}})
	}
	for i := 0; i < 2000; i++ {
		p := orb.Polygon{randomRing(rng, 4+rng.IntN(3), 118500000, 24900000, 20, 2, 5)}
		for h := rng.IntN(3); h > 0; h-- {
			p = append(p, randomRing(rng, 4, 118500000, 24900000, 20, 2, 5))
		}
		samples = append(samples, sample{"lattice polygon with holes", p})
	}
	for i := 0; i < 3000; i++ {
		// Lattice points in angular order around their mean: mostly
		// simple rings, with collinear and touching cases where points
		// line up with the centre.
		pts := angularOrder(randomRing(rng, 4+rng.IntN(10), 121000000, 27000000, 12, 3, 4))
		if len(pts) < 3 || pts[0] == pts[len(pts)-1] {
			continue
		}
		samples = append(samples, sample{"angular lattice ring", orb.Polygon{append(orb.Ring(pts), pts[0])}})
	}
	g := newGenerator(1)
	for i := 0; i < 1500; i++ {
		centre := orb.Point{117.5 + 4*rng.Float64(), 24.5 + 4*rng.Float64()}
		radius := 300 + 3000*rng.Float64()
		n := GenMinPolygonVertices + rng.IntN(maxStarVertices(radius)-GenMinPolygonVertices+1)
		if i%10 == 0 {
			// Tiny stars: rounding to six decimals crowds their vertices.
			radius, n = 2+3*rng.Float64(), 8+rng.IntN(8)
		}
		samples = append(samples, sample{"star", orb.Polygon{g.starRing(rng, centre, radius, n)}})
	}
	for i := 0; i < 1000; i++ {
		// Off the grid: a lattice scaled by a step that is not a decimal.
		r := randomRing(rng, 4+rng.IntN(4), 0, 0, 8, 1, 1)
		for j := range r {
			r[j] = orb.Point{120 + r[j][0]*1e6*math.Pi*1e-7, 28 + r[j][1]*1e6*math.E*1e-7}
		}
		samples = append(samples, sample{"off-grid ring", orb.Polygon{r}})
	}
	for i := 0; i < 400; i++ {
		// Longer rings, so that the sweep's active set holds many edges
		// and its order, not just the endpoint check, decides.
		r := randomRing(rng, 12+rng.IntN(40), 119000000, 26000000, 60, 1, 1)
		samples = append(samples, sample{"long lattice ring", orb.Polygon{r}})
		// The same points in angular order: mostly simple, with collinear
		// runs and touches where points line up with the centre.
		pts := angularOrder(r)
		if i%2 == 0 && len(pts) > 4 {
			// One vertex moved to a random lattice point.
			k := rng.IntN(len(pts))
			q := gridPoint(119000000+rng.Int64N(60), 26000000+rng.Int64N(60))
			if q != pts[(k+len(pts)-1)%len(pts)] && q != pts[(k+1)%len(pts)] {
				pts[k] = q
			}
		}
		if len(pts) >= 3 && pts[0] != pts[len(pts)-1] {
			samples = append(samples, sample{"long angular lattice ring", orb.Polygon{append(orb.Ring(pts), pts[0])}})
		}
	}
	for i := 0; i < 300; i++ {
		// Combs (every edge overlaps every other in x) with one tooth
		// moved by a random step: often still simple, sometimes touching
		// or crossing its neighbour.
		c := combRing(3+rng.IntN(12), 2)
		k := 1 + rng.IntN(len(c)-3)
		c[k][0] += float64(rng.IntN(5)-2) * 1e-6
		c[k][1] += float64(rng.IntN(5)-2) * 1e-6
		if c[k] == c[k-1] || c[k] == c[k+1] {
			continue
		}
		samples = append(samples, sample{"perturbed comb", orb.Polygon{c}})
	}
	for _, d := range degenerateSamples(rng) {
		samples = append(samples, sample{d.name, d.poly})
	}
	counts := map[string][2]int{}
	leftToSweep := 0
	pc := new(polygonCheck)
	for _, s := range samples {
		grid := onGrid(s.poly)
		wantBad, badPair := bruteIntersections(s.poly, grid)
		a, b, spike, gotBad := findSelfIntersection(s.poly)
		c := counts[s.name]
		c[0]++
		if wantBad {
			c[1]++
		}
		counts[s.name] = c
		if gotBad != wantBad {
			t.Fatalf("%s %v: sweep says bad=%v, brute force says %v", s.name, s.poly, gotBad, wantBad)
		}
		switch quick := pc.quickSelfIntersection(s.poly); {
		case quick == undecided:
			leftToSweep++
		case (quick == meets) != wantBad:
			t.Fatalf("%s %v: quick test says meets=%v, brute force says %v", s.name, s.poly, quick == meets, wantBad)
		}
		if gotBad && !badPair(a.ring, a.index, b.ring, b.index) {
			t.Fatalf("%s %v: sweep blames segments %s and %s (spike %v), which brute force finds fine", s.name, s.poly, a, b, spike)
		}
	}
	for name, c := range counts {
		t.Logf("%-27s %5d polygons, %5d bad", name, c[0], c[1])
		if c[1] == 0 && name != "star" {
			t.Errorf("%s: no bad polygon drawn; the comparison proves little", name)
		}
	}
	if c := counts["star"]; c[1] != 0 {
		t.Errorf("%d of Generate's star rings self-intersect", c[1])
	}
	if leftToSweep > len(samples)/100 {
		t.Errorf("the quick test left %d of %d polygons to the sweep", leftToSweep, len(samples))
	}
}

type namedPolygon struct {
	name string
	poly orb.Polygon
}

// angularOrder returns ring r's positions (without its closing one) in
// angular order about their mean, repeated neighbours dropped: an open
// ring, simple but for points in line with the centre.
func angularOrder(r orb.Ring) orb.Ring {
	pts := append([]orb.Point(nil), r[:len(r)-1]...)
	var cx, cy float64
	for _, q := range pts {
		cx, cy = cx+q[0]/float64(len(pts)), cy+q[1]/float64(len(pts))
	}
	slices.SortFunc(pts, func(a, b orb.Point) int {
		return cmp.Compare(math.Atan2(a[1]-cy, a[0]-cx), math.Atan2(b[1]-cy, b[0]-cx))
	})
	return slices.Compact(pts)
}

// degenerateSamples draws simple lattice rings and then breaks them in
// the ways that are hard to see: a spike folding back over the edge before
// it, a vertex moved onto another vertex or onto a non-neighbouring edge,
// an edge laid along a non-neighbouring one (collinear overlap or a touch
// end to end), a hole touching the exterior; each also off the six-decimal
// grid. Some draws stay simple (a vertex moved onto a line it does not
// reach), so both answers occur in each family.
func degenerateSamples(rng *rand.Rand) []namedPolygon {
	// angular draws a ring through lattice points in angular order about
	// their mean: simple but for points in line with the centre.
	angular := func(n int) orb.Ring {
		return angularOrder(randomRing(rng, n, 120000000, 30000000, 16, 2, 2))
	}
	at := func(pts []orb.Point, i int) orb.Point { return pts[(i%len(pts)+len(pts))%len(pts)] }
	// lerp is a + t·(b−a) on the lattice (t a small integer or a half).
	lerp := func(a, b orb.Point, num, den int64) (orb.Point, bool) {
		ax, ay, bx, by := gridInt(a[0]), gridInt(a[1]), gridInt(b[0]), gridInt(b[1])
		x, y := ax*den+num*(bx-ax), ay*den+num*(by-ay)
		if x%den != 0 || y%den != 0 {
			return orb.Point{}, false
		}
		return gridPoint(x/den, y/den), true
	}
	valid := func(pts []orb.Point) bool {
		if len(pts) < 3 {
			return false
		}
		for i := range pts {
			if pts[i] == at(pts, i+1) {
				return false
			}
		}
		return true
	}
	closed := func(pts []orb.Point) orb.Ring { return append(orb.Ring(slices.Clone(pts)), pts[0]) }
	var out []namedPolygon
	add := func(name string, p orb.Polygon) {
		out = append(out, namedPolygon{name, p})
		// The same shape off the grid: scaled by steps that are not decimals.
		off := make(orb.Polygon, len(p))
		for ri, r := range p {
			off[ri] = make(orb.Ring, len(r))
			for i, q := range r {
				off[ri][i] = orb.Point{120 + (q[0]-120)*math.Pi, 30 + (q[1]-30)*math.E}
			}
		}
		out = append(out, namedPolygon{name + " off grid", off})
	}
	for i := 0; i < 600; i++ {
		pts := angular(5 + rng.IntN(14))
		if !valid(pts) || len(pts) < 5 {
			continue
		}
		k := rng.IntN(len(pts))
		// Spike: after vertex k, a vertex on the way back along the edge
		// into k (at, before or past the previous vertex).
		back := slices.Clone(pts)
		num := []int64{1, 2, 1, 3}[rng.IntN(4)]
		den := []int64{2, 1, 1, 2}[rng.IntN(4)]
		if q, ok := lerp(at(pts, k), at(pts, k-1), num, den); ok {
			back = slices.Insert(back, k+1, q)
			if valid(back) {
				add("spike", orb.Polygon{closed(back)})
			}
		}
		// Touching vertices: vertex k moved onto a non-neighbouring one,
		// or onto the midpoint of a non-neighbouring edge (or a lattice
		// point next to it, which mostly leaves the ring simple).
		j := k + 2 + rng.IntN(len(pts)-3)
		touch := slices.Clone(pts)
		switch rng.IntN(3) {
		case 0:
			touch[k] = at(pts, j)
		case 1:
			if q, ok := lerp(at(pts, j), at(pts, j+1), 1, 2); ok {
				touch[k] = q
			}
		default:
			if q, ok := lerp(at(pts, j), at(pts, j+1), 1, 2); ok {
				touch[k] = gridPoint(gridInt(q[0])+int64(rng.IntN(3)-1), gridInt(q[1])+int64(rng.IntN(3)-1))
			}
		}
		if valid(touch) {
			add("touching vertex", orb.Polygon{closed(touch)})
		}
		// Collinear: vertices k and k+1 laid on the line of edge j→j+1,
		// overlapping it, meeting it end to end, or just past its end.
		if len(pts) >= 6 {
			j := k + 3 + rng.IntN(len(pts)-5)
			a, b := at(pts, j), at(pts, j+1)
			line := slices.Clone(pts)
			t0 := [][2]int64{{-1, 1}, {1, 2}, {2, 1}, {3, 2}, {-2, 1}}[rng.IntN(5)]
			t1 := [][2]int64{{-1, 1}, {1, 2}, {2, 1}, {3, 1}, {-2, 1}}[rng.IntN(5)]
			q0, ok0 := lerp(a, b, t0[0], t0[1])
			q1, ok1 := lerp(a, b, t1[0], t1[1])
			if ok0 && ok1 {
				line[k%len(line)], line[(k+1)%len(line)] = q0, q1
				if valid(line) {
					add("collinear edges", orb.Polygon{closed(line)})
				}
			}
		}
	}
	for i := 0; i < 400; i++ {
		// A square with a square hole, the hole's corner moved to the
		// exterior's edge or corner, or near it.
		const x0, y0 = 121000000, 25000000
		size := int64(8 + rng.IntN(8))
		ext := orb.Ring{gridPoint(x0, y0), gridPoint(x0+size, y0), gridPoint(x0+size, y0+size), gridPoint(x0, y0+size), gridPoint(x0, y0)}
		hx, hy := x0+1+rng.Int64N(size-4), y0+1+rng.Int64N(size-4)
		hole := orb.Ring{gridPoint(hx, hy), gridPoint(hx, hy+2), gridPoint(hx+2, hy+2), gridPoint(hx+2, hy), gridPoint(hx, hy)}
		switch rng.IntN(3) {
		case 0:
			hole[0] = gridPoint(x0, hy) // onto the western edge
		case 1:
			hole[0] = gridPoint(x0+int64(rng.IntN(2)), y0+int64(rng.IntN(2)))
		default:
			hole[2] = gridPoint(x0+size-int64(rng.IntN(2)), hy+2) // onto or next to the eastern edge
		}
		hole[len(hole)-1] = hole[0]
		add("hole touching the exterior", orb.Polygon{ext, hole})
	}
	return out
}

// TestExactPredicates checks the orientation and area signs on cases
// where floating point gets them wrong, against hand-computed values.
func TestExactPredicates(t *testing.T) {
	// (120.123456, 28.000001), (120.123477, 28.000007), (120.123463,
	// 28.000003) are collinear: offsets (21, 6) and (7, 2) millionths. In
	// float64 the determinant comes out near -2.5e-20, not 0.
	a, b, c := orb.Point{120.123456, 28.000001}, orb.Point{120.123477, 28.000007}, orb.Point{120.123463, 28.000003}
	naive := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	if naive == 0 {
		t.Log("float64 happens to get this one right on this machine")
	}
	if got := orientGrid(a, b, c); got != 0 {
		t.Errorf("orientGrid of collinear decimals = %d, want 0", got)
	}
	if got := orientGrid(a, b, orb.Point{120.123463, 28.000004}); got != 1 {
		t.Errorf("orientGrid of a point a millionth to the left = %d, want 1", got)
	}
	// Off the grid, exactness is about the float64 values themselves:
	// 0.1+0.2 is not 0.3, and the exact test sees it.
	p, q := orb.Point{0, 0}, orb.Point{1, 1}
	if got := orientFloat(p, q, orb.Point{0.5, 0.5}); got != 0 {
		t.Errorf("orientFloat of an exactly collinear point = %d", got)
	}
	x := 0.1
	x += 0.2 // at run time, not as an exact constant
	if got := orientFloat(p, q, orb.Point{x, 0.3}); got != -1 {
		// x = 0.30000000000000004 > y = 0.3: right of the diagonal.
		t.Errorf("orientFloat(0.1+0.2, 0.3) = %d, want -1", got)
	}
	tests := []struct {
		ring orb.Ring
		want int
	}{
		{orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}, 1},
		{orb.Ring{{0, 0}, {0, 1}, {1, 1}, {1, 0}, {0, 0}}, -1},
		{orb.Ring{{120.123456, 28.000001}, {120.123477, 28.000007}, {120.123463, 28.000003}, {120.123456, 28.000001}}, 0},
		{orb.Ring{{0.1, 0.1}, {0.3, 0.3}, {0.2, 0.2}, {0.1, 0.1}}, 0},
	}
	for _, tt := range tests {
		if got := ringAreaSign(tt.ring, onGrid(orb.Polygon{tt.ring})); got != tt.want {
			t.Errorf("ringAreaSign(%v) = %d, want %d", tt.ring, got, tt.want)
		}
	}
}

// TestInsideRing checks point-in-ring against the rule for star-shaped
// rings: p lies inside when it is left of the edge whose angular sector,
// seen from the star's centre, holds p.
func TestInsideRing(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	g := newGenerator(1)
	checked := [2]int{}
	for i := 0; i < 150; i++ {
		centre := orb.Point{120 + rng.Float64(), 27 + rng.Float64()}
		ring := g.starRing(rng, centre, 500+2000*rng.Float64(), 8+rng.IntN(40))
		c := exactOf(orb.Point{round6(centre[0]), round6(centre[1])}, true)
		for j := 0; j < 20; j++ {
			p := orb.Point{round6(centre[0] + (rng.Float64()-0.5)*0.06), round6(centre[1] + (rng.Float64()-0.5)*0.06)}
			ep := exactOf(p, true)
			want, onBoundary := false, false
			for k := 0; k+1 < len(ring); k++ {
				va, vb := exactOf(ring[k], true), exactOf(ring[k+1], true)
				// p in the sector from va to vb (counter-clockwise)?
				if bruteOrient(c, va, ep) >= 0 && bruteOrient(c, vb, ep) < 0 {
					o := bruteOrient(va, vb, ep)
					want, onBoundary = o > 0, o == 0
				}
			}
			if onBoundary || ep.x.Cmp(c.x) == 0 && ep.y.Cmp(c.y) == 0 {
				continue
			}
			if got := insideRing(p, ring, orientGrid); got != want {
				t.Fatalf("insideRing(%v, ring %d) = %v, want %v", p, i, got, want)
			}
			if want {
				checked[1]++
			} else {
				checked[0]++
			}
		}
	}
	if checked[0] < 100 || checked[1] < 100 {
		t.Errorf("too few points inside (%d) or outside (%d)", checked[1], checked[0])
	}
}

// combRing draws a counter-clockwise comb on the six-decimal grid: a spine
// along the left and teeth teeth reaching 1° east from it, each step
// millionths high with gaps of the same height, so that the x range of
// every tooth's edges overlaps that of every other edge.
func combRing(teeth int, step int64) orb.Ring {
	r := uprightComb(teeth, step)
	// Swapping the axes turns the teeth east and the ring clockwise.
	for i, q := range r {
		r[i] = gridPoint(gridInt(q[1])-30000000+110000000, gridInt(q[0])-110000000+30000000)
	}
	r.Reverse()
	return r
}

// uprightComb is combRing with the teeth rising north from a spine along
// the bottom.
func uprightComb(teeth int, step int64) orb.Ring {
	const x0, y0, height = 110000000, 30000000, 1000000
	var r orb.Ring
	r = append(r, gridPoint(x0, y0))
	r = append(r, gridPoint(x0+int64(2*teeth)*step, y0))
	for k := teeth - 1; k >= 0; k-- {
		right, left := x0+int64(2*k+1)*step, x0+int64(2*k)*step
		r = append(r, gridPoint(right, y0+height+1), gridPoint(left, y0+height+1))
		if k > 0 {
			r = append(r, gridPoint(left, y0+1))
		}
	}
	return append(r, r[0])
}

// TestCombRing checks the comb generator draws a simple ring, and that
// the sweep finds a tooth moved onto its neighbour.
func TestCombRing(t *testing.T) {
	c := combRing(50, 2)
	if bad, _ := bruteIntersections(orb.Polygon{c}, true); bad {
		t.Fatalf("brute force finds the comb self-intersecting: %v", c)
	}
	if _, _, _, found := findSelfIntersection(orb.Polygon{c}); found {
		t.Fatal("sweep says the simple comb self-intersects")
	}
	if ringAreaSign(c, true) <= 0 {
		t.Fatal("comb is not counter-clockwise")
	}
	// Tooth 10's far corner moved two steps on: onto tooth 11.
	bad := slices.Clone(c)
	moved := false
	for i, q := range bad {
		if q == gridPoint(111000001, 30000000+21*2) {
			bad[i], moved = gridPoint(111000001, 30000000+23*2), true
		}
	}
	if !moved {
		t.Fatal("no tooth corner at the expected place")
	}
	if want, _ := bruteIntersections(orb.Polygon{bad}, true); !want {
		t.Fatal("the moved tooth does not touch its neighbour")
	}
	if _, _, _, found := findSelfIntersection(orb.Polygon{bad}); !found {
		t.Fatal("sweep misses the tooth touching its neighbour")
	}
	// The quick test gives such shapes up to the sweep rather than compare
	// every pair of teeth; validation still gets the sweep's answer.
	pc := new(polygonCheck)
	if v := pc.quickSelfIntersection(orb.Polygon{c}); v != undecided {
		t.Errorf("quick test on a simple 50-tooth comb: %v, want undecided", v)
	}
	if v := pc.quickSelfIntersection(orb.Polygon{bad}); v == simple {
		t.Error("quick test calls the comb with a tooth on its neighbour simple")
	}
	ck := &checker{file: "f.geojson"}
	ck.checkPolygon("polygon", orb.Polygon{c}, true)
	if len(ck.problems) != 0 {
		t.Errorf("simple comb: %v", ck.problems)
	}
	ck.checkPolygon("polygon", orb.Polygon{bad}, true)
	if len(ck.problems) != 1 || !strings.Contains(ck.problems[0].Reason, "self-intersects") {
		t.Errorf("comb with a tooth on its neighbour: %v", ck.problems)
	}
}

// BenchmarkSelfIntersectionStar compares the quick test with the sweep on
// the star rings Generate draws (all simple), as validation meets them.
func BenchmarkSelfIntersectionStar(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 5))
	g := newGenerator(1)
	var polys []orb.Polygon
	vertices := 0
	for range 256 {
		centre := orb.Point{117.5 + 4*rng.Float64(), 24.5 + 4*rng.Float64()}
		radius := 300 + 3000*rng.Float64()
		n := GenMinPolygonVertices + rng.IntN(maxStarVertices(radius)-GenMinPolygonVertices+1)
		polys = append(polys, orb.Polygon{g.starRing(rng, centre, radius, n)})
		vertices += n
	}
	b.Logf("%d polygons, %.1f vertices each", len(polys), float64(vertices)/float64(len(polys)))
	b.Run("sweep", func(b *testing.B) {
		for b.Loop() {
			for _, p := range polys {
				if _, _, _, found := findSelfIntersection(p); found {
					b.Fatal("star reported self-intersecting")
				}
			}
		}
	})
	b.Run("quick", func(b *testing.B) {
		pc := new(polygonCheck)
		for b.Loop() {
			for _, p := range polys {
				if pc.quickSelfIntersection(p) != simple {
					b.Fatal("star not proved simple")
				}
			}
		}
	})
}

// BenchmarkSelfIntersectionComb is the 40,000-vertex comb that the x-range
// sweep took 14 s on (every edge overlapping every other in x).
func BenchmarkSelfIntersectionComb(b *testing.B) {
	c := orb.Polygon{combRing(13_333, 2)}
	b.Logf("%d vertices", len(c[0]))
	for b.Loop() {
		if _, _, _, found := findSelfIntersection(c); found {
			b.Fatal("comb reported self-intersecting")
		}
	}
}
