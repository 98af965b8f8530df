package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// WGS84 ellipsoid.
const (
	wgs84A = 6378137.0         // semi-major axis, metres
	wgs84F = 1 / 298.257223563 // flattening

	degree = math.Pi / 180

	// lowerBoundRadius is a sphere radius below every radius of curvature
	// of WGS84 (the smallest, the meridian radius at the equator, is
	// b²/a ≈ 6,335,439 m). A path on the ellipsoid is never shorter than the
	// same path, in geodetic coordinates, on this sphere, so box-to-box
	// bounds computed with it never overestimate a geodesic distance. It is
	// also below b, and an ellipsoidal distance is at least b times the
	// angle between the points on the auxiliary sphere, so it turns chords
	// there into lower bounds too.
	lowerBoundRadius = 6_330_000.0
)

// Distances are geodesic on the WGS84 ellipsoid. The computation works on
// Bessel's auxiliary sphere (reduced latitude, same longitude): the closest
// points are found there with vector algebra, and the distance between them is
// converted to the ellipsoid with Lambert's formula, whose error is of the
// order of the flattening squared (a few parts in 10⁵).
//
// Between two vertices a line follows the ellipsoidal geodesic: distances
// to it are measured to the geodesic (see geodesicFootDistance and
// geodesicArc), crossings are decided by the side of the geodesic
// (geodesicSide), and boxes and pruning bounds allow for the geodesic's
// departure from the auxiliary great circle (at most f·σ²/8 radians: 16 m
// over 500 km). Polygons contain points by the even–odd rule in
// longitude/latitude, as GeoJSON draws them. Longitudes must not cross the
// antimeridian.
//
// Accuracy: for geometries up to 500 km apart, with segments up to 500 km
// long, distances are within 0.1 % of the exact ellipsoidal distance (the
// tests find at most 10⁻⁴), or within 1 µm when that is more: no relative
// bound can hold as the distance tends to 0, since float64 degrees
// themselves place a point only to about a nanometre, and the tests'
// reference to a fraction of a micrometre.

// vec3 is a point on the unit sphere, or a direction.
type vec3 struct{ x, y, z float64 }

func (a vec3) dot(b vec3) float64 { return a.x*b.x + a.y*b.y + a.z*b.z }
func (a vec3) cross(b vec3) vec3 {
	return vec3{a.y*b.z - a.z*b.y, a.z*b.x - a.x*b.z, a.x*b.y - a.y*b.x}
}
func (a vec3) add(b vec3) vec3      { return vec3{a.x + b.x, a.y + b.y, a.z + b.z} }
func (a vec3) sub(b vec3) vec3      { return vec3{a.x - b.x, a.y - b.y, a.z - b.z} }
func (a vec3) scale(s float64) vec3 { return vec3{a.x * s, a.y * s, a.z * s} }
func (a vec3) norm2() float64       { return a.dot(a) }
func (a vec3) normalize() vec3      { return a.scale(1 / math.Sqrt(a.norm2())) }

// auxVector returns the unit vector of a WGS84 longitude/latitude (degrees)
// on the auxiliary sphere: tan β = (1−f)·tan φ.
func auxVector(lon, lat float64) vec3 {
	sinPhi, cosPhi := math.Sincos(lat * degree)
	sinLam, cosLam := math.Sincos(lon * degree)
	sb, cb := (1-wgs84F)*sinPhi, cosPhi
	inv := 1 / math.Sqrt(sb*sb+cb*cb) // never 0: cos φ and sin φ are not both 0
	sb, cb = sb*inv, cb*inv
	return vec3{cb * cosLam, cb * sinLam, sb}
}

// auxToLonLat inverts auxVector.
func auxToLonLat(v vec3) (lon, lat float64) {
	lon = math.Atan2(v.y, v.x) / degree
	beta := math.Atan2(v.z, math.Hypot(v.x, v.y))
	lat = math.Atan2(math.Sin(beta), (1-wgs84F)*math.Cos(beta)) / degree
	return lon, lat
}

