//go:build linux

package data

import (
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// BenchmarkBinarySnapshotFile reads the binary snapshot of a folder a
// planmap serve wrote (PLANMAP_SNAPSHOT_DIR=DIR, e.g. a 1M-feature
// generated folder; skipped when unset) with the collector paused as at
// a start (snapshotGC): the decoding, checks and lookup tables of a start
// from the snapshot, without the comparison with the folder's files or
// the program (the test binary did not write it). Besides ns/op it
// reports the CPU seconds (user + system), minor page faults, heap
// allocations and bytes allocated of one reading.
//
//	PLANMAP_SNAPSHOT_DIR=/tmp/g1m go test -run '^$' -bench BinarySnapshotFile -benchtime 1x ./data/
func BenchmarkBinarySnapshotFile(b *testing.B) {
	dir := os.Getenv("PLANMAP_SNAPSHOT_DIR")
	if dir == "" {
		b.Skip("PLANMAP_SNAPSHOT_DIR names no folder with a binary snapshot")
	}
	files := snapshotFiles(filepath.Join(dir, StateDir))
	if len(files) == 0 {
		b.Fatalf("no snapshot in %s", filepath.Join(dir, StateDir))
	}
	var cpu time.Duration
	var faults int64
	var mallocs, bytes uint64
	for b.Loop() {
		runtime.GC()
		var ru0, ru1 syscall.Rusage
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		restore := snapshotGC(dir)
		ds, _, _, err := readBinarySnapshot(files[len(files)-1])
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		runtime.ReadMemStats(&ms1)
		restore()
		if err != nil {
			b.Fatal(err)
		}
		cpu += time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
		faults += ru1.Minflt - ru0.Minflt
		mallocs += ms1.Mallocs - ms0.Mallocs
		bytes += ms1.TotalAlloc - ms0.TotalAlloc
		runtime.KeepAlive(ds)
	}
	n := float64(b.N)
	b.ReportMetric(cpu.Seconds()/n, "cpu-s/op")
	b.ReportMetric(float64(faults)/n, "minflt/op")
	b.ReportMetric(float64(mallocs)/n, "mallocs/op")
	b.ReportMetric(float64(bytes)/n/(1<<20), "alloc-MiB/op")
}
