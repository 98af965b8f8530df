package geo

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

// TestDistanceHandComputed checks cases whose answer follows from the
// ellipsoid's definition without any geodesic solver: arcs of the equator
// (a·Δλ), arcs of a meridian (the meridian-arc series), and points that sit
// on or inside what they are measured to.
func TestDistanceHandComputed(t *testing.T) {
	eq := func(deg float64) float64 { return wgs84A * deg * degree } // along the equator
	mer := func(from, to float64) float64 { return refMeridianArc(to) - refMeridianArc(from) }
	square := orb.Polygon{{{120, 27}, {120.1, 27}, {120.1, 27.1}, {120, 27.1}, {120, 27}}}
	tests := []struct {
		name string
		a, b orb.Geometry
		want float64
		tol  float64 // relative
	}{
		// The equator is a geodesic, so a point due north of an east–west
		// segment on it is one meridian arc away.
		{"north of equator segment", orb.Point{120.5, 0.1}, orb.LineString{{120, 0}, {121, 0}}, mer(0, 0.1), 1e-5},
		{"south of equator segment", orb.Point{120.25, -0.3}, orb.LineString{{120, 0}, {121, 0}}, mer(0, 0.3), 1e-5},
		// Beyond the segment's end the nearest point is the end itself.
		{"beyond east end on equator", orb.Point{121.5, 0}, orb.LineString{{120, 0}, {121, 0}}, eq(0.5), 1e-5},
		{"beyond west end on equator", orb.Point{119.2, 0}, orb.LineString{{120, 0}, {121, 0}}, eq(0.8), 1e-5},
		// Along a meridian: the segment is part of the meridian.
		{"beyond north end of meridian", orb.Point{120, 29}, orb.LineString{{120, 27}, {120, 28}}, mer(28, 29), 1e-5},
		{"beyond south end of meridian", orb.Point{120, 26.5}, orb.LineString{{120, 27}, {120, 28}}, mer(26.5, 27), 1e-5},
		{"on a meridian segment", orb.Point{120, 27.4}, orb.LineString{{120, 27}, {120, 28}}, 0, 0},
		// A point 0.01° east of a meridian segment at 27.5° N: the
		// parallel's radius N·cos φ times Δλ, to (Δλ)² accuracy.
		{"east of meridian segment", orb.Point{120.01, 27.5}, orb.LineString{{120, 27}, {120, 28}},
			wgs84A * math.Cos(27.5*degree) / math.Sqrt(1-wgs84F*(2-wgs84F)*math.Pow(math.Sin(27.5*degree), 2)) * 0.01 * degree, 1e-5},
		// A short east–west segment at 27° N (its geodesic bulges north
		// by 0.3 mm over 2 km): a point 0.05° north is a meridian arc away.
		{"north of short east-west segment", orb.Point{120.01, 27.05}, orb.LineString{{120, 27}, {120.02, 27}}, mer(27, 27.05), 1e-5},
		// Intersections and containment.
		{"crossing lines", orb.LineString{{119, 27.5}, {121, 27.5}}, orb.LineString{{120, 27}, {120, 28}}, 0, 0},
		{"point inside polygon", orb.Point{120.05, 27.05}, square, 0, 0},
		{"line inside polygon", orb.LineString{{120.02, 27.02}, {120.08, 27.08}}, square, 0, 0},
		{"line crossing polygon", orb.LineString{{119.9, 27.05}, {120.2, 27.05}}, square, 0, 0},
		{"polygon north of equator segment", orb.Polygon{{{120.4, 0.2}, {120.6, 0.2}, {120.6, 0.3}, {120.4, 0.3}, {120.4, 0.2}}},
			orb.LineString{{120, 0}, {121, 0}}, mer(0, 0.2), 1e-4},
		{"multipoint nearest member", orb.MultiPoint{{125, 0}, {121.5, 0}}, orb.MultiLineString{{{120, 0}, {121, 0}}}, eq(0.5), 1e-5},
		{"same point", orb.Point{120, 27}, orb.Point{120, 27}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Distance(tt.a, tt.b)
			if tt.want == 0 {
				if got > 1e-6 {
					t.Fatalf("Distance = %.9f m, want 0", got)
				}
				return
			}
			if rel := math.Abs(got-tt.want) / tt.want; rel > tt.tol {
				t.Fatalf("Distance = %.4f m, want %.4f (relative error %.2g > %.0g)", got, tt.want, rel, tt.tol)
			}
			// Symmetric.
			if back := Distance(tt.b, tt.a); math.Abs(back-got) > 1e-9*got {
				t.Fatalf("Distance(b, a) = %.6f, Distance(a, b) = %.6f", back, got)
			}
		})
	}
}

