package postgis

import (
	"encoding/binary"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/ewkb"
)

// SRID is the spatial reference planmap serves: WGS 84 longitude, latitude.
const SRID = 4326

// EncodeEWKB writes an orb geometry as EWKB with SRID 4326.
func EncodeEWKB(g orb.Geometry) ([]byte, error) {
	t, err := ToGeom(g)
	if err != nil {
		return nil, err
	}
	b, err := ewkb.Marshal(t, binary.LittleEndian)
	if err != nil {
		return nil, fmt.Errorf("postgis: writing EWKB: %w", err)
	}
	return b, nil
}

// DecodeEWKB reads (E)WKB into an orb geometry; Z and M are dropped, as
// orb has only two dimensions.
func DecodeEWKB(b []byte) (orb.Geometry, error) {
	t, err := ewkb.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("postgis: reading EWKB: %w", err)
	}
	return FromGeom(t)
}

// ToGeom converts an orb geometry to go-geom, through flat coordinates,
// with SRID 4326.
func ToGeom(g orb.Geometry) (geom.T, error) {
	var t geom.T
	switch g := g.(type) {
	case orb.Point:
		t = geom.NewPointFlat(geom.XY, []float64{g[0], g[1]})
	case orb.MultiPoint:
		t = geom.NewMultiPointFlat(geom.XY, flatPoints(nil, g))
	case orb.LineString:
		t = geom.NewLineStringFlat(geom.XY, flatPoints(nil, g))
	case orb.MultiLineString:
		var flat []float64
		ends := make([]int, len(g))
		for i, ls := range g {
			flat = flatPoints(flat, ls)
			ends[i] = len(flat)
		}
		t = geom.NewMultiLineStringFlat(geom.XY, flat, ends)
	case orb.Polygon:
		flat, ends := flatPolygon(nil, g)
		t = geom.NewPolygonFlat(geom.XY, flat, ends)
	case orb.MultiPolygon:
		var flat []float64
		endss := make([][]int, len(g))
		for i, p := range g {
			flat, endss[i] = flatPolygon(flat, p)
		}
		t = geom.NewMultiPolygonFlat(geom.XY, flat, endss)
	case orb.Collection:
		gc := geom.NewGeometryCollection()
		for _, m := range g {
			mt, err := ToGeom(m)
			if err != nil {
				return nil, err
			}
			if err := gc.Push(mt); err != nil {
				return nil, fmt.Errorf("postgis: %w", err)
			}
		}
		t = gc
	case orb.Ring:
		return ToGeom(orb.Polygon{g})
	case orb.Bound:
		return ToGeom(g.ToPolygon())
	case nil:
		return nil, fmt.Errorf("postgis: a feature needs a geometry")
	default:
		return nil, fmt.Errorf("postgis: unsupported geometry %T", g)
	}
	return setSRID(t), nil
}

func setSRID(t geom.T) geom.T {
	switch t := t.(type) {
	case *geom.Point:
		return t.SetSRID(SRID)
	case *geom.MultiPoint:
		return t.SetSRID(SRID)
	case *geom.LineString:
		return t.SetSRID(SRID)
	case *geom.MultiLineString:
		return t.SetSRID(SRID)
	case *geom.Polygon:
		return t.SetSRID(SRID)
	case *geom.MultiPolygon:
		return t.SetSRID(SRID)
	case *geom.GeometryCollection:
		return t.SetSRID(SRID)
	}
	return t
}

func flatPoints(flat []float64, pts []orb.Point) []float64 {
	for _, p := range pts {
		flat = append(flat, p[0], p[1])
	}
	return flat
}

func flatPolygon(flat []float64, p orb.Polygon) ([]float64, []int) {
	ends := make([]int, len(p))
	for i, r := range p {
		flat = flatPoints(flat, r)
		ends[i] = len(flat)
	}
	return flat, ends
}

// FromGeom converts a go-geom geometry to orb, through flat coordinates.
func FromGeom(t geom.T) (orb.Geometry, error) {
	if gc, ok := t.(*geom.GeometryCollection); ok {
		c := make(orb.Collection, 0, gc.NumGeoms())
		for _, m := range gc.Geoms() {
			g, err := FromGeom(m)
			if err != nil {
				return nil, err
			}
			c = append(c, g)
		}
		return c, nil
	}
	stride := t.Stride()
	flat := t.FlatCoords()
	points := func(lo, hi int) []orb.Point {
		pts := make([]orb.Point, 0, (hi-lo)/stride)
		for i := lo; i+1 < hi; i += stride {
			pts = append(pts, orb.Point{flat[i], flat[i+1]})
		}
		return pts
	}
	rings := func(start int, ends []int) orb.Polygon {
		p := make(orb.Polygon, len(ends))
		lo := start
		for i, end := range ends {
			p[i] = orb.Ring(points(lo, end))
			lo = end
		}
		return p
	}
	switch t := t.(type) {
	case *geom.Point:
		if t.Empty() {
			return nil, fmt.Errorf("postgis: empty point")
		}
		return orb.Point{flat[0], flat[1]}, nil
	case *geom.MultiPoint:
		mp := make(orb.MultiPoint, 0, t.NumPoints())
		for i := 0; i < t.NumPoints(); i++ {
			p := t.Point(i)
			if p.Empty() {
				continue
			}
			c := p.FlatCoords()
			mp = append(mp, orb.Point{c[0], c[1]})
		}
		return mp, nil
	case *geom.LineString:
		return orb.LineString(points(0, len(flat))), nil
	case *geom.MultiLineString:
		ml := make(orb.MultiLineString, len(t.Ends()))
		lo := 0
		for i, end := range t.Ends() {
			ml[i] = orb.LineString(points(lo, end))
			lo = end
		}
		return ml, nil
	case *geom.Polygon:
		return rings(0, t.Ends()), nil
	case *geom.MultiPolygon:
		mp := make(orb.MultiPolygon, len(t.Endss()))
		lo := 0
		for i, ends := range t.Endss() {
			mp[i] = rings(lo, ends)
			if len(ends) > 0 {
				lo = ends[len(ends)-1]
			}
		}
		return mp, nil
	}
	return nil, fmt.Errorf("postgis: unsupported geometry %T", t)
}
