package tiles

import (
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/planmap/planmap/data"
)

// BenchmarkServedTile renders the tiles a server renders on a cache miss
// (Render: encode, gzip, ETag), over a dataset folder as served, without
// relabelling: PLANMAP_BENCH_DIR names it (e.g. the output of
// `planmap gen --features 100000`; skipped when unset). Per zoom 12 and 14
// it renders the distinct tiles around up to 4,000 random features, every
// layer and industrial parks alone, in turn, and reports the CPU time per
// render of the benchmark's thread (cpu-ns/op, Linux) beside the wall time.
//
//	PLANMAP_BENCH_DIR=/tmp/g100k go test -run '^$' -bench ServedTile -benchmem -cpuprofile cpu.out ./tiles
func BenchmarkServedTile(b *testing.B) {
	served.once.Do(func() {
		dir := os.Getenv("PLANMAP_BENCH_DIR")
		if dir == "" {
			return
		}
		ds, err := data.LoadDir(dir)
		if err != nil {
			served.err = err
			return
		}
		served.ds = ds
		served.tiler, served.err = NewForDataset(ds, Options{})
	})
	if served.ds == nil && served.err == nil {
		b.Skip("PLANMAP_BENCH_DIR names no dataset folder")
	}
	if served.err != nil {
		b.Fatal(served.err)
	}
	tl := served.tiler
	parks, err := tl.ParseLayers(data.IndustrialParks)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		z    uint32
		set  LayerSet
	}{
		{"parks-z12", 12, parks}, {"parks-z14", 14, parks},
		{"all-z12", 12, tl.AllLayers()}, {"all-z14", 14, tl.AllLayers()},
	} {
		b.Run(c.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(uint64(c.z), 7))
			ds := served.ds
			if c.set == parks {
				ds = &data.Dataset{Version: ds.Version, Layers: []*data.Layer{ds.Layer(data.IndustrialParks)}}
			}
			ids := sampleTiles(ds, c.z, 4000, rng)
			b.ReportAllocs()
			// the render's own CPU time, on this goroutine's locked
			// thread: wall time is noisy on a shared machine
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ResetTimer()
			cpu0, cpuOK := threadCPU()
			var bytes int
			for i := range b.N {
				id := ids[i%len(ids)]
				tile, err := tl.Render(id.Z, id.X, id.Y, c.set)
				if err != nil {
					b.Fatal(err)
				}
				bytes += tile.Size
			}
			if cpu1, ok := threadCPU(); ok && cpuOK {
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
			}
			b.ReportMetric(float64(bytes)/float64(b.N), "B/tile")
		})
	}
}

var served struct {
	once  sync.Once
	ds    *data.Dataset
	tiler *Tiler
	err   error
}
