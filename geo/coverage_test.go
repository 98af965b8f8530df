package geo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

// bruteShapeDistance is the distance between two shapes by brute force:
// every element of one against every element of the other, with the same
// containment rule, and no boxes, bounds or pruning.
func bruteShapeDistance(a, b *Shape) float64 {
	if a.IsEmpty() || b.IsEmpty() {
		return math.Inf(1)
	}
	if a.containsRunOf(b) || b.containsRunOf(a) {
		return 0
	}
	best := math.Inf(1)
	for _, x := range a.elems {
		for _, y := range b.elems {
			best = math.Min(best, elemDistance(a, x, b, y))
		}
	}
	return best
}

// elemDistance returns the distance between element x of a and element y
// of b, every point–arc pair measured (no bounds).
func elemDistance(a *Shape, x shapeElem, b *Shape, y shapeElem) float64 {
	p0, p1 := a.verts[x.a].v, a.verts[x.b].v
	q0, q1 := b.verts[y.a].v, b.verts[y.b].v
	switch {
	case x.a == x.b && y.a == y.b:
		return lambertDistance(p0, q0)
	case x.a == x.b:
		return pointArcDistance(p0, q0, q1)
	case y.a == y.b:
		return pointArcDistance(q0, p0, p1)
	}
	if arcsCross(p0, p1, q0, q1) {
		return 0
	}
	var c arcCandidates
	c.add(p0, q0, q1)
	c.add(p1, q0, q1)
	c.add(q0, p0, p1)
	c.add(q1, p0, p1)
	return c.distance()
}

// pointArcDistance returns the distance in metres from p to the geodesic
// between a and b.
func pointArcDistance(p, a, b vec3) float64 {
	var c arcCandidates
	c.add(p, a, b)
	return c.distance()
}

// bruteNearest returns the nearest corridor by measuring every one.
func bruteNearest(target *Shape, corridors []*Shape) (int, float64, float64) {
	best, second, bestIndex := math.Inf(1), math.Inf(1), -1
	for i, c := range corridors {
		d := bruteShapeDistance(target, c)
		if d < best {
			best, second, bestIndex = d, best, i
		} else if d < second {
			second = d
		}
	}
	return bestIndex, best, second
}

// randomScene returns corridors and targets scattered over planmap's region.
func randomScene(rng *rand.Rand, corridors, vertices, targets int) ([]string, []orb.Geometry, []CoverageTarget) {
	region := func() orb.Point { return orb.Point{117.3 + rng.Float64()*4.6, 24.3 + rng.Float64()*4.6} }
	ids := make([]string, corridors)
	lines := make([]orb.Geometry, corridors)
	for i := range lines {
		ids[i] = fmt.Sprintf("corridor-%d", i)
		ls := randomWalk(rng, region(), vertices, 20_000/float64(vertices)*20)
		if i%5 == 0 { // some corridors are MultiLineStrings
			lines[i] = orb.MultiLineString{ls, randomWalk(rng, region(), 3, 5000)}
		} else {
			lines[i] = ls
		}
	}
	kinds := []string{"industrial_park", "port", "", "pilot_zone"}
	statuses := []string{"planned", "operational", ""}
	ts := make([]CoverageTarget, targets)
	for i := range ts {
		t := CoverageTarget{ID: fmt.Sprintf("target-%d", i), Kind: kinds[i%len(kinds)], Status: statuses[i%len(statuses)]}
		switch i % 3 {
		case 0:
			t.Layer, t.Geometry = "ports", region()
		case 1:
			t.Layer, t.Geometry = "industrial-parks", orb.Polygon{randomRing(rng, region(), 5+rng.IntN(12), logUniform(rng, 300, 8000))}
		default:
			t.Layer = "enclaves"
			t.Geometry = orb.MultiPolygon{
				{randomRing(rng, region(), 6, 2000)},
				{randomRing(rng, region(), 8, 1500)},
			}
		}
		ts[i] = t
	}
	return ids, lines, ts
}

