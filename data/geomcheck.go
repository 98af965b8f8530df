package data

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"sync"

	"github.com/paulmach/orb"
)

func asError(err error, target any) bool { return errors.As(err, target) }

// checkGeometry applies the geometry rules: coordinates in range, no
// repeated consecutive points, closed rings of four or more positions with
// counter-clockwise exteriors and clockwise holes, and no self-intersecting
// polygons. strict adds the planning layers' rule of at most MaxDecimals
// decimals.
func (c *checker) checkGeometry(g orb.Geometry, strict bool) {
	switch g := g.(type) {
	case orb.Point:
		c.checkPoints("point", []orb.Point{g}, strict)
	case orb.MultiPoint:
		if len(g) == 0 {
			c.fail("multipoint has no points")
		}
		c.checkPoints("multipoint", g, strict)
	case orb.LineString:
		c.checkLine("line", g, strict)
	case orb.MultiLineString:
		if len(g) == 0 {
			c.fail("multilinestring has no lines")
		}
		for i, ls := range g {
			c.checkLine(fmt.Sprintf("line %d", i), ls, strict)
		}
	case orb.Polygon:
		c.checkPolygon("polygon", g, strict)
	case orb.MultiPolygon:
		if len(g) == 0 {
			c.fail("multipolygon has no polygons")
		}
		for i, p := range g {
			c.checkPolygon(fmt.Sprintf("polygon %d", i), p, strict)
		}
	case orb.Collection:
		if len(g) == 0 {
			c.fail("geometry collection is empty")
		}
		for _, m := range g {
			c.checkGeometry(m, strict)
		}
	default:
		c.fail("unsupported geometry type %s", g.GeoJSONType())
	}
}

func (c *checker) checkPoints(what string, pts []orb.Point, strict bool) bool {
	ok := true
	for i, p := range pts {
		if !pointInRange(p) {
			c.fail("%s position %d %v is out of range (longitude -180..180, latitude -90..90)", what, i, [2]float64(p))
			ok = false
			continue
		}
		if strict && (tooPrecise(p[0]) || tooPrecise(p[1])) {
			c.fail("%s position %d %v has more than %d decimals", what, i, [2]float64(p), MaxDecimals)
			ok = false
		}
	}
	return ok
}

func (c *checker) checkRepeats(what string, pts []orb.Point) bool {
	for i := 1; i < len(pts); i++ {
		if pts[i] == pts[i-1] {
			c.fail("%s repeats position %d %v at %d", what, i-1, [2]float64(pts[i]), i)
			return false
		}
	}
	return true
}

func (c *checker) checkLine(what string, ls orb.LineString, strict bool) {
	if len(ls) < 2 {
		c.fail("%s has %d position(s), at least 2 needed", what, len(ls))
		return
	}
	c.checkPoints(what, ls, strict)
	c.checkRepeats(what, ls)
}

