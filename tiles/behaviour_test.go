package tiles

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
)

// idsByZoom encodes every tile PlanTiles lists at zoom z and returns, per
// layer, the ids that appear in any of them, and the largest tile size.
func idsByZoom(t *testing.T, tl *Tiler, z int) (map[string]map[string]bool, int) {
	t.Helper()
	seen := map[string]map[string]bool{}
	largest := 0
	for _, id := range tl.PlanTiles(z, z, tl.AllLayers()) {
		raw, err := tl.Encode(id.Z, id.X, id.Y, tl.AllLayers())
		if err != nil {
			t.Fatal(err)
		}
		largest = max(largest, len(raw))
		for _, l := range decode(t, raw) {
			if seen[l.Name] == nil {
				seen[l.Name] = map[string]bool{}
			}
			for _, f := range l.Features {
				seen[l.Name][f.Properties["id"].(string)] = true
			}
		}
	}
	return seen, largest
}

// TestNoPlannedProjectVanishes encodes every tile that may hold data at
// each zoom from 0 to 12 and checks that every feature of the real
// dataset, however small, appears in at least one of them.
func TestNoPlannedProjectVanishes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ds      *data.Dataset
		maxZoom int
	}{
		{"default", defaultDataset(t), 12},
		{"generated-unthinned", generated(t, 600, testSeed), 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := newTiler(t, tc.ds, noThin)
			for z := 0; z <= tc.maxZoom; z++ {
				seen, _ := idsByZoom(t, tl, z)
				for _, l := range tc.ds.Layers {
					for _, f := range l.Features.Features {
						if id := data.FeatureID(f); !seen[l.ID][id] {
							t.Errorf("z%d: %s %s appears in no tile", z, l.ID, id)
						}
					}
				}
			}
		})
	}
}

// fixtureLayer builds a layer of the given features (properties: id, name,
// kind, status).
func fixtureLayer(id string, features ...*geojson.Feature) *data.Layer {
	fc := geojson.NewFeatureCollection()
	fc.Features = features
	return &data.Layer{ID: id, Title: id, Features: fc}
}

func fixtureFeature(id string, g orb.Geometry) *geojson.Feature {
	f := geojson.NewFeature(g)
	f.Properties = geojson.Properties{"id": id, "name": id, "kind": "industrial_park", "status": "planned"}
	return f
}

