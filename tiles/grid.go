package tiles

import (
	"math"
	"slices"

	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/geo"
)

// gridZooms are the zooms whose tiles are the cells of the line grids;
// a tile at zoom z uses the deepest grid at or above it. They are at most
// 16, so that a cell's x and y fit in 16 bits each (cellKey).
var gridZooms = []int{12, 13, 14, 15, 16}

// maxGridEntries bounds a grid's size: a level whose lines would cross
// more cells (estimated from their lengths) is left out, and deeper tiles
// use the level above.
const maxGridEntries = 24_000_000

// lineGrid lists, for each cell (a tile at its zoom), the features whose
// lines cross it. Line layers use it from its zoom on instead of the
// R-tree: a long line's envelope would make every tile in it a candidate
// (the corridors crossing a city, the enclave links converging on a few
// county seats), where the grid names only the lines that pass.
type lineGrid struct {
	zoom    int
	cells   []uint32 // sorted distinct cell keys (cellKey)
	starts  []uint32 // features of cells[i] are members[starts[i]:starts[i+1]]
	members []int32
	// minZoom holds the members' minZoom, to skip thinned ones in place;
	// nil when every member is drawn from the grid's zoom on (the grid
	// serves no shallower tile)
	minZoom []uint8
	// large holds the features other than lines whose envelopes cover
	// too many cells to list; nil when there are none.
	large *largeSet
}

// maxEnvelopeCells is the most cells a feature other than a line is
// listed in, in a grid: a polygon or point whose envelope covers more cells
// at the grid's zoom is found through the grid's index of large envelopes
// instead (a China-sized polygon covers some 10⁸ cells at zoom 16).
const maxEnvelopeCells = 64

// buildGrids gives a layer of lines its grids: the deepest level that is
// small enough is walked, the levels above derived from it. Each level's
// size is bounded before anything is listed, in one pass over the vertices
// (gridEstimate), so no mix of geometry can make it large.
func (l *layer) buildGrids() {
	lines := false
	for i := range l.features {
		lines = lines || l.features[i].typ == mvtLine
	}
	if !lines {
		return
	}
	deepest := -1
	est := l.gridEstimate()
	for i, z := range gridZooms {
		if est(z) <= maxGridEntries {
			deepest = i
		}
	}
	if deepest < 0 {
		return
	}
	// the deepest level's entries, sorted by cell and then feature, each
	// once; each level above coarsens them in place and sorts them again.
	// Entries sorted by cell are grouped by column (the cell key's high
	// half), and a column's entries stay together when coarsened: each
	// level is sorted one column at a time, in a scratch space as long as
	// the longest column, so that a single list of entries is ever held.
	entries := gridEntries(l, gridZooms[deepest])
	var tmp []gridEntry
	l.grids = make([]*lineGrid, deepest+1)
	for i := deepest; i >= 0; i-- {
		if i < deepest {
			shift := uint(gridZooms[i+1] - gridZooms[i])
			for k, e := range entries {
				entries[k] = e.coarser(shift)
			}
			tmp = sortColumns(entries, tmp, 3)
			entries = compactEntries(entries)
		}
		g := newLineGrid(l, gridZooms[i], entries) // copies what it keeps
		g.large = l.largeEnvelopes(gridZooms[i])
		l.grids[i] = g
	}
}

// gridEstimate returns a bound on the entries gridEntries lists at a zoom:
// a segment crossing |dx|+|dy| cell widths enters at most |dx|+|dy|+2
// cells, and another feature is listed in its envelope's cells unless they
// are more than maxEnvelopeCells. The sums are taken once, so the bound
// costs O(vertices + features) for all zooms together.
func (l *layer) gridEstimate() func(zoom int) float64 {
	var span, segments float64 // in Mercator world widths, and a count
	var others []*feature
	for fi := range l.features {
		f := &l.features[fi]
		if f.typ != mvtLine {
			others = append(others, f)
			continue
		}
		for _, p := range l.parts[f.parts : f.parts+uint32(f.nParts)] {
			for i := p.start; i+1 < p.end; i++ {
				dx := math.Abs(float64(l.xy[2*i+2]) - float64(l.xy[2*i]))
				dy := math.Abs(float64(l.xy[2*i+3]) - float64(l.xy[2*i+1]))
				span += (dx + dy) / fixedScale
				segments++
			}
		}
	}
	return func(zoom int) float64 {
		n := span*math.Ldexp(1, zoom) + 2*segments
		for _, f := range others {
			if c := envelopeCells(f, zoom); c <= maxEnvelopeCells {
				n += float64(c)
			}
		}
		return n
	}
}

