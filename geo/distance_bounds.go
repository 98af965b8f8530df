package geo

import "math"

// Lower bounds for the distance search (pairQueue). The boxes' bound
// (boxLowerBound) is cheap but loose for boxes apart on a diagonal (up to
// 30 %), and a chord times lowerBoundRadius, the smallest radius of
// curvature, falls short by up to 1 %. For a target 100 km from a
// corridor the nearest stretch is flat: its points' distances differ by
// x²/2D at x along it, so a bound 1 % short (1 km) leaves 14 km of
// corridor to measure, thousands of edges where a corridor is drawn
// densely. The bounds here are tight to a few metres instead:
//
//   - the angle on the auxiliary sphere between two nodes is bounded from
//     below by a ball around each (nodeBall) and, better for the long thin
//     runs of a line, by a capsule (nodeCapsule): the points within an
//     angle of a great-circle arc;
//   - the angle becomes metres by Lambert's formula itself (lambertDistance,
//     which computes every distance of the search), bounded from below over
//     the angles and the z (sine of reduced latitude) ranges the nodes
//     allow (lambertLowerBound), rather than by one radius for every
//     direction.
//
// Every distance the search computes is Lambert's formula between two
// points of the nodes, or, on the corrections of geodesicFootDistance, the
// same between points moved by at most 2f·σ of their edge σ, or an exact
// geodesic distance (Lambert's within lambertSlack of it): the nodes'
// margins (elemMargin) and lambertSlack cover those, so a node pair
// bounded at or above the best distance found holds no nearer pair.

// nodeBall is a ball around a node on the auxiliary sphere: every point
// the search may measure for the node lies within chord of the centre c, a
// unit vector, that is within angle radians of it.
type nodeBall struct {
	c            vec3
	chord, angle float64
}

// nodeCapsule is a capsule around a node: with u the node's first vertex
// and the great circle through u and the node's vertex far (index into
// the shape's vertices), every point the search may measure for the node
// lies within tau radians of the circle's arc from angle lo to angle hi
// (from u, towards far), stored as their cosines and sines. tau < 0 marks
// a node without one (too wide or too far from any circle).
type nodeCapsule struct {
	cosLo, sinLo, cosHi, sinHi float64
	tau                        float64
	far                        int32
}

// maxCapsuleLevel is the highest level with capsules: above it nodes hold
// over 2,048 edges, which a circle rarely fits, and the balls serve.
const maxCapsuleLevel = 2

// lambertSlack is the relative margin of lambertLowerBound for Lambert's
// formula against the exact geodesic (used near the arcs, exactFootDistance):
// the formula's error is of order f² (1.1·10⁻⁵); the reference tests find
// 1.4·10⁻⁶. boundFloor (metres) covers rounding near zero.
const (
	lambertSlack = 2e-5
	boundFloor   = 1e-6
)

// elemMargin returns how far (radians) the points the search measures for
// an edge of chord ab may lie from its great-circle arc: the geodesic parts
// from the arc by f·σ²/8, geodesicFootDistance's first-order geodesic
// turns the far end and the other shape's point by f·σ at most, with the
// chord below σ by a part in 10⁴ for edges under 0.1 rad (and ×1.1 for
// the rest up to a quarter circle).
func elemMargin(ab float64) float64 {
	return 2.2*wgs84F*ab + wgs84F/2*ab*ab + 1e-15
}

// finishBall returns the ball of centre c (a unit vector) and the given
// chord radius; a chord of 2 or more is the whole sphere.
func finishBall(c vec3, chord float64) nodeBall {
	if chord >= 2 {
		return nodeBall{c: vec3{1, 0, 0}, chord: 2, angle: math.Pi}
	}
	chord += 1e-15 // rounding of the chords summed into it
	return nodeBall{c: c, chord: chord, angle: 2 * math.Asin(chord/2)}
}

// elemChord returns the chord from c within which every point measured
// for element e lies: the great-circle arc between the ends lies in the
// triangle of the ends and the meeting point of their tangents, so in any
// ball holding the three; the points measured lie within elemMargin of
// the arc.
func (s *Shape) elemChord(c vec3, e shapeElem) float64 {
	a, b := s.verts[e.a].v, s.verts[e.b].v
	r := math.Sqrt(c.sub(a).norm2())
	if e.a == e.b {
		return r
	}
	r = fmax(r, math.Sqrt(c.sub(b).norm2()))
	den := 1 + a.dot(b)
	if den < 0.5 { // an edge over 120°: anything goes
		return 2
	}
	t := a.add(b).scale(1 / den)
	return fmax(r, math.Sqrt(c.sub(t).norm2())) + elemMargin(math.Sqrt(a.sub(b).norm2()))
}

