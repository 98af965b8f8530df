package geo

import (
	"math/bits"
	"sync"

	"github.com/paulmach/orb"
)

// QueryPage answers what one page of an items request needs from the
// index: how many features meet any of the closed boxes (matched), and,
// appended to dst in ascending feature order, the matches at positions
// offset to offset+limit-1 of that order. Features whose bit is set in
// skip (one bit per feature; nil skips none) are left out of both, as if
// they were not in the index. It answers what Query over every box,
// merged, with the skipped features dropped, then sliced, would, without
// listing every match: the matches are marked in a bitset of the layer
// (which also merges the boxes), nodes of the tree that lie wholly inside
// a box mark their whole run of leaves without a test per feature, the
// exact geometry test runs only for features whose envelope crosses a
// box's edge (as in Query), and the page is read from the bitset's first
// words.
func (ix *Index) QueryPage(boxes []orb.Bound, offset, limit int, skip []uint64, dst []int) (matched int, page []int) {
	if len(ix.features) == 0 || len(boxes) == 0 {
		return 0, dst
	}
	offset, limit = max(offset, 0), max(limit, 0)
	setp := ix.zeroedSet()
	set := *setp
	lo, hi := len(set), -1 // the words marked
	for _, b := range boxes {
		l, h := ix.mark(b, set)
		lo, hi = min(lo, l), max(hi, h)
	}
	end := offset + limit
	if end < offset { // overflow
		end = int(^uint(0) >> 1)
	}
	for w := lo; w <= hi; w++ {
		word := set[w]
		if word == 0 {
			continue
		}
		set[w] = 0 // leave the set zeroed for the next query
		if w < len(skip) {
			word &^= skip[w]
		}
		n := bits.OnesCount64(word)
		if matched+n <= offset || matched >= end {
			matched += n
			continue
		}
		for word != 0 {
			if matched >= offset && matched < end {
				dst = append(dst, w<<6+bits.TrailingZeros64(word))
			}
			matched++
			word &= word - 1
		}
	}
	ix.bitsets.Put(setp)
	return matched, dst
}

// zeroedSet returns a zeroed bitset of one bit per feature, from the pool
// sortHits shares.
func (ix *Index) zeroedSet() *[]uint64 {
	if p, _ := ix.bitsets.Get().(*[]uint64); p != nil {
		return p
	}
	s := make([]uint64, (len(ix.features)+63)/64)
	return &s
}

// mark sets in set the bit of every feature whose geometry meets b, and
// returns the first and last word it may have set (lo > hi: none).
func (ix *Index) mark(b orb.Bound, set []uint64) (lo, hi int) {
	t := ix.tree
	lo, hi = len(set), -1
	if len(t.refs) == 0 {
		return lo, hi
	}
	// A node inside b has every leaf under it inside b too, so they all
	// match, except when an empty geometry's reversed envelope (see
	// NewIndex) sits under it: such an index checks every leaf.
	wholeNodes := !ix.hasReversedBounds()
	minX, minY, maxX, maxY := b.Min[0], b.Min[1], b.Max[0], b.Max[1]
	var stackBuf [128]int32
	stack := append(stackBuf[:0], int32(len(t.refs)-1), int32(len(t.levelEnds)-1))
	boxes, refs, nodeSize, levelEnds, connected := t.boxes, t.refs, t.nodeSize, t.levelEnds, ix.connected
	for len(stack) > 0 {
		level := int(stack[len(stack)-1])
		pos := int(stack[len(stack)-2])
		stack = stack[:len(stack)-2]
		first := int(refs[pos])
		last := min(first+nodeSize, levelEnds[level-1])
		for c := first; c < last; c++ {
			bx0, by0, bx1, by1 := boxes[4*c], boxes[4*c+1], boxes[4*c+2], boxes[4*c+3]
			if bx1 < minX || by1 < minY || bx0 > maxX || by0 > maxY {
				continue
			}
			inside := bx0 >= minX && by0 >= minY && bx1 <= maxX && by1 <= maxY
			if level > 1 {
				if inside && wholeNodes {
					// The leaves under node c, at level-1, are one run.
					from, to := c, c+1
					for l := level - 1; l > 0; l-- {
						from, to = int(refs[from]), min(int(refs[to-1])+nodeSize, levelEnds[l-1])
					}
					for _, item := range refs[from:to] {
						w := int(item >> 6)
						set[w] |= 1 << (uint(item) & 63)
						lo, hi = min(lo, w), max(hi, w)
					}
					continue
				}
				stack = append(stack, int32(c), int32(level-1))
				continue
			}
			item := int(refs[c])
			// exactEnv, with its first shortcut (a connected line whose
			// envelope lies within b's range on one axis) made here
			// rather than in a call.
			if inside || (connected[item>>6]&(1<<(uint(item)&63)) != 0 && ((bx0 >= minX && bx1 <= maxX) || (by0 >= minY && by1 <= maxY))) ||
				ix.exactRuns(item, c, orb.Bound{Min: orb.Point{bx0, by0}, Max: orb.Point{bx1, by1}}, b) {
				w := item >> 6
				set[w] |= 1 << (uint(item) & 63)
				lo, hi = min(lo, w), max(hi, w)
			}
		}
	}
	return lo, hi
}

// hasReversedBounds reports whether any feature has the reversed envelope
// NewIndex gives an empty geometry (found once per index).
func (ix *Index) hasReversedBounds() bool {
	p := &ix.page
	p.reversedOnce.Do(func() {
		for _, b := range ix.bounds {
			if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] {
				p.reversed = true
				return
			}
		}
	})
	return p.reversed
}

// pageState is the lazily made state of QueryPage, kept in Index.
type pageState struct {
	reversedOnce sync.Once
	reversed     bool
}
