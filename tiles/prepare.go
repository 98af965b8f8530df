package tiles

import (
	"fmt"
	"hash/fnv"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
)

// MVT geometry types.
const (
	mvtPoint   = 1
	mvtLine    = 2
	mvtPolygon = 3
)

// neverZoom marks a part or feature that is never drawn as a shape (its
// area or length is zero).
const neverZoom = 255

// part is one prepared line, ring or point list of a feature.
type part struct {
	// start and end delimit the part's vertices in the layer's arena. Rings
	// keep their closing vertex.
	start, end uint32
	// chunk is the position in the layer's chunk envelopes of a long
	// line's first chunk, or noChunks.
	chunk uint32
	// zoom is the first zoom at which the part is drawn: the zoom from
	// which a ring's area or a line's length reaches the minimum.
	zoom uint8
	// hole marks a polygon's interior ring; an exterior ring starts a new
	// polygon.
	hole bool
}

// Long lines keep an envelope per chunk of chunkLen segments, so a tile
// skips the chunks that lie wholly outside it instead of clipping every
// segment of a 10,000-vertex line.
const (
	chunkLen = 32
	noChunks = math.MaxUint32
)

// chunkCount returns how many chunks a line of n vertices has (0: short
// lines have no chunk envelopes).
func chunkCount(n int) int {
	if n <= 2*chunkLen {
		return 0
	}
	return (n - 1 + chunkLen - 1) / chunkLen
}

// box is an envelope in fixed-point Mercator.
type box struct{ minX, minY, maxX, maxY uint32 }

// feature is one source feature prepared for tiling. Everything it refers
// to lives in its layer's flat arenas, laid out in the order of the
// features, so that the features of one tile sit together in memory.
type feature struct {
	id uint64
	// labelX, labelY is a point on the feature (Mercator), written in
	// place of shapes too small to draw.
	labelX, labelY float64
	// weight is the area or length in Mercator units; bigger features win
	// when a dense cell is thinned.
	weight float64
	// bbox in fixed-point Mercator.
	minX, minY, maxX, maxY uint32
	// src is the feature's position in the source layer.
	src int32
	// parts, tags and uvals index the layer's arenas: nParts parts, nTags
	// key/value pairs, and uvalLen bytes of pre-encoded values table
	// entries for the nUnique values no other feature shares.
	parts, tags, uvals, uvalLen uint32
	nParts                      uint16
	// propBytes estimates what the feature's properties add to a tile.
	propBytes      uint16
	nTags, nUnique uint8
	typ            uint8
	shapeZoom      uint8 // below it, the feature is written as its label point
	minZoom        uint8 // set by thinning: below it, the feature is left out
	thinnable      bool
}

// value kinds, as the MVT Value message numbers its fields.
const (
	valString = 1
	valDouble = 3
	valInt    = 4
	valBool   = 7
)

// value is one property value as MVT encodes it.
type value struct {
	kind uint8
	s    string
	n    int64
	f    float64
}

// A feature's tags are one uint32 each: the key's position in the layer's
// keys in the top tagKeyShift bits, then the value reference: the
// position of a shared value, or uniqueRef|j for the j-th value of the
// feature's own values.
const (
	tagKeyShift = 28
	tagRefMask  = 1<<tagKeyShift - 1
	uniqueRef   = 1 << 27
	// maxShared bounds a layer's shared values, so that their positions
	// never reach uniqueRef
	maxShared = uniqueRef
)