func (c *checker) checkPolygon(what string, p orb.Polygon, strict bool) {
	if len(p) == 0 {
		c.fail("%s has no rings", what)
		return
	}
	exact := onGrid(p)
	shapeOK := true
	for i, r := range p {
		if ringShapeOK(r, strict) {
			switch area := ringAreaSign(r, exact); {
			case area == 0:
			case i == 0 && area < 0:
			case i > 0 && area > 0:
			default:
				continue // the usual case: nothing to report
			}
		}
		// Something to report: check again, naming the ring.
		ringName := fmt.Sprintf("%s exterior ring", what)
		if i > 0 {
			ringName = fmt.Sprintf("%s hole %d", what, i)
		}
		if len(r) < 4 {
			c.fail("%s has %d positions, at least 4 needed", ringName, len(r))
			shapeOK = false
			continue
		}
		if r[0] != r[len(r)-1] {
			c.fail("%s is not closed: first %v and last %v positions differ", ringName, [2]float64(r[0]), [2]float64(r[len(r)-1]))
			shapeOK = false
			continue
		}
		if !c.checkPoints(ringName, r, strict) || !c.checkRepeats(ringName, r) {
			shapeOK = false
			continue
		}
		switch area := ringAreaSign(r, exact); {
		case area == 0:
			c.fail("%s has zero area", ringName)
			shapeOK = false
		case i == 0 && area < 0:
			c.fail("%s is clockwise; RFC 7946 wants exterior rings counter-clockwise", ringName)
		case i > 0 && area > 0:
			c.fail("%s is counter-clockwise; RFC 7946 wants holes clockwise", ringName)
		}
	}
	if !shapeOK {
		return
	}
	pc := polygonCheckPool.Get().(*polygonCheck)
	quick := pc.quickSelfIntersection(p)
	pc.release()
	if quick == simple {
		// The usual case, proved without the sweep.
	} else if a, b, spike, ok := findSelfIntersection(p); ok {
		if spike {
			c.fail("%s has a spike: segment %s folds back over segment %s", what, a, b)
		} else {
			c.fail("%s self-intersects: segment %s crosses or touches segment %s", what, a, b)
		}
		return
	}
	// No two rings touch, so each hole lies wholly inside or wholly outside
	// every other ring: one vertex tells which.
	orient := orientationFor(exact)
	for i := 1; i < len(p); i++ {
		if !insideRing(p[i][0], p[0], orient) {
			c.fail("%s hole %d lies outside the exterior ring", what, i)
			continue
		}
		for j := 1; j < len(p); j++ {
			if j != i && insideRing(p[i][0], p[j], orient) {
				c.fail("%s hole %d lies inside hole %d", what, i, j)
				break
			}
		}
	}
}

// ringShapeOK reports whether checkPolygon finds nothing to say about the
// shape of ring r (its orientation aside): four or more positions, closed,
// in range, at most MaxDecimals decimals when strict, no repeats.
func ringShapeOK(r orb.Ring, strict bool) bool {
	if len(r) < 4 || r[0] != r[len(r)-1] {
		return false
	}
	for i, p := range r {
		if !pointInRange(p) || (strict && (tooPrecise(p[0]) || tooPrecise(p[1]))) || (i > 0 && p == r[i-1]) {
			return false
		}
	}
	return true
}

func pointInRange(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
}

func tooPrecise(v float64) bool {
	scaled := v * 1e6
	// A coordinate written with six decimals is within float64 rounding
	// (about 1e-8 here) of an integer once scaled. (RoundToEven, a single
	// instruction, differs from Round only at halves, too precise either
	// way.)
	return math.Abs(scaled-math.RoundToEven(scaled)) > 1e-3
}

// gridScale is the number of grid steps per degree: planning-layer
// coordinates have at most six decimals.
const gridScale = 1e6

// onGrid reports whether every position of p is exactly the float64 that a
// decimal with at most six decimals reads as (what strconv.ParseFloat gives
// for "120.123456"). Such positions are compared exactly as integers of
// millionths of a degree: their decimal values, not their binary
// approximations, decide whether points are collinear.
func onGrid(p orb.Polygon) bool {
	for _, r := range p {
		for _, pt := range r {
			if !gridValue(pt[0]) || !gridValue(pt[1]) {
				return false
			}
		}
	}
	return true
}

func gridValue(v float64) bool {
	if math.Abs(v) > 1000 {
		return false
	}
	// RoundToEven is Round but at halves, which are never on the grid.
	k := math.RoundToEven(v * gridScale)
	return k/gridScale == v
}

func gridInt(v float64) int64 { return int64(math.RoundToEven(v * gridScale)) }

// orientation returns the sign of the turn a→b→c: 1 left, -1 right, 0
// collinear.
type orientation func(a, b, c orb.Point) int

func orientationFor(exactGrid bool) orientation {
	if exactGrid {
		return orientGrid
	}
	return orientFloat
}

// orientGrid is exact for positions on the six-decimal grid: differences
// are at most 3.6e8 millionths, so the products stay below 2^63.
func orientGrid(a, b, c orb.Point) int {
	return orientInts(gridInt(a[0]), gridInt(a[1]), gridInt(b[0]), gridInt(b[1]), gridInt(c[0]), gridInt(c[1]))
}

