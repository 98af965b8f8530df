package tiles

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
)

// userExport copies a generated dataset as a user's own export would come:
// the same dense features, but with a source_doc that is not the
// generator's, so nothing can tell the tiler where they came from. The
// cached generated dataset is not touched.
func userExport(base *data.Dataset, version string) *data.Dataset {
	ds := &data.Dataset{Version: version}
	for _, l := range base.Layers {
		c := *l
		c.Features = geojson.NewFeatureCollection()
		for _, f := range l.Features.Features {
			g := *f
			g.Properties = f.Properties.Clone()
			g.Properties["source_doc"] = "county survey export, 2026 (user upload)"
			c.Features.Features = append(c.Features.Features, &g)
		}
		ds.Layers = append(ds.Layers, &c)
	}
	return ds
}

// zoomStats encodes every tile PlanTiles lists at zoom z and returns, per
// layer, the ids that appear in any of them, and the largest tile's bytes
// and feature count (counted by orb's decoder).
func zoomStats(t *testing.T, tl *Tiler, z int) (seen map[string]map[string]bool, maxBytes, maxFeatures int) {
	t.Helper()
	seen = map[string]map[string]bool{}
	for _, id := range tl.PlanTiles(z, z, tl.AllLayers()) {
		raw, err := tl.Encode(id.Z, id.X, id.Y, tl.AllLayers())
		if err != nil {
			t.Fatal(err)
		}
		maxBytes = max(maxBytes, len(raw))
		n := 0
		for _, l := range decode(t, raw) {
			if seen[l.Name] == nil {
				seen[l.Name] = map[string]bool{}
			}
			for _, f := range l.Features {
				seen[l.Name][f.Properties["id"].(string)] = true
			}
			n += len(l.Features)
		}
		maxFeatures = max(maxFeatures, n)
	}
	return seen, maxBytes, maxFeatures
}

// TestDenseUserLayerStaysUnderBudget checks, with the default options, that
// a dense layer of the user's own (source_doc not the generator's) has
// every tile from zoom 0 to 8 under Tippecanoe's 500 KiB and 200,000
// features, where the same data drawn whole goes far over.
func TestDenseUserLayerStaysUnderBudget(t *testing.T) {
	ds := userExport(generated(t, 25_000, 7), "dense-user")
	whole := newTiler(t, ds, noThin)
	_, unthinned, _ := zoomStats(t, whole, 4)
	if unthinned <= 500<<10 {
		t.Fatalf("drawn whole, the largest z4 tile is %d bytes: the data is not dense enough to test the budget", unthinned)
	}
	tl := newTiler(t, ds, Options{})
	if o := tl.Options(); o.MaxTileBytes != 500<<10 || o.MaxTileFeatures != 200_000 {
		t.Fatalf("default budget %d bytes, %d features; want Tippecanoe's 500 KiB and 200,000", o.MaxTileBytes, o.MaxTileFeatures)
	}
	for z := 0; z <= 8; z++ {
		seen, bytes, features := zoomStats(t, tl, z)
		t.Logf("z%d: largest tile %d bytes (drawn whole: see z4 %d), %d features, parks shown %d of %d", z, bytes, unthinned, features,
			len(seen[data.IndustrialParks]), len(ds.Layer(data.IndustrialParks).Features.Features))
		if bytes > 500<<10 || features > 200_000 {
			t.Errorf("z%d: a tile of %d bytes and %d features, over the 500 KiB / 200,000 budget", z, bytes, features)
		}
	}
}

