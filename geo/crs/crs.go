package crs

import (
	"fmt"
	"math"
	"strconv"

	"github.com/paulmach/orb"
)

// projection maps CRS84 longitude/latitude in degrees to the CRS's
// coordinates in (east, north) order, and back.
type projection interface {
	forward(lon, lat float64) (x, y float64, err error)
	inverse(x, y float64) (lon, lat float64, err error)
}

// CRS is one coordinate reference system. Values come from a Registry and
// are immutable; compare them by URI.
type CRS struct {
	uri           string
	code          string
	name          string
	geographic    bool
	northingFirst bool
	identity      bool // the transformation to CRS84 is at most an axis swap
	bounds        orb.Bound
	proj          projection
}

// URI is the canonical URI, e.g. http://www.opengis.net/def/crs/EPSG/0/4549.
func (c *CRS) URI() string { return c.uri }

// Code is the short authority:code form, e.g. "EPSG:4549", "OGC:CRS84",
// "PLANMAP:GCJ-02".
func (c *CRS) Code() string { return c.code }

// Name is the CRS's name as its authority gives it.
func (c *CRS) Name() string { return c.name }

// Geographic says the coordinates are longitude and latitude in degrees
// (in some order); otherwise they are projected easting and northing in
// metres.
func (c *CRS) Geographic() bool { return c.geographic }

// NorthingFirst says the first coordinate on the wire (in GeoJSON positions
// and in a bbox-crs bbox) is latitude or northing, as the authority's axis
// order defines: true for EPSG:4326, EPSG:4490 and the CGCS2000
// Gauss–Krüger CRSs; false for CRS84, EPSG:3857, UTM, GCJ-02 and BD-09.
func (c *CRS) NorthingFirst() bool { return c.northingFirst }

// Bounds is the area of use in CRS84 longitude/latitude, as EPSG gives it
// (for GCJ-02 and BD-09, the rectangle in which their offset applies).
func (c *CRS) Bounds() orb.Bound { return c.bounds }

func (c *CRS) String() string { return c.code }

// wire puts an (east, north) pair into the CRS's axis order; it is its own
// inverse.
func (c *CRS) wire(p orb.Point) orb.Point {
	if c.northingFirst {
		return orb.Point{p[1], p[0]}
	}
	return p
}

// FromCRS84 transforms a CRS84 point (longitude, latitude in degrees) into
// this CRS, in its axis order.
func (c *CRS) FromCRS84(p orb.Point) (orb.Point, error) {
	if !isFinite(p[0]) || !isFinite(p[1]) || math.Abs(p[1]) > 90 {
		return orb.Point{}, fmt.Errorf("crs: %v is not a longitude/latitude", p)
	}
	x, y, err := c.proj.forward(p[0], p[1])
	if err != nil {
		return orb.Point{}, fmt.Errorf("crs: to %s: %w", c.code, err)
	}
	if !isFinite(x) || !isFinite(y) {
		return orb.Point{}, fmt.Errorf("crs: %v has no coordinates in %s", p, c.code)
	}
	return c.wire(orb.Point{x, y}), nil
}

