package tiles

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"
)

// zoomGroup indexes the features of a layer that appear from one zoom on.
type zoomGroup struct {
	zoom uint8
	tree *boxTree
	// members are the group's features, in layer order; nil when the
	// group is the whole layer.
	members []int32
}

// thinGrid is the number of cells per tile side over which crowded tiles
// are thinned: a crowded tile keeps at most K features per cell, with K as
// large as its byte target allows, so the densest cells lose features
// first.
const thinGrid = 32

// Per-feature size estimates, in bytes, for planning the thinning.
const (
	estFeatureBytes = 18 // framing, 53-bit id (8 bytes), type, lengths
	estVertexBytes  = 3  // one delta-encoded vertex
	// from deepZoom on, consecutive vertices lie hundreds of tile units
	// apart: two 2-byte varints
	estDeepVertexBytes = 4
	deepZoom           = 12
	estPartBytes       = 3 // move-to and close-path commands
	estPointBytes      = 5
	// maxSpread is the largest number of tiles over which a polygon's
	// estimate is spread; a bigger polygon counts in its label's tile.
	maxSpread = 64
)

// presence is a feature's share of one tile, for the thinning planner
// (24 bytes). The planner holds those of a batch of features at a time
// while it sums the tiles, then those in crowded tiles only.
type presence struct {
	size float64 // estimated bytes
	tile int32   // the tile's slot in the zoom's tileSums
	cell uint32  // cell of the tile's thinGrid×thinGrid grid
	ref  int32   // the feature, as its position in the visible list
}

// tileSum is what the features present in one tile add up to, by
// estimate: bytes and features.
type tileSum struct {
	bytes    float64
	features int32
}

// tileSlots numbers the tiles of one zoom: densely over the data's range
// of tiles when that is small enough, else through a map.
type tileSlots struct {
	x0, y0, w, h uint64
	dense        []slotSum
	slots        map[uint64]int32
	sparse       []slotSum
}

// slotSum is a tileSum as the (possibly 2^24) tiles of a zoom hold it:
// 8 bytes.
type slotSum struct {
	bytes    float32
	features int32
}

const maxDenseTiles = 1 << 24

func (ts *tileSlots) reset(b box, z int) {
	shift := uint(fixedBits - z)
	ts.x0, ts.y0 = uint64(b.minX>>shift), uint64(b.minY>>shift)
	ts.w, ts.h = uint64(b.maxX>>shift)-ts.x0+1, uint64(b.maxY>>shift)-ts.y0+1
	if ts.w*ts.h <= maxDenseTiles {
		if uint64(cap(ts.dense)) < ts.w*ts.h {
			ts.dense = make([]slotSum, ts.w*ts.h)
		}
		ts.dense = ts.dense[:ts.w*ts.h]
		clear(ts.dense)
		return
	}
	ts.dense = ts.dense[:0]
	if ts.slots == nil {
		ts.slots = map[uint64]int32{}
	}
	clear(ts.slots)
	ts.sparse = ts.sparse[:0]
}

// slot returns tile (tx, ty)'s slot.
func (ts *tileSlots) slot(tx, ty uint64) int32 {
	if len(ts.dense) > 0 {
		return int32((tx-ts.x0)*ts.h + (ty - ts.y0))
	}
	key := tx<<32 | ty
	s, ok := ts.slots[key]
	if !ok {
		s = int32(len(ts.sparse))
		ts.slots[key] = s
		ts.sparse = append(ts.sparse, slotSum{})
	}
	return s
}

func (ts *tileSlots) isDense() bool { return len(ts.dense) > 0 }

func (ts *tileSlots) sums() []slotSum {
	if len(ts.dense) > 0 {
		return ts.dense
	}
	return ts.sparse
}

type thinRef struct{ layer, feature int32 }

