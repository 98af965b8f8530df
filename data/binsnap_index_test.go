package data

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/planmap/planmap/geo"
)

// TestBinarySnapshotIndexes: every layer's spatial index is read from the
// snapshot (not built), and answers random boxes exactly as brute force
// over the features of a fresh GeoJSON load and as an index built from
// them; the property names the decoding collects are those of the
// features.
func TestBinarySnapshotIndexes(t *testing.T) {
	dir := generatedFolder(t, 3*binSnapBlock)
	s, logs := openLogged(t, dir)
	waitSnapshot(t, dir, logs)
	s.Close()
	fresh, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	direct, load, err := loadBinarySnapshot(dir, LoadOptions{})
	if err != nil || direct == nil {
		t.Fatalf("reading the snapshot: %v", err)
	}
	if load.indexes != len(direct.Layers) {
		t.Fatalf("%d indexes read for %d layers", load.indexes, len(direct.Layers))
	}
	rng := rand.New(rand.NewSource(3))
	for i, l := range direct.Layers {
		fl := fresh.Layers[i]
		if l.builtIndex() == nil {
			t.Fatalf("layer %s: no index read from the snapshot", l.ID)
		}
		ix := l.spatialIndex()
		if ix != l.builtIndex() {
			t.Fatalf("layer %s: the index read is not the one used", l.ID)
		}
		feats := fl.Features.Features
		built := geo.NewIndex(feats)
		if ix.Len() != len(feats) || ix.Bound() != built.Bound() {
			t.Fatalf("layer %s: %d features, bound %v; built %d %v", l.ID, ix.Len(), ix.Bound(), len(feats), built.Bound())
		}
		ext := built.Bound()
		hits := 0
		for range 300 {
			w := (ext.Max[0] - ext.Min[0]) * math.Pow(10, -3*rng.Float64())
			h := (ext.Max[1] - ext.Min[1]) * math.Pow(10, -3*rng.Float64())
			x := ext.Min[0] + rng.Float64()*(ext.Max[0]-ext.Min[0]) - w/2
			y := ext.Min[1] + rng.Float64()*(ext.Max[1]-ext.Min[1]) - h/2
			b := orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + w, y + h}}
			var want []int
			for j, f := range feats {
				if geo.IntersectsBound(f.Geometry, b) {
					want = append(want, j)
				}
			}
			got := ix.Query(b, nil)
			if !slices.Equal(got, want) {
				t.Fatalf("layer %s box %v: the snapshot's index finds %d features, brute force %d", l.ID, b, len(got), len(want))
			}
			if again := built.Query(b, nil); !slices.Equal(got, again) {
				t.Fatalf("layer %s box %v: the snapshot's index and a built one differ", l.ID, b)
			}
			if n := ix.Count(b); n != len(want) {
				t.Fatalf("layer %s box %v: Count %d, brute force %d", l.ID, b, n, len(want))
			}
			hits += len(want)
		}
		if hits == 0 {
			t.Fatalf("layer %s: no box hit a feature: the test is not testing", l.ID)
		}
		names := map[string]bool{}
		for _, f := range feats {
			for k := range f.Properties {
				names[k] = true
			}
		}
		if got := l.propertyNames(); len(got) != len(names) || !mapsEqual(got, names) {
			t.Errorf("layer %s: property names %v, the features have %v", l.ID, got, names)
		}
	}
	// A copy of a layer with other features does not take its index.
	l := direct.Layers[0]
	other := *l
	fc := *l.Features
	fc.Features = slices.Clone(l.Features.Features[:len(l.Features.Features)-1])
	other.Features = &fc
	if other.builtIndex() != nil || other.propertyNames() != nil || other.spatialIndex().Len() != len(fc.Features) {
		t.Fatal("a copy of a layer with other features uses the layer's index or property names")
	}
}

func mapsEqual(a, b map[string]bool) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

