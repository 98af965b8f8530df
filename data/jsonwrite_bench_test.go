package data

import (
	"testing"

	"github.com/planmap/planmap/data/testtool"
)

// BenchmarkEncodeFeature encodes generated corridors (long lines, the
// largest features of the items pages bench/peers.sh times first), as
// LayerView.Encoded does on a feature's first request. cpu-ns/op is the
// process's CPU time, steadier than the wall clock on a shared machine.
//
//	go test -run '^$' -bench EncodeFeature -benchmem ./data
func BenchmarkEncodeFeature(b *testing.B) {
	ds := Generate(GenOptions{Features: 20_000, Seed: 1})
	feats := ds.Layer(Corridors).Features.Features
	var bytes int
	for _, f := range feats {
		bytes += len(EncodeFeature(FeatureID(f), f))
	}
	b.SetBytes(int64(bytes / len(feats)))
	b.ResetTimer()
	start := testtool.ProcessCPU(b)
	for i := 0; i < b.N; i++ {
		f := feats[i%len(feats)]
		EncodeFeature(FeatureID(f), f)
	}
	b.ReportMetric(float64((testtool.ProcessCPU(b)-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