// lambertDistance returns the ellipsoidal distance in metres between two
// points given by their auxiliary-sphere vectors (Lambert's formula).
func lambertDistance(p, q vec3) float64 {
	if p == q {
		return 0
	}
	sinSigma := math.Sqrt(p.cross(q).norm2())
	sigma := math.Atan2(sinSigma, p.dot(q))
	if sigma == 0 {
		return 0
	}
	// sin²(σ/2) and cos²(σ/2) from chords, which stay exact for tiny σ.
	sinHalf2 := p.sub(q).norm2() / 4
	cosHalf2 := p.add(q).norm2() / 4
	// sin P cos Q and cos P sin Q, with P, Q the half sum and half
	// difference of the reduced latitudes.
	sPcQ := (p.z + q.z) / 2
	cPsQ := (q.z - p.z) / 2
	var x, y float64
	if cosHalf2 > 0 {
		x = (sigma - sinSigma) * sPcQ * sPcQ / cosHalf2
	}
	if sinHalf2 > 0 {
		y = (sigma + sinSigma) * cPsQ * cPsQ / sinHalf2
	}
	return wgs84A * (sigma - wgs84F/2*(x+y))
}

// PointDistance returns the geodesic distance in metres between two WGS84
// longitude/latitude points.
func PointDistance(p, q orb.Point) float64 {
	return lambertDistance(auxVector(p[0], p[1]), auxVector(q[0], q[1]))
}

// arcNormal returns a × b, computed as (a+b)×(b−a)/2, which keeps its
// direction accurate to rounding for arcs of any length: the plain cross
// product of two nearly equal unit vectors loses digits to cancellation,
// and for a 10 m arc its direction is off by up to 10⁻¹⁰ rad, which moves
// the circle near the arc by a fraction of a millimetre (a 10 % error at
// a millimetre from it).
func arcNormal(a, b vec3) vec3 {
	return a.add(b).cross(b.sub(a)).scale(0.5)
}

// arcCandidates collects the nearest points of a few point–arc pairs on
// the auxiliary sphere and converts to metres only those that can be the
// nearest on the ellipsoid: the ratio of ellipsoidal distance to chord
// varies with direction by well under 1 % (about the flattening), so a
// candidate whose squared chord exceeds the smallest by more than 3 % can
// never win.
type arcCandidates struct {
	n     int
	items [4]arcCandidate
}

type arcCandidate struct {
	p, a, b vec3
	q       vec3 // nearest point of the arc on the sphere
	chord2  float64
	foot    bool // q is inside the arc (a perpendicular foot)
}

// add records the nearest point to p of the arc a–b.
func (c *arcCandidates) add(p, a, b vec3) {
	it := arcCandidate{p: p, a: a, b: b}
	da, db := p.sub(a).norm2(), p.sub(b).norm2()
	if da <= db {
		it.q, it.chord2 = a, da
	} else {
		it.q, it.chord2 = b, db
	}
	n := arcNormal(a, b)
	if nn := n.norm2(); nn >= 1e-30 && p.dot(n.cross(a)) > 0 && p.dot(b.cross(n)) > 0 {
		foot := footOnCircle(p, n, nn)
		if d := p.sub(foot).norm2(); d < it.chord2 {
			it.q, it.chord2, it.foot = foot, d, true
		}
	}
	c.items[c.n] = it
	c.n++
}

// distance returns the smallest ellipsoidal distance among the candidates.
func (c *arcCandidates) distance() float64 {
	least := math.Inf(1)
	for _, it := range c.items[:c.n] {
		least = math.Min(least, it.chord2)
	}
	best := math.Inf(1)
	for _, it := range c.items[:c.n] {
		if it.chord2 > least*1.03 {
			continue
		}
		d := lambertDistance(it.p, it.q)
		if it.foot {
			// The foot of a long arc moves onto the geodesic, and near an
			// end of the arc the end itself may be nearer on the ellipsoid.
			d = geodesicFootDistance(it.p, it.a, it.b, d)
			if math.IsInf(d, 1) { // the geodesic's nearest point is an end
				d = math.Min(lambertDistance(it.p, it.a), lambertDistance(it.p, it.b))
			}
			if it.p.sub(it.a).norm2() <= it.chord2*1.03 {
				d = math.Min(d, lambertDistance(it.p, it.a))
			}
			if it.p.sub(it.b).norm2() <= it.chord2*1.03 {
				d = math.Min(d, lambertDistance(it.p, it.b))
			}
		}
		best = math.Min(best, d)
	}
	return best
}