// envelopeCells counts the cells of zoom z that f's envelope covers.
func envelopeCells(f *feature, zoom int) uint64 {
	shift := uint(fixedBits - zoom)
	return (uint64(f.maxX>>shift) - uint64(f.minX>>shift) + 1) * (uint64(f.maxY>>shift) - uint64(f.minY>>shift) + 1)
}

// largeEnvelopes indexes the features other than lines whose envelopes
// cover more than maxEnvelopeCells cells of zoom z, or returns nil.
func (l *layer) largeEnvelopes(zoom int) *largeSet {
	var set largeSet
	var fs []*geojson.Feature
	src := l.index.Features()
	for fi := range l.features {
		f := &l.features[fi]
		if f.typ != mvtLine && envelopeCells(f, zoom) > maxEnvelopeCells {
			set.members = append(set.members, int32(fi))
			fs = append(fs, &geojson.Feature{Geometry: src[f.src].Geometry.Bound()})
		}
	}
	if len(fs) == 0 {
		return nil
	}
	set.index = geo.NewIndex(fs)
	return &set
}

// largeSet is a grid's features with envelopes too large to list by cell.
type largeSet struct {
	index   *geo.Index // over the members' envelopes, in members order
	members []int32
}

// gridEntry is one cell a feature is listed in: the cell's key (cellKey)
// in the high 32 bits, the feature in the low 32, so that entries ordered
// as numbers are ordered by cell, then feature.
type gridEntry uint64

// cellKey packs the cell (cx, cy) of a grid zoom (at most 16) in 32 bits.
func cellKey(cx, cy uint32) uint32 { return cx<<16 | cy }

func newGridEntry(cx, cy uint32, feature int32) gridEntry {
	return gridEntry(uint64(cellKey(cx, cy))<<32 | uint64(uint32(feature)))
}

func (e gridEntry) cell() uint32   { return uint32(e >> 32) }
func (e gridEntry) feature() int32 { return int32(uint32(e)) }

// coarser is the entry of the same feature in the cell shift zooms above.
func (e gridEntry) coarser(shift uint) gridEntry {
	c := e.cell()
	return gridEntry(uint64((c>>16)>>shift<<16|(c&0xffff)>>shift)<<32 | uint64(uint32(e)))
}

// compactEntries drops repeated entries next to each other, in place.
func compactEntries(entries []gridEntry) []gridEntry { return slices.Compact(entries) }

// gridEntries lists, sorted by cell and then feature and each once, the
// cells of zoom z each line of l crosses, and the cells of the envelope of
// any other feature that covers at most maxEnvelopeCells of them. The
// cells are walked twice: once to count each column's entries, then to
// write them into their column's place, feature by feature (so ascending
// within a column), in a list of exactly their number.
func gridEntries(l *layer, zoom int) []gridEntry {
	var columns [1<<16 + 1]int
	var feature int32
	var last gridEntry
	first := true
	// a feature's repeated cell, listed just before, is left out: the two
	// walks leave out the same ones
	walk := func(add func(e gridEntry)) {
		first = true
		for fi := range l.features {
			feature = int32(fi)
			l.featureCells(fi, zoom, func(cx, cy uint32) bool {
				if e := newGridEntry(cx, cy, feature); first || e != last {
					first, last = false, e
					add(e)
				}
				return true
			})
		}
	}
	walk(func(e gridEntry) { columns[e.cell()>>16+1]++ })
	for c := 1; c < len(columns); c++ {
		columns[c] += columns[c-1]
	}
	entries := make([]gridEntry, columns[len(columns)-1])
	walk(func(e gridEntry) {
		c := e.cell() >> 16
		entries[columns[c]] = e
		columns[c]++
	})
	// each column's entries are in feature order: sorting by cell alone
	// (stably) orders them by cell and then feature
	sortColumns(entries, nil, 1)
	return compactEntries(entries)
}