// layer is one MVT layer prepared for tiling.
type layer struct {
	name string
	meta *data.Layer // nil for derived layers
	keys []string
	// keyGlobal maps each of keys to its position in propertyKeys, so
	// layers prepared apart (a base and its overlay) share key numbers.
	keyGlobal []int
	// shared holds values that several features use, deduplicated per
	// tile; values only one feature uses are pre-encoded in uvals.
	// sharedEnc holds the shared values pre-encoded as values table
	// entries, value i at sharedEnc[sharedAt[i]:sharedAt[i+1]].
	shared    []value
	sharedEnc []byte
	sharedAt  []uint32
	// features are in Hilbert order of their envelopes' centres; order
	// maps a source position to its feature.
	features []feature
	order    []int32
	parts    []part
	partSrc  [][]orb.Point // each part's source coordinates (zooms beyond the fixed point)
	tags     []uint32      // one per tag: key and value reference (tagKeyShift)
	uvals    []byte
	// xy holds every vertex as fixed-point Mercator x, y pairs; vz holds
	// each vertex's simplification zoom: the vertex is kept at zoom z when
	// vz <= z.
	xy     []uint32
	vz     []uint8
	chunks []box
	index  *geo.Index
	groups []zoomGroup
	// grids, for layers of lines, find candidates from their zoom on.
	grids  []*lineGrid
	fields map[string]string
	// count and extent are the number of source features and their
	// envelope (longitude, latitude; when count > 0).
	count  int
	extent orb.Bound
	// labelLayers and labelled hold, for the Labels layer, the layer and
	// the feature each label point labels, by source position. The Labels
	// layer keeps no index (nil) once prepared: its points, made for it,
	// are not kept.
	labelLayers []string
	labelled    []*geojson.Feature
}

// propertyKeys are the properties tiles carry, in the order their keys are
// written (rank, label and label_en are the offline basemap's: see
// NewBasemap).
var propertyKeys = []string{"id", "name", "name_en", "kind", "status", "target_year", "city", "mode", "home", "host", "layer", "shape", "rank", "label", "label_en"}

// prepareLayer projects, simplifies and labels every feature of index and
// collects their properties. It reads the features and never changes them.
func prepareLayer(name string, meta *data.Layer, index *geo.Index, opts *Options) (*layer, error) {
	return prepareLayerWith(name, meta, index, opts, nil)
}

// valueSource reads source feature i's tile property key (never "id",
// which comes from data.FeatureID), for features whose properties are
// not in their Properties map; nil reads the map (propertyValue).
type valueSource func(i int, key string) (value, bool)

// prepareLayerWith is prepareLayer with the features' properties read
// through values when it is set.
func prepareLayerWith(name string, meta *data.Layer, index *geo.Index, opts *Options, values valueSource) (*layer, error) {
	src := index.Features()
	l := &layer{name: name, meta: meta, index: index, features: make([]feature, len(src)), count: index.Len()}
	if l.count > 0 {
		l.extent = index.Bound()
	}
	perm := spatialOrder(index)
	l.order = make([]int32, len(src))
	for k, i := range perm {
		l.order[i] = int32(k)
	}
	// arena offsets, in feature order
	type offsets struct{ vertex, chunk, part uint32 }
	offs := make([]offsets, len(src)+1)
	var vertices, chunks, parts uint64
	for k, i := range perm {
		offs[k] = offsets{uint32(vertices), uint32(chunks), uint32(parts)}
		g := src[i].Geometry
		vertices += uint64(vertexCount(g))
		chunks += uint64(lineChunks(g))
		parts += uint64(partCount(g))
		if vertices >= math.MaxUint32 || parts >= math.MaxUint32 {
			return nil, fmt.Errorf("tiles: layer %s has more than %d vertices", name, uint32(math.MaxUint32))
		}
	}
	offs[len(src)] = offsets{uint32(vertices), uint32(chunks), uint32(parts)}
	l.xy = make([]uint32, 2*vertices)
	l.vz = make([]uint8, vertices)
	l.chunks = make([]box, chunks)
	l.parts = make([]part, parts)
	l.partSrc = make([][]orb.Point, parts)

	// only layers larger than the whole-layer size are ever thinned
	thinnable := len(src) > opts.WholeLayerFeatures
	const batch = 1024
	next := make(chan int, (len(src)+batch-1)/batch)
	for start := 0; start < len(src); start += batch {
		next <- start
	}
	close(next)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &preparer{l: l, opts: opts}
			for start := range next {
				for k := start; k < min(start+batch, len(src)); k++ {
					i := perm[k]
					f := &l.features[k]
					f.src = int32(i)
					f.parts = offs[k].part
					p.chunk, p.part = offs[k].chunk, offs[k].part
					p.prepare(f, src[i], offs[k].vertex)
					f.thinnable = thinnable
				}
			}
		}()
	}
	wg.Wait()
	if err := l.collectProperties(src, values); err != nil {
		return nil, err
	}
	l.assignIDs(src)
	return l, nil
}

