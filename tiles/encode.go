package tiles

import (
	"cmp"
	"encoding/binary"
	"math"
	"slices"
)

// encoder writes one tile. Encoders are pooled; every slice is scratch
// reused from tile to tile.
type encoder struct {
	t *Tiler

	z, x, y    uint32
	scale      float64 // fixed point → tile units (z < exactZoom)
	offX, offY float64 // the tile's origin in tile units of the world
	worldUnits float64 // tile units per world (exact zooms)
	exact      bool
	full       bool
	lo, hi     float64

	tile  []byte
	feats []byte
	keys  []byte
	vals  []byte
	nKeys uint32
	nVals uint32
	nFeat int

	keyLocal    [16]int32
	sharedLocal [][]uint32
	sharedStamp [][]uint32
	stamp       uint32

	geom   []byte
	tags   []byte
	curX   int32
	curY   int32
	fx, fy []float64
	ax, ay []float64
	bx, by []float64
	qx, qy []int32
	cands  []int32
	clip   polyClipper
	recs   []featureRecord
	order  []tileItem
	skip   map[uint64]struct{}
}

// tileItem is one feature going into a tile layer: its MVT id and where
// it is prepared (a base layer, or an overlay numbered len(layers)+li).
type tileItem struct {
	id      uint64
	layer   int32
	feature int32
}

// compareTileItems orders tile items by MVT id, then by where they are
// prepared.
func compareTileItems(a, b tileItem) int {
	if c := cmp.Compare(a.id, b.id); c != 0 {
		return c
	}
	if c := cmp.Compare(a.layer, b.layer); c != 0 {
		return c
	}
	return cmp.Compare(a.feature, b.feature)
}

// featureRecord notes what one written feature cost, for the last-resort
// thinning of a tile that came out above MaxTileBytes.
type featureRecord struct {
	layer, feature int32
	bytes          int
}

func newEncoder(t *Tiler) *encoder {
	n := len(t.layers)
	if t.overlays != nil {
		n *= 2 // overlay layer li is numbered len(layers)+li
	}
	e := &encoder{t: t, sharedLocal: make([][]uint32, n), sharedStamp: make([][]uint32, n)}
	for i := range n {
		if l := t.layerAt(i); l != nil {
			e.sharedLocal[i] = make([]uint32, len(l.shared))
			e.sharedStamp[i] = make([]uint32, len(l.shared))
		}
	}
	return e
}

// layerAt returns prepared layer i: a base layer below len(t.layers), else
// the overlay of layer i-len(t.layers) (nil when that layer is unchanged).
func (t *Tiler) layerAt(i int) *layer {
	if i < len(t.layers) {
		return t.layers[i]
	}
	if ov := t.overlayOf(i - len(t.layers)); ov != nil {
		return ov.layer
	}
	return nil
}

// Encode returns tile z/x/y of the selected layers as uncompressed MVT
// bytes, nil when no feature falls in it.
func (t *Tiler) Encode(z, x, y uint32, set LayerSet) ([]byte, error) {
	if err := CheckTile(z, x, y); err != nil {
		return nil, err
	}
	var out []byte
	t.encodeWith(z, x, y, set, func(raw []byte) error {
		if len(raw) > 0 {
			out = slices.Clone(raw)
		}
		return nil
	})
	return out, nil
}

// encodeWith encodes a checked tile into a pooled encoder and hands its
// bytes, valid until use returns, to use.
func (t *Tiler) encodeWith(z, x, y uint32, set LayerSet, use func(raw []byte) error) error {
	e := t.pool.Get().(*encoder)
	defer t.pool.Put(e)
	e.encode(z, x, y, set)
	// the last resort: a tile over the budget is thinned and encoded again
	bytesTarget, featuresTarget := t.opts.MaxTileBytes, t.opts.MaxTileFeatures
	for attempt := 0; attempt < 12; attempt++ {
		overBytes, overFeatures := len(e.tile) > t.opts.MaxTileBytes, len(e.recs) > t.opts.MaxTileFeatures
		if !overBytes && !overFeatures {
			break
		}
		if overBytes {
			bytesTarget = bytesTarget * 7 / 8
		}
		if overFeatures {
			featuresTarget = featuresTarget * 7 / 8
		}
		if !e.planSkips(len(e.tile), bytesTarget, featuresTarget) {
			break
		}
		e.encode(z, x, y, set)
	}
	e.skip = nil
	return use(e.tile)
}