// orientInts is the exact sign of the turn a→b→c given in grid integers
// (see orientGrid for why the products do not overflow).
func orientInts(ax, ay, bx, by, cx, cy int64) int {
	return sign(float64((bx-ax)*(cy-ay) - (by-ay)*(cx-ax)))
}

// orientFloat is exact for any float64 positions: it trusts the floating
// point result when it is far from zero (Shewchuk's error bound for this
// determinant) and recomputes in rational arithmetic otherwise.
func orientFloat(a, b, c orb.Point) int {
	l := (b[0] - a[0]) * (c[1] - a[1])
	r := (b[1] - a[1]) * (c[0] - a[0])
	v := l - r
	const epsilon = 1.1102230246251565e-16 // 2^-53
	if bound := (3 + 16*epsilon) * epsilon * (math.Abs(l) + math.Abs(r)); math.Abs(v) > bound {
		return sign(v)
	}
	rat := func(f float64) *big.Rat { return new(big.Rat).SetFloat64(f) }
	sub := func(x, y float64) *big.Rat { return new(big.Rat).Sub(rat(x), rat(y)) }
	lr := new(big.Rat).Mul(sub(b[0], a[0]), sub(c[1], a[1]))
	rr := new(big.Rat).Mul(sub(b[1], a[1]), sub(c[0], a[0]))
	return lr.Cmp(rr)
}

func sign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// ringAreaSign returns the sign of a closed ring's signed area: positive
// when it runs counter-clockwise. It is exact (in the grid's integers, or
// in rational arithmetic when the floating point sum is too close to zero
// to trust).
func ringAreaSign(r orb.Ring, exactGrid bool) int {
	if exactGrid {
		var sum *big.Int // only should acc overflow
		var acc int64
		x0, y0 := gridInt(r[0][0]), gridInt(r[0][1])
		for i := 1; i+1 < len(r); i++ {
			ax, ay := gridInt(r[i][0])-x0, gridInt(r[i][1])-y0
			bx, by := gridInt(r[i+1][0])-x0, gridInt(r[i+1][1])-y0
			term := ax*by - bx*ay // |term| < 2^57
			if (acc > 0 && term > math.MaxInt64-acc) || (acc < 0 && term < math.MinInt64-acc) {
				if sum == nil {
					sum = new(big.Int)
				}
				sum.Add(sum, big.NewInt(acc))
				acc = 0
			}
			acc += term
		}
		if sum == nil {
			return sign(float64(acc))
		}
		return sum.Add(sum, big.NewInt(acc)).Sign()
	}
	var v, magnitude float64
	for i := 1; i+1 < len(r); i++ {
		t1 := (r[i][0] - r[0][0]) * (r[i+1][1] - r[0][1])
		t2 := (r[i+1][0] - r[0][0]) * (r[i][1] - r[0][1])
		v += t1 - t2
		magnitude += math.Abs(t1) + math.Abs(t2)
	}
	if math.Abs(v) > 4*float64(len(r))*1.1102230246251565e-16*magnitude {
		return sign(v)
	}
	sum := new(big.Rat)
	rat := func(f float64) *big.Rat { return new(big.Rat).SetFloat64(f) }
	for i := 1; i+1 < len(r); i++ {
		ax := new(big.Rat).Sub(rat(r[i][0]), rat(r[0][0]))
		ay := new(big.Rat).Sub(rat(r[i][1]), rat(r[0][1]))
		bx := new(big.Rat).Sub(rat(r[i+1][0]), rat(r[0][0]))
		by := new(big.Rat).Sub(rat(r[i+1][1]), rat(r[0][1]))
		sum.Add(sum, new(big.Rat).Sub(new(big.Rat).Mul(ax, by), new(big.Rat).Mul(bx, ay)))
	}
	return sum.Sign()
}

// insideRing reports whether p lies inside ring r (crossing number with
// exact orientation tests); p must not lie on r.
func insideRing(p orb.Point, r orb.Ring, orient orientation) bool {
	in := false
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if (a[1] > p[1]) == (b[1] > p[1]) {
			continue
		}
		// The edge straddles p's horizontal line: p is left of an upward
		// edge, or right of a downward one, when the ray to +x crosses it.
		if o := orient(a, b, p); (b[1] > a[1] && o > 0) || (b[1] < a[1] && o < 0) {
			in = !in
		}
	}
	return in
}

