package cql2

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	sf "github.com/peterstace/simplefeatures/geom"
	gg "github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/wkt"
)

// wktGeometry decodes a WKT literal with go-geom and converts it to orb,
// dropping Z and M.
func wktGeometry(pos int, text string) (orb.Geometry, error) {
	t, err := wkt.Unmarshal(text)
	if err != nil {
		// go-geom adds lines pointing at the column; keep the first.
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return nil, errorf(pos, "invalid geometry literal: %s", msg)
	}
	g, err := fromGoGeom(t)
	if err != nil {
		return nil, errorf(pos, "invalid geometry literal: %v", err)
	}
	if err := checkGeometry(g); err != nil {
		return nil, errorf(pos, "invalid geometry literal: %v", err)
	}
	return g, nil
}

func flatPoints(flat []float64, stride int) []orb.Point {
	pts := make([]orb.Point, 0, len(flat)/stride)
	for i := 0; i+stride <= len(flat); i += stride {
		pts = append(pts, orb.Point{flat[i], flat[i+1]})
	}
	return pts
}

func fromGoGeom(t gg.T) (orb.Geometry, error) {
	switch g := t.(type) {
	case *gg.Point:
		if g.Empty() {
			return nil, fmt.Errorf("empty POINT")
		}
		return orb.Point{g.X(), g.Y()}, nil
	case *gg.LineString:
		return orb.LineString(flatPoints(g.FlatCoords(), g.Stride())), nil
	case *gg.Polygon:
		return polygonFromGoGeom(g), nil
	case *gg.MultiPoint:
		mp := orb.MultiPoint{}
		for i := 0; i < g.NumPoints(); i++ {
			p := g.Point(i)
			if p.Empty() {
				return nil, fmt.Errorf("empty point in MULTIPOINT")
			}
			mp = append(mp, orb.Point{p.X(), p.Y()})
		}
		return mp, nil
	case *gg.MultiLineString:
		ml := orb.MultiLineString{}
		for i := 0; i < g.NumLineStrings(); i++ {
			l := g.LineString(i)
			ml = append(ml, orb.LineString(flatPoints(l.FlatCoords(), l.Stride())))
		}
		return ml, nil
	case *gg.MultiPolygon:
		mp := orb.MultiPolygon{}
		for i := 0; i < g.NumPolygons(); i++ {
			mp = append(mp, polygonFromGoGeom(g.Polygon(i)))
		}
		return mp, nil
	case *gg.GeometryCollection:
		c := orb.Collection{}
		for _, sub := range g.Geoms() {
			o, err := fromGoGeom(sub)
			if err != nil {
				return nil, err
			}
			c = append(c, o)
		}
		return c, nil
	}
	return nil, fmt.Errorf("unsupported geometry type %T", t)
}

func polygonFromGoGeom(g *gg.Polygon) orb.Polygon {
	p := orb.Polygon{}
	for i := 0; i < g.NumLinearRings(); i++ {
		r := g.LinearRing(i)
		p = append(p, orb.Ring(flatPoints(r.FlatCoords(), r.Stride())))
	}
	return p
}

// checkGeometry rejects what PostGIS would refuse: non-finite coordinates,
// lines of one point, rings not closed or of fewer than four points.
func checkGeometry(g orb.Geometry) error {
	var err error
	switch g := g.(type) {
	case orb.LineString:
		if len(g) == 1 {
			return fmt.Errorf("linestring has 1 point, want at least 2")
		}
	case orb.MultiLineString:
		for _, l := range g {
			if len(l) == 1 {
				return fmt.Errorf("linestring has 1 point, want at least 2")
			}
		}
	case orb.Collection:
		for _, sub := range g {
			if err := checkGeometry(sub); err != nil {
				return err
			}
		}
	}
	visit(g, func(pts []orb.Point, ring bool) {
		if err != nil {
			return
		}
		for _, p := range pts {
			if math.IsNaN(p[0]) || math.IsInf(p[0], 0) || math.IsNaN(p[1]) || math.IsInf(p[1], 0) {
				err = fmt.Errorf("coordinate is not a finite number")
				return
			}
		}
		switch {
		case ring && len(pts) < 4:
			err = fmt.Errorf("polygon ring has %d points, want at least 4", len(pts))
		case ring && pts[0] != pts[len(pts)-1]:
			err = fmt.Errorf("polygon ring is not closed")
		}
	})
	return err
}