func (e *encoder) encode(z, x, y uint32, set LayerSet) {
	t := e.t
	e.z, e.x, e.y = z, x, y
	e.exact = z >= exactZoom
	e.full = int(z) >= t.opts.FullDetailZoom
	e.scale = math.Ldexp(1, int(z)+extentBits-fixedBits)
	e.offX, e.offY = float64(x)*tileExtent, float64(y)*tileExtent
	e.worldUnits = math.Ldexp(1, int(z)+extentBits)
	e.lo, e.hi = -t.opts.Buffer, tileExtent+t.opts.Buffer
	e.tile = e.tile[:0]
	e.recs = e.recs[:0]
	bound := TileBound(z, x, y, t.opts.Buffer)
	for li, l := range t.layers {
		if !set.Has(li) {
			continue
		}
		ov := t.overlayOf(li)
		e.cands = l.candidates(z, x, y, t.opts.Buffer, bound, e.cands[:0])
		if len(e.cands) == 0 && ov == nil {
			continue
		}
		// Features go into the layer in the order of their MVT ids, so
		// the same data gives the same bytes (and ETag) however it is split
		// between a base and its overlay: replicas that indexed at
		// different versions serve identical tiles.
		e.order = e.order[:0]
		for _, fi := range e.cands {
			if ov == nil || !ov.masked(fi) {
				e.order = append(e.order, tileItem{id: l.features[fi].id, layer: int32(li), feature: fi})
			}
		}
		if ov != nil {
			oli := len(t.layers) + li
			e.cands = ov.layer.candidates(z, x, y, t.opts.Buffer, bound, e.cands[:0])
			for _, fi := range e.cands {
				e.order = append(e.order, tileItem{id: ov.layer.features[fi].id, layer: int32(oli), feature: fi})
			}
		}
		if len(e.order) == 0 {
			continue
		}
		if ov == nil { // one layer's features: their ids are unique
			slices.SortFunc(e.order, func(a, b tileItem) int { return cmp.Compare(a.id, b.id) })
		} else {
			slices.SortFunc(e.order, compareTileItems)
		}
		e.beginLayer(li)
		for _, it := range e.order {
			if e.skip != nil {
				if _, drop := e.skip[uint64(it.layer)<<32|uint64(it.feature)]; drop {
					continue
				}
			}
			before, beforeVals := len(e.feats), len(e.vals)
			if e.addFeature(t.layerAt(int(it.layer)), int(it.layer), it.feature) {
				e.recs = append(e.recs, featureRecord{it.layer, it.feature, len(e.feats) - before + len(e.vals) - beforeVals})
			}
		}
		e.endLayer(l)
	}
}

func (e *encoder) beginLayer(li int) {
	e.feats, e.keys, e.vals = e.feats[:0], e.keys[:0], e.vals[:0]
	e.nKeys, e.nVals, e.nFeat = 0, 0, 0
	for i := range e.keyLocal {
		e.keyLocal[i] = -1
	}
	e.stamp++
	if e.stamp == 0 { // wrapped: forget every stamp
		for _, s := range e.sharedStamp {
			clear(s)
		}
		e.stamp = 1
	}
}

func (e *encoder) endLayer(l *layer) {
	if e.nFeat == 0 {
		return
	}
	// Layer: version (15) = 2, name (1), features (2), keys (3), values
	// (4), extent (5) = 4096.
	n := 2 + 1 + varintLen(uint64(len(l.name))) + len(l.name) + len(e.feats) + len(e.keys) + len(e.vals) + 1 + varintLen(tileExtent)
	e.tile = append(e.tile, 0x1a)
	e.tile = appendVarint(e.tile, uint64(n))
	e.tile = append(e.tile, 0x78, 2, 0x0a)
	e.tile = appendVarint(e.tile, uint64(len(l.name)))
	e.tile = append(e.tile, l.name...)
	e.tile = append(e.tile, e.feats...)
	e.tile = append(e.tile, e.keys...)
	e.tile = append(e.tile, e.vals...)
	e.tile = append(e.tile, 0x28)
	e.tile = appendVarint(e.tile, tileExtent)
}

