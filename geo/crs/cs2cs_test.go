package crs

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/planmap/planmap/data/testtool"
)

// cs2cs runs PROJ's cs2cs from one CRS to another over the given pairs, in
// the axis orders of those CRSs, and returns its output pairs.
func cs2cs(t *testing.T, from, to string, in []orb.Point) []orb.Point {
	t.Helper()
	var stdin bytes.Buffer
	for _, p := range in {
		fmt.Fprintf(&stdin, "%.12f %.12f\n", p[0], p[1])
	}
	cmd := exec.Command(testtool.Program(t, "cs2cs", "proj-bin"), "-f", "%.12f", from, to)
	cmd.Stdin = &stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cs2cs %s %s: %v: %s", from, to, err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(in) {
		t.Fatalf("cs2cs %s %s: %d lines for %d points", from, to, len(lines), len(in))
	}
	res := make([]orb.Point, len(in))
	for i, line := range lines {
		f := strings.Fields(line)
		if len(f) < 2 {
			t.Fatalf("cs2cs line %q", line)
		}
		for j := range 2 {
			v, err := strconv.ParseFloat(f[j], 64)
			if err != nil {
				t.Fatalf("cs2cs %s %s: point %v: %q", from, to, in[i], line)
			}
			res[i][j] = v
		}
	}
	return res
}

// Regions of the tests, [west, south, east, north] in degrees.
var (
	zhejiang = [4]float64{118.0, 27.0, 123.2, 31.2}
	fujian   = [4]float64{115.8, 23.5, 120.7, 28.4}
	shanghai = [4]float64{120.8, 30.6, 122.2, 31.9}
)

func randomIn(r *rand.Rand, b [4]float64, n int) []orb.Point {
	ps := make([]orb.Point, n)
	for i := range ps {
		ps[i] = orb.Point{b[0] + r.Float64()*(b[2]-b[0]), b[1] + r.Float64()*(b[3]-b[1])}
	}
	return ps
}