// geodesicFootDistance returns the distance from p to the interior of the
// geodesic a–b (+Inf when the nearest point of the geodesic is an end),
// given the distance to the great-circle foot.
//
// Two cheap estimates serve where their error, a fixed length for a given
// arc, is below 10⁻⁴ of the distance: the auxiliary great circle for arcs
// shorter than longArc, which parts from the geodesic by at most
// f·σ²/8 radians (27 µm at 600 m), and beyond that the first-order
// geodesic below, good to about 0.07·f²·σ² radians (3 cm over 500 km).
// Nearer points, where that would be too much (within 1.3 km of a 500 km
// arc, 2 m of a 20 km one, 0.5 m of a 600 m one), get the exact geodesic
// (geodesicArc).
func geodesicFootDistance(p, a, b vec3, sphereFoot float64) float64 {
	n := arcNormal(a, b)
	nn := n.norm2()
	if nn < longArc*longArc {
		if sphereFoot >= greatCircleTrusted*nn {
			return sphereFoot
		}
		return exactFootDistance(p, a, b, sphereFoot)
	}
	// On the ellipsoid the geodesic is the great circle of the auxiliary
	// sphere in Bessel's spherical longitude ω, which runs ahead of the
	// longitude λ by f·sin α₀·σ along the way (to first order in f): the
	// geodesic a–b is the great circle a–b′, with b′ = b turned east by
	// δ = f·sin α₀·σ(a,b), turned back west by δ·t at the fraction t of the
	// way. Turning about the axis keeps distances, so the point nearest to
	// p is found by turning p east by δ·t (t from the plain foot).
	sinAlpha0 := n.z / math.Sqrt(nn)
	sigma := math.Atan2(math.Sqrt(nn), a.dot(b))
	delta := wgs84F * sinAlpha0 * sigma
	t := arcFraction(a, footOnCircle(p, n, nn), sigma)
	b1 := rotateEast(b, delta)
	p1 := rotateEast(p, delta*t)
	n1 := arcNormal(a, b1)
	nn1 := n1.norm2()
	if !(p1.dot(n1.cross(a)) > 0 && p1.dot(b1.cross(n1)) > 0) {
		// The nearest point is an end, or so near one that the end is
		// as near to within (f·σ)²/2, under a part in 10⁷ (the two
		// geodesics leave the end within f·σ radians of each other).
		return math.Inf(1)
	}
	d := lambertDistance(p1, footOnCircle(p1, n1, nn1))
	if d >= firstOrderTrusted*nn {
		return d
	}
	return exactFootDistance(p, a, b, d)
}

// Distances (metres, per unit of |a × b|² = sin²σ) from an arc above which
// the cheap estimates of geodesicFootDistance are within 10⁻⁴ of the exact
// foot: 10⁴ times twice their largest error (f·a/8·sin²σ for the great
// circle, measured 0.07·f²·a·sin²σ for the first-order geodesic, here
// rounded up to 0.15).
const (
	greatCircleTrusted = 1e4 * wgs84F * wgs84A / 4
	firstOrderTrusted  = 1e4 * 0.3 * wgs84F * wgs84F * wgs84A
)

// exactFootDistance returns the distance from p to the interior of the
// geodesic a–b by geodesicArc, or fallback when the arc is degenerate.
func exactFootDistance(p, a, b vec3, fallback float64) float64 {
	g, ok := newGeodesicArc(a, b)
	if !ok {
		return fallback
	}
	return g.footDistance(p, math.Atan2(p.dot(g.w), p.dot(g.a)))
}

// longArc is the arc length (radians, about 600 m) above which
// geodesicFootDistance starts from the first-order geodesic instead of
// the auxiliary great circle; below it the two part by less than 0.03 mm.
const longArc = 1e-4

// footOnCircle returns the unit vector nearest to p on the great circle
// with normal n (nn = |n|²).
func footOnCircle(p, n vec3, nn float64) vec3 {
	foot := p.sub(n.scale(p.dot(n) / nn))
	f2 := foot.norm2()
	if f2 < 1e-30 { // p is a pole of the circle: every point is nearest
		return n.cross(p).normalize()
	}
	return foot.scale(1 / math.Sqrt(f2))
}

// arcFraction returns how far c lies along the arc from a that spans
// sigma radians, as a fraction.
func arcFraction(a, c vec3, sigma float64) float64 {
	return math.Atan2(math.Sqrt(a.cross(c).norm2()), a.dot(c)) / sigma
}