// visit calls fn with every point sequence of g (a point, the points of a
// multipoint, a linestring, a ring); ring tells polygon rings.
func visit(g orb.Geometry, fn func(pts []orb.Point, ring bool)) {
	switch g := g.(type) {
	case orb.Point:
		fn([]orb.Point{g}, false)
	case orb.MultiPoint:
		fn(g, false)
	case orb.LineString:
		fn(g, false)
	case orb.MultiLineString:
		for _, l := range g {
			fn(l, false)
		}
	case orb.Ring:
		fn(g, true)
	case orb.Polygon:
		for _, r := range g {
			fn(r, true)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			visit(p, fn)
		}
	case orb.Collection:
		for _, sub := range g {
			visit(sub, fn)
		}
	case orb.Bound:
		visit(g.ToPolygon(), fn)
	}
}

func countCoords(g orb.Geometry) int {
	n := 0
	visit(g, func(pts []orb.Point, _ bool) { n += len(pts) })
	return n
}

// bboxLiteral builds the polygon of a BBOX with 4 (west, south, east,
// north) or 6 (with elevations, ignored) numbers. A box with west > east
// crosses the antimeridian and becomes two boxes.
func bboxLiteral(pos int, nums []float64, b *budget) (Node, error) {
	var w, s, e, n float64
	switch len(nums) {
	case 4:
		w, s, e, n = nums[0], nums[1], nums[2], nums[3]
	case 6:
		w, s, e, n = nums[0], nums[1], nums[3], nums[4]
	default:
		return nil, errorf(pos, "BBOX takes 4 or 6 numbers, got %d", len(nums))
	}
	for _, v := range nums {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errorf(pos, "BBOX coordinate is not a finite number")
		}
	}
	if s > n {
		return nil, errorf(pos, "BBOX south %v is greater than north %v", s, n)
	}
	var g orb.Geometry
	if w <= e {
		g = boxGeometry(w, s, e, n)
	} else {
		g = orb.Collection{boxGeometry(w, s, 180, n), boxGeometry(-180, s, e, n)}
		if s < n {
			g = orb.MultiPolygon{g.(orb.Collection)[0].(orb.Polygon), g.(orb.Collection)[1].(orb.Polygon)}
		}
	}
	if err := b.node(pos); err != nil {
		return nil, err
	}
	return &Geometry{Offset: pos, Geom: g, BBox: true}, nil
}

// boxGeometry is the set of points of a box: a polygon, or the line or point
// it collapses to when it has no width or height.
func boxGeometry(w, s, e, n float64) orb.Geometry {
	switch {
	case w == e && s == n:
		return orb.Point{w, s}
	case w == e || s == n:
		return orb.LineString{{w, s}, {e, n}}
	}
	return orb.Bound{Min: orb.Point{w, s}, Max: orb.Point{e, n}}.ToPolygon()
}

// toSF converts an orb geometry to simplefeatures through WKB, without
// validation (PostGIS relates invalid geometries too).
func toSF(g orb.Geometry) (sf.Geometry, error) {
	if b, ok := g.(orb.Bound); ok {
		g = b.ToPolygon()
	}
	if r, ok := g.(orb.Ring); ok {
		g = orb.Polygon{r}
	}
	data, err := wkb.Marshal(g)
	if err != nil {
		return sf.Geometry{}, err
	}
	return sf.UnmarshalWKB(data, sf.NoValidate{})
}