// thin plans which features crowded tiles leave out, top down from
// Options.ThinMaxZoom: at each zoom, every feature counts, by an estimate
// of its bytes, in each tile it occupies (its envelope's tiles, or for a
// long line the tiles of its ends and of its label). In a tile whose
// estimate exceeds ThinTargetBytes or ThinTargetFeatures, the features of
// whole layers (at most WholeLayerFeatures features) take their share
// first, and the other features keep at most K per cell of a
// thinGrid×thinGrid grid, K as large as fits in what is left, so the
// densest cells lose features first, whatever the data's source. Only when
// the whole layers alone overflow the target are their features thinned
// the same way (and every other feature of the tile left out). What a zoom
// leaves out stays out of every lower zoom: a feature, once shown, stays
// shown when zooming in. It then builds each layer's zoom groups.
func (t *Tiler) thin() {
	if t.mayCrowd() {
		t.planThinning()
	}
	var wg sync.WaitGroup
	for _, l := range t.layers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.buildGroups()
			l.buildGrids()
		}()
	}
	wg.Wait()
}

// mayCrowd reports whether any tile could go over the thinning targets:
// whether all the features together, every vertex counted, exceed them.
func (t *Tiler) mayCrowd() bool {
	bytes, features := 0.0, 0
	for _, l := range t.layers {
		features += len(l.features)
		bytes += float64(len(l.vz))*estDeepVertexBytes + float64(len(l.parts))*estPartBytes
		for i := range l.features {
			bytes += estFeatureBytes + float64(l.features[i].propBytes)
		}
	}
	return bytes > float64(t.opts.ThinTargetBytes) || features > t.opts.ThinTargetFeatures
}

