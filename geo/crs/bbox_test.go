package crs

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// bruteBound transforms a dense grid over the box (interior and, densely,
// its edges) point by point and returns the bound of the images.
func bruteBound(t *testing.T, b orb.Bound, f func(orb.Point) (orb.Point, error)) orb.Bound {
	t.Helper()
	var out orb.Bound
	first := true
	add := func(p orb.Point) {
		q, err := f(p)
		if err != nil {
			t.Fatalf("%v: %v", p, err)
		}
		if first {
			out, first = orb.Bound{Min: q, Max: q}, false
		}
		out = out.Extend(q)
	}
	const n, edge = 60, 4000
	for i := 0; i <= n; i++ {
		for j := 0; j <= n; j++ {
			add(orb.Point{b.Min[0] + (b.Max[0]-b.Min[0])*float64(i)/n, b.Min[1] + (b.Max[1]-b.Min[1])*float64(j)/n})
		}
	}
	for i := 0; i <= edge; i++ {
		s := float64(i) / edge
		x := b.Min[0] + (b.Max[0]-b.Min[0])*s
		y := b.Min[1] + (b.Max[1]-b.Min[1])*s
		add(orb.Point{x, b.Min[1]})
		add(orb.Point{x, b.Max[1]})
		add(orb.Point{b.Min[0], y})
		add(orb.Point{b.Max[0], y})
	}
	return out
}

// TestBoundToCRS84 checks against brute force that the transformed box
// contains every transformed point of the box and is no larger than
// needed (each side within slack of the brute-force extreme).
func TestBoundToCRS84(t *testing.T) {
	reg := Builtin()
	tests := []struct {
		name, ref string
		box       orb.Bound // in the CRS's axis order
		slack     float64   // degrees the result may exceed the brute-force footprint
	}{
		// Northing, easting: Wenzhou area in the 120°E zone.
		{"4549 Wenzhou", "EPSG:4549", orb.Bound{Min: orb.Point{3050000, 480000}, Max: orb.Point{3150000, 600000}}, 1e-6},
		// The whole width of the zone at 25–31°N: edges curve noticeably.
		{"4549 zone", "EPSG:4549", orb.Bound{Min: orb.Point{2700000, 340000}, Max: orb.Point{3450000, 660000}}, 1e-6},
		{"4529 zone 41", "EPSG:4529", orb.Bound{Min: orb.Point{3100000, 41300000}, Max: orb.Point{3500000, 41700000}}, 1e-6},
		{"32650", "EPSG:32650", orb.Bound{Min: orb.Point{200000, 2500000}, Max: orb.Point{800000, 3500000}}, 1e-6},
		{"3857 Zhejiang", "EPSG:3857", orb.Bound{Min: orb.Point{13.1e6, 3.1e6}, Max: orb.Point{13.7e6, 3.6e6}}, 1e-6},
		// Straddles 105°E, where the GCJ-02 offset has a √ cusp.
		{"GCJ-02 105E", "GCJ-02", orb.Bound{Min: orb.Point{104.5, 30}, Max: orb.Point{105.5, 31}}, 2e-6},
		{"GCJ-02 Zhejiang", "GCJ-02", orb.Bound{Min: orb.Point{118, 27}, Max: orb.Point{123, 31}}, 2e-6},
		// Crosses the east edge of the China rectangle, where the offset stops.
		{"GCJ-02 edge", "GCJ-02", orb.Bound{Min: orb.Point{137.5, 35}, Max: orb.Point{138.2, 36}}, 2e-6},
		{"GCJ-02 China", "GCJ-02", orb.Bound{Min: orb.Point{73, 18}, Max: orb.Point{135, 53}}, 3e-5},
		{"BD-09 Shanghai", "BD-09", orb.Bound{Min: orb.Point{120.8, 30.6}, Max: orb.Point{122.2, 31.9}}, 2e-6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := reg.Lookup(tc.ref)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.BoundToCRS84(tc.box)
			if err != nil {
				t.Fatal(err)
			}
			want := bruteBound(t, tc.box, c.ToCRS84)
			checkContainsTight(t, got, want, tc.slack) // 1e-6° ≈ 0.1 m
			corners, _ := c.ToCRS84(tc.box.Min)
			t.Logf("%s → %v (corner-only would start at %v)", tc.name, got, corners)
		})
	}
}