// spatialOrder returns the source positions sorted along a Hilbert curve
// through the centres of their envelopes (ties by position).
func spatialOrder(index *geo.Index) []int {
	n := index.Len()
	ext := index.Bound()
	keys := make([]uint64, n)
	w, h := ext.Max[0]-ext.Min[0], ext.Max[1]-ext.Min[1]
	for i := range keys {
		c := index.FeatureBound(i).Center()
		var x, y uint32
		if w > 0 {
			x = uint32(math.Min(65535, math.Max(0, (c[0]-ext.Min[0])/w*65535)))
		}
		if h > 0 {
			y = uint32(math.Min(65535, math.Max(0, (c[1]-ext.Min[1])/h*65535)))
		}
		keys[i] = uint64(hilbertIndex(x, y))<<32 | uint64(i)
	}
	slices.Sort(keys)
	perm := make([]int, n)
	for k, key := range keys {
		perm[k] = int(key & math.MaxUint32)
	}
	return perm
}

// hilbertIndex is the position of (x, y), 16 bits each, along a Hilbert
// curve.
func hilbertIndex(x, y uint32) uint32 {
	var d uint32
	for s := uint32(1 << 15); s > 0; s >>= 1 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		if ry == 0 {
			if rx == 1 {
				x, y = s-1-x, s-1-y
			}
			x, y = y, x
		}
	}
	return d
}

// vertexCount returns how many arena vertices g needs.
func vertexCount(g orb.Geometry) int {
	n := 0
	forEachPart(g, func(pts []orb.Point, _ bool, _ int) { n += len(pts) })
	return n
}

// partCount returns how many parts g has.
func partCount(g orb.Geometry) int {
	n := 0
	forEachPart(g, func([]orb.Point, bool, int) { n++ })
	return n
}

// lineChunks returns how many chunk envelopes g's lines need.
func lineChunks(g orb.Geometry) int {
	n := 0
	forEachPart(g, func(pts []orb.Point, _ bool, dim int) {
		if dim == 1 {
			n += chunkCount(len(pts))
		}
	})
	return n
}

// forEachPart calls fn with every part of g that tiles draw: every ring
// (hole set for interior rings), every line, or one part holding all the
// points, with the geometry's dimension. Of a collection, only the members
// of its highest dimension are drawn: an MVT feature has one type.
func forEachPart(g orb.Geometry, fn func(pts []orb.Point, hole bool, dim int)) {
	var points []orb.Point
	var walk func(g orb.Geometry)
	walk = func(g orb.Geometry) {
		switch g := g.(type) {
		case orb.Point:
			points = append(points, g)
		case orb.MultiPoint:
			points = append(points, g...)
		case orb.LineString:
			fn(g, false, 1)
		case orb.MultiLineString:
			for _, ls := range g {
				fn(ls, false, 1)
			}
		case orb.Polygon:
			for i, r := range g {
				fn(r, i > 0, 2)
			}
		case orb.MultiPolygon:
			for _, p := range g {
				for i, r := range p {
					fn(r, i > 0, 2)
				}
			}
		case orb.Collection:
			for _, m := range dominantMembers(g) {
				walk(m)
			}
		}
	}
	walk(g)
	if len(points) > 0 {
		fn(slices.Clip(points), false, 0)
	}
}