// leafBall returns the ball of the leaf over elements [start, end).
func (s *Shape) leafBall(start, end int) nodeBall {
	var sum vec3
	for _, e := range s.elems[start:end] {
		sum = sum.add(s.verts[e.a].v).add(s.verts[e.b].v)
	}
	n2 := sum.norm2()
	if n2 < 1e-18 {
		return finishBall(vec3{}, 2)
	}
	c := sum.scale(1 / math.Sqrt(n2))
	chord := 0.0
	for _, e := range s.elems[start:end] {
		chord = fmax(chord, s.elemChord(c, e))
	}
	return finishBall(c, chord)
}

// parentBall returns a ball holding the given child balls.
func parentBall(children []nodeBall) nodeBall {
	var sum vec3
	for _, b := range children {
		sum = sum.add(b.c)
	}
	n2 := sum.norm2()
	if n2 < 1e-18 {
		return finishBall(vec3{}, 2)
	}
	c := sum.scale(1 / math.Sqrt(n2))
	chord := 0.0
	for _, b := range children {
		chord = fmax(chord, math.Sqrt(c.sub(b.c).norm2())+b.chord)
	}
	return finishBall(c, chord)
}

// capsuleFrame returns the frame of a capsule: u, the unit normal n of the
// circle and w = n × u, so that a point x is at angle atan2(x·w, x·u)
// along the circle and asin(x·n) off it.
func capsuleFrame(u, far vec3) (n, w vec3, ok bool) {
	n = arcNormal(u, far)
	nn := n.norm2()
	if nn < 1e-24 {
		return n, w, false
	}
	n = n.scale(1 / math.Sqrt(nn))
	return n, n.cross(u), true
}

// nodeCapsule returns the capsule of the node over elements [start, end):
// the circle through its first vertex and the vertex farthest from it.
func (s *Shape) nodeCapsule(start, end int) nodeCapsule {
	none := nodeCapsule{tau: -1}
	first := s.elems[start].a
	u := s.verts[first].v
	far, farChord := first, 0.0
	for _, e := range s.elems[start:end] {
		for _, vi := range [2]int32{e.a, e.b} {
			if d := s.verts[vi].v.sub(u).norm2(); d > farChord {
				far, farChord = vi, d
			}
		}
	}
	n, w, ok := capsuleFrame(u, s.verts[far].v)
	if !ok {
		return none
	}
	lo, hi, tau := math.Inf(1), math.Inf(-1), 0.0
	for _, e := range s.elems[start:end] {
		a, b := s.verts[e.a].v, s.verts[e.b].v
		ab := math.Sqrt(a.sub(b).norm2())
		if ab > 0.1 {
			return none
		}
		na, nb := a.dot(n), b.dot(n)
		if math.Abs(na) > 0.5 || math.Abs(nb) > 0.5 {
			return none
		}
		ta, tb := math.Atan2(a.dot(w), a.dot(u)), math.Atan2(b.dot(w), b.dot(u))
		// A short arc's points project between its ends' projections,
		// and stray from the circle by at most its ends' offsets over
		// cos σ (the offset along it is A·sin of the way, whose hump lies
		// within σ of an end).
		m := elemMargin(ab) * 1.2 // ×1.2: a margin's angle along the circle at up to 30° off it
		off := math.Max(math.Abs(na), math.Abs(nb)) / (1 - ab*ab/2)
		lo = math.Min(lo, math.Min(ta, tb)-m)
		hi = math.Max(hi, math.Max(ta, tb)+m)
		tau = math.Max(tau, math.Asin(math.Min(1, off))+m)
	}
	if !(hi-lo < math.Pi/2) {
		return none
	}
	c := nodeCapsule{tau: tau + 1e-15, far: far}
	c.sinLo, c.cosLo = math.Sincos(lo)
	c.sinHi, c.cosHi = math.Sincos(hi)
	return c
}

// capsuleAngle returns an angle (radians) that p is at least from every
// point of the capsule of node (level, i), or −Inf without a capsule.
func (s *Shape) capsuleAngle(level, i int32, p vec3) float64 {
	c := &s.caps[level][i]
	if c.tau < 0 {
		return math.Inf(-1)
	}
	span := shapeLeafSize
	for range level {
		span *= shapeFanout
	}
	u := s.verts[s.elems[int(i)*span].a].v
	n, w, ok := capsuleFrame(u, s.verts[c.far].v)
	if !ok {
		return math.Inf(-1)
	}
	pu, pw, pn := p.dot(u), p.dot(w), p.dot(n)
	afterLo := pw*c.cosLo-pu*c.sinLo >= 0
	beforeHi := pu*c.sinHi-pw*c.cosHi >= 0
	var angle float64
	if afterLo && beforeHi {
		angle = math.Asin(math.Min(1, math.Abs(pn)))
	} else {
		// The arc's nearest point to p is an end.
		dLo := (pu-c.cosLo)*(pu-c.cosLo) + (pw-c.sinLo)*(pw-c.sinLo)
		dHi := (pu-c.cosHi)*(pu-c.cosHi) + (pw-c.sinHi)*(pw-c.sinHi)
		chord := math.Sqrt(math.Min(dLo, dHi) + pn*pn)
		angle = 2 * math.Asin(math.Min(1, chord/2))
	}
	return angle - c.tau
}

