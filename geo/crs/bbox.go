package crs

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// Edge densification for BoundToCRS84 and BoundFromCRS84. Every edge of
// the box starts with at least minEdgeSegments pieces; a piece is halved
// while the image of its midpoint lies farther than the tolerance from the
// midpoint of its image chord, down to maxDepth halvings. The result is
// widened by twice the tolerance, so it contains the image of the whole box
// boundary (and so of the box, which a continuous one-to-one transformation
// maps boundary to boundary). Where the halving stops at refineBudget
// evaluations before the tolerance is met, the box is widened by the largest
// deviation left instead, so it still contains the footprint.
const (
	minEdgeSegments = 32
	maxDepth        = 12
	degreeTolerance = 1e-7 // about 1 cm
	metreTolerance  = 1e-2
	// refineBudget bounds the midpoint evaluations of one box, so a hostile
	// bbox costs at most some tens of milliseconds; Transverse Mercator needs
	// a few hundred.
	refineBudget = 1 << 17
)

// wiggler is implemented by transformations whose output wiggles on a
// short scale (the sine terms of GCJ-02 have periods down to 1/3°, those of
// BD-09 down to 0.12°), where halving until the chords fit would cost too
// much. Their box edges are sampled evenly instead, at most step degrees apart
// (up to maxWiggleSegments per edge), and the box is widened by what can
// lie between two samples: curvature·h²/8 + cusp·√h for spacing h, where
// curvature bounds the second derivative of the image (degrees per degree²,
// both directions) and cusp the coefficient of the √|lon − 105°| terms.
// TestWiggleBounds checks the bounds numerically.
type wiggler interface {
	wiggle() (step, curvature, cusp float64)
}

// maxWiggleSegments caps the samples per edge, so a box over all of China
// costs a few milliseconds (and is widened by a few metres).
const maxWiggleSegments = 2048

// The steps keep the widening of a city-sized box near 0.1 m.
func (gcj02) wiggle() (float64, float64, float64) { return 0.005, 0.2, 4e-6 }
func (bd09) wiggle() (float64, float64, float64)  { return 0.002, 2.5, 4e-6 }

// breaker is implemented by transformations that are discontinuous along
// lines of constant longitude or latitude (the China rectangle of GCJ-02 and
// BD-09); the box is also sampled on both sides of each such line.
type breaker interface{ breaks() (lons, lats []float64) }

func (gcj02) breaks() ([]float64, []float64) { return chinaBreaks() }
func (bd09) breaks() ([]float64, []float64)  { return chinaBreaks() }

func chinaBreaks() ([]float64, []float64) {
	return []float64{chinaBounds[0], chinaBounds[2]}, []float64{chinaBounds[1], chinaBounds[3]}
}

// BoundToCRS84 transforms a box given in c — Min and Max in c's axis
// order, as a bbox-crs bbox is written: for EPSG:4326 Min is (south, west)
// — into the CRS84 box that contains its footprint. For CRS84, EPSG:4326
// and EPSG:4490 it only reorders the axes, so a box crossing the
// antimeridian (west > east) passes through; other CRSs need min ≤ max.
func (c *CRS) BoundToCRS84(b orb.Bound) (orb.Bound, error) {
	src := orb.Bound{Min: c.wire(b.Min), Max: c.wire(b.Max)}
	if err := checkBox(src, c.identity && c.geographic); err != nil {
		return orb.Bound{}, fmt.Errorf("crs: bbox in %s: %w", c.code, err)
	}
	if c.identity {
		if math.Abs(src.Min[1]) > 90 || math.Abs(src.Max[1]) > 90 {
			return orb.Bound{}, fmt.Errorf("crs: bbox in %s: latitude out of range", c.code)
		}
		return src, nil
	}
	tol := degreeTolerance
	f := func(en orb.Point) (orb.Point, error) { return c.ToCRS84(c.wire(en)) }
	out, err := densifiedBound(src, f, c.proj, tol)
	if err != nil {
		return orb.Bound{}, fmt.Errorf("crs: bbox in %s: %w", c.code, err)
	}
	return out, nil
}

// BoundFromCRS84 transforms a CRS84 box into the box in c, Min and Max in
// c's axis order, that contains its footprint.
func (c *CRS) BoundFromCRS84(b orb.Bound) (orb.Bound, error) {
	if err := checkBox(b, c.identity); err != nil {
		return orb.Bound{}, fmt.Errorf("crs: CRS84 bbox: %w", err)
	}
	if math.Abs(b.Min[1]) > 90 || math.Abs(b.Max[1]) > 90 {
		return orb.Bound{}, fmt.Errorf("crs: CRS84 bbox: latitude out of range")
	}
	if c.identity {
		return orb.Bound{Min: c.wire(b.Min), Max: c.wire(b.Max)}, nil
	}
	tol := metreTolerance
	if c.geographic {
		tol = degreeTolerance
	}
	f := func(p orb.Point) (orb.Point, error) {
		q, err := c.FromCRS84(p)
		return c.wire(q), err
	}
	en, err := densifiedBound(b, f, c.proj, tol)
	if err != nil {
		return orb.Bound{}, fmt.Errorf("crs: CRS84 bbox to %s: %w", c.code, err)
	}
	return orb.Bound{Min: c.wire(en.Min), Max: c.wire(en.Max)}, nil
}

