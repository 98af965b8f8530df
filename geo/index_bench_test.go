package geo_test

import (
	"fmt"
	"math/rand"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/quadtree"
	"github.com/tidwall/rtree"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
)

// benchSizes are the dataset sizes the index benchmarks run on. 1M takes
// about 12 s and 2 GiB to generate; set PLANMAP_BENCH_SIZES=small to skip it.
func benchSizes() []int {
	if os.Getenv("PLANMAP_BENCH_SIZES") == "small" {
		return []int{10_000, 100_000}
	}
	return []int{10_000, 100_000, 1_000_000}
}

var (
	benchMu       sync.Mutex
	benchDatasets = map[int]*data.Dataset{}
)

// benchDataset generates (once per process) the dataset of n features.
func benchDataset(n int) *data.Dataset {
	benchMu.Lock()
	defer benchMu.Unlock()
	if ds, ok := benchDatasets[n]; ok {
		return ds
	}
	ds := data.Generate(data.GenOptions{Features: n, Seed: 1})
	benchDatasets[n] = ds
	return ds
}

// queryBoxes are boxes about the size of a z12 tile (~0.09°), centred near
// features, as a map viewport or tile request would be.
func queryBoxes(envs []orb.Bound, n int) []orb.Bound {
	rng := rand.New(rand.NewSource(9))
	out := make([]orb.Bound, n)
	for i := range out {
		c := envs[rng.Intn(len(envs))].Center()
		w := 0.02 + rng.Float64()*0.15
		out[i] = box(c[0]-w/2, c[1]-w/2, c[0]+w/2, c[1]+w/2)
	}
	return out
}

// BenchmarkQuery measures an exact bbox query per layer and dataset size,
// beside a brute-force scan (envelope test, then the same exact test) of
// the same layer as the baseline: the ratio of the two is the index's gain.
func BenchmarkQuery(b *testing.B) {
	for _, n := range benchSizes() {
		ds := benchDataset(n)
		for _, l := range ds.Layers {
			features := l.Features.Features
			ix := geo.NewIndex(features)
			envs := make([]orb.Bound, len(features))
			for i, f := range features {
				envs[i] = f.Geometry.Bound()
			}
			boxes := queryBoxes(envs, 1024)
			b.Run(fmt.Sprintf("n=%d/%s/index", n, l.ID), func(b *testing.B) {
				b.ReportAllocs()
				var dst []int
				hits := 0
				for i := 0; i < b.N; i++ {
					dst = ix.Query(boxes[i%len(boxes)], dst[:0])
					hits += len(dst)
				}
				b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
			})
			b.Run(fmt.Sprintf("n=%d/%s/scan", n, l.ID), func(b *testing.B) {
				b.ReportAllocs()
				var dst []int
				for i := 0; i < b.N; i++ {
					q := boxes[i%len(boxes)]
					dst = dst[:0]
					for j, e := range envs {
						if e.Intersects(q) && geo.IntersectsBoundEnvelope(features[j].Geometry, e, q) {
							dst = append(dst, j)
						}
					}
				}
			})
		}
	}
}