func (t *Tiler) planThinning() {
	top := uint8(min(t.opts.ThinMaxZoom, MaxZoom))
	target := float64(t.opts.ThinTargetBytes)
	targetFeatures := int32(t.opts.ThinTargetFeatures)
	// per feature of a line or polygon: the number of vertices kept at
	// each zoom (cumulative), in one array per layer, stride full+1
	var visible []thinRef
	full := uint8(t.opts.FullDetailZoom)
	stride := int(full) + 1
	counts := make([][]uint16, len(t.layers))
	for li, l := range t.layers {
		counts[li] = make([]uint16, len(l.features)*stride)
		for fi := range l.features {
			f := &l.features[fi]
			if f.typ == 0 {
				continue
			}
			if f.typ != mvtPoint {
				c := counts[li][fi*stride : (fi+1)*stride]
				for _, p := range l.parts[f.parts : f.parts+uint32(f.nParts)] {
					for _, v := range l.vz[p.start:p.end] {
						c[min(v, full)]++
					}
				}
				for z := 1; z <= int(full); z++ {
					c[z] = uint16(min(int(c[z])+int(c[z-1]), math.MaxUint16))
				}
			}
			visible = append(visible, thinRef{int32(li), int32(fi)})
		}
	}
	// size estimates a feature's bytes at zoom z: framing and properties,
	// and geometry
	size := func(r thinRef, z uint8) (float64, float64) {
		l := t.layers[r.layer]
		f := &l.features[r.feature]
		base := estFeatureBytes + float64(f.propBytes)
		switch {
		case f.typ == mvtPoint:
			return base, estPointBytes * float64(l.parts[f.parts].end-l.parts[f.parts].start)
		case z < f.shapeZoom:
			return base, estPointBytes
		}
		perVertex := float64(estVertexBytes)
		if z >= deepZoom {
			perVertex = estDeepVertexBytes
		}
		g := perVertex * float64(counts[r.layer][int(r.feature)*stride+int(min(z, full))])
		for _, p := range l.parts[f.parts : f.parts+uint32(f.nParts)] {
			if p.zoom <= z {
				g += estPartBytes
			}
		}
		return base, g
	}
	// the data's envelope, to number tiles densely
	all := box{math.MaxUint32, math.MaxUint32, 0, 0}
	for _, r := range visible {
		f := &t.layers[r.layer].features[r.feature]
		all = box{min(all.minX, f.minX), min(all.minY, f.minY), max(all.maxX, f.maxX), max(all.maxY, f.maxY)}
	}
	var slots tileSlots
	var crowded []presence // the whole of a zoom's, in scratch[0].crowded
	var dropped []bool
	var ranks []int
	var byRank []tileSum
	workers := runtime.GOMAXPROCS(0)
	scratch := make([]placeScratch, workers)
	for z := int(top); z >= 0; z-- {
		n := float64(uint64(1) << z)
		slots.reset(all, z)
		// place appends visible feature vi's presences at zoom z to pres;
		// places is scratch
		place := func(vi int, pres []presence, places [][2]float64) ([]presence, [][2]float64) {
			r := visible[vi]
			l := t.layers[r.layer]
			f := &l.features[r.feature]
			base, geom := size(r, uint8(z))
			// the points, in Mercator, that place the feature in tiles
			places = places[:0]
			shift := uint(fixedBits - z)
			x0, x1 := f.minX>>shift, f.maxX>>shift
			y0, y1 := f.minY>>shift, f.maxY>>shift
			spread := (uint64(x1-x0) + 1) * (uint64(y1-y0) + 1)
			switch {
			case spread == 1:
				places = append(places, [2]float64{f.labelX, f.labelY})
			case f.typ == mvtLine && spread > 4:
				places = t.linePlaces(l, f, z, places)
			case spread <= maxSpread:
				// a polygon's outline spreads over its envelope's tiles
				for tx := x0; tx <= x1; tx++ {
					for ty := y0; ty <= y1; ty++ {
						places = append(places, [2]float64{
							min(max(f.labelX*n, float64(tx)), float64(tx)+0.999) / n,
							min(max(f.labelY*n, float64(ty)), float64(ty)+0.999) / n,
						})
					}
				}
			default:
				places = append(places, [2]float64{f.labelX, f.labelY})
			}
			mark := len(pres)
			for _, p := range places {
				cx := min(max(p[0]*n, 0), n-1e-9)
				cy := min(max(p[1]*n, 0), n-1e-9)
				tx, ty := uint64(cx), uint64(cy)
				tile := slots.slot(tx, ty)
				if f.typ == mvtLine && slices.ContainsFunc(pres[max(mark, len(pres)-8):], func(q presence) bool { return q.tile == tile }) {
					continue // a line's places often fall in the tile before
				}
				cell := uint32((cy-float64(ty))*thinGrid)*thinGrid + uint32((cx-float64(tx))*thinGrid)
				pres = append(pres, presence{tile: tile, cell: cell, ref: int32(vi)})
			}
			// framing and properties in every tile, the geometry shared
			share := base + geom/float64(len(pres)-mark)
			for i := mark; i < len(pres); i++ {
				pres[i].size = share
			}
			return pres, places
		}
		// tiles numbered sparsely are added as features are placed: one
		// worker then
		zw := workers
		if !slots.isDense() || len(visible) < 4096 {
			zw = 1
		}
		// every presence adds to its tile's sums in the order of the
		// visible features, so the float32 sums come out the same however
		// the work is split. The presences are placed a batch of features
		// at a time, in parallel, and summed in order: only a batch's are
		// ever held, not a zoom's.
		batch := 256 // features per worker, sized by the last batch's presences
		sum := func(pres []presence) {
			sums := slots.sums()
			for _, p := range pres {
				sums[p.tile].bytes += float32(p.size)
				sums[p.tile].features++
			}
		}
		for lo, hi := 0, 0; lo < len(visible); lo = hi {
			hi = min(lo+zw*batch, len(visible))
			part := func(w int) (int, int) { return lo + (hi-lo)*w/zw, lo + (hi-lo)*(w+1)/zw }
			parallel(zw, func(w int) {
				sc := &scratch[w]
				sc.pres = sc.pres[:0]
				from, to := part(w)
				for sc.stop = from; sc.stop < to && len(sc.pres) < maxBatchPresences; sc.stop++ {
					sc.pres, sc.places = place(sc.stop, sc.pres, sc.places)
				}
			})
			placed := 0
			for w := range zw {
				sum(scratch[w].pres)
				placed += len(scratch[w].pres)
				// a worker that stopped short (its features had more
				// presences than the batch's size foresaw): the rest of its
				// part, in order, a bounded number of presences at a time
				_, to := part(w)
				for vi := scratch[w].stop; vi < to; {
					sc := &scratch[0]
					sc.pres = sc.pres[:0]
					for ; vi < to && len(sc.pres) < maxBatchPresences; vi++ {
						sc.pres, sc.places = place(vi, sc.pres, sc.places)
					}
					sum(sc.pres)
					placed += len(sc.pres)
				}
			}
			batch = min(max(maxBatchPresences*(hi-lo)/max(placed*zw, 1), 64), 2*batch, placeBatch)
		}
		sums := slots.sums()
		isCrowded := func(s slotSum) bool { return float64(s.bytes) > target || s.features > targetFeatures }
		if !slices.ContainsFunc(sums, isCrowded) {
			continue
		}
		// in a crowded tile, the features of whole layers (sorted first)
		// take their share, and the thinnable ones compete for what they
		// leave; only when the whole layers alone overflow the target do
		// they compete for it in turn, and the thinnable ones all go. The
		// features that may be in a crowded tile are placed again, in
		// parallel over ranges of the visible features, and their
		// presences in crowded tiles kept in the order of the features.
		parallel(zw, func(w int) {
			sc := &scratch[w]
			sc.crowded = sc.crowded[:0]
			for vi := len(visible) * w / zw; vi < len(visible)*(w+1)/zw; vi++ {
				r := visible[vi]
				f := &t.layers[r.layer].features[r.feature]
				if !slots.mayMeet(f, z, sums, isCrowded) {
					continue
				}
				sc.pres, sc.places = place(vi, sc.pres[:0], sc.places)
				for _, p := range sc.pres {
					if !isCrowded(sums[p.tile]) {
						continue
					}
					if f.thinnable {
						p.cell |= thinnableCell
					}
					sc.crowded = append(sc.crowded, p)
				}
			}
		})
		// the first worker's list, extended, is the whole
		crowded = scratch[0].crowded
		for w := 1; w < zw; w++ {
			crowded = append(crowded, scratch[w].crowded...)
		}
		scratch[0].crowded = crowded
		// within a cell, bigger first, then by layer and id
		slices.SortFunc(crowded, func(a, b presence) int {
			if c := cmp.Compare(a.tile, b.tile); c != 0 {
				return c
			}
			if c := cmp.Compare(a.cell, b.cell); c != 0 {
				return c
			}
			ra, rb := visible[a.ref], visible[b.ref]
			fa, fb := &t.layers[ra.layer].features[ra.feature], &t.layers[rb.layer].features[rb.feature]
			if c := cmp.Compare(fb.weight, fa.weight); c != 0 {
				return c
			}
			return cmp.Compare(uint64(ra.layer)<<53|fa.id, uint64(rb.layer)<<53|fb.id)
		})
		if dropped == nil {
			dropped = make([]bool, len(visible))
		}
		dropped = dropped[:len(visible)]
		clear(dropped)
		if cap(ranks) < len(crowded) {
			ranks = make([]int, len(crowded))
		}
		ranks = ranks[:len(crowded)]
		for start := 0; start < len(crowded); {
			end, mid := start, start
			for end < len(crowded) && crowded[end].tile == crowded[start].tile {
				if crowded[end].cell&thinnableCell == 0 {
					mid = end + 1
				}
				end++
			}
			var whole tileSum
			for _, p := range crowded[start:mid] {
				whole.bytes += p.size
				whole.features++
			}
			if whole.bytes <= target && whole.features <= targetFeatures {
				byRank = keepPerCell(crowded[start:end], mid-start, end-start, target-whole.bytes, targetFeatures-whole.features, ranks[start:end], byRank, dropped)
			} else {
				byRank = keepPerCell(crowded[start:end], 0, mid-start, target, targetFeatures, ranks[start:end], byRank, dropped)
				for _, p := range crowded[mid:end] {
					dropped[p.ref] = true
				}
			}
			start = end
		}
		kept := visible[:0]
		for vi, r := range visible {
			if dropped[vi] {
				t.layers[r.layer].features[r.feature].minZoom = uint8(z + 1)
				continue
			}
			kept = append(kept, r)
		}
		visible = kept
	}
}