// checkBox wants finite corners and, unless wrapOK, min ≤ max on the first
// (east/longitude) axis; the second axis always needs min ≤ max.
func checkBox(b orb.Bound, wrapOK bool) error {
	for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		if !isFinite(v) {
			return fmt.Errorf("corner %v is not finite", v)
		}
	}
	if b.Min[1] > b.Max[1] || (!wrapOK && b.Min[0] > b.Max[0]) {
		return fmt.Errorf("minimum %v exceeds maximum %v", b.Min, b.Max)
	}
	return nil
}

// densifiedBound samples the boundary of src (east/north order) through f
// and returns the bound of the images, widened by 2·tol.
func densifiedBound(src orb.Bound, f pointFunc, p projection, tol float64) (orb.Bound, error) {
	w, wiggly := p.(wiggler)
	corners := [5]orb.Point{
		src.Min, {src.Max[0], src.Min[1]}, src.Max, {src.Min[0], src.Max[1]}, src.Min,
	}
	var out orb.Bound
	first := true
	unresolved := 0.0
	budget := refineBudget
	add := func(q orb.Point) {
		if first {
			out, first = orb.Bound{Min: q, Max: q}, false
			return
		}
		out = out.Extend(q)
	}
	edge := func(a, b orb.Point) error {
		length := math.Max(math.Abs(b[0]-a[0]), math.Abs(b[1]-a[1]))
		n := minEdgeSegments
		depth := maxDepth
		if wiggly {
			step, curvature, cusp := w.wiggle()
			n = int(math.Min(math.Max(math.Ceil(length/step), minEdgeSegments), maxWiggleSegments))
			h := math.Hypot(b[0]-a[0], b[1]-a[1]) / float64(n)
			unresolved = math.Max(unresolved, curvature*h*h/8+cusp*math.Sqrt(h))
			depth = 0
		}
		r := &refiner{
			at:     func(t float64) orb.Point { return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])} },
			f:      f,
			tol:    tol,
			budget: budget,
			add:    add,
		}
		defer func() { budget = r.budget; unresolved = math.Max(unresolved, r.unresolved) }()
		prev, err := f(a)
		if err != nil {
			return err
		}
		add(prev)
		for i := 1; i <= n; i++ {
			t0, t1 := float64(i-1)/float64(n), float64(i)/float64(n)
			next, err := f(r.at(t1))
			if err != nil {
				return err
			}
			if depth > 0 {
				if err := r.refine(t0, t1, prev, next, depth); err != nil {
					return err
				}
			}
			add(next)
			prev = next
		}
		return nil
	}
	for i := range 4 {
		if err := edge(corners[i], corners[i+1]); err != nil {
			return orb.Bound{}, err
		}
	}
	if br, ok := p.(breaker); ok {
		lons, lats := br.breaks()
		for _, x := range lons {
			for _, d := range []float64{-1e-9, 1e-9} {
				if x+d > src.Min[0] && x+d < src.Max[0] {
					if err := edge(orb.Point{x + d, src.Min[1]}, orb.Point{x + d, src.Max[1]}); err != nil {
						return orb.Bound{}, err
					}
				}
			}
		}
		for _, y := range lats {
			for _, d := range []float64{-1e-9, 1e-9} {
				if y+d > src.Min[1] && y+d < src.Max[1] {
					if err := edge(orb.Point{src.Min[0], y + d}, orb.Point{src.Max[0], y + d}); err != nil {
						return orb.Bound{}, err
					}
				}
			}
		}
	}
	pad := 2*tol + unresolved
	out.Min[0] -= pad
	out.Min[1] -= pad
	out.Max[0] += pad
	out.Max[1] += pad
	return out, nil
}

// refiner holds the state of one box's densification.
type refiner struct {
	at         func(float64) orb.Point
	f          pointFunc
	tol        float64
	budget     int
	unresolved float64 // largest chord deviation left when depth or budget ran out
	add        func(orb.Point)
}

// refine adds images of points inside (t0, t1) where the image curve leaves
// the chord from q0 to q1 by more than tol.
func (r *refiner) refine(t0, t1 float64, q0, q1 orb.Point, depth int) error {
	tm := (t0 + t1) / 2
	qm, err := r.f(r.at(tm))
	if err != nil {
		return err
	}
	r.budget--
	r.add(qm)
	dev := math.Max(math.Abs(qm[0]-(q0[0]+q1[0])/2), math.Abs(qm[1]-(q0[1]+q1[1])/2))
	if dev <= r.tol {
		return nil
	}
	if r.budget <= 0 {
		// The halves' chords lie within about dev/4 of the curve; pad by dev.
		r.unresolved = math.Max(r.unresolved, dev)
		return nil
	}
	if depth <= 1 {
		// A smooth curve meets the tolerance long before the last halving;
		// what is left is a jump (the China rectangle of GCJ-02), whose both
		// sides the break lines sample.
		return nil
	}
	if err := r.refine(t0, tm, q0, qm, depth-1); err != nil {
		return err
	}
	return r.refine(tm, t1, qm, q1, depth-1)
}
