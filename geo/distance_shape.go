package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// Shape is a geometry prepared for geodesic distance queries: its vertices
// as auxiliary-sphere vectors and a hierarchy of boxes over runs of
// consecutive edges, so that the distance between two shapes visits only
// the parts of each that can be closest. Build it once with NewShape and
// measure it against any number of other shapes; it is never changed after
// construction and is safe for concurrent use.
type Shape struct {
	verts []shapeVertex
	elems []shapeElem
	// elemBoxes holds each element's box, with its leaf's cosMaxLat.
	elemBoxes []nodeBox
	// levels[0] boxes runs of shapeLeafSize consecutive elements;
	// levels[k] boxes runs of shapeFanout nodes of levels[k-1]; the last
	// level holds the root alone.
	levels [][]nodeBox
	// balls[k][i] and caps[k][i] are the ball and the capsule around
	// node levels[k][i] (see nodeLowerBound); noCapsules leaves every
	// capsule out (see resetTarget).
	balls         [][]nodeBall
	caps          [][]nodeCapsule
	noCapsules    bool
	polygons      []orb.Polygon
	polygonBounds []orb.Bound
	// runStarts holds the first vertex of every point, line and ring.
	runStarts []int32
	// rings holds the vertex range [start, end) of every polygon ring.
	rings [][2]int32
}

type shapeVertex struct {
	v        vec3
	lon, lat float64
}

// shapeElem is an edge between two vertices, or an isolated point when
// a == b.
type shapeElem struct{ a, b int32 }

// nodeBox is a longitude/latitude box (degrees) that holds every point of
// the arcs below it, with the cosine of its largest absolute latitude.
type nodeBox struct {
	minLon, minLat, maxLon, maxLat float64
	cosMaxLat                      float64
}

const (
	shapeLeafSize = 4
	shapeFanout   = 8
)

// NewShape prepares g for distance queries. Every orb geometry type is
// accepted; nil and empty geometries give an empty shape, which is at
// distance +Inf from everything.
func NewShape(g orb.Geometry) *Shape {
	s := &Shape{}
	s.reset(g)
	return s
}

// reset makes s the shape of g, reusing the memory s already holds (the
// coverage workers prepare one target after another in the same Shape).
func (s *Shape) reset(g orb.Geometry) {
	points, runs := countPoints(g)
	s.verts = slices.Grow(s.verts[:0], points+runs)
	s.elems = slices.Grow(s.elems[:0], points)
	s.polygons, s.polygonBounds = s.polygons[:0], s.polygonBounds[:0]
	s.runStarts, s.rings = s.runStarts[:0], s.rings[:0]
	s.add(g)
	s.build()
}

// resetTarget is reset for a coverage target, measured against the
// corridors' capsules but without capsules of its own: a target is small
// (its ball serves nearly as well), and one of each would cost more than
// it saves.
func (s *Shape) resetTarget(g orb.Geometry) {
	s.noCapsules = true
	s.reset(g)
}

// countPoints returns the number of positions in g and of its points,
// lines and rings.
func countPoints(g orb.Geometry) (points, runs int) {
	switch g := g.(type) {
	case orb.Point:
		return 1, 1
	case orb.MultiPoint:
		return len(g), len(g)
	case orb.LineString:
		return len(g), 1
	case orb.MultiLineString:
		for _, ls := range g {
			points += len(ls)
		}
		return points, len(g)
	case orb.Ring:
		return len(g), 1
	case orb.Polygon:
		for _, r := range g {
			points += len(r)
		}
		return points, len(g)
	case orb.MultiPolygon:
		for _, p := range g {
			n, r := countPoints(p)
			points, runs = points+n, runs+r
		}
	case orb.Collection:
		for _, m := range g {
			n, r := countPoints(m)
			points, runs = points+n, runs+r
		}
	case orb.Bound:
		return 5, 1
	}
	return points, runs
}

// IsEmpty reports whether the shape has no point at all.
func (s *Shape) IsEmpty() bool { return len(s.elems) == 0 }