// dominantMembers returns the members of a collection of its highest
// dimension (polygons over lines over points).
func dominantMembers(c orb.Collection) []orb.Geometry {
	best := -1
	for _, m := range c {
		best = max(best, m.Dimensions())
	}
	var out []orb.Geometry
	for _, m := range c {
		if m.Dimensions() == best {
			out = append(out, m)
		}
	}
	return out
}

// preparer holds one worker's scratch space and arena cursors.
type preparer struct {
	l           *layer
	opts        *Options
	xs, ys      []float64
	tol2        []float64
	stack       []span
	chunk, part uint32 // next free chunk envelope and part of the current feature
}

type span struct {
	a, b int
	zoom uint8
}

// prepare fills f from the source feature src, writing its vertices at
// off and its parts and chunk envelopes at the preparer's cursors.
func (p *preparer) prepare(f *feature, src *geojson.Feature, off uint32) {
	f.minX, f.minY = math.MaxUint32, math.MaxUint32
	f.shapeZoom = neverZoom
	largest := -1.0
	polyFirst, polyArea := uint32(0), 0.0
	closePolygon := func() {
		f.weight += math.Max(polyArea, 0)
		if polyArea > largest {
			largest = polyArea
			f.labelX, f.labelY = p.pointOnSurface(p.l.parts[polyFirst:p.part])
		}
	}
	longest := -1.0
	forEachPart(src.Geometry, func(pts []orb.Point, hole bool, dim int) {
		f.typ = uint8(dim + 1) // point 1, line 2, polygon 3
		p.project(pts, off)
		pt := part{start: off, end: off + uint32(len(pts)), chunk: noChunks, hole: hole}
		switch dim {
		case 0:
			f.shapeZoom = 0
			f.labelX, f.labelY = p.xs[0], p.ys[0]
		case 1:
			p.simplify(p.l.vz[off:int(off)+len(pts)], false)
			length := 0.0
			for i := 1; i < len(p.xs); i++ {
				length += math.Hypot(p.xs[i]-p.xs[i-1], p.ys[i]-p.ys[i-1])
			}
			pt.zoom = zoomForSize(length*tileExtent, p.opts.MinLineLength)
			f.shapeZoom = min(f.shapeZoom, pt.zoom)
			f.weight += length
			if length > longest {
				longest = length
				f.labelX, f.labelY = alongLine(p.xs, p.ys, length/2)
			}
			if n := chunkCount(len(pts)); n > 0 {
				pt.chunk = p.chunk
				p.chunkEnvelopes(off, pt.end, n)
			}
		case 2:
			if !hole {
				if p.part > f.parts {
					closePolygon()
				}
				polyFirst, polyArea = p.part, 0
			}
			if len(pts) >= 4 {
				p.simplify(p.l.vz[off:int(off)+len(pts)], true)
			}
			area := math.Abs(shoelace(p.xs, p.ys)) / 2
			// area grows fourfold per zoom: compare square roots
			pt.zoom = zoomForSize(math.Sqrt(area)*tileExtent, math.Sqrt(p.opts.MinPolygonArea))
			if hole {
				polyArea -= area
			} else {
				polyArea += area
				f.shapeZoom = min(f.shapeZoom, pt.zoom)
			}
		}
		p.growBound(f, off, len(pts))
		p.l.parts[p.part] = pt
		p.l.partSrc[p.part] = pts
		p.part++
		off += uint32(len(pts))
	})
	if f.typ == mvtPolygon {
		closePolygon()
	}
	f.nParts = uint16(min(int(p.part-f.parts), math.MaxUint16))
}

// chunkEnvelopes writes the n chunk envelopes of the line at [off, end).
func (p *preparer) chunkEnvelopes(off, end uint32, n int) {
	for c := 0; c < n; c++ {
		a := off + uint32(c*chunkLen)
		b := min(a+chunkLen, end-1)
		bx := box{math.MaxUint32, math.MaxUint32, 0, 0}
		for i := a; i <= b; i++ {
			x, y := p.l.xy[2*i], p.l.xy[2*i+1]
			bx.minX, bx.maxX = min(bx.minX, x), max(bx.maxX, x)
			bx.minY, bx.maxY = min(bx.minY, y), max(bx.maxY, y)
		}
		p.l.chunks[p.chunk] = bx
		p.chunk++
	}
}

