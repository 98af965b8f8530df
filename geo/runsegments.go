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
	rb := &ix.runs
	runs := rb.boxes[rb.start[slot]:rb.start[slot+1]]
	if len(runs) == 0 {
		return ix.exactGeometry(i, env, b)
	}
	var straddling [8]int32
	n := 0
	for k, r := range runs {
		if r.Max[0] < b.Min[0] || r.Max[1] < b.Min[1] || r.Min[0] > b.Max[0] || r.Min[1] > b.Max[1] {
			continue
		}
		if (r.Min[0] >= b.Min[0] && r.Max[0] <= b.Max[0]) || (r.Min[1] >= b.Min[1] && r.Max[1] <= b.Max[1]) {
			return true // the connected run enters b (see above)
		}
		if n == len(straddling) {
			return ix.exactGeometry(i, env, b)
		}
		straddling[n] = int32(k)
		n++
	}
	if n > 0 {
		g := ix.features[i].Geometry
		for _, k := range straddling[:n] {
			pts, ok := runPoints(g, int(k))
			if !ok {
				return ix.exactGeometry(i, env, b)
			}
			if lineIntersectsBound(pts, b) {
				return true
			}
		}
	}
	if b.Min[0] >= env.Min[0] && b.Min[1] >= env.Min[1] && b.Max[0] <= env.Max[0] && b.Max[1] <= env.Max[1] {
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