func TestDistanceEmpty(t *testing.T) {
	for _, g := range []orb.Geometry{nil, orb.LineString{}, orb.MultiPolygon{}, orb.Collection{}} {
		if d := Distance(g, orb.Point{120, 27}); !math.IsInf(d, 1) {
			t.Errorf("Distance(%T empty, point) = %v, want +Inf", g, d)
		}
	}
}

// TestPointDistanceMatchesReference compares the point-to-point distance
// with Vincenty's inverse over random pairs up to 500 km apart.
func TestPointDistanceMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	worst := 0.0
	for i := 0; i < 5000; i++ {
		p := orb.Point{rng.Float64()*360 - 180, rng.Float64()*150 - 75}
		q := refDirect(p, rng.Float64()*2*math.Pi, logUniform(rng, 1, 500_000))
		want := refDistance(p, q)
		got := PointDistance(p, q)
		rel := math.Abs(got-want) / want
		worst = math.Max(worst, rel)
		if rel > 1e-4 {
			t.Fatalf("PointDistance(%v, %v) = %.4f, reference %.4f (relative error %.2g)", p, q, got, want, rel)
		}
	}
	t.Logf("worst relative error over 5000 pairs: %.2g", worst)
}

// The accuracy promised by Distance: within 0.1 % of the ellipsoidal
// reference, or within absoluteFloor for distances so small that 0.1 % of
// them is below it (the coordinates themselves, float64 degrees, are
// rounded to about a nanometre).
const (
	relativeTolerance = 1e-3
	absoluteFloor     = 1e-6 // metres
)

// withinTolerance reports whether got is within the promised accuracy of
// want, and the relative error (0 when want is 0 and got is too).
func withinTolerance(got, want float64) (bool, float64) {
	abs := math.Abs(got - want)
	rel := 0.0
	if abs > 0 {
		rel = abs / want
	}
	return rel <= relativeTolerance || abs <= absoluteFloor, rel
}

