package geo

import (
	"math"
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
//
// Most of a query's time is the wait for memory: the boxes of the nodes
// and leaves it visits, the run boxes and vertices of the features it
// tests exactly, which a server, copying pages and socket buffers between
// two queries, finds out of the processor's caches. Read one after the
// other, each costs the whole latency of main memory; so mark gathers the
// work of each kind into batches (a markBatch) and first touches the
// memory every item of a batch will read, in a loop of independent loads
// the processor issues at once, before doing the work. The answer is the
// one a walk testing each leaf in turn gives; only the order of reading
// memory changes.
func (ix *Index) mark(b orb.Bound, set []uint64) (lo, hi int) {
	t := ix.tree
	mb := markBatch{ix: ix, b: b, set: set, lo: len(set), hi: -1}
	if len(t.refs) == 0 {
		return mb.lo, mb.hi
	}
	// A node inside b has every leaf under it inside b too, so they all
	// match, except when an empty geometry's reversed envelope (see
	// NewIndex) sits under it: such an index checks every leaf.
	wholeNodes := !ix.hasReversedBounds()
	minX, minY, maxX, maxY := b.Min[0], b.Min[1], b.Max[0], b.Max[1]
	root, rootLevel := len(t.refs)-1, len(t.levelEnds)-1
	if rootLevel == 1 {
		mb.leafNode(root)
		mb.flush()
		return mb.lo, mb.hi
	}
	var stackBuf [128]int32
	stack := append(stackBuf[:0], int32(root), int32(rootLevel))
	boxes, refs, nodeSize, levelEnds := t.boxes, t.refs, t.nodeSize, t.levelEnds
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
			if bx0 >= minX && by0 >= minY && bx1 <= maxX && by1 <= maxY && wholeNodes {
				// The leaves under node c, at level-1, are one run.
				from, to := c, c+1
				for l := level - 1; l > 0; l-- {
					from, to = int(refs[from]), min(int(refs[to-1])+nodeSize, levelEnds[l-1])
				}
				mb.wholeRun(from, to)
				continue
			}
			if level == 2 { // c is a node over leaves
				mb.leafNode(c)
				continue
			}
			// Touch the first child of c, which the walk reads later.
			mb.sink += math.Float64bits(boxes[4*int(refs[c])])
			stack = append(stack, int32(c), int32(level-1))
		}
	}
	mb.flush()
	return mb.lo, mb.hi
}

// Batch sizes of markBatch: enough loads in flight to cover the latency
// of memory, few enough that what they bring stays in the L1 cache.
const (
	leafNodeBatch = 16
	runBatch      = 16
	exactBatch    = 32
)

// markBatch is mark's work in batches: nodes over leaves whose leaves are
// to be tested, and leaves that take the exact test.
type markBatch struct {
	ix     *Index
	b      orb.Bound
	set    []uint64
	lo, hi int
	nodes  [leafNodeBatch]int32
	nNodes int
	runs   [runBatch][2]int32 // leaves from, to
	nRuns  int
	exact  [exactBatch]int32 // leaf positions
	nExact int
	pend   [exactBatch]pendingExact
	// sink takes the touching loads, so that they are not optimized away.
	sink uint64
}

func (mb *markBatch) setBit(item int) {
	w := item >> 6
	mb.set[w] |= 1 << (uint(item) & 63)
	mb.lo, mb.hi = min(mb.lo, w), max(mb.hi, w)
}

// wholeRun queues the marking of the features of leaves from to to-1.
func (mb *markBatch) wholeRun(from, to int) {
	mb.runs[mb.nRuns] = [2]int32{int32(from), int32(to)}
	mb.nRuns++
	if mb.nRuns == len(mb.runs) {
		mb.flushRuns()
	}
}

// flushRuns marks the features of the queued runs of leaves.
func (mb *markBatch) flushRuns() {
	refs := mb.ix.tree.refs
	runs := mb.runs[:mb.nRuns]
	mb.nRuns = 0
	sink := mb.sink
	for _, r := range runs {
		for c := r[0]; c < r[1]; c += 16 { // one load a 64-byte line
			sink += uint64(refs[c])
		}
	}
	mb.sink = sink
	set, lo, hi := mb.set, mb.lo, mb.hi
	for _, r := range runs {
		for _, item := range refs[r[0]:r[1]] {
			w := int(item >> 6)
			set[w] |= 1 << (uint(item) & 63)
			lo, hi = min(lo, w), max(hi, w)
		}
	}
	mb.lo, mb.hi = lo, hi
}