// placeBatch is the most features a planning worker places before the
// batch's presences are summed, fewer when each has many presences (long
// lines at deep zooms): about maxBatchPresences are held at once.
const (
	placeBatch        = 1 << 14
	maxBatchPresences = 1 << 19
)

// placeScratch is one planning worker's reused space.
type placeScratch struct {
	pres    []presence
	stop    int // where the worker's part of a batch stopped
	places  [][2]float64
	crowded []presence
}

// parallel runs fn(0) … fn(workers-1) at once and waits for them.
func parallel(workers int, fn func(w int)) {
	if workers == 1 {
		fn(0)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(w)
		}()
	}
	wg.Wait()
}

// mayMeet reports whether feature f may have a presence, at zoom z, in a
// crowded tile: false only when no tile within one tile of its envelope's
// is (a place may fall a hair outside the envelope: the label point is
// not snapped to the fixed point).
func (ts *tileSlots) mayMeet(f *feature, z int, sums []slotSum, crowded func(slotSum) bool) bool {
	shift := uint(fixedBits - z)
	x0, x1 := uint64(f.minX>>shift), uint64(f.maxX>>shift)
	y0, y1 := uint64(f.minY>>shift), uint64(f.maxY>>shift)
	x0, y0 = max(x0, ts.x0+1)-1, max(y0, ts.y0+1)-1
	x1, y1 = min(x1+1, ts.x0+ts.w-1), min(y1+1, ts.y0+ts.h-1)
	if (x1-x0+1)*(y1-y0+1) > maxSpread {
		return true
	}
	for tx := x0; tx <= x1; tx++ {
		for ty := y0; ty <= y1; ty++ {
			if s, ok := ts.lookup(tx, ty); ok && crowded(sums[s]) {
				return true
			}
		}
	}
	return false
}