// TestPointSegmentMatchesReference is the main accuracy check: thousands
// of random points against random segments up to 500 km long, within 0.1 %
// of the ellipsoidal reference (or absoluteFloor). Besides points at any
// distance and direction from anywhere along or beyond a segment, whole
// groups lie a metre to a hundred metres (and down to a millimetre, and a
// micrometre for the floor) from inside a segment, square to it, where on
// a long segment the geodesic parts from the great circle by metres and a
// centimetre is already 1 %. Every failure is counted and the worst case
// logged.
func TestPointSegmentMatchesReference(t *testing.T) {
	tests := []struct {
		name              string
		minLength, maxLen float64
		minDist, maxDist  float64
		square            bool // the point is square to the segment, inside it
		cases             int
	}{
		{"drawn segments 10 m-50 km", 10, 50_000, 1, 500_000, false, 4000},
		{"long segments 50-500 km", 50_000, 500_000, 1, 500_000, false, 4000},
		{"1-100 m from 50-500 km segments", 50_000, 500_000, 1, 100, true, 4000},
		{"1 mm-1 m from 1-500 km segments", 1000, 500_000, 0.001, 1, true, 2000},
		{"1 mm-10 m from 10 m-1 km segments", 10, 1000, 0.001, 10, true, 2000},
		{"1 µm-1 mm from 10 m-500 km segments", 10, 500_000, 1e-6, 1e-3, true, 1000},
	}
	for ti, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, uint64(4+ti)))
			cases := tt.cases
			if testing.Short() {
				cases /= 6
			}
			worst, worstAbs, failures := 0.0, 0.0, 0
			worstCase := ""
			for i := 0; i < cases; i++ {
				var a orb.Point
				if i%2 == 0 { // planmap's region
					a = orb.Point{117.3 + rng.Float64()*4.6, 24.3 + rng.Float64()*4.6}
				} else { // anywhere from 70° S to 70° N
					a = orb.Point{rng.Float64()*340 - 170, rng.Float64()*140 - 70}
				}
				b := refDirect(a, rng.Float64()*2*math.Pi, logUniform(rng, tt.minLength, tt.maxLen))
				length, az := refInverse(a, b)
				var p orb.Point
				if tt.square {
					// Square to the geodesic at a place inside it, on
					// either side.
					foot := refDirect(a, az, (0.02+0.96*rng.Float64())*length)
					_, along := refInverse(foot, b)
					side := math.Pi / 2
					if rng.IntN(2) == 0 {
						side = -side
					}
					p = refDirect(foot, along+side, logUniform(rng, tt.minDist, tt.maxDist))
				} else {
					// A point at a random distance and direction from a
					// random place on the segment (often off its ends).
					foot := refDirect(a, az, (rng.Float64()*1.4-0.2)*length)
					p = refDirect(foot, rng.Float64()*2*math.Pi, logUniform(rng, tt.minDist, tt.maxDist))
				}
				want := refPointSegment(p, a, b)
				got := Distance(p, orb.LineString{a, b})
				ok, rel := withinTolerance(got, want)
				if rel > worst {
					worst = rel
					worstCase = fmt.Sprintf("distance from %v to segment %v–%v (%.0f m) = %.6f m, reference %.6f m (relative error %.2g)", p, a, b, length, got, want, rel)
				}
				worstAbs = math.Max(worstAbs, math.Abs(got-want))
				if !ok {
					failures++
				}
				if back := Distance(orb.LineString{b, a}, p); math.Abs(back-got) > 1e-7*got+1e-8 {
					t.Fatalf("distance from %v to segment %v–%v = %.9f m one way, %.9f m the other", p, a, b, got, back)
				}
			}
			t.Logf("%d point–segment cases: worst relative error %.2g, worst absolute error %.2g m", cases, worst, worstAbs)
			if failures > 0 {
				t.Errorf("%d of %d cases beyond %g relative and %g m; the worst: %s", failures, cases, relativeTolerance, absoluteFloor, worstCase)
			}
		})
	}
}

