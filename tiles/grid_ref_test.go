package tiles

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
)

// refEntry and the functions below are the grid construction as it was
// before the counting sort: entries compared as (cell, feature) pairs and
// sorted with a comparison sort at every level. They are the reference the
// linear construction must reproduce exactly. Which cells a feature covers
// (featureCells) is shared: the reference checks the sorting, the repeats
// removed and the levels derived from one another.
type refEntry struct {
	cell    uint64 // x<<32 | y
	feature int32
}

func refSort(entries []refEntry) {
	slices.SortFunc(entries, func(a, b refEntry) int {
		if c := cmp.Compare(a.cell, b.cell); c != 0 {
			return c
		}
		return cmp.Compare(a.feature, b.feature)
	})
}

func refGridEntries(l *layer, zoom int) []refEntry {
	var entries []refEntry
	for fi := range l.features {
		l.featureCells(fi, zoom, func(cx, cy uint32) bool {
			e := refEntry{uint64(cx)<<32 | uint64(cy), int32(fi)}
			if len(entries) == 0 || entries[len(entries)-1] != e {
				entries = append(entries, e)
			}
			return true
		})
	}
	refSort(entries)
	return slices.Compact(entries)
}

// refGrids returns, per level down to deepest, each cell (as cellKey) with
// its features, built the old way.
func refGrids(l *layer, deepest int) []map[uint32][]int32 {
	entries := refGridEntries(l, gridZooms[deepest])
	out := make([]map[uint32][]int32, deepest+1)
	for i := deepest; i >= 0; i-- {
		if i < deepest {
			shift := uint(gridZooms[i+1] - gridZooms[i])
			for k := range entries {
				c := entries[k].cell
				entries[k].cell = (c>>32)>>shift<<32 | (c&math.MaxUint32)>>shift
			}
			refSort(entries)
			entries = slices.Compact(entries)
		}
		m := map[uint32][]int32{}
		for _, e := range entries {
			key := cellKey(uint32(e.cell>>32), uint32(e.cell))
			m[key] = append(m[key], e.feature)
		}
		out[i] = m
	}
	return out
}