// indexSections returns where each layer's index section begins in a
// snapshot file's bytes, walking its layout.
func indexSections(t *testing.T, raw []byte) []int {
	t.Helper()
	u32 := func(at int) int { return int(binary.LittleEndian.Uint32(raw[at:])) }
	at := len(binSnapMagic) + 4
	at += 4 + u32(at) + 4 // header and its CRC
	var out []int
	for at < len(raw) {
		at += 4 + u32(at) + 4 // layer metadata and its CRC
		for {
			n, points := u32(at), u32(at+4)
			at += 12
			if n == 0 {
				break
			}
			at += 16*points + n
		}
		out = append(out, at)
		starts, sizes := indexArrays(raw, at)
		at = starts[4] + sizes[4] + 4
	}
	if at != len(raw) {
		t.Fatalf("the walk ends at %d of %d bytes", at, len(raw))
	}
	return out
}

// indexArrays returns, for the index section at `at`, where each of its
// five arrays' bytes begin and how many bytes each has.
func indexArrays(raw []byte, at int) (starts, sizes []int) {
	at += 8
	for k := range 5 {
		n := int(binary.LittleEndian.Uint64(raw[at:]))
		at += 8
		b := n * []int{8, 8, 4, 4, 8}[k]
		starts, sizes = append(starts, at), append(sizes, b)
		at += b + 4
	}
	return starts, sizes
}

// TestBinarySnapshotIndexCorrupt: an index section whose bytes are
// damaged (its checksum then fails), or changed with its checksum made
// to match (the index check then fails), or of another index format,
// makes the snapshot unreadable: the GeoJSON is loaded, the same data
// served, and a new snapshot written and used at the next start.
func TestBinarySnapshotIndexCorrupt(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(raw []byte, section int)
		why    string
	}{
		{"run box flipped", func(raw []byte, at int) {
			starts, sizes := indexArrays(raw, at)
			raw[starts[4]+sizes[4]/2] ^= 0x10
		}, "checksum"},
		{"leaf box moved, checksum fixed", func(raw []byte, at int) {
			starts, sizes := indexArrays(raw, at)
			b := raw[starts[1] : starts[1]+sizes[1]]
			v := math.Float64frombits(binary.LittleEndian.Uint64(b))
			binary.LittleEndian.PutUint64(b, math.Float64bits(v-0.5))
			binary.LittleEndian.PutUint32(raw[starts[1]+sizes[1]:], crc32.Checksum(b, crcTable))
		}, "not the union of its children"},
		{"refs swapped, checksum fixed", func(raw []byte, at int) {
			starts, sizes := indexArrays(raw, at)
			b := raw[starts[2] : starts[2]+sizes[2]]
			var first [4]byte
			copy(first[:], b[:4])
			copy(b[:4], b[4:8])
			copy(b[4:8], first[:])
			binary.LittleEndian.PutUint32(raw[starts[2]+sizes[2]:], crc32.Checksum(b, crcTable))
		}, "run boxes are not its geometry's"},
		{"another index format", func(raw []byte, at int) {
			binary.LittleEndian.PutUint32(raw[at:], binSnapIndexFormat+1)
		}, "format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := builtInFolder(t)
			s, logs := openLogged(t, dir)
			snap := waitSnapshot(t, dir, logs)
			s.Close()
			raw, err := os.ReadFile(snap)
			if err != nil {
				t.Fatal(err)
			}
			sections := indexSections(t, raw)
			if len(sections) != 5 {
				t.Fatalf("%d index sections, want one for each of the 5 layers", len(sections))
			}
			tc.change(raw, sections[0])
			if err := os.WriteFile(snap, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			fresh, err := LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			s2, logs2 := openLogged(t, dir)
			defer s2.Close()
			out := logs2.String()
			if strings.Contains(out, "loaded the binary snapshot") || !strings.Contains(out, "cannot be read") || !strings.Contains(out, tc.why) {
				t.Fatalf("log does not say the snapshot cannot be read because of %q:\n%s", tc.why, out)
			}
			sameDataset(t, s2.Current().Dataset(), fresh)
			waitSnapshot(t, dir, logs2)
			s2.Close()
			requireSnapshotUsed(t, dir, fresh)
		})
	}
}