// leafNode queues node pos (over leaves) for its leaves' tests.
func (mb *markBatch) leafNode(pos int) {
	mb.nodes[mb.nNodes] = int32(pos)
	mb.nNodes++
	if mb.nNodes == len(mb.nodes) {
		mb.flushNodes()
	}
}

// flush does the queued work.
func (mb *markBatch) flush() {
	mb.flushRuns()
	mb.flushNodes()
	mb.flushExact()
}

// flushNodes tests the leaves of the queued nodes from their coarse
// boxes (coarseLeaves), half the memory of the exact ones: envelopes
// inside b, and connected lines surely meeting b and within its range on
// one axis (exactEnv's first shortcut) match; those that surely miss do
// not; the others are queued for flushExact, which reads the exact box.
func (mb *markBatch) flushNodes() {
	t := mb.ix.tree
	refs, nodeSize, leaves := t.refs, t.nodeSize, t.levelEnds[0]
	coarse, leafConnected := mb.ix.coarseLeaves()
	nodes := mb.nodes[:mb.nNodes]
	mb.nNodes = 0
	// Touch the leaves' coarse boxes (one load a 64-byte line) and
	// references.
	sink := mb.sink
	for _, pos := range nodes {
		first := int(refs[pos])
		last := min(first+nodeSize, leaves)
		for c := first; c < last; c += 4 {
			sink += uint64(math.Float32bits(coarse[4*c]))
		}
		sink += uint64(refs[first])
	}
	mb.sink = sink
	// b rounded out (for "misses") and in (for "inside") to float32. A
	// coarse max is the smallest float32 at least the exact max, so the
	// exact max exceeds the float32 below it: a coarse max above b's min
	// rounded up is an exact max at least b's min ("surely meets").
	b := mb.b
	ox0, oy0, ox1, oy1 := float32Down(b.Min[0]), float32Down(b.Min[1]), float32Up(b.Max[0]), float32Up(b.Max[1])
	ix0, iy0, ix1, iy1 := float32Up(b.Min[0]), float32Up(b.Min[1]), float32Down(b.Max[0]), float32Down(b.Max[1])
	for _, pos := range nodes {
		first := int(refs[pos])
		last := min(first+nodeSize, leaves)
		for c := first; c < last; c++ {
			x0, y0, x1, y1 := coarse[4*c], coarse[4*c+1], coarse[4*c+2], coarse[4*c+3]
			if x1 < ox0 || y1 < oy0 || x0 > ox1 || y0 > oy1 {
				continue
			}
			xIn, yIn := x0 >= ix0 && x1 <= ix1, y0 >= iy0 && y1 <= iy1
			if (xIn && yIn && x0 <= x1) || ((xIn || yIn) && x1 > ix0 && y1 > iy0 && x0 < ix1 && y0 < iy1 &&
				leafConnected[c>>6]&(1<<(uint(c)&63)) != 0) {
				mb.setBit(int(refs[c]))
				continue
			}
			mb.exact[mb.nExact] = int32(c)
			mb.nExact++
			if mb.nExact == len(mb.exact) {
				mb.flushExact()
			}
		}
	}
}

// coarseLeaves returns the leaves' boxes as float32, each rounded out so
// that it contains the exact box, and the connected set (connectedSet) in
// the order of the leaves (made on first use).
func (ix *Index) coarseLeaves() (coarse []float32, leafConnected []uint64) {
	p := &ix.page
	p.coarseOnce.Do(func() {
		n := len(ix.features)
		boxes := ix.tree.boxes[:4*n]
		p.coarse = make([]float32, len(boxes))
		for c := 0; c < n; c++ {
			p.coarse[4*c] = float32Down(boxes[4*c])
			p.coarse[4*c+1] = float32Down(boxes[4*c+1])
			p.coarse[4*c+2] = float32Up(boxes[4*c+2])
			p.coarse[4*c+3] = float32Up(boxes[4*c+3])
		}
		p.leafConnected = make([]uint64, (n+63)/64)
		for c, item := range ix.tree.refs[:n] {
			if ix.connected[item>>6]&(1<<(uint(item)&63)) != 0 {
				p.leafConnected[c>>6] |= 1 << (uint(c) & 63)
			}
		}
	})
	return p.coarse, p.leafConnected
}