// segment is one edge of a polygon ring, remembered with its place.
type segment struct {
	ring, index int
	a, b        orb.Point
}

func (s segment) String() string {
	return fmt.Sprintf("%d of ring %d", s.index, s.ring)
}

// findSelfIntersection reports the first pair of edges found that touch or
// cross, other than the shared endpoint of neighbouring edges of one ring;
// spike says the pair are neighbours that fold back over each other
// (reported before any other pair). Rings must be closed, without repeated
// consecutive positions. Its tests are exact (see onGrid and orientFloat).
//
// It is a Shamos–Hoey sweep, O(n log n) for n edges whatever their shape
// (a comb of long parallel teeth, where every pair of edges overlaps in x,
// costs no more than a star): after the spikes, every endpoint shared by
// more than one vertex of the rings is a touch; the edges are then swept in
// lexicographic order of their endpoints, kept in an ordered active set
// (a treap), and each edge is tested only against the edges next to it
// when it enters and against each other when an edge between them leaves.
// If any two edges meet, the leftmost meeting point is found that way.
func findSelfIntersection(p orb.Polygon) (first, second segment, spike, found bool) {
	orient := orientationFor(onGrid(p))
	// A spike also touches the edge before it, so look for spikes first to
	// name them as such.
	for ri, r := range p {
		n := len(r) - 1
		for i := 0; i < n; i++ {
			prev := (i - 1 + n) % n
			before := segment{ring: ri, index: prev, a: r[prev], b: r[i]}
			after := segment{ring: ri, index: i, a: r[i], b: r[i+1]}
			if n > 2 && neighboursOverlap(before, after, orient) {
				if prev > i {
					before, after = after, before
				}
				return before, after, true, true
			}
		}
	}
	sw := newSweep(p, orient)
	defer sw.release()
	if a, b, ok := sw.run(); ok {
		first, second = sw.segs[a], sw.segs[b]
		if first.ring > second.ring || (first.ring == second.ring && first.index > second.index) {
			first, second = second, first
		}
		return first, second, false, true
	}
	return segment{}, segment{}, false, false
}

// sweep is findSelfIntersection's state: the edges, each with its left
// (lexicographically smaller) and right endpoint, and the active set.
type sweep struct {
	poly        orb.Polygon
	orient      orientation
	segs        []segment
	left, right []orb.Point
	active      *treapNode
	rng         uint64
	// events and nodes (one treap node per edge) are run's, kept here to
	// be reused.
	events []sweepEvent
	nodes  []treapNode
}

// sweepEvent is an edge entering (at its left end) or leaving the sweep.
type sweepEvent struct {
	at    orb.Point
	seg   int
	enter bool
}

// sweepPool keeps sweeps' slices for the next polygon: validation checks
// every polygon of a layer, and would otherwise allocate them anew each time.
var sweepPool = sync.Pool{New: func() any { return new(sweep) }}

func newSweep(p orb.Polygon, orient orientation) *sweep {
	sw := sweepPool.Get().(*sweep)
	*sw = sweep{poly: p, orient: orient, rng: 0x9e3779b97f4a7c15,
		segs: sw.segs[:0], left: sw.left[:0], right: sw.right[:0], events: sw.events[:0], nodes: sw.nodes[:0]}
	for ri, r := range p {
		for i := 0; i+1 < len(r); i++ {
			s := segment{ring: ri, index: i, a: r[i], b: r[i+1]}
			l, rt := s.a, s.b
			if comparePoints(rt, l) < 0 {
				l, rt = rt, l
			}
			sw.segs = append(sw.segs, s)
			sw.left, sw.right = append(sw.left, l), append(sw.right, rt)
		}
	}
	sw.nodes = slices.Grow(sw.nodes, len(sw.segs))[:len(sw.segs)]
	return sw
}

// release returns the sweep to the pool (unless it grew very large).
func (sw *sweep) release() {
	if cap(sw.segs) > 1<<16 {
		return
	}
	clear(sw.nodes)
	sw.poly, sw.active = nil, nil
	sweepPool.Put(sw)
}

