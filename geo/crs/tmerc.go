package crs

import (
	"fmt"
	"math"
)

// ellipsoid is a reference ellipsoid given by its semi-major axis (metres)
// and inverse flattening.
type ellipsoid struct {
	a, invF float64
}

var (
	// grs80 is the ellipsoid of CGCS2000 (EPSG:7044 has the same a and f;
	// PROJ's definitions of EPSG:4490 and the CGCS2000 Gauss–Krüger zones use
	// +ellps=GRS80).
	grs80 = ellipsoid{a: 6378137, invF: 298.257222101}
	// wgs84Ellipsoid is the ellipsoid of WGS 84 (EPSG:7030).
	wgs84Ellipsoid = ellipsoid{a: 6378137, invF: 298.257223563}
)

// tmerc is the ellipsoidal Transverse Mercator projection computed with the
// Krüger series in n to sixth order, as given by C. F. F. Karney,
// "Transverse Mercator with an accuracy of a few nanometers", J. Geodesy 85
// (2011) 475–485, eqs. (9)–(11) and (35)–(36). Within 3,900 km of the
// central meridian the series is accurate to about 5 nm; PROJ's default
// tmerc (Poder/Engsager) is the same sixth-order series.
type tmerc struct {
	lon0       float64 // central meridian, degrees
	k0         float64 // scale factor on the central meridian
	fe, fn     float64 // false easting and northing, metres
	e, e2m     float64 // eccentricity and 1-e²
	ka         float64 // k0 × rectifying radius A
	alpha      [6]float64
	beta       [6]float64
	poleNorth  float64 // northing of the North Pole
	maxEasting float64 // |E - FE| beyond which the series is not used
}

func newTmerc(ell ellipsoid, lon0, k0, fe, fn float64) *tmerc {
	f := 1 / ell.invF
	n := f / (2 - f)
	n2 := n * n
	n3 := n2 * n
	n4 := n3 * n
	n5 := n4 * n
	n6 := n5 * n
	a := ell.a / (1 + n) * (1 + n2/4 + n4/64 + n6/256)
	t := &tmerc{
		lon0: lon0, k0: k0, fe: fe, fn: fn,
		e:   math.Sqrt(f * (2 - f)),
		e2m: (1 - f) * (1 - f),
		ka:  k0 * a,
	}
	t.alpha = [6]float64{
		n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180 - 127*n5/288 + 7891*n6/37800,
		13*n2/48 - 3*n3/5 + 557*n4/1440 + 281*n5/630 - 1983433*n6/1935360,
		61*n3/240 - 103*n4/140 + 15061*n5/26880 + 167603*n6/181440,
		49561*n4/161280 - 179*n5/168 + 6601661*n6/7257600,
		34729*n5/80640 - 3418889*n6/1995840,
		212378941 * n6 / 319334400,
	}
	t.beta = [6]float64{
		n/2 - 2*n2/3 + 37*n3/96 - n4/360 - 81*n5/512 + 96199*n6/604800,
		n2/48 + n3/15 - 437*n4/1440 + 46*n5/105 - 1118711*n6/3870720,
		17*n3/480 - 37*n4/840 - 209*n5/4480 + 5569*n6/90720,
		4397*n4/161280 - 11*n5/504 - 830251*n6/7257600,
		4583*n5/161280 - 108847*n6/3991680,
		20648693 * n6 / 638668800,
	}
	t.poleNorth = t.ka * math.Pi / 2
	// The series is meant for |λ| up to about 35° at the equator, where the
	// easting reaches roughly 4,000 km. Beyond that the inverse no longer
	// returns a meaningful point, so it is refused.
	t.maxEasting = t.ka * 0.7
	return t
}

// taup returns τ′, the tangent of the conformal latitude, for τ = tan φ
// (Karney 2011, eq. 7).
func (t *tmerc) taup(tau float64) float64 {
	tau1 := math.Hypot(1, tau)
	sig := math.Sinh(t.e * math.Atanh(t.e*tau/tau1))
	return math.Hypot(1, sig)*tau - sig*tau1
}

