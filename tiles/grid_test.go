package tiles

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"github.com/planmap/planmap/data"
)

// chinaSized is a polygon with China's envelope (73–135° E, 18–53° N):
// at zoom 16 its envelope covers about 10⁸ cells.
var chinaSized = orb.Polygon{{{73, 18}, {135, 18}, {135, 53}, {100, 45}, {73, 53}, {73, 18}}}

// TestGridMixedLayerMemory is the regression test for a layer of one line
// and one China-sized polygon, whose grid once listed every zoom-16 cell of
// the polygon's envelope (past 8 GB before serve listened). The tiler must
// now be built within a bound derived from the input's size, and still
// find the polygon in deep tiles, where the line grid answers.
func TestGridMixedLayerMemory(t *testing.T) {
	line := orb.LineString{{75, 20}, {90, 30}, {105, 32}, {120, 31}, {130, 45}}
	fc := geojson.NewFeatureCollection()
	for i, g := range []orb.Geometry{line, chinaSized} {
		f := geojson.NewFeature(g)
		f.Properties = geojson.Properties{"id": []string{"line", "land"}[i], "name": "x", "kind": "other", "status": "planned"}
		fc.Append(f)
	}
	ds := &data.Dataset{Version: "mixed", Layers: []*data.Layer{{ID: "custom", Title: "custom", Features: fc}}}

	vertices := len(line) + len(chinaSized[0])
	// A tiler of a few features costs a few MiB of fixed tables; the
	// grid of the line adds its cells (a few thousand at zoom 16), never
	// anything proportional to the polygon's area.
	bound := uint64(64<<20 + 64<<10*vertices)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	tiler, err := NewForDataset(ds, Options{})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("building the tiler allocated %.1f MiB (bound %.1f MiB)", float64(allocated)/(1<<20), float64(bound)/(1<<20))
	if allocated > bound {
		t.Fatalf("building the tiler allocated %d bytes, over the bound %d for %d vertices", allocated, bound, vertices)
	}
	l := tiler.layers[0]
	if len(l.grids) == 0 {
		t.Fatal("the line layer has no grid: deep tiles would fall back to the R-tree")
	}

	// Deep tiles at random points: the polygon is in the tile exactly when
	// the tile's centre is inside it (tiles straddling its edge skipped),
	// checked with planar containment.
	rng := rand.New(rand.NewPCG(3, 5))
	inside := 0
	for k := 0; k < 60; k++ {
		p := orb.Point{73 + 62*rng.Float64(), 18 + 35*rng.Float64()}
		z := uint32(12 + rng.IntN(5))
		x, y := TileContaining(p, z)
		b := TileBound(z, x, y, 0)
		want := planar.PolygonContains(chinaSized, b.Center())
		edge := false
		for _, c := range []orb.Point{b.Min, b.Max, {b.Min[0], b.Max[1]}, {b.Max[0], b.Min[1]}} {
			edge = edge || planar.PolygonContains(chinaSized, c) != want
		}
		if edge {
			continue
		}
		raw, err := tiler.Encode(z, x, y, tiler.AllLayers())
		if err != nil {
			t.Fatal(err)
		}
		got := false
		if len(raw) > 0 {
			layers, err := mvt.Unmarshal(raw)
			if err != nil {
				t.Fatal(err)
			}
			for _, lay := range layers {
				for _, f := range lay.Features {
					got = got || f.Properties["id"] == "land"
				}
			}
		}
		if got != want {
			t.Errorf("tile %d/%d/%d (centre %v): polygon present %v, inside %v", z, x, y, b.Center(), got, want)
		}
		if want {
			inside++
		}
	}
	if inside == 0 {
		t.Fatal("no tile inside the polygon was checked")
	}
}
