package geo

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// packedRTree is a static R-tree packed bottom-up in Hilbert-curve order of
// the items' centres, in the manner of flatbush: every level is a run of
// nodes in one flat array, so a search touches contiguous memory and the
// structure, once built, is never written again and can be read by any
// number of goroutines without locks.
type packedRTree struct {
	nodeSize int
	// boxes holds minX, minY, maxX, maxY for every node, leaves first.
	boxes []float64
	// refs holds, for a leaf, the item's index; for an inner node, the
	// position of its first child.
	refs []int32
	// levelEnds holds the position after the last node of each level; level
	// 0 holds the leaves, the last level holds the root alone.
	levelEnds []int
}

const defaultNodeSize = 16

func newPackedRTree(bounds []orb.Bound, nodeSize int) *packedRTree {
	t := &packedRTree{nodeSize: nodeSize}
	n := len(bounds)
	if n == 0 {
		return t
	}
	extent := bounds[0]
	for _, b := range bounds[1:] {
		extent = extent.Union(b)
	}
	order := hilbertOrder(bounds, extent)

	total, count := n, n
	for {
		count = (count + nodeSize - 1) / nodeSize
		total += count
		if count == 1 {
			break
		}
	}
	t.boxes = make([]float64, 0, 4*total)
	t.refs = make([]int32, 0, total)
	for _, i := range order {
		b := bounds[i]
		t.boxes = append(t.boxes, b.Min[0], b.Min[1], b.Max[0], b.Max[1])
		t.refs = append(t.refs, int32(i))
	}
	t.levelEnds = append(t.levelEnds, n)
	start, end := 0, n
	for {
		for pos := start; pos < end; pos += nodeSize {
			last := min(pos+nodeSize, end)
			minX, minY := math.Inf(1), math.Inf(1)
			maxX, maxY := math.Inf(-1), math.Inf(-1)
			for c := pos; c < last; c++ {
				minX = math.Min(minX, t.boxes[4*c])
				minY = math.Min(minY, t.boxes[4*c+1])
				maxX = math.Max(maxX, t.boxes[4*c+2])
				maxY = math.Max(maxY, t.boxes[4*c+3])
			}
			t.boxes = append(t.boxes, minX, minY, maxX, maxY)
			t.refs = append(t.refs, int32(pos))
		}
		start, end = end, len(t.refs)
		t.levelEnds = append(t.levelEnds, end)
		if end-start == 1 {
			break
		}
	}
	return t
}

// search calls fn with the index of every item whose box intersects b (edges
// touching count), in no particular order, until fn returns false. inside
// tells whether the item's box lies wholly within b, which saves callers a
// look at the item itself (the leaf boxes sit in the tree, in Hilbert order,
// so this check stays in cache).
func (t *packedRTree) search(b orb.Bound, fn func(item int, inside bool) bool) {
	if len(t.refs) == 0 {
		return
	}
	type frame struct{ pos, level int }
	var stackBuf [64]frame
	stack := append(stackBuf[:0], frame{len(t.refs) - 1, len(t.levelEnds) - 1})
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		first := int(t.refs[f.pos])
		last := min(first+t.nodeSize, t.levelEnds[f.level-1])
		for c := first; c < last; c++ {
			box := t.boxes[4*c : 4*c+4 : 4*c+4]
			if box[2] < b.Min[0] || box[3] < b.Min[1] || box[0] > b.Max[0] || box[1] > b.Max[1] {
				continue
			}
			if f.level == 1 {
				// (The reversed envelope NewIndex gives an empty geometry
				// lies inside no box.)
				inside := box[0] >= b.Min[0] && box[1] >= b.Min[1] && box[2] <= b.Max[0] && box[3] <= b.Max[1] && box[0] <= box[2]
				if !fn(int(t.refs[c]), inside) {
					return
				}
				continue
			}
			stack = append(stack, frame{c, f.level - 1})
		}
	}
}