// TestAgainstCs2cs compares every EPSG CRS with PROJ, both ways, on random
// points over Zhejiang, Fujian and Shanghai and over the CRS's area of use
// widened by 3° of longitude. cs2cs reads EPSG:4326 as latitude, longitude
// and writes each CRS in its own axis order, so its output is compared with
// FromCRS84 directly: this also checks NorthingFirst.
func TestAgainstCs2cs(t *testing.T) {
	testtool.Program(t, "cs2cs", "proj-bin")
	tests := []struct {
		ref, proj string // planmap reference, cs2cs name
		region    [4]float64
	}{
		{"CRS84", "OGC:CRS84", [4]float64{-180, -90, 180, 90}},
		{"EPSG:4326", "EPSG:4326", [4]float64{-180, -90, 180, 90}},
		{"EPSG:4490", "EPSG:4490", [4]float64{73.62, 16.7, 134.77, 53.56}},
		{"EPSG:3857", "EPSG:3857", [4]float64{-180, -85.06, 180, 85.06}},
		{"EPSG:4548", "EPSG:4548", [4]float64{112.5, 22.6, 121.5, 49.88}},
		{"EPSG:4549", "EPSG:4549", [4]float64{115.5, 24.43, 124.5, 53.33}},
		{"EPSG:4550", "EPSG:4550", [4]float64{118.5, 28.22, 127.5, 53.56}},
		{"EPSG:4527", "EPSG:4527", [4]float64{112.5, 22.6, 121.5, 49.88}},
		{"EPSG:4528", "EPSG:4528", [4]float64{115.5, 24.43, 124.5, 53.33}},
		{"EPSG:4529", "EPSG:4529", [4]float64{118.5, 28.22, 127.5, 53.56}},
		{"EPSG:32650", "EPSG:32650", [4]float64{111, 0, 123, 84}},
		{"EPSG:32651", "EPSG:32651", [4]float64{117, 0, 129, 84}},
	}
	reg := Builtin()
	for i, tc := range tests {
		t.Run(tc.ref, func(t *testing.T) {
			c, err := reg.Lookup(tc.ref)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(uint64(i), 11))
			var pts []orb.Point
			for _, region := range [][4]float64{zhejiang, fujian, shanghai, tc.region} {
				pts = append(pts, randomIn(r, region, 300)...)
			}
			latLon := make([]orb.Point, len(pts))
			for k, p := range pts {
				latLon[k] = orb.Point{p[1], p[0]}
			}
			want := cs2cs(t, "EPSG:4326", tc.proj, latLon)

			fwdTol, invTol := 1e-4, 1e-9 // metres (degrees for geographic), degrees
			if c.Geographic() {
				fwdTol = 1e-9
			}
			var fwdMax, invMax float64
			for k, p := range pts {
				got, err := c.FromCRS84(p)
				if err != nil {
					t.Fatalf("FromCRS84(%v): %v", p, err)
				}
				d := math.Max(math.Abs(got[0]-want[k][0]), math.Abs(got[1]-want[k][1]))
				fwdMax = math.Max(fwdMax, d)
				if d > fwdTol {
					t.Errorf("FromCRS84(%v) = %.9f, cs2cs says %.9f (off by %.3g)", p, got, want[k], d)
				}
			}
			// Inverse: cs2cs back from the CRS to EPSG:4326 gives lat, lon.
			back := cs2cs(t, tc.proj, "EPSG:4326", want)
			for k, w := range want {
				got, err := c.ToCRS84(w)
				if err != nil {
					t.Fatalf("ToCRS84(%v): %v", w, err)
				}
				lonLat := orb.Point{back[k][1], back[k][0]}
				d := math.Max(math.Abs(normalizeLon(got[0]-lonLat[0])), math.Abs(got[1]-lonLat[1]))
				invMax = math.Max(invMax, d)
				if d > invTol {
					t.Errorf("ToCRS84(%.9f) = %.12f, cs2cs says %.12f (off by %.3g°)", w, got, lonLat, d)
				}
			}
			unit := "m"
			if c.Geographic() {
				unit = "°"
			}
			t.Logf("%s: %d points, max |forward − cs2cs| %.3g %s, max |inverse − cs2cs| %.3g°",
				tc.ref, len(pts), fwdMax, unit, invMax)
		})
	}
}

// TestTransformAgainstCs2cs checks Transform between two projected CRSs
// (through CRS84) against cs2cs going directly.
func TestTransformAgainstCs2cs(t *testing.T) {
	testtool.Program(t, "cs2cs", "proj-bin")
	reg := Builtin()
	pairs := [][2]string{{"EPSG:4549", "EPSG:32650"}, {"EPSG:4529", "EPSG:4549"}, {"EPSG:32651", "EPSG:3857"}, {"EPSG:4548", "EPSG:4490"}}
	r := rand.New(rand.NewPCG(5, 5))
	lonLats := append(randomIn(r, zhejiang, 200), randomIn(r, shanghai, 50)...)
	for _, pair := range pairs {
		t.Run(pair[0]+"→"+pair[1], func(t *testing.T) {
			from, _ := reg.Lookup(pair[0])
			to, _ := reg.Lookup(pair[1])
			src := make(orb.LineString, len(lonLats))
			for i, p := range lonLats {
				q, err := from.FromCRS84(p)
				if err != nil {
					t.Fatal(err)
				}
				src[i] = q
			}
			want := cs2cs(t, pair[0], pair[1], src)
			g, err := Transform(src, from, to)
			if err != nil {
				t.Fatal(err)
			}
			got := g.(orb.LineString)
			tol := 1e-4
			if to.Geographic() {
				tol = 1e-9
			}
			for i := range got {
				if d := math.Max(math.Abs(got[i][0]-want[i][0]), math.Abs(got[i][1]-want[i][1])); d > tol {
					t.Errorf("%v: got %.9f, cs2cs %.9f", src[i], got[i], want[i])
				}
			}
		})
	}
}