// lookup returns tile (tx, ty)'s slot when it has one, without adding it.
func (ts *tileSlots) lookup(tx, ty uint64) (int32, bool) {
	if len(ts.dense) > 0 {
		return int32((tx-ts.x0)*ts.h + (ty - ts.y0)), true
	}
	s, ok := ts.slots[tx<<32|ty]
	return s, ok
}

// thinnableCell marks, in a crowded tile's presences, the features of
// layers that may be thinned: they sort after the whole layers' features.
const thinnableCell = 1 << 31

// keepPerCell keeps, of the presences tile[lo:hi] of one tile sorted by cell
// and then biggest first, at most K per cell, K as large as fits in budget
// bytes and room features, and marks the others dropped. ranks is scratch
// as long as tile; it returns byRank for reuse.
func keepPerCell(tile []presence, lo, hi int, budget float64, room int32, ranks []int, byRank []tileSum, dropped []bool) []tileSum {
	byRank = byRank[:0]
	for i := lo; i < hi; i++ {
		ranks[i] = 0
		if i > lo && tile[i].cell == tile[i-1].cell {
			ranks[i] = ranks[i-1] + 1
		}
		for len(byRank) <= ranks[i] {
			byRank = append(byRank, tileSum{})
		}
		byRank[ranks[i]].bytes += tile[i].size
		byRank[ranks[i]].features++
	}
	k := 0
	for k < len(byRank) && budget-byRank[k].bytes >= 0 && room-byRank[k].features >= 0 {
		budget -= byRank[k].bytes
		room -= byRank[k].features
		k++
	}
	for i := lo; i < hi; i++ {
		if ranks[i] >= k {
			dropped[tile[i].ref] = true
		}
	}
	return byRank
}