// TestThinningKeepsTilesSmall shrinks the budget (bytes in one case,
// features in the other) so that a dense user dataset crowds its low-zoom
// tiles, and checks that every tile stays under it, that a small layer
// placed in the densest spots is drawn whole at every zoom, that a thinned
// feature, once shown, stays shown when zooming in (unless whole layers
// alone overflow the budget), that every feature is
// back below the zooms thinning plans for, and that an isolated feature
// (the sparsest cell) is never thinned.
func TestThinningKeepsTilesSmall(t *testing.T) {
	base := userExport(generated(t, 6000, 3), "thin")
	lonely := fixtureFeature("lonely-park", square(100.5, 10.5, 0.002)) // alone in its cell at every zoom
	// a small plan of 60 sites on top of the dense parks: never thinned
	parks := base.Layer(data.IndustrialParks).Features.Features
	var sites []*geojson.Feature
	for i := 0; i < 60; i++ {
		sites = append(sites, fixtureFeature(fmt.Sprintf("site-%02d", i), parks[i*len(parks)/60].Geometry))
	}
	parksLayer := base.Layer(data.IndustrialParks)
	parksLayer.Features.Features = append(parksLayer.Features.Features, lonely)
	base.Layers = append(base.Layers, fixtureLayer("plan-sites", sites...))
	for _, tc := range []struct {
		name          string
		opts          Options
		bytes, counts int
		whole         bool // the small layers are drawn whole
	}{
		{"bytes", Options{MaxTileBytes: 40_000, WholeLayerFeatures: 100}, 40_000, math.MaxInt, true},
		{"features", Options{MaxTileFeatures: 300, WholeLayerFeatures: 100}, 500 << 10, 300, true},
		// corridors (900) and enclaves (600) are whole layers too, and
		// alone overflow the budget: it still holds
		{"whole-layers-overflow", Options{MaxTileBytes: 40_000}, 40_000, math.MaxInt, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := newTiler(t, base, tc.opts)
			var previous map[string]map[string]bool
			thinned := false
			for z := 0; z <= 12; z++ {
				seen, bytes, features := zoomStats(t, tl, z)
				if bytes > tc.bytes || features > tc.counts {
					t.Errorf("z%d: a tile of %d bytes and %d features, over the budget", z, bytes, features)
				}
				for _, l := range base.Layers {
					for _, f := range l.Features.Features {
						id := data.FeatureID(f)
						switch {
						case seen[l.ID][id]:
						case tc.whole && (l.ID == "plan-sites" || id == "lonely-park"):
							t.Errorf("z%d: %s %s must never be thinned but is missing", z, l.ID, id)
						default:
							thinned = true
						}
						// (the last-resort thinning of an encoded tile, which
						// alone can hold the budget when whole layers
						// overflow it, is per tile and does not promise this)
						if tc.whole && previous != nil && previous[l.ID][id] && !seen[l.ID][id] {
							t.Errorf("z%d: %s %s was shown at z%d but not at z%d", z, l.ID, id, z-1, z)
						}
					}
				}
				previous = seen
			}
			if !thinned {
				t.Error("nothing was thinned: the budget does not exercise thinning")
			}
			// below the zooms thinning plans for, everything is back
			z := uint32(tl.Options().ThinMaxZoom + 1)
			for _, l := range base.Layers {
				for _, f := range l.Features.Features {
					x, y := TileContaining(geo.Vertices(f.Geometry)[0], z)
					raw, err := tl.Encode(z, x, y, tl.AllLayers())
					if err != nil {
						t.Fatal(err)
					}
					if id := data.FeatureID(f); featureIDs(decode(t, raw), l.ID)[id] == nil {
						t.Errorf("z%d: %s %s is still thinned", z, l.ID, id)
					}
				}
			}
		})
	}
}

// TestBuiltinPlanDrawnWhole checks, with the default options, that every
// feature of the built-in plan appears in every tile its geometry touches
// at every zoom from 0 to 14: for a feature drawn as a shape at that zoom,
// every tile that its drawn parts meet inside (shrunk by the
// simplification tolerance and rounding, as geo.IntersectsBound decides
// on the source geometry projected with orb's Web Mercator); for one too small to draw, at least one of the
// tiles it touches.
func TestBuiltinPlanDrawnWhole(t *testing.T) {
	if testing.Short() {
		t.Skip("encodes every tile of the plan to zoom 14")
	}
	ds := defaultDataset(t)
	tl := newTiler(t, ds, Options{})
	opts := tl.Options()
	type key struct {
		z, x, y uint32
	}
	tiles := map[key]mapOfIDs{}
	idsIn := func(k key) mapOfIDs {
		if ids, ok := tiles[k]; ok {
			return ids
		}
		raw, err := tl.Encode(k.z, k.x, k.y, tl.AllLayers())
		if err != nil {
			t.Fatal(err)
		}
		ids := mapOfIDs{}
		for _, l := range decode(t, raw) {
			for _, f := range l.Features {
				ids[l.Name+"/"+f.Properties["id"].(string)] = true
			}
		}
		tiles[k] = ids
		return ids
	}
	checked := 0
	for z := uint32(0); z <= 14; z++ {
		clear(tiles) // one zoom at a time
		for _, l := range ds.Layers {
			for _, f := range l.Features.Features {
				name := l.ID + "/" + data.FeatureID(f)
				x0, y0, x1, y1 := TileRange(f.Geometry.Bound(), z)
				// in tile units of the whole world at z, through orb's
				// Web Mercator: tiles draw straight lines in Mercator
				world := refProject(f.Geometry, z, 0, 0)
				worldBound := world.Bound()
				// the parts drawn as shapes at z, by area and length in
				// tile units
				drawn, ambiguous := drawnParts(world, opts.MinPolygonArea, opts.MinLineLength)
				if ambiguous {
					continue
				}
				shape := drawn != nil
				if _, isPoint := f.Geometry.(orb.Point); isPoint {
					shape = true
				}
				anywhere := false
				for x := x0; x <= x1; x++ {
					for y := y0; y <= y1; y++ {
						inset := opts.Tolerance + 2
						inner := orb.Bound{
							Min: orb.Point{float64(x)*tileExtent + inset, float64(y)*tileExtent + inset},
							Max: orb.Point{float64(x+1)*tileExtent - inset, float64(y+1)*tileExtent - inset},
						}
						if !geo.IntersectsBoundEnvelope(world, worldBound, inner) {
							continue
						}
						present := idsIn(key{z, x, y})[name]
						anywhere = anywhere || present
						if shape && !present {
							t.Errorf("z%d: %s touches tile %d/%d/%d but is not in it", z, name, z, x, y)
						}
						checked++
					}
				}
				if !shape && !anywhere && x1-x0 < 2 && y1-y0 < 2 {
					t.Errorf("z%d: %s, too small to draw, is in none of the tiles it touches", z, name)
				}
			}
		}
	}
	if checked < 1000 {
		t.Errorf("only %d feature–tile pairs checked", checked)
	}
	t.Logf("%d feature–tile pairs checked", checked)
}

type mapOfIDs = map[string]bool
