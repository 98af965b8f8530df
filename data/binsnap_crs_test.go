package data_test

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo/crs"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestBinarySnapshotConvertedLayer: a layer in another CRS is kept in the
// snapshot as converted to WGS 84, read back equal to a fresh load with the
// converter, and a start without the converter does not use the snapshot
// (the layer is then the problem it always was).
func TestBinarySnapshotConvertedLayer(t *testing.T) {
	dir := t.TempDir()
	fc := geojson.NewFeatureCollection()
	for _, p := range gcjPublished {
		fc.Append(pointFeature(p.id, p.gcj))
	}
	writeLayerFiles(t, dir, "survey", fc, map[string]any{"title": "Survey", "crs": crs.GCJ02URI})
	open := func(conv data.CoordinateConverter) (*data.FileStore, *lockedBuffer, error) {
		var logs lockedBuffer
		s, err := data.OpenFiles(dir, data.FileOptions{Converter: conv, NoSync: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		return s, &logs, err
	}
	s, logs, err := open(crs.FileConverter)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), "wrote the binary snapshot") {
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot written:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Close()
	fresh, err := data.LoadDirWith(dir, data.LoadOptions{Converter: crs.FileConverter})
	if err != nil {
		t.Fatal(err)
	}
	s2, logs2, err := open(crs.FileConverter)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if !strings.Contains(logs2.String(), "loaded the binary snapshot") {
		t.Fatalf("the snapshot was not used:\n%s", logs2)
	}
	got := s2.Current().Dataset().Layer("survey")
	want := fresh.Layer("survey")
	if got.CRS != crs.GCJ02URI || !reflect.DeepEqual(got.Features.Features, want.Features.Features) {
		t.Errorf("from the snapshot: CRS %q features %v; fresh: %v", got.CRS, got.Features.Features, want.Features.Features)
	}
	if _, logs3, err := open(nil); err == nil || !strings.Contains(err.Error(), "converts no CRS") || strings.Contains(logs3.String(), "loaded the binary snapshot") {
		t.Errorf("without a converter: err %v; log:\n%s", err, logs3)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, data.StateDir, "snapshot-*.bin")); len(files) != 1 {
		t.Errorf("snapshot files %v", files)
	}
}
