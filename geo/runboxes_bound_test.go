package geo

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// TestBoundFromRuns: the envelope NewIndex takes from the run boxes is
// exactly orb's Bound of the geometry, for random lines, rings, polygons
// with holes and multi-geometries of every length around the run length,
// and countRuns says how many boxes appendRuns appends.
func TestBoundFromRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	line := func() []orb.Point {
		n := 1 + rng.IntN(3*runLength+3)
		pts := make([]orb.Point, n)
		for i := range pts {
			pts[i] = orb.Point{rng.Float64()*360 - 180, rng.Float64()*180 - 90}
		}
		return pts
	}
	polygon := func() orb.Polygon {
		p := orb.Polygon{line()}
		for range rng.IntN(3) {
			p = append(p, line())
		}
		return p
	}
	for i := range 5000 {
		var g orb.Geometry
		switch i % 5 {
		case 0:
			g = orb.LineString(line())
		case 1:
			m := orb.MultiLineString{}
			for range 1 + rng.IntN(4) {
				m = append(m, line())
			}
			g = m
		case 2:
			g = polygon()
		case 3:
			m := orb.MultiPolygon{}
			for range 1 + rng.IntN(4) {
				m = append(m, polygon())
			}
			g = m
		case 4:
			g = orb.Ring(line())
		}
		runs := appendRuns(nil, g)
		if n := countRuns(g); n != len(runs) {
			t.Fatalf("%T: countRuns %d, appendRuns %d", g, n, len(runs))
		}
		b, ok := boundFromRuns(g, runs)
		if !ok {
			if _, isRing := g.(orb.Ring); isRing {
				continue // not covered: Bound() is used
			}
			t.Fatalf("%T: not covered", g)
		}
		if want := g.Bound(); b != want {
			t.Fatalf("%T: bound %v, orb's %v", g, b, want)
		}
	}
	// And NewIndex holds orb's bounds, empty geometries included.
	feats := []*geojson.Feature{
		geojson.NewFeature(orb.LineString{}), geojson.NewFeature(orb.Polygon{}), geojson.NewFeature(orb.MultiPolygon{{}}),
		geojson.NewFeature(orb.Point{3, 4}), geojson.NewFeature(orb.MultiPoint{{1, 2}, {5, 6}}),
		geojson.NewFeature(polygon()), geojson.NewFeature(orb.MultiLineString{line(), {}}),
	}
	ix := NewIndex(feats)
	for i, f := range feats {
		if got, want := ix.FeatureBound(i), f.Geometry.Bound(); got != want {
			t.Errorf("feature %d (%T): bound %v, want %v", i, f.Geometry, got, want)
		}
	}
}