// addFeature writes feature fi of layer l when any of it falls in the
// tile, and reports whether it did.
func (e *encoder) addFeature(l *layer, li int, fi int32) bool {
	f := &l.features[fi]
	if f.typ == 0 || e.z < uint32(f.minZoom) {
		return false
	}
	// envelope in tile units: skip features outside the buffered tile and
	// skip clipping for features well inside it
	const margin = 4
	bx0, by0 := float64(f.minX)*e.scale-e.offX, float64(f.minY)*e.scale-e.offY
	bx1, by1 := float64(f.maxX)*e.scale-e.offX, float64(f.maxY)*e.scale-e.offY
	if e.exact {
		bx0, by0 = float64(f.minX)/fixedScale*e.worldUnits-e.offX, float64(f.minY)/fixedScale*e.worldUnits-e.offY
		bx1, by1 = float64(f.maxX)/fixedScale*e.worldUnits-e.offX, float64(f.maxY)/fixedScale*e.worldUnits-e.offY
	}
	if bx1 < e.lo-margin || by1 < e.lo-margin || bx0 > e.hi+margin || by0 > e.hi+margin {
		return false
	}
	inside := bx0 >= e.lo+margin && by0 >= e.lo+margin && bx1 <= e.hi-margin && by1 <= e.hi-margin
	e.geom = e.geom[:0]
	e.curX, e.curY = 0, 0
	var typ uint8
	switch {
	case f.typ != mvtPoint && e.z < uint32(f.shapeZoom):
		typ = e.labelPoint(f)
	case f.typ == mvtPoint:
		typ = e.points(l, f)
	case f.typ == mvtLine:
		typ = e.lines(l, f, inside)
	default:
		typ = e.polygons(l, f, inside)
	}
	if typ == 0 && f.typ != mvtPoint {
		// drawn as a shape at this zoom but every piece in this tile
		// collapsed: keep it visible where its label point is
		typ = e.labelPoint(f)
	}
	if typ == 0 {
		return false
	}
	e.writeFeature(l, li, f, typ)
	return true
}

// labelPoint writes the feature's label point when it lies in the tile.
func (e *encoder) labelPoint(f *feature) uint8 {
	x := f.labelX*e.worldUnits - e.offX
	y := f.labelY*e.worldUnits - e.offY
	if x < e.lo || x > e.hi || y < e.lo || y > e.hi {
		return 0
	}
	e.command(1, 1)
	e.point(round(x), round(y))
	return mvtPoint
}

func (e *encoder) points(l *layer, f *feature) uint8 {
	xs, ys := e.gather(l, f.parts, true)
	e.qx, e.qy = e.qx[:0], e.qy[:0]
	for i := range xs {
		if xs[i] >= e.lo && xs[i] <= e.hi && ys[i] >= e.lo && ys[i] <= e.hi {
			e.qx, e.qy = append(e.qx, round(xs[i])), append(e.qy, round(ys[i]))
		}
	}
	if len(e.qx) == 0 {
		return 0
	}
	e.command(1, uint32(len(e.qx)))
	for i := range e.qx {
		e.point(e.qx[i], e.qy[i])
	}
	return mvtPoint
}

func (e *encoder) lines(l *layer, f *feature, inside bool) uint8 {
	wrote := false
	emit := func(xs, ys []float64) {
		qx, qy := e.quantize(xs, ys)
		if len(qx) < 2 {
			return
		}
		e.command(1, 1)
		e.point(qx[0], qy[0])
		e.command(2, uint32(len(qx)-1))
		for i := 1; i < len(qx); i++ {
			e.point(qx[i], qy[i])
		}
		wrote = true
	}
	for pi := f.parts; pi < f.parts+uint32(f.nParts); pi++ {
		p := &l.parts[pi]
		if uint32(p.zoom) > e.z {
			continue
		}
		if inside {
			emit(e.gather(l, pi, false))
			continue
		}
		if p.chunk == noChunks {
			xs, ys := e.gather(l, pi, false)
			e.ax, e.ay = clipLine(xs, ys, e.lo, e.hi, e.ax, e.ay, emit)
			continue
		}
		// long line: clip only the stretches of chunks that reach the tile
		n := uint32(chunkCount(int(p.end - p.start)))
		for c := uint32(0); c < n; {
			for c < n && e.outside(l.chunks[p.chunk+c]) {
				c++
			}
			first := c
			for c < n && !e.outside(l.chunks[p.chunk+c]) {
				c++
			}
			if first == c {
				break
			}
			a := p.start + first*chunkLen
			b := min(p.start+c*chunkLen, p.end-1)
			xs, ys := e.gatherRange(l, pi, a, b+1)
			e.ax, e.ay = clipLine(xs, ys, e.lo, e.hi, e.ax, e.ay, emit)
		}
	}
	if !wrote {
		return 0
	}
	return mvtLine
}

