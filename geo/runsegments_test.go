package geo

import (
	"math/rand"
	"testing"

	"github.com/paulmach/orb"
)

// TestRunPointsAreTheRuns checks that runPoints finds, for every run box
// appendRuns makes, the vertices that box was made of: the box of the
// points it returns is the run's box, and the runs' points, joined, walk
// every segment of every line and ring once. Geometries of every kind the
// runs cover, with lines of 0, 1, 2 and many points (runLength and its
// neighbours included).
func TestRunPointsAreTheRuns(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	line := func(n int) []orb.Point {
		pts := make([]orb.Point, n)
		for i := range pts {
			pts[i] = orb.Point{rng.Float64(), rng.Float64()}
		}
		return pts
	}
	sizes := []int{0, 1, 2, 3, runLength, runLength + 1, runLength + 2, 2 * runLength, 2*runLength + 1, 100}
	var geoms []orb.Geometry
	for _, n := range sizes {
		geoms = append(geoms, orb.LineString(line(n)), orb.Ring(line(n)))
		ml := orb.MultiLineString{}
		p := orb.Polygon{}
		for _, m := range sizes[rng.Intn(len(sizes)):] {
			ml = append(ml, line(m))
			p = append(p, orb.Ring(line((m+n)%101)))
		}
		geoms = append(geoms, ml, p, orb.MultiPolygon{p, {orb.Ring(line(n))}, {}, p})
	}
	for _, g := range geoms {
		runs := appendRuns(nil, g)
		if len(runs) != countRuns(g) {
			t.Fatalf("%T: %d runs, countRuns %d", g, len(runs), countRuns(g))
		}
		segments := 0
		for k, r := range runs {
			pts, ok := runPoints(g, k)
			if !ok || len(pts) == 0 {
				t.Fatalf("%T: run %d of %d not found", g, k, len(runs))
			}
			if got := pts.Bound(); got != r {
				t.Fatalf("%T: run %d: points bound %v, run box %v", g, k, got, r)
			}
			segments += len(pts) - 1
		}
		if want := countSegments(g); segments != want {
			t.Fatalf("%T: runs cover %d segments, the geometry has %d", g, segments, want)
		}
		if _, ok := runPoints(g, len(runs)); ok {
			t.Fatalf("%T: a run past the last found", g)
		}
	}
}

func countSegments(g orb.Geometry) int {
	n := 0
	line := func(pts []orb.Point) { n += max(len(pts)-1, 0) }
	switch g := g.(type) {
	case orb.LineString:
		line(g)
	case orb.Ring:
		line(g)
	case orb.MultiLineString:
		for _, l := range g {
			line(l)
		}
	case orb.Polygon:
		for _, r := range g {
			line(r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				line(r)
			}
		}
	}
	return n
}
