package geo

import (
	"errors"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// IndexArrays are the flat arrays an Index is made of besides its
// features: what a store keeps to map a built index back
// (IndexFromArrays) instead of building it again, which at a million
// features is seconds of reading every vertex. They hold no pointers, so
// they can be written and read as plain bytes.
type IndexArrays struct {
	// NodeSize is the R-tree's fan-out.
	NodeSize int
	// LevelEnds holds the position after the last node of each level of
	// the tree, leaves first.
	LevelEnds []int
	// TreeBoxes holds minX, minY, maxX, maxY of every node, leaves first
	// (in Hilbert order); a leaf's box is its feature's envelope.
	TreeBoxes []float64
	// TreeRefs holds, for a leaf, its feature's number; for an inner node,
	// the position of its first child.
	TreeRefs []int32
	// RunStart and RunBoxes are the run boxes (runBoxes) in the order of
	// the tree's leaves: those of the feature at leaf c (TreeRefs[c]) are
	// RunBoxes[RunStart[c]:RunStart[c+1]].
	RunStart []int32
	RunBoxes []orb.Bound
}

// Arrays returns the index's arrays. They are shared with the index: do
// not change them.
func (ix *Index) Arrays() IndexArrays {
	a := IndexArrays{NodeSize: defaultNodeSize, RunStart: ix.runs.start, RunBoxes: ix.runs.boxes}
	if ix.tree != nil {
		a.NodeSize, a.LevelEnds, a.TreeBoxes, a.TreeRefs = ix.tree.nodeSize, ix.tree.levelEnds, ix.tree.boxes, ix.tree.refs
	}
	return a
}

// IndexFromArrays returns the index of features whose arrays are a (what
// Arrays returned for an index of the same features), keeping the arrays.
// It checks that they are an index of these features as far as it can
// without reading every vertex: the shape of the tree (its levels, the
// references of every node, the leaves a permutation of the features),
// that every inner box is the union of its children, that each feature
// has the number of run boxes its geometry has and that its envelope is
// the one its run boxes (or, for points, its geometry) give. What it
// cannot check, the run boxes' agreement with the vertices, the caller
// vouches for (a checksum over the arrays as stored). It returns an error
// saying what does not match, and never an index that would answer
// otherwise than NewIndex(features).
func IndexFromArrays(features []*geojson.Feature, a IndexArrays) (*Index, error) {
	n := len(features)
	if len(a.RunStart) != n+1 || a.RunStart[0] != 0 || int(a.RunStart[n]) != len(a.RunBoxes) {
		return nil, fmt.Errorf("geo: the run boxes do not cover %d features", n)
	}
	tree, err := checkTree(n, a)
	if err != nil {
		return nil, err
	}
	for c := range n {
		i := tree.refs[c]
		lo, hi := a.RunStart[c], a.RunStart[c+1]
		if hi < lo || int(hi-lo) != countRuns(features[i].Geometry) {
			return nil, fmt.Errorf("geo: feature %d has %d run boxes where its geometry has %d", i, hi-lo, countRuns(features[i].Geometry))
		}
	}
	ix := &Index{features: features, bounds: make([]orb.Bound, n), tree: tree, runs: runBoxes{start: a.RunStart, boxes: a.RunBoxes}}
	ix.slots = leafSlots(tree.refs[:n])
	if n > 0 {
		for c := range n {
			i := tree.refs[c]
			ix.bounds[i] = orb.Bound{Min: orb.Point{tree.boxes[4*c], tree.boxes[4*c+1]}, Max: orb.Point{tree.boxes[4*c+2], tree.boxes[4*c+3]}}
		}
	}
	first := true
	for i, f := range features {
		want, ok := orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{-1, -1}}, true
		if f.Geometry != nil {
			k := ix.slots[i]
			runs := a.RunBoxes[a.RunStart[k]:a.RunStart[k+1]]
			if !runEndsInBoxes(f.Geometry, runs) {
				return nil, fmt.Errorf("geo: feature %d's run boxes are not its geometry's", i)
			}
			if want, ok = boundFromRuns(f.Geometry, runs); !ok {
				want = f.Geometry.Bound()
			}
		}
		if ix.bounds[i] != want {
			return nil, fmt.Errorf("geo: feature %d's envelope %v is not its geometry's %v", i, ix.bounds[i], want)
		}
		if f.Geometry == nil {
			continue
		}
		if first {
			ix.extent, first = ix.bounds[i], false
		} else {
			ix.extent = ix.extent.Union(ix.bounds[i])
		}
	}
	ix.connected = connectedSet(features)
	return ix, nil
}