// Bound returns a box that holds every point of the shape, including the
// bulge of long edges towards the pole; an empty shape returns the zero
// bound.
func (s *Shape) Bound() orb.Bound {
	if s.IsEmpty() {
		return orb.Bound{}
	}
	r := s.levels[len(s.levels)-1][0]
	return orb.Bound{Min: orb.Point{r.minLon, r.minLat}, Max: orb.Point{r.maxLon, r.maxLat}}
}

// IsPolygonal reports whether the shape holds at least one polygon.
func (s *Shape) IsPolygonal() bool { return len(s.polygons) > 0 }

func (s *Shape) add(g orb.Geometry) {
	switch g := g.(type) {
	case orb.Point:
		s.addRun([]orb.Point{g}, false)
	case orb.MultiPoint:
		for _, p := range g {
			s.addRun([]orb.Point{p}, false)
		}
	case orb.LineString:
		s.addRun(g, false)
	case orb.MultiLineString:
		for _, ls := range g {
			s.addRun(ls, false)
		}
	case orb.Ring:
		s.addPolygon(orb.Polygon{g})
	case orb.Polygon:
		s.addPolygon(g)
	case orb.MultiPolygon:
		for _, p := range g {
			s.addPolygon(p)
		}
	case orb.Collection:
		for _, m := range g {
			s.add(m)
		}
	case orb.Bound:
		s.addPolygon(g.ToPolygon())
	}
}

func (s *Shape) addPolygon(p orb.Polygon) {
	if len(p) == 0 || len(p[0]) == 0 {
		return
	}
	s.polygons = append(s.polygons, p)
	b := orb.Bound{Min: p[0][0], Max: p[0][0]}
	for _, q := range p[0] {
		b.Min[0], b.Min[1] = fmin(b.Min[0], q[0]), fmin(b.Min[1], q[1])
		b.Max[0], b.Max[1] = fmax(b.Max[0], q[0]), fmax(b.Max[1], q[1])
	}
	s.polygonBounds = append(s.polygonBounds, b)
	for _, r := range p {
		start := len(s.verts)
		s.addRun(r, true)
		s.rings = append(s.rings, [2]int32{int32(start), int32(len(s.verts))})
	}
}

// addRun appends a line (or a ring, closed if it is not) as vertices and
// edges; a single point becomes an isolated point.
func (s *Shape) addRun(pts []orb.Point, closed bool) {
	if len(pts) == 0 {
		return
	}
	start := len(s.verts)
	for i, p := range pts {
		if i > 0 && p == pts[i-1] {
			continue
		}
		s.verts = append(s.verts, shapeVertex{auxVector(p[0], p[1]), p[0], p[1]})
	}
	if closed && len(s.verts)-start > 1 && pts[0] != pts[len(pts)-1] {
		s.verts = append(s.verts, s.verts[start])
	}
	s.runStarts = append(s.runStarts, int32(start))
	if len(s.verts)-start == 1 {
		s.elems = append(s.elems, shapeElem{int32(start), int32(start)})
		return
	}
	for i := start; i+1 < len(s.verts); i++ {
		s.elems = append(s.elems, shapeElem{int32(i), int32(i + 1)})
	}
}

