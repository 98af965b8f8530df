package crs

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// groundMetres is the distance between two nearby longitude/latitude points
// in metres, on the local tangent plane (accurate to far better than the
// errors measured here).
func groundMetres(a, b orb.Point) float64 {
	lat := (a[1] + b[1]) / 2 * math.Pi / 180
	dx := (a[0] - b[0]) * 111320 * math.Cos(lat)
	dy := (a[1] - b[1]) * 110574
	return math.Hypot(dx, dy)
}

// Published reference points. Each is the output of the forward formula in
// another implementation, printed to full precision by its authors.
var gcjReferences = []struct {
	source   string
	wgs, gcj orb.Point
}{
	// googollee/eviltransform, go/transform_test.go (lat, lng swapped here).
	{"eviltransform Shanghai", orb.Point{121.5272106, 31.1774276}, orb.Point{121.531541859215, 31.17530398364597}},
	{"eviltransform Shenzhen", orb.Point{113.912316, 22.543847}, orb.Point{113.9171764808363, 22.540796131694766}},
	{"eviltransform Beijing", orb.Point{116.377817, 39.911954}, orb.Point{116.38404722455657, 39.91334545536069}},
	// wandergis/coordtransform, test/app.js: wgs84togcj02(116.404, 39.915).
	{"coordtransform Beijing", orb.Point{116.404, 39.915}, orb.Point{116.41024449916938, 39.91640428150164}},
}

func TestGCJ02ReferencePoints(t *testing.T) {
	gcj, err := Builtin().Lookup(GCJ02URI)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range gcjReferences {
		t.Run(tc.source, func(t *testing.T) {
			got, err := gcj.FromCRS84(tc.wgs)
			if err != nil {
				t.Fatal(err)
			}
			if d := math.Max(math.Abs(got[0]-tc.gcj[0]), math.Abs(got[1]-tc.gcj[1])); d > 1e-9 {
				t.Errorf("FromCRS84(%v) = %.14f, published %.14f", tc.wgs, got, tc.gcj)
			}
			back, err := gcj.ToCRS84(tc.gcj)
			if err != nil {
				t.Fatal(err)
			}
			if d := groundMetres(back, tc.wgs); d > 1e-3 {
				t.Errorf("ToCRS84(%v) = %.14f, %.3g m from %v", tc.gcj, back, d, tc.wgs)
			}
		})
	}
	// hujiulong/gcoord, test/unit/crs/GCJ02.spec.js: GCJ02→WGS84 of
	// (123, 45) is (122.99395597, 44.99804071) to 5 decimals (their
	// inverse is iterative too).
	got, err := gcj.ToCRS84(orb.Point{123, 45})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got[0]-122.99395597) > 5e-6 || math.Abs(got[1]-44.99804071) > 5e-6 {
		t.Errorf("gcoord point: got %.8f", got)
	}
}

func TestBD09ReferencePoints(t *testing.T) {
	tests := []struct {
		source  string
		gcj, bd orb.Point
		tol     float64 // degrees
	}{
		// wandergis/coordtransform test/app.js: gcj02tobd09(116.404, 39.915).
		{"coordtransform", orb.Point{116.404, 39.915}, orb.Point{116.41036949371029, 39.92133699351021}, 1e-12},
		// hujiulong/gcoord GCJ02.spec.js: GCJ02→BD09 of (123, 45), 5 decimals.
		{"gcoord", orb.Point{123, 45}, orb.Point{123.00636499, 45.00636899}, 5e-6},
	}
	for _, tc := range tests {
		x, y := gcjToBD(tc.gcj[0], tc.gcj[1])
		if math.Abs(x-tc.bd[0]) > tc.tol || math.Abs(y-tc.bd[1]) > tc.tol {
			t.Errorf("%s: gcjToBD(%v) = %.14f %.14f, published %.14f", tc.source, tc.gcj, x, y, tc.bd)
		}
		gx, gy := bdToGCJ(tc.bd[0], tc.bd[1])
		if d := groundMetres(orb.Point{gx, gy}, tc.gcj); d > 1e-3 && tc.tol < 1e-9 {
			t.Errorf("%s: bdToGCJ(%v) is %.3g m from %v", tc.source, tc.bd, d, tc.gcj)
		}
	}
	// coordtransform's bd09togcj02(116.404, 39.915) is the published
	// one-step approximation: (116.39762729119315, 39.90865673957631). Ours
	// must reproduce the approximation exactly and the exact inverse must
	// lie within a couple of metres of it.
	ax, ay := bdToGCJApprox(116.404, 39.915)
	if ax != 116.39762729119315 || ay != 39.90865673957631 {
		t.Errorf("bdToGCJApprox = %.17g %.17g", ax, ay)
	}
	ex, ey := bdToGCJ(116.404, 39.915)
	if d := groundMetres(orb.Point{ax, ay}, orb.Point{ex, ey}); d > 2 {
		t.Errorf("exact BD-09 inverse is %.3g m from the published approximation", d)
	}
	// (eviltransform's python/test.py also lists BD-09 → WGS 84 pairs, but
	// they do not come from the published formulas: eviltransform's own
	// bd2wgs gives a point about 10 m from its listed value, so they are not
	// used here.)
}

