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
//   - the chord on the auxiliary sphere between two nodes is bounded from
//     below by a ball around each (nodeBall) and, better for the long thin
//     runs of a line, by a capsule (nodeCapsule): the points within an
//     angle of a great-circle arc;
//   - the chord becomes metres by Lambert's formula itself (lambertDistance,
//     which computes every distance of the search), bounded from below over
//     the chords and the z (sine of reduced latitude) ranges the nodes
//     allow (lambertChordBound), rather than by one radius for every
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
// unit vector.
type nodeBall struct {
	c     vec3
	chord float64
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

// lambertSlack is the relative margin of lambertChordBound for Lambert's
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
		return nodeBall{c: vec3{1, 0, 0}, chord: 2}
	}
	chord += 1e-15 // rounding of the chords summed into it
	return nodeBall{c: c, chord: chord}
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

// capsuleChord returns a chord that p is at least from every point of
// the capsule of node (level, i), or −Inf without a capsule: the chord to
// the capsule's arc less tau (a chord grows by at most the angle added).
func (s *Shape) capsuleChord(level, i int32, p vec3) float64 {
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
	var chord2 float64
	if pw*c.cosLo-pu*c.sinLo >= 0 && pu*c.sinHi-pw*c.cosHi >= 0 {
		// Within the arc's span: the nearest point of the circle is
		// p's projection on its plane, scaled out to the circle.
		r := math.Sqrt(pu*pu + pw*pw)
		chord2 = pn*pn + (1-r)*(1-r)
	} else {
		// Outside it the arc's nearest point to p is an end.
		dLo := (pu-c.cosLo)*(pu-c.cosLo) + (pw-c.sinLo)*(pw-c.sinLo)
		dHi := (pu-c.cosHi)*(pu-c.cosHi) + (pw-c.sinHi)*(pw-c.sinHi)
		chord2 = math.Min(dLo, dHi) + pn*pn
	}
	return math.Sqrt(chord2) - c.tau
}

// zRange returns the range of z over a ball.
func (b *nodeBall) zRange() (float64, float64) {
	return math.Max(-1, b.c.z-b.chord), math.Min(1, b.c.z+b.chord)
}

// nodeLowerBound returns a distance in metres that the search measures no
// pair of points below node (la, ia) of a and node (lb, ib) of b at,
// computing no more of it than it takes to reach best: the boxes' bound,
// then the balls' chord times lowerBoundRadius, then Lambert's formula
// over the balls' and capsules' chord (see the file comment).
func nodeLowerBound(a *Shape, la, ia int32, b *Shape, lb, ib int32, best float64) float64 {
	bound := boxLowerBound(a.levels[la][ia], b.levels[lb][ib])
	if bound >= best {
		return bound
	}
	x, y := &a.balls[la][ia], &b.balls[lb][ib]
	centres := math.Sqrt(x.c.sub(y.c).norm2())
	cMin := centres - x.chord - y.chord
	bound = math.Max(bound, lowerBoundRadius*cMin)
	if bound >= best {
		return bound
	}
	cMin = math.Max(cMin, b.capsuleChord(lb, ib, x.c)-x.chord)
	cMin = math.Max(cMin, a.capsuleChord(la, ia, y.c)-y.chord)
	if !(cMin > 0) {
		return bound
	}
	zA0, zA1 := x.zRange()
	zB0, zB1 := y.zRange()
	return math.Max(bound, lambertChordBound(cMin, centres+x.chord+y.chord, zA0, zA1, zB0, zB1))
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
	cMin := math.Max(centres-y.chord, b.capsuleChord(0, ib, p))
	if !(cMin > 0) {
		return bound
	}
	zB0, zB1 := y.zRange()
	return math.Max(bound, lambertChordBound(cMin, centres+y.chord, p.z, p.z, zB0, zB1))
}