// rotateEast turns v about the polar axis by angle radians.
func rotateEast(v vec3, angle float64) vec3 {
	s, c := math.Sincos(angle)
	return vec3{v.x*c - v.y*s, v.x*s + v.y*c, v.z}
}

// arcsCross reports whether the geodesics a0–a1 and b0–b1 cross at a
// point inside both. Touching and collinear arcs report false: their
// distance is found as a point-to-arc distance, which is then (close to)
// zero.
func arcsCross(a0, a1, b0, b1 vec3) bool {
	na := arcNormal(a0, a1)
	s0, s1 := geodesicSide(na, a0, a1, b0), geodesicSide(na, a0, a1, b1)
	if !(s0 > 0 && s1 < 0 || s0 < 0 && s1 > 0) {
		return false
	}
	nb := arcNormal(b0, b1)
	t0, t1 := geodesicSide(nb, b0, b1, a0), geodesicSide(nb, b0, b1, a1)
	if !(t0 > 0 && t1 < 0 || t0 < 0 && t1 > 0) {
		return false
	}
	// The two great circles meet at ±(na × nb); short arcs that straddle
	// each other's circles meet at the point in their own hemisphere.
	return a0.add(a1).dot(b0.add(b1)) > 0
}

// geodesicSide returns a number whose sign tells the side of p from the
// geodesic through a and b (positive on the side n = arcNormal(a, b)
// points to). It is n·p, the side from the great circle, unless p is so
// near the circle that the geodesic may pass on its other side: the two
// part by at most about f/2·τ·(σ−τ) radians at arc τ from a, below
// 2f·|p−a|·|p−b| (chords, also beyond the ends), where the side is taken
// from the geodesic itself.
func geodesicSide(n, a, b, p vec3) float64 {
	s := n.dot(p)
	nn := n.norm2()
	const f2 = wgs84F * wgs84F
	if s*s > 64*f2*nn || s*s > 4*f2*nn*p.sub(a).norm2()*p.sub(b).norm2() || p == a || p == b {
		return s
	}
	g, ok := newGeodesicArc(a, b)
	if !ok {
		return s
	}
	_, p1 := g.foot(p, math.Atan2(p.dot(g.w), p.dot(g.a)))
	return p1.dot(g.a.cross(g.w))
}

// Distance returns the geodesic distance in metres between two geometries
// in WGS84 longitude/latitude: 0 when they intersect (a point inside a
// polygon, a line crossing one, two lines crossing), otherwise the length of
// the shortest geodesic between them, within 0.1 % or 1 µm (see the
// accuracy note above). It returns +Inf when either is nil or
// empty. Every orb geometry type is accepted. To measure one geometry against
// many, prepare it once with NewShape.
func Distance(a, b orb.Geometry) float64 {
	return NewShape(a).Distance(NewShape(b))
}

// geodesicArc is the ellipsoidal geodesic from a to b described exactly
// on the auxiliary sphere: in Bessel's spherical longitude ω it is the
// great circle from a through u (b turned east by ω₁₂ − λ₁₂), and the
// point at arc σ from the equator crossing has longitude
// λ = ω − f·sin α₀·I₃(σ), with
//
//	I₃(σ) = ∫ (2−f) / (1 + (1−f)·√(1 + k²·sin²σ)) dσ,  k² = e′²·cos²α₀
//
// (Karney, "Algorithms for geodesics", J. Geodesy 87, 2013, eq. 8).
type geodesicArc struct {
	a, w      vec3    // a and the unit tangent at a, spanning the ω circle
	sigma1    float64 // arc from the equator crossing to a
	sigma12   float64 // arc from a to b
	sinAlpha0 float64
	k2        float64
}

// e2Prime is the second eccentricity squared of WGS84.
const e2Prime = wgs84F * (2 - wgs84F) / ((1 - wgs84F) * (1 - wgs84F))