// TestCoverageMatchesBruteForce compares the indexed, pruned search with
// measuring every target against every corridor element by element.
func TestCoverageMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, distance := range []float64{0, 500, 5000, 30_000} {
		t.Run(fmt.Sprintf("%.0fm", distance), func(t *testing.T) {
			ids, lines, targets := randomScene(rng, 40, 60, 150)
			corridors, err := NewCorridors(ids, lines)
			if err != nil {
				t.Fatal(err)
			}
			report, err := corridors.Coverage(context.Background(), targets, CoverageOptions{Distance: distance, Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			shapes := make([]*Shape, len(lines))
			for i, l := range lines {
				shapes[i] = NewShape(l)
			}
			covered := 0
			for i, target := range targets {
				got := report.Results[i]
				want := checkNearest(t, i, got, target, shapes)
				if got.Covered != (want <= distance) {
					t.Fatalf("target %d at %.1f m: covered = %v at %.0f m", i, want, got.Covered, distance)
				}
				if _, isPoint := target.Geometry.(orb.Point); got.HasShare == isPoint {
					t.Fatalf("target %d (%T): HasShare = %v", i, target.Geometry, got.HasShare)
				}
				if got.Covered {
					covered++
				}
			}
			if distance > 0 && (covered == 0 || covered == len(targets)) {
				t.Fatalf("%d of %d covered: the scene does not test both cases", covered, len(targets))
			}
		})
	}
}

// TestCoverageFarTargets checks targets far from every corridor (the
// search must widen its radius many times) and corridors with nothing.
func TestCoverageFarTargets(t *testing.T) {
	corridors, err := NewCorridors([]string{"a", "empty", "b"}, []orb.Geometry{
		orb.LineString{{120, 27}, {120.1, 27}},
		orb.LineString{},
		orb.LineString{{100, 10}, {100.1, 10}},
	})
	if err != nil {
		t.Fatal(err)
	}
	targets := []CoverageTarget{
		{ID: "far", Geometry: orb.Point{120.05, 20}},
		{ID: "near b", Geometry: orb.Point{101, 10}},
		{ID: "no geometry"},
	}
	report, err := corridors.Coverage(context.Background(), targets, CoverageOptions{Distance: 1000})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		nearest int
		want    float64
	}{
		{0, refPointSegment(orb.Point{120.05, 20}, orb.Point{120, 27}, orb.Point{120.1, 27})},
		{2, refDistance(orb.Point{101, 10}, orb.Point{100.1, 10})},
		{-1, math.Inf(1)},
	}
	for i, tt := range tests {
		got := report.Results[i]
		if got.Nearest != tt.nearest || got.Covered {
			t.Errorf("target %q: nearest %d covered %v, want nearest %d, not covered", targets[i].ID, got.Nearest, got.Covered, tt.nearest)
		}
		if !(math.IsInf(tt.want, 1) && math.IsInf(got.Distance, 1)) && math.Abs(got.Distance-tt.want) > 1e-3*tt.want {
			t.Errorf("target %q: distance %.1f, reference %.1f", targets[i].ID, got.Distance, tt.want)
		}
	}
	if got := report.Summary.Uncovered; len(got) != 3 {
		t.Errorf("uncovered = %v, want all three", got)
	}
}

