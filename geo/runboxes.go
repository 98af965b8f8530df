package geo

import "github.com/paulmach/orb"

// runLength is how many segments of a line or ring one run box covers.
const runLength = 16

// runBoxes holds, for every feature of an index, the boxes of consecutive
// runs of up to runLength segments of its lines and rings, all in one
// array. The exact intersection test reads them instead of the geometry:
// most candidates are settled by a run wholly inside the query box (they
// intersect) or by every run missing it (they do not), without following
// the pointers to the feature's vertices, which dominate a query's time
// when the geometry is not in the CPU's caches.
type runBoxes struct {
	start []int32 // feature i's runs are boxes[start[i]:start[i+1]]
	boxes []orb.Bound
}

// add appends the runs of the next feature's geometry; start must begin
// with the 0 that opens the first feature's range.
func (rb *runBoxes) add(g orb.Geometry) {
	rb.boxes = appendRuns(rb.boxes, g)
	rb.start = append(rb.start, int32(len(rb.boxes)))
}

// appendRuns appends the run boxes of g's lines and rings. Geometries
// with points (which have no runs) get none, and the test falls back to
// the geometry itself.
func appendRuns(dst []orb.Bound, g orb.Geometry) []orb.Bound {
	switch g := g.(type) {
	case orb.LineString:
		return appendLineRuns(dst, g)
	case orb.Ring:
		return appendLineRuns(dst, g)
	case orb.MultiLineString:
		for _, ls := range g {
			dst = appendLineRuns(dst, ls)
		}
	case orb.Polygon:
		for _, r := range g {
			dst = appendLineRuns(dst, r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				dst = appendLineRuns(dst, r)
			}
		}
	}
	return dst
}

// countRuns is how many boxes appendRuns appends for g.
func countRuns(g orb.Geometry) int {
	line := func(pts []orb.Point) int {
		if len(pts) == 1 {
			return 1
		}
		return (max(len(pts)-1, 0) + runLength - 1) / runLength
	}
	n := 0
	switch g := g.(type) {
	case orb.LineString:
		n = line(g)
	case orb.Ring:
		n = line(g)
	case orb.MultiLineString:
		for _, ls := range g {
			n += line(ls)
		}
	case orb.Polygon:
		for _, r := range g {
			n += line(r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				n += line(r)
			}
		}
	}
	return n
}

// boundFromRuns returns g's envelope (what g.Bound() gives) from its run
// boxes, which appendRuns just appended to runs, without reading the
// vertices again: the union of every run of a line, and of the outer
// rings' runs of polygons (orb bounds a polygon by its outer ring). ok is
// false for geometries it does not cover, or with an empty line or ring.
func boundFromRuns(g orb.Geometry, runs []orb.Bound) (b orb.Bound, ok bool) {
	union := func(rs []orb.Bound) {
		for _, r := range rs {
			if !ok {
				b, ok = r, true
				continue
			}
			b = b.Union(r)
		}
	}
	line := func(pts []orb.Point) int {
		if len(pts) == 1 {
			return 1
		}
		return (len(pts) - 1 + runLength - 1) / runLength
	}
	switch g := g.(type) {
	case orb.LineString:
		if len(g) == 0 {
			return b, false
		}
		union(runs)
	case orb.MultiLineString:
		for _, ls := range g {
			if len(ls) == 0 {
				return b, false
			}
		}
		union(runs)
	case orb.Polygon:
		if len(g) == 0 || len(g[0]) == 0 {
			return b, false
		}
		union(runs[:line(g[0])])
	case orb.MultiPolygon:
		at := 0
		for _, p := range g {
			if len(p) == 0 || len(p[0]) == 0 {
				return b, false
			}
			union(runs[at : at+line(p[0])])
			for _, r := range p {
				at += line(r)
			}
		}
	default:
		return b, false
	}
	return b, ok
}

func appendLineRuns(dst []orb.Bound, pts []orb.Point) []orb.Bound {
	if len(pts) == 1 {
		return append(dst, orb.Bound{Min: pts[0], Max: pts[0]})
	}
	for s := 0; s+1 < len(pts); s += runLength {
		e := min(s+runLength, len(pts)-1)
		b := orb.Bound{Min: pts[s], Max: pts[s]}
		for _, p := range pts[s+1 : e+1] {
			b = b.Extend(p)
		}
		dst = append(dst, b)
	}
	return dst
}

// decide settles whether feature i, with envelope env, intersects the box
// b from its run boxes alone. It reports the answer and whether it could
// give one; when it cannot (a run crosses a corner of b or spans it, the
// feature has no runs, or b may lie inside a polygon), the caller tests
// the geometry.
//
// A run is a connected chain of segments whose box is the box of its
// vertices, so its projection on either axis is the whole of its box's
// range on that axis. When a run's box meets b and lies within b's range
// on one axis, the run therefore has a point at any value of the other
// axis its box shares with b, and that point lies in b: the run meets b.
// So only runs whose box sticks out of b on both axes (across a corner,
// or across the whole of b) need their segments read; for a query box
// larger than the features, those are the few near its four corners.
func (rb *runBoxes) decide(i int, env, b orb.Bound) (intersects, decided bool) {
	runs := rb.boxes[rb.start[i]:rb.start[i+1]]
	if len(runs) == 0 {
		return false, false
	}
	straddles := false
	for _, r := range runs {
		if r.Max[0] < b.Min[0] || r.Max[1] < b.Min[1] || r.Min[0] > b.Max[0] || r.Min[1] > b.Max[1] {
			continue
		}
		if (r.Min[0] >= b.Min[0] && r.Max[0] <= b.Max[0]) || (r.Min[1] >= b.Min[1] && r.Max[1] <= b.Max[1]) {
			return true, true // the connected run enters b (see above)
		}
		straddles = true
	}
	if straddles {
		return false, false
	}
	// No line or ring comes near b. Only a polygon around the whole of b
	// could still meet it, and then b lies within the envelope.
	if b.Min[0] >= env.Min[0] && b.Min[1] >= env.Min[1] && b.Max[0] <= env.Max[0] && b.Max[1] <= env.Max[1] {
		return false, false
	}
	return false, true
}
