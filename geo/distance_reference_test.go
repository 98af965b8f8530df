package geo

// An independent reference for the geodesic code under test: Vincenty's
// inverse and direct solutions on the WGS84 ellipsoid (T. Vincenty, "Direct
// and inverse solutions of geodesics on the ellipsoid with application of
// nested equations", Survey Review 23(176), 1975), written from the paper's
// equations and sharing nothing with distance*.go but the ellipsoid's two
// defining constants. Point-to-segment distances are found by golden-section
// search along the ellipsoidal geodesic between the segment's ends.

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

const (
	refA = 6378137.0
	refF = 1 / 298.257223563
	refB = refA * (1 - refF)
)

// refInverse returns the geodesic distance in metres between p and q and
// the forward azimuth at p (radians, clockwise from north).
func refInverse(p, q orb.Point) (dist, azimuth float64) {
	phi1, phi2 := p[1]*math.Pi/180, q[1]*math.Pi/180
	L := (q[0] - p[0]) * math.Pi / 180
	u1 := math.Atan((1 - refF) * math.Tan(phi1))
	u2 := math.Atan((1 - refF) * math.Tan(phi2))
	sinU1, cosU1 := math.Sincos(u1)
	sinU2, cosU2 := math.Sincos(u2)
	lambda := L
	var sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM, sinLambda, cosLambda float64
	for iter := 0; iter < 200; iter++ {
		sinLambda, cosLambda = math.Sincos(lambda)
		sinSigma = math.Sqrt(math.Pow(cosU2*sinLambda, 2) + math.Pow(cosU1*sinU2-sinU1*cosU2*cosLambda, 2))
		if sinSigma == 0 {
			return 0, 0
		}
		cosSigma = sinU1*sinU2 + cosU1*cosU2*cosLambda
		sigma = math.Atan2(sinSigma, cosSigma)
		sinAlpha := cosU1 * cosU2 * sinLambda / sinSigma
		cos2Alpha = 1 - sinAlpha*sinAlpha
		cos2SigmaM = 0
		if cos2Alpha != 0 {
			cos2SigmaM = cosSigma - 2*sinU1*sinU2/cos2Alpha
		}
		c := refF / 16 * cos2Alpha * (4 + refF*(4-3*cos2Alpha))
		next := L + (1-c)*refF*sinAlpha*(sigma+c*sinSigma*(cos2SigmaM+c*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
		if math.Abs(next-lambda) < 1e-13 {
			lambda = next
			break
		}
		lambda = next
	}
	sinLambda, cosLambda = math.Sincos(lambda)
	u2sq := cos2Alpha * (refA*refA - refB*refB) / (refB * refB)
	A := 1 + u2sq/16384*(4096+u2sq*(-768+u2sq*(320-175*u2sq)))
	B := u2sq / 1024 * (256 + u2sq*(-128+u2sq*(74-47*u2sq)))
	deltaSigma := B * sinSigma * (cos2SigmaM + B/4*(cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)-
		B/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*cos2SigmaM*cos2SigmaM)))
	dist = refB * A * (sigma - deltaSigma)
	azimuth = math.Atan2(cosU2*sinLambda, cosU1*sinU2-sinU1*cosU2*cosLambda)
	return dist, azimuth
}