// lambertChordBound returns a distance in metres below Lambert's formula
// (and the exact geodesic) for every pair of points at a chord from cMin
// to cMax whose z lie in [zA0, zA1] and [zB0, zB1]. The formula is
// a(σ − f/2·(X + Y)) with X = (σ − sin σ)·P²/cos²(σ/2) and
// Y = (σ + sin σ)·Q²/sin²(σ/2), P and Q the half sum and half difference
// of the z. Without trigonometry: with c = 2·sin(σ/2) the chord,
// Y/σ ≤ 8Q²/c² (σ + sin σ ≤ 2σ) and Y/σ ≤ 2 (|Q| ≤ sin(σ/2)),
// X/σ ≤ (σ²/6)·P²/cos²(σ/2) ≤ 0.412·c²·P²/(1 − c²/4) (σ ≤ πc/2), and
// σ ≥ c + c³/24, so that Lambert's a·σ·(1 − f/2·(X + Y)/σ) is at least
// a·(cMin + cMin³/24) times the factor's least value. Beyond a chord of
// 0.1 (600 km) the terms themselves serve: X grows with σ, (σ + sin σ)/
// sin²(σ/2) falls, and Y ≤ σ + sin σ.
func lambertChordBound(cMin, cMax, zA0, zA1, zB0, zB1 float64) float64 {
	if !(cMin > 0) || !(cMax < 1.9) {
		return 0
	}
	p := math.Max(math.Abs(zA0+zB0), math.Abs(zA1+zB1)) / 2
	q := math.Max(math.Abs(zB1-zA0), math.Abs(zA1-zB0)) / 2
	if cMin > 0.1 {
		// Beyond 600 km the series fall short; take the formula's terms.
		sigmaMin, sigmaMax := 2*math.Asin(cMin/2), 2*math.Asin(cMax/2)
		cosHalf, sinHalf := math.Sqrt(1-cMax*cMax/4), cMin/2
		x := (sigmaMax - math.Sin(sigmaMax)) * p * p / (cosHalf * cosHalf)
		y := math.Min((sigmaMin+math.Sin(sigmaMin))*q*q/(sinHalf*sinHalf), sigmaMax+math.Sin(sigmaMax))
		return wgs84A*(sigmaMin-wgs84F/2*(x+y))*(1-lambertSlack) - boundFloor
	}
	factor := 1 - wgs84F*math.Min(4*q*q/(cMin*cMin), 1) - 0.206*wgs84F*cMax*cMax*p*p/(1-cMax*cMax/4)
	if !(factor > 0) {
		return 0
	}
	return wgs84A*(cMin+cMin*cMin*cMin/24)*factor*(1-lambertSlack) - boundFloor
}

// elemLowerBound returns a distance in metres below every distance
// pointElemDistance may compute from p to the element q0–q1, given the
// chord from p to the element's great-circle arc: the points measured lie
// within elemMargin of the arc (so 2·elemMargin nearer to p, which may be
// turned too) and their z within the arc's range (its ends and the meeting
// point of their tangents, which the arc bulges towards) widened as much.
func elemLowerBound(p, q0, q1 vec3, chord float64) float64 {
	ab := math.Sqrt(q0.sub(q1).norm2())
	m := 2 * elemMargin(ab)
	z0, z1 := math.Min(q0.z, q1.z), math.Max(q0.z, q1.z)
	if ab > 0 {
		den := 1 + q0.dot(q1)
		if den < 0.5 {
			return 0
		}
		tz := (q0.z + q1.z) / den
		z0, z1 = math.Min(z0, tz), math.Max(z1, tz)
	}
	return lambertChordBound(chord-m, chord+ab+m, p.z, p.z, z0-m, z1+m)
}

// leafPairLowerBound returns a distance in metres that leafPair measures
// no pair of leaf ia of a and leaf ib of b at, computed as nodeLowerBound
// is but with the wider leaf's own edges instead of its ball and capsule:
// every point measured is within the narrower leaf's ball chord (and the
// margins) of its centre or of one of the wider leaf's edges. A polygon's
// leaf of four edges is a blob whose ball and capsule are as wide as it is;
// against a corridor drawn every few metres they held thousands of leaf
// pairs within reach of the best.
func leafPairLowerBound(a *Shape, ia int32, b *Shape, ib int32) float64 {
	x, y := &a.balls[0][ia], &b.balls[0][ib]
	wide, narrow, ball := a, y, x
	start := int(ia) * shapeLeafSize
	if y.chord > x.chord {
		wide, narrow, ball = b, x, y
		start = int(ib) * shapeLeafSize
	}
	cMin := math.Inf(1)
	for _, e := range wide.elems[start:min(start+shapeLeafSize, len(wide.elems))] {
		q0, q1 := wide.verts[e.a].v, wide.verts[e.b].v
		var chord2 float64
		if e.a == e.b {
			chord2 = narrow.c.sub(q0).norm2()
		} else {
			var c arcCandidates
			c.add(narrow.c, q0, q1)
			chord2 = c.items[0].chord2
		}
		cMin = math.Min(cMin, math.Sqrt(chord2)-2*elemMargin(math.Sqrt(q0.sub(q1).norm2())))
	}
	cMin -= narrow.chord
	if !(cMin > 0) {
		return 0
	}
	zA0, zA1 := ball.zRange()
	zB0, zB1 := narrow.zRange()
	return lambertChordBound(cMin, math.Sqrt(x.c.sub(y.c).norm2())+x.chord+y.chord, zA0, zA1, zB0, zB1)
}
