package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/planmap/planmap/data"
)

// BenchmarkApply measures writes through one store: each iteration is one
// acknowledged PATCH of a feature, from 1 or 8 concurrent writers, on
// features spread over the layer. The cluster runs with fsync off (see
// pgtest): the figure is round trips and CPU, not disk flushes.
func BenchmarkApply(b *testing.B) {
	for _, writers := range []int{1, 8} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			c, db := importedDB(b)
			s := openStore(b, c.URL(db))
			lv := s.Current().Layer(data.IndustrialParks)
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						n := next.Add(1)
						if n > int64(b.N) {
							return
						}
						id := lv.ID(lv.At(int(n) % lv.Len()))
						_, err := s.Apply(context.Background(), "bench", []data.Change{{Op: data.OpPatch, Layer: data.IndustrialParks, ID: id,
							Patch: json.RawMessage(fmt.Sprintf(`{"properties":{"name":"bench %d"}}`, n))}})
						if err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
	}
}
