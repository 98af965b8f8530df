package data

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb/geojson"
)

// Load benchmarks run on generated datasets of 10k, 100k and 1M features,
// each written once to a temporary folder (the first time its benchmark
// runs). Besides ns/op (the time of one LoadDir: read, decode, validate)
// they report:
//
//	features       features loaded
//	MB/s           file bytes loaded per second
//	heap-B/feature heap still in use after loading, per feature (the
//	               dataset kept alive, after a GC)
//	alloc-B/feature bytes allocated while loading, per feature
//	x-orb-decode   load time / the time orb's geojson.UnmarshalFeatureCollection
//	               (encoding/json underneath, no validation) takes to decode the
//	               same bytes, measured in the same run
//	x-json.Valid   load time / the time encoding/json's json.Valid takes to
//	               merely syntax-check the same bytes
//
// The 1M dataset takes about 1.5 GB on disk, several GB of memory and
// minutes (the orb baseline alone takes over a minute), so it runs only when
// asked for: PLANMAP_BENCH_1M=1, or a -bench pattern that names 1M, e.g.
//
//	go test -run '^$' -bench 'Load/1M' -benchtime 1x -timeout 30m ./data/
var benchSizes = []struct {
	name     string
	features int
}{{"10k", 10_000}, {"100k", 100_000}, {"1M", 1_000_000}}

// benchSelected1M reports whether the 1M-feature benchmarks should run.
func benchSelected1M() bool {
	if os.Getenv("PLANMAP_BENCH_1M") == "1" {
		return true
	}
	f := flag.Lookup("test.bench")
	return f != nil && strings.Contains(f.Value.String(), "1M")
}

func BenchmarkLoad(b *testing.B) {
	for _, size := range benchSizes {
		dir := b.TempDir()
		var (
			written bool
			raws    [][]byte
			bytes   int64
		)
		b.Run(size.name, func(b *testing.B) {
			if size.features >= 1_000_000 && !benchSelected1M() {
				b.Skip("1M features: set PLANMAP_BENCH_1M=1 or select it with -bench 'Load/1M'")
			}
			if !written {
				if err := WriteDir(Generate(GenOptions{Features: size.features, Seed: 1}), dir); err != nil {
					b.Fatal(err)
				}
				files, _ := filepath.Glob(filepath.Join(dir, "*.geojson"))
				for _, file := range files {
					raw, err := os.ReadFile(file)
					if err != nil {
						b.Fatal(err)
					}
					raws = append(raws, raw)
					bytes += int64(len(raw))
				}
				written = true
			}
			b.SetBytes(bytes)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			var ds *Dataset
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var err error
				if ds, err = LoadDir(dir); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			load := b.Elapsed() / time.Duration(b.N)
			runtime.ReadMemStats(&after)
			allocated := after.TotalAlloc - before.TotalAlloc
			runtime.GC()
			runtime.ReadMemStats(&after)
			retained := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			features := 0
			for _, l := range ds.Layers {
				features += len(l.Features.Features)
			}
			runtime.KeepAlive(ds)
			ds = nil
			b.ReportMetric(float64(features), "features")
			b.ReportMetric(float64(retained)/float64(features), "heap-B/feature")
			b.ReportMetric(float64(allocated)/float64(b.N)/float64(features), "alloc-B/feature")

			// Baselines on the same bytes, in the same run.
			runtime.GC()
			start := time.Now()
			for _, raw := range raws {
				if !json.Valid(raw) {
					b.Fatal("generated file is not JSON")
				}
			}
			b.ReportMetric(float64(load)/float64(time.Since(start)), "x-json.Valid")
			runtime.GC()
			start = time.Now()
			for _, raw := range raws {
				if _, err := geojson.UnmarshalFeatureCollection(raw); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(load)/float64(time.Since(start)), "x-orb-decode")
		})
	}
}

// BenchmarkGenerate measures Generate alone and Generate plus WriteDir.
func BenchmarkGenerate(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			if size.features >= 1_000_000 && !benchSelected1M() {
				b.Skip("1M features: set PLANMAP_BENCH_1M=1 or select it with -bench 'Generate/1M'")
			}
			for i := 0; i < b.N; i++ {
				Generate(GenOptions{Features: size.features, Seed: int64(i)})
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(size.features), "ns/feature")
		})
		b.Run(size.name+"/write", func(b *testing.B) {
			if size.features >= 1_000_000 && !benchSelected1M() {
				b.Skip("1M features: set PLANMAP_BENCH_1M=1")
			}
			for i := 0; i < b.N; i++ {
				dir := filepath.Join(b.TempDir(), fmt.Sprint(i))
				if err := WriteDir(Generate(GenOptions{Features: size.features, Seed: int64(i)}), dir); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
