package crs

import (
	"testing"

	"github.com/paulmach/orb"
)

// BenchmarkPoint measures one point transformation per CRS kind; the
// identity CRS84 → EPSG:4326 (an axis swap) is the baseline.
func BenchmarkPoint(b *testing.B) {
	for _, ref := range []string{"EPSG:4326", "EPSG:3857", "EPSG:4549", "GCJ-02", "BD-09"} {
		c, _ := Builtin().Lookup(ref)
		p := orb.Point{120.7, 28.0}
		q, _ := c.FromCRS84(p)
		b.Run(ref+"/from", func(b *testing.B) {
			for b.Loop() {
				_, _ = c.FromCRS84(p)
			}
		})
		b.Run(ref+"/to", func(b *testing.B) {
			for b.Loop() {
				_, _ = c.ToCRS84(q)
			}
		})
	}
}

// BenchmarkBoundToCRS84 measures a Gauss–Krüger box and the worst case the
// budget allows: a BD-09 box over the whole China rectangle.
func BenchmarkBoundToCRS84(b *testing.B) {
	cases := []struct {
		ref string
		box orb.Bound
	}{
		{"EPSG:4549", orb.Bound{Min: orb.Point{2700000, 340000}, Max: orb.Point{3450000, 660000}}},
		{"BD-09", orb.Bound{Min: orb.Point{72, 0}, Max: orb.Point{138, 56}}},
	}
	for _, tc := range cases {
		c, _ := Builtin().Lookup(tc.ref)
		b.Run(tc.ref, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.BoundToCRS84(tc.box); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