func (s *Shape) build() {
	for i := range s.levels {
		s.levels[i] = s.levels[i][:0]
	}
	if len(s.elems) == 0 {
		s.levels = s.levels[:0]
		s.balls = s.balls[:0]
		s.caps = s.caps[:0]
		return
	}
	s.elemBoxes = slices.Grow(s.elemBoxes[:0], len(s.elems))
	for _, e := range s.elems {
		s.elemBoxes = append(s.elemBoxes, s.elemBox(e))
	}
	depth := 0
	level := s.nextLevel(depth, (len(s.elems)+shapeLeafSize-1)/shapeLeafSize)
	balls, caps := s.nextBalls(depth, cap(level))
	for i := 0; i < len(s.elems); i += shapeLeafSize {
		end := min(i+shapeLeafSize, len(s.elems))
		box := s.elemBoxes[i]
		for _, b := range s.elemBoxes[i+1 : end] {
			box = box.union(b)
		}
		box = box.withCos()
		for k := i; k < end; k++ {
			s.elemBoxes[k].cosMaxLat = box.cosMaxLat
		}
		level = append(level, box)
		balls = append(balls, s.leafBall(i, end))
		if s.noCapsules {
			caps = append(caps, nodeCapsule{tau: -1})
		} else {
			caps = append(caps, s.nodeCapsule(i, end))
		}
	}
	s.levels[depth] = level
	s.balls[depth], s.caps[depth] = balls, caps
	for len(level) > 1 {
		depth++
		next := s.nextLevel(depth, (len(level)+shapeFanout-1)/shapeFanout)
		nextBalls, nextCaps := s.nextBalls(depth, cap(next))
		span := shapeLeafSize
		for range depth {
			span *= shapeFanout
		}
		for i := 0; i < len(level); i += shapeFanout {
			nextBalls = append(nextBalls, parentBall(balls[i:min(i+shapeFanout, len(level))]))
			if depth <= maxCapsuleLevel && !s.noCapsules {
				start := i / shapeFanout * span
				nextCaps = append(nextCaps, s.nodeCapsule(start, min(start+span, len(s.elems))))
			} else {
				nextCaps = append(nextCaps, nodeCapsule{tau: -1})
			}
			box := level[i]
			for _, b := range level[i+1 : min(i+shapeFanout, len(level))] {
				box = box.union(b)
				// The union's largest |latitude| is its children's largest.
				box.cosMaxLat = fmin(box.cosMaxLat, b.cosMaxLat)
			}
			next = append(next, box)
		}
		s.levels[depth] = next
		s.balls[depth], s.caps[depth] = nextBalls, nextCaps
		level, balls = next, nextBalls
	}
	s.levels = s.levels[:depth+1]
	s.balls = s.balls[:depth+1]
	s.caps = s.caps[:depth+1]
}

// nextBalls is nextLevel for the balls and capsules.
func (s *Shape) nextBalls(depth, n int) ([]nodeBall, []nodeCapsule) {
	for len(s.balls) <= depth {
		if len(s.balls) < cap(s.balls) {
			s.balls = s.balls[:len(s.balls)+1]
		} else {
			s.balls = append(s.balls, nil)
		}
	}
	for len(s.caps) <= depth {
		if len(s.caps) < cap(s.caps) {
			s.caps = s.caps[:len(s.caps)+1]
		} else {
			s.caps = append(s.caps, nil)
		}
	}
	return slices.Grow(s.balls[depth][:0], n), slices.Grow(s.caps[depth][:0], n)
}

// nextLevel returns an empty slice for level depth with room for n boxes,
// reusing the memory of an earlier build.
func (s *Shape) nextLevel(depth, n int) []nodeBox {
	if depth < len(s.levels) {
		return slices.Grow(s.levels[depth][:0], n)
	}
	if depth < cap(s.levels) {
		s.levels = s.levels[:depth+1]
		return slices.Grow(s.levels[depth][:0], n)
	}
	s.levels = append(s.levels, make([]nodeBox, 0, n))
	return s.levels[depth]
}

// elemBox returns the box of one element. Longitude is monotonic along an
// arc shorter than a half circle, so the endpoints bound it; latitude can
// bulge towards the pole between them, by at most Δλ²/16 radians, and the
// box is widened by twice that. Its cosMaxLat is left 0 (the weakest
// bound); callers that need it take the enclosing leaf's.
func (s *Shape) elemBox(e shapeElem) nodeBox {
	a, b := s.verts[e.a], s.verts[e.b]
	box := nodeBox{
		minLon: fmin(a.lon, b.lon), maxLon: fmax(a.lon, b.lon),
		minLat: fmin(a.lat, b.lat), maxLat: fmax(a.lat, b.lat),
	}
	if dLon := (box.maxLon - box.minLon) * degree; dLon > 0 {
		pad := dLon*dLon/8/degree + 1e-9
		if dLon > 1 {
			pad = 180
		}
		box.minLat = fmax(box.minLat-pad, -90)
		box.maxLat = fmin(box.maxLat+pad, 90)
	}
	return box
}

// union returns the box holding both, keeping b's cosMaxLat.
func (b nodeBox) union(o nodeBox) nodeBox {
	return nodeBox{
		minLon: fmin(b.minLon, o.minLon), minLat: fmin(b.minLat, o.minLat),
		maxLon: fmax(b.maxLon, o.maxLon), maxLat: fmax(b.maxLat, o.maxLat),
		cosMaxLat: b.cosMaxLat,
	}
}

