package tiles

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
)

// sampleTiles picks, at zoom z, the tiles holding random vertices of
// random features (so that they hold data) and one neighbour of each.
func sampleTiles(ds *data.Dataset, z uint32, count int, rng *rand.Rand) []TileID {
	seen := map[TileID]bool{}
	var out []TileID
	var all []*geojson.Feature
	for _, l := range ds.Layers {
		all = append(all, l.Features.Features...)
	}
	for attempt := 0; len(out) < count && attempt < 50*count; attempt++ {
		f := all[rng.IntN(len(all))]
		vs := geo.Vertices(f.Geometry)
		x, y := TileContaining(vs[rng.IntN(len(vs))], z)
		for _, id := range []TileID{{z, x, y}, {z, min(x+1, 1<<z-1), y}} {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

// TestTilesMatchBruteForce decodes sampled tiles from zoom 5 to 22 with
// orb's decoder and checks each layer (the derived enclave links too,
// which deep zooms look up in a grid instead of the R-tree) against every
// source feature
// projected with orb's own Web Mercator: a feature drawn as a shape at the
// zoom must be in a tile whose buffered box it meets (shrunk by the
// simplification tolerance and rounding), and only then (box grown by as
// much); a feature too small to draw must come as a point on it; at zoom
// 12 and deeper every vertex must lie within one tile unit of a source
// vertex, and the source within tolerance of what was drawn.
func TestTilesMatchBruteForce(t *testing.T) {
	ds := generated(t, 2000, testSeed)
	tl := newTiler(t, ds, noThin)
	opts := tl.Options()
	rng := rand.New(rand.NewPCG(1, 2))
	stats := map[string]int{}
	// the derived enclave links, as lon/lat features, are checked too
	links := &data.Layer{ID: EnclaveLinks, Features: geojson.NewFeatureCollection()}
	links.Features.Features = tl.layers[tl.byName[EnclaveLinks]].index.Features()
	layers := append(slices.Clone(ds.Layers), links)
	for z := uint32(5); z <= MaxZoom; z++ {
		for _, id := range sampleTiles(ds, z, 16, rng) {
			raw, err := tl.Encode(id.Z, id.X, id.Y, tl.AllLayers())
			if err != nil {
				t.Fatal(err)
			}
			decoded := decode(t, raw)
			for _, l := range layers {
				checkLayerTile(t, l, featureIDs(decoded, l.ID), id, opts, stats)
			}
		}
	}
	t.Logf("checked: %v", stats)
	for _, what := range []string{"shape", "point-mode", "point", "vertex", "source-vertex"} {
		if stats[what] == 0 {
			t.Errorf("no %s was checked: the sample does not exercise the test", what)
		}
	}
}

func checkLayerTile(t *testing.T, l *data.Layer, got map[string]*geojson.Feature, id TileID, opts Options, stats map[string]int) {
	t.Helper()
	z := id.Z
	box := orb.Bound{Min: orb.Point{-opts.Buffer, -opts.Buffer}, Max: orb.Point{4096 + opts.Buffer, 4096 + opts.Buffer}}
	margin := opts.Tolerance + 1
	if int(z) >= opts.FullDetailZoom {
		margin = 1
	}
	shrunk := box.Pad(-margin)
	grown := box.Pad(margin)
	near := maptile.New(id.X, id.Y, maptile.Zoom(z)).Bound()
	near = near.Pad(math.Max(near.Right()-near.Left(), near.Top()-near.Bottom()) / 8)
	where := fmt.Sprintf("tile %d/%d/%d layer %s", z, id.X, id.Y, l.ID)
	for _, f := range l.Features.Features {
		fid := data.FeatureID(f)
		dec, decoded := got[fid]
		if !f.Geometry.Bound().Intersects(near) {
			if decoded {
				t.Errorf("%s: %s is far from the tile but was written", where, fid)
			}
			continue
		}
		g := refProject(f.Geometry, z, id.X, id.Y)
		if decoded {
			if want := FeatureTileID(l.ID, fid); dec.ID != float64(want) {
				t.Errorf("%s: %s has MVT id %v, want %d", where, fid, dec.ID, want)
			}
		}
		if _, isPoint := g.(orb.Point); isPoint {
			// Within a few units of the buffered edge rounding may go either
			// way; anywhere else the point must be written exactly when it
			// lies in the buffered tile.
			surelyIn, surelyOut := shrunk.Contains(g.(orb.Point)), !grown.Contains(g.(orb.Point))
			if (surelyIn && !decoded) || (surelyOut && decoded) {
				t.Errorf("%s: point %s in buffered tile=%v but written=%v", where, fid, surelyIn, decoded)
			}
			if decoded {
				stats["point"]++
				if d := chebyshev(dec.Geometry.(orb.Point), g.(orb.Point)); d > 1 {
					t.Errorf("%s: point %s is %.2f units from its source", where, fid, d)
				}
			}
			continue
		}
		drawn, ambiguous := drawnParts(g, opts.MinPolygonArea, opts.MinLineLength)
		if ambiguous {
			continue
		}
		if drawn == nil { // too small to draw: a point on it, or nothing
			if !decoded {
				continue
			}
			stats["point-mode"]++
			p, ok := dec.Geometry.(orb.Point)
			if !ok {
				t.Errorf("%s: %s is too small to draw at z%d but came as a %s", where, fid, z, dec.Geometry.GeoJSONType())
				continue
			}
			if !box.Pad(0.5).Contains(p) {
				t.Errorf("%s: %s's point %v is outside the buffered tile", where, fid, p)
			}
			if d := distanceToSource(p, g); d > 1 {
				t.Errorf("%s: %s's point %v is %.2f units off its source geometry", where, fid, p, d)
			}
			continue
		}
		strict, loose := geo.IntersectsBound(drawn, shrunk), geo.IntersectsBound(drawn, grown)
		switch {
		case strict && !decoded:
			t.Errorf("%s: %s meets the tile but is missing", where, fid)
		case decoded && !loose:
			t.Errorf("%s: %s does not meet the tile but was written", where, fid)
		}
		if !decoded {
			continue
		}
		stats["shape"]++
		if _, isPoint := dec.Geometry.(orb.Point); isPoint {
			continue // a shape collapsed in this tile, kept as its label point
		}
		if z >= 12 {
			checkCoordinates(t, where+" "+fid, dec.Geometry, drawn, box, opts, int(z), stats)
		}
	}
}

// distanceToSource is 0 inside a polygon, else the distance to its lines.
func distanceToSource(p orb.Point, g orb.Geometry) float64 {
	switch g := g.(type) {
	case orb.Polygon:
		if planar.PolygonContains(g, p) {
			return 0
		}
	case orb.MultiPolygon:
		if planar.MultiPolygonContains(g, p) {
			return 0
		}
	}
	return distanceToSegments(p, segments(g))
}

// checkCoordinates checks a decoded shape against its projected source:
// every vertex not made by clipping lies within one tile unit (each
// coordinate) of a source vertex; vertices made by clipping lie on the
// buffer's edge, on the source's outline or inside it; and every source vertex inside the tile
// lies within one unit of a drawn vertex (full detail) or within the
// tolerance of a drawn line.
func checkCoordinates(t *testing.T, where string, got, src orb.Geometry, box orb.Bound, opts Options, z int, stats map[string]int) {
	t.Helper()
	srcVertices := geo.Vertices(src)
	edge := func(p orb.Point) bool {
		return math.Abs(p[0]-box.Min[0]) <= 1 || math.Abs(p[0]-box.Max[0]) <= 1 ||
			math.Abs(p[1]-box.Min[1]) <= 1 || math.Abs(p[1]-box.Max[1]) <= 1
	}
	gotVertices := geo.Vertices(got)
	for _, v := range gotVertices {
		stats["vertex"]++
		if edge(v) {
			// made by clipping: on the source's outline (within the
			// tolerance), inside it, or a corner of the buffer, where
			// clipping a concave polygon joins its pieces along the
			// buffer's edge by zero-area bridges (never drawn: the buffer
			// lies outside the tile)
			corner := (v[0] == box.Min[0] || v[0] == box.Max[0]) && (v[1] == box.Min[1] || v[1] == box.Max[1])
			if _, polygon := src.(orb.Polygon); corner && polygon {
				continue
			}
			if _, polygon := src.(orb.MultiPolygon); corner && polygon {
				continue
			}
			if d := distanceToSource(v, src); d > opts.Tolerance+1 {
				t.Errorf("%s: clipped vertex %v is %.2f units off the source", where, v, d)
			}
			continue
		}
		if best := nearestChebyshev(v, srcVertices); best > 1 {
			t.Errorf("%s: vertex %v is %.3f tile units from the nearest source vertex", where, v, best)
			return
		}
	}
	full := z >= opts.FullDetailZoom
	inner := box.Pad(-(opts.Tolerance + 1))
	gotSegments := segments(got)
	for _, s := range srcVertices {
		if !inner.Contains(s) {
			continue
		}
		stats["source-vertex"]++
		if full {
			if best := nearestChebyshev(s, gotVertices); best > 1 {
				t.Errorf("%s: source vertex %v was not drawn at full detail (nearest %.3f units)", where, s, best)
				return
			}
			continue
		}
		if d := distanceToSegments(s, gotSegments); d > opts.Tolerance+1 {
			t.Errorf("%s: source vertex %v is %.2f units from the simplified shape (tolerance %.0f)", where, s, d, opts.Tolerance)
			return
		}
	}
}

// TestTileStructure checks what MVT 2.1 asks of every tile: version 2,
// extent 4096, layers in the fixed order, unique integer ids, the map's
// properties, no repeated points, rings closed with at least three
// distinct points, non-zero area and the right winding (exterior positive
// in tile coordinates, holes negative), lines with two points or more.
func TestTileStructure(t *testing.T) {
	for _, tc := range []struct {
		name string
		ds   *data.Dataset
	}{
		{"default", defaultDataset(t)},
		{"generated", generated(t, 2000, testSeed)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := newTiler(t, tc.ds, Options{})
			order := tl.LayerNames()
			if want := append(slices.Clone(data.StandardLayers), EnclaveLinks, Labels); !slices.Equal(order, want) {
				t.Fatalf("layer order %v, want %v", order, want)
			}
			rng := rand.New(rand.NewPCG(3, 4))
			polygons, holes := 0, 0
			for z := uint32(0); z <= 16; z += 2 {
				for _, id := range sampleTiles(tc.ds, z, 10, rng) {
					raw, err := tl.Encode(id.Z, id.X, id.Y, tl.AllLayers())
					if err != nil {
						t.Fatal(err)
					}
					layers := decode(t, raw)
					var names []string
					for _, l := range layers {
						names = append(names, l.Name)
						if l.Version != 2 || l.Extent != 4096 {
							t.Errorf("%v %s: version %d extent %d", id, l.Name, l.Version, l.Extent)
						}
						ids := map[float64]bool{}
						for _, f := range l.Features {
							if ids[f.ID.(float64)] {
								t.Errorf("%v %s: id %v twice", id, l.Name, f.ID)
							}
							ids[f.ID.(float64)] = true
							checkProperties(t, l.Name, f)
							p, h := checkGeometry(t, fmt.Sprintf("%v %s %v", id, l.Name, f.Properties["id"]), f.Geometry)
							polygons += p
							holes += h
						}
					}
					if !slices.IsSortedFunc(names, func(a, b string) int { return slices.Index(order, a) - slices.Index(order, b) }) {
						t.Errorf("%v: layers %v out of order %v", id, names, order)
					}
				}
			}
			if polygons == 0 {
				t.Error("no polygon was checked")
			}
			t.Logf("%d polygons, %d holes", polygons, holes)
		})
	}
}

func checkProperties(t *testing.T, layer string, f *geojson.Feature) {
	t.Helper()
	id, _ := f.Properties["id"].(string)
	if id == "" {
		t.Errorf("%s: feature %v has no id property", layer, f.ID)
		return
	}
	want := []string{"id", "name", "kind"}
	switch layer {
	case data.Corridors:
		want = append(want, "mode")
	case data.Enclaves, EnclaveLinks:
		want = append(want, "home", "host")
	case Labels:
		want = append(want, "layer", "shape")
	}
	for _, k := range want {
		if _, ok := f.Properties[k]; !ok {
			t.Errorf("%s %s: property %s missing", layer, id, k)
		}
	}
	for k := range f.Properties {
		if !slices.Contains(propertyKeys, k) {
			t.Errorf("%s %s: unexpected property %s", layer, id, k)
		}
	}
	if y, ok := f.Properties["target_year"]; ok {
		if v, isNum := y.(float64); !isNum || v != math.Trunc(v) {
			t.Errorf("%s %s: target_year %v is not an integer", layer, id, y)
		}
	}
}

// checkGeometry checks one decoded geometry and counts polygons and holes.
func checkGeometry(t *testing.T, where string, g orb.Geometry) (polygons, holes int) {
	t.Helper()
	checkLine := func(pts []orb.Point, ring bool) {
		for i := 1; i < len(pts); i++ {
			if pts[i] == pts[i-1] {
				t.Errorf("%s: repeated point %v", where, pts[i])
			}
		}
		distinct := len(pts)
		if ring {
			distinct--
		}
		if ring && distinct < 3 || !ring && distinct < 2 {
			t.Errorf("%s: degenerate %d-point part", where, len(pts))
		}
	}
	checkPolygon := func(p orb.Polygon) {
		polygons++
		for i, r := range p {
			// orb closes decoded rings: the closing point repeats the first
			checkLine(r, true)
			a := ringSignedArea(r)
			switch {
			case a == 0:
				t.Errorf("%s: ring %d has zero area", where, i)
			case i == 0 && a < 0:
				t.Errorf("%s: exterior ring has negative area (wrong winding)", where)
			case i > 0 && a > 0:
				t.Errorf("%s: hole %d has positive area (wrong winding)", where, i)
			}
			if i > 0 {
				holes++
			}
		}
	}
	switch g := g.(type) {
	case orb.Point, orb.MultiPoint:
	case orb.LineString:
		checkLine(g, false)
	case orb.MultiLineString:
		for _, l := range g {
			checkLine(l, false)
		}
	case orb.Polygon:
		checkPolygon(g)
	case orb.MultiPolygon:
		for _, p := range g {
			checkPolygon(p)
		}
	default:
		t.Errorf("%s: unexpected geometry %T", where, g)
	}
	return polygons, holes
}

// ringSignedArea is the surveyor's formula in tile coordinates, as the MVT
// specification states it (positive for exterior rings).
func ringSignedArea(r orb.Ring) float64 {
	s := 0.0
	for i := 0; i+1 < len(r); i++ {
		s += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return s / 2
}
