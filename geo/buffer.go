package geo

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/peterstace/simplefeatures/geom"
)

const (
	// bufferQuadSegments is the number of straight edges that approximate
	// a quarter circle of the buffer outline: the chord of each falls
	// short of the circle by at most 1−cos(π/64) ≈ 0.12 % of the distance,
	// which bufferChordFactor halves by pushing the vertices out.
	bufferQuadSegments = 16
	// bufferSimplifyFactor is the Douglas–Peucker tolerance applied to the
	// projected input, as a fraction of the distance: a line simplified by
	// ε stays within ε of the original and back, so the outline moves by at
	// most ε. (The JTS buffer's own input simplifier is switched off: it
	// was seen to cut 6 m off a 100 m buffer around a bulging geodesic.)
	bufferSimplifyFactor = 0.0005
)

// bufferMaxEdge returns the longest edge, in metres, that is projected as
// a straight line for a buffer of the given distance; longer edges are
// divided along their geodesic first. A geodesic parts from the straight
// longitude/latitude chord by at most about L²/(16R) in the middle, which
// this keeps below 0.1 % of the distance; the outline, whose straight
// edges run parallel to the input's, inherits the same bound.
func bufferMaxEdge(distance float64) float64 {
	return math.Max(100, math.Min(50_000, math.Sqrt(100_000*distance)))
}

// bufferChordFactor scales the distance so that the outline's vertices lie
// just beyond it and its chords just inside, each by half the chord error.
var bufferChordFactor = 1 + (1-math.Cos(math.Pi/(4*bufferQuadSegments)))/2

// ErrEmptyBuffer is returned by Buffer when there is nothing to buffer.
var ErrEmptyBuffer = errors.New("geo: buffer of empty geometry")

// Buffer returns the area within distance metres of any of geoms (lines,
// typically; points and polygons are accepted too) as a WGS84 Polygon or
// MultiPolygon, exterior rings counter-clockwise and holes clockwise.
//
// It is built in a transverse Mercator projection centred on the
// geometries, whose scale is balanced over them (see newLocalProjection),
// with simplefeatures' pure-Go port of the JTS buffer, and projected back.
// Its outline lies at the given geodesic distance from the geometries
// within 0.5 % of it (measured in TestBufferOutlineAtDistance) as long as
// everything lies within about 700 km of the centre line.
func Buffer(geoms []orb.Geometry, distance float64) (orb.Geometry, error) {
	return BufferContext(context.Background(), geoms, distance)
}

// bufferUnionBatch is how many polygons are merged in one step of
// BufferContext's union, between checks of its context.
const bufferUnionBatch = 8

// BufferContext is Buffer that stops, returning ctx's error, when ctx is
// done: it checks ctx before buffering each geometry and between the steps
// of the union (batches of bufferUnionBatch polygons, merged pairwise up a
// tree). One geometry's buffer or one batch's union is not interrupted.
func BufferContext(ctx context.Context, geoms []orb.Geometry, distance float64) (orb.Geometry, error) {
	if !(distance > 0) || math.IsInf(distance, 1) {
		return nil, fmt.Errorf("geo: buffer distance %v m must be a positive number", distance)
	}
	var bound orb.Bound
	found := false
	for _, g := range geoms {
		if g == nil || isEmptyGeometry(g) {
			continue
		}
		if !found {
			bound, found = g.Bound(), true
		} else {
			bound = bound.Union(g.Bound())
		}
	}
	if !found {
		return nil, ErrEmptyBuffer
	}
	proj := newLocalProjection(bound, distance)
	pr := bufferProjector{proj: proj, maxEdge: bufferMaxEdge(distance), tolerance: bufferSimplifyFactor * distance}
	// One buffer per geometry, then one union: JTS nodes the offset curves
	// of a single input all together, which for many crossing lines costs
	// far more (seconds for the default dataset's 54 corridors at 500 km)
	// than buffering each and merging the polygons.
	var buffers []geom.Geometry
	for _, g := range geoms {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("geo: buffer of %d geometries: %w", len(geoms), err)
		}
		parts := pr.appendProjected(nil, g)
		if len(parts) == 0 {
			continue
		}
		var input geom.Geometry
		if lines, ok := allLines(parts); ok {
			input = geom.NewMultiLineString(lines).AsGeometry()
		} else {
			input = geom.NewGeometryCollection(parts).AsGeometry()
		}
		b, err := geom.Buffer(input, distance*bufferChordFactor,
			geom.BufferQuadSegments(bufferQuadSegments), geom.BufferSimplifyFactor(0))
		if err != nil {
			return nil, fmt.Errorf("geo: buffering a %s by %g m: %w", g.GeoJSONType(), distance, err)
		}
		buffers = append(buffers, b)
	}
	if len(buffers) == 0 {
		return nil, ErrEmptyBuffer
	}
	total := len(buffers)
	for len(buffers) > 1 {
		merged := make([]geom.Geometry, 0, (len(buffers)+bufferUnionBatch-1)/bufferUnionBatch)
		for i := 0; i < len(buffers); i += bufferUnionBatch {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("geo: merging the buffers of %d geometries: %w", total, err)
			}
			batch := buffers[i:min(i+bufferUnionBatch, len(buffers))]
			if len(batch) == 1 {
				merged = append(merged, batch[0])
				continue
			}
			u, err := geom.UnionMany(batch)
			if err != nil {
				return nil, fmt.Errorf("geo: merging the buffers of %d geometries: %w", total, err)
			}
			merged = append(merged, u)
		}
		buffers = merged
	}
	return unproject(buffers[0], proj)
}