// checkTree checks that a holds the packed R-tree newPackedRTree builds
// over n items with a.NodeSize, but for the order of the leaves and the
// leaves' boxes, and returns it.
func checkTree(n int, a IndexArrays) (*packedRTree, error) {
	t := &packedRTree{nodeSize: a.NodeSize, boxes: a.TreeBoxes, refs: a.TreeRefs, levelEnds: a.LevelEnds}
	if n == 0 {
		if len(a.TreeBoxes) != 0 || len(a.TreeRefs) != 0 || len(a.LevelEnds) != 0 {
			return nil, errors.New("geo: a tree over no features")
		}
		return t, nil
	}
	if a.NodeSize < 2 || a.NodeSize > 1<<16 {
		return nil, fmt.Errorf("geo: a tree of node size %d", a.NodeSize)
	}
	// The levels newPackedRTree makes.
	want := []int{n}
	for count, end := n, n; count > 1; {
		count = (count + a.NodeSize - 1) / a.NodeSize
		end += count
		want = append(want, end)
	}
	if len(want) == 1 { // one item: a root above the leaf
		want = append(want, n+1)
	}
	if len(a.LevelEnds) != len(want) {
		return nil, fmt.Errorf("geo: a tree of %d levels where %d features make %d", len(a.LevelEnds), n, len(want))
	}
	for i := range want {
		if a.LevelEnds[i] != want[i] {
			return nil, errors.New("geo: the tree's levels do not match its features")
		}
	}
	total := want[len(want)-1]
	if len(a.TreeRefs) != total || len(a.TreeBoxes) != 4*total {
		return nil, fmt.Errorf("geo: a tree of %d refs and %d coordinates where %d nodes were expected", len(a.TreeRefs), len(a.TreeBoxes), total)
	}
	seen := make([]uint64, (n+63)/64)
	for c := range n {
		i := a.TreeRefs[c]
		if i < 0 || int(i) >= n || seen[i>>6]&(1<<(uint(i)&63)) != 0 {
			return nil, errors.New("geo: the tree's leaves are not a permutation of the features")
		}
		seen[i>>6] |= 1 << (uint(i) & 63)
	}
	start := 0
	for level := 1; level < len(want); level++ {
		end := want[level-1]
		for k, pos := 0, end; pos < want[level]; k, pos = k+1, pos+1 {
			first := start + k*a.NodeSize
			if int(a.TreeRefs[pos]) != first || first >= end {
				return nil, errors.New("geo: an inner node of the tree does not point at its children")
			}
			last := min(first+a.NodeSize, end)
			b := a.TreeBoxes[4*first : 4*first+4]
			minX, minY, maxX, maxY := b[0], b[1], b[2], b[3]
			for c := first + 1; c < last; c++ {
				b := a.TreeBoxes[4*c : 4*c+4]
				minX, minY, maxX, maxY = min(minX, b[0]), min(minY, b[1]), max(maxX, b[2]), max(maxY, b[3])
			}
			box := a.TreeBoxes[4*pos : 4*pos+4]
			if box[0] != minX || box[1] != minY || box[2] != maxX || box[3] != maxY {
				return nil, errors.New("geo: an inner box of the tree is not the union of its children")
			}
		}
		if last := want[level-1] + (end-start+a.NodeSize-1)/a.NodeSize; last != want[level] {
			return nil, errors.New("geo: a level of the tree does not cover the one below")
		}
		start = end
	}
	return t, nil
}
