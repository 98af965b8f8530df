package tiles

import (
	"math"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/orb/project"

	"github.com/planmap/planmap/data"
)

// The tests check the tiler against an independent truth: orb's own
// Web Mercator (project.WGS84.ToMercator, metres), orb's MVT decoder, the
// planar geometry–box test of package geo, brute force over every source
// feature, and GDAL.

// earthHalf is half the Web Mercator world width in metres (π·6378137).
const earthHalf = math.Pi * 6378137

// refTileUnits projects p to tile units of tile z/x/y through orb's
// projection, without rounding.
func refTileUnits(p orb.Point, z, x, y uint32) orb.Point {
	m := project.WGS84.ToMercator(p)
	n := math.Ldexp(4096, int(z))
	return orb.Point{
		(m[0]+earthHalf)/(2*earthHalf)*n - float64(x)*4096,
		(earthHalf-m[1])/(2*earthHalf)*n - float64(y)*4096,
	}
}

// refProject returns a projected copy of g in tile units (g is cloned
// first: orb's project functions change their input in place).
func refProject(g orb.Geometry, z, x, y uint32) orb.Geometry {
	return project.Geometry(orb.Clone(g), func(p orb.Point) orb.Point { return refTileUnits(p, z, x, y) })
}

// drawnParts returns the parts of a projected geometry the tiler must draw
// as shapes at this zoom (polygons whose exterior covers minArea tile
// units², lines of minLength units), and whether any part is within 2% of
// the threshold (ambiguous: tests skip those).
func drawnParts(g orb.Geometry, minArea, minLength float64) (orb.Geometry, bool) {
	near := func(v, limit float64) bool { return math.Abs(v-limit) < 0.02*limit }
	ambiguous := false
	// bigHoles keeps the holes big enough to draw
	bigHoles := func(p orb.Polygon) orb.Polygon {
		out := orb.Polygon{p[0]}
		for _, h := range p[1:] {
			a := math.Abs(planar.Area(h))
			ambiguous = ambiguous || near(a, minArea)
			if a >= minArea {
				out = append(out, h)
			}
		}
		return out
	}
	switch g := g.(type) {
	case orb.Polygon:
		a := math.Abs(planar.Area(g[0]))
		ambiguous = near(a, minArea)
		if a >= minArea {
			return bigHoles(g), ambiguous
		}
		return nil, ambiguous
	case orb.MultiPolygon:
		var out orb.MultiPolygon
		for _, p := range g {
			a := math.Abs(planar.Area(p[0]))
			ambiguous = ambiguous || near(a, minArea)
			if a >= minArea {
				out = append(out, bigHoles(p))
			}
		}
		if len(out) == 0 {
			return nil, ambiguous
		}
		return out, ambiguous
	case orb.LineString:
		l := planar.Length(g)
		if l >= minLength {
			return g, near(l, minLength)
		}
		return nil, near(l, minLength)
	case orb.MultiLineString:
		var out orb.MultiLineString
		for _, ls := range g {
			l := planar.Length(ls)
			ambiguous = ambiguous || near(l, minLength)
			if l >= minLength {
				out = append(out, ls)
			}
		}
		if len(out) == 0 {
			return nil, ambiguous
		}
		return out, ambiguous
	}
	return g, false
}

// decode decodes raw MVT bytes with orb's decoder; nil bytes decode to no
// layers.
func decode(t testing.TB, raw []byte) mvt.Layers {
	t.Helper()
	if len(raw) == 0 {
		return nil
	}
	layers, err := mvt.Unmarshal(raw)
	if err != nil {
		t.Fatalf("orb cannot decode the tile: %v", err)
	}
	return layers
}

// featureIDs returns the "id" property of each decoded feature of layer.
func featureIDs(layers mvt.Layers, layer string) map[string]*geojson.Feature {
	out := map[string]*geojson.Feature{}
	for _, l := range layers {
		if l.Name != layer {
			continue
		}
		for _, f := range l.Features {
			id, _ := f.Properties["id"].(string)
			out[id] = f
		}
	}
	return out
}

var (
	genOnce  sync.Map // seed/size → *data.Dataset
	noThin   = Options{WholeLayerFeatures: math.MaxInt, MaxTileBytes: math.MaxInt32, MaxTileFeatures: math.MaxInt32}
	testSeed = int64(11)
)

// generated returns a generated dataset, built once per size and seed.
func generated(t testing.TB, n int, seed int64) *data.Dataset {
	t.Helper()
	key := [2]int64{int64(n), seed}
	if ds, ok := genOnce.Load(key); ok {
		return ds.(*data.Dataset)
	}
	ds := data.Generate(data.GenOptions{Features: n, Seed: seed})
	genOnce.Store(key, ds)
	return ds
}

func defaultDataset(t testing.TB) *data.Dataset {
	t.Helper()
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func newTiler(t testing.TB, ds *data.Dataset, opts Options) *Tiler {
	t.Helper()
	tl, err := NewForDataset(ds, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tl
}

// chebyshev is the larger of the two coordinate differences.
func chebyshev(a, b orb.Point) float64 { return math.Max(math.Abs(a[0]-b[0]), math.Abs(a[1]-b[1])) }

// nearestChebyshev is the Chebyshev distance from p to the nearest of pts
// (+Inf when there are none).
func nearestChebyshev(p orb.Point, pts []orb.Point) float64 {
	best := math.Inf(1)
	for _, q := range pts {
		best = math.Min(best, chebyshev(p, q))
	}
	return best
}

// segments lists every segment of g's lines and rings.
func segments(g orb.Geometry) [][2]orb.Point {
	var out [][2]orb.Point
	add := func(pts []orb.Point) {
		for i := 1; i < len(pts); i++ {
			out = append(out, [2]orb.Point{pts[i-1], pts[i]})
		}
	}
	var walk func(g orb.Geometry)
	walk = func(g orb.Geometry) {
		switch g := g.(type) {
		case orb.LineString:
			add(g)
		case orb.Ring:
			add(g)
		case orb.MultiLineString:
			for _, l := range g {
				add(l)
			}
		case orb.Polygon:
			for _, r := range g {
				add(r)
			}
		case orb.MultiPolygon:
			for _, p := range g {
				walk(p)
			}
		}
	}
	walk(g)
	return out
}

// distanceToSegments is the Euclidean distance from p to the nearest
// segment.
func distanceToSegments(p orb.Point, segs [][2]orb.Point) float64 {
	best := math.Inf(1)
	for _, s := range segs {
		best = math.Min(best, math.Sqrt(segDist2(p[0], p[1], s[0][0], s[0][1], s[1][0], s[1][1])))
	}
	return best
}