// sortColumns orders, one column (the cell key's high 16 bits) at a time,
// entries already grouped by column, by cell and then feature (as numbers).
// With passes 1, a column's entries must be in feature order already and
// only the cells are sorted (stably); with passes 3 they may come in any
// order. It sorts by counting (16 bits a pass, linear), in tmp when that
// is long enough for the longest column, and returns the scratch space.
func sortColumns(entries, tmp []gridEntry, passes int) []gridEntry {
	var counts []uint32
	for lo := 0; lo < len(entries); {
		col := entries[lo] >> 48
		hi := lo + 1
		for hi < len(entries) && entries[hi]>>48 == col {
			hi++
		}
		switch {
		case hi-lo <= smallColumn:
			// as numbers, entries order by cell and then feature: what
			// the counting sort gives
			slices.Sort(entries[lo:hi])
		default:
			if cap(tmp) < hi-lo {
				tmp = make([]gridEntry, hi-lo, max(hi-lo, 2*cap(tmp)))
			}
			if counts == nil {
				counts = make([]uint32, 1<<16)
			}
			sortColumn(entries[lo:hi], tmp[:hi-lo], passes, counts)
		}
		lo = hi
	}
	return tmp
}

// smallColumn is the longest column sorted by comparison.
const smallColumn = 2048

// sortColumn sorts one column's entries by counting: with passes 3, by the
// feature's two 16-bit halves and then the cell's row, with passes 1 by the
// row alone (stably). counts is scratch of 2^16 zeros, left zero.
func sortColumn(entries, tmp []gridEntry, passes int, counts []uint32) {
	shifts := [3]uint{0, 16, 32}
	src, dst := entries, tmp
	for _, shift := range shifts[3-passes:] {
		first, last := uint16(math.MaxUint16), uint16(0) // the digits' range
		for _, e := range src {
			d := uint16(e >> shift)
			counts[d]++
			first, last = min(first, d), max(last, d)
		}
		used := counts[first : int(last)+1]
		sum := uint32(0)
		for d, c := range used {
			used[d] = sum
			sum += c
		}
		for _, e := range src {
			d := uint16(e>>shift) - first
			dst[used[d]] = e
			used[d]++
		}
		clear(used)
		src, dst = dst, src
	}
	if passes%2 == 1 {
		copy(entries, src)
	}
}

// featureCells calls add with each cell of zoom z that feature fi's lines
// cross or, for another feature, each cell of its envelope when that
// covers at most maxEnvelopeCells (none when it covers more: the feature
// is in the grid's largeSet). Cells may come in any order and repeat.
func (l *layer) featureCells(fi, zoom int, add func(cx, cy uint32) bool) {
	f := &l.features[fi]
	if f.typ != mvtLine {
		if envelopeCells(f, zoom) > maxEnvelopeCells {
			return
		}
		shift := uint(fixedBits - zoom)
		for cx := f.minX >> shift; cx <= f.maxX>>shift; cx++ {
			for cy := f.minY >> shift; cy <= f.maxY>>shift; cy++ {
				add(cx, cy)
			}
		}
		return
	}
	n := math.Ldexp(1, zoom)
	for _, p := range l.parts[f.parts : f.parts+uint32(f.nParts)] {
		for i := p.start; i+1 < p.end; i++ {
			x0, y0 := float64(l.xy[2*i])/fixedScale*n, float64(l.xy[2*i+1])/fixedScale*n
			x1, y1 := float64(l.xy[2*i+2])/fixedScale*n, float64(l.xy[2*i+3])/fixedScale*n
			walkCells(x0, y0, x1, y1, zoom, add)
		}
	}
}