func TestCoverageSummary(t *testing.T) {
	corridors, err := NewCorridors([]string{"line"}, []orb.Geometry{orb.LineString{{120, 0}, {121, 0}}})
	if err != nil {
		t.Fatal(err)
	}
	// Distances from the equator line: 0.01° of latitude is 1,106 m.
	targets := []CoverageTarget{
		{Layer: "ports", ID: "p1", Kind: "port", Status: "planned", Geometry: orb.Point{120.5, 0.01}},
		{Layer: "ports", ID: "p2", Kind: "port", Status: "operational", Geometry: orb.Point{120.5, 0.1}},
		{Layer: "parks", ID: "k1", Kind: "industrial_park", Status: "planned",
			Geometry: orb.Polygon{{{120.4, -0.01}, {120.6, -0.01}, {120.6, 0.01}, {120.4, 0.01}, {120.4, -0.01}}}},
		{Layer: "parks", ID: "k2", Kind: "", Status: "planned",
			Geometry: orb.Polygon{{{120.4, 0.5}, {120.6, 0.5}, {120.6, 0.6}, {120.4, 0.6}, {120.4, 0.5}}}},
	}
	report, err := corridors.Coverage(context.Background(), targets, CoverageOptions{Distance: 2000})
	if err != nil {
		t.Fatal(err)
	}
	s := report.Summary
	if s.Targets != 4 || s.Covered != 2 || s.Share != 0.5 || s.Distance != 2000 {
		t.Errorf("summary = %d targets, %d covered, share %v, distance %v; want 4, 2, 0.5, 2000", s.Targets, s.Covered, s.Share, s.Distance)
	}
	wantLayer := map[string]CoverageCount{"ports": {2, 1, 0.5}, "parks": {2, 1, 0.5}}
	wantKind := map[string]CoverageCount{"port": {2, 1, 0.5}, "industrial_park": {1, 1, 1}, "unknown": {1, 0, 0}}
	wantStatus := map[string]CoverageCount{"planned": {3, 2, 2.0 / 3}, "operational": {1, 0, 0}}
	for name, pair := range map[string][2]map[string]CoverageCount{
		"by layer": {s.ByLayer, wantLayer}, "by kind": {s.ByKind, wantKind}, "by status": {s.ByStatus, wantStatus},
	} {
		if fmt.Sprint(pair[0]) != fmt.Sprint(pair[1]) {
			t.Errorf("%s = %v, want %v", name, pair[0], pair[1])
		}
	}
	if fmt.Sprint(s.Uncovered) != "[p2 k2]" {
		t.Errorf("uncovered = %v, want [p2 k2]", s.Uncovered)
	}
	// The park straddling the line is wholly within 2 km of it (it reaches
	// 1,106 m either side); the far park is not covered at all.
	if r := report.Results[2]; !r.HasShare || r.CoveredShare != 1 {
		t.Errorf("straddling park: share %v (has %v), want 1", r.CoveredShare, r.HasShare)
	}
	if r := report.Results[3]; !r.HasShare || r.CoveredShare != 0 {
		t.Errorf("far park: share %v, want 0", r.CoveredShare)
	}
	if r := report.Results[0]; r.HasShare {
		t.Errorf("a point has no covered share")
	}
}

