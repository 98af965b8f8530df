package geo

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

func TestTransverseMercatorRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < 5000; i++ {
		lon0, lat0 := rng.Float64()*340-170, rng.Float64()*140-70
		tm := NewTransverseMercator(lon0, lat0, 0.9996+rng.Float64()*0.0004)
		p := refDirect(orb.Point{lon0, lat0}, rng.Float64()*2*math.Pi, rng.Float64()*1_000_000)
		back := tm.Reverse(tm.Forward(p))
		if math.Abs(back[0]-p[0]) > 1e-8 || math.Abs(back[1]-p[1]) > 1e-8 { // 1 mm
			t.Fatalf("Reverse(Forward(%v)) = %v", p, back)
		}
	}
	// The centre projects to the origin.
	tm := NewTransverseMercator(120.5, 27, 1)
	if c := tm.Forward(orb.Point{120.5, 27}); math.Abs(c[0]) > 1e-9 || math.Abs(c[1]) > 1e-9 {
		t.Errorf("centre projects to %v, want the origin", c)
	}
}

// TestTransverseMercatorScale checks the projection against the
// ellipsoid: along the central meridian y is k0 times the meridian arc;
// anywhere, short projected distances are the reference geodesic distance
// times the conformal scale k0·(1 + x²/2R²), R² = M·N.
func TestTransverseMercatorScale(t *testing.T) {
	tm := NewTransverseMercator(120, 0, 0.9996)
	for _, lat := range []float64{-60, -10, 0, 24.3, 27, 28.9, 45, 70} {
		got := tm.Forward(orb.Point{120, lat})[1]
		want := 0.9996 * refMeridianArc(lat)
		if math.Abs(got-want) > 1e-3 {
			t.Errorf("y at latitude %v on the central meridian = %.4f, want %.4f", lat, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(13, 14))
	e2 := wgs84F * (2 - wgs84F)
	for i := 0; i < 2000; i++ {
		lat := rng.Float64()*140 - 70
		tm := NewTransverseMercator(120, lat, 1)
		p := refDirect(orb.Point{120, lat}, rng.Float64()*2*math.Pi, rng.Float64()*500_000)
		q := refDirect(p, rng.Float64()*2*math.Pi, 100)
		pp, qq := tm.Forward(p), tm.Forward(q)
		projected := math.Hypot(qq[0]-pp[0], qq[1]-pp[1])
		s := math.Sin((p[1] + q[1]) / 2 * degree)
		w := 1 - e2*s*s
		r2 := wgs84A * wgs84A * (1 - e2) / (w * w)
		x := (pp[0] + qq[0]) / 2
		wantScale := 1 + x*x/(2*r2) + x*x*x*x/(24*r2*r2)
		if rel := math.Abs(projected/refDistance(p, q)/wantScale - 1); rel > 2e-5 {
			t.Fatalf("scale at x = %.0f m, latitude %.2f: %.8f, want %.8f", x, p[1], projected/refDistance(p, q), wantScale)
		}
	}
}

// bufferCase is a set of lines to buffer at a distance.
type bufferCase struct {
	name     string
	lines    []orb.Geometry
	distance float64
}

func bufferCases() []bufferCase {
	rng := rand.New(rand.NewPCG(15, 16))
	curvy := randomWalk(rng, orb.Point{120.6, 28.0}, 200, 1500)
	long := randomWalk(rng, orb.Point{118.5, 25.0}, 60, 8000)
	belt := orb.LineString{{119.45, 34.73}, {120.3, 33.2}, {120.9, 32.0}, {121.9, 31.0}, {121.7, 29.9}, {121.4, 28.9}, {120.9, 27.9}}
	return []bufferCase{
		{"straight east-west 100 m", []orb.Geometry{orb.LineString{{120.0, 27.0}, {120.3, 27.0}}}, 100},
		{"straight north-south 5 km", []orb.Geometry{orb.LineString{{120.0, 27.0}, {120.0, 27.6}}}, 5000},
		{"curvy 200 vertices 2 km", []orb.Geometry{curvy}, 2000},
		{"curvy 200 vertices 10 km", []orb.Geometry{curvy}, 10_000},
		{"two crossing lines 3 km", []orb.Geometry{
			orb.LineString{{119.5, 26.5}, {120.5, 27.5}},
			orb.MultiLineString{{{119.5, 27.5}, {120.5, 26.5}}, {{121, 26}, {121.2, 26.1}}},
		}, 3000},
		{"long 60 vertices 50 km", []orb.Geometry{long}, 50_000},
		{"grid 400 km wide 20 km", []orb.Geometry{
			orb.LineString{{117.5, 25}, {121.5, 25}}, orb.LineString{{117.5, 28}, {121.5, 28}},
			orb.LineString{{118, 24.5}, {118, 28.5}}, orb.LineString{{121, 24.5}, {121, 28.5}},
		}, 20_000},
		{"short line 300 km", []orb.Geometry{orb.LineString{{120.0, 27.0}, {120.1, 27.1}}}, 300_000},
		// A coastal belt of long drawn segments from Lianyungang to Wenzhou.
		{"800 km belt 100 m", []orb.Geometry{belt}, 100},
		{"800 km belt 500 km", []orb.Geometry{belt}, 500_000},
	}
}

// TestBufferOutlineAtDistance samples the buffer's outline (every vertex
// and the middle of every edge) and checks that each sample's geodesic
// distance to the lines is the buffer distance within 0.5 %.
func TestBufferOutlineAtDistance(t *testing.T) {
	for _, tt := range bufferCases() {
		t.Run(tt.name, func(t *testing.T) {
			buf, err := Buffer(tt.lines, tt.distance)
			if err != nil {
				t.Fatal(err)
			}
			lines := NewShape(orb.Collection(tt.lines))
			worst, samples := 0.0, 0
			for _, ring := range bufferRings(buf) {
				if ringSignedArea(ring) == 0 {
					t.Fatal("degenerate ring")
				}
				for i := 0; i+1 < len(ring); i++ {
					mid := orb.Point{(ring[i][0] + ring[i+1][0]) / 2, (ring[i][1] + ring[i+1][1]) / 2}
					for _, p := range []orb.Point{ring[i], mid} {
						d := lines.Distance(NewShape(p))
						rel := math.Abs(d-tt.distance) / tt.distance
						worst = math.Max(worst, rel)
						samples++
						if rel > 0.005 {
							t.Fatalf("outline point %v is %.2f m from the lines, want %.0f m ± 0.5 %%", p, d, tt.distance)
						}
					}
				}
			}
			t.Logf("%d outline samples, worst relative error %.3g", samples, worst)
		})
	}
}

// TestBufferOutlineAgainstReference repeats the outline check for a small
// line with the reference geodesic alone (no code under test in the
// truth): every outline vertex is at the distance within 0.5 %.
func TestBufferOutlineAgainstReference(t *testing.T) {
	line := orb.LineString{{120.0, 27.0}, {120.05, 27.02}, {120.09, 26.98}, {120.15, 27.04}}
	const distance = 4000
	buf, err := Buffer([]orb.Geometry{line}, distance)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ring := range bufferRings(buf) {
		for i, p := range ring {
			if i%3 != 0 {
				continue
			}
			d := math.Inf(1)
			for k := 0; k+1 < len(line); k++ {
				d = math.Min(d, refPointSegment(p, line[k], line[k+1]))
			}
			n++
			if rel := math.Abs(d-distance) / distance; rel > 0.005 {
				t.Fatalf("outline vertex %v is %.2f m from the line by the reference, want %d m ± 0.5 %%", p, d, distance)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d outline vertices checked", n)
	}
}

// TestBufferHoldsExactlyTheNearPoints checks the buffer's topology: random
// points around the lines are inside it exactly when they are within the
// distance (points within 0.5 % of the outline are skipped).
func TestBufferHoldsExactlyTheNearPoints(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, tt := range bufferCases() {
		t.Run(tt.name, func(t *testing.T) {
			buf, err := Buffer(tt.lines, tt.distance)
			if err != nil {
				t.Fatal(err)
			}
			lines := NewShape(orb.Collection(tt.lines))
			b := buf.Bound()
			inside, outside := 0, 0
			for i := 0; i < 2000; i++ {
				// Half uniform over the buffer's box, half near the lines.
				p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
				if i%2 == 1 {
					v := lines.verts[rng.IntN(len(lines.verts))]
					p = refDirect(orb.Point{v.lon, v.lat}, rng.Float64()*2*math.Pi, rng.Float64()*2*tt.distance)
				}
				d := lines.Distance(NewShape(p))
				if math.Abs(d-tt.distance) < 0.005*tt.distance {
					continue
				}
				in := bufferContains(buf, p)
				if in != (d < tt.distance) {
					t.Fatalf("point %v at %.1f m: inside the %.0f m buffer = %v", p, d, tt.distance, in)
				}
				if in {
					inside++
				} else {
					outside++
				}
			}
			if inside == 0 || outside == 0 {
				t.Fatalf("%d points inside, %d outside: the test did not sample both", inside, outside)
			}
		})
	}
}

func TestBufferOrientationAndType(t *testing.T) {
	buf, err := Buffer([]orb.Geometry{
		orb.LineString{{120, 27}, {120.1, 27}},
		orb.LineString{{121, 27}, {121.1, 27}},
	}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	mp, ok := buf.(orb.MultiPolygon)
	if !ok || len(mp) != 2 {
		t.Fatalf("two far-apart lines buffer to %T with %d parts, want a MultiPolygon of 2", buf, len(bufferRings(buf)))
	}
	// A ring around a 10 km square leaves a hole when buffered by 1 km.
	square := orb.LineString{{120, 27}, {120.1, 27}, {120.1, 27.1}, {120, 27.1}, {120, 27}}
	buf, err = Buffer([]orb.Geometry{square}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := buf.(orb.Polygon)
	if !ok || len(p) != 2 {
		t.Fatalf("buffer of a square outline: %T with %d rings, want a Polygon with a hole", buf, len(bufferRings(buf)))
	}
	if ringSignedArea(p[0]) <= 0 || ringSignedArea(p[1]) >= 0 {
		t.Errorf("exterior ring must run counter-clockwise and the hole clockwise (RFC 7946)")
	}
	for _, ring := range p {
		if ring[0] != ring[len(ring)-1] {
			t.Errorf("ring not closed")
		}
	}
}

func TestBufferBadInput(t *testing.T) {
	line := []orb.Geometry{orb.LineString{{120, 27}, {120.1, 27}}}
	for _, d := range []float64{0, -5, math.NaN(), math.Inf(1)} {
		if _, err := Buffer(line, d); err == nil {
			t.Errorf("Buffer(line, %v): no error", d)
		}
	}
	if _, err := Buffer(nil, 100); !errors.Is(err, ErrEmptyBuffer) {
		t.Errorf("Buffer(nil) error = %v, want ErrEmptyBuffer", err)
	}
	if _, err := Buffer([]orb.Geometry{orb.LineString{}, orb.MultiPolygon{}}, 100); !errors.Is(err, ErrEmptyBuffer) {
		t.Errorf("Buffer(empty geometries) error = %v, want ErrEmptyBuffer", err)
	}
}

func bufferRings(g orb.Geometry) []orb.Ring {
	switch g := g.(type) {
	case orb.Polygon:
		return g
	case orb.MultiPolygon:
		var rings []orb.Ring
		for _, p := range g {
			rings = append(rings, p...)
		}
		return rings
	}
	return nil
}

func bufferContains(g orb.Geometry, p orb.Point) bool {
	switch g := g.(type) {
	case orb.Polygon:
		return polygonContainsPoint(g, p)
	case orb.MultiPolygon:
		for _, poly := range g {
			if polygonContainsPoint(poly, p) {
				return true
			}
		}
	}
	return false
}

// TestGeodesicPointOnReferenceGeodesic checks the points that divide long
// edges: each lies on the reference ellipsoidal geodesic between the ends
// (within 2 cm on edges up to 300 km), and they advance along it evenly.
func TestGeodesicPointOnReferenceGeodesic(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	for i := 0; i < 300; i++ {
		a := orb.Point{rng.Float64()*340 - 170, rng.Float64()*140 - 70}
		length := logUniform(rng, 1000, 300_000)
		b := refDirect(a, rng.Float64()*2*math.Pi, length)
		va, vb := auxVector(a[0], a[1]), auxVector(b[0], b[1])
		for _, frac := range []float64{0.25, 0.5, 0.75} {
			lon, lat := auxToLonLat(geodesicPoint(va, vb, frac))
			p := orb.Point{lon, lat}
			if off := refPointSegment(p, a, b); off > 0.02 {
				t.Fatalf("point %v at %.2f of %v–%v (%.0f m) is %.3f m off the geodesic", p, frac, a, b, length, off)
			}
			if along := refDistance(a, p) / length; math.Abs(along-frac) > 0.01 {
				t.Fatalf("point at fraction %.2f lies %.4f of the way", frac, along)
			}
		}
	}
}

// expiringContext reports context.DeadlineExceeded from its Err call
// number after on: a deadline that passes in the middle of the work.
type expiringContext struct {
	context.Context
	calls, after int
}

func (c *expiringContext) Err() error {
	c.calls++
	if c.calls > c.after {
		return context.DeadlineExceeded
	}
	return nil
}

// TestBufferContextStopsMidway checks BufferContext looks at its context
// while it works, not only on entry: a deadline passing after a few lines
// are buffered stops it with the context's error; a context that never
// expires gives the same area as Buffer.
func TestBufferContextStopsMidway(t *testing.T) {
	var lines []orb.Geometry
	for i := range 24 {
		x := 120 + 0.01*float64(i)
		lines = append(lines, orb.LineString{{x, 27}, {x + 0.002, 27.05}})
	}
	ctx := &expiringContext{Context: context.Background(), after: 5}
	if _, err := BufferContext(ctx, lines, 500); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline after 5 checks: error %v, want DeadlineExceeded", err)
	}
	if ctx.calls != 6 {
		t.Errorf("BufferContext checked its context %d times before stopping, want 6", ctx.calls)
	}
	never := &expiringContext{Context: context.Background(), after: math.MaxInt}
	got, err := BufferContext(never, lines, 500)
	if err != nil {
		t.Fatal(err)
	}
	if never.calls < len(lines) {
		t.Errorf("context checked %d times for %d lines", never.calls, len(lines))
	}
	want, err := Buffer(lines, 500)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := geoArea(got), geoArea(want); math.Abs(a-b) > 1e-9*math.Abs(b) || a == 0 {
		t.Errorf("area %v with a context, %v without", a, b)
	}
}

func geoArea(g orb.Geometry) float64 {
	sum := 0.0
	for _, r := range bufferRings(g) {
		sum += ringSignedArea(r)
	}
	return sum
}
