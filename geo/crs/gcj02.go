package crs

import "math"

// GCJ-02 ("Mars coordinates", 国测局坐标) is the datum mandated for web maps
// in China and used by Gaode/AMap and Tencent. It is WGS 84 plus an
// obfuscating offset of 100–700 m, published by reverse engineering as a
// closed formula on the Krasovsky ellipsoid (a = 6,378,245 m,
// e² = 0.00669342162296594323). The formula used here is the one every
// public implementation shares, for example googollee/eviltransform and
// wandergis/coordtransform; this is an independent implementation.
//
// BD-09 (BD09LL, Baidu's longitude/latitude) adds a second offset to GCJ-02.
// Baidu documents that outside China (including Hong Kong, Macao and
// Taiwan, which it counts as inside) its maps use plain WGS 84
// (https://lbs.baidu.com/faq/api?title=androidsdk/guide/tool/coordinate),
// so here, as for GCJ-02, no offset applies outside the China rectangle.

const (
	krasovskyA  = 6378245.0
	krasovskyE2 = 0.00669342162296594323
	// bdXPi is π·3000/180, the angular factor of the BD-09 formula.
	bdXPi = math.Pi * 3000.0 / 180.0
)

// outOfChina is the rectangle test of the published GCJ-02 formula: outside
// longitude 72.004–137.8347°E and latitude 0.8293–55.8271°N no offset is
// applied. (Some libraries, e.g. wandergis/coordtransform, use the narrower
// 73.66–135.05°E, 3.86–53.55°N; they agree everywhere on land in China.)
func outOfChina(lon, lat float64) bool {
	return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271
}

// chinaBounds is the rectangle of outOfChina, the area of use of GCJ-02 and
// BD-09.
var chinaBounds = [4]float64{72.004, 0.8293, 137.8347, 55.8271}

// gcjOffset returns the GCJ-02 offset in degrees of longitude and latitude
// at a WGS 84 point, without the rectangle test.
func gcjOffset(lon, lat float64) (dLon, dLat float64) {
	x, y := lon-105, lat-35
	common := (20*math.Sin(6*x*math.Pi) + 20*math.Sin(2*x*math.Pi)) * 2 / 3
	tLat := -100 + 2*x + 3*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x)) + common +
		(20*math.Sin(y*math.Pi)+40*math.Sin(y/3*math.Pi))*2/3 +
		(160*math.Sin(y/12*math.Pi)+320*math.Sin(y*math.Pi/30))*2/3
	tLon := 300 + x + 2*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x)) + common +
		(20*math.Sin(x*math.Pi)+40*math.Sin(x/3*math.Pi))*2/3 +
		(150*math.Sin(x/12*math.Pi)+300*math.Sin(x/30*math.Pi))*2/3
	phi := lat * math.Pi / 180
	s := math.Sin(phi)
	magic := 1 - krasovskyE2*s*s
	sqrtMagic := math.Sqrt(magic)
	dLat = tLat * 180 / ((krasovskyA * (1 - krasovskyE2)) / (magic * sqrtMagic) * math.Pi)
	dLon = tLon * 180 / (krasovskyA / sqrtMagic * math.Cos(phi) * math.Pi)
	return dLon, dLat
}

// wgsToGCJ applies the published GCJ-02 formula.
func wgsToGCJ(lon, lat float64) (float64, float64) {
	if outOfChina(lon, lat) {
		return lon, lat
	}
	dLon, dLat := gcjOffset(lon, lat)
	return lon + dLon, lat + dLat
}

// inverseTolerance is where the iterative inverses stop, in degrees
// (1e-12° is about 0.1 µm on the ground).
const inverseTolerance = 1e-12

// gcjToWGS inverts wgsToGCJ by fixed-point iteration w ← w − (F(w) − g).
// The offset changes by at most a few thousandths of its argument per
// degree, so each step gains more than two decimal digits; 1e-12° is
// reached in about five steps.
func gcjToWGS(lon, lat float64) (float64, float64) {
	if outOfChina(lon, lat) {
		return lon, lat
	}
	return gcjToWGSUnbounded(lon, lat)
}

// gcjToBD applies the published BD-09 formula to a GCJ-02 point.
func gcjToBD(lon, lat float64) (float64, float64) {
	z := math.Sqrt(lon*lon+lat*lat) + 0.00002*math.Sin(lat*bdXPi)
	theta := math.Atan2(lat, lon) + 0.000003*math.Cos(lon*bdXPi)
	return z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006
}

// bdToGCJApprox is the published approximate inverse of gcjToBD; it is off
// by up to about a metre because it evaluates the sine terms at the BD-09
// point instead of the GCJ-02 one.
func bdToGCJApprox(lon, lat float64) (float64, float64) {
	x, y := lon-0.0065, lat-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	return z * math.Cos(theta), z * math.Sin(theta)
}

// bdToGCJ inverts gcjToBD exactly: it starts at the published approximation
// and refines by fixed-point iteration.
func bdToGCJ(lon, lat float64) (float64, float64) {
	gLon, gLat := bdToGCJApprox(lon, lat)
	for range 30 {
		bLon, bLat := gcjToBD(gLon, gLat)
		eLon, eLat := bLon-lon, bLat-lat
		gLon -= eLon
		gLat -= eLat
		if math.Abs(eLon) < inverseTolerance && math.Abs(eLat) < inverseTolerance {
			break
		}
	}
	return gLon, gLat
}

// gcj02 is the projection object of the GCJ-02 CRS.
type gcj02 struct{}

func (gcj02) forward(lon, lat float64) (float64, float64, error) {
	x, y := wgsToGCJ(lon, lat)
	return x, y, nil
}

func (gcj02) inverse(lon, lat float64) (float64, float64, error) {
	x, y := gcjToWGS(lon, lat)
	return x, y, nil
}

// bd09 is the projection object of the BD-09 CRS. Outside the China
// rectangle (tested on the WGS 84 point going forward, on the BD-09 point
// going back) it is WGS 84 unchanged.
type bd09 struct{}

func (bd09) forward(lon, lat float64) (float64, float64, error) {
	if outOfChina(lon, lat) {
		return lon, lat, nil
	}
	x, y := gcjToBD(wgsToGCJ(lon, lat))
	return x, y, nil
}

func (bd09) inverse(lon, lat float64) (float64, float64, error) {
	if outOfChina(lon, lat) {
		return lon, lat, nil
	}
	gLon, gLat := bdToGCJ(lon, lat)
	// The GCJ-02 point may fall just outside the rectangle when the BD-09
	// one lies just inside; the offset still applies, so invert it without
	// the rectangle test.
	x, y := gcjToWGSUnbounded(gLon, gLat)
	return x, y, nil
}

// gcjToWGSUnbounded is gcjToWGS without the rectangle test on its input.
func gcjToWGSUnbounded(lon, lat float64) (float64, float64) {
	wLon, wLat := lon, lat
	for range 30 {
		dLon, dLat := gcjOffset(wLon, wLat)
		eLon, eLat := wLon+dLon-lon, wLat+dLat-lat
		wLon -= eLon
		wLat -= eLat
		if math.Abs(eLon) < inverseTolerance && math.Abs(eLat) < inverseTolerance {
			break
		}
	}
	return wLon, wLat
}
