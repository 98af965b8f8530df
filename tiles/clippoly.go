package tiles

import (
	"math"
	"slices"
)

// polyClipper clips one polygon (an exterior ring and its holes) to the
// square [lo, hi]² so that the result is valid, as MVT 2.1 requires of
// polygons: Sutherland–Hodgman, clipping a ring alone, joins the pieces of a
// concave ring by zero-width bridges along the square's edge and lets a
// hole's clipped edge overlap its exterior's. Instead, in the manner of
// Weiler–Atherton for a rectangle, every ring crossing the square is cut
// into the runs that lie inside it, from an entry point on the edge to an
// exit point, and each run's exit is joined, walking the square's edge with
// the interior on the left, to the next entry of any run; each cycle so
// formed is an exterior ring of the result, and the rings lying wholly
// inside the square go as they are, holes to the cycle holding them.
//
// Rings are open (no closing vertex). Exteriors are turned to positive
// shoelace area, holes to negative, before clipping; the output keeps that
// orientation. Every slice is scratch, reused from polygon to polygon.
type polyClipper struct {
	lo, hi float64
	// the input: rings one after another, ends[k] the end of ring k
	xs, ys []float64
	ends   []int
	// the output, likewise, hole[k] telling a hole from an exterior; each
	// exterior is followed by its holes
	ox, oy []float64
	oends  []int
	ohole  []bool

	runs    []clipRun
	rx, ry  []float64 // the runs' points
	entries []clipEntry
	inner   []int // rings wholly inside the square
	seen    []bool
}

// clipRun is one stretch of a ring inside the square, its points
// rx[start:end], entering at perimeter position in and leaving at out.
type clipRun struct {
	start, end int
	in, out    float64
	next       int
}

type clipEntry struct {
	s   float64
	run int
}

// reset starts a new polygon.
func (c *polyClipper) reset(lo, hi float64) {
	c.lo, c.hi = lo, hi
	c.xs, c.ys, c.ends = c.xs[:0], c.ys[:0], c.ends[:0]
}

// addRing appends a ring (exterior first, then holes), oriented as its
// role needs.
func (c *polyClipper) addRing(xs, ys []float64, hole bool) {
	start := len(c.xs)
	c.xs, c.ys = append(c.xs, xs...), append(c.ys, ys...)
	c.ends = append(c.ends, len(c.xs))
	if (shoelaceOpen(c.xs[start:], c.ys[start:]) < 0) != hole {
		slices.Reverse(c.xs[start:])
		slices.Reverse(c.ys[start:])
	}
}

func shoelaceOpen(xs, ys []float64) float64 {
	s := 0.0
	n := len(xs)
	for i := range n {
		j := i + 1
		if j == n {
			j = 0
		}
		s += xs[i]*ys[j] - xs[j]*ys[i]
	}
	return s
}

func (c *polyClipper) ring(k int) ([]float64, []float64) {
	start := 0
	if k > 0 {
		start = c.ends[k-1]
	}
	return c.xs[start:c.ends[k]], c.ys[start:c.ends[k]]
}

func (c *polyClipper) emit(xs, ys []float64, hole bool) {
	c.ox, c.oy = append(c.ox, xs...), append(c.oy, ys...)
	c.oends = append(c.oends, len(c.ox))
	c.ohole = append(c.ohole, hole)
}

func (c *polyClipper) in(x, y float64) bool {
	return x >= c.lo && x <= c.hi && y >= c.lo && y <= c.hi
}