// appendHits appends to dst every item whose box intersects b and, for
// items whose box is not wholly inside b, passes exact (given the item's
// box). It is search without
// a call per item, for the common case where most hits are inside the box.
func (t *packedRTree) appendHits(b orb.Bound, dst []int, exact func(item int, env orb.Bound) bool) []int {
	if len(t.refs) == 0 {
		return dst
	}
	minX, minY, maxX, maxY := b.Min[0], b.Min[1], b.Max[0], b.Max[1]
	var stackBuf [128]int32
	stack := append(stackBuf[:0], int32(len(t.refs)-1), int32(len(t.levelEnds)-1))
	boxes, refs := t.boxes, t.refs
	for len(stack) > 0 {
		level := int(stack[len(stack)-1])
		pos := int(stack[len(stack)-2])
		stack = stack[:len(stack)-2]
		first := int(refs[pos])
		last := min(first+t.nodeSize, t.levelEnds[level-1])
		for c := first; c < last; c++ {
			bx0, by0, bx1, by1 := boxes[4*c], boxes[4*c+1], boxes[4*c+2], boxes[4*c+3]
			if bx1 < minX || by1 < minY || bx0 > maxX || by0 > maxY {
				continue
			}
			if level > 1 {
				stack = append(stack, int32(c), int32(level-1))
				continue
			}
			item := int(refs[c])
			if (bx0 >= minX && by0 >= minY && bx1 <= maxX && by1 <= maxY && bx0 <= bx1) || exact(item, orb.Bound{Min: orb.Point{bx0, by0}, Max: orb.Point{bx1, by1}}) {
				dst = append(dst, item)
			}
		}
	}
	return dst
}

// hilbertOrder returns item indexes sorted by the Hilbert value of their
// box centres on a 2^16 × 2^16 grid over extent.
func hilbertOrder(bounds []orb.Bound, extent orb.Bound) []int {
	const side = 1<<16 - 1
	w, h := extent.Max[0]-extent.Min[0], extent.Max[1]-extent.Min[1]
	if w == 0 {
		w = 1
	}
	if h == 0 {
		h = 1
	}
	values := make([]uint32, len(bounds))
	for i, b := range bounds {
		cx := (b.Min[0] + b.Max[0]) / 2
		cy := (b.Min[1] + b.Max[1]) / 2
		x := uint32(side * (cx - extent.Min[0]) / w)
		y := uint32(side * (cy - extent.Min[1]) / h)
		values[i] = hilbert(x, y)
	}
	order := make([]int, len(bounds))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return values[order[a]] < values[order[b]] })
	return order
}

// hilbert returns the position of (x, y) along a Hilbert curve filling a
// 2^16 × 2^16 grid (the bit-twiddling form of Warren's "Hacker's Delight").
func hilbert(x, y uint32) uint32 {
	a := x ^ y
	b := 0xFFFF ^ a
	c := 0xFFFF ^ (x | y)
	d := x & (y ^ 0xFFFF)

	A := a | (b >> 1)
	B := (a >> 1) ^ a
	C := ((c >> 1) ^ (b & (d >> 1))) ^ c
	D := ((a & (c >> 1)) ^ (d >> 1)) ^ d

	a, b, c, d = A, B, C, D
	A = (a & (a >> 2)) ^ (b & (b >> 2))
	B = (a & (b >> 2)) ^ (b & ((a ^ b) >> 2))
	C ^= (a & (c >> 2)) ^ (b & (d >> 2))
	D ^= (b & (c >> 2)) ^ ((a ^ b) & (d >> 2))

	a, b, c, d = A, B, C, D
	A = (a & (a >> 4)) ^ (b & (b >> 4))
	B = (a & (b >> 4)) ^ (b & ((a ^ b) >> 4))
	C ^= (a & (c >> 4)) ^ (b & (d >> 4))
	D ^= (b & (c >> 4)) ^ ((a ^ b) & (d >> 4))

	a, b, c, d = A, B, C, D
	C ^= (a & (c >> 8)) ^ (b & (d >> 8))
	D ^= (b & (c >> 8)) ^ ((a ^ b) & (d >> 8))

	a = C ^ (C >> 1)
	b = D ^ (D >> 1)

	i0 := x ^ y
	i1 := b | (0xFFFF ^ (i0 | a))

	i0 = (i0 | (i0 << 8)) & 0x00FF00FF
	i0 = (i0 | (i0 << 4)) & 0x0F0F0F0F
	i0 = (i0 | (i0 << 2)) & 0x33333333
	i0 = (i0 | (i0 << 1)) & 0x55555555

	i1 = (i1 | (i1 << 8)) & 0x00FF00FF
	i1 = (i1 | (i1 << 4)) & 0x0F0F0F0F
	i1 = (i1 | (i1 << 2)) & 0x33333333
	i1 = (i1 | (i1 << 1)) & 0x55555555

	return (i1 << 1) | i0
}