// polygons writes the feature's polygons drawn at this zoom, each clipped
// as one piece (exterior and holes together, see polyClipper) unless the
// feature lies well inside the buffered tile, then quantised and cleaned
// (cleanRing); an exterior that collapses takes its holes with it.
func (e *encoder) polygons(l *layer, f *feature, inside bool) uint8 {
	wrote := false
	c := &e.clip
	end := f.parts + uint32(f.nParts)
	for pi := f.parts; pi < end; {
		next := pi + 1
		for next < end && l.parts[next].hole {
			next++
		}
		ext := &l.parts[pi]
		if ext.hole || uint32(ext.zoom) > e.z {
			pi = next
			continue
		}
		if inside { // no clipping: each ring as it comes
			open := false
			for qi := pi; qi < next; qi++ {
				p := &l.parts[qi]
				hole := qi > pi
				if uint32(p.zoom) > e.z || (hole && !open) {
					continue
				}
				xs, ys := e.gather(l, qi, false)
				if len(xs) > 1 { // drop the closing vertex
					xs, ys = xs[:len(xs)-1], ys[:len(ys)-1]
				}
				qx, qy := e.quantize(xs, ys)
				ok := e.ring(qx, qy, hole)
				wrote = wrote || ok
				if !hole {
					open = ok
				}
			}
			pi = next
			continue
		}
		c.reset(e.lo, e.hi)
		for qi := pi; qi < next; qi++ {
			p := &l.parts[qi]
			if uint32(p.zoom) > e.z {
				continue
			}
			xs, ys := e.gather(l, qi, false)
			if len(xs) > 1 { // drop the closing vertex
				xs, ys = xs[:len(xs)-1], ys[:len(ys)-1]
			}
			if len(xs) < 3 {
				if qi == pi {
					break
				}
				continue
			}
			c.addRing(xs, ys, qi > pi)
		}
		pi = next
		if len(c.ends) == 0 {
			continue
		}
		c.clip()
		open := false
		for k, stop := range c.oends {
			start := 0
			if k > 0 {
				start = c.oends[k-1]
			}
			hole := c.ohole[k]
			if hole && !open {
				continue
			}
			qx, qy := e.quantizeClipped(c.ox[start:stop], c.oy[start:stop])
			ok := e.ring(qx, qy, hole)
			wrote = wrote || ok
			if !hole {
				open = ok
			}
		}
	}
	if !wrote {
		return 0
	}
	return mvtPolygon
}

// ring cleans a quantised open ring (cleanRing) and, unless it collapsed,
// writes it, exteriors with positive area in tile coordinates (clockwise on
// screen) and holes negative, as MVT requires; it reports whether it did.
func (e *encoder) ring(qx, qy []int32, hole bool) bool {
	qx, qy = cleanRing(qx, qy)
	if len(qx) < 3 {
		return false
	}
	area := ringArea2(qx, qy)
	if area == 0 {
		return false
	}
	if (area < 0) != hole {
		slices.Reverse(qx)
		slices.Reverse(qy)
	}
	e.command(1, 1)
	e.point(qx[0], qy[0])
	e.command(2, uint32(len(qx)-1))
	for i := 1; i < len(qx); i++ {
		e.point(qx[i], qy[i])
	}
	e.command(7, 1)
	return true
}