// clip clips the rings added since reset into the output, replacing it.
func (c *polyClipper) clip() {
	c.ox, c.oy, c.oends, c.ohole = c.ox[:0], c.oy[:0], c.oends[:0], c.ohole[:0]
	c.runs, c.rx, c.ry, c.inner = c.runs[:0], c.rx[:0], c.ry[:0], c.inner[:0]
	if len(c.ends) == 0 {
		return
	}
	for k := range c.ends {
		if !c.cut(k) {
			c.inner = append(c.inner, k)
		}
	}
	if len(c.inner) > 0 && c.inner[0] == 0 {
		// the exterior lies in the square, and so do its holes
		for k := range c.ends {
			xs, ys := c.ring(k)
			c.emit(xs, ys, k > 0)
		}
		return
	}
	mx, my := (c.lo+c.hi)/2, (c.lo+c.hi)/2
	if len(c.runs) == 0 {
		// no ring crosses the square: it is inside the exterior, or not
		// in the polygon at all
		if !c.ringContains(0, mx, my) {
			return
		}
		for k := 1; k < len(c.ends); k++ {
			if !slices.Contains(c.inner, k) && c.ringContains(k, mx, my) {
				return // inside a hole
			}
		}
		lo, hi := c.lo, c.hi
		c.emit([]float64{lo, hi, hi, lo}, []float64{lo, lo, hi, hi}, false)
		for _, k := range c.inner {
			xs, ys := c.ring(k)
			c.emit(xs, ys, true)
		}
		return
	}
	c.link()
}

// cut appends ring k's runs inside the square and reports whether it has
// a vertex outside it (false: the ring lies wholly inside).
func (c *polyClipper) cut(k int) bool {
	xs, ys := c.ring(k)
	n := len(xs)
	first := -1
	for i := range n {
		if !c.in(xs[i], ys[i]) {
			first = i
			break
		}
	}
	if first < 0 {
		return false
	}
	open := false
	lo, hi := c.lo, c.hi
	for a := first; ; {
		b := a + 1
		if b == n {
			b = 0
		}
		ax, ay, bx, by := xs[a], ys[a], xs[b], ys[b]
		aIn, bIn := open, c.in(bx, by)
		switch {
		case !aIn && !bIn && ((ax < lo && bx < lo) || (ax > hi && bx > hi) || (ay < lo && by < lo) || (ay > hi && by > hi)):
			// wholly beyond one side: liangBarsky would find no part of
			// the edge inside (t1 <= t0), so skip it
		case aIn && bIn:
			c.rx, c.ry = append(c.rx, bx), append(c.ry, by)
		case aIn:
			_, t1, _ := liangBarsky(ax, ay, bx, by, c.lo, c.hi)
			c.closeRun(ax+t1*(bx-ax), ay+t1*(by-ay))
			open = false
		case bIn:
			t0, _, ok := liangBarsky(ax, ay, bx, by, c.lo, c.hi)
			if !ok {
				t0 = 1
			}
			c.openRun(ax+t0*(bx-ax), ay+t0*(by-ay))
			c.rx, c.ry = append(c.rx, bx), append(c.ry, by)
			open = true
		default:
			if t0, t1, ok := liangBarsky(ax, ay, bx, by, c.lo, c.hi); ok && t1 > t0 {
				c.openRun(ax+t0*(bx-ax), ay+t0*(by-ay))
				c.closeRun(ax+t1*(bx-ax), ay+t1*(by-ay))
			}
		}
		if a = b; a == first {
			return true
		}
	}
}

// openRun starts a run at a point on the square's edge.
func (c *polyClipper) openRun(x, y float64) {
	x, y, s := c.onEdge(x, y)
	c.runs = append(c.runs, clipRun{start: len(c.rx), in: s})
	c.rx, c.ry = append(c.rx, x), append(c.ry, y)
}

// closeRun ends the open run at a point on the edge; a run that never left
// its entry point (a ring touching the square from outside) is dropped.
func (c *polyClipper) closeRun(x, y float64) {
	x, y, s := c.onEdge(x, y)
	r := &c.runs[len(c.runs)-1]
	c.rx, c.ry = append(c.rx, x), append(c.ry, y)
	r.end, r.out = len(c.rx), s
	moved := false
	for i := r.start + 1; i < r.end; i++ {
		moved = moved || c.rx[i] != c.rx[r.start] || c.ry[i] != c.ry[r.start]
	}
	if !moved {
		c.rx, c.ry = c.rx[:r.start], c.ry[:r.start]
		c.runs = c.runs[:len(c.runs)-1]
	}
}