// newGeodesicArc solves the inverse problem from a to b: it turns b east
// until the shift agrees with the I₃ integral of the circle it defines. Each
// round shrinks the error by a factor of about f; a few suffice.
func newGeodesicArc(a, b vec3) (g geodesicArc, ok bool) {
	n := arcNormal(a, b)
	nn := n.norm2()
	if nn < 1e-30 {
		return g, false
	}
	shift := wgs84F * n.z / math.Sqrt(nn) * math.Atan2(math.Sqrt(nn), a.dot(b))
	for range 8 {
		u := rotateEast(b, shift)
		n = arcNormal(a, u)
		nn = n.norm2()
		if nn < 1e-30 {
			return g, false
		}
		inv := 1 / math.Sqrt(nn)
		nh := n.scale(inv)
		g.a = a
		g.w = nh.cross(a)
		g.sigma12 = math.Atan2(math.Sqrt(nn), a.dot(u))
		g.sinAlpha0 = nh.z
		cos2Alpha0 := nh.x*nh.x + nh.y*nh.y
		g.k2 = e2Prime * cos2Alpha0
		g.sigma1 = 0
		if cos2Alpha0 > 1e-30 {
			// The ascending node is along ẑ × n̂; the arc from it to a has
			// sin σ₁ = a_z / cos α₀.
			c := math.Sqrt(cos2Alpha0)
			node := vec3{-nh.y / c, nh.x / c, 0}
			g.sigma1 = math.Atan2(a.z/c, a.dot(node))
		}
		next := g.lonShift(g.sigma12)
		done := math.Abs(next-shift) <= 1e-15
		shift = next
		if done {
			break
		}
	}
	return g, true
}

// lonShift returns ω − λ at arc tau from a, relative to a:
// f·sin α₀·(I₃(σ₁+τ) − I₃(σ₁)), by five-point Gauss–Legendre quadrature
// on pieces of at most a quarter radian, which integrates the smooth
// integrand (it varies by about k²/4 ≈ 0.0017, with period π) to far
// below double precision.
func (g *geodesicArc) lonShift(tau float64) float64 {
	if g.sinAlpha0 == 0 || tau == 0 {
		return 0
	}
	pieces := int(math.Abs(tau)/0.25) + 1
	h := tau / float64(pieces)
	sum := 0.0
	for i := range pieces {
		mid := g.sigma1 + (float64(i)+0.5)*h
		for j, x := range gaussNodes {
			s := math.Sin(mid + x*h/2)
			sum += gaussWeights[j] * (2 - wgs84F) / (1 + (1-wgs84F)*math.Sqrt(1+g.k2*s*s))
		}
	}
	return wgs84F * g.sinAlpha0 * sum * h / 2
}

// Five-point Gauss–Legendre nodes and weights on [−1, 1].
var (
	gaussNodes   = [5]float64{-0.9061798459386640, -0.5384693101056831, 0, 0.5384693101056831, 0.9061798459386640}
	gaussWeights = [5]float64{0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665, 0.2369268850561891}
)

// at returns the point of the geodesic at arc tau from a (used by tests).
func (g *geodesicArc) at(tau float64) vec3 {
	s, c := math.Sincos(tau)
	return rotateEast(g.a.scale(c).add(g.w.scale(s)), -g.lonShift(tau))
}

// foot returns the arc from a of the foot of the perpendicular from p to
// the (extended) geodesic, starting from the estimate tau, and p turned
// east by the longitude shift there, which puts the geodesic near the foot
// on the ω great circle. It iterates: turned by the shift at the current
// foot, p sees the geodesic there as the ω great circle, whose
// perpendicular foot is the next estimate; the error shrinks by a factor
// of about f·sin α₀ a round.
func (g *geodesicArc) foot(p vec3, tau float64) (float64, vec3) {
	var p1 vec3
	for range 12 {
		p1 = rotateEast(p, g.lonShift(tau))
		next := math.Atan2(p1.dot(g.w), p1.dot(g.a))
		done := math.Abs(next-tau) <= 1e-15
		tau = next
		if done {
			break // p1 was turned by the shift at a tau within 10⁻¹⁵
		}
	}
	return tau, p1
}

// footDistance returns the distance from p to the nearest point of the
// geodesic's interior, or +Inf when that point is an end. The foot is that
// of the perpendicular on the auxiliary sphere, not on the ellipsoid; the
// two differ in direction by at most about e²/2, which changes the
// distance by a relative (e²/2)²/2 ≈ 6·10⁻⁶ at most.
func (g *geodesicArc) footDistance(p vec3, tau float64) float64 {
	tau, p1 := g.foot(p, tau)
	if tau < 0 || tau > g.sigma12 {
		return math.Inf(1)
	}
	s, c := math.Sincos(tau)
	return lambertDistance(p1, g.a.scale(c).add(g.w.scale(s)))
}
