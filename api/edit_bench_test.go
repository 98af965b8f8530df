package api

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/planmap/planmap/data"
)

// benchEditSizes are the dataset sizes of the write benchmarks:
// PLANMAP_BENCH_SIZES=large adds 1M features (minutes to load, ~15 GB).
func benchEditSizes() []int {
	sizes := []int{10_000, 100_000}
	if os.Getenv("PLANMAP_BENCH_SIZES") == "large" {
		sizes = append(sizes, 1_000_000)
	}
	return sizes
}

// BenchmarkWriteVisibility measures, on generated data served from a
// folder (fsynced journal), the time from sending a PATCH that moves a
// port to the moment a read of the feature and of the z12 tile at its new
// place both show it: p50 and p95 over b.N writes.
//
//	go test -run '^$' -bench WriteVisibility -benchtime 200x ./api
func BenchmarkWriteVisibility(b *testing.B) {
	for _, n := range benchEditSizes() {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			es, ids := benchEditableServer(b, n)
			rng := rand.New(rand.NewPCG(uint64(n), 1))
			var lat []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				id := ids[rng.IntN(len(ids))]
				p := orb.Point{float64(int64((119+rng.Float64()*2)*1e6)) / 1e6, float64(int64((25+rng.Float64()*3)*1e6)) / 1e6}
				body := fmt.Sprintf(`{"geometry":{"type":"Point","coordinates":[%g,%g]},"properties":{"placement_note":"bench %d"}}`, p[0], p[1], i)
				start := time.Now()
				r := es.doB(b, "PATCH", "/collections/ports/items/"+id, []byte(body), headers(authEditor, mergePatch)...)
				if r.status != 200 {
					b.Fatalf("PATCH: %d %s", r.status, r.body)
				}
				etag := r.header.Get("ETag")
				if got := es.doB(b, "GET", "/collections/ports/items/"+id, nil); got.header.Get("ETag") != etag {
					b.Fatalf("the feature does not show the write at once")
				}
				tile := maptile.At(p, 12)
				tr := es.doB(b, "GET", fmt.Sprintf("/tiles/12/%d/%d.mvt", tile.X, tile.Y), nil)
				if !strings.Contains(string(mustPlain(b, tr)), id) {
					b.Fatalf("the tile does not show the moved port")
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}

// BenchmarkReadsDuringWrites measures items reads per second (bbox, limit
// 100, 4 readers) with no writes, then while one writer patches a feature
// every 10 ms, and reports the ratio of the two, measured in one run.
//
//	go test -run '^$' -bench ReadsDuringWrites -benchtime 1x ./api
func BenchmarkReadsDuringWrites(b *testing.B) {
	for _, n := range benchEditSizes() {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			es, ids := benchEditableServer(b, n)
			reads := func(d time.Duration, write bool) float64 {
				var count atomic.Int64
				stop := make(chan struct{})
				var wg sync.WaitGroup
				for r := 0; r < 4; r++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						rng := rand.New(rand.NewPCG(uint64(r), 2))
						for {
							select {
							case <-stop:
								return
							default:
							}
							x, y := 119+rng.Float64()*2, 25+rng.Float64()*3
							res, err := http.Get(fmt.Sprintf("%s/collections/industrial-parks/items?limit=100&bbox=%g,%g,%g,%g", es.base, x, y, x+0.2, y+0.2))
							if err == nil {
								res.Body.Close()
								count.Add(1)
							}
						}
					}()
				}
				if write {
					wg.Add(1)
					go func() {
						defer wg.Done()
						rng := rand.New(rand.NewPCG(9, 9))
						for i := 0; ; i++ {
							select {
							case <-stop:
								return
							case <-time.After(10 * time.Millisecond):
							}
							id := ids[rng.IntN(len(ids))]
							es.doB(b, "PATCH", "/collections/ports/items/"+id, []byte(fmt.Sprintf(`{"properties":{"placement_note":"w%d"}}`, i)), headers(authEditor, mergePatch)...)
						}
					}()
				}
				time.Sleep(d)
				close(stop)
				wg.Wait()
				return float64(count.Load()) / d.Seconds()
			}
			for i := 0; i < b.N; i++ {
				quiet := reads(3*time.Second, false)
				busy := reads(3*time.Second, true)
				b.ReportMetric(quiet, "reads/s-quiet")
				b.ReportMetric(busy, "reads/s-writing")
				b.ReportMetric(busy/quiet, "ratio")
			}
		})
	}
}

func benchEditableServer(b *testing.B, n int) (*editableServer, []string) {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "plan")
	if err := data.WriteDir(data.Generate(data.GenOptions{Features: n, Seed: 1}), dir); err != nil {
		b.Fatal(err)
	}
	es := openEditableServerTB(b, dir)
	lv := es.srv.state.Load().byID["ports"].view
	var ids []string
	for i, r := range lv.Refs() {
		if i%7 == 0 {
			if _, isPoint := lv.Feature(r).Geometry.(orb.Point); isPoint {
				ids = append(ids, lv.ID(r))
			}
		}
	}
	return es, ids
}

func (es *editableServer) doB(b *testing.B, method, path string, body []byte, hdrs ...string) httpResult {
	b.Helper()
	return es.do(b, method, path, body, hdrs...)
}

func mustPlain(b *testing.B, r httpResult) []byte {
	b.Helper()
	if r.status != 200 {
		b.Fatalf("tile: %d", r.status)
	}
	return r.body
}