// project converts pts to Mercator into the scratch slices and writes their
// fixed-point copy at off; vertex zooms start at 0.
func (p *preparer) project(pts []orb.Point, off uint32) {
	p.xs, p.ys = p.xs[:0], p.ys[:0]
	xy := p.l.xy[2*off : 2*(int(off)+len(pts))]
	for i, pt := range pts {
		x, y := toMercator(pt)
		p.xs = append(p.xs, x)
		p.ys = append(p.ys, y)
		xy[2*i], xy[2*i+1] = toFixed(x), toFixed(y)
	}
	clear(p.l.vz[off : int(off)+len(pts)])
}

func (p *preparer) growBound(f *feature, off uint32, n int) {
	xy := p.l.xy[2*off : 2*(int(off)+n)]
	for i := 0; i < len(xy); i += 2 {
		f.minX, f.maxX = min(f.minX, xy[i]), max(f.maxX, xy[i])
		f.minY, f.maxY = min(f.minY, xy[i+1]), max(f.maxY, xy[i+1])
	}
}

// zoomForSize returns the first zoom at which a length measured in tile
// units at zoom 0 (doubling with each zoom) reaches minimum.
func zoomForSize(sizeAtZ0, minimum float64) uint8 {
	if sizeAtZ0 >= minimum {
		return 0
	}
	if sizeAtZ0 <= 0 || math.IsNaN(sizeAtZ0) {
		return neverZoom
	}
	return zoomForRatio(minimum / sizeAtZ0)
}

// zoomForRatio is the smallest z with 2^z >= ratio, capped below neverZoom.
func zoomForRatio(ratio float64) uint8 {
	z := math.Ceil(math.Log2(ratio))
	for z > 0 && math.Exp2(z-1) >= ratio { // guard against rounding up
		z--
	}
	for math.Exp2(z) < ratio {
		z++
	}
	return uint8(math.Min(z, neverZoom-1))
}

func shoelace(xs, ys []float64) float64 {
	s := 0.0
	for i := 0; i+1 < len(xs); i++ {
		s += xs[i]*ys[i+1] - xs[i+1]*ys[i]
	}
	return s
}

// alongLine returns the point at distance d along the line.
func alongLine(xs, ys []float64, d float64) (float64, float64) {
	for i := 1; i < len(xs); i++ {
		seg := math.Hypot(xs[i]-xs[i-1], ys[i]-ys[i-1])
		if seg >= d && seg > 0 {
			t := d / seg
			return xs[i-1] + t*(xs[i]-xs[i-1]), ys[i-1] + t*(ys[i]-ys[i-1])
		}
		d -= seg
	}
	return xs[len(xs)-1], ys[len(ys)-1]
}

