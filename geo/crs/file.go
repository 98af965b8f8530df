package crs

import (
	"fmt"

	"github.com/paulmach/orb"
)

// FileConverter resolves the CRS a layer file declares (any reference
// Lookup takes) into conversions to CRS84 and back of geometries whose
// positions are in GeoJSON order — easting or longitude first, whatever
// the CRS's own axis order, as GDAL and most tools write GeoJSON in any
// CRS. For CRS84 both functions are nil: nothing to convert. It has the
// signature of data.CoordinateConverter, which planmap's loader takes.
func FileConverter(ref string) (toCRS84, fromCRS84 func(orb.Geometry) (orb.Geometry, error), err error) {
	c, err := Builtin().Lookup(ref)
	if err != nil {
		return nil, nil, err
	}
	if c.uri == CRS84URI {
		return nil, nil, nil
	}
	to := func(p orb.Point) (orb.Point, error) { return c.ToCRS84(c.wire(p)) }
	from := func(p orb.Point) (orb.Point, error) {
		q, err := c.FromCRS84(p)
		return c.wire(q), err
	}
	toCRS84 = func(g orb.Geometry) (orb.Geometry, error) {
		if _, ok := g.(orb.Bound); ok {
			return nil, fmt.Errorf("crs: a bound is not a GeoJSON geometry")
		}
		return mapGeometry(g, to)
	}
	fromCRS84 = func(g orb.Geometry) (orb.Geometry, error) {
		if _, ok := g.(orb.Bound); ok {
			return nil, fmt.Errorf("crs: a bound is not a GeoJSON geometry")
		}
		return mapGeometry(g, from)
	}
	return toCRS84, fromCRS84, nil
}
