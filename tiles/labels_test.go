package tiles

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
)

// TestLabelsOncePerPolygon checks the Labels layer over every tile a
// polygon of the default dataset touches, at a regional and a street zoom:
// exactly one of those tiles holds its label point inside the tile's own
// extent (MapLibre places only those), the point lies inside the polygon,
// and it carries the polygon's name, layer and shape.
func TestLabelsOncePerPolygon(t *testing.T) {
	ds := defaultDataset(t)
	tl := newTiler(t, ds, Options{})
	polygons := 0
	for _, z := range []uint32{10, 13} {
		for _, l := range ds.Layers {
			for _, f := range l.Features.Features {
				switch f.Geometry.(type) {
				case orb.Polygon, orb.MultiPolygon:
				default:
					continue
				}
				polygons++
				id := data.FeatureID(f)
				b := f.Geometry.Bound()
				x0, y0 := TileContaining(orb.Point{b.Min[0], b.Max[1]}, z)
				x1, y1 := TileContaining(orb.Point{b.Max[0], b.Min[1]}, z)
				var found []orb.Point
				for x := x0; x <= x1; x++ {
					for y := y0; y <= y1; y++ {
						raw, err := tl.Encode(z, x, y, tl.AllLayers())
						if err != nil {
							t.Fatal(err)
						}
						for _, lf := range labelsOf(t, raw, l.ID, id) {
							p := lf.Geometry.(orb.Point)
							if p[0] < 0 || p[0] >= tileExtent || p[1] < 0 || p[1] >= tileExtent {
								continue // in the buffer: the neighbour places it
							}
							if lf.Properties["name"] != f.Properties["name"] || lf.Properties["shape"] != "Polygon" {
								t.Errorf("z%d %s/%s: label properties %v", z, l.ID, id, lf.Properties)
							}
							found = append(found, tilePointToLonLat(p, z, x, y))
						}
					}
				}
				if len(found) != 1 {
					t.Errorf("z%d %s/%s: %d label points inside tiles, want 1", z, l.ID, id, len(found))
					continue
				}
				if !contains(f.Geometry, found[0]) {
					t.Errorf("z%d %s/%s: label point %v lies outside the polygon", z, l.ID, id, found[0])
				}
			}
		}
	}
	if polygons == 0 {
		t.Fatal("no polygon in the default dataset")
	}
}

// labelsOf returns the Labels features of one source feature in a tile,
// in tile coordinates.
func labelsOf(t *testing.T, raw []byte, layer, id string) []*geojson.Feature {
	var out []*geojson.Feature
	for _, l := range decode(t, raw) {
		if l.Name != Labels {
			continue
		}
		for _, f := range l.Features {
			if f.Properties["layer"] == layer && f.Properties["id"] == id {
				out = append(out, f)
			}
		}
	}
	return out
}

// tilePointToLonLat inverts Web Mercator for a point in tile units.
func tilePointToLonLat(p orb.Point, z, x, y uint32) orb.Point {
	n := math.Ldexp(1, int(z))
	mx := (float64(x) + p[0]/tileExtent) / n
	my := (float64(y) + p[1]/tileExtent) / n
	return orb.Point{lonFromX(mx), latFromY(my)}
}
