package geo_test

import (
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	sf "github.com/peterstace/simplefeatures/geom"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
)

func box(minX, minY, maxX, maxY float64) orb.Bound {
	return orb.Bound{Min: orb.Point{minX, minY}, Max: orb.Point{maxX, maxY}}
}

func TestIntersectsBound(t *testing.T) {
	square := orb.Polygon{{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}}
	withHole := orb.Polygon{square[0], {{3, 3}, {3, 7}, {7, 7}, {7, 3}, {3, 3}}}
	diagonal := orb.LineString{{0, 0}, {10, 10}}
	tests := []struct {
		name string
		g    orb.Geometry
		b    orb.Bound
		want bool
	}{
		{"point inside", orb.Point{1, 1}, box(0, 0, 2, 2), true},
		{"point on edge", orb.Point{2, 1}, box(0, 0, 2, 2), true},
		{"point outside", orb.Point{3, 1}, box(0, 0, 2, 2), false},
		{"diagonal through box", diagonal, box(4, 4, 6, 6), true},
		{"box in diagonal's envelope, off the line", diagonal, box(7, 1, 9, 3), false},
		{"box touching the line at a corner", diagonal, box(5, 1, 7, 5), true},
		{"vertical line crossing box", orb.LineString{{5, -10}, {5, 10}}, box(4, -1, 6, 1), true},
		{"line ending short of box", orb.LineString{{0, 0}, {3.9, 3.9}}, box(4, 4, 6, 6), false},
		{"polygon holding the whole box", square, box(4, 4, 6, 6), true},
		{"box holding the whole polygon", square, box(-1, -1, 11, 11), true},
		{"box crossing the polygon's edge", square, box(9, 9, 11, 11), true},
		{"box beside the polygon", square, box(11, 0, 12, 1), false},
		{"box in the hole", withHole, box(4, 4, 6, 6), false},
		{"box across the hole's edge", withHole, box(2, 4, 4, 6), true},
		{"multipolygon second member", orb.MultiPolygon{{{{20, 20}, {21, 20}, {21, 21}, {20, 20}}}, square}, box(4, 4, 5, 5), true},
		{"multilinestring missing", orb.MultiLineString{{{0, 0}, {1, 0}}, {{0, 2}, {1, 2}}}, box(0, 0.5, 1, 1.5), false},
		{"collection", orb.Collection{orb.Point{50, 50}, diagonal}, box(4, 4, 6, 6), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := geo.IntersectsBound(tt.g, tt.b); got != tt.want {
				t.Errorf("IntersectsBound = %v, want %v", got, tt.want)
			}
		})
	}
}