// simplify runs Douglas–Peucker once over the projected part in p.xs,
// p.ys and stores in vz each vertex's zoom: the lowest zoom whose tolerance
// (Options.Tolerance tile units) keeps it. A vertex's zoom is never below
// the zoom of the split that exposed it, so the vertices kept at a zoom are
// exactly those a Douglas–Peucker run at that zoom's tolerance keeps. Rings
// also keep, at every zoom, the two vertices that span the largest
// triangle with the first, so they never collapse to a line.
func (p *preparer) simplify(vz []uint8, ring bool) {
	n := len(p.xs)
	full := uint8(p.opts.FullDetailZoom)
	for i := 1; i < n-1; i++ {
		vz[i] = full
	}
	if n < 3 {
		return
	}
	if len(p.tol2) == 0 {
		// tol2[z] is the squared tolerance at zoom z in world units
		for z := 0; z < int(full); z++ {
			p.tol2 = append(p.tol2, sq(math.Ldexp(p.opts.Tolerance/tileExtent, -z)))
		}
	}
	xs, ys := p.xs, p.ys
	p.stack = append(p.stack[:0], span{0, n - 1, 0})
	for len(p.stack) > 0 {
		s := p.stack[len(p.stack)-1]
		p.stack = p.stack[:len(p.stack)-1]
		if s.b-s.a < 2 {
			continue
		}
		best, bestD, mid := -1, -1.0, (s.a+s.b)/2
		ax, ay, bx, by := xs[s.a], ys[s.a], xs[s.b], ys[s.b]
		for i := s.a + 1; i < s.b; i++ {
			d := segDist2(xs[i], ys[i], ax, ay, bx, by)
			if d > bestD || (d == bestD && abs(i-mid) < abs(best-mid)) {
				best, bestD = i, d
			}
		}
		// the first zoom whose tolerance the split's distance exceeds
		z := s.zoom
		for z < full && bestD <= p.tol2[z] {
			z++
		}
		if z >= full {
			continue
		}
		vz[best] = z
		p.stack = append(p.stack, span{s.a, best, z}, span{best, s.b, z})
	}
	if ring && n >= 4 {
		m1, bestD := 0, -1.0
		for i := 1; i < n-1; i++ {
			if d := sq(xs[i]-xs[0]) + sq(ys[i]-ys[0]); d > bestD {
				m1, bestD = i, d
			}
		}
		m2, bestA := 0, -1.0
		for i := 1; i < n-1; i++ {
			if i == m1 {
				continue
			}
			a := math.Abs((xs[m1]-xs[0])*(ys[i]-ys[0]) - (ys[m1]-ys[0])*(xs[i]-xs[0]))
			if a > bestA {
				m2, bestA = i, a
			}
		}
		vz[m1], vz[m2] = 0, 0
	}
}

func segDist2(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	if dx != 0 || dy != 0 {
		t := ((px-ax)*dx + (py-ay)*dy) / (dx*dx + dy*dy)
		if t > 1 {
			ax, ay = bx, by
		} else if t > 0 {
			ax += dx * t
			ay += dy * t
		}
	}
	return sq(px-ax) + sq(py-ay)
}

func sq(v float64) float64 { return v * v }

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// pointOnSurface returns a point inside the polygon whose rings are parts:
// the exterior's centroid when it lies inside, else the middle of the widest
// span of a horizontal line through the middle of the polygon.
func (p *preparer) pointOnSurface(parts []part) (float64, float64) {
	xy := p.l.xy
	fx := func(i uint32) float64 { return float64(xy[2*i]) / fixedScale }
	fy := func(i uint32) float64 { return float64(xy[2*i+1]) / fixedScale }
	ext := parts[0]
	var a, cx, cy float64
	for i := ext.start; i+1 < ext.end; i++ {
		c := fx(i)*fy(i+1) - fx(i+1)*fy(i)
		a += c
		cx += (fx(i) + fx(i+1)) * c
		cy += (fy(i) + fy(i+1)) * c
	}
	if a != 0 {
		cx, cy = cx/(3*a), cy/(3*a)
		if insideRings(parts, xy, cx, cy) {
			return cx, cy
		}
	}
	minY, maxY := math.Inf(1), math.Inf(-1)
	for i := ext.start; i < ext.end; i++ {
		minY, maxY = math.Min(minY, fy(i)), math.Max(maxY, fy(i))
	}
	y := (minY + maxY) / 2
	var crossings []float64
	for _, r := range parts {
		for i := r.start; i+1 < r.end; i++ {
			y0, y1 := fy(i), fy(i+1)
			if (y0 > y) != (y1 > y) {
				crossings = append(crossings, fx(i)+(y-y0)/(y1-y0)*(fx(i+1)-fx(i)))
			}
		}
	}
	slices.Sort(crossings)
	bestW, bx, by := -1.0, fx(ext.start), fy(ext.start)
	for i := 0; i+1 < len(crossings); i += 2 {
		if w := crossings[i+1] - crossings[i]; w > bestW {
			bestW, bx, by = w, (crossings[i]+crossings[i+1])/2, y
		}
	}
	return bx, by
}

