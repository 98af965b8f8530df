package tiles

import (
	"math"

	"github.com/paulmach/orb"
)

// Web Mercator in [0, 1]: x grows east from 180° W, y grows south from
// 85.0511° N. Prepared coordinates are stored as 32-bit fixed point
// (fixedScale units per world), which resolves 9 mm at the equator: below
// half a tile unit up to zoom 20. Deeper zooms read the source coordinates.
const (
	fixedScale  = 1 << 32
	fixedBits   = 32
	extentBits  = 12
	tileExtent  = 1 << extentBits // MVT extent: 4096 units per tile side
	maxLatitude = 85.05112877980659
	// exactZoom is the first zoom at which coordinates are projected from
	// the source instead of read from the fixed-point copy.
	exactZoom = fixedBits - extentBits + 1
	// MaxZoom is the deepest zoom the tiler makes tiles for.
	MaxZoom = 22
)

func mercatorX(lon float64) float64 { return lon/360 + 0.5 }

func mercatorY(lat float64) float64 {
	lat = math.Max(-maxLatitude, math.Min(maxLatitude, lat))
	s := math.Sin(lat * math.Pi / 180)
	y := 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)
	return math.Max(0, math.Min(1, y))
}

func lonFromX(x float64) float64 { return x*360 - 180 }

func latFromY(y float64) float64 {
	return math.Atan(math.Sinh(math.Pi*(1-2*y))) * 180 / math.Pi
}

// toFixed turns a Mercator coordinate in [0, 1] into fixed point.
func toFixed(v float64) uint32 {
	f := math.Round(v * fixedScale)
	if f <= 0 {
		return 0
	}
	if f >= fixedScale-1 {
		return fixedScale - 1
	}
	return uint32(f)
}

// toMercator returns p's Mercator coordinates.
func toMercator(p orb.Point) (float64, float64) { return mercatorX(p[0]), mercatorY(p[1]) }

// TileBound returns tile z/x/y's bounds in longitude and latitude, grown on
// every side by buffer tile units (of the 4096 extent).
func TileBound(z, x, y uint32, buffer float64) orb.Bound {
	n := float64(uint64(1) << z)
	b := buffer / tileExtent
	x0, x1 := (float64(x)-b)/n, (float64(x)+1+b)/n
	y0, y1 := (float64(y)-b)/n, (float64(y)+1+b)/n
	x0, y0 = math.Max(0, x0), math.Max(0, y0)
	x1, y1 = math.Min(1, x1), math.Min(1, y1)
	return orb.Bound{
		Min: orb.Point{lonFromX(x0), latFromY(y1)},
		Max: orb.Point{lonFromX(x1), latFromY(y0)},
	}
}

// TileContaining returns the tile at zoom z that contains the point.
func TileContaining(p orb.Point, z uint32) (x, y uint32) {
	n := float64(uint64(1) << z)
	mx, my := toMercator(p)
	fx, fy := math.Floor(mx*n), math.Floor(my*n)
	return uint32(math.Max(0, math.Min(n-1, fx))), uint32(math.Max(0, math.Min(n-1, fy)))
}

// TileRange returns the inclusive range of tiles at zoom z that b touches.
func TileRange(b orb.Bound, z uint32) (x0, y0, x1, y1 uint32) {
	x0, y1 = TileContaining(b.Min, z)
	x1, y0 = TileContaining(b.Max, z)
	return x0, y0, x1, y1
}