func comparePoints(a, b orb.Point) int {
	if c := cmp.Compare(a[0], b[0]); c != 0 {
		return c
	}
	return cmp.Compare(a[1], b[1])
}

// neighbours reports whether edges i and j follow each other in one ring.
func (sw *sweep) neighbours(i, j int) bool {
	s, t := sw.segs[i], sw.segs[j]
	if s.ring != t.ring {
		return false
	}
	n := len(sw.poly[s.ring]) - 1
	lo, hi := min(s.index, t.index), max(s.index, t.index)
	return hi-lo == 1 || (lo == 0 && hi == n-1)
}

// meet reports whether edges i and j share a point they may not share.
func (sw *sweep) meet(i, j int) bool {
	if i == j || sw.neighbours(i, j) {
		// Neighbours share their endpoint; that they share no more was
		// checked with the spikes.
		return false
	}
	s, t := sw.segs[i], sw.segs[j]
	return segmentsIntersect(s.a, s.b, t.a, t.b, sw.orient)
}

// compare orders two active edges from below (−1: i below j). Edges that
// do not meet keep one order over the x range they share, so the order is
// read at the left end of the one that starts later: which side of the
// other edge it lies on, or for a shared left end, where the right end
// lies. 0 means they are collinear and overlap, or one starts on the other.
func (sw *sweep) compare(i, j int) int {
	if i == j {
		return 0
	}
	if comparePoints(sw.left[i], sw.left[j]) < 0 {
		return -sw.compare(j, i)
	}
	// i starts at or after j's start.
	o := sw.orient(sw.left[j], sw.right[j], sw.left[i])
	if o == 0 && sw.left[i] == sw.left[j] {
		o = sw.orient(sw.left[j], sw.right[j], sw.right[i])
	}
	return o
}

// run sweeps the edges and returns a pair that meets.
func (sw *sweep) run() (int, int, bool) {
	events := slices.Grow(sw.events[:0], 2*len(sw.segs))
	defer func() { sw.events = events }()
	for i := range sw.segs {
		events = append(events, sweepEvent{sw.left[i], i, true}, sweepEvent{sw.right[i], i, false})
	}
	// By position; at one position the edges that end leave before the
	// edges that start enter.
	slices.SortFunc(events, func(a, b sweepEvent) int {
		if c := comparePoints(a.at, b.at); c != 0 {
			return c
		}
		if a.enter != b.enter {
			if a.enter {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.seg, b.seg)
	})
	// Every position is the endpoint of exactly two edges, the neighbours
	// at one vertex, unless two vertices share it: a touch.
	for i := 0; i < len(events); {
		j := i + 1
		for j < len(events) && events[j].at == events[i].at {
			j++
		}
		if j-i > 2 {
			a := events[i].seg
			for k := i + 1; k < j; k++ {
				if b := events[k].seg; b != a && !sw.neighbours(a, b) {
					return a, b, true
				}
			}
		}
		i = j
	}
	for _, e := range events {
		if e.enter {
			below, above, clash := sw.insert(e.seg)
			if clash >= 0 && sw.meet(e.seg, clash) {
				return e.seg, clash, true
			}
			for _, o := range [2]int{below, above} {
				if o >= 0 && sw.meet(e.seg, o) {
					return e.seg, o, true
				}
			}
			continue
		}
		below, above := sw.remove(e.seg)
		if below >= 0 && above >= 0 && sw.meet(below, above) {
			return below, above, true
		}
	}
	return 0, 0, false
}

// treapNode is one edge of the active set.
type treapNode struct {
	seg         int
	prio        uint64
	left, right *treapNode
}

func (sw *sweep) nextPriority() uint64 {
	// xorshift64: priorities need only be spread, not unpredictable.
	sw.rng ^= sw.rng << 13
	sw.rng ^= sw.rng >> 7
	sw.rng ^= sw.rng << 17
	return sw.rng
}

// split divides the subtree n into the edges ordered before seg (or, with
// orEqual, also the edges compare calls equal to it) and the rest. clash
// is set to an edge compare calls equal to seg, if any.
func (sw *sweep) split(n *treapNode, seg int, orEqual bool, clash *int) (*treapNode, *treapNode) {
	if n == nil {
		return nil, nil
	}
	c := sw.compare(n.seg, seg)
	if c == 0 && n.seg != seg {
		*clash = n.seg
	}
	if c < 0 || (c == 0 && orEqual) {
		l, r := sw.split(n.right, seg, orEqual, clash)
		n.right = l
		return n, r
	}
	l, r := sw.split(n.left, seg, orEqual, clash)
	n.left = r
	return l, n
}

func mergeTreaps(a, b *treapNode) *treapNode {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case a.prio > b.prio:
		a.right = mergeTreaps(a.right, b)
		return a
	}
	b.left = mergeTreaps(a, b.left)
	return b
}

