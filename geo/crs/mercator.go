package crs

import (
	"fmt"
	"math"
)

// webMercator is EPSG:3857, "WGS 84 / Pseudo-Mercator": the spherical
// Mercator formulas applied to WGS 84 longitude and latitude on a sphere of
// radius a = 6,378,137 m (EPSG method 1024).
type webMercator struct{}

const webMercatorRadius = 6378137.0

func (webMercator) forward(lon, lat float64) (float64, float64, error) {
	if math.Abs(lat) >= 90 {
		return 0, 0, fmt.Errorf("crs: latitude %v has no Web Mercator northing", lat)
	}
	phi := lat * math.Pi / 180
	return webMercatorRadius * normalizeLon(lon) * math.Pi / 180,
		webMercatorRadius * math.Asinh(math.Tan(phi)), nil
}

func (webMercator) inverse(x, y float64) (float64, float64, error) {
	const half = webMercatorRadius * math.Pi
	if math.Abs(x) > half*(1+1e-12) {
		return 0, 0, fmt.Errorf("crs: easting %v lies outside Web Mercator's ±%.3f m", x, half)
	}
	return x / webMercatorRadius * 180 / math.Pi,
		math.Atan(math.Sinh(y/webMercatorRadius)) * 180 / math.Pi, nil
}

// lonLat is a geographic CRS whose datum planmap treats as WGS 84: CRS84,
// EPSG:4326 and EPSG:4490 (CGCS2000; PROJ 9 also applies a null
// "ballpark" transformation between 4490 and 4326, whose real difference is
// at the centimetre level). Only the axis order differs, and that is handled
// by CRS.
type lonLat struct{}

func (lonLat) forward(lon, lat float64) (float64, float64, error) { return lon, lat, nil }
func (lonLat) inverse(lon, lat float64) (float64, float64, error) { return lon, lat, nil }
