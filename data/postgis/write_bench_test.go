package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/testtool"
)

// BenchmarkApply measures writes through one store: each iteration is one
// acknowledged PATCH of a feature, from 1 or 8 concurrent writers, on
// features spread over the layer. The cluster runs with fsync off (see
// pgtest): the figure is round trips and CPU, not disk flushes. On a
// shared machine writes/s swings with the load; the CPU time per write —
// this process's ("go-cpu-µs/write") and the PostgreSQL server's
// ("pg-cpu-µs/write", its processes in /proc) — is the steadier figure.
func BenchmarkApply(b *testing.B) {
	for _, writers := range []int{1, 8} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			c, db := importedDB(b)
			s := openStore(b, c.URL(db))
			lv := s.Current().Layer(data.IndustrialParks)
			pgBefore, pgOK := clusterCPU(c.Dir)
			goBefore := testtool.ProcessCPU(b)
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
			b.ReportMetric(float64((testtool.ProcessCPU(b)-goBefore).Microseconds())/float64(b.N), "go-cpu-µs/write")
			if pgAfter, ok := clusterCPU(c.Dir); ok && pgOK {
				b.ReportMetric(float64((pgAfter-pgBefore).Microseconds())/float64(b.N), "pg-cpu-µs/write")
			}
		})
	}
}

// clusterCPU is the CPU time the cluster's server used so far: the
// postmaster's and its children's, living (from /proc) and ended (the
// postmaster's cutime and cstime).
func clusterCPU(dir string) (time.Duration, bool) {
	pidFile, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	pm := strings.SplitN(string(pidFile), "\n", 2)[0]
	stat := func(pid string) ([]string, bool) {
		b, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			return nil, false
		}
		// The fields after the command name, which is in parentheses.
		s := string(b)
		return strings.Fields(s[strings.LastIndexByte(s, ')')+2:]), true
	}
	ticks := func(f []string, from, to int) int64 {
		var n int64
		for i := from; i <= to; i++ {
			v, _ := strconv.ParseInt(f[i], 10, 64)
			n += v
		}
		return n
	}
	f, ok := stat(pm)
	if !ok {
		return 0, false
	}
	// Fields counted from state (index 0): ppid 1, utime 11, stime 12,
	// cutime 13, cstime 14.
	total := ticks(f, 11, 14)
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		if f, ok := stat(p.Name()); ok && len(f) > 14 && f[1] == pm {
			total += ticks(f, 11, 12)
		}
	}
	return time.Duration(total) * time.Second / 100, true // USER_HZ is 100 on Linux
}
