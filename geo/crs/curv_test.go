package crs

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// TestWiggleBounds estimates, by second differences at random points and
// directions over the China rectangle, the second derivative of GCJ-02 and
// BD-09 in both directions, and checks that the curvature each declares
// for BoundToCRS84's widening is above it (away from the √ cusp at 105°E),
// and that the cusp term bounds the chord deviation across 105°E.
func TestWiggleBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	n := 100000
	if testing.Short() {
		n = 10000
	}
	for _, ref := range []string{"GCJ-02", "BD-09"} {
		c, _ := Builtin().Lookup(ref)
		_, curvature, cusp := c.proj.(wiggler).wiggle()
		for dir, f := range map[string]pointFunc{"forward": c.FromCRS84, "inverse": c.ToCRS84} {
			worst := 0.0
			for range n {
				p := orb.Point{chinaBounds[0] + 0.01 + (chinaBounds[2]-chinaBounds[0]-0.02)*r.Float64(),
					chinaBounds[1] + 0.01 + (chinaBounds[3]-chinaBounds[1]-0.02)*r.Float64()}
				if math.Abs(p[0]-105) < 0.01 {
					continue
				}
				a := r.Float64() * 2 * math.Pi
				const h = 1e-3
				d := orb.Point{h * math.Cos(a), h * math.Sin(a)}
				q0, _ := f(orb.Point{p[0] - d[0], p[1] - d[1]})
				q1, _ := f(p)
				q2, _ := f(orb.Point{p[0] + d[0], p[1] + d[1]})
				for i := range 2 {
					worst = math.Max(worst, math.Abs(q0[i]-2*q1[i]+q2[i])/(h*h))
				}
			}
			t.Logf("%s %s: second derivative up to %.3f °/°², declared %.3f", ref, dir, worst, curvature)
			if worst > curvature/1.5 {
				t.Errorf("%s %s: second derivative %.3f too close to the declared %.3f", ref, dir, worst, curvature)
			}
			// Across the cusp: the midpoint of a segment centred on 105°E
			// against its chord.
			for _, h := range []float64{1e-6, 1e-4, 1e-2} {
				for lat := 1.0; lat < 55.8; lat += 0.7 {
					q0, _ := f(orb.Point{105 - h/2, lat})
					qm, _ := f(orb.Point{105, lat})
					q1, _ := f(orb.Point{105 + h/2, lat})
					for i := range 2 {
						dev := math.Abs(qm[i] - (q0[i]+q1[i])/2)
						if dev > curvature*h*h/8+cusp*math.Sqrt(h) {
							t.Errorf("%s %s at 105°E, %v°N, h %g: deviation %.3g beyond the bound", ref, dir, lat, h, dev)
						}
					}
				}
			}
		}
	}
}