// newLineGrid indexes sorted entries of cells of zoom z.
func newLineGrid(l *layer, zoom int, entries []gridEntry) *lineGrid {
	g := &lineGrid{zoom: zoom, members: make([]int32, len(entries))}
	cells := 0
	thinned := false // whether any member is left out at the grid's zoom
	for i, e := range entries {
		if i == 0 || e.cell() != entries[i-1].cell() {
			cells++
		}
		thinned = thinned || int(l.features[e.feature()].minZoom) > zoom
	}
	if thinned {
		g.minZoom = make([]uint8, len(entries))
	}
	g.cells = make([]uint32, 0, cells)
	g.starts = make([]uint32, 0, cells+1)
	for i, e := range entries {
		if i == 0 || e.cell() != entries[i-1].cell() {
			g.cells = append(g.cells, e.cell())
			g.starts = append(g.starts, uint32(i))
		}
		g.members[i] = e.feature()
		if thinned {
			g.minZoom[i] = l.features[e.feature()].minZoom
		}
	}
	g.starts = append(g.starts, uint32(len(entries)))
	return g
}

// walkCells calls fn with every cell of zoom z the segment crosses, from
// its start, until fn returns false (grid traversal in cell units).
func walkCells(x0, y0, x1, y1 float64, zoom int, fn func(cx, cy uint32) bool) {
	last := 1<<zoom - 1
	clamp := func(v float64) int { return int(min(max(math.Floor(v), 0), float64(last))) }
	cx, cy := clamp(x0), clamp(y0)
	ex, ey := clamp(x1), clamp(y1)
	dx, dy := x1-x0, y1-y0
	stepX, stepY := 1, 1
	if dx < 0 {
		stepX = -1
	}
	if dy < 0 {
		stepY = -1
	}
	// the parameter t at which the segment crosses the next vertical and
	// horizontal cell edge, and how much t grows per cell
	next := func(c int, step int, from, d float64) (float64, float64) {
		if d == 0 {
			return math.Inf(1), math.Inf(1)
		}
		edge := float64(c)
		if step > 0 {
			edge++
		}
		return (edge - from) / d, math.Abs(1 / d)
	}
	tx, dtx := next(cx, stepX, x0, dx)
	ty, dty := next(cy, stepY, y0, dy)
	for steps := abs(ex-cx) + abs(ey-cy); ; steps-- {
		if !fn(uint32(cx), uint32(cy)) || (cx == ex && cy == ey) || steps <= 0 {
			return
		}
		if tx < ty {
			cx += stepX
			tx += dtx
		} else {
			cy += stepY
			ty += dty
		}
		if cx < 0 || cy < 0 || cx > last || cy > last {
			return
		}
	}
}

// query appends the features of the cells under the box [x0, x1] × [y0,
// y1] (in cell units) that appear at zoom z, each once, ascending.
func (g *lineGrid) query(z uint32, x0, y0, x1, y1 float64, dst []int32) []int32 {
	last := float64(int(1)<<g.zoom - 1)
	clamp := func(v float64) uint32 { return uint32(math.Min(math.Max(math.Floor(v), 0), last)) }
	start := len(dst)
	cells := 0
	for cx := clamp(x0); cx <= clamp(x1); cx++ {
		for cy := clamp(y0); cy <= clamp(y1); cy++ {
			key := cellKey(cx, cy)
			i, found := slices.BinarySearch(g.cells, key)
			if !found {
				continue
			}
			cells++
			members := g.members[g.starts[i]:g.starts[i+1]]
			if g.minZoom == nil { // every member is drawn from the grid's zoom
				dst = append(dst, members...)
				continue
			}
			for k, m := range members {
				if uint32(g.minZoom[int(g.starts[i])+k]) <= z {
					dst = append(dst, m)
				}
			}
		}
	}
	if cells > 1 {
		slices.Sort(dst[start:])
		dst = append(dst[:start], slices.Compact(dst[start:])...)
	}
	return dst
}
