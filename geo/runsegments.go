package geo

import "github.com/paulmach/orb"

// exactRuns is the exact test of feature i (envelope env, runs in slot
// slot, its leaf's position) against b from its run boxes, reading the
// vertices of only the runs it must.
//
// A run is a connected chain of segments whose box is the box of its
// vertices, so its projection on either axis is the whole of its box's
// range on that axis. When a run's box meets b and lies within b's range
// on one axis, the run therefore has a point at any value of the other
// axis its box shares with b, and that point lies in b: the run meets b.
// So only runs whose box sticks out of b on both axes (across a corner,
// or across the whole of b) need their segments read: for a query box
// larger than the features, those are the few near its four corners, and
// only their up to runLength segments are tested, not the whole feature.
// When no run meets b, no line or ring does; only a polygon around the
// whole of b could still meet it, and then b lies within the envelope:
// that case, features without runs (points) and features with very many
// straddling runs take the geometry test.
func (ix *Index) exactRuns(i, slot int, env, b orb.Bound) bool {
	var straddling [maxStraddling]int32
	switch n, v := ix.runsVerdict(slot, env, b, &straddling); v {
	case runsMeet:
		return true
	case runsMiss:
		return false
	case runsVertices:
		return ix.straddlingMeet(i, ix.features[i].Geometry, straddling[:n], env, b)
	default:
		return ix.exactGeometry(i, env, b)
	}
}

// maxStraddling is how many straddling runs exactRuns reads the vertices
// of before it tests the whole geometry instead.
const maxStraddling = 8

// runVerdict is what the run boxes of the feature in slot say about
// whether it meets b (see exactRuns).
type runVerdict int

const (
	runsMeet     runVerdict = iota // a run enters b
	runsMiss                       // no run meets b, and b is not within the envelope
	runsVertices                   // the vertices of the straddling runs decide
	runsGeometry                   // only the geometry itself decides
)

// runsVerdict reads the run boxes of the feature in slot (envelope env)
// against b, and when they do not decide, returns in straddling the runs
// whose vertices must be read (runsVertices).
func (ix *Index) runsVerdict(slot int, env, b orb.Bound, straddling *[maxStraddling]int32) (int, runVerdict) {
	rb := &ix.runs
	runs := rb.boxes[rb.start[slot]:rb.start[slot+1]]
	if len(runs) == 0 {
		return 0, runsGeometry
	}
	n := 0
	for k, r := range runs {
		if r.Max[0] < b.Min[0] || r.Max[1] < b.Min[1] || r.Min[0] > b.Max[0] || r.Min[1] > b.Max[1] {
			continue
		}
		if (r.Min[0] >= b.Min[0] && r.Max[0] <= b.Max[0]) || (r.Min[1] >= b.Min[1] && r.Max[1] <= b.Max[1]) {
			return 0, runsMeet // the connected run enters b (see exactRuns)
		}
		if n == len(straddling) {
			return 0, runsGeometry
		}
		straddling[n] = int32(k)
		n++
	}
	if n == 0 {
		// No line or ring meets b: only a polygon around the whole of b
		// can, and then b lies within the envelope.
		if withinBound(b, env) {
			return 0, runsGeometry
		}
		return 0, runsMiss
	}
	return n, runsVertices
}

// withinBound reports whether a lies within b.
func withinBound(a, b orb.Bound) bool {
	return a.Min[0] >= b.Min[0] && a.Min[1] >= b.Min[1] && a.Max[0] <= b.Max[0] && a.Max[1] <= b.Max[1]
}

// straddlingMeet is exactRuns's test of the vertices of the straddling
// runs of feature i (geometry g).
func (ix *Index) straddlingMeet(i int, g orb.Geometry, straddling []int32, env, b orb.Bound) bool {
	for _, k := range straddling {
		pts, ok := runPoints(g, int(k))
		if !ok {
			return ix.exactGeometry(i, env, b)
		}
		if lineIntersectsBound(pts, b) {
			return true
		}
	}
	if withinBound(b, env) {
		return ix.exactGeometry(i, env, b)
	}
	return false
}

// exactGeometry tests feature i's geometry itself.
func (ix *Index) exactGeometry(i int, env, b orb.Bound) bool {
	g := ix.features[i].Geometry
	return g != nil && IntersectsBoundEnvelope(g, env, b)
}

// runPoints returns the vertices of run k of g (the k-th box appendRuns
// made for it): up to runLength+1 points of one line or ring.
func runPoints(g orb.Geometry, k int) (orb.LineString, bool) {
	var found orb.LineString
	ok := false
	line := func(pts []orb.Point) bool {
		n := 1
		if len(pts) != 1 {
			n = (max(len(pts)-1, 0) + runLength - 1) / runLength
		}
		if k >= n {
			k -= n
			return false
		}
		if len(pts) == 1 {
			found = pts
		} else {
			s := k * runLength
			found = pts[s : min(s+runLength, len(pts)-1)+1]
		}
		ok = true
		return true
	}
	switch g := g.(type) {
	case orb.LineString:
		line(g)
	case orb.Ring:
		line(g)
	case orb.MultiLineString:
		for _, ls := range g {
			if line(ls) {
				break
			}
		}
	case orb.Polygon:
		for _, r := range g {
			if line(r) {
				break
			}
		}
	case orb.MultiPolygon:
	polygons:
		for _, p := range g {
			for _, r := range p {
				if line(r) {
					break polygons
				}
			}
		}
	}
	return found, ok
}