// cleanRing drops, from a quantised open ring without repeated points,
// every vertex collinear with its neighbours: straight-through points and
// the spikes a clipped ring can leave along the tile's edge (a, b, a), until
// none is left. It works in place.
func cleanRing(xs, ys []int32) ([]int32, []int32) {
	n := 0
	for i := range xs {
		x, y := xs[i], ys[i]
		for n >= 1 && xs[n-1] == x && ys[n-1] == y {
			n--
		}
		for n >= 2 && cross(xs[n-2], ys[n-2], xs[n-1], ys[n-1], x, y) == 0 {
			n--
		}
		xs[n], ys[n] = x, y
		n++
	}
	xs, ys = xs[:n], ys[:n]
	// the seam: the last and first vertices
	for changed := true; changed && len(xs) >= 3; {
		changed = false
		m := len(xs)
		if xs[m-1] == xs[0] && ys[m-1] == ys[0] {
			xs, ys = xs[:m-1], ys[:m-1]
			changed = true
			continue
		}
		if cross(xs[m-2], ys[m-2], xs[m-1], ys[m-1], xs[0], ys[0]) == 0 {
			xs, ys = xs[:m-1], ys[:m-1]
			changed = true
			continue
		}
		if cross(xs[m-1], ys[m-1], xs[0], ys[0], xs[1], ys[1]) == 0 {
			xs, ys = xs[1:], ys[1:]
			changed = true
		}
	}
	return xs, ys
}

// cross is the z component of (b − a) × (c − b).
func cross(ax, ay, bx, by, cx, cy int32) int64 {
	return int64(bx-ax)*int64(cy-by) - int64(by-ay)*int64(cx-bx)
}

// gather returns the vertices of part pi kept at this zoom, in tile units.
func (e *encoder) gather(l *layer, pi uint32, all bool) ([]float64, []float64) {
	p := &l.parts[pi]
	xs, ys := e.fx[:0], e.fy[:0]
	if e.exact {
		for _, pt := range l.partSrc[pi] {
			x, y := toMercator(pt)
			xs = append(xs, x*e.worldUnits-e.offX)
			ys = append(ys, y*e.worldUnits-e.offY)
		}
	} else {
		xy := l.xy[2*p.start : 2*p.end]
		if all || e.full {
			for i := 0; i < len(xy); i += 2 {
				xs = append(xs, float64(xy[i])*e.scale-e.offX)
				ys = append(ys, float64(xy[i+1])*e.scale-e.offY)
			}
		} else {
			z := uint8(e.z)
			for i, v := range l.vz[p.start:p.end] {
				if v <= z {
					xs = append(xs, float64(xy[2*i])*e.scale-e.offX)
					ys = append(ys, float64(xy[2*i+1])*e.scale-e.offY)
				}
			}
		}
	}
	e.fx, e.fy = xs, ys
	return xs, ys
}

// gatherRange returns the vertices a..b-1 of a part kept at this zoom, in
// tile units, always including the first and the last: a stretch cut out
// of a long line must end on its true vertices, wherever they lie, for
// clipping to find where the line crosses the tile's edge.
func (e *encoder) gatherRange(l *layer, pi uint32, a, b uint32) ([]float64, []float64) {
	p := &l.parts[pi]
	xs, ys := e.fx[:0], e.fy[:0]
	z := uint8(e.z)
	for i := a; i < b; i++ {
		if !e.full && !e.exact && l.vz[i] > z && i != a && i != b-1 {
			continue
		}
		if e.exact {
			x, y := toMercator(l.partSrc[pi][i-p.start])
			xs = append(xs, x*e.worldUnits-e.offX)
			ys = append(ys, y*e.worldUnits-e.offY)
			continue
		}
		xs = append(xs, float64(l.xy[2*i])*e.scale-e.offX)
		ys = append(ys, float64(l.xy[2*i+1])*e.scale-e.offY)
	}
	e.fx, e.fy = xs, ys
	return xs, ys
}

// outside reports whether an envelope lies wholly outside the buffered
// tile.
func (e *encoder) outside(b box) bool {
	const margin = 1
	if e.exact {
		k := e.worldUnits / fixedScale
		return float64(b.maxX)*k-e.offX < e.lo-margin || float64(b.maxY)*k-e.offY < e.lo-margin ||
			float64(b.minX)*k-e.offX > e.hi+margin || float64(b.minY)*k-e.offY > e.hi+margin
	}
	return float64(b.maxX)*e.scale-e.offX < e.lo-margin || float64(b.maxY)*e.scale-e.offY < e.lo-margin ||
		float64(b.minX)*e.scale-e.offX > e.hi+margin || float64(b.minY)*e.scale-e.offY > e.hi+margin
}