func (b nodeBox) withCos() nodeBox {
	b.cosMaxLat = math.Cos(fmax(math.Abs(b.minLat), math.Abs(b.maxLat)) * degree)
	return b
}

func (b nodeBox) intersects(o orb.Bound) bool {
	return b.maxLon >= o.Min[0] && b.minLon <= o.Max[0] && b.maxLat >= o.Min[1] && b.minLat <= o.Max[1]
}

// boxLowerBound returns a distance in metres that the geodesic between any
// point of a and any point of b is at least. The latitude gap counts along
// a meridian; the longitude gap counts as the distance from a point at the
// boxes' lowest latitude to the meridian plane across the gap,
// asin(cos φ · sin Δλ), itself at least cos φ · (Δλ − Δλ³/6).
func boxLowerBound(a, b nodeBox) float64 {
	dLat := fmax(0, fmax(b.minLat-a.maxLat, a.minLat-b.maxLat))
	dLon := fmax(0, fmax(b.minLon-a.maxLon, a.minLon-b.maxLon))
	if dLon == 0 {
		return dLat * (degree * lowerBoundRadius)
	}
	return gapLowerBound(dLat, dLon, fmax(a.cosMaxLat, b.cosMaxLat))
}

// gapLowerBound is boxLowerBound's bound for boxes apart in longitude.
func gapLowerBound(dLat, dLon, cosLat float64) float64 {
	x := fmin(dLon*degree, math.Pi/2)
	return fmax(dLat*(degree*lowerBoundRadius), lowerBoundRadius*cosLat*x*(1-x*x/6))
}

