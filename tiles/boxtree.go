package tiles

import "math"

// boxTree is a packed R-tree over some of a layer's features, in the
// layer's (Hilbert) order, by their fixed-point envelopes: a zoom group's
// index. It keeps a copy of the items' boxes side by side (16 bytes a
// feature), so that a search reads them in one run of memory instead of
// one feature record each, and the boxes of its nodes (one per boxFanout
// items).
type boxTree struct {
	items int
	boxes []box // the items' envelopes, in order
	// levels[0] holds a box per boxFanout items, levels[k] one per
	// boxFanout boxes of levels[k-1]; the last level has one box.
	levels [][]box
}

const boxFanout = 16

// newBoxTree indexes the features members names (all of features, in
// order, when members is nil).
func newBoxTree(features []feature, members []int32) *boxTree {
	n := len(features)
	if members != nil {
		n = len(members)
	}
	t := &boxTree{items: n}
	if n == 0 {
		return t
	}
	item := func(i int) box {
		f := &features[i]
		if members != nil {
			f = &features[members[i]]
		}
		return box{f.minX, f.minY, f.maxX, f.maxY}
	}
	t.boxes = make([]box, n)
	for i := range t.boxes {
		t.boxes[i] = item(i)
	}
	count, child := n, func(i int) box { return t.boxes[i] }
	for {
		nodes := make([]box, (count+boxFanout-1)/boxFanout)
		for j := range nodes {
			b := box{math.MaxUint32, math.MaxUint32, 0, 0}
			for c := j * boxFanout; c < min((j+1)*boxFanout, count); c++ {
				cb := child(c)
				b = box{min(b.minX, cb.minX), min(b.minY, cb.minY), max(b.maxX, cb.maxX), max(b.maxY, cb.maxY)}
			}
			nodes[j] = b
		}
		t.levels = append(t.levels, nodes)
		if len(nodes) == 1 {
			return t
		}
		count, child = len(nodes), func(i int) box { return nodes[i] }
	}
}

// search appends to dst the features, of those the tree indexes, whose
// envelopes meet q (edges touching count).
func (t *boxTree) search(members []int32, q box, dst []int32) []int32 {
	if t.items == 0 {
		return dst
	}
	return t.visit(members, q, len(t.levels)-1, 0, dst)
}

// visit searches node j of levels[level].
func (t *boxTree) visit(members []int32, q box, level, j int, dst []int32) []int32 {
	if b := t.levels[level][j]; b.maxX < q.minX || b.minX > q.maxX || b.maxY < q.minY || b.minY > q.maxY {
		return dst
	}
	if level > 0 {
		for c := j * boxFanout; c < min((j+1)*boxFanout, len(t.levels[level-1])); c++ {
			dst = t.visit(members, q, level-1, c, dst)
		}
		return dst
	}
	start := j * boxFanout
	for k, b := range t.boxes[start:min(start+boxFanout, t.items)] {
		if b.maxX >= q.minX && b.minX <= q.maxX && b.maxY >= q.minY && b.minY <= q.maxY {
			fi := int32(start + k)
			if members != nil {
				fi = members[fi]
			}
			dst = append(dst, fi)
		}
	}
	return dst
}