func isEmptyGeometry(g orb.Geometry) bool {
	switch g := g.(type) {
	case orb.MultiPoint:
		return len(g) == 0
	case orb.LineString:
		return len(g) == 0
	case orb.MultiLineString:
		for _, ls := range g {
			if len(ls) > 0 {
				return false
			}
		}
		return true
	case orb.Ring:
		return len(g) == 0
	case orb.Polygon:
		return len(g) == 0 || len(g[0]) == 0
	case orb.MultiPolygon:
		for _, p := range g {
			if len(p) > 0 && len(p[0]) > 0 {
				return false
			}
		}
		return true
	case orb.Collection:
		for _, m := range g {
			if m != nil && !isEmptyGeometry(m) {
				return false
			}
		}
		return true
	}
	return false
}

func allLines(parts []geom.Geometry) ([]geom.LineString, bool) {
	lines := make([]geom.LineString, 0, len(parts))
	for _, p := range parts {
		ls, ok := p.AsLineString()
		if !ok {
			return nil, false
		}
		lines = append(lines, ls)
	}
	return lines, true
}

// bufferProjector turns WGS84 geometries into simplefeatures geometries
// in a local projection, dividing long edges and simplifying lines.
type bufferProjector struct {
	proj      *TransverseMercator
	maxEdge   float64 // metres
	tolerance float64 // projected metres
}

// appendProjected appends g, projected, as simplefeatures geometries (one
// per point, line or polygon).
func (pr bufferProjector) appendProjected(parts []geom.Geometry, g orb.Geometry) []geom.Geometry {
	switch g := g.(type) {
	case orb.Point:
		q := pr.proj.Forward(g)
		parts = append(parts, geom.NewPointXY(q[0], q[1]).AsGeometry())
	case orb.MultiPoint:
		for _, p := range g {
			parts = pr.appendProjected(parts, p)
		}
	case orb.LineString:
		switch line := pr.projectLine(g, 2); len(line) {
		case 0:
		case 1:
			parts = append(parts, geom.NewPointXY(line[0][0], line[0][1]).AsGeometry())
		default:
			parts = append(parts, geom.NewLineString(sequence(line)).AsGeometry())
		}
	case orb.MultiLineString:
		for _, ls := range g {
			parts = pr.appendProjected(parts, ls)
		}
	case orb.Ring:
		parts = pr.appendProjected(parts, orb.Polygon{g})
	case orb.Polygon:
		var rings []geom.LineString
		for _, r := range g {
			closed := orb.LineString(r)
			if len(r) > 0 && r[0] != r[len(r)-1] {
				closed = append(closed[:len(closed):len(closed)], r[0])
			}
			if ring := pr.projectLine(closed, 4); len(ring) >= 4 {
				rings = append(rings, geom.NewLineString(sequence(ring)))
			}
		}
		if len(rings) > 0 {
			parts = append(parts, geom.NewPolygon(rings).AsGeometry())
		}
	case orb.MultiPolygon:
		for _, p := range g {
			parts = pr.appendProjected(parts, p)
		}
	case orb.Collection:
		for _, m := range g {
			parts = pr.appendProjected(parts, m)
		}
	case orb.Bound:
		parts = pr.appendProjected(parts, g.ToPolygon())
	}
	return parts
}

// projectLine projects a line: it drops repeated points, simplifies the
// projected line by the tolerance (Douglas–Peucker, unless that would leave
// fewer than minPoints points), then divides every remaining edge longer
// than maxEdge along its great circle, so that the straight edges of the
// outline, drawn in longitude/latitude, stay close to their geodesics.
func (pr bufferProjector) projectLine(ls orb.LineString, minPoints int) orb.LineString {
	lonLat := make(orb.LineString, 0, len(ls))
	projected := make(orb.LineString, 0, len(ls))
	for _, p := range ls {
		q := pr.proj.Forward(p)
		if n := len(projected); n > 0 && projected[n-1] == q {
			continue
		}
		lonLat = append(lonLat, p)
		projected = append(projected, q)
	}
	keep := douglasPeucker(projected, pr.tolerance)
	if kept := countTrue(keep); kept < minPoints && kept < len(keep) {
		for i := range keep {
			keep[i] = true
		}
	}
	out := make(orb.LineString, 0, len(projected))
	last := -1
	for i := range projected {
		if !keep[i] {
			continue
		}
		if last >= 0 {
			prev, p := lonLat[last], lonLat[i]
			if d := PointDistance(prev, p); d > pr.maxEdge {
				a, b := auxVector(prev[0], prev[1]), auxVector(p[0], p[1])
				steps := int(math.Ceil(d / pr.maxEdge))
				for k := 1; k < steps; k++ {
					lon, lat := auxToLonLat(geodesicPoint(a, b, float64(k)/float64(steps)))
					out = append(out, pr.proj.Forward(orb.Point{lon, lat}))
				}
			}
		}
		out = append(out, projected[i])
		last = i
	}
	return out
}