// TestShapeDistanceMatchesReference checks lines and polygons against
// lines, drawn at random: far apart, near each other (down to a
// centimetre, often crossing), and near or across segments up to 500 km
// long. Every answer is checked both ways:
//
//   - A zero must be a real meeting, found independently: the lines (and
//     polygon rings) densified along the reference geodesic, to within a
//     tenth of a millimetre of it, cross or touch as planar lines in
//     longitude/latitude (simplefeatures), or a vertex of the line lies
//     inside the polygon by the planar even–odd rule, as documented.
//   - When the geometries do not meet, the distance is the smallest
//     reference distance from a vertex of either to a segment of the
//     other, within 0.1 % (or absoluteFloor).
//
// Geometries that pass within nearTolerance of each other may be called
// either way by the densified test: the answer must then be 0 or the
// reference distance, and such cases are counted.
func TestShapeDistanceMatchesReference(t *testing.T) {
	tests := []struct {
		name  string
		cases int
		scene func(rng *rand.Rand) (line orb.LineString, target orb.Geometry)
	}{
		{"drawn lines and polygons 3-300 km apart", 1000, func(rng *rand.Rand) (orb.LineString, orb.Geometry) {
			line := randomWalk(rng, orb.Point{117.3 + rng.Float64()*4.6, 24.3 + rng.Float64()*4.6}, 2+rng.IntN(6), 3000)
			center := refDirect(line[rng.IntN(len(line))], rng.Float64()*2*math.Pi, logUniform(rng, 3000, 300_000))
			return line, randomTarget(rng, center, 1000)
		}},
		{"drawn lines and polygons near or across", 2000, func(rng *rand.Rand) (orb.LineString, orb.Geometry) {
			line := randomWalk(rng, orb.Point{117.3 + rng.Float64()*4.6, 24.3 + rng.Float64()*4.6}, 2+rng.IntN(6), 3000)
			start := nearLine(rng, line, logUniform(rng, 0.01, 2000))
			if rng.IntN(2) == 0 {
				return line, randomWalk(rng, start, 2+rng.IntN(4), logUniform(rng, 10, 2000))
			}
			// A polygon with a vertex at start, often holding part of
			// the line.
			return line, orb.Polygon{ringThrough(rng, start, 4+rng.IntN(8), logUniform(rng, 10, 3000))}
		}},
		{"near or across 50-500 km segments", 1500, func(rng *rand.Rand) (orb.LineString, orb.Geometry) {
			var a orb.Point
			if rng.IntN(2) == 0 {
				a = orb.Point{117.3 + rng.Float64()*4.6, 24.3 + rng.Float64()*4.6}
			} else {
				a = orb.Point{rng.Float64()*280 - 140, rng.Float64()*140 - 70}
			}
			line := randomWalk(rng, a, 2+rng.IntN(3), logUniform(rng, 50_000, 330_000))
			start := nearLine(rng, line, logUniform(rng, 0.01, 100))
			if rng.IntN(2) == 0 {
				return line, randomWalk(rng, start, 2+rng.IntN(4), logUniform(rng, 1, 1000))
			}
			return line, orb.Polygon{ringThrough(rng, start, 4+rng.IntN(8), logUniform(rng, 10, 1000))}
		}},
	}
	for ti, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, uint64(6+ti)))
			cases := tt.cases
			if testing.Short() {
				cases /= 6
			}
			worst, zeros, ambiguous := 0.0, 0, 0
			var failures []string
			for i := 0; i < cases; i++ {
				line, target := tt.scene(rng)
				got := Distance(target, line)
				if back := Distance(line, target); math.Abs(back-got) > 1e-7*got+1e-8 {
					t.Fatalf("case %d: Distance is %.9f m one way, %.9f m the other", i, got, back)
				}
				var targetLines []orb.LineString
				var polygon orb.Polygon
				switch g := target.(type) {
				case orb.LineString:
					targetLines = []orb.LineString{g}
				case orb.Polygon:
					polygon = g
					targetLines = []orb.LineString{orb.LineString(g[0])}
				}
				want := refLinesDistance(targetLines, []orb.LineString{line})
				meet, nearMiss := referenceMeet(polygon, targetLines, line, want)
				fail := ""
				switch {
				case nearMiss:
					ambiguous++
					if ok, _ := withinTolerance(got, want); got != 0 && !ok {
						fail = fmt.Sprintf("Distance = %.6f m, reference %.6f m", got, want)
					}
				case meet:
					zeros++
					if got != 0 {
						fail = fmt.Sprintf("they meet, Distance = %.6f m (reference without the meeting %.6f m)", got, want)
					}
				case got == 0:
					fail = fmt.Sprintf("they do not meet, Distance = 0 (reference %.6f m)", want)
				default:
					ok, rel := withinTolerance(got, want)
					worst = math.Max(worst, rel)
					if !ok {
						fail = fmt.Sprintf("Distance = %.6f m, reference %.6f m (relative error %.2g)", got, want, rel)
					}
				}
				if fail != "" {
					failures = append(failures, fmt.Sprintf("case %d, %v to %v: %s", i, target, line, fail))
				}
			}
			t.Logf("%d cases: %d meeting, %d too near to call, worst relative error %.2g on the others", cases, zeros, ambiguous, worst)
			if len(failures) > 0 {
				t.Errorf("%d of %d cases fail; the first: %s", len(failures), cases, failures[0])
			}
		})
	}
}