// quantize rounds to integer tile units and drops repeated points.
func (e *encoder) quantize(xs, ys []float64) ([]int32, []int32) {
	qx, qy := e.qx[:0], e.qy[:0]
	for i := range xs {
		x, y := round(xs[i]), round(ys[i])
		if n := len(qx); n > 0 && qx[n-1] == x && qy[n-1] == y {
			continue
		}
		qx, qy = append(qx, x), append(qy, y)
	}
	e.qx, e.qy = qx, qy
	return qx, qy
}

// quantizeClipped is quantize for a clipped ring: a vertex off the buffered
// tile's edge rounds to a point off it too, never onto it, so that no vertex
// near the edge comes to touch a stretch of the ring along it.
func (e *encoder) quantizeClipped(xs, ys []float64) ([]int32, []int32) {
	lo, hi := round(e.lo), round(e.hi)
	snap := func(v float64) int32 {
		q := round(v)
		if v != e.lo && v != e.hi {
			q = min(max(q, lo+1), hi-1)
		}
		return q
	}
	qx, qy := e.qx[:0], e.qy[:0]
	for i := range xs {
		x, y := snap(xs[i]), snap(ys[i])
		if n := len(qx); n > 0 && qx[n-1] == x && qy[n-1] == y {
			continue
		}
		qx, qy = append(qx, x), append(qy, y)
	}
	e.qx, e.qy = qx, qy
	return qx, qy
}

func round(v float64) int32 { return int32(math.Floor(v + 0.5)) }

// ringArea2 is twice the ring's signed area (open ring).
func ringArea2(xs, ys []int32) int64 {
	var s int64
	n := len(xs)
	for i := 0; i < n; i++ {
		j := i + 1
		if j == n {
			j = 0
		}
		s += int64(xs[i])*int64(ys[j]) - int64(xs[j])*int64(ys[i])
	}
	return s
}

func (e *encoder) command(id, count uint32) { e.geom = appendVarint(e.geom, uint64(id&7|count<<3)) }

func (e *encoder) point(x, y int32) {
	e.geom = appendVarint(e.geom, zigzag(x-e.curX))
	e.geom = appendVarint(e.geom, zigzag(y-e.curY))
	e.curX, e.curY = x, y
}

func zigzag(v int32) uint64 { return uint64(uint32((v << 1) ^ (v >> 31))) }

// writeFeature appends the feature message: id (1), tags (2), type (3),
// geometry (4).
func (e *encoder) writeFeature(l *layer, li int, f *feature, typ uint8) {
	tags := e.tags[:0]
	own := e.nVals // the feature's own values go in one piece
	e.vals = append(e.vals, l.uvals[f.uvals:f.uvals+f.uvalLen]...)
	e.nVals += uint32(f.nUnique)
	stamps, locals, stamp := e.sharedStamp[li], e.sharedLocal[li], e.stamp
	for _, tag := range l.tags[f.tags : f.tags+uint32(f.nTags)] {
		key, ref := tag>>tagKeyShift, tag&tagRefMask
		gk := l.keyGlobal[key]
		lk := e.keyLocal[gk]
		if lk < 0 {
			lk = int32(e.nKeys)
			e.keyLocal[gk] = lk
			e.nKeys++
			name := l.keys[key]
			e.keys = append(e.keys, 0x1a)
			e.keys = appendVarint(e.keys, uint64(len(name)))
			e.keys = append(e.keys, name...)
		}
		var lv uint32
		if ref&uniqueRef != 0 {
			lv = own + ref&^uniqueRef
		} else if stamps[ref] == stamp {
			lv = locals[ref]
		} else {
			lv = e.nVals
			e.nVals++
			stamps[ref] = stamp
			locals[ref] = lv
			e.vals = append(e.vals, l.sharedEnc[l.sharedAt[ref]:l.sharedAt[ref+1]]...)
		}
		// key and value positions are almost always below 128: one byte
		if lk < 0x80 && lv < 0x80 {
			tags = append(tags, byte(lk), byte(lv))
		} else {
			tags = appendVarint(appendVarint(tags, uint64(lk)), uint64(lv))
		}
	}
	e.tags = tags
	n := 1 + varintLen(f.id) + 2 + 1 + varintLen(uint64(len(e.geom))) + len(e.geom)
	if len(e.tags) > 0 {
		n += 1 + varintLen(uint64(len(e.tags))) + len(e.tags)
	}
	e.feats = append(e.feats, 0x12)
	e.feats = appendVarint(e.feats, uint64(n))
	e.feats = append(e.feats, 0x08)
	e.feats = appendVarint(e.feats, f.id)
	if len(e.tags) > 0 {
		e.feats = append(e.feats, 0x12)
		e.feats = appendVarint(e.feats, uint64(len(e.tags)))
		e.feats = append(e.feats, e.tags...)
	}
	e.feats = append(e.feats, 0x18, typ, 0x22)
	e.feats = appendVarint(e.feats, uint64(len(e.geom)))
	e.feats = append(e.feats, e.geom...)
	e.nFeat++
}

