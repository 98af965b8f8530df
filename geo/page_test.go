package geo_test

import (
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	sf "github.com/peterstace/simplefeatures/geom"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
)

// TestQueryPageMatchesBruteForce checks QueryPage's count and page against
// a scan of every feature with simplefeatures' exact predicate (a JTS port,
// independent of the code under test): random boxes from tiny to larger
// than whole layers (so that whole subtrees lie inside them), one or two
// boxes at once (overlapping or not, as an antimeridian query gives),
// random skip masks, and offsets and limits before, across and past the
// matches, on every layer of a generated dataset.
func TestQueryPageMatchesBruteForce(t *testing.T) {
	features, boxes := 10_000, 200
	if testing.Short() {
		features, boxes = 5_000, 100
	}
	ds := data.Generate(data.GenOptions{Features: features, Seed: 7})
	rng := rand.New(rand.NewSource(3))
	for _, l := range ds.Layers {
		t.Run(l.ID, func(t *testing.T) {
			feats := l.Features.Features
			ix, ref, envs := indexWithReference(t, feats)
			region := ix.Bound()
			bigMatches, big := 0, min(500, len(feats)/5)
			for k := 0; k < boxes; k++ {
				var bs []orb.Bound
				for n := 1 + rng.Intn(2); len(bs) < n; {
					bs = append(bs, pageBox(rng, region, envs))
				}
				skip := randomSkip(rng, len(feats))
				matched := checkPage(t, ix, ref, envs, bs, skip, rng)
				if matched > big {
					bigMatches++
				}
			}
			if bigMatches < boxes/10 {
				t.Fatalf("only %d of %d queries matched over %d features: whole nodes inside the box were hardly tested", bigMatches, boxes, big)
			}
		})
	}
}

// TestQueryPageEdges runs QueryPage on the edge cases of
// TestQuerySettlesEdgesLikeBruteForce's kind (self-crossing walks, rings
// with holes, multi-part polygons and lines from far smaller to far larger
// than the boxes, boxes with edges on vertices and of zero width) and on
// an index holding features without geometry, which must never match.
func TestQueryPageEdges(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	var features []*geojson.Feature
	var verts []orb.Point
	for len(features) < 3000 {
		c := orb.Point{120 + rng.Float64()*2, 27 + rng.Float64()*2}
		size := 0.001 * math.Pow(1000, rng.Float64())
		g := randomShape(rng, c, size, 80, size, 4*size)
		features = append(features, geojson.NewFeature(g))
		verts = appendVertices(verts, g)
	}
	withEmpty := slices.Clone(features)
	for k := 0; k < 40; k++ {
		at := rng.Intn(len(withEmpty))
		withEmpty = slices.Insert(withEmpty, at, &geojson.Feature{Type: "Feature", Properties: geojson.Properties{}})
	}
	for name, feats := range map[string][]*geojson.Feature{"geometries": features, "with empty features": withEmpty} {
		t.Run(name, func(t *testing.T) {
			ix := geo.NewIndex(feats)
			ref := make([]sf.Geometry, len(feats))
			for i, f := range feats {
				if f.Geometry != nil {
					ref[i] = toSF(t, f.Geometry)
				}
			}
			region := ix.Bound()
			for k := 0; k < 400; k++ {
				var b orb.Bound
				switch k % 5 {
				case 0: // random, up to larger than the whole region
					w, h := 0.001*math.Pow(4000, rng.Float64()), 0.001*math.Pow(4000, rng.Float64())
					x := region.Min[0] - 0.5 + rng.Float64()*(region.Max[0]-region.Min[0]+1)
					y := region.Min[1] - 0.5 + rng.Float64()*(region.Max[1]-region.Min[1]+1)
					b = box(x-w/2, y-h/2, x+w/2, y+h/2)
				case 1: // edges on vertex coordinates
					p, q := verts[rng.Intn(len(verts))], verts[rng.Intn(len(verts))]
					b = box(math.Min(p[0], q[0]), math.Min(p[1], q[1]), math.Max(p[0], q[0]), math.Max(p[1], q[1]))
				case 2: // zero width through a vertex
					p := verts[rng.Intn(len(verts))]
					b = box(p[0], p[1]-0.05, p[0], p[1]+0.05)
				case 3: // around everything
					b = box(region.Min[0]-1, region.Min[1]-1, region.Max[0]+1, region.Max[1]+1)
				default: // from the origin, around the envelope NewIndex gives an empty geometry on one side
					b = box(0, 0, region.Max[0]+1, region.Max[1]+1)
				}
				checkPage(t, ix, ref, nil, []orb.Bound{b}, randomSkip(rng, len(feats)), rng)
			}
		})
	}
}