// toSF converts an orb geometry through GeoJSON for the reference checks.
func toSF(t testing.TB, g orb.Geometry) sf.Geometry {
	raw, err := geojson.NewGeometry(g).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sf.UnmarshalGeoJSON(raw, sf.NoValidate{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// randomBoxes draws boxes with sides spread log-uniformly from about 10 m
// to half a degree: half anywhere in the region, half near a random
// feature so that sparse layers are hit too.
func randomBoxes(rng *rand.Rand, n int, region orb.Bound, envs []orb.Bound) []orb.Bound {
	out := make([]orb.Bound, n)
	for i := range out {
		w := 0.0001 * math.Pow(5000, rng.Float64())
		h := 0.0001 * math.Pow(5000, rng.Float64())
		x := region.Min[0] + rng.Float64()*(region.Max[0]-region.Min[0])
		y := region.Min[1] + rng.Float64()*(region.Max[1]-region.Min[1])
		if i%2 == 1 && len(envs) > 0 {
			c := envs[rng.Intn(len(envs))].Center()
			x, y = c[0]-rng.Float64()*w, c[1]-rng.Float64()*h
		}
		out[i] = box(x, y, x+w, y+h)
	}
	return out
}

// TestQueryMatchesBruteForce checks the index against a scan of every
// feature with simplefeatures' exact intersection predicate (a JTS port,
// independent of the code under test), over thousands of random boxes on
// the 100k-feature generated dataset.
func TestQueryMatchesBruteForce(t *testing.T) {
	features, boxes := 100_000, 2000
	if testing.Short() {
		features, boxes = 10_000, 500
	}
	ds := data.Generate(data.GenOptions{Features: features, Seed: 42})
	rng := rand.New(rand.NewSource(1))
	for _, l := range ds.Layers {
		t.Run(l.ID, func(t *testing.T) {
			ix := geo.NewIndex(l.Features.Features)
			ref := make([]sf.Geometry, len(l.Features.Features))
			envs := make([]orb.Bound, len(l.Features.Features))
			for i, f := range l.Features.Features {
				ref[i] = toSF(t, f.Geometry)
				envs[i] = f.Geometry.Bound()
			}
			nonEmpty := 0
			for _, b := range randomBoxes(rng, boxes, ix.Bound(), envs) {
				sfBox := sf.NewEnvelope(sf.XY{X: b.Min[0], Y: b.Min[1]}, sf.XY{X: b.Max[0], Y: b.Max[1]}).AsGeometry()
				if checkQuery(t, ix, ref, envs, b, sfBox) > 0 {
					nonEmpty++
				}
			}
			if nonEmpty < boxes/10 {
				t.Fatalf("only %d of %d boxes hit anything: the test is not testing", nonEmpty, boxes)
			}
		})
	}
}

func TestQueryOrderIsStable(t *testing.T) {
	ds := data.Generate(data.GenOptions{Features: 5000, Seed: 3})
	l := ds.Layer(data.Corridors)
	a := geo.NewIndex(l.Features.Features)
	b := geo.NewIndex(l.Features.Features)
	q := a.Bound()
	first := a.Query(q, nil)
	if !slices.IsSorted(first) || len(first) != len(l.Features.Features) {
		t.Fatalf("whole-extent query: sorted %v, %d of %d", slices.IsSorted(first), len(first), len(l.Features.Features))
	}
	if !slices.Equal(first, b.Query(q, nil)) {
		t.Fatal("two indexes of the same features answer differently")
	}
}

func TestEmptyAndTinyIndexes(t *testing.T) {
	empty := geo.NewIndex(nil)
	if got := empty.Query(box(-180, -90, 180, 90), nil); len(got) != 0 || empty.Len() != 0 {
		t.Fatalf("empty index returned %v", got)
	}
	for n := 1; n <= 40; n++ {
		var fs []*geojson.Feature
		for i := 0; i < n; i++ {
			fs = append(fs, geojson.NewFeature(orb.Point{float64(i), float64(i)}))
		}
		ix := geo.NewIndex(fs)
		if got := ix.Count(box(-1, -1, float64(n), float64(n))); got != n {
			t.Fatalf("%d points: whole query found %d", n, got)
		}
		if got := ix.Query(box(-0.5, -0.5, 0.5, 0.5), nil); !slices.Equal(got, []int{0}) {
			t.Fatalf("%d points: query around point 0 found %v", n, got)
		}
		if got := ix.Query(box(float64(n)-1.5, float64(n)-1.5, float64(n)-0.5, float64(n)-0.5), nil); !slices.Equal(got, []int{n - 1}) {
			t.Fatalf("%d points: query around the last point found %v", n, got)
		}
	}
}

func difference(a, b []int) []int {
	var out []int
	for _, v := range a {
		if !slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	if len(out) > 10 {
		out = out[:10]
	}
	return out
}

// checkQuery compares the index's Query and Count for box b with brute
// force: every feature whose simplefeatures geometry in ref intersects
// sfBox (b as a geometry). envs, when given, are the features' envelopes,
// skipping the exact test where they miss b. It returns the matches.
func checkQuery(t *testing.T, ix *geo.Index, ref []sf.Geometry, envs []orb.Bound, b orb.Bound, sfBox sf.Geometry) int {
	t.Helper()
	var want []int
	for i := range ref {
		if (envs == nil || envs[i].Intersects(b)) && sf.Intersects(ref[i], sfBox) {
			want = append(want, i)
		}
	}
	got := ix.Query(b, nil)
	if !slices.Equal(got, want) {
		t.Fatalf("box %v: index found %d features, brute force %d\nindex only: %v\nbrute only: %v",
			b, len(got), len(want), difference(got, want), difference(want, got))
	}
	if n := ix.Count(b); n != len(want) {
		t.Fatalf("box %v: Count %d, brute force %d", b, n, len(want))
	}
	return len(want)
}

// indexWithReference indexes feats and returns, beside the index, each
// feature's geometry as simplefeatures reads it (the brute-force truth)
// and its envelope.
func indexWithReference(t testing.TB, feats []*geojson.Feature) (*geo.Index, []sf.Geometry, []orb.Bound) {
	ix := geo.NewIndex(feats)
	ref := make([]sf.Geometry, len(feats))
	envs := make([]orb.Bound, len(feats))
	for i, f := range feats {
		ref[i] = toSF(t, f.Geometry)
		envs[i] = f.Geometry.Bound()
	}
	return ix, ref, envs
}
