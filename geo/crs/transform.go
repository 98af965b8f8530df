package crs

import (
	"fmt"

	"github.com/paulmach/orb"
)

// GeometryFromCRS84 returns a copy of g transformed from CRS84 into c, in
// c's axis order. The input is never changed. An orb.Bound is transformed
// as a box (see BoundFromCRS84), every other type point by point; ring
// orientation is kept as it comes out of the transformation (an axis swap
// mirrors it).
func (c *CRS) GeometryFromCRS84(g orb.Geometry) (orb.Geometry, error) {
	if b, ok := g.(orb.Bound); ok {
		return c.BoundFromCRS84(b)
	}
	return mapGeometry(g, c.FromCRS84)
}

// GeometryToCRS84 returns a copy of g, given in c's axis order, transformed
// into CRS84. The input is never changed. An orb.Bound is transformed as a
// box (see BoundToCRS84).
func (c *CRS) GeometryToCRS84(g orb.Geometry) (orb.Geometry, error) {
	if b, ok := g.(orb.Bound); ok {
		return c.BoundToCRS84(b)
	}
	return mapGeometry(g, c.ToCRS84)
}

// Transform returns a copy of g transformed from one CRS to another through
// CRS84. The input is never changed.
func Transform(g orb.Geometry, from, to *CRS) (orb.Geometry, error) {
	if from.uri == to.uri {
		if g == nil {
			return nil, nil
		}
		return orb.Clone(g), nil
	}
	lonLat, err := from.GeometryToCRS84(g)
	if err != nil {
		return nil, err
	}
	return to.GeometryFromCRS84(lonLat)
}

type pointFunc func(orb.Point) (orb.Point, error)

func mapGeometry(g orb.Geometry, f pointFunc) (orb.Geometry, error) {
	switch g := g.(type) {
	case nil:
		return nil, nil
	case orb.Point:
		return f(g)
	case orb.MultiPoint:
		ps, err := mapPoints(g, f)
		return orb.MultiPoint(ps), err
	case orb.LineString:
		ps, err := mapPoints(g, f)
		return orb.LineString(ps), err
	case orb.Ring:
		ps, err := mapPoints(g, f)
		return orb.Ring(ps), err
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, ls := range g {
			ps, err := mapPoints(ls, f)
			if err != nil {
				return nil, err
			}
			out[i] = ps
		}
		return out, nil
	case orb.Polygon:
		return mapPolygon(g, f)
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			q, err := mapPolygon(p, f)
			if err != nil {
				return nil, err
			}
			out[i] = q
		}
		return out, nil
	case orb.Collection:
		out := make(orb.Collection, len(g))
		for i, m := range g {
			if _, isBound := m.(orb.Bound); isBound {
				return nil, fmt.Errorf("crs: a bound inside a collection has no transformation")
			}
			t, err := mapGeometry(m, f)
			if err != nil {
				return nil, err
			}
			out[i] = t
		}
		return out, nil
	}
	return nil, fmt.Errorf("crs: cannot transform geometry type %T", g)
}

func mapPoints(ps []orb.Point, f pointFunc) ([]orb.Point, error) {
	if ps == nil {
		return nil, nil
	}
	out := make([]orb.Point, len(ps))
	for i, p := range ps {
		q, err := f(p)
		if err != nil {
			return nil, err
		}
		out[i] = q
	}
	return out, nil
}

func mapPolygon(p orb.Polygon, f pointFunc) (orb.Polygon, error) {
	out := make(orb.Polygon, len(p))
	for i, r := range p {
		ps, err := mapPoints(r, f)
		if err != nil {
			return nil, err
		}
		out[i] = ps
	}
	return out, nil
}