// ToCRS84 transforms a point given in this CRS, in its axis order, into
// CRS84 longitude and latitude.
func (c *CRS) ToCRS84(p orb.Point) (orb.Point, error) {
	if !isFinite(p[0]) || !isFinite(p[1]) {
		return orb.Point{}, fmt.Errorf("crs: coordinate %v is not finite", p)
	}
	en := c.wire(p)
	if c.geographic && math.Abs(en[1]) > 90 {
		return orb.Point{}, fmt.Errorf("crs: latitude %v in %s is out of range", en[1], c.code)
	}
	lon, lat, err := c.proj.inverse(en[0], en[1])
	if err != nil {
		return orb.Point{}, fmt.Errorf("crs: from %s: %w", c.code, err)
	}
	if !isFinite(lon) || !isFinite(lat) {
		return orb.Point{}, fmt.Errorf("crs: %v in %s has no longitude/latitude", p, c.code)
	}
	return orb.Point{lon, lat}, nil
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// definitions lists every CRS planmap knows, CRS84 first.
func definitions() []*CRS {
	geo := func(uri, code, name string, northingFirst bool, b [4]float64, p projection, identity bool) *CRS {
		return &CRS{uri: uri, code: code, name: name, geographic: true, northingFirst: northingFirst,
			identity: identity, bounds: bound(b), proj: p}
	}
	epsg := func(n int) (string, string) {
		return EPSGPrefix + strconv.Itoa(n), "EPSG:" + strconv.Itoa(n)
	}
	projected := func(n int, name string, northingFirst bool, b [4]float64, p projection) *CRS {
		uri, code := epsg(n)
		return &CRS{uri: uri, code: code, name: name, northingFirst: northingFirst, bounds: bound(b), proj: p}
	}
	u4326, c4326 := epsg(4326)
	u4490, c4490 := epsg(4490)
	world := [4]float64{-180, -90, 180, 90}
	defs := []*CRS{
		geo(CRS84URI, "OGC:CRS84", "WGS 84 (CRS84)", false, world, lonLat{}, true),
		geo(u4326, c4326, "WGS 84", true, world, lonLat{}, true),
		geo(u4490, c4490, "China Geodetic Coordinate System 2000", true,
			[4]float64{73.62, 16.7, 134.77, 53.56}, lonLat{}, true),
		projected(3857, "WGS 84 / Pseudo-Mercator", false,
			[4]float64{-180, -85.06, 180, 85.06}, webMercator{}),
	}
	// CGCS2000 3-degree Gauss–Krüger zones over Zhejiang, Fujian and
	// Shanghai: central meridians 117°, 120° and 123°E. The "CM" CRSs have a
	// false easting of 500 km; the "zone" CRSs prefix the zone number
	// (39, 40, 41) to the easting. Areas of use are EPSG's.
	zones := []struct {
		cm, zone, cmCode, zoneCode int
		bounds                     [4]float64
	}{
		{117, 39, 4548, 4527, [4]float64{115.5, 22.6, 118.5, 49.88}},
		{120, 40, 4549, 4528, [4]float64{118.5, 24.43, 121.5, 53.33}},
		{123, 41, 4550, 4529, [4]float64{121.5, 28.22, 124.5, 53.56}},
	}
	for _, z := range zones {
		defs = append(defs, projected(z.cmCode,
			fmt.Sprintf("CGCS2000 / 3-degree Gauss-Kruger CM %dE", z.cm), true, z.bounds,
			newTmerc(grs80, float64(z.cm), 1, 500000, 0)))
	}
	for _, z := range zones {
		defs = append(defs, projected(z.zoneCode,
			fmt.Sprintf("CGCS2000 / 3-degree Gauss-Kruger zone %d", z.zone), true, z.bounds,
			newTmerc(grs80, float64(z.cm), 1, float64(z.zone)*1e6+500000, 0)))
	}
	defs = append(defs,
		projected(32650, "WGS 84 / UTM zone 50N", false, [4]float64{114, 0, 120, 84},
			newTmerc(wgs84Ellipsoid, 117, 0.9996, 500000, 0)),
		projected(32651, "WGS 84 / UTM zone 51N", false, [4]float64{120, 0, 126, 84},
			newTmerc(wgs84Ellipsoid, 123, 0.9996, 500000, 0)),
		geo(GCJ02URI, "PLANMAP:GCJ-02", "GCJ-02 (Gaode/AMap, Tencent)", false, chinaBounds, gcj02{}, false),
		geo(BD09URI, "PLANMAP:BD-09", "BD-09 (Baidu BD09LL)", false, chinaBounds, bd09{}, false),
	)
	return defs
}

func bound(b [4]float64) orb.Bound {
	return orb.Bound{Min: orb.Point{b[0], b[1]}, Max: orb.Point{b[2], b[3]}}
}