// pageBox is a random query box: a third small (a street), a third about
// an items viewport (0.05° to 0.5°), a third from half the layer's extent
// to more than all of it.
func pageBox(rng *rand.Rand, region orb.Bound, envs []orb.Bound) orb.Bound {
	var w, h float64
	switch rng.Intn(3) {
	case 0:
		w, h = 0.0005+rng.Float64()*0.01, 0.0005+rng.Float64()*0.01
	case 1:
		w, h = 0.05+rng.Float64()*0.45, 0.05+rng.Float64()*0.45
	default:
		s := 0.5 + rng.Float64()*0.7
		w, h = s*(region.Max[0]-region.Min[0]), s*(region.Max[1]-region.Min[1])
	}
	c := envs[rng.Intn(len(envs))].Center()
	return box(c[0]-w*rng.Float64(), c[1]-h*rng.Float64(), c[0]+w*rng.Float64(), c[1]+h*rng.Float64())
}

// randomSkip is nil half the time, else a mask skipping a random share of
// the features (up to all of them).
func randomSkip(rng *rand.Rand, n int) []uint64 {
	if rng.Intn(2) == 0 {
		return nil
	}
	skip := make([]uint64, (n+63)/64)
	share := rng.Float64()
	if rng.Intn(8) == 0 {
		share = 1
	}
	for i := 0; i < n; i++ {
		if rng.Float64() < share {
			skip[i>>6] |= 1 << (uint(i) & 63)
		}
	}
	return skip
}

// checkPage compares QueryPage for boxes bs and skip with brute force (see
// checkQuery; a nil ref is a feature without geometry, which matches
// nothing), for several offsets and limits, and returns the count.
func checkPage(t *testing.T, ix *geo.Index, ref []sf.Geometry, envs []orb.Bound, bs []orb.Bound, skip []uint64, rng *rand.Rand) int {
	t.Helper()
	sfBoxes := make([]sf.Geometry, len(bs))
	for k, b := range bs {
		sfBoxes[k] = sfBound(b)
	}
	var want []int
	for i := range ref {
		if ref[i].IsEmpty() || (skip != nil && skip[i>>6]&(1<<(uint(i)&63)) != 0) {
			continue
		}
		for k, b := range bs {
			if (envs == nil || envs[i].Intersects(b)) && sf.Intersects(ref[i], sfBoxes[k]) {
				want = append(want, i)
				break
			}
		}
	}
	cases := [][2]int{{0, 100}, {0, 0}, {0, len(want) + 10}, {len(want), 10}, {len(want) + 5, 10}}
	for k := 0; k < 3; k++ {
		cases = append(cases, [2]int{rng.Intn(len(want) + 1), 1 + rng.Intn(200)})
	}
	for _, c := range cases {
		offset, limit := c[0], c[1]
		prefix := []int{-1}
		matched, page := ix.QueryPage(bs, offset, limit, skip, prefix)
		if matched != len(want) {
			t.Fatalf("boxes %v: matched %d, brute force %d", bs, matched, len(want))
		}
		from := min(offset, len(want))
		wantPage := append([]int{-1}, want[from:min(from+limit, len(want))]...)
		if !slices.Equal(page, wantPage) {
			t.Fatalf("boxes %v offset %d limit %d: page %v, brute force %v", bs, offset, limit, head(page), head(wantPage))
		}
	}
	return len(want)
}

