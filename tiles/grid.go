package tiles

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/geo"
)

// gridZooms are the zooms whose tiles are the cells of the line grids;
// a tile at zoom z uses the deepest grid at or above it.
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
	cells   []uint64 // sorted distinct cell keys, x<<32 | y
	starts  []uint32 // features of cells[i] are members[starts[i]:starts[i+1]]
	members []int32
	minZoom []uint8 // the members' minZoom, to skip thinned ones in place
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
	entries := gridEntries(l, gridZooms[deepest])
	l.grids = make([]*lineGrid, deepest+1)
	for i := deepest; i >= 0; i-- {
		if i < deepest {
			shift := uint(gridZooms[i+1] - gridZooms[i])
			for k := range entries {
				c := entries[k].cell
				entries[k].cell = (c>>32)>>shift<<32 | (c&math.MaxUint32)>>shift
			}
			sortEntries(entries)
			entries = slices.Compact(entries)
		}
		g := newLineGrid(l, gridZooms[i], entries)
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

type gridEntry struct {
	cell    uint64 // x<<32 | y
	feature int32
}

func sortEntries(entries []gridEntry) {
	slices.SortFunc(entries, func(a, b gridEntry) int {
		if c := cmp.Compare(a.cell, b.cell); c != 0 {
			return c
		}
		return cmp.Compare(a.feature, b.feature)
	})
}

// gridEntries lists, sorted and without repeats, the cells of zoom z each
// line of l crosses, and the cells of the envelope of any other feature
// that covers at most maxEnvelopeCells of them.
func gridEntries(l *layer, zoom int) []gridEntry {
	var entries []gridEntry
	n := math.Ldexp(1, zoom)
	shift := uint(fixedBits - zoom)
	for fi := range l.features {
		f := &l.features[fi]
		add := func(cx, cy uint32) bool {
			e := gridEntry{uint64(cx)<<32 | uint64(cy), int32(fi)}
			if len(entries) == 0 || entries[len(entries)-1] != e {
				entries = append(entries, e)
			}
			return true
		}
		if f.typ != mvtLine {
			if envelopeCells(f, zoom) > maxEnvelopeCells {
				continue // in the grid's largeSet
			}
			for cx := f.minX >> shift; cx <= f.maxX>>shift; cx++ {
				for cy := f.minY >> shift; cy <= f.maxY>>shift; cy++ {
					add(cx, cy)
				}
			}
			continue
		}
		for _, p := range l.parts[f.parts : f.parts+uint32(f.nParts)] {
			for i := p.start; i+1 < p.end; i++ {
				x0, y0 := float64(l.xy[2*i])/fixedScale*n, float64(l.xy[2*i+1])/fixedScale*n
				x1, y1 := float64(l.xy[2*i+2])/fixedScale*n, float64(l.xy[2*i+3])/fixedScale*n
				walkCells(x0, y0, x1, y1, zoom, add)
			}
		}
	}
	sortEntries(entries)
	return slices.Compact(entries)
}

// newLineGrid indexes sorted entries of cells of zoom z.
func newLineGrid(l *layer, zoom int, entries []gridEntry) *lineGrid {
	g := &lineGrid{zoom: zoom, members: make([]int32, len(entries)), minZoom: make([]uint8, len(entries))}
	for i, e := range entries {
		if i == 0 || e.cell != entries[i-1].cell {
			g.cells = append(g.cells, e.cell)
			g.starts = append(g.starts, uint32(i))
		}
		g.members[i] = e.feature
		g.minZoom[i] = l.features[e.feature].minZoom
	}
	g.starts = append(g.starts, uint32(len(entries)))
	return g
}

// walkCells calls fn with every cell of zoom z the segment crosses, from
// its start, until fn returns false (grid traversal in cell units).
func walkCells(x0, y0, x1, y1 float64, zoom int, fn func(cx, cy uint32) bool) {
	last := 1<<zoom - 1
	clamp := func(v float64) int { return int(math.Min(math.Max(math.Floor(v), 0), float64(last))) }
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
	clamp := func(v float64) uint64 { return uint64(math.Min(math.Max(math.Floor(v), 0), last)) }
	start := len(dst)
	cells := 0
	for cx := clamp(x0); cx <= clamp(x1); cx++ {
		for cy := clamp(y0); cy <= clamp(y1); cy++ {
			key := cx<<32 | cy
			i := sort.Search(len(g.cells), func(i int) bool { return g.cells[i] >= key })
			if i == len(g.cells) || g.cells[i] != key {
				continue
			}
			cells++
			for k := g.starts[i]; k < g.starts[i+1]; k++ {
				if uint32(g.minZoom[k]) <= z {
					dst = append(dst, g.members[k])
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
