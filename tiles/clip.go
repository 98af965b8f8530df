package tiles

// Clipping in tile coordinates against the square [lo, hi]², the tile grown
// by its buffer. The functions write into caller-owned scratch space and
// never touch their input.

// clipLine calls emit with each run of the polyline xs, ys that lies inside
// the square (Liang–Barsky per segment). The slices passed to emit are
// scratch, valid until emit returns.
func clipLine(xs, ys []float64, lo, hi float64, rx, ry []float64, emit func(rx, ry []float64)) ([]float64, []float64) {
	rx, ry = rx[:0], ry[:0]
	for i := 0; i+1 < len(xs); i++ {
		x0, y0, x1, y1 := xs[i], ys[i], xs[i+1], ys[i+1]
		var t0, t1 float64
		var ok bool
		switch {
		case x0 >= lo && x0 <= hi && y0 >= lo && y0 <= hi && x1 >= lo && x1 <= hi && y1 >= lo && y1 <= hi:
			t0, t1, ok = 0, 1, true // wholly inside
		case (x0 < lo && x1 < lo) || (x0 > hi && x1 > hi) || (y0 < lo && y1 < lo) || (y0 > hi && y1 > hi):
			ok = false // wholly outside one edge
		default:
			t0, t1, ok = liangBarsky(x0, y0, x1, y1, lo, hi)
		}
		if !ok {
			if len(rx) >= 2 {
				emit(rx, ry)
			}
			rx, ry = rx[:0], ry[:0]
			continue
		}
		dx, dy := x1-x0, y1-y0
		if len(rx) == 0 {
			rx = append(rx, x0+t0*dx)
			ry = append(ry, y0+t0*dy)
		}
		if t1 >= 1 {
			rx, ry = append(rx, x1), append(ry, y1)
		} else {
			rx, ry = append(rx, x0+t1*dx), append(ry, y0+t1*dy)
			emit(rx, ry)
			rx, ry = rx[:0], ry[:0]
		}
	}
	if len(rx) >= 2 {
		emit(rx, ry)
	}
	return rx, ry
}

// liangBarsky returns the parameter range [t0, t1] of the segment that lies
// inside the square, and false when none does.
func liangBarsky(x0, y0, x1, y1, lo, hi float64) (float64, float64, bool) {
	t0, t1 := 0.0, 1.0
	dx, dy := x1-x0, y1-y0
	edges := [4][2]float64{{-dx, x0 - lo}, {dx, hi - x0}, {-dy, y0 - lo}, {dy, hi - y0}}
	for _, e := range edges {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return 0, 0, false
			}
			continue
		}
		r := q / p
		if p < 0 {
			if r > t1 {
				return 0, 0, false
			}
			if r > t0 {
				t0 = r
			}
		} else {
			if r < t0 {
				return 0, 0, false
			}
			if r < t1 {
				t1 = r
			}
		}
	}
	return t0, t1, true
}

func inside(x, y float64, edge int, lo, hi float64) bool {
	switch edge {
	case 0:
		return x >= lo
	case 1:
		return x <= hi
	case 2:
		return y >= lo
	default:
		return y <= hi
	}
}

func intersect(px, py, cx, cy float64, edge int, lo, hi float64) (float64, float64) {
	switch edge {
	case 0, 1:
		x := lo
		if edge == 1 {
			x = hi
		}
		return x, py + (cy-py)*(x-px)/(cx-px)
	default:
		y := lo
		if edge == 3 {
			y = hi
		}
		return px + (cx-px)*(y-py)/(cy-py), y
	}
}
