package geo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// boundScene returns shapes of every kind the bounds meet: dense and
// sparse lines (steps of 5 m to 50 km, so edges past longArc take
// geodesicFootDistance's corrections), polygons, points, near the
// equator, in planmap's region and at 70° N; within the package's domain
// (no line across the antimeridian or over a pole).
func boundScene(rng *rand.Rand) []*Shape {
	var shapes []*Shape
	for _, centre := range []orb.Point{{119.5, 26.5}, {20, 0.5}, {-60, 70}} {
		around := func(km float64) orb.Point {
			return refDirect(centre, rng.Float64()*2*math.Pi, km*1000*rng.Float64())
		}
		for _, step := range []float64{5, 40, 300, 3000, 50_000} {
			n := 20 + rng.IntN(200)
			if step > 10_000 {
				n = 3 + rng.IntN(10) // up to 600 km
			}
			shapes = append(shapes, NewShape(randomWalk(rng, around(300), n, step)))
		}
		for range 3 {
			shapes = append(shapes, NewShape(orb.Polygon{randomRing(rng, around(300), 5+rng.IntN(60), logUniform(rng, 200, 20_000))}))
		}
		shapes = append(shapes, NewShape(around(300)), NewShape(orb.MultiPoint{around(300), around(300), around(300)}))
	}
	return shapes
}

// nodeElems returns the elements below node (level, i).
func nodeElems(s *Shape, level, i int) []shapeElem {
	span := shapeLeafSize
	for range level {
		span *= shapeFanout
	}
	return s.elems[i*span : min((i+1)*span, len(s.elems))]
}

// TestNodeLowerBoundBelowDistances checks the search's bounds against the
// distances the search computes, by brute force: for node pairs of random
// shapes at every level, nodeLowerBound must not exceed the least distance
// between any element below one and any below the other (elemDistance,
// which measures every point–arc pair as pairSearch does), nor
// leafPairLowerBound for two leaves, and pointNodeLowerBound must not exceed the least pointElemDistance from a
// vertex to the leaf's elements, nor elemLowerBound the distance from a
// vertex to an element. A bound above them would let the search
// skip the nearest pair; the test also requires the bounds to come close
// to the truth for most pairs, so that it cannot pass on bounds of zero.
func TestNodeLowerBoundBelowDistances(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	shapes := boundScene(rng)
	pairs, tight, elems, tightElems := 0, 0, 0, 0
	for range 4000 {
		a, b := shapes[rng.IntN(len(shapes))], shapes[rng.IntN(len(shapes))]
		la, lb := rng.IntN(len(a.levels)), rng.IntN(len(b.levels))
		ia, ib := rng.IntN(len(a.levels[la])), rng.IntN(len(b.levels[lb]))
		truth := math.Inf(1)
		for _, x := range nodeElems(a, la, ia) {
			for _, y := range nodeElems(b, lb, ib) {
				truth = math.Min(truth, elemDistance(a, x, b, y))
			}
		}
		bound := nodeLowerBound(a, int32(la), int32(ia), b, int32(lb), int32(ib), math.Inf(1))
		if bound > truth {
			t.Fatalf("node (%d, %d) of a %d-element shape to node (%d, %d) of a %d-element one: bound %.9f m above the distance %.9f m",
				la, ia, len(a.elems), lb, ib, len(b.elems), bound, truth)
		}
		pairs++
		if truth > 0 && bound >= truth*(1-1e-3) {
			tight++
		}
		// Two leaves, as pairQueue.run asks before leafPair.
		ia, ib = rng.IntN(len(a.levels[0])), rng.IntN(len(b.levels[0]))
		leafTruth := math.Inf(1)
		for _, x := range nodeElems(a, 0, ia) {
			for _, y := range nodeElems(b, 0, ib) {
				leafTruth = math.Min(leafTruth, elemDistance(a, x, b, y))
			}
		}
		if got := leafPairLowerBound(a, int32(ia), b, int32(ib)); got > leafTruth {
			t.Fatalf("leaf %d of a %d-element shape to leaf %d of a %d-element one: bound %.9f m above the distance %.9f m",
				ia, len(a.elems), ib, len(b.elems), got, leafTruth)
		}
		// A vertex against a leaf, as verticesToElems asks.
		ib = rng.IntN(len(b.levels[0]))
		v := a.verts[a.elems[rng.IntN(len(a.elems))].a].v
		pointTruth := math.Inf(1)
		for _, y := range nodeElems(b, 0, ib) {
			pointTruth = math.Min(pointTruth, pointElemDistance(v, b.verts[y.a].v, b.verts[y.b].v, math.Inf(1)))
		}
		if got := pointNodeLowerBound(v, b, int32(ib), 0, math.Inf(1)); got > pointTruth {
			t.Fatalf("vertex to leaf %d of a %d-element shape: bound %.9f m above the distance %.9f m", ib, len(b.elems), got, pointTruth)
		}
		// A vertex against one element, as pointElemDistance asks.
		y := b.elems[rng.IntN(len(b.elems))]
		q0, q1 := b.verts[y.a].v, b.verts[y.b].v
		if y.a == y.b {
			continue
		}
		var c arcCandidates
		c.add(v, q0, q1)
		elemTruth := c.distance()
		got := elemLowerBound(v, q0, q1, math.Sqrt(c.items[0].chord2))
		if got > elemTruth {
			t.Fatalf("vertex to an element of a %d-element shape: bound %.9f m above the distance %.9f m", len(b.elems), got, elemTruth)
		}
		// Tight for an element short against its distance (the bound
		// allows for the z of any point of it, a share 2f·|q0−q1|/chord of
		// the distance, and for elemMargin) within a region (under 600 km; beyond, the chord's
		// series for the angle falls short by more).
		if chord := math.Sqrt(c.items[0].chord2); math.Sqrt(q0.sub(q1).norm2()) < chord/50 && chord < 0.1 {
			elems++
			if got >= elemTruth*(1-5e-4) {
				tightElems++
			}
		}
	}
	if tight < pairs/3 {
		t.Fatalf("only %d of %d node bounds within 0.1 %% of the distance", tight, pairs)
	}
	if tightElems < elems*9/10 {
		t.Fatalf("only %d of %d element bounds (short elements) within 0.05 %% of the distance", tightElems, elems)
	}
	t.Logf("%d of %d node bounds within 0.1 %%, %d of %d short elements' bounds within 0.05 %%", tight, pairs, tightElems, elems)
}

