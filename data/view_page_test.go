package data

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	sf "github.com/peterstace/simplefeatures/geom"
)

// TestUncachedSelectPageMatchesBruteForce checks SelectPage with the match
// cache off, for bbox-only queries (the index's page path), against a scan
// of every feature with simplefeatures' exact predicate (a JTS port,
// independent of the code under test), in the view's order: on a view as
// loaded, on one with deletions only (the deleted features hidden in the
// base), and on one with created and replaced features too (answered by
// the general path); one box or two, random offsets and limits.
func TestUncachedSelectPageMatchesBruteForce(t *testing.T) {
	ds := Generate(GenOptions{Features: 8000, Seed: 21})
	rng := rand.New(rand.NewPCG(4, 8))
	for _, id := range []string{IndustrialParks, Corridors, Ports} {
		layer := ds.Layer(id)
		loaded := newView(newLayerBase(layer, nil, true), nil, "v1", 0)
		var deletions []*entry
		for _, r := range loaded.Refs() {
			if rng.IntN(5) == 0 {
				deletions = append(deletions, newEntry(loaded.ID(r), nil, 1))
			}
		}
		deleted := loaded.withChanges(deletions, "v2", 0)
		// Replace a few survivors by features elsewhere and create some.
		var edits []*entry
		for k, r := range deleted.Refs() {
			if k%97 == 0 {
				f := geojson.NewFeature(shifted(deleted.Feature(r).Geometry, 0.05))
				f.Properties = deleted.Feature(r).Properties.Clone()
				edits = append(edits, newEntry(deleted.ID(r), f, 2))
			}
		}
		for k := 0; k < 30; k++ {
			f := geojson.NewFeature(orb.Point{118 + rng.Float64()*4, 24 + rng.Float64()*5})
			f.Properties = geojson.Properties{"name": fmt.Sprint("new ", k)}
			edits = append(edits, newEntry(fmt.Sprintf("%s-new-%d", id, k), f, 2))
		}
		edited := deleted.withChanges(edits, "v3", 0)
		for name, v := range map[string]*LayerView{"loaded": loaded, "deletions": deleted, "edits": edited} {
			t.Run(id+"/"+name, func(t *testing.T) {
				refs := v.Refs()
				geoms := make([]sf.Geometry, len(refs))
				for k, r := range refs {
					geoms[k] = toSFGeometry(t, v.Feature(r).Geometry)
				}
				region := v.Bound()
				for q := 0; q < 60; q++ {
					var boxes []orb.Bound
					for n := 1 + rng.IntN(2); len(boxes) < n; {
						w := (region.Max[0] - region.Min[0]) * rng.Float64() * rng.Float64()
						h := (region.Max[1] - region.Min[1]) * rng.Float64() * rng.Float64()
						x := region.Min[0] + rng.Float64()*(region.Max[0]-region.Min[0]-w)
						y := region.Min[1] + rng.Float64()*(region.Max[1]-region.Min[1]-h)
						boxes = append(boxes, orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + w, y + h}})
					}
					var want []string
					for k, r := range refs {
						for _, b := range boxes {
							env := sf.NewEnvelope(sf.XY{X: b.Min[0], Y: b.Min[1]}, sf.XY{X: b.Max[0], Y: b.Max[1]}).AsGeometry()
							if sf.Intersects(geoms[k], env) {
								want = append(want, v.ID(r))
								break
							}
						}
					}
					for _, c := range [][2]int{{0, 100}, {rng.IntN(len(want) + 1), 1 + rng.IntN(300)}, {len(want), 5}} {
						offset, limit := c[0], c[1]
						matched, page := v.SelectPage(&Query{BBoxes: boxes}, offset, limit, nil)
						if matched != len(want) {
							t.Fatalf("boxes %v: matched %d, brute force %d", boxes, matched, len(want))
						}
						var have []string
						for _, r := range page {
							have = append(have, v.ID(r))
						}
						from := min(offset, len(want))
						if wantPage := want[from:min(from+limit, len(want))]; !slices.Equal(have, wantPage) && len(have)+len(wantPage) > 0 {
							t.Fatalf("boxes %v offset %d limit %d: page %v, brute force %v", boxes, offset, limit, have, wantPage)
						}
					}
				}
			})
		}
	}
}

func shifted(g orb.Geometry, d float64) orb.Geometry {
	g = orb.Clone(g)
	switch g := g.(type) {
	case orb.Point:
		return orb.Point{g[0] + d, g[1] + d}
	case orb.LineString:
		for i := range g {
			g[i][0] += d
			g[i][1] += d
		}
	case orb.Polygon:
		for _, r := range g {
			for i := range r {
				r[i][0] += d
				r[i][1] += d
			}
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				for i := range r {
					r[i][0] += d
					r[i][1] += d
				}
			}
		}
	}
	return g
}

func toSFGeometry(t *testing.T, g orb.Geometry) sf.Geometry {
	t.Helper()
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