// TestGCJ02RoundTrip measures both round trips of GCJ-02 and BD-09 on a
// 0.1° grid over the China rectangle (inset by 0.05°, more than the largest
// offset, so no point's image leaves the rectangle) and on random points.
func TestGCJ02RoundTrip(t *testing.T) {
	reg := Builtin()
	inset := 0.05
	b := [4]float64{chinaBounds[0] + inset, chinaBounds[1] + inset, chinaBounds[2] - inset, chinaBounds[3] - inset}
	var pts []orb.Point
	step := 0.1
	if testing.Short() {
		step = 0.5
	}
	for lon := b[0]; lon <= b[2]; lon += step {
		for lat := b[1]; lat <= b[3]; lat += step {
			pts = append(pts, orb.Point{lon, lat})
		}
	}
	pts = append(pts, randomIn(rand.New(rand.NewPCG(2, 3)), b, 20000)...)
	// The offset formula has √|lon − 105|: probe its cusp.
	for lat := 1.0; lat < 55; lat += 0.5 {
		for _, d := range []float64{0, 1e-12, -1e-12, 1e-7, -1e-7, 1e-3} {
			pts = append(pts, orb.Point{105 + d, lat})
		}
	}
	for _, tc := range []struct {
		uri       string
		maxOffset float64 // metres; BD-09 adds about 0.0065° × 0.006° to GCJ-02
	}{{GCJ02URI, 800}, {BD09URI, 1600}} {
		c, _ := reg.Lookup(tc.uri)
		var worstFwdInv, worstInvFwd, maxOffset float64
		var worstAt orb.Point
		for _, p := range pts {
			// WGS 84 → datum → WGS 84.
			q, err := c.FromCRS84(p)
			if err != nil {
				t.Fatal(err)
			}
			maxOffset = math.Max(maxOffset, groundMetres(p, q))
			back, err := c.ToCRS84(q)
			if err != nil {
				t.Fatal(err)
			}
			if d := groundMetres(back, p); d > worstFwdInv {
				worstFwdInv, worstAt = d, p
			}
			// datum → WGS 84 → datum, p read as a datum point.
			w, err := c.ToCRS84(p)
			if err != nil {
				t.Fatal(err)
			}
			again, err := c.FromCRS84(w)
			if err != nil {
				t.Fatal(err)
			}
			worstInvFwd = math.Max(worstInvFwd, groundMetres(again, p))
		}
		t.Logf("%s: %d points; offset up to %.0f m; worst round trip %.3g m (WGS→datum→WGS, at %v), %.3g m (datum→WGS→datum)",
			c.Code(), len(pts), maxOffset, worstFwdInv, worstAt, worstInvFwd)
		// The issue asks for 0.5 m; the iteration gets to micrometres.
		if worstFwdInv > 1e-3 || worstInvFwd > 1e-3 {
			t.Errorf("%s round trip off by %.3g m / %.3g m", c.Code(), worstFwdInv, worstInvFwd)
		}
		if maxOffset < 100 || maxOffset > tc.maxOffset {
			t.Errorf("%s: offset up to %.0f m, want at most %.0f m", c.Code(), maxOffset, tc.maxOffset)
		}
	}
}

func TestGCJ02OutsideChina(t *testing.T) {
	reg := Builtin()
	outside := []orb.Point{
		{-0.1276, 51.5072},   // London
		{151.2093, -33.8688}, // Sydney
		{139.6917, 35.6895},  // Tokyo lies east of 137.8347°E
		{100, 0.5},           // south of 0.8293°N
		{110, 56},            // north of 55.8271°N
		{71.9, 40},           // west of 72.004°E
	}
	for _, uri := range []string{GCJ02URI, BD09URI} {
		c, _ := reg.Lookup(uri)
		for _, p := range outside {
			q, err := c.FromCRS84(p)
			if err != nil || q != p {
				t.Errorf("%s.FromCRS84(%v) = %v, %v; want it unchanged", c.Code(), p, q, err)
			}
			q, err = c.ToCRS84(p)
			if err != nil || q != p {
				t.Errorf("%s.ToCRS84(%v) = %v, %v; want it unchanged", c.Code(), p, q, err)
			}
		}
		// Wenzhou, inside: the offset applies.
		p := orb.Point{120.7, 28.0}
		q, _ := c.FromCRS84(p)
		if d := groundMetres(p, q); d < 100 || d > 1500 {
			t.Errorf("%s moves Wenzhou by %.0f m", c.Code(), d)
		}
	}
}

// TestGCJ02CrudeInverse compares with the published one-step inverse
// (g − offset(g)), which eviltransform documents as good to 1–2 m: the exact
// inverse must stay within a few metres of it everywhere.
func TestGCJ02CrudeInverse(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	worst := 0.0
	for _, g := range randomIn(r, [4]float64{73, 18, 135, 53}, 20000) {
		dLon, dLat := gcjOffset(g[0], g[1])
		crude := orb.Point{g[0] - dLon, g[1] - dLat}
		x, y := gcjToWGS(g[0], g[1])
		worst = math.Max(worst, groundMetres(crude, orb.Point{x, y}))
	}
	t.Logf("exact inverse vs one-step inverse: up to %.2f m apart", worst)
	if worst > 8 {
		t.Errorf("exact and one-step inverses differ by %.2f m", worst)
	}
}