// TestBinarySnapshotTrustsStat: a layer file whose stat is the one the
// snapshot recorded is not hashed again; one touched (another mtime, the
// same content) is hashed and the snapshot still used; one rewritten to
// the same size with its modification time set back is hashed, found
// changed, and the GeoJSON loaded.
func TestBinarySnapshotTrustsStat(t *testing.T) {
	dir := builtInFolder(t)
	time.Sleep(racyMargin + 200*time.Millisecond) // so the files' stats are not racy
	s, logs := openLogged(t, dir)
	snap := waitSnapshot(t, dir, logs)
	s.Close()
	_, hdr, _, err := readBinarySnapshot(snap)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range hdr.Files {
		if f.Stat == nil || len(f.State) == 0 {
			t.Fatalf("%s: no stat recorded", f.File)
		}
	}
	open := func(wantLoaded bool, wantHashed string) string {
		t.Helper()
		s, logs := openLogged(t, dir)
		defer s.Close()
		out := logs.String()
		if strings.Contains(out, "loaded the binary snapshot") != wantLoaded || (wantHashed != "" && !strings.Contains(out, wantHashed)) {
			t.Fatalf("want loaded %v, %q; log:\n%s", wantLoaded, wantHashed, out)
		}
		fresh, err := LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		sameDataset(t, s.Current().Dataset(), fresh)
		if wantLoaded {
			return out
		}
		waitSnapshot(t, dir, logs)
		return out
	}
	open(true, "files_hashed=0")

	ports := filepath.Join(dir, "ports.geojson")
	now := time.Now()
	if err := os.Chtimes(ports, now, now); err != nil {
		t.Fatal(err)
	}
	open(true, "files_hashed=1")

	st, err := os.Stat(ports)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(ports)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(raw, []byte(`"operational"`), []byte(`"planned"    `), 1)
	if len(edited) != len(raw) || bytes.Equal(edited, raw) {
		t.Fatal("fixture: no status to change in ports.geojson")
	}
	if err := os.WriteFile(ports, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(ports, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	if after, err := os.Stat(ports); err != nil || after.Size() != st.Size() || !after.ModTime().Equal(st.ModTime()) {
		t.Fatalf("fixture: the edit changed the size or the mtime (%v)", err)
	}
	out := open(false, "of other data")
	if !strings.Contains(out, "content differs") {
		t.Errorf("the log does not say a file's content differs:\n%s", out)
	}
}

// TestCleanStat: a stat is recorded only when it did not change during
// the reading and the file's last change is older than racyMargin.
func TestCleanStat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.geojson")
	if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := statOf(st); !ok {
		t.Skip("this system's stat has no change time and inode: nothing is trusted")
	}
	if got := cleanStat(st, st, time.Now()); got != nil {
		t.Errorf("a file written just now is trusted: %+v", got)
	}
	later := time.Now().Add(racyMargin + time.Second)
	if got := cleanStat(st, st, later); got == nil || got.Size != 2 {
		t.Errorf("an old enough file is not trusted: %+v", got)
	}
	if err := os.WriteFile(path, []byte("{ }"), 0o644); err != nil {
		t.Fatal(err)
	}
	st2, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := cleanStat(st, st2, later); got != nil {
		t.Errorf("a file that changed while read is trusted: %+v", got)
	}
}

// TestSnapshotGCRestored: the collector's settings are what they were
// once a store is opened from a snapshot (they are paused while it is
// read), also when two stores open at once.
func TestSnapshotGCRestored(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set: the snapshot load leaves the collector alone")
	}
	dirs := []string{builtInFolder(t), builtInFolder(t)}
	for _, dir := range dirs {
		s, logs := openLogged(t, dir)
		waitSnapshot(t, dir, logs)
		s.Close()
	}
	prev := debug.SetGCPercent(77)
	prevLimit := debug.SetMemoryLimit(5 << 30)
	defer func() {
		debug.SetGCPercent(prev)
		debug.SetMemoryLimit(prevLimit)
	}()
	var wg sync.WaitGroup
	for _, dir := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, logs := openLogged(t, dir)
			defer s.Close()
			if !strings.Contains(logs.String(), "loaded the binary snapshot") {
				t.Errorf("the snapshot was not used; log:\n%s", logs)
			}
		}()
	}
	wg.Wait()
	if got := debug.SetGCPercent(77); got != 77 {
		t.Errorf("GC percent %d after the loads, want 77", got)
	}
	if got := debug.SetMemoryLimit(5 << 30); got != 5<<30 {
		t.Errorf("memory limit %d after the loads, want %d", got, 5<<30)
	}
}