// TestCoveredShareHalfSquare checks a share that can be worked out by
// hand: a 4 km square whose middle the line runs through along the
// equator, buffered by 1 km, is half covered.
func TestCoveredShareHalfSquare(t *testing.T) {
	corridors, err := NewCorridors([]string{"equator"}, []orb.Geometry{orb.LineString{{119, 0}, {122, 0}}})
	if err != nil {
		t.Fatal(err)
	}
	half := 2000 / (wgs84A * (1 - wgs84F*(2-wgs84F))) / degree // 2 km of latitude at the equator, in degrees
	square := orb.Polygon{{{120.5, -half}, {120.5 + 2*half, -half}, {120.5 + 2*half, half}, {120.5, half}, {120.5, -half}}}
	report, err := corridors.Coverage(context.Background(), []CoverageTarget{{Geometry: square}}, CoverageOptions{Distance: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if got := report.Results[0].CoveredShare; math.Abs(got-0.5) > 0.002 {
		t.Errorf("share = %.5f, want 0.5", got)
	}
}

// TestCoveredShareMatchesOverlay compares the strip integration with an
// exact polygon overlay done by simplefeatures (the JTS port): the target
// intersected with the JTS buffer of the nearby corridor edges, in the same
// local projection, area over area.
func TestCoveredShareMatchesOverlay(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	cases := 120
	if testing.Short() {
		cases = 30
	}
	worst, partial := 0.0, 0
	for i := 0; i < cases; i++ {
		distance := logUniform(rng, 300, 20_000)
		line := randomWalk(rng, orb.Point{117.3 + rng.Float64()*4.6, 24.3 + rng.Float64()*4.6}, 20, 1500)
		corridors, err := NewCorridors([]string{"c"}, []orb.Geometry{line})
		if err != nil {
			t.Fatal(err)
		}
		centre := refDirect(line[rng.IntN(len(line))], rng.Float64()*2*math.Pi, rng.Float64()*distance*1.5)
		target := orb.Polygon{randomRing(rng, centre, 5+rng.IntN(15), logUniform(rng, 200, 3*distance))}
		report, err := corridors.Coverage(context.Background(), []CoverageTarget{{Geometry: target}}, CoverageOptions{Distance: distance})
		if err != nil {
			t.Fatal(err)
		}
		got := report.Results[0].CoveredShare
		want := overlayShare(t, target, line, distance)
		if want > 0.001 && want < 0.999 {
			partial++
		}
		diff := math.Abs(got - want)
		worst = math.Max(worst, diff)
		if diff > 0.005 {
			t.Fatalf("case %d: share %.5f, overlay %.5f", i, got, want)
		}
	}
	if partial < cases/4 {
		t.Fatalf("only %d of %d cases partly covered", partial, cases)
	}
	t.Logf("%d cases (%d partly covered): worst share difference %.2g", cases, partial, worst)
}

// overlayShare is the reference share: simplefeatures' Buffer (64 segments
// per quarter circle) and Intersection in a transverse Mercator centred on
// the target.
func overlayShare(t *testing.T, target orb.Polygon, line orb.LineString, distance float64) float64 {
	t.Helper()
	c := target.Bound().Center()
	tm := NewTransverseMercator(c[0], c[1], 1)
	toSeq := func(pts []orb.Point) geom.Sequence {
		coords := make([]float64, 0, 2*len(pts))
		for _, p := range pts {
			q := tm.Forward(p)
			coords = append(coords, q[0], q[1])
		}
		return geom.NewSequence(coords, geom.DimXY)
	}
	poly := geom.NewPolygon([]geom.LineString{geom.NewLineString(toSeq(target[0]))}).AsGeometry()
	buf, err := geom.Buffer(geom.NewLineString(toSeq(line)).AsGeometry(), distance, geom.BufferQuadSegments(64), geom.BufferSimplifyFactor(0))
	if err != nil {
		t.Fatal(err)
	}
	inter, err := geom.Intersection(poly, buf)
	if err != nil {
		t.Fatal(err)
	}
	return inter.Area() / poly.Area()
}

// TestCoveredShareMonteCarlo estimates shares from random points in the
// target, each tested with the geodesic distance alone.
func TestCoveredShareMonteCarlo(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	line := randomWalk(rng, orb.Point{120.5, 27.5}, 30, 2000)
	corridors, err := NewCorridors([]string{"c"}, []orb.Geometry{line})
	if err != nil {
		t.Fatal(err)
	}
	lineShape := NewShape(line)
	for i := 0; i < 6; i++ {
		const distance = 3000
		target := orb.Polygon{randomRing(rng, refDirect(line[10+i*3], rng.Float64()*2*math.Pi, 2500), 10, 4000)}
		report, err := corridors.Coverage(context.Background(), []CoverageTarget{{Geometry: target}}, CoverageOptions{Distance: distance})
		if err != nil {
			t.Fatal(err)
		}
		b := target.Bound()
		inside, near := 0, 0
		for inside < 3000 {
			p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
			if !polygonContainsPoint(target, p) {
				continue
			}
			inside++
			if lineShape.Distance(NewShape(p)) <= distance {
				near++
			}
		}
		est := float64(near) / float64(inside)
		sigma := math.Sqrt(est*(1-est)/float64(inside)) + 1e-3
		if got := report.Results[0].CoveredShare; math.Abs(got-est) > 4*sigma {
			t.Errorf("target %d: share %.4f, Monte Carlo %.4f ± %.4f", i, got, est, sigma)
		}
	}
}

// TestExpandBoundIsConservative checks that every point at a geodesic
// distance r from a box lies in the box expanded by r.
func TestExpandBoundIsConservative(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	for i := 0; i < 20000; i++ {
		lon, lat := rng.Float64()*300-150, rng.Float64()*150-75
		b := orb.Bound{Min: orb.Point{lon, lat}, Max: orb.Point{lon + rng.Float64(), lat + rng.Float64()}}
		from := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		r := logUniform(rng, 1, 2_000_000)
		p := refDirect(from, rng.Float64()*2*math.Pi, r)
		p[0] = math.Remainder(p[0], 360) // back into [−180, 180]
		if e := expandBound(b, r); e.Min[0] < -180 || e.Max[0] > 180 {
			continue // across the antimeridian, which planmap does not support
		}
		if !expandBound(b, r).Contains(p) {
			t.Fatalf("point %v at %.0f m from %v is outside the expanded box %v", p, r, b, expandBound(b, r))
		}
	}
}

func TestCoverageBadInput(t *testing.T) {
	if _, err := NewCorridors([]string{"a"}, nil); err == nil {
		t.Error("NewCorridors with mismatched lengths: no error")
	}
	corridors, err := NewCorridors([]string{"a"}, []orb.Geometry{orb.LineString{{120, 27}, {120.1, 27}}})
	if err != nil {
		t.Fatal(err)
	}
	targets := []CoverageTarget{{Geometry: orb.Point{120, 27}}}
	for _, d := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, err := corridors.Coverage(context.Background(), targets, CoverageOptions{Distance: d}); err == nil {
			t.Errorf("distance %v: no error", d)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	many := make([]CoverageTarget, 1000)
	for i := range many {
		many[i] = targets[0]
	}
	if _, err := corridors.Coverage(ctx, many, CoverageOptions{Distance: 10}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: error %v, want context.Canceled", err)
	}
}

func TestCorridorsSubset(t *testing.T) {
	corridors, err := NewCorridors([]string{"a", "b", "c"}, []orb.Geometry{
		orb.LineString{{120, 27}, {120.1, 27}},
		orb.LineString{{121, 27}, {121.1, 27}},
		orb.LineString{{122, 27}, {122.1, 27}},
	})
	if err != nil {
		t.Fatal(err)
	}
	sub := corridors.Subset([]int{2, 0})
	if sub.Len() != 2 || sub.ID(0) != "c" || sub.ID(1) != "a" {
		t.Fatalf("subset ids = %v", []string{sub.ID(0), sub.ID(1)})
	}
	report, err := sub.Coverage(context.Background(), []CoverageTarget{{Geometry: orb.Point{121.0, 27}}}, CoverageOptions{Distance: 100})
	if err != nil {
		t.Fatal(err)
	}
	// b is not in the subset: the nearest is a, 0.9° west (c is 1° east).
	if r := report.Results[0]; sub.ID(r.Nearest) != "a" || r.Covered {
		t.Errorf("nearest in subset = %s (covered %v), want a, not covered", sub.ID(r.Nearest), r.Covered)
	}
}

// checkNearest fails t unless target i's coverage result names the
// corridor nearest to it and its distance, as a brute force over every
// corridor shape finds them (another corridor as near, within rounding,
// counts too); it returns the brute-force distance.
func checkNearest(t *testing.T, i int, got TargetCoverage, target CoverageTarget, shapes []*Shape) float64 {
	t.Helper()
	wantIndex, want, second := bruteNearest(NewShape(target.Geometry), shapes)
	if math.Abs(got.Distance-want) > 1e-9*math.Max(1, want) {
		t.Fatalf("target %d: distance %.6f m, brute force %.6f m", i, got.Distance, want)
	}
	if got.Nearest != wantIndex && second-want > 1e-9*math.Max(1, want) {
		t.Fatalf("target %d: nearest corridor %d, brute force %d", i, got.Nearest, wantIndex)
	}
	return want
}
