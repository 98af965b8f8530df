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
// Between two vertices a line follows the ellipsoidal geodesic (see
// geodesicFootDistance); tests on crossings and boxes use the auxiliary
// great circle, which parts from it by centimetres over tens of kilometres.
// Polygons contain points by the even–odd rule in longitude/latitude, as
// GeoJSON draws them. Longitudes must not cross the antimeridian.

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
	n := a.cross(b)
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
// geodesic a–b, given the distance to the great-circle foot, which is
// returned unchanged for arcs shorter than longArc.
func geodesicFootDistance(p, a, b vec3, sphereFoot float64) float64 {
	n := a.cross(b)
	nn := n.norm2()
	if nn < longArc*longArc {
		return sphereFoot
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
	n1 := a.cross(b1)
	nn1 := n1.norm2()
	if !(p1.dot(n1.cross(a)) > 0 && p1.dot(b1.cross(n1)) > 0) {
		return math.Inf(1) // the nearest point is an end
	}
	return lambertDistance(p1, footOnCircle(p1, n1, nn1))
}

// longArc is the arc length (radians, about 600 m) above which
// pointArcDistance follows the ellipsoidal geodesic instead of the
// auxiliary great circle; below it the two part by less than 0.1 mm.
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

// arcsCross reports whether arcs a0–a1 and b0–b1 cross at a point inside
// both. Touching and collinear arcs report false: their distance is found
// as a point-to-arc distance, which is then (close to) zero.
func arcsCross(a0, a1, b0, b1 vec3) bool {
	na := a0.cross(a1)
	s0, s1 := na.dot(b0), na.dot(b1)
	if !(s0 > 0 && s1 < 0 || s0 < 0 && s1 > 0) {
		return false
	}
	nb := b0.cross(b1)
	t0, t1 := nb.dot(a0), nb.dot(a1)
	if !(t0 > 0 && t1 < 0 || t0 < 0 && t1 > 0) {
		return false
	}
	// The two great circles meet at ±(na × nb); short arcs that straddle
	// each other's circles meet at the point in their own hemisphere.
	return a0.add(a1).dot(b0.add(b1)) > 0
}

// Distance returns the geodesic distance in metres between two geometries
// in WGS84 longitude/latitude: 0 when they intersect (a point inside a
// polygon, a line crossing one, two lines crossing), otherwise the length of
// the shortest geodesic between them. It returns +Inf when either is nil or
// empty. Every orb geometry type is accepted. To measure one geometry against
// many, prepare it once with NewShape.
func Distance(a, b orb.Geometry) float64 {
	return NewShape(a).Distance(NewShape(b))
}