// fmin and fmax are math.Min and math.Max for numbers known not to be
// NaN or signed zeros that matter, cheap enough to inline in hot loops.
func fmin(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

func fmax(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

// Distance returns the geodesic distance in metres between the two shapes:
// 0 when they intersect, +Inf when either is empty.
func (s *Shape) Distance(o *Shape) float64 {
	return s.distanceBelow(o, math.Inf(1))
}

// distanceBelow returns the distance between s and o when it is below
// limit, and limit otherwise; it stops looking at parts that cannot come
// closer than limit.
func (s *Shape) distanceBelow(o *Shape, limit float64) float64 {
	if s.IsEmpty() || o.IsEmpty() || !(limit > 0) {
		return limit
	}
	if s.containsRunOf(o) || o.containsRunOf(s) {
		return 0
	}
	var q pairQueue
	q.push(pairEntry{b: o, la: int32(len(s.levels) - 1), lb: int32(len(o.levels) - 1)}, s)
	best, _ := q.run(s, limit, -1)
	return best
}

// containsRunOf reports whether a polygon of s holds the first vertex of a
// point, line or ring of o. With no edges crossing, that decides whether o
// lies (partly) inside s.
func (s *Shape) containsRunOf(o *Shape) bool {
	if len(s.polygons) == 0 {
		return false
	}
	for _, start := range o.runStarts {
		v := o.verts[start]
		if s.containsPoint(orb.Point{v.lon, v.lat}) {
			return true
		}
	}
	return false
}

// containsPoint reports whether a polygon of s holds pt.
func (s *Shape) containsPoint(pt orb.Point) bool {
	for i, p := range s.polygons {
		if s.polygonBounds[i].Contains(pt) && polygonContainsPoint(p, pt) {
			return true
		}
	}
	return false
}

// pairSearch measures leaves of two shapes against each other, keeping
// the best distance found.
type pairSearch struct {
	a, b *Shape
	best float64
}

// pairQueue walks the box hierarchies of one shape a and of any number of
// shapes b together, best first: it always opens the pair of boxes with
// the smallest lower bound, and stops when that bound reaches the best
// distance found, so no pair of boxes that cannot hold a nearer pair of
// points is ever opened.
type pairQueue struct {
	heap []pairEntry
}

// pairEntry is a box of a (level la, index ia) and a box of b.
type pairEntry struct {
	bound          float64
	b              *Shape
	tag            int // the caller's name for b, returned with the best
	la, ia, lb, ib int32
}

// push adds e with its lower bound computed.
func (q *pairQueue) push(e pairEntry, a *Shape) {
	e.bound = nodeLowerBound(a, e.la, e.ia, e.b, e.lb, e.ib, math.Inf(1))
	q.pushBound(e)
}

func (q *pairQueue) pushBound(e pairEntry) {
	q.heap = append(q.heap, e)
	i := len(q.heap) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if q.heap[parent].bound <= e.bound {
			break
		}
		q.heap[i] = q.heap[parent]
		i = parent
	}
	q.heap[i] = e
}

func (q *pairQueue) pop() pairEntry {
	top := q.heap[0]
	last := q.heap[len(q.heap)-1]
	q.heap = q.heap[:len(q.heap)-1]
	n := len(q.heap)
	if n == 0 {
		return top
	}
	i := 0
	for {
		child := 2*i + 1
		if child >= n {
			break
		}
		if r := child + 1; r < n && q.heap[r].bound < q.heap[child].bound {
			child = r
		}
		if q.heap[child].bound >= last.bound {
			break
		}
		q.heap[i] = q.heap[child]
		i = child
	}
	q.heap[i] = last
	return top
}

// run opens pairs until none can beat best, and returns the best
// distance and the tag of the shape it was found in (bestTag when nothing
// beat the given best). It leaves the queue empty.
func (q *pairQueue) run(a *Shape, best float64, bestTag int) (float64, int) {
	for len(q.heap) > 0 {
		e := q.pop()
		if e.bound >= best {
			break
		}
		if e.la == 0 && e.lb == 0 {
			if leafPairLowerBound(a, e.ia, e.b, e.ib) >= best {
				continue
			}
			ps := pairSearch{a: a, b: e.b, best: best}
			ps.leafPair(int(e.ia), int(e.ib))
			if ps.best < best {
				best, bestTag = ps.best, e.tag
				if best == 0 {
					break
				}
			}
			continue
		}
		boxA, boxB := a.levels[e.la][e.ia], e.b.levels[e.lb][e.ib]
		if e.lb == 0 || (e.la > 0 && (e.la > e.lb || boxArea(boxA) >= boxArea(boxB))) {
			level := a.levels[e.la-1]
			for c := e.ia * shapeFanout; c < min((e.ia+1)*shapeFanout, int32(len(level))); c++ {
				if bound := nodeLowerBound(a, e.la-1, c, e.b, e.lb, e.ib, best); bound < best {
					q.pushBound(pairEntry{bound: bound, b: e.b, tag: e.tag, la: e.la - 1, ia: c, lb: e.lb, ib: e.ib})
				}
			}
		} else {
			level := e.b.levels[e.lb-1]
			for c := e.ib * shapeFanout; c < min((e.ib+1)*shapeFanout, int32(len(level))); c++ {
				if bound := nodeLowerBound(a, e.la, e.ia, e.b, e.lb-1, c, best); bound < best {
					q.pushBound(pairEntry{bound: bound, b: e.b, tag: e.tag, la: e.la, ia: e.ia, lb: e.lb - 1, ib: c})
				}
			}
		}
	}
	q.heap = q.heap[:0]
	return best, bestTag
}

func boxArea(b nodeBox) float64 { return (b.maxLon - b.minLon) * (b.maxLat - b.minLat) }

// leafPair measures two leaves against each other. Two shapes that do not
// meet are nearest at a vertex of one of them, so the leaves are compared
// vertex to element both ways, after a test for crossing edges.
func (ps *pairSearch) leafPair(ia, ib int) {
	a, b := ps.a, ps.b
	leafA, leafB := a.levels[0][ia], b.levels[0][ib]
	startA, endA := ia*shapeLeafSize, min((ia+1)*shapeLeafSize, len(a.elems))
	startB, endB := ib*shapeLeafSize, min((ib+1)*shapeLeafSize, len(b.elems))
	elemsA, boxesA := a.elems[startA:endA], a.elemBoxes[startA:endA]
	elemsB, boxesB := b.elems[startB:endB], b.elemBoxes[startB:endB]
	if leafA.overlaps(leafB) {
		for i, x := range elemsA {
			if x.a == x.b || !boxesA[i].overlaps(leafB) {
				continue
			}
			for j, y := range elemsB {
				if y.a != y.b && boxesA[i].overlaps(boxesB[j]) &&
					arcsCross(a.verts[x.a].v, a.verts[x.b].v, b.verts[y.a].v, b.verts[y.b].v) {
					ps.best = 0
					return
				}
			}
		}
	}
	ps.verticesToElems(a, elemsA, leafA.cosMaxLat, b, ib, elemsB, boxesB, leafB)
	ps.verticesToElems(b, elemsB, leafB.cosMaxLat, a, ia, elemsA, boxesA, leafA)
}

// verticesToElems measures every vertex of elemsA (of shape a) against
// every element of elemsB (of leaf ib of shape b, whose box is leafB) that
// its bounds do not rule out.
func (ps *pairSearch) verticesToElems(a *Shape, elemsA []shapeElem, cosA float64, b *Shape, ib int, elemsB []shapeElem, boxesB []nodeBox, leafB nodeBox) {
	prev := int32(-1)
	for _, x := range elemsA {
		for _, vi := range [2]int32{x.a, x.b} {
			if vi == prev {
				continue // consecutive elements share a vertex
			}
			prev = vi
			v := a.verts[vi]
			point := nodeBox{minLon: v.lon, maxLon: v.lon, minLat: v.lat, maxLat: v.lat, cosMaxLat: cosA}
			if bound := boxLowerBound(point, leafB); bound >= ps.best ||
				pointNodeLowerBound(v.v, b, int32(ib), bound, ps.best) >= ps.best {
				continue
			}
			for j, y := range elemsB {
				if y.a == y.b && x.a != x.b {
					// An isolated point of b is measured from its side
					// against the edges this vertex belongs to.
					continue
				}
				if boxLowerBound(point, boxesB[j]) >= ps.best {
					continue
				}
				if d := pointElemDistance(v.v, b.verts[y.a].v, b.verts[y.b].v, ps.best); d < ps.best {
					ps.best = d
					if d == 0 {
						return
					}
				}
			}
		}
	}
}

func (b nodeBox) overlaps(o nodeBox) bool {
	return b.maxLon >= o.minLon && b.minLon <= o.maxLon && b.maxLat >= o.minLat && b.minLat <= o.maxLat
}

// pointElemDistance returns the distance from p to the element q0–q1 (a
// point when q0 == q1) when it may be below limit, and +Inf when the
// chord on the auxiliary sphere already shows it is not: an ellipsoidal
// distance is at least b (the polar radius) times the auxiliary angle, and
// the angle to the geodesic at least that to the great-circle arc less
// their largest separation; and, tighter for a distance near limit,
// Lambert's formula bounded over the element (elemLowerBound).
func pointElemDistance(p, q0, q1 vec3, limit float64) float64 {
	var c arcCandidates
	if q0 == q1 {
		c.items[0] = arcCandidate{p: p, a: q0, b: q0, q: q0, chord2: p.sub(q0).norm2()}
		c.n = 1
	} else {
		c.add(p, q0, q1)
	}
	// The geodesic parts from the great circle by at most f·σ²/8 radians,
	// below f/2 times the squared chord.
	chord := math.Sqrt(c.items[0].chord2)
	if lowerBoundRadius*(chord-wgs84F/2*q0.sub(q1).norm2()) >= limit || elemLowerBound(p, q0, q1, chord) >= limit {
		return math.Inf(1)
	}
	return c.distance()
}

// eachElemInNode calls fn with every element below node i of the given
// level whose box meets b.
func (s *Shape) eachElemInNode(level, i int, b orb.Bound, fn func(e shapeElem)) {
	if !s.levels[level][i].intersects(b) {
		return
	}
	if level == 0 {
		for k := i * shapeLeafSize; k < min((i+1)*shapeLeafSize, len(s.elems)); k++ {
			if s.elemBoxes[k].intersects(b) {
				fn(s.elems[k])
			}
		}
		return
	}
	for c := i * shapeFanout; c < min((i+1)*shapeFanout, len(s.levels[level-1])); c++ {
		s.eachElemInNode(level-1, c, b, fn)
	}
}