// douglasPeucker marks the points of line to keep so that every dropped
// point lies within tolerance of the segment between the kept points
// around it; the first and last points are always kept.
func douglasPeucker(line orb.LineString, tolerance float64) []bool {
	keep := make([]bool, len(line))
	if len(line) == 0 {
		return keep
	}
	keep[0], keep[len(line)-1] = true, true
	stack := [][2]int{{0, len(line) - 1}}
	for len(stack) > 0 {
		span := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		worst, worstAt := -1.0, -1
		for i := span[0] + 1; i < span[1]; i++ {
			if d := planar.DistanceFromSegmentSquared(line[span[0]], line[span[1]], line[i]); d > worst {
				worst, worstAt = d, i
			}
		}
		if worstAt >= 0 && worst > tolerance*tolerance {
			keep[worstAt] = true
			stack = append(stack, [2]int{span[0], worstAt}, [2]int{worstAt, span[1]})
		}
	}
	return keep
}

func countTrue(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

func sequence(ls orb.LineString) geom.Sequence {
	coords := make([]float64, 0, 2*len(ls))
	for _, p := range ls {
		coords = append(coords, p[0], p[1])
	}
	return geom.NewSequence(coords, geom.DimXY)
}

// geodesicPoint returns the point at fraction t (of the auxiliary arc)
// along the ellipsoidal geodesic from a to b: the great circle to b turned
// east by δ = f·sin α₀·σ, turned back by δ·t (see geodesicFootDistance).
func geodesicPoint(a, b vec3, t float64) vec3 {
	n := a.cross(b)
	nn := n.norm2()
	if nn < 1e-30 {
		return a
	}
	delta := wgs84F * n.z / math.Sqrt(nn) * math.Atan2(math.Sqrt(nn), a.dot(b))
	return rotateEast(slerp(a, rotateEast(b, delta), t), -delta*t)
}

// slerp returns the point at fraction t along the great circle arc a–b.
func slerp(a, b vec3, t float64) vec3 {
	omega := math.Atan2(math.Sqrt(a.cross(b).norm2()), a.dot(b))
	if omega < 1e-12 {
		return a
	}
	s := math.Sin(omega)
	return a.scale(math.Sin((1-t)*omega) / s).add(b.scale(math.Sin(t*omega) / s))
}

// unproject turns a projected simplefeatures polygon or multipolygon back
// into WGS84, with RFC 7946 ring orientation.
func unproject(g geom.Geometry, proj *TransverseMercator) (orb.Geometry, error) {
	polygon := func(p geom.Polygon) orb.Polygon {
		out := make(orb.Polygon, 0, p.NumRings())
		for r := 0; r < p.NumRings(); r++ {
			var ls geom.LineString
			if r == 0 {
				ls = p.ExteriorRing()
			} else {
				ls = p.InteriorRingN(r - 1)
			}
			seq := ls.Coordinates()
			ring := make(orb.Ring, seq.Length())
			for i := range ring {
				xy := seq.GetXY(i)
				ring[i] = proj.Reverse(orb.Point{xy.X, xy.Y})
			}
			if (ringSignedArea(ring) > 0) != (r == 0) {
				ring.Reverse()
			}
			out = append(out, ring)
		}
		return out
	}
	switch g.Type() {
	case geom.TypePolygon:
		p, _ := g.AsPolygon()
		if p.IsEmpty() {
			return nil, ErrEmptyBuffer
		}
		return polygon(p), nil
	case geom.TypeMultiPolygon:
		mp, _ := g.AsMultiPolygon()
		out := make(orb.MultiPolygon, 0, mp.NumPolygons())
		for i := 0; i < mp.NumPolygons(); i++ {
			if p := mp.PolygonN(i); !p.IsEmpty() {
				out = append(out, polygon(p))
			}
		}
		switch len(out) {
		case 0:
			return nil, ErrEmptyBuffer
		case 1:
			return out[0], nil
		}
		return out, nil
	}
	return nil, fmt.Errorf("geo: buffer returned a %s, not a polygon", g.Type())
}

// ringSignedArea returns twice the signed area of a ring in its own
// coordinates: positive when it runs counter-clockwise.
func ringSignedArea(r orb.Ring) float64 {
	sum := 0.0
	for i := 0; i+1 < len(r); i++ {
		sum += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return sum
}