// insideRings reports whether (x, y) is inside the exterior parts[0] and
// outside every hole, by the even–odd rule over all rings.
func insideRings(parts []part, xy []uint32, x, y float64) bool {
	in := false
	for _, r := range parts {
		for i := r.start; i+1 < r.end; i++ {
			x0, y0 := float64(xy[2*i])/fixedScale, float64(xy[2*i+1])/fixedScale
			x1, y1 := float64(xy[2*i+2])/fixedScale, float64(xy[2*i+3])/fixedScale
			if (y0 > y) != (y1 > y) && x < x0+(y-y0)/(y1-y0)*(x1-x0) {
				in = !in
			}
		}
	}
	return in
}

// collectProperties fills the layer's keys and shared values and each
// feature's tags and pre-encoded own values, in feature order. A value
// used by one feature only is written into the feature's own values,
// ready to copy into a tile's values table in one piece.
//
// Every property is read once: the values are interned per layer (one map
// look-up per feature and key), their uses counted by intern number.
func (l *layer) collectProperties(src []*geojson.Feature, values valueSource) error {
	if values == nil {
		values = func(i int, key string) (value, bool) { return propertyValue(src[i], key) }
	}
	const noValue = -1
	nk := len(propertyKeys)
	idKey := slices.Index(propertyKeys, "id")
	present := make([]bool, nk)
	// refs[i*nk+k] is source feature i's value of key k as an intern
	// number, or noValue; ids holds the id values, which are never shared
	refs := make([]int32, len(src)*nk)
	ids := make([]string, len(src))
	intern := make(map[value]int32, 256)
	var interned []value
	var counts []int32
	tags := 0
	for i, f := range src {
		row := refs[i*nk : (i+1)*nk]
		for k, key := range propertyKeys {
			row[k] = noValue
			if k == idKey {
				if id := data.FeatureID(f); id != "" {
					present[k] = true
					ids[i] = id
					tags++
				}
				continue
			}
			v, ok := values(i, key)
			if !ok {
				continue
			}
			present[k] = true
			tags++
			n, seen := intern[v]
			if !seen {
				n = int32(len(interned))
				intern[v] = n
				interned = append(interned, v)
				counts = append(counts, 0)
			}
			counts[n]++
			row[k] = n
		}
	}
	keyIndex := make([]int, nk)
	l.fields = map[string]string{}
	for k, key := range propertyKeys {
		keyIndex[k] = -1
		if present[k] {
			keyIndex[k] = len(l.keys)
			l.keys = append(l.keys, key)
			l.keyGlobal = append(l.keyGlobal, k)
		}
	}
	// what a shared value adds to a tile per feature, by estimate: a value
	// few features share is, within one tile, still mostly written once
	// per feature
	share := make([]float64, len(interned))
	sharedOf := make([]int32, len(interned)) // position in l.shared, or -1
	for n, v := range interned {
		share[n] = float64(len(appendValue(nil, v))) * math.Min(1, sharedPerTile/float64(counts[n]))
		sharedOf[n] = -1
	}
	typed := make([]bool, nk)
	l.tags = make([]uint32, 0, tags)
	for k := range l.features {
		f := &l.features[k]
		row := refs[int(f.src)*nk : int(f.src+1)*nk]
		f.tags, f.uvals = uint32(len(l.tags)), uint32(len(l.uvals))
		sharedBytes := 0.0
		for ki, key := range propertyKeys {
			var v value
			n := row[ki]
			switch {
			case ki == idKey:
				if ids[f.src] == "" {
					continue
				}
				v = value{kind: valString, s: ids[f.src]}
			case n == noValue:
				continue
			default:
				v = interned[n]
			}
			if !typed[ki] {
				typed[ki] = true
				l.fields[key] = fieldType(v)
			}
			var ref uint32
			if v.kind == valString && (ki == idKey || counts[n] == 1) {
				ref = uniqueRef | uint32(f.nUnique)
				f.nUnique++
				l.uvals = appendValue(l.uvals, v)
			} else {
				if sharedOf[n] < 0 {
					if len(l.shared) == maxShared {
						return fmt.Errorf("tiles: layer %s has more than %d distinct shared property values", l.name, maxShared)
					}
					sharedOf[n] = int32(len(l.shared))
					l.shared = append(l.shared, v)
				}
				ref = uint32(sharedOf[n])
				sharedBytes += share[n]
			}
			l.tags = append(l.tags, uint32(keyIndex[ki])<<tagKeyShift|ref)
			f.nTags++
		}
		f.uvalLen = uint32(len(l.uvals)) - f.uvals
		f.propBytes = uint16(min(float64(math.MaxUint16), float64(f.uvalLen)+2*float64(f.nTags)+sharedBytes))
	}
	l.sharedAt = make([]uint32, 0, len(l.shared)+1)
	for _, v := range l.shared {
		l.sharedAt = append(l.sharedAt, uint32(len(l.sharedEnc)))
		l.sharedEnc = appendValue(l.sharedEnc, v)
	}
	l.sharedAt = append(l.sharedAt, uint32(len(l.sharedEnc)))
	return nil
}