// refDirect returns the point reached from p by travelling dist metres along
// the geodesic that leaves p at azimuth (radians, clockwise from north).
func refDirect(p orb.Point, azimuth, dist float64) orb.Point {
	phi1 := p[1] * math.Pi / 180
	sinAlpha1, cosAlpha1 := math.Sincos(azimuth)
	tanU1 := (1 - refF) * math.Tan(phi1)
	cosU1 := 1 / math.Sqrt(1+tanU1*tanU1)
	sinU1 := tanU1 * cosU1
	sigma1 := math.Atan2(tanU1, cosAlpha1)
	sinAlpha := cosU1 * sinAlpha1
	cos2Alpha := 1 - sinAlpha*sinAlpha
	u2sq := cos2Alpha * (refA*refA - refB*refB) / (refB * refB)
	A := 1 + u2sq/16384*(4096+u2sq*(-768+u2sq*(320-175*u2sq)))
	B := u2sq / 1024 * (256 + u2sq*(-128+u2sq*(74-47*u2sq)))
	sigma := dist / (refB * A)
	var sinSigma, cosSigma, cos2SigmaM float64
	for iter := 0; iter < 200; iter++ {
		cos2SigmaM = math.Cos(2*sigma1 + sigma)
		sinSigma, cosSigma = math.Sincos(sigma)
		deltaSigma := B * sinSigma * (cos2SigmaM + B/4*(cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)-
			B/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*cos2SigmaM*cos2SigmaM)))
		next := dist/(refB*A) + deltaSigma
		if math.Abs(next-sigma) < 1e-14 {
			sigma = next
			break
		}
		sigma = next
	}
	cos2SigmaM = math.Cos(2*sigma1 + sigma)
	sinSigma, cosSigma = math.Sincos(sigma)
	tmp := sinU1*sinSigma - cosU1*cosSigma*cosAlpha1
	phi2 := math.Atan2(sinU1*cosSigma+cosU1*sinSigma*cosAlpha1, (1-refF)*math.Sqrt(sinAlpha*sinAlpha+tmp*tmp))
	lambda := math.Atan2(sinSigma*sinAlpha1, cosU1*cosSigma-sinU1*sinSigma*cosAlpha1)
	c := refF / 16 * cos2Alpha * (4 + refF*(4-3*cos2Alpha))
	L := lambda - (1-c)*refF*sinAlpha*(sigma+c*sinSigma*(cos2SigmaM+c*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
	return orb.Point{p[0] + L*180/math.Pi, phi2 * 180 / math.Pi}
}

func refDistance(p, q orb.Point) float64 {
	d, _ := refInverse(p, q)
	return d
}

// refPointSegment returns the shortest ellipsoidal distance from p to the
// geodesic segment a–b, by golden-section search over the position along
// the segment, refined from the best of a coarse scan so that a distance
// that is not unimodal along a long segment is still bracketed.
func refPointSegment(p, a, b orb.Point) float64 {
	length, azimuth := refInverse(a, b)
	if length == 0 {
		return refDistance(p, a)
	}
	at := func(t float64) float64 { return refDistance(p, refDirect(a, azimuth, t*length)) }
	const scan = 16
	bestT, bestD := 0.0, at(0)
	for i := 1; i <= scan; i++ {
		t := float64(i) / scan
		if d := at(t); d < bestD {
			bestT, bestD = t, d
		}
	}
	lo, hi := math.Max(0, bestT-1.0/scan), math.Min(1, bestT+1.0/scan)
	invPhi := (math.Sqrt(5) - 1) / 2
	x1, x2 := hi-invPhi*(hi-lo), lo+invPhi*(hi-lo)
	f1, f2 := at(x1), at(x2)
	for hi-lo > 1e-12 {
		if f1 < f2 {
			hi, x2, f2 = x2, x1, f1
			x1 = hi - invPhi*(hi-lo)
			f1 = at(x1)
		} else {
			lo, x1, f1 = x1, x2, f2
			x2 = lo + invPhi*(hi-lo)
			f2 = at(x2)
		}
	}
	return math.Min(bestD, math.Min(f1, f2))
}

// refMeridianArc returns the length of the meridian from the equator to
// latitude phi (degrees), by the classical series in the third flattening
// (Helmert's expansion), which is independent of both codes above.
func refMeridianArc(phi float64) float64 {
	n := refF / (2 - refF)
	n2, n3, n4 := n*n, n*n*n, n*n*n*n
	x := phi * math.Pi / 180
	return refA / (1 + n) * ((1+n2/4+n4/64)*x -
		(3*n/2-3*n3/16)*math.Sin(2*x) +
		(15*n2/16-15*n4/64)*math.Sin(4*x) -
		(35*n3/48)*math.Sin(6*x) +
		(315*n4/512)*math.Sin(8*x))
}

// TestReferenceAgainstPublishedValues anchors the reference itself on
// values published independently of this repository.
func TestReferenceAgainstPublishedValues(t *testing.T) {
	tests := []struct {
		name      string
		p, q      orb.Point
		want, tol float64
	}{
		// Vincenty (1975) / Geoscience Australia's worked example, Flinders
		// Peak to Buninyong: 54,972.271 m (GRS80, whose flattening differs
		// from WGS84's in the 10th digit).
		{"flinders-buninyong", orb.Point{144.4248678889, -37.9510334167}, orb.Point{143.9264955278, -37.6528211389}, 54972.271, 0.002},
		// One degree of longitude on the equator: a·π/180.
		{"equator-1deg", orb.Point{0, 0}, orb.Point{1, 0}, 111319.490793, 0.001},
		// One degree of latitude from the equator: 110,574.4 m.
		{"meridian-0-1", orb.Point{10, 0}, orb.Point{10, 1}, 110574.389, 0.01},
		// One degree of latitude from 45° to 46°: 111,141.5 m.
		{"meridian-45-46", orb.Point{10, 45}, orb.Point{10, 46}, refMeridianArc(46) - refMeridianArc(45), 0.001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := refDistance(tt.p, tt.q)
			if math.Abs(got-tt.want) > tt.tol {
				t.Errorf("reference distance = %.4f m, want %.4f ± %g", got, tt.want, tt.tol)
			}
			// The direct solution lands where the inverse says.
			d, az := refInverse(tt.p, tt.q)
			back := refDirect(tt.p, az, d)
			if e := refDistance(back, tt.q); e > 1e-4 {
				t.Errorf("direct(inverse) misses the end by %.6f m", e)
			}
		})
	}
}