// BenchmarkQueryPoints compares, on the generated ports' points, the three
// candidate indexes for a point layer: planmap's packed Hilbert R-tree,
// orb's quadtree and tidwall/rtree. Results are in the geo.Index doc.
func BenchmarkQueryPoints(b *testing.B) {
	for _, n := range benchSizes() {
		ds := benchDataset(n)
		var points []*geojson.Feature
		for _, f := range ds.Layer(data.Ports).Features.Features {
			if _, ok := f.Geometry.(orb.Point); ok {
				points = append(points, f)
			}
		}
		envs := make([]orb.Bound, len(points))
		for i, f := range points {
			envs[i] = f.Geometry.Bound()
		}
		boxes := queryBoxes(envs, 1024)

		packed := geo.NewIndex(points)
		qt := quadtree.New(packed.Bound().Pad(1e-9))
		for _, f := range points {
			if err := qt.Add(f); err != nil {
				b.Fatal(err)
			}
		}
		var rt rtree.RTreeG[int]
		for i, f := range points {
			p := f.Geometry.(orb.Point)
			rt.Insert([2]float64(p), [2]float64(p), i)
		}

		// Every candidate answers the same question: the exact hits, in
		// ascending feature order (what the items API pages through).
		b.Run(fmt.Sprintf("points=%d/packed-hilbert", len(points)), func(b *testing.B) {
			b.ReportAllocs()
			var dst []int
			for i := 0; i < b.N; i++ {
				dst = packed.Query(boxes[i%len(boxes)], dst[:0])
			}
		})
		position := make(map[orb.Pointer]int, len(points))
		for i, f := range points {
			position[f] = i
		}
		b.Run(fmt.Sprintf("points=%d/orb-quadtree", len(points)), func(b *testing.B) {
			b.ReportAllocs()
			var found []orb.Pointer
			var dst []int
			for i := 0; i < b.N; i++ {
				found = qt.InBound(found[:0], boxes[i%len(boxes)])
				dst = dst[:0]
				for _, p := range found {
					dst = append(dst, position[p])
				}
				slices.Sort(dst)
			}
		})
		b.Run(fmt.Sprintf("points=%d/tidwall-rtree", len(points)), func(b *testing.B) {
			b.ReportAllocs()
			var dst []int
			for i := 0; i < b.N; i++ {
				q := boxes[i%len(boxes)]
				dst = dst[:0]
				rt.Search([2]float64(q.Min), [2]float64(q.Max), func(_, _ [2]float64, v int) bool {
					dst = append(dst, v)
					return true
				})
				slices.Sort(dst)
			}
		})
	}
}

// BenchmarkQueryExtents compares the packed Hilbert R-tree with tidwall/rtree
// as the extent index of the line and polygon layers, each followed by the
// same exact test and sort.
func BenchmarkQueryExtents(b *testing.B) {
	for _, n := range benchSizes() {
		ds := benchDataset(n)
		for _, id := range []string{data.IndustrialParks, data.Corridors} {
			features := ds.Layer(id).Features.Features
			envs := make([]orb.Bound, len(features))
			for i, f := range features {
				envs[i] = f.Geometry.Bound()
			}
			boxes := queryBoxes(envs, 1024)
			packed := geo.NewIndex(features)
			var rt rtree.RTreeG[int]
			for i, e := range envs {
				rt.Insert([2]float64(e.Min), [2]float64(e.Max), i)
			}
			b.Run(fmt.Sprintf("n=%d/%s/packed-hilbert", n, id), func(b *testing.B) {
				b.ReportAllocs()
				var dst []int
				for i := 0; i < b.N; i++ {
					dst = packed.Query(boxes[i%len(boxes)], dst[:0])
				}
			})
			b.Run(fmt.Sprintf("n=%d/%s/tidwall-rtree", n, id), func(b *testing.B) {
				b.ReportAllocs()
				var dst []int
				for i := 0; i < b.N; i++ {
					q := boxes[i%len(boxes)]
					dst = dst[:0]
					rt.Search([2]float64(q.Min), [2]float64(q.Max), func(mn, mx [2]float64, v int) bool {
						if (mn[0] >= q.Min[0] && mn[1] >= q.Min[1] && mx[0] <= q.Max[0] && mx[1] <= q.Max[1]) ||
							geo.IntersectsBoundEnvelope(features[v].Geometry, orb.Bound{Min: mn, Max: mx}, q) {
							dst = append(dst, v)
						}
						return true
					})
					slices.Sort(dst)
				}
			})
		}
	}
}

// BenchmarkBuild measures building a layer's index, packed against
// tidwall/rtree built by insertion.
func BenchmarkBuild(b *testing.B) {
	for _, n := range benchSizes() {
		ds := benchDataset(n)
		l := ds.Layer(data.IndustrialParks)
		b.Run(fmt.Sprintf("n=%d/%s/packed-hilbert", n, l.ID), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				geo.NewIndex(l.Features.Features)
			}
		})
		b.Run(fmt.Sprintf("n=%d/%s/tidwall-rtree", n, l.ID), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				var rt rtree.RTreeG[int]
				for j, f := range l.Features.Features {
					e := f.Geometry.Bound()
					rt.Insert([2]float64(e.Min), [2]float64(e.Max), j)
				}
			}
		})
	}
}