func head(s []int) []int {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// TestQueryPageSmallTreesAndFullBatches checks QueryPage against brute
// force where its batches of work (page.go's markBatch) meet their edges:
// trees of 0 to 40 features (a root over leaves, and one level above it),
// and dense layers of large polygons with holes, multi-polygons and long
// lines around every box's corners, so that one query queues many times
// the batch sizes of leaf nodes, runs of leaves and exact tests.
func TestQueryPageSmallTreesAndFullBatches(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	feature := func(size float64) *geojson.Feature {
		c := orb.Point{120 + rng.Float64(), 27 + rng.Float64()}
		g := randomShape(rng, c, size, 120, size/4, 2*size)
		return geojson.NewFeature(g)
	}
	check := func(t *testing.T, feats []*geojson.Feature, queries int, boxSize func() float64) (cornerCrossers int) {
		ix, ref, envs := indexWithReference(t, feats)
		for k := 0; k < queries; k++ {
			w, h := boxSize(), boxSize()
			x, y := 119.8+rng.Float64()*1.4, 26.8+rng.Float64()*1.4
			b := box(x, y, x+w, y+h)
			checkPage(t, ix, ref, envs, []orb.Bound{b}, randomSkip(rng, len(feats)), rng)
			// Envelopes across both of b's ranges take the exact test.
			n := 0
			for _, e := range envs {
				if e.Intersects(b) && (e.Min[0] < b.Min[0] || e.Max[0] > b.Max[0]) && (e.Min[1] < b.Min[1] || e.Max[1] > b.Max[1]) {
					n++
				}
			}
			cornerCrossers = max(cornerCrossers, n)
		}
		return cornerCrossers
	}
	t.Run("small trees", func(t *testing.T) {
		for n := 0; n <= 40; n++ {
			feats := make([]*geojson.Feature, n)
			for i := range feats {
				feats[i] = feature(0.01 + rng.Float64()*0.5)
			}
			check(t, feats, 30, func() float64 { return 0.01 + rng.Float64()*1.5 })
		}
	})
	t.Run("dense", func(t *testing.T) {
		feats := make([]*geojson.Feature, 4000)
		for i := range feats {
			feats[i] = feature(0.05 + rng.Float64()*0.3)
		}
		if n := check(t, feats, 150, func() float64 { return 0.05 + rng.Float64()*0.8 }); n < 200 {
			t.Fatalf("at most %d features took the exact test in one query: the batches were hardly filled", n)
		}
	})
	// QueryPage reads float32 copies of the leaves' boxes, rounded out:
	// box edges on, or closer than a float32 step (about 8e-6 here) to,
	// envelope coordinates must be decided as exactly as any other.
	t.Run("edges a hair from envelopes", func(t *testing.T) {
		feats := make([]*geojson.Feature, 3000)
		for i := range feats {
			feats[i] = feature(0.005 + rng.Float64()*0.05)
		}
		ix, ref, envs := indexWithReference(t, feats)
		hair := []float64{0, 1e-12, -1e-12, 1e-9, -1e-9, 3e-6, -3e-6}
		for k := 0; k < 300; k++ {
			e, f := envs[rng.Intn(len(envs))], envs[rng.Intn(len(envs))]
			h := func() float64 { return hair[rng.Intn(len(hair))] }
			b := box(math.Min(e.Min[0], f.Min[0])+h(), math.Min(e.Min[1], f.Min[1])+h(), math.Max(e.Max[0], f.Max[0])+h(), math.Max(e.Max[1], f.Max[1])+h())
			if rng.Intn(2) == 0 { // edges on the inside of the envelopes
				b = box(e.Max[0]+h(), e.Max[1]+h(), e.Max[0]+0.3+h(), e.Max[1]+0.3+h())
			}
			checkPage(t, ix, ref, envs, []orb.Bound{b}, nil, rng)
		}
	})
}

// TestEmptyGeometryMatchesNoBox checks that features without geometry,
// whose envelope in the index is reversed ({1,1}–{-1,-1}), match no box,
// not even one around that envelope (as boxes about the origin are), in
// QueryPage, Query and Count, against brute force over the features with
// geometry (simplefeatures, as checkPage does).
func TestEmptyGeometryMatchesNoBox(t *testing.T) {
	rng := rand.New(rand.NewSource(23))
	for _, n := range []int{3, 40, 3000} {
		var feats []*geojson.Feature
		for len(feats) < n {
			if rng.Intn(3) == 0 {
				feats = append(feats, &geojson.Feature{Type: "Feature", Properties: geojson.Properties{}})
				continue
			}
			c := orb.Point{(rng.Float64() - 0.5) * 6, (rng.Float64() - 0.5) * 6}
			if rng.Intn(2) == 0 {
				feats = append(feats, geojson.NewFeature(c))
			} else {
				feats = append(feats, geojson.NewFeature(orb.Polygon{ring(rng, c, 0.01+rng.Float64()*0.3, 12)}))
			}
		}
		ix := geo.NewIndex(feats)
		ref := make([]sf.Geometry, len(feats))
		for i, f := range feats {
			if f.Geometry != nil {
				ref[i] = toSF(t, f.Geometry)
			}
		}
		for k := 0; k < 60; k++ {
			s := 1 + rng.Float64()*4
			b := box(-s, -s*rng.Float64()*2, s*rng.Float64()*2, s)
			if k == 0 {
				b = box(-2, -2, 2, 2)
			}
			want := checkPage(t, ix, ref, nil, []orb.Bound{b}, nil, rng)
			if got := ix.Query(b, nil); len(got) != want {
				t.Fatalf("%d features, box %v: Query found %d, brute force %d", n, b, len(got), want)
			}
			if got := ix.Count(b); got != want {
				t.Fatalf("%d features, box %v: Count %d, brute force %d", n, b, got, want)
			}
		}
	}
}

// randomShape returns a random geometry about c of the given size: a walk
// of 5 to 5+maxSteps-1 steps of up to step in each axis, a ring with a
// hole, 2 to 4 polygons spread over spread in each axis, or the point c,
// with equal chance.
func randomShape(rng *rand.Rand, c orb.Point, size float64, maxSteps int, step, spread float64) orb.Geometry {
	switch rng.Intn(4) {
	case 0:
		ls := orb.LineString{c}
		for k := 0; k < 5+rng.Intn(maxSteps); k++ {
			p := ls[len(ls)-1]
			ls = append(ls, orb.Point{p[0] + (rng.Float64()-0.5)*step, p[1] + (rng.Float64()-0.5)*step})
		}
		return ls
	case 1:
		return orb.Polygon{ring(rng, c, size, 10+rng.Intn(60)), reverse(ring(rng, c, size/3, 8))}
	case 2:
		mp := orb.MultiPolygon{}
		for k := 0; k < 2+rng.Intn(3); k++ {
			pc := orb.Point{c[0] + (rng.Float64()-0.5)*spread, c[1] + (rng.Float64()-0.5)*spread}
			mp = append(mp, orb.Polygon{ring(rng, pc, size/2, 6+rng.Intn(30))})
		}
		return mp
	default:
		return c
	}
}
