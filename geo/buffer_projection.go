package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// TransverseMercator is the ellipsoidal (WGS84) transverse Mercator
// projection about any central meridian, by Krüger's series in the third
// flattening n to order n³ (the form UTM uses; the first omitted term is
// below 0.1 mm within 1,000 km of the central meridian). It is conformal:
// at every point lengths in all directions scale by the same factor k,
// which is k0 on the central meridian and grows as about
// k0·(1 + x²/2R²) at x metres east or west of it.
//
// Projected coordinates are metres east of the central meridian (x) and
// north of the origin latitude (y).
type TransverseMercator struct {
	lon0, k0, y0 float64
}

// Krüger's coefficients for WGS84.
var (
	tmN  = wgs84F / (2 - wgs84F)
	tmA  = wgs84A / (1 + tmN) * (1 + tmN*tmN/4 + tmN*tmN*tmN*tmN/64)
	tmE  = math.Sqrt(wgs84F * (2 - wgs84F))
	tmAl = [3]float64{
		tmN/2 - 2*tmN*tmN/3 + 5*tmN*tmN*tmN/16,
		13*tmN*tmN/48 - 3*tmN*tmN*tmN/5,
		61 * tmN * tmN * tmN / 240,
	}
	tmBe = [3]float64{
		tmN/2 - 2*tmN*tmN/3 + 37*tmN*tmN*tmN/96,
		tmN*tmN/48 + tmN*tmN*tmN/15,
		17 * tmN * tmN * tmN / 480,
	}
	tmDe = [3]float64{
		2*tmN - 2*tmN*tmN/3 - 2*tmN*tmN*tmN,
		7*tmN*tmN/3 - 8*tmN*tmN*tmN/5,
		56 * tmN * tmN * tmN / 15,
	}
)

// NewTransverseMercator returns the projection about the meridian lon0
// (degrees) with scale k0 on it, whose y is 0 at latitude lat0.
func NewTransverseMercator(lon0, lat0, k0 float64) *TransverseMercator {
	tm := &TransverseMercator{lon0: lon0, k0: k0}
	tm.y0 = tm.Forward(orb.Point{lon0, lat0})[1]
	return tm
}

// Forward projects a longitude/latitude (degrees) to x, y metres.
func (tm *TransverseMercator) Forward(p orb.Point) orb.Point {
	phi := p[1] * degree
	dLam := (p[0] - tm.lon0) * degree
	sinPhi := math.Sin(phi)
	t := math.Sinh(math.Atanh(sinPhi) - tmE*math.Atanh(tmE*sinPhi))
	sinL, cosL := math.Sincos(dLam)
	xi1 := math.Atan2(t, cosL)
	eta1 := math.Atanh(sinL / math.Sqrt(1+t*t))
	xi, eta := xi1, eta1
	for j, a := range tmAl {
		k := 2 * float64(j+1)
		s, c := math.Sincos(k * xi1)
		xi += a * s * math.Cosh(k*eta1)
		eta += a * c * math.Sinh(k*eta1)
	}
	return orb.Point{tm.k0 * tmA * eta, tm.k0*tmA*xi - tm.y0}
}

// Reverse turns projected x, y metres back into longitude/latitude.
func (tm *TransverseMercator) Reverse(q orb.Point) orb.Point {
	xi := (q[1] + tm.y0) / (tm.k0 * tmA)
	eta := q[0] / (tm.k0 * tmA)
	xi1, eta1 := xi, eta
	for j, b := range tmBe {
		k := 2 * float64(j+1)
		s, c := math.Sincos(k * xi)
		xi1 -= b * s * math.Cosh(k*eta)
		eta1 -= b * c * math.Sinh(k*eta)
	}
	chi := math.Asin(math.Sin(xi1) / math.Cosh(eta1))
	phi := chi
	for j, d := range tmDe {
		phi += d * math.Sin(2*float64(j+1)*chi)
	}
	lam := math.Atan2(math.Sinh(eta1), math.Cos(xi1))
	return orb.Point{tm.lon0 + lam/degree, phi / degree}
}

// meanEarthRadius is the radius used for the projection's scale growth
// x²/2R² (the geometric mean radius of curvature at mid latitudes is
// within 0.3 % of it, which changes k by less than 10⁻⁵ here).
const meanEarthRadius = 6_371_000.0

// newLocalProjection returns a transverse Mercator centred on bound: its
// central meridian runs through the middle of the bound and its scale on
// that meridian is chosen so that the scale error over the bound widened
// by margin metres on both sides is balanced, from −ε/2 on the meridian to
// +ε/2 at the edges, with ε = x²/2R² at the widest point x.
func newLocalProjection(bound orb.Bound, margin float64) *TransverseMercator {
	center := bound.Center()
	// The bound is widest at its latitude nearest the equator.
	minAbsLat := math.Min(math.Abs(bound.Min[1]), math.Abs(bound.Max[1]))
	if bound.Min[1] < 0 && bound.Max[1] > 0 {
		minAbsLat = 0
	}
	halfWidth := (bound.Max[0]-bound.Min[0])/2*degree*wgs84A*math.Cos(minAbsLat*degree) + margin
	eps := halfWidth * halfWidth / (2 * meanEarthRadius * meanEarthRadius)
	return NewTransverseMercator(center[0], center[1], 1/(1+eps/2))
}