// onEdge puts a point computed on the square's edge exactly on its nearest
// side and returns its perimeter position: from (lo, lo) along y = lo to
// (hi, lo), up x = hi, back along y = hi and down x = lo, the direction of
// positive shoelace area.
func (c *polyClipper) onEdge(x, y float64) (float64, float64, float64) {
	lo, hi := c.lo, c.hi
	x, y = math.Min(math.Max(x, lo), hi), math.Min(math.Max(y, lo), hi)
	w := hi - lo
	d := [4]float64{y - lo, hi - x, hi - y, x - lo}
	side := 0
	for i := 1; i < 4; i++ {
		if d[i] < d[side] {
			side = i
		}
	}
	switch side {
	case 0:
		return x, lo, x - lo
	case 1:
		return hi, y, w + y - lo
	case 2:
		return x, hi, 2*w + hi - x
	default:
		return lo, y, 3*w + hi - y
	}
}

// corner returns the square's corner at perimeter position k·w.
func (c *polyClipper) corner(k int) (float64, float64) {
	switch k & 3 {
	case 0:
		return c.lo, c.lo
	case 1:
		return c.hi, c.lo
	case 2:
		return c.hi, c.hi
	default:
		return c.lo, c.hi
	}
}

// link joins each run's exit to the next entry along the edge and emits
// the cycles, each with the wholly inside holes it holds.
func (c *polyClipper) link() {
	c.entries = c.entries[:0]
	for i, r := range c.runs {
		c.entries = append(c.entries, clipEntry{r.in, i})
	}
	slices.SortFunc(c.entries, func(a, b clipEntry) int {
		if a.s != b.s {
			if a.s < b.s {
				return -1
			}
			return 1
		}
		return a.run - b.run
	})
	for i := range c.runs {
		out := c.runs[i].out
		j, _ := slices.BinarySearchFunc(c.entries, out, func(e clipEntry, s float64) int {
			if e.s < s {
				return -1
			}
			return 1 // first entry at or after out
		})
		if j == len(c.entries) {
			j = 0
		}
		c.runs[i].next = c.entries[j].run
	}
	c.seen = slices.Grow(c.seen[:0], len(c.runs))[:len(c.runs)]
	clear(c.seen)
	w := c.hi - c.lo
	for first := range c.runs {
		if c.seen[first] {
			continue
		}
		start := len(c.ox)
		for r := first; !c.seen[r]; {
			c.seen[r] = true
			run := c.runs[r]
			c.ox = append(c.ox, c.rx[run.start:run.end]...)
			c.oy = append(c.oy, c.ry[run.start:run.end]...)
			next := c.runs[run.next]
			// the corners passed walking from the exit to the next entry
			gap := next.in - run.out
			if gap < 0 {
				gap += 4 * w
			}
			k0 := int(math.Floor(run.out/w)) + 1
			for k := k0; float64(k)*w-run.out < gap; k++ {
				x, y := c.corner(k)
				c.ox, c.oy = append(c.ox, x), append(c.oy, y)
			}
			r = run.next
		}
		c.oends = append(c.oends, len(c.ox))
		c.ohole = append(c.ohole, false)
		ex, ey := c.ox[start:], c.oy[start:]
		for _, k := range c.inner {
			xs, ys := c.ring(k)
			if k > 0 && ringContainsPoint(ex, ey, xs[0], ys[0]) {
				c.emit(xs, ys, true)
			}
		}
	}
}

// ringContainsPoint reports whether (x, y) is inside the open ring, by the
// even–odd rule.
func ringContainsPoint(xs, ys []float64, x, y float64) bool {
	in := false
	n := len(xs)
	for i := range n {
		j := i + 1
		if j == n {
			j = 0
		}
		if (ys[i] > y) != (ys[j] > y) && x < xs[i]+(y-ys[i])/(ys[j]-ys[i])*(xs[j]-xs[i]) {
			in = !in
		}
	}
	return in
}

func (c *polyClipper) ringContains(k int, x, y float64) bool {
	xs, ys := c.ring(k)
	return ringContainsPoint(xs, ys, x, y)
}
