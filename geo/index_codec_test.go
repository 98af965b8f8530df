package geo_test

import (
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	sf "github.com/peterstace/simplefeatures/geom"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
)

// copyArrays returns a deep copy of a, so a test can change it without
// changing the index it came from.
func copyArrays(a geo.IndexArrays) geo.IndexArrays {
	return geo.IndexArrays{NodeSize: a.NodeSize, LevelEnds: slices.Clone(a.LevelEnds), TreeBoxes: slices.Clone(a.TreeBoxes),
		TreeRefs: slices.Clone(a.TreeRefs), RunStart: slices.Clone(a.RunStart), RunBoxes: slices.Clone(a.RunBoxes)}
}

// TestIndexFromArraysMatchesBruteForce: an index mapped back from the
// arrays of a built one answers Query, Count and Candidates on random
// boxes exactly as brute force over the features (simplefeatures' exact
// predicate) and as the built index, and has the same envelopes, on
// every layer of generated data and on small and degenerate inputs.
func TestIndexFromArraysMatchesBruteForce(t *testing.T) {
	features, boxes := 6_000, 200
	if testing.Short() {
		features, boxes = 2_000, 100
	}
	ds := data.Generate(data.GenOptions{Features: features, Seed: 11})
	layers := map[string][]*geojson.Feature{}
	for _, l := range ds.Layers {
		layers[l.ID] = l.Features.Features
	}
	var tiny []*geojson.Feature
	for i := range 17 { // a tree of three levels with a short last node
		tiny = append(tiny, geojson.NewFeature(orb.LineString{{float64(i), 0}, {float64(i) + 0.5, 1}}))
	}
	layers["tiny"] = tiny
	layers["one"] = tiny[:1]
	layers["none"] = nil
	mixed := []*geojson.Feature{geojson.NewFeature(orb.Point{1, 1}), geojson.NewFeature(orb.MultiPoint{{2, 2}, {3, 5}}),
		geojson.NewFeature(orb.Polygon{{{0, 0}, {4, 0}, {4, 4}, {0, 0}}, {{1, 0.5}, {3, 0.5}, {3, 2}, {1, 0.5}}}),
		geojson.NewFeature(orb.Collection{orb.Point{9, 9}, orb.LineString{{5, 5}, {6, 7}}})}
	layers["mixed"] = mixed
	rng := rand.New(rand.NewSource(5))
	for name, feats := range layers {
		t.Run(name, func(t *testing.T) {
			built := geo.NewIndex(feats)
			mapped, err := geo.IndexFromArrays(feats, copyArrays(built.Arrays()))
			if err != nil {
				t.Fatal(err)
			}
			if mapped.Len() != built.Len() || mapped.Bound() != built.Bound() {
				t.Fatalf("len %d bound %v, built %d %v", mapped.Len(), mapped.Bound(), built.Len(), built.Bound())
			}
			ref := make([]sf.Geometry, len(feats))
			envs := make([]orb.Bound, len(feats))
			for i, f := range feats {
				if mapped.FeatureBound(i) != built.FeatureBound(i) {
					t.Fatalf("feature %d: envelope %v, built %v", i, mapped.FeatureBound(i), built.FeatureBound(i))
				}
				envs[i] = f.Geometry.Bound() // orb's, to skip the exact test where it misses
				ref[i] = toSF(t, f.Geometry)
			}
			region := built.Bound()
			if len(feats) == 0 {
				region = box(0, 0, 1, 1)
			}
			nonEmpty := 0
			for _, b := range append(randomBoxes(rng, boxes, region, envs), region, box(-1, -1, 20, 20)) {
				sfBox := sf.NewEnvelope(sf.XY{X: b.Min[0], Y: b.Min[1]}, sf.XY{X: b.Max[0], Y: b.Max[1]}).AsGeometry()
				if checkQuery(t, mapped, ref, envs, b, sfBox) > 0 {
					nonEmpty++
				}
				if got, want := mapped.Query(b, nil), built.Query(b, nil); !slices.Equal(got, want) {
					t.Fatalf("box %v: mapped %v, built %v", b, got, want)
				}
				var gotC, wantC []int
				mapped.Candidates(b, func(i int) bool { gotC = append(gotC, i); return true })
				built.Candidates(b, func(i int) bool { wantC = append(wantC, i); return true })
				if !slices.Equal(gotC, wantC) {
					t.Fatalf("box %v: candidates %v, built %v", b, gotC, wantC)
				}
			}
			if len(feats) > 0 && nonEmpty == 0 {
				t.Fatal("no box hit anything: the test is not testing")
			}
		})
	}
}

