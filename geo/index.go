package geo

import (
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Index answers, for any bounding box, which of a layer's features intersect
// it. It is built once and never changes, so any number of goroutines may
// read it at once without locks; a new version of a layer is a new Index,
// swapped in atomically by whoever holds it.
//
// Every layer, points included, uses one packed Hilbert R-tree over feature
// envelopes, followed by an exact geometry–box test (IntersectsBound). The
// choice is measured in BenchmarkQueryPoints: on the generated points the
// packed tree answers bbox queries several times faster than orb's quadtree
// (pointer-chasing nodes, a filter call per point) and than tidwall/rtree
// (built by insertion, less tightly packed), and it is the only one of the
// three that also serves lines and polygons. Run `make bench` to reproduce.
type Index struct {
	features []*geojson.Feature
	bounds   []orb.Bound
	extent   orb.Bound
	tree     *packedRTree
}

// NewIndex indexes features. The index keeps the slice and the features:
// they must not be changed afterwards.
func NewIndex(features []*geojson.Feature) *Index {
	ix := &Index{features: features, bounds: make([]orb.Bound, len(features))}
	for i, f := range features {
		if f.Geometry == nil {
			ix.bounds[i] = orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{-1, -1}} // matches nothing
			continue
		}
		ix.bounds[i] = f.Geometry.Bound()
		if i == 0 {
			ix.extent = ix.bounds[i]
		} else {
			ix.extent = ix.extent.Union(ix.bounds[i])
		}
	}
	ix.tree = newPackedRTree(ix.bounds, defaultNodeSize)
	return ix
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
	ix.tree.search(b, fn)
}

// Query appends to dst, in ascending feature order, every feature whose
// geometry intersects the closed box b, and returns the extended slice.
func (ix *Index) Query(b orb.Bound, dst []int) []int {
	start := len(dst)
	ix.tree.search(b, func(i int) bool {
		if ix.intersects(i, b) {
			dst = append(dst, i)
		}
		return true
	})
	slices.Sort(dst[start:])
	return dst
}

// Count returns the number of features whose geometry intersects b.
func (ix *Index) Count(b orb.Bound) int {
	n := 0
	ix.tree.search(b, func(i int) bool {
		if ix.intersects(i, b) {
			n++
		}
		return true
	})
	return n
}

func (ix *Index) intersects(i int, b orb.Bound) bool {
	fb := ix.bounds[i]
	if fb.Min[0] >= b.Min[0] && fb.Min[1] >= b.Min[1] && fb.Max[0] <= b.Max[0] && fb.Max[1] <= b.Max[1] {
		return true
	}
	return IntersectsBound(ix.features[i].Geometry, b)
}