// randomTarget returns, at random, a polygon about radius metres across or
// a line of steps of about that length, near center.
func randomTarget(rng *rand.Rand, center orb.Point, radius float64) orb.Geometry {
	if rng.IntN(2) == 0 {
		return orb.Polygon{randomRing(rng, center, 4+rng.IntN(8), radius)}
	}
	return randomWalk(rng, center, 2+rng.IntN(5), 2*radius)
}

// ringThrough returns a closed, simple, counter-clockwise star-shaped ring
// of n vertices, the first at start, around a centre radius metres from
// it.
func ringThrough(rng *rand.Rand, start orb.Point, n int, radius float64) orb.Ring {
	center := refDirect(start, rng.Float64()*2*math.Pi, radius)
	_, az0 := refInverse(center, start)
	ring := orb.Ring{start}
	for k := 1; k < n; k++ {
		az := az0 - 2*math.Pi*(float64(k)-0.4+0.8*rng.Float64())/float64(n)
		ring = append(ring, refDirect(center, az, radius*(0.4+0.6*rng.Float64())))
	}
	return append(ring, start)
}

// nearLine returns a point d metres from a random place inside a random
// segment of line, square to it, on either side.
func nearLine(rng *rand.Rand, line orb.LineString, d float64) orb.Point {
	k := rng.IntN(len(line) - 1)
	length, az := refInverse(line[k], line[k+1])
	foot := refDirect(line[k], az, (0.05+0.9*rng.Float64())*length)
	_, along := refInverse(foot, line[k+1])
	side := math.Pi / 2
	if rng.IntN(2) == 0 {
		side = -side
	}
	return refDirect(foot, along+side, d)
}

// refLinesDistance returns the smallest reference distance from a vertex
// of one set of lines to a segment of the other, which is the distance
// between them when they do not meet. Pairs are measured in order of a
// lower bound (half the excess of the distances to the segment's ends over
// its length, by the triangle inequality) and skipped once it reaches the
// best found.
func refLinesDistance(as, bs []orb.LineString) float64 {
	type pair struct {
		p, a, b orb.Point
		bound   float64
	}
	var pairs []pair
	add := func(from, to []orb.LineString) {
		for _, l := range from {
			for _, p := range l {
				for _, m := range to {
					for k := 0; k+1 < len(m); k++ {
						bound := (refDistance(p, m[k]) + refDistance(p, m[k+1]) - refDistance(m[k], m[k+1])) / 2
						pairs = append(pairs, pair{p, m[k], m[k+1], bound})
					}
				}
			}
		}
	}
	add(as, bs)
	add(bs, as)
	slices.SortFunc(pairs, func(x, y pair) int { return cmp.Compare(x.bound, y.bound) })
	best := math.Inf(1)
	for _, pr := range pairs {
		if pr.bound >= best {
			break
		}
		best = math.Min(best, refPointSegment(pr.p, pr.a, pr.b))
	}
	return best
}

// nearTolerance is how near two geometries may pass for referenceMeet not
// to tell whether they meet: the densified lines are within a tenth of it
// of the geodesics, so lines that cross come within a fifth of it of each
// other once densified, and densified lines that cross were within a fifth
// of it before.
const nearTolerance = 1e-3

