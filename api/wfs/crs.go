package wfs

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// WFS versions.
const (
	V200 = "2.0.0"
	V110 = "1.1.0"
	// V100 is accepted only for transactions, which QGIS sends as WFS
	// 1.0.0 whatever version it reads with.
	V100 = "1.0.0"
)

// Names of WGS84 in the forms clients send.
const (
	URN4326   = "urn:ogc:def:crs:EPSG::4326"
	HTTP4326  = "http://www.opengis.net/def/crs/EPSG/0/4326"
	Short4326 = "EPSG:4326"
	URNCRS84  = "urn:ogc:def:crs:OGC:1.3:CRS84"
	HTTPCRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
)

// Projection converts between WGS84 longitude/latitude and the
// coordinates of another CRS (x, y in the CRS's own order-free sense:
// easting then northing). geo/crs provides them; see Service.Resolve.
type Projection interface {
	Forward(lonLat orb.Point) (orb.Point, error)
	Inverse(xy orb.Point) (orb.Point, error)
}

// CRSResolver returns the projection for an EPSG code other than 4326
// and whether the CRS's first axis is northing (as for most geographic
// CRSs in their URN and http forms).
type CRSResolver func(epsg int) (p Projection, northingFirst bool, ok bool)

// crs is a coordinate reference system a request names.
type crs struct {
	// Name is the srsName as the request wrote it, echoed in answers.
	Name string
	EPSG int
	// SwapXY: coordinates are written northing (latitude) first.
	SwapXY bool
	// Proj converts from WGS84 (nil for WGS84 itself).
	Proj Projection
}

var wgs84URN = crs{Name: URN4326, EPSG: 4326, SwapXY: true}

// parseCRS reads an srsName. The URN and http forms of EPSG:4326 are
// latitude first, as EPSG defines the CRS; the short form EPSG:4326 and
// the old http://www.opengis.net/gml/srs/epsg.xml#4326 are longitude first
// (as GeoServer reads them), and so is CRS84 in every form.
func parseCRS(name string, resolve CRSResolver) (crs, error) {
	s := strings.TrimSpace(name)
	lower := strings.ToLower(s)
	code := ""
	swapForm := false // the form in which EPSG axis order applies
	switch {
	case lower == "crs:84" || lower == "ogc:crs84" || lower == strings.ToLower(URNCRS84) ||
		lower == "urn:ogc:def:crs:ogc::crs84" || lower == strings.ToLower(HTTPCRS84) ||
		lower == "https://www.opengis.net/def/crs/ogc/1.3/crs84":
		return crs{Name: s, EPSG: 4326}, nil
	case strings.HasPrefix(lower, "urn:ogc:def:crs:epsg:") || strings.HasPrefix(lower, "urn:x-ogc:def:crs:epsg:"):
		code = s[strings.LastIndex(s, ":")+1:]
		swapForm = true
	case strings.HasPrefix(lower, "http://www.opengis.net/def/crs/epsg/") || strings.HasPrefix(lower, "https://www.opengis.net/def/crs/epsg/"):
		code = s[strings.LastIndex(s, "/")+1:]
		swapForm = true
	case strings.HasPrefix(lower, "http://www.opengis.net/gml/srs/epsg.xml#"):
		code = s[strings.LastIndex(s, "#")+1:]
	case strings.HasPrefix(lower, "epsg:"):
		code = s[5:]
	default:
		return crs{}, fmt.Errorf("srsName %q is not a CRS this service knows; use %s, %s or %s", name, URN4326, HTTP4326, URNCRS84)
	}
	n, err := strconv.Atoi(code)
	if err != nil || n <= 0 {
		return crs{}, fmt.Errorf("srsName %q has no EPSG code", name)
	}
	if n == 4326 {
		return crs{Name: s, EPSG: 4326, SwapXY: swapForm}, nil
	}
	if resolve != nil {
		if p, northFirst, ok := resolve(n); ok {
			return crs{Name: s, EPSG: n, SwapXY: swapForm && northFirst, Proj: p}, nil
		}
	}
	return crs{}, fmt.Errorf("srsName %q: EPSG:%d is not supported here; use %s or %s", name, n, URN4326, URNCRS84)
}

// toCRS converts a WGS84 position to the CRS, in the order it is written.
func (c crs) toCRS(p orb.Point) (orb.Point, error) {
	if c.Proj != nil {
		q, err := c.Proj.Forward(p)
		if err != nil {
			return p, err
		}
		p = q
	}
	if c.SwapXY {
		p[0], p[1] = p[1], p[0]
	}
	return p, nil
}

// fromCRS converts a position as written in the CRS to WGS84 lon/lat.
func (c crs) fromCRS(p orb.Point) (orb.Point, error) {
	if c.SwapXY {
		p[0], p[1] = p[1], p[0]
	}
	if c.Proj != nil {
		return c.Proj.Inverse(p)
	}
	return p, nil
}