func lastOf(n *treapNode) int {
	if n == nil {
		return -1
	}
	for n.right != nil {
		n = n.right
	}
	return n.seg
}

func firstOf(n *treapNode) int {
	if n == nil {
		return -1
	}
	for n.left != nil {
		n = n.left
	}
	return n.seg
}

// insert adds edge seg to the active set and returns the edges now below
// and above it (−1 for none), and an edge it could not be ordered against.
func (sw *sweep) insert(seg int) (below, above, clash int) {
	clash = -1
	l, r := sw.split(sw.active, seg, false, &clash)
	below, above = lastOf(l), firstOf(r)
	node := &sw.nodes[seg] // each edge enters once
	*node = treapNode{seg: seg, prio: sw.nextPriority()}
	sw.active = mergeTreaps(mergeTreaps(l, node), r)
	return below, above, clash
}

// remove takes edge seg out of the active set and returns the edges that
// were below and above it.
func (sw *sweep) remove(seg int) (below, above int) {
	clash := -1
	l, rest := sw.split(sw.active, seg, false, &clash)
	mid, r := sw.split(rest, seg, true, &clash)
	// mid holds seg (and, only if edges already met, others equal to it).
	var keep *treapNode
	for _, n := range collectTreap(mid, nil) {
		if n.seg != seg {
			n.left, n.right = nil, nil
			keep = mergeTreaps(keep, n)
		}
	}
	l = mergeTreaps(l, keep)
	below, above = lastOf(l), firstOf(r)
	sw.active = mergeTreaps(l, r)
	return below, above
}

func collectTreap(n *treapNode, out []*treapNode) []*treapNode {
	if n == nil {
		return out
	}
	out = collectTreap(n.left, out)
	out = append(out, n)
	return collectTreap(n.right, out)
}

// neighboursOverlap reports whether two edges that share an endpoint also
// share more than that point (a spike that doubles back).
func neighboursOverlap(s, t segment, orient orientation) bool {
	var shared, sOther, tOther orb.Point
	switch {
	case s.b == t.a:
		shared, sOther, tOther = s.b, s.a, t.b
	case s.a == t.b:
		shared, sOther, tOther = s.a, s.b, t.a
	case s.a == t.a:
		shared, sOther, tOther = s.a, s.b, t.b
	default:
		shared, sOther, tOther = s.b, s.a, t.a
	}
	if orient(shared, sOther, tOther) != 0 {
		return false
	}
	// Collinear: they overlap when both others lie on the same side of
	// shared. Each product's sign is exact, and for collinear vectors they
	// never have opposite signs, so the sum's sign is exact too.
	dot := (sOther[0]-shared[0])*(tOther[0]-shared[0]) + (sOther[1]-shared[1])*(tOther[1]-shared[1])
	return dot > 0
}

func onSegment(a, b, p orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// segmentsIntersect reports whether closed segments ab and cd share a point.
func segmentsIntersect(a, b, c, d orb.Point, orient orientation) bool {
	o1, o2, o3, o4 := orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
	if o1 != o2 && o3 != o4 {
		return true
	}
	return (o1 == 0 && onSegment(a, b, c)) || (o2 == 0 && onSegment(a, b, d)) ||
		(o3 == 0 && onSegment(c, d, a)) || (o4 == 0 && onSegment(c, d, b))
}