// TestCoverageDenseCorridors compares coverage with brute force where the
// old bounds made the search slow and the new ones matter most: one or
// two corridors drawn densely (steps of 5–40 m) and targets up to 400 km
// away, points and polygons, through both the direct search (few
// corridors) and the index's (more than directCorridors).
func TestCoverageDenseCorridors(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	region := func() orb.Point { return orb.Point{117.3 + rng.Float64()*4.6, 24.3 + rng.Float64()*4.6} }
	for _, n := range []int{1, 2, directCorridors + 6} {
		t.Run(fmt.Sprintf("%d corridors", n), func(t *testing.T) {
			ids := make([]string, n)
			lines := make([]orb.Geometry, n)
			shapes := make([]*Shape, n)
			for i := range lines {
				ids[i] = fmt.Sprint(i)
				vertices := 1500
				if i >= 2 {
					vertices = 30
				}
				lines[i] = randomWalk(rng, region(), vertices, logUniform(rng, 5, 40))
				shapes[i] = NewShape(lines[i])
			}
			corridors, err := NewCorridors(ids, lines)
			if err != nil {
				t.Fatal(err)
			}
			targets := make([]CoverageTarget, 120)
			for i := range targets {
				centre := region()
				if i%4 == 0 { // near a corridor
					ls := lines[0].(orb.LineString)
					centre = refDirect(ls[rng.IntN(len(ls))], rng.Float64()*2*math.Pi, logUniform(rng, 10, 8000))
				}
				targets[i] = CoverageTarget{ID: fmt.Sprint(i), Geometry: centre}
				if i%2 == 1 {
					targets[i].Geometry = orb.Polygon{randomRing(rng, centre, 6+rng.IntN(40), logUniform(rng, 200, 3000))}
				}
			}
			report, err := corridors.Coverage(context.Background(), targets, CoverageOptions{Distance: 2000, Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			for i, target := range targets {
				got := report.Results[i]
				checkNearest(t, i, got, target, shapes)
			}
		})
	}
}
