package crs

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
)

// wenzhou is a small ring around Wenzhou's centre, in CRS84.
var wenzhou = orb.Ring{{120.6, 27.9}, {120.8, 27.9}, {120.8, 28.1}, {120.6, 28.1}, {120.6, 27.9}}

func testGeometries() []orb.Geometry {
	hole := orb.Ring{{120.65, 27.95}, {120.65, 28.0}, {120.7, 28.0}, {120.65, 27.95}}
	return []orb.Geometry{
		orb.Point{120.7, 28.0},
		orb.MultiPoint{{120.7, 28.0}, {121.5, 31.2}},
		orb.LineString{{120.7, 28.0}, {121.5, 31.2}, {119.3, 26.1}},
		wenzhou,
		orb.MultiLineString{{{120.7, 28.0}, {121.5, 31.2}}, {{119.3, 26.1}, {118.1, 24.5}}},
		orb.Polygon{wenzhou, hole},
		orb.MultiPolygon{{wenzhou}, {hole}},
		orb.Collection{orb.Point{120.7, 28.0}, orb.LineString{{120.7, 28.0}, {121.5, 31.2}}},
	}
}

// points flattens a geometry into its points, in order.
func points(g orb.Geometry) []orb.Point {
	switch g := g.(type) {
	case orb.Point:
		return []orb.Point{g}
	case orb.MultiPoint:
		return g
	case orb.LineString:
		return g
	case orb.Ring:
		return g
	case orb.MultiLineString:
		var ps []orb.Point
		for _, l := range g {
			ps = append(ps, l...)
		}
		return ps
	case orb.Polygon:
		var ps []orb.Point
		for _, r := range g {
			ps = append(ps, r...)
		}
		return ps
	case orb.MultiPolygon:
		var ps []orb.Point
		for _, p := range g {
			ps = append(ps, points(p)...)
		}
		return ps
	case orb.Collection:
		var ps []orb.Point
		for _, m := range g {
			ps = append(ps, points(m)...)
		}
		return ps
	}
	return nil
}

// TestGeometryTransform checks, for every CRS and geometry type, that the
// result has the input's type and shape, that each point equals the point
// transformation, that the input is unchanged, and that the way back
// returns the input.
func TestGeometryTransform(t *testing.T) {
	for _, c := range Builtin().All() {
		for _, g := range testGeometries() {
			before := orb.Clone(g)
			out, err := c.GeometryFromCRS84(g)
			if err != nil {
				t.Fatalf("%s %T: %v", c.Code(), g, err)
			}
			if !reflect.DeepEqual(g, before) {
				t.Fatalf("%s: GeometryFromCRS84 changed its %T input", c.Code(), g)
			}
			if reflect.TypeOf(out) != reflect.TypeOf(g) {
				t.Fatalf("%s: %T became %T", c.Code(), g, out)
			}
			in, got := points(g), points(out)
			if len(in) != len(got) {
				t.Fatalf("%s %T: %d points became %d", c.Code(), g, len(in), len(got))
			}
			for i, p := range in {
				want, _ := c.FromCRS84(p)
				if got[i] != want {
					t.Errorf("%s %T point %d: %v, FromCRS84 says %v", c.Code(), g, i, got[i], want)
				}
			}
			outBefore := orb.Clone(out)
			back, err := c.GeometryToCRS84(out)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(out, outBefore) {
				t.Fatalf("%s: GeometryToCRS84 changed its input", c.Code())
			}
			for i, p := range points(back) {
				if groundMetres(p, in[i]) > 1e-6 {
					t.Errorf("%s %T: round trip moved %v to %v", c.Code(), g, in[i], p)
				}
			}
		}
	}
}

func TestTransformErrors(t *testing.T) {
	reg := Builtin()
	c4549, _ := reg.Lookup("EPSG:4549")
	c3857, _ := reg.Lookup("EPSG:3857")
	c4326, _ := reg.Lookup("EPSG:4326")
	tests := []struct {
		name string
		err  func() error
	}{
		{"latitude 91", func() error { _, err := c4549.FromCRS84(orb.Point{120, 91}); return err }},
		{"NaN", func() error { _, err := c4549.FromCRS84(orb.Point{math.NaN(), 30}); return err }},
		{"Inf in", func() error { _, err := c4549.ToCRS84(orb.Point{math.Inf(1), 500000}); return err }},
		{"antipode of the zone", func() error { _, err := c4549.FromCRS84(orb.Point{-60, 30}); return err }},
		{"easting far off", func() error { _, err := c4549.ToCRS84(orb.Point{3e6, 9e7}); return err }},
		{"Mercator pole", func() error { _, err := c3857.FromCRS84(orb.Point{0, 90}); return err }},
		{"Mercator easting", func() error { _, err := c3857.ToCRS84(orb.Point{3e7, 0}); return err }},
		{"4326 latitude first 120", func() error { _, err := c4326.ToCRS84(orb.Point{120, 30}); return err }},
		{"line with a bad point", func() error {
			_, err := c4549.GeometryFromCRS84(orb.LineString{{120, 30}, {120, 95}})
			return err
		}},
		{"bound in a collection", func() error {
			_, err := c4549.GeometryFromCRS84(orb.Collection{orb.Bound{}})
			return err
		}},
	}
	for _, tc := range tests {
		if err := tc.err(); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if g, err := c4549.GeometryFromCRS84(nil); g != nil || err != nil {
		t.Errorf("nil geometry: %v, %v", g, err)
	}
	// Transform into the same CRS returns a copy.
	line := orb.LineString{{1, 2}, {3, 4}}
	g, err := Transform(line, c3857, c3857)
	if err != nil {
		t.Fatal(err)
	}
	g.(orb.LineString)[0][0] = 99
	if line[0][0] != 1 {
		t.Error("Transform to the same CRS shares its input")
	}
}

// TestTmercSeries checks the Krüger series on its own, without PROJ: the
// central meridian maps to easting FE, the equator to northing 0, the
// quarter meridian of GRS80 (10,001,965.729 m, Moritz 1980) to the pole,
// and forward then inverse returns the point far out to 30° from the
// central meridian.
func TestTmercSeries(t *testing.T) {
	tm := newTmerc(grs80, 120, 1, 500000, 0)
	e, n, _ := tm.forward(120, 0)
	if e != 500000 || n != 0 {
		t.Errorf("origin: %v %v", e, n)
	}
	_, n, _ = tm.forward(120, 90)
	if math.Abs(n-10001965.7293) > 1e-3 {
		t.Errorf("quarter meridian %.4f", n)
	}
	r := rand.New(rand.NewPCG(1, 2))
	worst := 0.0
	for range 20000 {
		lon, lat := 90+60*r.Float64(), -80+160*r.Float64()
		e, n, err := tm.forward(lon, lat)
		if err != nil {
			t.Fatal(err)
		}
		lon2, lat2, err := tm.inverse(e, n)
		if err != nil {
			t.Fatal(err)
		}
		worst = math.Max(worst, groundMetres(orb.Point{lon, lat}, orb.Point{lon2, lat2}))
	}
	if worst > 1e-6 {
		t.Errorf("round trip within 30° of the central meridian off by %.3g m", worst)
	}
}