// referenceMeet reports whether line meets the lines (or the polygon, when
// not nil) by a test independent of the code under test: the lines
// densified along the reference geodesic cross or touch as planar lines
// (simplefeatures), or a vertex of line lies inside the polygon by the
// planar even–odd rule. nearMiss reports a case too close to call: the
// densified lines cross but the reference distance without crossing, want,
// is below nearTolerance, or they do not cross but pass within it.
func referenceMeet(polygon orb.Polygon, lines []orb.LineString, line orb.LineString, want float64) (meet, nearMiss bool) {
	lineBound, targetBound := line.Bound(), orb.MultiLineString(lines).Bound()
	dense := geom.NewLineStringXY(densify(line, targetBound)...).AsGeometry()
	var targets []geom.LineString
	for _, l := range lines {
		targets = append(targets, geom.NewLineStringXY(densify(l, lineBound)...))
	}
	target := geom.NewMultiLineString(targets).AsGeometry()
	if polygon != nil {
		var xy []float64
		for _, p := range polygon[0] {
			xy = append(xy, p[0], p[1])
		}
		poly := geom.NewPolygonXY(xy).AsGeometry()
		for _, p := range line {
			if geom.Intersects(poly, geom.NewPointXY(p[0], p[1]).AsGeometry()) {
				return true, false
			}
		}
	}
	if geom.Intersects(dense, target) {
		return want >= nearTolerance, want < nearTolerance
	}
	// The nearest approach of the densified lines, in degrees, turned into
	// metres at no more than the true scale.
	d, _ := geom.Distance(dense, target)
	maxLat := math.Max(math.Abs(targetBound.Min[1]), math.Abs(targetBound.Max[1]))
	return false, d*110_000*math.Cos(math.Min(89, maxLat+1)*degree) < nearTolerance
}

// densify returns the coordinates of line with every segment replaced by
// points along its reference geodesic, at most 30 m apart where the segment
// comes within a few kilometres of near (a 30 m piece parts from the
// geodesic by well under 0.1 mm) and in pieces that keep well clear of
// near elsewhere.
func densify(line orb.LineString, near orb.Bound) []float64 {
	xy := []float64{line[0][0], line[0][1]}
	for k := 0; k+1 < len(line); k++ {
		a, b := line[k], line[k+1]
		length, az := refInverse(a, b)
		var split func(t0, t1 float64, p0, p1 orb.Point)
		split = func(t0, t1 float64, p0, p1 orb.Point) {
			piece := (t1 - t0) * length
			// A geodesic piece strays from its chord by far less than a
			// tenth of its length; pad the boxes by that (and 1 km).
			pad := (piece/10 + 1000) / (111_000 * math.Cos(math.Min(80, math.Max(math.Abs(p0[1]), math.Abs(p1[1])))*degree))
			box := orb.Bound{Min: orb.Point{math.Min(p0[0], p1[0]) - pad, math.Min(p0[1], p1[1]) - pad},
				Max: orb.Point{math.Max(p0[0], p1[0]) + pad, math.Max(p0[1], p1[1]) + pad}}
			if piece <= 30 || !box.Intersects(near) {
				xy = append(xy, p1[0], p1[1])
				return
			}
			tm := (t0 + t1) / 2
			pm := refDirect(a, az, tm*length)
			split(t0, tm, p0, pm)
			split(tm, t1, pm, p1)
		}
		split(0, 1, a, b)
	}
	return xy
}

// TestGeodesicArcOnReference checks the exact geodesic used near long
// arcs against the reference: from a, it reaches b, and every point along
// it lies on the reference geodesic from a to b, over arcs from 10 m to
// 2,000 km anywhere from 80° S to 80° N.
func TestGeodesicArcOnReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	worst := 0.0
	for i := 0; i < 500; i++ {
		a := orb.Point{rng.Float64()*300 - 150, rng.Float64()*160 - 80}
		b := refDirect(a, rng.Float64()*2*math.Pi, logUniform(rng, 10, 2_000_000))
		g, ok := newGeodesicArc(auxVector(a[0], a[1]), auxVector(b[0], b[1]))
		if !ok {
			t.Fatalf("no geodesic from %v to %v", a, b)
		}
		for k := 1; k <= 8; k++ {
			lon, lat := auxToLonLat(g.at(g.sigma12 * float64(k) / 8))
			off := refDistance(orb.Point{lon, lat}, b)
			if k < 8 {
				off = refPointSegment(orb.Point{lon, lat}, a, b)
			}
			worst = math.Max(worst, off)
			if off > 1e-6 {
				t.Fatalf("geodesic %v–%v: the point at %d/8 is %.3g m off the reference geodesic (or its end)", a, b, k, off)
			}
		}
	}
	t.Logf("worst distance from the reference geodesic: %.2g m", worst)
}