// tauf inverts taup with Newton's method (Karney 2011, eqs. 19–21).
func (t *tmerc) tauf(taup float64) float64 {
	tau := taup / t.e2m
	for range 10 {
		tp := t.taup(tau)
		d := (taup - tp) * (1 + t.e2m*tau*tau) /
			(t.e2m * math.Hypot(1, tau) * math.Hypot(1, tp))
		tau += d
		if math.Abs(d) <= 1e-15*math.Max(1, math.Abs(tau)) {
			break
		}
	}
	return tau
}

// forward maps longitude and latitude in degrees to easting and northing in
// metres.
func (t *tmerc) forward(lon, lat float64) (float64, float64, error) {
	lam := normalizeLon(lon-t.lon0) * math.Pi / 180
	if math.Abs(lam) > math.Pi/2 {
		return 0, 0, fmt.Errorf("crs: longitude %v is more than 90° from the central meridian %v", lon, t.lon0)
	}
	if math.Abs(lat) == 90 {
		return t.fe, t.fn + math.Copysign(t.poleNorth, lat), nil
	}
	phi := lat * math.Pi / 180
	taup := t.taup(math.Tan(phi))
	sinLam, cosLam := math.Sincos(lam)
	xip := math.Atan2(taup, cosLam)
	etap := math.Asinh(sinLam / math.Hypot(taup, cosLam))
	zeta := complex(xip, etap)
	zeta += sinSeries(&t.alpha, zeta)
	return t.fe + t.ka*imag(zeta), t.fn + t.ka*real(zeta), nil
}

// inverse maps easting and northing in metres to longitude and latitude in
// degrees.
func (t *tmerc) inverse(e, n float64) (float64, float64, error) {
	if math.Abs(e-t.fe) > t.maxEasting || math.Abs(n-t.fn) > t.poleNorth*1.0000001 {
		return 0, 0, fmt.Errorf("crs: easting %v, northing %v lie outside the Transverse Mercator domain", e, n)
	}
	xi := (n - t.fn) / t.ka
	eta := (e - t.fe) / t.ka
	zetap := complex(xi, eta)
	zetap -= sinSeries(&t.beta, zetap)
	xip, etap := real(zetap), imag(zetap)
	sinXip, cosXip := math.Sincos(xip)
	sinhEtap := math.Sinh(etap)
	r := math.Hypot(sinhEtap, cosXip)
	var lat float64
	if r == 0 {
		lat = math.Copysign(90, xip)
	} else {
		lat = math.Atan(t.tauf(sinXip/r)) * 180 / math.Pi
	}
	lon := t.lon0 + math.Atan2(sinhEtap, cosXip)*180/math.Pi
	return normalizeLon(lon), lat, nil
}

// sinSeries returns Σ c_j sin(2jζ), j = 1…6, for complex ζ by Clenshaw
// summation (Karney 2011, eq. 45), with a single complex sine and cosine.
func sinSeries(c *[6]float64, zeta complex128) complex128 {
	s, co := math.Sincos(2 * real(zeta))
	ex := math.Exp(2 * imag(zeta))
	sh, ch := (ex-1/ex)/2, (ex+1/ex)/2
	sin2 := complex(s*ch, co*sh)
	a := 2 * complex(co*ch, -s*sh) // 2 cos 2ζ
	var b1, b2 complex128
	for j := len(c) - 1; j >= 0; j-- {
		b1, b2 = a*b1-b2+complex(c[j], 0), b1
	}
	return b1 * sin2
}

// normalizeLon brings a longitude in degrees into [-180, 180].
func normalizeLon(lon float64) float64 {
	if lon >= -180 && lon <= 180 {
		return lon
	}
	lon = math.Mod(lon, 360)
	switch {
	case lon > 180:
		lon -= 360
	case lon < -180:
		lon += 360
	}
	return lon
}
