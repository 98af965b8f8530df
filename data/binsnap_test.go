package data

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// syncBuffer is a log destination tests read while the store writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// openLogged opens dir as a file store logging into the returned buffer.
func openLogged(t *testing.T, dir string) (*FileStore, *syncBuffer) {
	t.Helper()
	var logs syncBuffer
	s, err := OpenFiles(dir, FileOptions{NoSync: true, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	return s, &logs
}

// waitSnapshot waits until the store has written its binary snapshot and
// returns its path.
func waitSnapshot(t *testing.T, dir string, logs *syncBuffer) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(logs.String(), "wrote the binary snapshot") {
		if strings.Contains(logs.String(), "writing the binary snapshot") || time.Now().After(deadline) {
			t.Fatalf("no snapshot written; log:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	files := snapshotFiles(filepath.Join(dir, StateDir))
	if len(files) != 1 {
		t.Fatalf("snapshot files %v, want exactly one", files)
	}
	return files[0]
}

// sameDataset compares two loads of a folder feature by feature: layer
// metadata and every feature's id, geometry,
// properties and members, its canonical encoding and its version.
func sameDataset(t *testing.T, got, want *Dataset) {
	t.Helper()
	if got.Source != want.Source {
		t.Errorf("source %q, want %q", got.Source, want.Source)
	}
	if len(got.Layers) != len(want.Layers) {
		t.Fatalf("%d layers, want %d", len(got.Layers), len(want.Layers))
	}
	for i, wl := range want.Layers {
		gl := got.Layers[i]
		gm, wm := *gl, *wl
		gm.Features, wm.Features, gm.digest, wm.digest, gm.index, wm.index, gm.propNames, wm.propNames = nil, nil, fileDigest{}, fileDigest{}, nil, nil, nil, nil
		if !reflect.DeepEqual(gm, wm) {
			t.Errorf("layer %d metadata\n got %+v\nwant %+v", i, gm, wm)
		}
		if len(gl.Features.Features) != len(wl.Features.Features) {
			t.Errorf("layer %s: %d features, want %d", wl.ID, len(gl.Features.Features), len(wl.Features.Features))
			continue
		}
		if gl.Features.Type != wl.Features.Type {
			t.Errorf("layer %s: collection type %q", wl.ID, gl.Features.Type)
		}
		bad := 0
		for j, wf := range wl.Features.Features {
			gf := gl.Features.Features[j]
			id := FeatureID(wf)
			ge, we := EncodeFeature(FeatureID(gf), gf), EncodeFeature(id, wf)
			if !reflect.DeepEqual(gf, wf) || !bytes.Equal(ge, we) || ContentVersion(ge) != ContentVersion(we) {
				if bad++; bad <= 3 {
					t.Errorf("layer %s feature %d (%s) differs:\n got %s\nwant %s", wl.ID, j, id, ge, we)
				}
			}
		}
	}
}

func generatedFolder(t *testing.T, n int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "gen")
	if err := WriteDir(Generate(GenOptions{Features: n, Seed: 7}), dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func builtInFolder(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "plan")
	if err := InitFolder(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBinarySnapshotRoundTrip: a store opened a second time reads the
// snapshot the first one wrote, and serves exactly what a fresh GeoJSON
// load gives, on the built-in plan and on generated data (several blocks
// a layer).
func TestBinarySnapshotRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name   string
		folder func(*testing.T) string
	}{
		{"built-in", builtInFolder},
		{"generated", func(t *testing.T) string { return generatedFolder(t, 3*binSnapBlock) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.folder(t)
			fresh, err := LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			s, logs := openLogged(t, dir)
			waitSnapshot(t, dir, logs)
			first := s.Current()
			s.Close()

			s2, logs2 := openLogged(t, dir)
			defer s2.Close()
			if !strings.Contains(logs2.String(), "loaded the binary snapshot") {
				t.Fatalf("the second start did not read the snapshot; log:\n%s", logs2)
			}
			snap := s2.Current()
			sameDataset(t, snap.Dataset(), fresh)
			direct, _, err := loadBinarySnapshot(dir, LoadOptions{})
			if err != nil || direct == nil {
				t.Fatalf("reading the snapshot: %v", err)
			}
			sameDataset(t, direct, fresh)
			if direct.Version != fresh.Version {
				t.Errorf("dataset version %q from the snapshot, %q from GeoJSON", direct.Version, fresh.Version)
			}
			for i, l := range direct.Layers {
				if l.fileSum != fresh.Layers[i].fileSum {
					t.Errorf("layer %s: file sum %q, from GeoJSON %q", l.ID, l.fileSum, fresh.Layers[i].fileSum)
				}
			}
			if snap.Version != first.Version {
				t.Errorf("snapshot version %q, from GeoJSON %q", snap.Version, first.Version)
			}
			for _, lv := range snap.Layers() {
				flv := first.Layer(lv.Meta.ID)
				if lv.Version() != flv.Version() || lv.Len() != flv.Len() {
					t.Errorf("layer %s: version %q len %d, from GeoJSON %q %d", lv.Meta.ID, lv.Version(), lv.Len(), flv.Version(), flv.Len())
				}
				for _, r := range flv.Refs() {
					id := flv.ID(r)
					r2, ok := lv.Lookup(id)
					if !ok || lv.FeatureVersion(r2) != flv.FeatureVersion(r) || !bytes.Equal(lv.Encoded(r2), flv.Encoded(r)) {
						t.Errorf("layer %s feature %s: not the same from the snapshot", lv.Meta.ID, id)
						break
					}
				}
			}
			// The file hashes the watcher compares are those of the files.
			for file, sum := range s2.written {
				if want := fileHash(filepath.Join(dir, file), DefaultMaxFileBytes); sum != want {
					t.Errorf("%s: remembered hash %s, the file's %s", file, sum, want)
				}
			}
		})
	}
}

// TestBinarySnapshotValues: values of every JSON kind survive, including
// those the generated data does not have.
func TestBinarySnapshotValues(t *testing.T) {
	feats := []*geojson.Feature{
		{Type: "Feature", ID: "a", Geometry: orb.Point{1.5, -2.25}, Properties: geojson.Properties{
			"s": "x", "i": 2030.0, "neg": -7.0, "f": 0.1, "negzero": math.Copysign(0, -1), "big": 1e300, "t": true, "n": nil,
			"arr": []any{1.0, "y", []any{}, map[string]any{"k": false}}, "obj": map[string]any{"nested": map[string]any{}}},
			BBox: geojson.BBox{1, 2, 3, 4}, ExtraMembers: geojson.Properties{"foreign": "member"}},
		{Type: "Feature", ID: 12.0, Geometry: orb.MultiPoint{{1, 2}, {3, 4}}},
		{Type: "Feature", Geometry: orb.Collection{orb.LineString{{0, 0}, {1, 1}}, orb.MultiLineString{{{0, 0}, {1, 1}}, {{2, 2}, {3, 3}}}}, Properties: geojson.Properties{}},
		{Type: "Feature", Geometry: orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}, {{{5, 5}, {6, 5}, {6, 6}, {5, 5}}, {{5.2, 5.1}, {5.8, 5.1}, {5.8, 5.5}, {5.2, 5.1}}}}},
		{Type: "Feature", Geometry: nil, BBox: geojson.BBox{}},
	}
	var e blockEncoder
	points, payload, err := e.encode(feats)
	if err != nil {
		t.Fatal(err)
	}
	d := &blockDecoder{}
	got, err := d.decode(slices.Clone(points), bytes.Clone(payload))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, feats) {
		for i := range feats {
			if !reflect.DeepEqual(got[i], feats[i]) {
				t.Errorf("feature %d\n got %#v\nwant %#v", i, got[i], feats[i])
			}
		}
	}
	if v := got[0].Properties["negzero"].(float64); v != 0 || !math.Signbit(v) {
		t.Errorf("negative zero came back as %v", v)
	}
	// Every truncation of the payload is an error, never a panic.
	for n := range len(payload) {
		if _, err := d.decode(slices.Clone(points), payload[:n]); err == nil {
			t.Errorf("payload cut to %d of %d bytes decoded without error", n, len(payload))
		}
	}
	// So is a block with a point too few or too many.
	for _, pts := range [][]orb.Point{points[:len(points)-1], append(slices.Clone(points), orb.Point{7, 7})} {
		if _, err := d.decode(pts, payload); err == nil {
			t.Errorf("%d points where %d were written decoded without error", len(pts), len(points))
		}
	}
}

// TestBinarySnapshotInvalidated: a snapshot of other data, or one that is
// damaged, is not used: the store loads the GeoJSON, serves what it holds,
// says why in the log, and writes a new snapshot.
func TestBinarySnapshotInvalidated(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, dir, snap string)
		why    string
	}{
		{"layer file edited", func(t *testing.T, dir, _ string) {
			replaceInFile(t, filepath.Join(dir, "ports.geojson"), `"name":"温州港"`, `"name":"温州港（改）"`)
		}, "of other data"},
		{"same size edit", func(t *testing.T, dir, _ string) {
			replaceInFile(t, filepath.Join(dir, "ports.geojson"), `"name":"温州港"`, `"name":"温州湾"`)
		}, "of other data"},
		{"sidecar edited", func(t *testing.T, dir, _ string) {
			replaceInFile(t, filepath.Join(dir, "ports.json"), `"title": "`, `"title": "New `)
		}, "of other data"},
		{"layer added", func(t *testing.T, dir, _ string) {
			raw, err := os.ReadFile(filepath.Join(dir, "ports.geojson"))
			if err != nil {
				t.Fatal(err)
			}
			raw = bytes.ReplaceAll(raw, []byte(`"id":"`), []byte(`"id":"copy-`))
			if err := os.WriteFile(filepath.Join(dir, "more-ports.geojson"), raw, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "of other data"},
		{"layer removed", func(t *testing.T, dir, _ string) {
			if err := os.Remove(filepath.Join(dir, "enclaves.geojson")); err != nil {
				t.Fatal(err)
			}
		}, "of other data"},
		{"truncated", func(t *testing.T, _, snap string) {
			st, err := os.Stat(snap)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(snap, st.Size()/2); err != nil {
				t.Fatal(err)
			}
		}, "cannot be read"},
		{"byte flipped", func(t *testing.T, _, snap string) {
			raw, err := os.ReadFile(snap)
			if err != nil {
				t.Fatal(err)
			}
			raw[len(raw)*2/3] ^= 0x40
			if err := os.WriteFile(snap, raw, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "cannot be read"},
		{"old format", func(t *testing.T, _, snap string) {
			raw, err := os.ReadFile(snap)
			if err != nil {
				t.Fatal(err)
			}
			binary.LittleEndian.PutUint32(raw[len(binSnapMagic):], binSnapFormat+1)
			if err := os.WriteFile(snap, raw, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "cannot be read"},
		{"not a snapshot", func(t *testing.T, _, snap string) {
			if err := os.WriteFile(snap, []byte("hello"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "cannot be read"},
		{"block points flipped", func(t *testing.T, _, snap string) {
			damageBlock(t, snap, func(raw []byte, at, points, body int) { raw[at+12+16*points/2] ^= 0x01 })
		}, "cannot be read"},
		{"block body flipped", func(t *testing.T, _, snap string) {
			damageBlock(t, snap, func(raw []byte, at, points, body int) { raw[at+12+16*points+body/2] ^= 0x01 })
		}, "cannot be read"},
		{"block point count changed", func(t *testing.T, _, snap string) {
			damageBlock(t, snap, func(raw []byte, at, points, body int) {
				binary.LittleEndian.PutUint32(raw[at+4:], uint32(points-1))
			})
		}, "cannot be read"},
		{"another program", func(t *testing.T, _, snap string) {
			_, hdr, _, err := readBinarySnapshot(snap)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(snap)
			if err != nil {
				t.Fatal(err)
			}
			// Rewrite the header's program with one of the same length
			// and a valid checksum.
			other := strings.Repeat("0", len(hdr.Program))
			hb := raw[len(binSnapMagic)+8:]
			n := binary.LittleEndian.Uint32(raw[len(binSnapMagic)+4:])
			fixed := bytes.Replace(hb[:n], []byte(hdr.Program), []byte(other), 1)
			copy(hb, fixed)
			binary.LittleEndian.PutUint32(hb[n:], crc32.Checksum(fixed, crcTable))
			if err := os.WriteFile(snap, raw, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "of other data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := builtInFolder(t)
			s, logs := openLogged(t, dir)
			snap := waitSnapshot(t, dir, logs)
			s.Close()
			tc.change(t, dir, snap)
			fresh, err := LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			s2, logs2 := openLogged(t, dir)
			defer s2.Close()
			if strings.Contains(logs2.String(), "loaded the binary snapshot") || !strings.Contains(logs2.String(), tc.why) {
				t.Fatalf("log does not say the snapshot is not used because %q:\n%s", tc.why, logs2)
			}
			sameDataset(t, s2.Current().Dataset(), fresh)
			if want := NewSnapshot(fresh, 0).Version; s2.Current().Version != want {
				t.Errorf("version %q, from a fresh load %q", s2.Current().Version, want)
			}
			if again := waitSnapshot(t, dir, logs2); again == "" {
				t.Fatal("no new snapshot")
			}
			s2.Close()
			requireSnapshotUsed(t, dir, fresh)
		})
	}
}

// TestBinarySnapshotJournal: the journal of edits is replayed over a
// snapshot as over the GeoJSON it stands for.
func TestBinarySnapshotJournal(t *testing.T) {
	dir := builtInFolder(t)
	s, logs := openLogged(t, dir)
	waitSnapshot(t, dir, logs)
	patch := []byte(`{"properties":{"name":"温州港（改）"}}`)
	if _, err := s.Apply(context.Background(), "test", []Change{{Op: OpPatch, Layer: Ports, ID: "wenzhou-port", Patch: patch}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(context.Background(), "test", []Change{{Op: OpDelete, Layer: Ports, ID: "ningbo-zhoushan-port"}}); err != nil {
		t.Fatal(err)
	}
	want := s.Current()
	s.Close()

	s2, logs2 := openLogged(t, dir)
	defer s2.Close()
	if !strings.Contains(logs2.String(), "loaded the binary snapshot") {
		t.Fatalf("the snapshot was not used; log:\n%s", logs2)
	}
	got := s2.Current()
	if got.Version != want.Version {
		t.Errorf("version after replay %q, before the restart %q", got.Version, want.Version)
	}
	sameDataset(t, got.Dataset(), want.Dataset())
	lv := got.Layer(Ports)
	if r, ok := lv.Lookup("wenzhou-port"); !ok || lv.Feature(r).Properties["name"] != "温州港（改）" {
		t.Error("the patch was not replayed over the snapshot")
	}
	if _, ok := lv.Lookup("ningbo-zhoushan-port"); ok {
		t.Error("the deletion was not replayed over the snapshot")
	}
}

func replaceInFile(t *testing.T, path, old, new string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(raw, []byte(old), []byte(new), 1)
	if bytes.Equal(edited, raw) {
		t.Fatalf("fixture: %q not found in %s", old, path)
	}
	if err := os.WriteFile(path, edited, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBinarySnapshotDeferred: with DeferBinarySnapshot nothing is written
// until WriteDeferredSnapshot, and then the snapshot is the same; with
// NoBinarySnapshot none is read or written.
func TestBinarySnapshotDeferred(t *testing.T) {
	dir := builtInFolder(t)
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := OpenFiles(dir, FileOptions{NoSync: true, Logger: logger, DeferBinarySnapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if files := snapshotFiles(filepath.Join(dir, StateDir)); len(files) != 0 {
		t.Fatalf("a deferred snapshot was written before it was asked for: %v", files)
	}
	s.WriteDeferredSnapshot()
	waitSnapshot(t, dir, &logs)
	s.WriteDeferredSnapshot() // a second call does nothing
	s.Close()

	var logs2 syncBuffer
	s2, err := OpenFiles(dir, FileOptions{NoSync: true, NoBinarySnapshot: true, Logger: slog.New(slog.NewTextHandler(&logs2, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
	if strings.Contains(logs2.String(), "binary snapshot") {
		t.Errorf("NoBinarySnapshot still used the snapshot:\n%s", logs2.String())
	}
	s3, logs3 := openLogged(t, dir)
	defer s3.Close()
	if !strings.Contains(logs3.String(), "loaded the binary snapshot") {
		t.Fatalf("the deferred snapshot is not used; log:\n%s", logs3)
	}
}

// BenchmarkBinarySnapshot: loading a generated folder from its GeoJSON
// (parse and validate) against loading it from its binary snapshot (hash
// the files, decode), and writing the snapshot, in one run.
func BenchmarkBinarySnapshot(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "gen")
	if err := WriteDir(Generate(GenOptions{Features: 20000, Seed: 7}), dir); err != nil {
		b.Fatal(err)
	}
	ds, err := LoadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	var digests []fileDigest
	for _, l := range ds.Layers {
		digests = append(digests, l.digest)
	}
	slices.SortFunc(digests, func(a, b fileDigest) int { return strings.Compare(a.File, b.File) })
	state := filepath.Join(dir, StateDir)
	if err := os.MkdirAll(state, 0o755); err != nil {
		b.Fatal(err)
	}
	if _, err := writeBinarySnapshot(state, ds, digests, false, true, nil); err != nil {
		b.Fatal(err)
	}
	b.Run("geojson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := LoadDir(dir); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("snapshot", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if got, _, err := loadBinarySnapshot(dir, LoadOptions{}); err != nil || got == nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("write", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := writeBinarySnapshot(state, ds, digests, false, true, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// requireSnapshotUsed opens the store of dir and requires that it loaded
// the binary snapshot (which a start before wrote) and serves want.
func requireSnapshotUsed(t *testing.T, dir string, want *Dataset) {
	t.Helper()
	s, logs := openLogged(t, dir)
	defer s.Close()
	if !strings.Contains(logs.String(), "loaded the binary snapshot") {
		t.Fatalf("the new snapshot is not used; log:\n%s", logs)
	}
	sameDataset(t, s.Current().Dataset(), want)
}

// TestBinarySnapshotLookups: the ids, id positions and property names the
// snapshot's decoding collects for a layer's base are those newLayerBase
// finds going through the features itself, for ids in the properties, in
// the feature's id, of other types, missing, repeated (the last one wins)
// and nested (not an id), over several blocks.
func TestBinarySnapshotLookups(t *testing.T) {
	var feats []*geojson.Feature
	for i := range 2*binSnapBlock + 7 {
		f := &geojson.Feature{Type: "Feature", Geometry: orb.Point{float64(i % 90), float64(i % 45)}}
		switch i % 7 {
		case 0:
			f.Properties = geojson.Properties{"id": fmt.Sprintf("p-%d", i), "name": "x"}
			f.ID = "ignored"
		case 1:
			f.Properties = geojson.Properties{"id": float64(i), "kind": "number id"}
			f.ID = fmt.Sprintf("f-%d", i)
		case 2:
			f.ID = fmt.Sprintf("f-%d", i)
		case 3:
			f.ID = float64(i)
			f.Properties = geojson.Properties{"nested": map[string]any{"id": "not-this"}}
		case 4:
			f.Properties = geojson.Properties{"id": fmt.Sprintf("dup-%d", i%3), "extra": true}
		case 5:
			f.Properties = geojson.Properties{}
		case 6:
			f.Properties = geojson.Properties{"id": nil, "a": 1.0, "b": "c"}
			f.ID = "from-member"
		}
		feats = append(feats, f)
	}
	fc := geojson.NewFeatureCollection()
	fc.Features = feats
	ds := &Dataset{Version: "v", Layers: []*Layer{{ID: "things", File: "things.geojson", Features: fc}}}
	stateDir := t.TempDir()
	path, err := writeBinarySnapshot(stateDir, ds, nil, false, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _, _, err := readBinarySnapshot(path)
	if err != nil {
		t.Fatal(err)
	}
	l := got.Layers[0]
	if l.decodedProps() == nil {
		t.Fatal("the decoding collected no lookups")
	}
	decoded := newLayerBase(l, nil, true)
	plain := *l
	plain.propNames = nil
	scratch := newLayerBase(&plain, nil, false)
	if !reflect.DeepEqual(decoded.ids, scratch.ids) {
		t.Errorf("ids differ from FeatureID's")
	}
	if !reflect.DeepEqual(decoded.byID, scratch.byID) {
		t.Errorf("id positions differ:\n got %v\nwant %v", decoded.byID, scratch.byID)
	}
	if !reflect.DeepEqual(decoded.props, scratch.props) {
		t.Errorf("property names %v, want %v", decoded.props, scratch.props)
	}
	if decoded.byID["dup-1"] == 0 || scratch.ids[decoded.byID["dup-1"]] != "dup-1" {
		t.Errorf("a repeated id maps to %d", decoded.byID["dup-1"])
	}
}

// TestBinarySnapshotStopped: a reading stopped (the snapshot is of
// another program) ends with an error, and with every decoder done.
func TestBinarySnapshotStopped(t *testing.T) {
	dir := generatedFolder(t, 3*binSnapBlock)
	s, logs := openLogged(t, dir)
	snap := waitSnapshot(t, dir, logs)
	s.Close()
	f, r, hdr, err := openBinarySnapshot(snap)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stop atomic.Bool
	stop.Store(true)
	if ds, _, err := readSnapshotLayers(r, hdr, fileSize(f), &stop); !errors.Is(err, errSnapshotStopped) || ds != nil {
		t.Fatalf("a stopped reading returned %v, %v", ds, err)
	}
}

// damageBlock rewrites the snapshot file after damage changed the first
// block of its first layer, which begins at raw[at] and holds points
// points and a body of body bytes.
func damageBlock(t *testing.T, snap string, damage func(raw []byte, at, points, body int)) {
	t.Helper()
	raw, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	u32 := func(at int) int { return int(binary.LittleEndian.Uint32(raw[at:])) }
	at := len(binSnapMagic) + 4
	at += 4 + u32(at) + 4 // header and its CRC
	at += 4 + u32(at) + 4 // the first layer's metadata and its CRC
	body, points := u32(at), u32(at+4)
	if body == 0 || points < 2 {
		t.Fatalf("the first block has %d bytes and %d points", body, points)
	}
	damage(raw, at, points, body)
	if err := os.WriteFile(snap, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBinarySnapshotSlabs: the geometries and numbers a block's decoding
// carves from shared slabs behave as values of their own: equal (==, as
// interface values) to the same values converted by the compiler, and
// appending to one feature's rings, polygons or lines, or changing what
// the append returned, leaves every other feature as it was decoded.
func TestBinarySnapshotSlabs(t *testing.T) {
	var feats []*geojson.Feature
	for i := range 3 * slabChunk {
		x := float64(i)
		var g orb.Geometry
		switch i % 4 {
		case 0:
			g = orb.Point{x, -x}
		case 1:
			g = orb.LineString{{x, 0}, {x, 1}}
		case 2:
			g = orb.Polygon{{{x, 0}, {x + 1, 0}, {x, 1}, {x, 0}}}
		default:
			g = orb.MultiPolygon{{{{x, 0}, {x + 1, 0}, {x, 1}, {x, 0}}}, {}}
		}
		feats = append(feats, &geojson.Feature{Type: "Feature", Geometry: g,
			Properties: geojson.Properties{"n": x, "half": x + 0.5}})
	}
	var e blockEncoder
	points, payload, err := e.encode(feats)
	if err != nil {
		t.Fatal(err)
	}
	var d blockDecoder
	got, err := d.decode(slices.Clone(points), bytes.Clone(payload))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range got {
		if f.Geometry == nil || !reflect.DeepEqual(f.Geometry, feats[i].Geometry) {
			t.Fatalf("feature %d: geometry %v, want %v", i, f.Geometry, feats[i].Geometry)
		}
		if p, ok := feats[i].Geometry.(orb.Point); ok && f.Geometry != orb.Geometry(p) {
			t.Fatalf("feature %d: %v != %v as interface values", i, f.Geometry, p)
		}
		if f.Properties["n"] != any(float64(i)) || f.Properties["half"] != any(float64(i)+0.5) {
			t.Fatalf("feature %d: properties %v", i, f.Properties)
		}
	}
	// Grow every feature's slices in place where they allow it, and
	// scribble over what the appends return.
	for _, f := range got {
		switch g := f.Geometry.(type) {
		case orb.LineString:
			g = append(g, orb.Point{-1, -1})
			g[0] = orb.Point{-2, -2}
		case orb.Polygon:
			g = append(g, orb.Ring{{-1, -1}})
			g[0] = nil
		case orb.MultiPolygon:
			g = append(g, orb.Polygon{})
			g[0] = nil
		}
	}
	for i, f := range got {
		if !reflect.DeepEqual(f.Geometry, feats[i].Geometry) {
			t.Fatalf("feature %d changed by another's append: %v, want %v", i, f.Geometry, feats[i].Geometry)
		}
	}
}