// TestBoxLowerBoundNeverOverestimates checks the pruning bound against the
// reference: for random boxes and random points in them, the bound is
// never more than the reference distance.
func TestBoxLowerBoundNeverOverestimates(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	randomBox := func() nodeBox {
		lon, lat := rng.Float64()*300-150, rng.Float64()*160-80
		w, h := logUniform(rng, 1e-4, 5), logUniform(rng, 1e-4, 5)
		return nodeBox{minLon: lon, maxLon: lon + w, minLat: math.Max(-89, lat), maxLat: math.Min(89, lat+h)}.withCos()
	}
	for i := 0; i < 20000; i++ {
		a, b := randomBox(), randomBox()
		pa := orb.Point{a.minLon + rng.Float64()*(a.maxLon-a.minLon), a.minLat + rng.Float64()*(a.maxLat-a.minLat)}
		pb := orb.Point{b.minLon + rng.Float64()*(b.maxLon-b.minLon), b.minLat + rng.Float64()*(b.maxLat-b.minLat)}
		if math.Abs(pa[0]-pb[0]) > 90 {
			continue
		}
		bound, d := boxLowerBound(a, b), refDistance(pa, pb)
		if bound > d {
			t.Fatalf("bound %.3f m > reference distance %.3f m between %v and %v", bound, d, pa, pb)
		}
	}
}

// TestElemBoxHoldsArc samples points along long arcs, both the auxiliary
// great circle and the ellipsoidal geodesic (by the reference), and checks
// that each lies inside the element's padded box.
func TestElemBoxHoldsArc(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for i := 0; i < 2000; i++ {
		a := orb.Point{rng.Float64()*300 - 150, rng.Float64()*170 - 85}
		b := orb.Point{a[0] + (rng.Float64()*2-1)*logUniform(rng, 0.001, 50), math.Max(-89, math.Min(89, a[1]+(rng.Float64()*2-1)*logUniform(rng, 0.001, 30)))}
		s := NewShape(orb.LineString{a, b})
		box := s.elemBox(s.elems[0])
		outside := func(lon, lat float64) bool {
			return lon < box.minLon-1e-9 || lon > box.maxLon+1e-9 || lat < box.minLat-1e-12 || lat > box.maxLat+1e-12
		}
		va, vb := s.verts[0].v, s.verts[1].v
		length, az := refInverse(a, b)
		for k := 1; k < 50; k++ {
			f := float64(k) / 50
			if lon, lat := auxToLonLat(va.scale(1 - f).add(vb.scale(f)).normalize()); outside(lon, lat) {
				t.Fatalf("great circle %v–%v: point %v, %v outside its box %+v", a, b, lon, lat, box)
			}
			if q := refDirect(a, az, f*length); outside(q[0], q[1]) {
				t.Fatalf("geodesic %v–%v: point %v outside its box %+v", a, b, q, box)
			}
		}
	}
}

func logUniform(rng *rand.Rand, lo, hi float64) float64 {
	return lo * math.Exp(rng.Float64()*math.Log(hi/lo))
}

// randomWalk returns a line of n vertices starting at start with steps of
// about step metres and a slowly turning heading.
func randomWalk(rng *rand.Rand, start orb.Point, n int, step float64) orb.LineString {
	ls := orb.LineString{start}
	heading := rng.Float64() * 2 * math.Pi
	for len(ls) < n {
		heading += rng.NormFloat64() * 0.4
		ls = append(ls, refDirect(ls[len(ls)-1], heading, step*(0.5+rng.Float64())))
	}
	return ls
}

// randomRing returns a closed, simple, counter-clockwise star-shaped ring
// of n vertices around center, up to radius metres out.
func randomRing(rng *rand.Rand, center orb.Point, n int, radius float64) orb.Ring {
	ring := make(orb.Ring, 0, n+1)
	for k := 0; k < n; k++ {
		az := 2 * math.Pi * (1 - (float64(k)+rng.Float64()*0.8)/float64(n)) // decreasing azimuth: counter-clockwise
		ring = append(ring, refDirect(center, az, radius*(0.4+0.6*rng.Float64())))
	}
	return append(ring, ring[0])
}
