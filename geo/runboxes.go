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
	start []int32 // the runs of slot k are boxes[start[k]:start[k+1]]
	boxes []orb.Bound
}

// inOrder returns the runs with slot k holding what slot order[k] holds
// in rb (order a permutation of rb's slots).
func (rb runBoxes) inOrder(order []int32) runBoxes {
	out := runBoxes{start: make([]int32, 1, len(order)+1), boxes: make([]orb.Bound, 0, len(rb.boxes))}
	for _, k := range order {
		out.boxes = append(out.boxes, rb.boxes[rb.start[k]:rb.start[k+1]]...)
		out.start = append(out.start, int32(len(out.boxes)))
	}
	return out
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

// runEndsInBoxes reports whether every line and ring of g begins in the
// first of its run boxes and ends in the last, runs being g's boxes as
// appendRuns appends them. It reads two vertices per line, not all: a
// cheap check that stored run boxes belong to this geometry and not to
// another feature's.
func runEndsInBoxes(g orb.Geometry, runs []orb.Bound) bool {
	at := 0
	line := func(pts []orb.Point) bool {
		if len(pts) == 0 {
			return true
		}
		n := countRuns(orb.LineString(pts))
		if at+n > len(runs) {
			return false
		}
		ok := runs[at].Contains(pts[0]) && runs[at+n-1].Contains(pts[len(pts)-1])
		at += n
		return ok
	}
	switch g := g.(type) {
	case orb.LineString:
		return line(g) && at == len(runs)
	case orb.Ring:
		return line(g) && at == len(runs)
	case orb.MultiLineString:
		for _, ls := range g {
			if !line(ls) {
				return false
			}
		}
	case orb.Polygon:
		for _, r := range g {
			if !line(r) {
				return false
			}
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				if !line(r) {
					return false
				}
			}
		}
	}
	return at == len(runs)
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