// appendValue appends a layer's values entry (field 4) holding v.
func appendValue(b []byte, v value) []byte {
	switch v.kind {
	case valString:
		b = append(b, 0x22)
		b = appendVarint(b, uint64(1+varintLen(uint64(len(v.s)))+len(v.s)))
		b = append(b, 0x0a)
		b = appendVarint(b, uint64(len(v.s)))
		return append(b, v.s...)
	case valInt:
		b = append(b, 0x22)
		b = appendVarint(b, uint64(1+varintLen(uint64(v.n))))
		b = append(b, 0x20)
		return appendVarint(b, uint64(v.n))
	case valDouble:
		b = append(b, 0x22, 9, 0x19)
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(v.f))
	default: // valBool
		return append(b, 0x22, 2, 0x38, byte(v.n))
	}
}

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func varintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// planSkips chooses the features to leave out so that a tile of size bytes
// and len(e.recs) features comes down to target bytes and targetFeatures
// features: the tile keeps at most K thinnable features per cell of a
// thinGrid×thinGrid grid (biggest first), K as large as fits; once no
// thinnable feature is left, the features of whole layers the same way.
// It reports false when nothing more can be left out.
func (e *encoder) planSkips(size, target, targetFeatures int) bool {
	type rec struct {
		featureRecord
		cell   int
		weight float64
		id     uint64
		rank   int
	}
	var recs []rec
	spent, count := size, len(e.recs)
	n := float64(uint64(1) << e.z)
	thinnable := slices.ContainsFunc(e.recs, func(r featureRecord) bool { return e.t.layerAt(int(r.layer)).features[r.feature].thinnable })
	for _, r := range e.recs {
		f := &e.t.layerAt(int(r.layer)).features[r.feature]
		if thinnable && !f.thinnable {
			continue
		}
		cx := min(max(int((f.labelX*n-float64(e.x))*thinGrid), 0), thinGrid-1)
		cy := min(max(int((f.labelY*n-float64(e.y))*thinGrid), 0), thinGrid-1)
		recs = append(recs, rec{featureRecord: r, cell: cy*thinGrid + cx, weight: f.weight, id: f.id})
		spent -= r.bytes
		count--
	}
	if len(recs) == 0 {
		return false
	}
	slices.SortFunc(recs, func(a, b rec) int {
		if c := cmp.Compare(a.cell, b.cell); c != 0 {
			return c
		}
		if c := cmp.Compare(b.weight, a.weight); c != 0 {
			return c
		}
		if c := cmp.Compare(a.layer, b.layer); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	type sum struct{ bytes, features int }
	var byRank []sum
	for i := range recs {
		if i > 0 && recs[i].cell == recs[i-1].cell {
			recs[i].rank = recs[i-1].rank + 1
		}
		for len(byRank) <= recs[i].rank {
			byRank = append(byRank, sum{})
		}
		byRank[recs[i].rank].bytes += recs[i].bytes
		byRank[recs[i].rank].features++
	}
	k := 0
	for k < len(byRank) && spent+byRank[k].bytes <= target && count+byRank[k].features <= targetFeatures {
		spent += byRank[k].bytes
		count += byRank[k].features
		k++
	}
	if e.skip == nil {
		e.skip = map[uint64]struct{}{}
	}
	for _, r := range recs {
		if r.rank >= k {
			e.skip[uint64(r.layer)<<32|uint64(r.feature)] = struct{}{}
		}
	}
	return true
}