// TestIndexFromArraysRefusesOthers: arrays that are not an index of the
// features given (another layer's, or changed in any part it can check)
// are refused with an error, never taken.
func TestIndexFromArraysRefusesOthers(t *testing.T) {
	ds := data.Generate(data.GenOptions{Features: 3000, Seed: 2})
	parks := ds.Layer(data.IndustrialParks).Features.Features
	ports := ds.Layer(data.Ports).Features.Features
	good := geo.NewIndex(parks).Arrays()
	for _, tc := range []struct {
		name   string
		feats  []*geojson.Feature
		change func(a *geo.IndexArrays)
		want   string
	}{
		{"another layer's", ports, func(*geo.IndexArrays) {}, "run boxes"},
		{"one feature fewer", parks[:len(parks)-1], func(*geo.IndexArrays) {}, "run boxes"},
		{"runs moved between features", parks, func(a *geo.IndexArrays) { a.RunStart[1]++ }, "run boxes where"},
		{"runs cut short", parks, func(a *geo.IndexArrays) { a.RunBoxes = a.RunBoxes[:len(a.RunBoxes)-1] }, "run boxes"},
		{"a run box moved", parks, func(a *geo.IndexArrays) { a.RunBoxes[0].Min[0] -= 0.01 }, "envelope"},
		{"a leaf box moved", parks, func(a *geo.IndexArrays) { a.TreeBoxes[2] += 0.01 }, ""},
		// (the runs are in leaf order: the swap shows as runs that do not
		// fit the features or as envelopes that do not)
		{"two leaves swapped", parks, func(a *geo.IndexArrays) { a.TreeRefs[0], a.TreeRefs[1] = a.TreeRefs[1], a.TreeRefs[0] }, ""},
		{"a leaf twice", parks, func(a *geo.IndexArrays) { a.TreeRefs[0] = a.TreeRefs[1] }, "permutation"},
		{"a leaf out of range", parks, func(a *geo.IndexArrays) { a.TreeRefs[0] = int32(len(parks)) }, "permutation"},
		{"an inner box grown", parks, func(a *geo.IndexArrays) { a.TreeBoxes[4*len(parks)] -= 1 }, "union"},
		{"the root box shrunk", parks, func(a *geo.IndexArrays) { a.TreeBoxes[len(a.TreeBoxes)-1] -= 0.001 }, "union"},
		{"an inner node pointing elsewhere", parks, func(a *geo.IndexArrays) { a.TreeRefs[len(parks)] += 1 }, "children"},
		{"another node size", parks, func(a *geo.IndexArrays) { a.NodeSize = 8 }, "levels"},
		{"a node size of one", parks, func(a *geo.IndexArrays) { a.NodeSize = 1 }, "node size"},
		{"a level dropped", parks, func(a *geo.IndexArrays) { a.LevelEnds = a.LevelEnds[:len(a.LevelEnds)-1] }, "levels"},
		{"a level moved", parks, func(a *geo.IndexArrays) { a.LevelEnds[1]-- }, "levels"},
		{"the tree cut short", parks, func(a *geo.IndexArrays) { a.TreeRefs = a.TreeRefs[:len(a.TreeRefs)-1] }, "nodes"},
		{"the boxes cut short", parks, func(a *geo.IndexArrays) { a.TreeBoxes = a.TreeBoxes[:len(a.TreeBoxes)-4] }, "nodes"},
		{"a tree over no features", nil, func(a *geo.IndexArrays) { a.RunStart, a.RunBoxes = []int32{0}, nil }, "no features"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := copyArrays(good)
			tc.change(&a)
			ix, err := geo.IndexFromArrays(tc.feats, a)
			if err == nil {
				t.Fatalf("taken as an index (%d features)", ix.Len())
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "geo: ") {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

// BenchmarkIndexFromArrays: mapping an index back from its arrays (with
// its checks) against building it from the features, on the same layers
// in one run (the ratio is what the binary snapshot saves a start).
func BenchmarkIndexFromArrays(b *testing.B) {
	ds := data.Generate(data.GenOptions{Features: 50_000, Seed: 7})
	for _, l := range ds.Layers {
		feats := l.Features.Features
		arrays := geo.NewIndex(feats).Arrays()
		b.Run(l.ID+"/build", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				geo.NewIndex(feats)
			}
		})
		b.Run(l.ID+"/from-arrays", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := geo.IndexFromArrays(feats, arrays); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
