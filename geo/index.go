package geo

import (
	"math/bits"
	"slices"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Index answers, for any bounding box, which of a layer's features intersect
// it. It is built once and never changes, so any number of goroutines may
// read it at once without locks; a new version of a layer is a new Index,
// swapped in atomically by whoever holds it.
//
// Every layer, points included, uses one packed Hilbert R-tree over feature
// envelopes, followed by an exact geometry–box test for the features whose
// envelope is not wholly inside the box, and a sort into feature order. The
// exact test first reads the boxes of runs of 16 segments of the feature's
// lines and rings, kept in one array (see runBoxes), and follows the
// pointers to the vertices only when a run straddles the box's edge; many
// hits are ordered through a bitset rather than sorted. The choice was measured with BenchmarkQueryPoints,
// BenchmarkQueryExtents and BenchmarkBuild, each structure answering the
// same ordered, exact query on the same generated data and boxes (medians of
// `PLANMAP_BENCH_SIZES=small go test -run '^$' -bench 'Query|Build' -count 5 ./geo`
// on a shared 2-core machine, so read them as ratios):
//
//   - point layers (27k points of the 100k dataset): orb's quadtree took 3.5×
//     to 17× as long as either R-tree (it walks pointer nodes and calls a
//     filter per point); the packed tree and tidwall/rtree were level within
//     the noise (61 µs and 73 µs; on 2.7k points 2.8 µs and 2.4 µs);
//   - line and polygon layers: the packed tree and tidwall/rtree were level
//     within the noise, the exact test dominating (40k polygons: 1.1 ms and
//     0.8 ms; 15k long lines: 6.6 ms and 5.6 ms);
//   - building: the packed tree was 10–20% faster, with 12 allocations
//     against 1,030 for 40k polygons.
//
// (Those figures predate the run boxes and the bitset ordering, which
// served the HTTP items load test, bench/items.sh, about 30% more requests
// with the match cache off.) So one structure serves every layer, and it is the one that is immutable
// by construction: flat arrays written once, safe for any number of
// concurrent readers without locks.
type Index struct {
	features []*geojson.Feature
	bounds   []orb.Bound
	extent   orb.Bound
	tree     *packedRTree
	// runs holds the run boxes of the features in the order of the
	// tree's leaves, so that a query, which tests the features of
	// neighbouring leaves, reads neighbouring memory; slots holds the
	// position of each feature's leaf (its runs' slot).
	runs  runBoxes
	slots []int32
	// connected marks the features exactEnv may settle from the envelope
	// (connectedSet).
	connected []uint64
	// bitsets holds zeroed []uint64 of one bit per feature, for sortHits
	// and QueryPage.
	bitsets sync.Pool
	// page is what QueryPage finds out once (page.go).
	page pageState
}

// NewIndex indexes features. The index keeps the slice and the features:
// they must not be changed afterwards.
func NewIndex(features []*geojson.Feature) *Index {
	ix := &Index{features: features, bounds: make([]orb.Bound, len(features))}
	ix.runs.start = make([]int32, 1, len(features)+1)
	// Count the runs first so their array is allocated once, at its size.
	runs := 0
	for _, f := range features {
		runs += countRuns(f.Geometry)
	}
	ix.runs.boxes = make([]orb.Bound, 0, runs)
	for i, f := range features {
		first := len(ix.runs.boxes)
		ix.runs.add(f.Geometry)
		if f.Geometry == nil {
			ix.bounds[i] = orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{-1, -1}} // matches nothing
			continue
		}
		var ok bool
		if ix.bounds[i], ok = boundFromRuns(f.Geometry, ix.runs.boxes[first:]); !ok {
			ix.bounds[i] = f.Geometry.Bound()
		}
		if i == 0 {
			ix.extent = ix.bounds[i]
		} else {
			ix.extent = ix.extent.Union(ix.bounds[i])
		}
	}
	ix.tree = newPackedRTree(ix.bounds, defaultNodeSize)
	ix.runs = ix.runs.inOrder(ix.tree.refs[:len(features)])
	ix.slots = leafSlots(ix.tree.refs[:len(features)])
	ix.connected = connectedSet(features)
	return ix
}

// leafSlots returns, for every feature, the position of its leaf in the
// tree, from the tree's leaves (the feature at each position).
func leafSlots(leaves []int32) []int32 {
	slots := make([]int32, len(leaves))
	for c, i := range leaves {
		slots[i] = int32(c)
	}
	return slots
}