func TestBoundFromCRS84(t *testing.T) {
	reg := Builtin()
	box := orb.Bound{Min: orb.Point{118.0, 27.0}, Max: orb.Point{123.2, 31.2}} // Zhejiang
	for _, ref := range []string{"EPSG:4549", "EPSG:4528", "EPSG:32651", "EPSG:3857", "GCJ-02", "BD-09"} {
		t.Run(ref, func(t *testing.T) {
			c, _ := reg.Lookup(ref)
			got, err := c.BoundFromCRS84(box)
			if err != nil {
				t.Fatal(err)
			}
			want := bruteBound(t, box, c.FromCRS84)
			slack := 0.1 // metres
			if c.Geographic() {
				slack = 3e-6 // BD-09's widening over a 5° box
			}
			checkContainsTight(t, got, want, slack)
		})
	}
}

func checkContainsTight(t *testing.T, got, want orb.Bound, slack float64) {
	t.Helper()
	if got.Min[0] > want.Min[0] || got.Min[1] > want.Min[1] || got.Max[0] < want.Max[0] || got.Max[1] < want.Max[1] {
		t.Errorf("box %v does not contain the footprint %v", got, want)
	}
	for i := range 2 {
		if want.Min[i]-got.Min[i] > slack || got.Max[i]-want.Max[i] > slack {
			t.Errorf("box %v is looser than the footprint %v by more than %g", got, want, slack)
		}
	}
}

func TestBoundAxisOrderAndErrors(t *testing.T) {
	reg := Builtin()
	c4326, _ := reg.Lookup("EPSG:4326")
	// bbox-crs=EPSG:4326 lists latitude first.
	got, err := c4326.BoundToCRS84(orb.Bound{Min: orb.Point{27, 118}, Max: orb.Point{31, 123}})
	if err != nil || got != (orb.Bound{Min: orb.Point{118, 27}, Max: orb.Point{123, 31}}) {
		t.Errorf("EPSG:4326 box: %v, %v", got, err)
	}
	// CRS84 across the antimeridian passes through.
	crs84, _ := reg.Lookup("CRS84")
	across := orb.Bound{Min: orb.Point{170, -10}, Max: orb.Point{-170, 10}}
	if got, err := crs84.BoundToCRS84(across); err != nil || got != across {
		t.Errorf("antimeridian box: %v, %v", got, err)
	}
	c4549, _ := reg.Lookup("EPSG:4549")
	back, err := c4549.BoundFromCRS84(orb.Bound{Min: orb.Point{120.6, 27.9}, Max: orb.Point{120.8, 28.1}})
	if err != nil || back.Min[0] < 3e6 || back.Min[1] < 5e5 || back.Max[1] > 6e5 {
		t.Errorf("4549 box should be northing first: %v, %v", back, err)
	}
	bad := []struct {
		name string
		c    *CRS
		b    orb.Bound
	}{
		{"min > max", c4549, orb.Bound{Min: orb.Point{3.2e6, 5e5}, Max: orb.Point{3.1e6, 6e5}}},
		{"NaN", c4549, orb.Bound{Min: orb.Point{math.NaN(), 5e5}, Max: orb.Point{3.1e6, 6e5}}},
		{"latitude 95", c4326, orb.Bound{Min: orb.Point{80, 0}, Max: orb.Point{95, 10}}},
		{"far outside the zone", c4549, orb.Bound{Min: orb.Point{0, -9e7}, Max: orb.Point{1e6, 9e7}}},
	}
	for _, tc := range bad {
		if _, err := tc.c.BoundToCRS84(tc.b); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := c4549.BoundFromCRS84(orb.Bound{Min: orb.Point{-50, 0}, Max: orb.Point{120, 10}}); err == nil {
		t.Error("a box reaching 170° from the central meridian gave no error")
	}
	// GeometryToCRS84 of an orb.Bound is the box transformation.
	g, err := c4549.GeometryToCRS84(orb.Bound{Min: orb.Point{3050000, 480000}, Max: orb.Point{3150000, 600000}})
	if _, ok := g.(orb.Bound); err != nil || !ok {
		t.Errorf("GeometryToCRS84(Bound) = %T, %v", g, err)
	}
}