// lambertLowerBound returns a distance in metres below Lambert's formula
// (and the exact geodesic) for every pair of points at an angle from
// sigmaMin to sigmaMax whose z lie in [zA0, zA1] and [zB0, zB1]. The
// formula is a(σ − f/2·(X + Y)) with X = (σ − sin σ)·P²/cos²(σ/2) and
// Y = (σ + sin σ)·Q²/sin²(σ/2), P and Q the half sum and half difference
// of the z: X grows with σ, (σ + sin σ)/sin²(σ/2) falls, and Y ≤ σ + sin σ
// since |Q| ≤ sin(σ/2).
func lambertLowerBound(sigmaMin, sigmaMax, zA0, zA1, zB0, zB1 float64) float64 {
	if !(sigmaMin > 0) {
		return 0
	}
	sigmaMax = math.Min(math.Max(sigmaMax, sigmaMin), math.Pi)
	p := math.Max(math.Abs(zA0+zB0), math.Abs(zA1+zB1)) / 2
	q := math.Max(math.Abs(zB1-zA0), math.Abs(zA1-zB0)) / 2
	x := 0.0
	if cosHalf := math.Cos(sigmaMax / 2); cosHalf > 1e-9 {
		x = (sigmaMax - math.Sin(sigmaMax)) * p * p / (cosHalf * cosHalf)
	} else {
		return 0
	}
	sinHalf := math.Sin(sigmaMin / 2)
	y := math.Min((sigmaMin+math.Sin(sigmaMin))*q*q/(sinHalf*sinHalf), sigmaMax+math.Sin(sigmaMax))
	return wgs84A*(sigmaMin-wgs84F/2*(x+y))*(1-lambertSlack) - boundFloor
}

// zRange returns the range of z over a ball.
func (b *nodeBall) zRange() (float64, float64) {
	return math.Max(-1, b.c.z-b.chord), math.Min(1, b.c.z+b.chord)
}

// nodeLowerBound returns a distance in metres that the search measures no
// pair of points below node (la, ia) of a and node (lb, ib) of b at,
// computing no more of it than it takes to reach best: the boxes' bound,
// then the balls' chord times lowerBoundRadius, then Lambert's formula
// over the balls' and capsules' angle (see the file comment).
func nodeLowerBound(a *Shape, la, ia int32, b *Shape, lb, ib int32, best float64) float64 {
	bound := boxLowerBound(a.levels[la][ia], b.levels[lb][ib])
	if bound >= best {
		return bound
	}
	x, y := &a.balls[la][ia], &b.balls[lb][ib]
	centres := math.Sqrt(x.c.sub(y.c).norm2())
	bound = math.Max(bound, lowerBoundRadius*(centres-x.chord-y.chord))
	if bound >= best {
		return bound
	}
	centreAngle := 2 * math.Asin(math.Min(1, centres/2))
	sigmaMin := centreAngle - x.angle - y.angle
	sigmaMin = math.Max(sigmaMin, b.capsuleAngle(lb, ib, x.c)-x.angle)
	sigmaMin = math.Max(sigmaMin, a.capsuleAngle(la, ia, y.c)-y.angle)
	if !(sigmaMin > 0) {
		return bound
	}
	zA0, zA1 := x.zRange()
	zB0, zB1 := y.zRange()
	return math.Max(bound, lambertLowerBound(sigmaMin, centreAngle+x.angle+y.angle, zA0, zA1, zB0, zB1))
}

// pointNodeLowerBound is nodeLowerBound for point p (a vertex of another
// shape) against leaf ib of b, bound being what is known already.
func pointNodeLowerBound(p vec3, b *Shape, ib int32, bound, best float64) float64 {
	y := &b.balls[0][ib]
	centres := math.Sqrt(p.sub(y.c).norm2())
	bound = math.Max(bound, lowerBoundRadius*(centres-y.chord))
	if bound >= best {
		return bound
	}
	centreAngle := 2 * math.Asin(math.Min(1, centres/2))
	sigmaMin := math.Max(centreAngle-y.angle, b.capsuleAngle(0, ib, p))
	if !(sigmaMin > 0) {
		return bound
	}
	zB0, zB1 := y.zRange()
	return math.Max(bound, lambertLowerBound(sigmaMin, centreAngle+y.angle, p.z, p.z, zB0, zB1))
}