// float32Down is the largest float32 at most x; float32Up the smallest at
// least x.
func float32Down(x float64) float32 {
	f := float32(x)
	if float64(f) > x {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func float32Up(x float64) float32 {
	f := float32(x)
	if float64(f) < x {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// flushExact runs exactRuns on the queued leaves, in stages that each
// touch first what the next reads: the run boxes, then, for the features
// whose straddling runs decide, the geometry and its vertices.
func (mb *markBatch) flushExact() {
	ix := mb.ix
	t := ix.tree
	exact := mb.exact[:mb.nExact]
	mb.nExact = 0
	if len(exact) == 0 {
		return
	}
	rb := &ix.runs
	sink := mb.sink
	for _, c := range exact {
		sink += math.Float64bits(t.boxes[4*c]) + uint64(rb.start[c])
	}
	// The exact box decides first, as in flushNodes but without rounding.
	connected := ix.connected
	minX, minY, maxX, maxY := mb.b.Min[0], mb.b.Min[1], mb.b.Max[0], mb.b.Max[1]
	kept := exact[:0]
	for _, c := range exact {
		bx0, by0, bx1, by1 := t.boxes[4*c], t.boxes[4*c+1], t.boxes[4*c+2], t.boxes[4*c+3]
		if bx1 < minX || by1 < minY || bx0 > maxX || by0 > maxY {
			continue
		}
		item := int(t.refs[c])
		// (The reversed envelope of an empty geometry lies inside no box.)
		if (bx0 >= minX && by0 >= minY && bx1 <= maxX && by1 <= maxY && bx0 <= bx1) ||
			(connected[item>>6]&(1<<(uint(item)&63)) != 0 && ((bx0 >= minX && bx1 <= maxX) || (by0 >= minY && by1 <= maxY))) {
			mb.setBit(item)
			continue
		}
		kept = append(kept, c)
	}
	exact = kept
	for _, c := range exact {
		if s := rb.start[c]; s < rb.start[c+1] {
			sink += math.Float64bits(rb.boxes[s].Min[0])
		}
	}
	pend := mb.pend[:0]
	for _, c := range exact {
		item := int(t.refs[c])
		env := orb.Bound{Min: orb.Point{t.boxes[4*c], t.boxes[4*c+1]}, Max: orb.Point{t.boxes[4*c+2], t.boxes[4*c+3]}}
		p := &mb.pend[len(pend)]
		n, v := ix.runsVerdict(int(c), env, mb.b, &p.straddling)
		switch v {
		case runsMeet:
			mb.setBit(item)
		case runsMiss:
		case runsVertices:
			p.item, p.n, p.env = item, n, env
			pend = pend[:len(pend)+1]
		default:
			if ix.exactGeometry(item, env, mb.b) {
				mb.setBit(item)
			}
		}
	}
	if len(pend) == 0 {
		mb.sink = sink
		return
	}
	// Each a stage for every feature before the next: the feature
	// pointer, the feature, the geometry's slice, the line holding the
	// first straddling run, its first vertex.
	for k := range pend {
		if ix.features[pend[k].item] == nil {
			sink++
		}
	}
	for k := range pend {
		pend[k].g = ix.features[pend[k].item].Geometry
	}
	for k := range pend {
		switch g := pend[k].g.(type) {
		case orb.Polygon:
			sink += uint64(len(g))
		case orb.MultiPolygon:
			sink += uint64(len(g))
		case orb.MultiLineString:
			sink += uint64(len(g))
		}
	}
	for k := range pend {
		if pts, ok := runPoints(pend[k].g, int(pend[k].straddling[0])); ok {
			pend[k].first = pts
		}
	}
	for k := range pend {
		if pts := pend[k].first; len(pts) > 0 {
			sink += math.Float64bits(pts[0][0])
		}
	}
	mb.sink = sink
	for k := range pend {
		p := &pend[k]
		if ix.straddlingMeet(p.item, p.g, p.straddling[:p.n], p.env, mb.b) {
			mb.setBit(p.item)
		}
	}
}

// pendingExact is a feature of flushExact whose straddling runs decide.
type pendingExact struct {
	item, n    int
	g          orb.Geometry
	env        orb.Bound
	straddling [maxStraddling]int32
	first      orb.LineString // the vertices of straddling[0]
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
	// coarseLeaves
	coarseOnce    sync.Once
	coarse        []float32
	leafConnected []uint64
}
