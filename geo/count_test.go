package geo_test

import (
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	sf "github.com/peterstace/simplefeatures/geom"
)

// TestQuerySettlesEdgesLikeBruteForce aims at the run-box shortcut of the
// exact test (a connected run whose box meets the query box and lies
// within its range on one axis enters it): random walks, rings with holes
// and multi-part polygons of every size from far smaller to far larger
// than the boxes, queried with random boxes and with boxes whose edges are
// the features' own vertex coordinates (runs touching an edge exactly,
// boxes of zero width). Query and Count must find exactly the features
// simplefeatures (a JTS port, independent of the code under test) says
// meet each closed box, counted one by one over every feature.
func TestQuerySettlesEdgesLikeBruteForce(t *testing.T) {
	rng := rand.New(rand.NewSource(16))
	n, boxes := 2000, 1500
	if testing.Short() {
		n, boxes = 600, 500
	}
	var features []*geojson.Feature
	var verts []orb.Point
	for len(features) < n {
		c := orb.Point{120 + rng.Float64()*2, 27 + rng.Float64()*2}
		size := 0.001 * math.Pow(1000, rng.Float64()) // 0.001 to 1 degree
		var g orb.Geometry
		switch rng.Intn(5) {
		case 0: // a random walk, often self-crossing, many runs
			ls := orb.LineString{c}
			for k := 0; k < 5+rng.Intn(80); k++ {
				p := ls[len(ls)-1]
				ls = append(ls, orb.Point{p[0] + (rng.Float64()-0.5)*size, p[1] + (rng.Float64()-0.5)*size})
			}
			g = ls
		case 1: // a straight axis-parallel or diagonal line (not of zero
			// length, which simplefeatures takes for empty)
			d := orb.Point{size * float64(rng.Intn(3)-1), size * float64(rng.Intn(3)-1)}
			if d == (orb.Point{}) {
				d[0] = size
			}
			g = orb.LineString{c, {c[0] + d[0], c[1] + d[1]}}
		case 2: // a polygon with a hole
			g = orb.Polygon{ring(rng, c, size, 10+rng.Intn(60)), reverse(ring(rng, c, size/3, 8))}
		case 3: // a multi-polygon of separate parts (not connected)
			mp := orb.MultiPolygon{}
			for k := 0; k < 2+rng.Intn(3); k++ {
				pc := orb.Point{c[0] + (rng.Float64()-0.5)*4*size, c[1] + (rng.Float64()-0.5)*4*size}
				mp = append(mp, orb.Polygon{ring(rng, pc, size/2, 6+rng.Intn(30))})
			}
			g = mp
		default: // a multi-line of far-apart pieces
			ml := orb.MultiLineString{}
			for k := 0; k < 2+rng.Intn(3); k++ {
				p := orb.Point{c[0] + (rng.Float64()-0.5)*4*size, c[1] + (rng.Float64()-0.5)*4*size}
				ml = append(ml, orb.LineString{p, {p[0] + size/3, p[1] + (rng.Float64()-0.5)*size}})
			}
			g = ml
		}
		features = append(features, geojson.NewFeature(g))
		verts = appendVertices(verts, g)
	}
	ix, ref, _ := indexWithReference(t, features)
	region := ix.Bound()
	for k := 0; k < boxes; k++ {
		var b orb.Bound
		switch k % 3 {
		case 0: // random, 0.001 to 2 degrees a side
			w, h := 0.001*math.Pow(2000, rng.Float64()), 0.001*math.Pow(2000, rng.Float64())
			x := region.Min[0] + rng.Float64()*(region.Max[0]-region.Min[0])
			y := region.Min[1] + rng.Float64()*(region.Max[1]-region.Min[1])
			b = box(x, y, x+w, y+h)
		case 1: // edges on vertex coordinates
			p, q := verts[rng.Intn(len(verts))], verts[rng.Intn(len(verts))]
			b = box(math.Min(p[0], q[0]), math.Min(p[1], q[1]), math.Max(p[0], q[0]), math.Max(p[1], q[1]))
		default: // a zero-width or zero-height box through a vertex
			p := verts[rng.Intn(len(verts))]
			l := 0.001 * math.Pow(1000, rng.Float64())
			if rng.Intn(2) == 0 {
				b = box(p[0], p[1]-l, p[0], p[1]+l)
			} else {
				b = box(p[0]-l, p[1], p[0]+l, p[1])
			}
		}
		checkQuery(t, ix, ref, nil, b, sfBound(b))
	}
}

// sfBound is b as a simplefeatures geometry: a polygon, or a line or a
// point when b has no width or height.
func sfBound(b orb.Bound) sf.Geometry {
	lo, hi := sf.XY{X: b.Min[0], Y: b.Min[1]}, sf.XY{X: b.Max[0], Y: b.Max[1]}
	return sf.NewEnvelope(lo, hi).AsGeometry()
}

func ring(rng *rand.Rand, c orb.Point, r float64, n int) orb.Ring {
	out := make(orb.Ring, 0, n+1)
	for k := 0; k < n; k++ {
		a := 2 * math.Pi * float64(k) / float64(n)
		rr := r * (0.5 + rng.Float64()/2)
		out = append(out, orb.Point{c[0] + rr*math.Cos(a), c[1] + rr*math.Sin(a)})
	}
	return append(out, out[0])
}

func reverse(r orb.Ring) orb.Ring {
	out := slices.Clone(r)
	slices.Reverse(out)
	return out
}

func appendVertices(dst []orb.Point, g orb.Geometry) []orb.Point {
	switch g := g.(type) {
	case orb.LineString:
		return append(dst, g...)
	case orb.Polygon:
		for _, r := range g {
			dst = append(dst, r...)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				dst = append(dst, r...)
			}
		}
	case orb.MultiLineString:
		for _, l := range g {
			dst = append(dst, l...)
		}
	}
	return dst
}