// sharedPerTile is how many features may share a value before it costs a
// tile less than its length per feature, for the thinning estimate.
const sharedPerTile = 64

func fieldType(v value) string {
	switch v.kind {
	case valString:
		return "String"
	case valBool:
		return "Boolean"
	}
	return "Number"
}

// propertyValue reads one tile property of f.
func propertyValue(f *geojson.Feature, key string) (value, bool) {
	if key == "id" {
		if id := data.FeatureID(f); id != "" {
			return value{kind: valString, s: id}, true
		}
		return value{}, false
	}
	switch v := f.Properties[key].(type) {
	case string:
		return value{kind: valString, s: v}, true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return value{kind: valInt, n: int64(v)}, true
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return value{}, false
		}
		return value{kind: valDouble, f: v}, true
	case int:
		return value{kind: valInt, n: int64(v)}, true
	case int64:
		return value{kind: valInt, n: v}, true
	case bool:
		b := int64(0)
		if v {
			b = 1
		}
		return value{kind: valBool, n: b}, true
	}
	return value{}, false
}

// maxSafeID keeps feature ids exact as JavaScript numbers.
const maxSafeID = 1<<53 - 1

// FeatureTileID returns the MVT feature id of the feature with string id
// in layer: a 53-bit FNV-1a hash of both, stable across restarts and data
// edits and exact in JavaScript. (On the rare collision within a layer the
// later feature in file order hashes again with a counter.)
func FeatureTileID(layer, id string) uint64 { return hashID(layer, id, 0) }

func hashID(layer, id string, salt int) uint64 {
	h := fnv.New64a()
	h.Write([]byte(layer))
	h.Write([]byte{0})
	h.Write([]byte(id))
	if salt > 0 {
		fmt.Fprintf(h, "\x00%d", salt)
	}
	return h.Sum64() & maxSafeID
}

// assignIDs gives every feature its MVT id, in source order so that
// collisions resolve the same way whatever the layout.
func (l *layer) assignIDs(src []*geojson.Feature) {
	used := make(map[uint64]struct{}, len(src))
	for i, f := range src {
		id := data.FeatureID(f)
		if id == "" {
			id = fmt.Sprintf("#%d", i)
		}
		for salt := 0; ; salt++ {
			h := hashID(l.name, id, salt)
			if _, dup := used[h]; !dup {
				used[h] = struct{}{}
				l.features[l.order[i]].id = h
				break
			}
		}
	}
}

// featureOf returns the feature prepared from source position i.
func (l *layer) featureOf(i int) *feature { return &l.features[l.order[i]] }