// square is a counter-clockwise square of side d degrees at (lon, lat).
func square(lon, lat, d float64) orb.Polygon {
	return orb.Polygon{{{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}}
}

// TestSmallShapesBecomePoints checks that a 40 m park and a 60 m bridge,
// far below a pixel at zoom 6, come as points on themselves, and as a
// polygon and a line once big enough.
func TestSmallShapesBecomePoints(t *testing.T) {
	park := square(120.65, 28.01, 0.0004)
	bridge := orb.LineString{{120.70, 28.02}, {120.7003, 28.0204}, {120.7006, 28.0202}}
	ds := &data.Dataset{Version: "fixture", Layers: []*data.Layer{
		fixtureLayer(data.IndustrialParks, fixtureFeature("tiny-park", park)),
		fixtureLayer(data.Corridors, fixtureFeature("tiny-bridge", bridge)),
	}}
	tl := newTiler(t, ds, Options{})
	for _, tc := range []struct {
		z          uint32
		layer, id  string
		src        orb.Geometry
		wantPoints bool
	}{
		{6, data.IndustrialParks, "tiny-park", park, true},
		{10, data.IndustrialParks, "tiny-park", park, true},
		{17, data.IndustrialParks, "tiny-park", park, false},
		{6, data.Corridors, "tiny-bridge", bridge, true},
		{16, data.Corridors, "tiny-bridge", bridge, false},
	} {
		x, y := TileContaining(geo.Vertices(tc.src)[0], tc.z)
		raw, err := tl.Encode(tc.z, x, y, tl.AllLayers())
		if err != nil {
			t.Fatal(err)
		}
		f := featureIDs(decode(t, raw), tc.layer)[tc.id]
		if f == nil {
			t.Errorf("z%d: %s vanished", tc.z, tc.id)
			continue
		}
		p, isPoint := f.Geometry.(orb.Point)
		if isPoint != tc.wantPoints {
			t.Errorf("z%d: %s came as %s", tc.z, tc.id, f.Geometry.GeoJSONType())
			continue
		}
		if isPoint {
			if d := distanceToSource(p, refProject(tc.src, tc.z, x, y)); d > 1 {
				t.Errorf("z%d: %s's point is %.2f units off it", tc.z, tc.id, d)
			}
		}
	}
}

// deepClone copies every feature of ds, geometry and properties.
func deepClone(ds *data.Dataset) [][]geojson.Feature {
	out := make([][]geojson.Feature, len(ds.Layers))
	for i, l := range ds.Layers {
		for _, f := range l.Features.Features {
			c := *f
			c.Geometry = orb.Clone(f.Geometry)
			c.Properties = f.Properties.Clone()
			if hp, ok := f.Properties["home_point"].([]any); ok {
				c.Properties["home_point"] = append([]any(nil), hp...)
			}
			out[i] = append(out[i], c)
		}
	}
	return out
}

// TestSourceNeverMutated requests thousands of tiles at every zoom, with
// random layer sets, concurrently, through the cache and the MBTiles
// planner, then compares every source feature with a pristine clone taken
// before.
func TestSourceNeverMutated(t *testing.T) {
	ds := data.Generate(data.GenOptions{Features: 800, Seed: 5})
	pristine := deepClone(ds)
	pointers := make([][]*geojson.Feature, len(ds.Layers))
	for i, l := range ds.Layers {
		pointers[i] = append([]*geojson.Feature(nil), l.Features.Features...)
	}
	tl := newTiler(t, ds, Options{})
	cache := NewCache(1 << 20)
	rng := rand.New(rand.NewPCG(7, 8))
	var ids []TileID
	for z := uint32(0); z <= MaxZoom; z++ {
		ids = append(ids, sampleTiles(ds, z, 100, rng)...)
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(ids); i += 4 {
				id := ids[i]
				set := LayerSet(i%31 + 1)
				if _, err := cache.Get(TileKey{tl.Version(), id.Z, id.X, id.Y, set}, func() (*Tile, error) {
					return tl.Render(id.Z, id.X, id.Y, set)
				}); err != nil {
					t.Error(err)
				}
				if _, err := tl.Encode(id.Z, id.X, id.Y, tl.AllLayers()); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	tl.PlanTiles(0, 8, tl.AllLayers())
	t.Logf("%d tiles requested twice", len(ids))
	if len(ids) < 1000 {
		t.Fatalf("only %d tiles sampled", len(ids))
	}
	for i, l := range ds.Layers {
		if len(l.Features.Features) != len(pristine[i]) {
			t.Fatalf("%s: %d features, had %d", l.ID, len(l.Features.Features), len(pristine[i]))
		}
		for j, f := range l.Features.Features {
			if f != pointers[i][j] {
				t.Fatalf("%s feature %d was replaced", l.ID, j)
			}
			if !reflect.DeepEqual(*f, pristine[i][j]) {
				t.Fatalf("%s feature %d (%s) changed:\nnow  %v\nwas  %v", l.ID, j, data.FeatureID(f), f.Geometry, pristine[i][j].Geometry)
			}
		}
	}
}

// TestSameBytes checks that a tile's bytes depend only on the data: the
// same tile twice from one tiler, from a tiler built independently over a
// fresh copy of the data, and from one built over the data written to disk
// and loaded back (a restart), are identical, and so are their gzip bytes
// and ETags.
func TestSameBytes(t *testing.T) {
	ds := generated(t, 2000, testSeed)
	first := newTiler(t, ds, Options{})
	second := newTiler(t, data.Generate(data.GenOptions{Features: 2000, Seed: testSeed}), Options{})
	dir := t.TempDir()
	if err := data.WriteDir(ds, dir); err != nil {
		t.Fatal(err)
	}
	loaded, err := data.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	restarted := newTiler(t, loaded, Options{})
	rng := rand.New(rand.NewPCG(9, 10))
	compared := 0
	for z := uint32(0); z <= 18; z++ {
		for _, id := range sampleTiles(ds, z, 6, rng) {
			var want *Tile
			for i, tl := range []*Tiler{first, first, second, restarted} {
				tile, err := tl.Render(id.Z, id.X, id.Y, tl.AllLayers())
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					want = tile
					continue
				}
				if tile.ETag != want.ETag || !bytes.Equal(tile.Gzip, want.Gzip) {
					t.Errorf("%v: tiler %d gave different bytes (%d vs %d)", id, i, tile.Size, want.Size)
				}
			}
			if !want.Empty() {
				compared++
			}
		}
	}
	if compared < 50 {
		t.Errorf("only %d non-empty tiles compared", compared)
	}
}

// TestEnclaveLinks checks the derived layer: one line per enclave with a
// home_point, from a point inside the enclave to the home point, carrying
// the enclave's id, home and host.
func TestEnclaveLinks(t *testing.T) {
	ds := defaultDataset(t)
	tl := newTiler(t, ds, Options{})
	enclaves := ds.Layer(data.Enclaves)
	want := 0
	const z = 10
	for _, f := range enclaves.Features.Features {
		home, ok := data.HomePoint(f.Properties)
		if !ok {
			continue
		}
		want++
		id := data.FeatureID(f)
		for end, p := range map[string]orb.Point{"home": home, "enclave": geo.Vertices(f.Geometry)[0]} {
			x, y := TileContaining(p, z)
			raw, err := tl.Encode(z, x, y, tl.AllLayers())
			if err != nil {
				t.Fatal(err)
			}
			link := featureIDs(decode(t, raw), EnclaveLinks)[id]
			if link == nil {
				t.Errorf("%s: no link in the tile of its %s end", id, end)
				continue
			}
			if link.Properties["home"] != f.Properties["home"] || link.Properties["host"] != f.Properties["host"] {
				t.Errorf("%s: link properties %v", id, link.Properties)
			}
			if end != "home" {
				continue
			}
			ref := refTileUnits(home, z, x, y)
			found := false
			for _, v := range geo.Vertices(link.Geometry) {
				found = found || chebyshev(v, ref) <= 1
			}
			if !found {
				t.Errorf("%s: link %v does not reach home point %v", id, link.Geometry, ref)
			}
		}
		// the enclave end lies inside the enclave
		ef := tl.layers[tl.byName[data.Enclaves]].featureOf(indexOf(enclaves, id))
		inside := orb.Point{lonFromX(ef.labelX), latFromY(ef.labelY)}
		if !contains(f.Geometry, inside) {
			t.Errorf("%s: the link starts at %v, outside the enclave", id, inside)
		}
	}
	seen, _ := idsByZoom(t, tl, 6)
	if len(seen[EnclaveLinks]) != want || want == 0 {
		t.Errorf("%d links at z6, want %d (one per enclave with a home_point)", len(seen[EnclaveLinks]), want)
	}
}

func indexOf(l *data.Layer, id string) int {
	for i, f := range l.Features.Features {
		if data.FeatureID(f) == id {
			return i
		}
	}
	panic(fmt.Sprintf("no feature %s", id))
}

func contains(g orb.Geometry, p orb.Point) bool {
	switch g := g.(type) {
	case orb.Polygon:
		return planar.PolygonContains(g, p)
	case orb.MultiPolygon:
		return planar.MultiPolygonContains(g, p)
	}
	return false
}
