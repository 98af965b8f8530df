package geo

import "github.com/paulmach/orb"

// Vertices returns every position of g in the order it is stored: each
// line, each ring of each polygon (exterior first), each member of a
// collection in turn; a Bound as its closed ring. A ring's closing position is included. It returns
// nil for an empty or nil geometry and never aliases g's slices.
func Vertices(g orb.Geometry) []orb.Point {
	return AppendVertices(make([]orb.Point, 0, VertexCount(g)), g)
}

// AppendVertices appends every position of g to dst, in the order of
// Vertices, and returns the extended slice.
func AppendVertices(dst []orb.Point, g orb.Geometry) []orb.Point {
	switch g := g.(type) {
	case orb.Point:
		return append(dst, g)
	case orb.MultiPoint:
		return append(dst, g...)
	case orb.LineString:
		return append(dst, g...)
	case orb.Ring:
		return append(dst, g...)
	case orb.MultiLineString:
		for _, ls := range g {
			dst = append(dst, ls...)
		}
	case orb.Polygon:
		for _, r := range g {
			dst = append(dst, r...)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			dst = AppendVertices(dst, p)
		}
	case orb.Collection:
		for _, m := range g {
			dst = AppendVertices(dst, m)
		}
	case orb.Bound:
		return append(dst, g.ToRing()...)
	}
	return dst
}

// VertexCount returns the number of positions Vertices would return,
// without allocating.
func VertexCount(g orb.Geometry) int {
	n, _ := countPoints(g)
	return n
}