// connectedSet marks, one bit per feature, the geometries that are one
// connected piece whose envelope is the envelope of a connected line: a
// line string, a ring, a polygon (its outer ring) or a multi-geometry of
// one such part. exactEnv settles those from the envelope alone when it
// lies within the query box's range on one axis.
func connectedSet(features []*geojson.Feature) []uint64 {
	set := make([]uint64, (len(features)+63)/64)
	for i, f := range features {
		if f.Geometry != nil && connectedLine(f.Geometry) {
			set[i>>6] |= 1 << (uint(i) & 63)
		}
	}
	return set
}

func connectedLine(g orb.Geometry) bool {
	switch g := g.(type) {
	case orb.LineString:
		return len(g) > 0
	case orb.Ring:
		return len(g) > 0
	case orb.Polygon:
		return len(g) > 0 && len(g[0]) > 0
	case orb.MultiLineString:
		return len(g) == 1 && len(g[0]) > 0
	case orb.MultiPolygon:
		return len(g) == 1 && len(g[0]) > 0 && len(g[0][0]) > 0
	}
	return false
}

// Len returns the number of features in the index.
func (ix *Index) Len() int { return len(ix.features) }

// Feature returns feature i, in the order given to NewIndex.
func (ix *Index) Feature(i int) *geojson.Feature { return ix.features[i] }

// Features returns every feature, in the order given to NewIndex. The
// slice is shared: do not change it.
func (ix *Index) Features() []*geojson.Feature { return ix.features }

// FeatureBound returns the envelope of feature i.
func (ix *Index) FeatureBound(i int) orb.Bound { return ix.bounds[i] }

// Bound returns the envelope of every feature.
func (ix *Index) Bound() orb.Bound { return ix.extent }

// Candidates calls fn with every feature whose envelope intersects b, in no
// particular order, until fn returns false. Callers that clip geometry
// themselves (tiles) use it to skip the exact test.
func (ix *Index) Candidates(b orb.Bound, fn func(i int) bool) {
	ix.tree.search(b, func(i int, _ bool) bool { return fn(i) })
}

// Query appends to dst, in ascending feature order, every feature whose
// geometry intersects the closed box b, and returns the extended slice.
func (ix *Index) Query(b orb.Bound, dst []int) []int {
	start := len(dst)
	dst = ix.tree.appendHits(b, dst, func(i int, env orb.Bound) bool { return ix.exactEnv(i, env, b) })
	ix.sortHits(dst[start:])
	return dst
}

// sortHits puts distinct feature numbers in ascending order. Many hits
// (more than the layer's size in 64-bit words over log2 of their number)
// go through a bitset of the layer, set and read back in one pass over
// its words, which is linear; fewer are sorted by comparison.
func (ix *Index) sortHits(hits []int) {
	k := len(hits)
	words := (len(ix.features) + 63) / 64
	if k < 64 || words > k*bits.Len(uint(k)) {
		slices.Sort(hits)
		return
	}
	set, _ := ix.bitsets.Get().(*[]uint64)
	if set == nil {
		s := make([]uint64, words)
		set = &s
	}
	w := *set
	for _, i := range hits {
		w[i>>6] |= 1 << (uint(i) & 63)
	}
	j := 0
	for wi, word := range w {
		for word != 0 {
			hits[j] = wi<<6 + bits.TrailingZeros64(word)
			j++
			word &= word - 1
		}
		w[wi] = 0 // leave the set zeroed for the next query
	}
	ix.bitsets.Put(set)
}

// Count returns the number of features whose geometry intersects b.
func (ix *Index) Count(b orb.Bound) int {
	n := 0
	ix.tree.search(b, func(i int, inside bool) bool {
		if inside || ix.exact(i, b) {
			n++
		}
		return true
	})
	return n
}

// exact tests feature i's geometry against b, reusing its stored envelope.
func (ix *Index) exact(i int, b orb.Bound) bool { return ix.exactEnv(i, ix.bounds[i], b) }

// exactEnv is exact with feature i's envelope env given (the tree's leaf
// holds a copy, already in cache).
func (ix *Index) exactEnv(i int, env, b orb.Bound) bool {
	// A connected line (or a polygon's outer ring) whose envelope meets b
	// and lies within b's range on one axis enters b, as a run does (see
	// exactRuns): no need to read its runs.
	if ix.connected[i>>6]&(1<<(uint(i)&63)) != 0 &&
		((env.Min[0] >= b.Min[0] && env.Max[0] <= b.Max[0]) || (env.Min[1] >= b.Min[1] && env.Max[1] <= b.Max[1])) {
		return true
	}
	return ix.exactRuns(i, int(ix.slots[i]), env, b)
}