// TestGridMatchesSortReference builds the line grids of random layers of
// lines (long and short, some crossing many cells), small polygons and
// points, and polygons too large to list, and checks every level cell by
// cell against the comparison-sort construction: the same cells in
// ascending order, the same features in each, ascending, each once, with
// their minZoom.
func TestGridMatchesSortReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 12))
	for trial := range 12 {
		t.Run(fmt.Sprint(trial), func(t *testing.T) {
			fc := geojson.NewFeatureCollection()
			// a region of about 0.02°–2° wide, so that some layers fit
			// every level and some only the upper ones
			span := 0.02 * math.Pow(100, rng.Float64())
			lon0, lat0 := 100+10*rng.Float64(), 20+15*rng.Float64()
			pt := func() orb.Point { return orb.Point{lon0 + span*rng.Float64(), lat0 + span*rng.Float64()} }
			for k := range 50 + rng.IntN(300) {
				var g orb.Geometry
				switch r := rng.IntN(10); {
				case r < 6:
					ls := orb.LineString{pt()}
					for range 1 + rng.IntN(40) {
						last := ls[len(ls)-1]
						step := span * math.Pow(10, -3*rng.Float64())
						ls = append(ls, orb.Point{last[0] + step*(rng.Float64()-0.5), last[1] + step*(rng.Float64()-0.5)})
					}
					if rng.IntN(5) == 0 {
						g = orb.MultiLineString{ls, {pt(), pt()}}
					} else {
						g = ls
					}
				case r < 8:
					c := pt()
					d := span * math.Pow(10, -3*rng.Float64())
					g = orb.Polygon{{c, {c[0] + d, c[1]}, {c[0] + d, c[1] + d}, {c[0], c[1] + d}, c}}
				default:
					g = pt()
				}
				f := geojson.NewFeature(g)
				f.Properties = geojson.Properties{"id": fmt.Sprintf("f%d", k), "name": "x", "kind": "other", "status": "planned"}
				fc.Append(f)
			}
			ds := &data.Dataset{Version: "grid", Layers: []*data.Layer{{ID: "custom", Title: "custom", Features: fc}}}
			tiler, err := NewForDataset(ds, Options{})
			if err != nil {
				t.Fatal(err)
			}
			l := tiler.layers[0]
			if len(l.grids) == 0 {
				t.Fatal("no grid built for a layer of lines")
			}
			want := refGrids(l, len(l.grids)-1)
			for i, g := range l.grids {
				if g.zoom != gridZooms[i] {
					t.Fatalf("level %d has zoom %d, want %d", i, g.zoom, gridZooms[i])
				}
				if len(g.cells) != len(want[i]) {
					t.Fatalf("zoom %d: %d cells, want %d", g.zoom, len(g.cells), len(want[i]))
				}
				if !slices.IsSorted(g.cells) {
					t.Fatalf("zoom %d: cells not ascending", g.zoom)
				}
				for ci, c := range g.cells {
					got := g.members[g.starts[ci]:g.starts[ci+1]]
					if !slices.Equal(got, want[i][c]) {
						t.Fatalf("zoom %d cell %d/%d: features %v, want %v", g.zoom, c>>16, c&0xffff, got, want[i][c])
					}
					for k := g.starts[ci]; k < g.starts[ci+1]; k++ {
						if g.minZoom == nil {
							if z := l.features[g.members[k]].minZoom; int(z) > g.zoom {
								t.Fatalf("zoom %d: no minZoom kept, but member %d has minZoom %d", g.zoom, g.members[k], z)
							}
							continue
						}
						if g.minZoom[k] != l.features[g.members[k]].minZoom {
							t.Fatalf("zoom %d: member %d has minZoom %d, its feature %d", g.zoom, g.members[k], g.minZoom[k], l.features[g.members[k]].minZoom)
						}
					}
				}
			}
		})
	}
}

// TestSortColumnsRandom checks the column-by-column sort against a
// comparison sort over random entries grouped by column: listed feature by
// feature (one pass sorts their cells), or in any order within their
// column (three passes), in columns short enough to sort by comparison and
// long enough to sort by counting.
func TestSortColumnsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	column := func(e gridEntry) uint32 { return e.cell() >> 16 }
	for trial := range 60 {
		var entries []gridEntry
		bits := 1 + rng.IntN(16)
		for fi := range rng.IntN(6000) {
			for range rng.IntN(6) {
				entries = append(entries, newGridEntry(rng.Uint32N(1<<bits), rng.Uint32N(1<<bits), int32(fi)))
			}
		}
		want := slices.Clone(entries)
		slices.Sort(want)
		// grouped by column, in feature order within each
		slices.SortStableFunc(entries, func(a, b gridEntry) int { return cmp.Compare(column(a), column(b)) })
		passes := 1
		if trial%2 == 1 {
			passes = 3
			for lo := 0; lo < len(entries); {
				hi := lo
				for hi < len(entries) && column(entries[hi]) == column(entries[lo]) {
					hi++
				}
				rng.Shuffle(hi-lo, func(i, j int) { entries[lo+i], entries[lo+j] = entries[lo+j], entries[lo+i] })
				lo = hi
			}
		}
		longest := 0
		for lo := 0; lo < len(entries); {
			hi := lo
			for hi < len(entries) && column(entries[hi]) == column(entries[lo]) {
				hi++
			}
			longest = max(longest, hi-lo)
			lo = hi
		}
		sortColumns(entries, nil, passes)
		if !slices.Equal(entries, want) {
			t.Fatalf("trial %d (%d passes, %d bits, longest column %d): differs from the comparison sort", trial, passes, bits, longest)
		}
	}
}