// linePlaces appends the points that place a line in the tiles of zoom z
// it crosses: for a line with chunk envelopes, each chunk's centre clamped
// into each of the (up to 4) tiles its envelope covers, or for a wider
// chunk a point in each tile its chord crosses; for a line without,
// a point in each tile its segments cross, or, for a line crossing more
// than maxLinePlaces tiles, in the endTiles tiles at each of its ends
// (lines converging on one place, such as the enclave links on a county
// seat, crowd the tiles around it) and at its label.
func (t *Tiler) linePlaces(l *layer, f *feature, z int, places [][2]float64) [][2]float64 {
	n := math.Ldexp(1, z)
	shift := uint(fixedBits - z)
	mark := len(places)
	cell := func(limit int) func(cx, cy uint32) bool {
		count := 0
		return func(cx, cy uint32) bool {
			places = append(places, [2]float64{(float64(cx) + 0.5) / n, (float64(cy) + 0.5) / n})
			count++
			return count < limit
		}
	}
	for pi := f.parts; pi < f.parts+uint32(f.nParts); pi++ {
		p := &l.parts[pi]
		if p.chunk != noChunks {
			for c := range uint32(chunkCount(int(p.end - p.start))) {
				b := l.chunks[p.chunk+c]
				cx, cy := (float64(b.minX)+float64(b.maxX))/2/fixedScale*n, (float64(b.minY)+float64(b.maxY))/2/fixedScale*n
				x0, x1, y0, y1 := b.minX>>shift, b.maxX>>shift, b.minY>>shift, b.maxY>>shift
				if (x1-x0+1)*(y1-y0+1) > 4 {
					// a chunk wider than the tiles: walk its chord
					a := p.start + c*chunkLen
					e := min(a+chunkLen, p.end-1)
					walkCells(float64(l.xy[2*a])/fixedScale*n, float64(l.xy[2*a+1])/fixedScale*n,
						float64(l.xy[2*e])/fixedScale*n, float64(l.xy[2*e+1])/fixedScale*n, z, cell(math.MaxInt))
					continue
				}
				for tx := x0; tx <= x1; tx++ {
					for ty := y0; ty <= y1; ty++ {
						places = append(places, [2]float64{
							min(max(cx, float64(tx)), float64(tx)+0.999) / n,
							min(max(cy, float64(ty)), float64(ty)+0.999) / n,
						})
					}
				}
			}
			continue
		}
		for i := p.start; i+1 < p.end; i++ {
			x0, y0 := float64(l.xy[2*i])/fixedScale*n, float64(l.xy[2*i+1])/fixedScale*n
			x1, y1 := float64(l.xy[2*i+2])/fixedScale*n, float64(l.xy[2*i+3])/fixedScale*n
			if math.Abs(x1-x0)+math.Abs(y1-y0) <= maxLinePlaces {
				walkCells(x0, y0, x1, y1, z, cell(math.MaxInt))
				continue
			}
			// a long segment: its ends only
			walkCells(x0, y0, x1, y1, z, cell(endTiles))
			walkCells(x1, y1, x0, y0, z, cell(endTiles))
			if i == p.start || i+2 == p.end {
				places = append(places, [2]float64{f.labelX, f.labelY})
			}
		}
	}
	if len(places)-mark > maxPlaces { // keep the work per feature bounded
		places = append(places[:mark], [2]float64{f.labelX, f.labelY})
	}
	return places
}

// maxLinePlaces is the longest segment, in tiles, walked whole; longer
// segments are walked for endTiles tiles from each end.
// maxPlaces bounds the tiles a line is placed in (beyond: its label).
const (
	maxLinePlaces = 64
	endTiles      = 16
	maxPlaces     = 4096
)

// buildGroups indexes the layer's features by the zoom they appear from.
func (l *layer) buildGroups() {
	thinned := false
	for i := range l.features {
		thinned = thinned || l.features[i].minZoom > 0
	}
	if !thinned {
		l.groups = []zoomGroup{{zoom: 0, tree: newBoxTree(l.features, nil)}}
		return
	}
	var sizes [256]int
	for k := range l.features {
		sizes[l.features[k].minZoom]++
	}
	byZoom := map[uint8][]int32{}
	for k := range l.features {
		z := l.features[k].minZoom
		if byZoom[z] == nil {
			byZoom[z] = make([]int32, 0, sizes[z])
		}
		byZoom[z] = append(byZoom[z], int32(k))
	}
	for z, members := range byZoom {
		l.groups = append(l.groups, zoomGroup{zoom: z, tree: newBoxTree(l.features, members), members: members})
	}
	slices.SortFunc(l.groups, func(a, b zoomGroup) int { return cmp.Compare(a.zoom, b.zoom) })
}
