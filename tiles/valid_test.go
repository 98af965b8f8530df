package tiles

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	sf "github.com/peterstace/simplefeatures/geom"

	"github.com/planmap/planmap/data"
)

// sfPolygon builds a simplefeatures polygon (tile units) from a decoded one.
func sfPolygon(p orb.Polygon) sf.Polygon {
	rings := make([]sf.LineString, len(p))
	for i, r := range p {
		xy := make([]float64, 0, 2*len(r))
		for _, pt := range r {
			xy = append(xy, pt[0], pt[1])
		}
		rings[i] = sf.NewLineString(sf.NewSequence(xy, sf.DimXY))
	}
	return sf.NewPolygon(rings)
}

// polygonProblem checks one decoded polygon as the MVT spec 2.1 (4.3.4.4)
// requires, independently of the encoder: the exterior ring's area is
// positive in tile coordinates (orb: CCW) and every hole's negative, and
// simplefeatures' validation (simple, closed, non-degenerate rings meeting
// in at most one point each, holes inside, a connected interior) passes.
func polygonProblem(p orb.Polygon) string {
	for i, r := range p {
		if o := r.Orientation(); (i == 0) != (o == orb.CCW) {
			return fmt.Sprintf("ring %d has the wrong winding (%v)", i, o)
		}
	}
	if err := sfPolygon(p).Validate(); err != nil {
		return err.Error()
	}
	return ""
}

// starRing is a ring around (lon, lat) whose radius at each of n evenly
// spaced angles is drawn from [r0, r1] degrees: simple by construction and,
// with n large and r0 much below r1, spiky, crossing any tile edge near it
// many times.
func starRing(rng *rand.Rand, lon, lat float64, n int, r0, r1 float64, clockwise bool) orb.Ring {
	r := make(orb.Ring, 0, n+1)
	for k := range n {
		a := 2 * math.Pi * float64(k) / float64(n)
		if clockwise {
			a = -a
		}
		d := r0 + rng.Float64()*(r1-r0)
		r = append(r, orb.Point{lon + d*math.Cos(a), lat + d*math.Sin(a)})
	}
	return append(r, r[0])
}

// spikyLayer makes n spiky star polygons with spiky star holes (the hole's
// radius below the exterior's least) and multipolygons of two, in a square
// of side 0.5° at (100.2, 10.2).
func spikyLayer(rng *rand.Rand, n int) *data.Layer {
	var fs []*geojson.Feature
	for i := range n {
		lon, lat := 100.2+rng.Float64()*0.5, 10.2+rng.Float64()*0.5
		size := 0.002 + rng.Float64()*0.05
		p := orb.Polygon{starRing(rng, lon, lat, 8+rng.IntN(60), size*0.3, size, false)}
		if i%2 == 0 {
			p = append(p, starRing(rng, lon, lat, 5+rng.IntN(40), size*0.05, size*0.28, true))
		}
		var g orb.Geometry = p
		if i%5 == 0 {
			q := orb.Polygon{starRing(rng, lon+3*size, lat, 8+rng.IntN(30), size*0.3, size, false)}
			g = orb.MultiPolygon{p, q}
		}
		fs = append(fs, fixtureFeature(fmt.Sprintf("spiky-%03d", i), g))
	}
	return fixtureLayer("spiky", fs...)
}

// TestClippedPolygonsValid decodes, with orb's decoder, tiles at every zoom
// from 0 to 16 of a dense generated dataset and of a layer of spiky star
// polygons with holes, sampled where polygons cross tile edges, and checks
// every polygon with polygonProblem.
func TestClippedPolygonsValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 2))
	spiky := &data.Dataset{Version: "spiky", Layers: []*data.Layer{spikyLayer(rng, 300)}}
	for _, tc := range []struct {
		name string
		ds   *data.Dataset
	}{
		{"generated", generated(t, 20_000, 13)},
		{"spiky", spiky},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := newTiler(t, tc.ds, noThin)
			checked, clipped, holes, invalid := 0, 0, 0, 0
			for z := uint32(0); z <= 16; z++ {
				for _, id := range sampleTiles(tc.ds, z, 24, rng) {
					raw, err := tl.Encode(id.Z, id.X, id.Y, tl.AllLayers())
					if err != nil {
						t.Fatal(err)
					}
					for _, l := range decode(t, raw) {
						for _, f := range l.Features {
							var polys []orb.Polygon
							switch g := f.Geometry.(type) {
							case orb.Polygon:
								polys = []orb.Polygon{g}
							case orb.MultiPolygon:
								polys = g
							}
							for _, p := range polys {
								checked++
								holes += len(p) - 1
								b := p.Bound()
								if b.Min[0] <= -64 || b.Min[1] <= -64 || b.Max[0] >= 4096+64 || b.Max[1] >= 4096+64 {
									clipped++
								}
								if problem := polygonProblem(p); problem != "" {
									invalid++
									if invalid <= 20 {
										t.Errorf("%d/%d/%d %s %v: %s", id.Z, id.X, id.Y, l.Name, f.Properties["id"], problem)
									}
								}
							}
						}
					}
				}
			}
			t.Logf("%d polygons (%d holes) checked, %d clipped at the buffer edge, %d invalid", checked, holes, clipped, invalid)
			if clipped < 200 {
				t.Errorf("only %d clipped polygons checked", clipped)
			}
		})
	}
}
