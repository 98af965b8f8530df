package data

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/geo"
)

// This file keeps a binary copy of a loaded data folder beside it, so a
// restart or a new replica reads the layers without parsing and validating
// their GeoJSON again: DIR/.planmap/snapshot-VERSION.bin.
//
// The copy holds the layer files' content as loaded and validated (the
// journal of edits is replayed on top, as after a GeoJSON load), and each
// layer's spatial index (binsnap_index.go). It is
// used only when it was written by the same planmap executable, with the
// same CRS converter setting, for the same *.geojson files and sidecars:
// each file's SHA-256 (with its sidecar's) must equal the one recorded,
// computed again at every start for every file whose stat is not the one
// recorded when it was hashed (see cleanStat for that trust model; the
// sidecars are always hashed). A snapshot that is truncated,
// corrupt (every block carries a CRC-32C), of another format version or
// of other data is ignored with a logged reason and the GeoJSON is loaded
// as usual, and a new snapshot written.
//
// Layout, little-endian:
//
//	magic "PLANMAPSNAP\x00", format uint32, header length uint32,
//	header (JSON: binSnapHeader), header CRC-32C uint32,
//	then for each layer: meta length uint32, meta (JSON: binSnapLayer),
//	meta CRC-32C uint32, and its features in blocks: body length uint32,
//	point count uint32, CRC-32C uint32 (of the points' bytes and then the
//	body's), the points, the body; a block of body length 0 ends the
//	layer's features, and its index section (binsnap_index.go) follows.
//
// A block's points are every coordinate of its features as one flat
// array of float64 pairs, read straight into the memory the features'
// geometry keeps. Its body holds its own string table (every property
// key and string value of its features once) and then the features, each
// its id, geometry (type tags and counts; the points come from the flat
// array in order), properties, bbox and foreign members.

const (
	binSnapMagic  = "PLANMAPSNAP\x00"
	binSnapFormat = 3
	binSnapPrefix = "snapshot-"
	binSnapSuffix = ".bin"
	// binSnapBlock is how many features a block holds: blocks are decoded
	// in parallel.
	binSnapBlock = 2048
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// binSnapHeader says what a snapshot was made from.
type binSnapHeader struct {
	Program   string       `json:"program"`
	Converter bool         `json:"converter"`
	Version   string       `json:"version"`
	Files     []fileDigest `json:"files"`
	Layers    int          `json:"layers"`
	Features  int          `json:"features"`
}

// binSnapLayer is one layer's metadata.
type binSnapLayer struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	License     string `json:"license"`
	Attribution string `json:"attribution"`
	CRS         string `json:"crs,omitempty"`
	File        string `json:"file"`
	Hash        string `json:"hash"`
	FileSum     string `json:"file_sum"`
	Features    int    `json:"features"`
}

// fileDigest identifies one layer file and its sidecar.
type fileDigest struct {
	File string `json:"file"`
	Size int64  `json:"size"`
	// SideSize is the sidecar's size, -1 when there is none.
	SideSize int64 `json:"side_size"`
	// Sum is the hex SHA-256 of the file followed by its sidecar.
	Sum string `json:"sum"`
	// Stat is what a stat of the file said when it was read and hashed,
	// when it can be trusted to say the file is unchanged later (see
	// cleanStat); nil otherwise.
	Stat *fileStat `json:"stat,omitempty"`
	// State is the SHA-256 state after the file alone (its
	// encoding.BinaryMarshaler form), to hash the sidecar on top without
	// reading the file again.
	State []byte `json:"state,omitempty"`
}

// sameContent reports whether a and b name the same file and sidecar of
// the same sizes and content (not how they were read).
func (a fileDigest) sameContent(b fileDigest) bool {
	return a.File == b.File && a.Size == b.Size && a.SideSize == b.SideSize && a.Sum == b.Sum
}

// fileStat is what a stat says of a file: when all of it is as it was
// when the file was hashed, the file is taken to be unchanged, as git's
// index does (see cleanStat for the trust model).
type fileStat struct {
	Size    int64  `json:"size"`
	MtimeNs int64  `json:"mtime_ns"`
	CtimeNs int64  `json:"ctime_ns"`
	Ino     uint64 `json:"ino"`
	Dev     uint64 `json:"dev"`
}

// racyMargin is how much older than the start of its reading a file's
// last change must be for its stat to be trusted later (see cleanStat):
// more than the granularity of any file system's timestamps.
const racyMargin = 2 * time.Second

// cleanStat returns the stat a start may trust to skip hashing the file
// again, or nil. before and after are stats taken before the file was
// opened and after it was read in full, readStart the time before the
// first.
//
// The trust model. A snapshot is keyed by the SHA-256 of every layer
// file; hashing 1.5 GB costs seconds of a core at every start, so, like
// git's index, a start hashes only the files whose stat differs from the
// one recorded when they were hashed: size, modification and change time
// in nanoseconds, inode and device. Writing a file, even to the same size
// and with its modification time set back (touch -d, utimes), sets its
// change time to the current time, which the user cannot set; replacing
// it (a rename, a copy) gives it another inode or device. The stat is
// recorded only when it was the same before and after the reading and
// the file's last change is older than the reading by racyMargin, so a
// write during or just after the reading, within one tick of the file
// system's clock, cannot leave a stat equal to the recorded one (git's
// "racily clean" entries). What this trusts: that the kernel keeps the
// change time (a tool that rewrites the block device under a mounted file
// system, or a network file system whose server reports stale attributes,
// defeats it) and that nobody forges the snapshot's header (anyone who
// can write it can also write the layer files). The sidecar, small, is
// hashed at every start.
func cleanStat(before, after fs.FileInfo, readStart time.Time) *fileStat {
	b, ok1 := statOf(before)
	a, ok2 := statOf(after)
	if !ok1 || !ok2 || a != b {
		return nil
	}
	limit := readStart.Add(-racyMargin).UnixNano()
	if b.MtimeNs >= limit || b.CtimeNs >= limit {
		return nil
	}
	return &b
}

// programIdentity identifies the running executable by its content, so a
// snapshot is read only by the planmap that wrote it (another one may
// validate differently).
var programIdentity = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
})

// digestDir computes the fileDigest of every *.geojson file of dir, in
// name order, in parallel, reading each file once in pieces; fileSums
// holds each file's own SHA-256. A file whose stat is the one known
// records (a snapshot's header) is not read: its SHA-256 state is taken
// from there and only its sidecar is hashed on top (see cleanStat);
// hashed counts the files read.
func digestDir(dir string, limit int64, known []fileDigest) (digests []fileDigest, fileSums map[string]string, hashed int, err error) {
	fsys := newOSDirFS(dir)
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, nil, 0, err
	}
	byName := make(map[string]fileDigest, len(known))
	for _, d := range known {
		byName[d.File] = d
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".geojson") {
			digests = append(digests, fileDigest{File: e.Name()})
		}
	}
	sums := make([]string, len(digests))
	errs := make([]error, len(digests))
	var reads atomic.Int64
	parallelChunks(len(digests), 1, func() func(lo, hi int) {
		var buf []byte
		return func(lo, _ int) {
			d := &digests[lo]
			var h hash.Hash
			if k, ok := byName[d.File]; ok {
				h = trustedState(fsys, k)
			}
			if h != nil {
				d.Size = byName[d.File].Size
			} else {
				reads.Add(1)
				if buf == nil {
					buf = make([]byte, 1<<20)
				}
				f, err := openDataFile(fsys, d.File, limit)
				if err != nil {
					errs[lo] = fmt.Errorf("%s: %w", d.File, err)
					return
				}
				defer f.Close()
				h = sha256.New()
				n, err := io.CopyBuffer(h, io.LimitReader(f, limit+1), buf)
				if err != nil || n > limit {
					errs[lo] = fmt.Errorf("%s: reading: %v", d.File, err)
					return
				}
				d.Size = n
			}
			sums[lo] = hex.EncodeToString(h.Sum(nil))
			d.SideSize = -1
			side, err := readDataFile(fsys, strings.TrimSuffix(d.File, ".geojson")+".json", MaxSidecarBytes)
			if err == nil {
				h.Write(side)
				d.SideSize = int64(len(side))
			} else if !errors.Is(err, fs.ErrNotExist) {
				errs[lo] = fmt.Errorf("%s: sidecar: %w", d.File, err)
				return
			}
			d.Sum = hex.EncodeToString(h.Sum(nil))
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, nil, 0, err
	}
	fileSums = make(map[string]string, len(digests))
	for i, d := range digests {
		fileSums[d.File] = sums[i]
	}
	return digests, fileSums, int(reads.Load()), nil
}

// trustedState returns the SHA-256 state after file k.File as k recorded
// it, when the file's stat now is the one k recorded; nil when the file
// must be read.
func trustedState(fsys osDirFS, k fileDigest) hash.Hash {
	if k.Stat == nil || len(k.State) == 0 {
		return nil
	}
	fi, err := fs.Stat(fsys, k.File)
	if err != nil {
		return nil
	}
	now, ok := statOf(fi)
	if !ok || now != *k.Stat || now.Size != k.Size {
		return nil
	}
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(k.State); err != nil {
		return nil
	}
	return h
}

// hashState returns h's state in its encoding.BinaryMarshaler form, or
// nil.
func hashState(h hash.Hash) []byte {
	m, ok := h.(encoding.BinaryMarshaler)
	if !ok {
		return nil
	}
	b, err := m.MarshalBinary()
	if err != nil {
		return nil
	}
	return b
}

// snapshotFiles lists the snapshot files in the state folder.
func snapshotFiles(stateDir string) []string {
	matches, _ := filepath.Glob(filepath.Join(stateDir, binSnapPrefix+"*"+binSnapSuffix))
	sort.Strings(matches)
	return matches
}

// errSnapshotAbandoned says the store closed before the snapshot was
// written.
var errSnapshotAbandoned = errors.New("data: the store closed before the snapshot was written")

// errSnapshotStale says the snapshot is sound but of other data.
var errSnapshotStale = errors.New("it was made from other data or by another planmap")

// snapshotLoad says how a snapshot was loaded.
type snapshotLoad struct {
	// path is the snapshot's file, "" when there is none.
	path string
	// hashed is how many layer files were read to hash them (those whose
	// stat differs from the one recorded).
	hashed int
	// indexes is how many layers' spatial indexes were read (every one).
	indexes int
}

// loadBinarySnapshot loads the dataset of dir from its snapshot. It
// returns a nil dataset and no error when there is none.
func loadBinarySnapshot(dir string, opts LoadOptions) (*Dataset, snapshotLoad, error) {
	var load snapshotLoad
	files := snapshotFiles(filepath.Join(dir, StateDir))
	if len(files) == 0 {
		return nil, load, nil
	}
	load.path = files[len(files)-1]
	f, r, hdr, err := openBinarySnapshot(load.path)
	if err != nil {
		return nil, load, err
	}
	defer f.Close()
	// What costs nothing first: the options and the files' names and
	// sizes. The program's identity (a hash of the executable, a tenth of
	// a second) is computed while the first blocks are decoded, which
	// stop as soon as it differs.
	if hdr.Converter != (opts.Converter != nil) || !sameFileSizes(dir, hdr.Files) {
		return nil, load, errSnapshotStale
	}
	var otherProgram atomic.Bool
	identified := make(chan struct{})
	go func() {
		defer close(identified)
		if hdr.Program != programIdentity() {
			otherProgram.Store(true)
		}
	}()
	// Then the files' content, hashed (those whose stat changed) while
	// the layers are decoded.
	type digestResult struct {
		digests []fileDigest
		sums    map[string]string
		hashed  int
		err     error
	}
	digested := make(chan digestResult, 1)
	go func() {
		d, s, n, err := digestDir(dir, opts.maxFileBytes(), hdr.Files)
		digested <- digestResult{d, s, n, err}
	}()
	ds, metas, err := readSnapshotLayers(r, hdr, fileSize(f), &otherProgram)
	<-identified
	dr := <-digested
	if otherProgram.Load() {
		return nil, load, errSnapshotStale
	}
	load.hashed = dr.hashed
	if dr.err == nil && !sameDigests(hdr.Files, dr.digests) {
		dr.err = errors.New("a file's content differs")
	}
	if dr.err != nil {
		return nil, load, fmt.Errorf("%w (%v)", errSnapshotStale, dr.err)
	}
	if err != nil {
		return nil, load, err
	}
	for i, l := range ds.Layers {
		l.fileSum = dr.sums[metas[i].File]
		if l.fileSum != metas[i].FileSum {
			return nil, load, errSnapshotStale
		}
		if l.index != nil {
			load.indexes++
		}
	}
	ds.Source = dir
	return ds, load, nil
}

// snapshotGC pauses the collector for the reading and indexing of dir's
// binary snapshot, and returns the function that restores it (which may
// be called more than once). Reading a snapshot leaves next to no
// garbage (block buffers are reused), so a collection would only mark,
// again and again as the heap grows, what stays live: at a million
// features that was a fifth of the start-up's CPU. A memory limit of
// what the decoded snapshot can take (snapshotHeapRatio times its size,
// beyond the heap in use now) lets the collector run should a snapshot
// take more. It does nothing when GOGC is set, or there is no snapshot.
func snapshotGC(dir string) (restore func()) {
	files := snapshotFiles(filepath.Join(dir, StateDir))
	if os.Getenv("GOGC") != "" || len(files) == 0 {
		return func() {}
	}
	st, err := os.Stat(files[len(files)-1])
	if err != nil {
		return func() {}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	budget := int64(ms.Sys-ms.HeapReleased) + snapshotHeapRatio*st.Size() + 256<<20
	gcPause.Lock()
	defer gcPause.Unlock()
	if gcPause.holders == 0 {
		gcPause.limit = debug.SetMemoryLimit(-1)
		gcPause.percent = debug.SetGCPercent(-1)
		gcPause.budget = 0
	}
	gcPause.holders++
	gcPause.budget += budget
	debug.SetMemoryLimit(min(gcPause.limit, gcPause.budget))
	return sync.OnceFunc(func() {
		gcPause.Lock()
		defer gcPause.Unlock()
		gcPause.holders--
		gcPause.budget -= budget
		if gcPause.holders == 0 {
			debug.SetGCPercent(gcPause.percent)
			debug.SetMemoryLimit(gcPause.limit)
		}
	})
}

// gcPause counts the snapshot loads under way that paused the collector
// (stores opened at once, as tests do): the first saves the settings, the
// last restores them. The collector's settings are the process's, so this
// is too.
var gcPause struct {
	sync.Mutex
	holders       int
	percent       int
	limit, budget int64
}

// snapshotHeapRatio bounds the heap a decoded snapshot and its indexes
// take, as a multiple of the snapshot's size (about 2.5 at a million
// generated features).
const snapshotHeapRatio = 4

// sameFileSizes reports whether dir's *.geojson files are those listed,
// of the sizes listed.
func sameFileSizes(dir string, files []fileDigest) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	i := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".geojson") {
			continue
		}
		if i >= len(files) || files[i].File != e.Name() {
			return false
		}
		st, err := os.Stat(filepath.Join(dir, e.Name()))
		if err != nil || st.Size() != files[i].Size {
			return false
		}
		i++
	}
	return i == len(files)
}

func sameDigests(a, b []fileDigest) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].sameContent(b[i]) {
			return false
		}
	}
	return true
}

// readBinarySnapshot decodes a snapshot file, checking its structure and
// every block's checksum (not whether it matches the folder).
func readBinarySnapshot(path string) (*Dataset, *binSnapHeader, []binSnapLayer, error) {
	f, r, hdr, err := openBinarySnapshot(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	ds, metas, err := readSnapshotLayers(r, hdr, fileSize(f), nil)
	return ds, hdr, metas, err
}

// fileSize returns f's size, or the largest one when a stat fails.
func fileSize(f *os.File) int64 {
	st, err := f.Stat()
	if err != nil {
		return math.MaxInt64
	}
	return st.Size()
}

// openBinarySnapshot opens a snapshot and reads its header.
func openBinarySnapshot(path string) (*os.File, *bufio.Reader, *binSnapHeader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	hdr, r, err := readSnapshotHeader(f)
	if err != nil {
		f.Close()
		return nil, nil, nil, err
	}
	return f, r, hdr, nil
}

func readSnapshotHeader(f *os.File) (*binSnapHeader, *bufio.Reader, error) {
	r := bufio.NewReaderSize(f, 1<<20)
	head := make([]byte, len(binSnapMagic)+8)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, nil, fmt.Errorf("reading the header: %w", err)
	}
	if string(head[:len(binSnapMagic)]) != binSnapMagic {
		return nil, nil, errors.New("it is not a planmap snapshot")
	}
	if v := binary.LittleEndian.Uint32(head[len(binSnapMagic):]); v != binSnapFormat {
		return nil, nil, fmt.Errorf("it is of format %d, this planmap reads %d", v, binSnapFormat)
	}
	hdrBytes, err := readChecked(r, binary.LittleEndian.Uint32(head[len(binSnapMagic)+4:]), true)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the header: %w", err)
	}
	var hdr binSnapHeader
	if err := json.Unmarshal(hdrBytes, &hdr); err != nil {
		return nil, nil, fmt.Errorf("reading the header: %w", err)
	}
	if hdr.Layers < 0 || hdr.Layers > 1<<16 {
		return nil, nil, fmt.Errorf("the header says %d layers", hdr.Layers)
	}
	return &hdr, r, nil
}

// readSnapshotLayers decodes the layers following the header.
//
// size is the file's size, which bounds what its counts may claim. The
// reading stops early, with an error, once stop (when not nil) is set.
//
// The file is read by one goroutine, which only copies bytes: a layer's
// blocks are decoded by workers while the reading goes on to the layer's
// index and the next layer, and once a layer's blocks are decoded its
// index is checked against its features and its lookup tables built
// (layerProps), while the next layers are decoded, so both cores are
// busy from the first block to the last.
func readSnapshotLayers(r *bufio.Reader, hdr *binSnapHeader, size int64, stop *atomic.Bool) (*Dataset, []binSnapLayer, error) {
	ds := &Dataset{Version: hdr.Version}
	metas := make([]binSnapLayer, hdr.Layers)
	checkErrs := make([]error, hdr.Layers)
	free := make(chan []byte, 3*max(runtime.GOMAXPROCS(0), 1)+2)
	var checks sync.WaitGroup
	defer checks.Wait()
	for i := range hdr.Layers {
		var n [4]byte
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return nil, nil, fmt.Errorf("layer %d: %w", i, err)
		}
		mb, err := readChecked(r, binary.LittleEndian.Uint32(n[:]), true)
		if err != nil {
			return nil, nil, fmt.Errorf("layer %d: %w", i, err)
		}
		m := &metas[i]
		if err := json.Unmarshal(mb, m); err != nil {
			return nil, nil, fmt.Errorf("layer %d: %w", i, err)
		}
		if m.Features < 0 || m.Features > 1<<28 {
			return nil, nil, fmt.Errorf("layer %d: %d features", i, m.Features)
		}
		dec, err := readBlocks(r, m.Features, free, stop)
		if err != nil {
			return nil, nil, fmt.Errorf("layer %s: %w", m.ID, err)
		}
		arrays, err := readIndexSection(r, size)
		if err != nil {
			dec.wait()
			return nil, nil, fmt.Errorf("layer %s: %w", m.ID, err)
		}
		feats := dec.feats
		fc := geojson.NewFeatureCollection()
		fc.Features = feats
		l := &Layer{ID: m.ID, Title: m.Title, Description: m.Description, License: m.License,
			Attribution: m.Attribution, CRS: m.CRS, File: m.File, Hash: m.Hash, Features: fc}
		ds.Layers = append(ds.Layers, l)
		// Once its blocks are decoded, the layer's index is checked
		// against its features and its lookup tables built while the
		// next layers are read.
		checks.Add(1)
		go func() {
			defer checks.Done()
			if err := dec.wait(); err != nil {
				checkErrs[i] = fmt.Errorf("layer %s: %w", m.ID, err)
				return
			}
			// The lookup tables are built while the index is checked,
			// so that the last layers' checks, which nothing else
			// overlaps, take both cores.
			var props *layerProps
			var built sync.WaitGroup
			built.Go(func() { props = newLayerProps(feats, dec.keys, dec.ids) })
			ix, err := geo.IndexFromArrays(feats, arrays)
			built.Wait()
			if err != nil {
				checkErrs[i] = fmt.Errorf("layer %s: %w", m.ID, err)
				return
			}
			l.index = newLayerIndex(feats, ix)
			l.propNames = props
		}()
	}
	checks.Wait()
	if err := errors.Join(checkErrs...); err != nil {
		return nil, nil, err
	}
	var trail [1]byte
	if n, _ := r.Read(trail[:]); n != 0 {
		return nil, nil, errors.New("it has bytes after its last layer")
	}
	return ds, metas, nil
}

// blockChecksum returns the CRC-32C of a block as stored: its points'
// bytes, then its body.
func blockChecksum(points []orb.Point, body []byte) uint32 {
	pb := sliceBytes(points)
	if !littleEndian {
		pb = swapped(pb, 8)
	}
	return crc32.Update(crc32.Checksum(pb, crcTable), crcTable, body)
}

// readPoints reads len(points) points, float64 pairs in the snapshot's
// order, into points.
func readPoints(r io.Reader, points []orb.Point) error {
	b := sliceBytes(points)
	if _, err := io.ReadFull(r, b); err != nil {
		return err
	}
	if !littleEndian {
		copy(b, swapped(b, 8))
	}
	return nil
}

// readChecked reads n bytes, then, when crc is set, their CRC-32C.
func readChecked(r io.Reader, n uint32, crc bool) ([]byte, error) {
	if n > 1<<30 {
		return nil, fmt.Errorf("a length of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	if crc {
		var c [4]byte
		if _, err := io.ReadFull(r, c[:]); err != nil {
			return nil, err
		}
		if binary.LittleEndian.Uint32(c[:]) != crc32.Checksum(b, crcTable) {
			return nil, errors.New("a checksum does not match")
		}
	}
	return b, nil
}

// errSnapshotStopped says the reading of a snapshot was stopped.
var errSnapshotStopped = errors.New("the reading was stopped")

// layerDecode is one layer's blocks being decoded (readBlocks).
type layerDecode struct {
	// feats holds the features, each in its place once wait returns.
	feats []*geojson.Feature
	// ids holds each feature's FeatureID.
	ids []string
	// keys is the union of the features' property names.
	keys map[string]bool

	wg    sync.WaitGroup
	mu    sync.Mutex
	err   error
	errAt int
}

// fail records the error of block i; the first block's error is kept.
func (ld *layerDecode) fail(i int, err error) {
	ld.mu.Lock()
	if ld.errAt < 0 || i < ld.errAt {
		ld.errAt, ld.err = i, fmt.Errorf("block %d: %w", i, err)
	}
	ld.mu.Unlock()
}

// wait waits for every block to be decoded and returns the first
// block's error.
func (ld *layerDecode) wait() error {
	ld.wg.Wait()
	return ld.err
}

// readBlocks reads one layer's blocks and has them decoded in parallel:
// the reading goroutine only copies each block's bytes into a buffer the
// decoders hand back when done (so a layer's reading leaves no gigabyte
// of payloads behind for the collector), the decoders check the CRC and
// decode. It returns once the blocks are read, while they are still
// being decoded (layerDecode.wait); an error of the reading is returned
// after the decoders are done.
//
// free holds the block buffers, shared by every layer of a snapshot: the
// collector is paused while a snapshot is read (snapshotGC), so a buffer
// dropped is memory held until the end.
func readBlocks(r io.Reader, want int, free chan []byte, stop *atomic.Bool) (*layerDecode, error) {
	type job struct {
		i       int
		crc     uint32
		points  []orb.Point
		payload []byte
	}
	workers := max(runtime.GOMAXPROCS(0), 1)
	// Every block but the last holds binSnapBlock features (as written),
	// so each is decoded into its place.
	ld := &layerDecode{feats: make([]*geojson.Feature, want), ids: make([]string, want), keys: map[string]bool{}, errAt: -1}
	jobs := make(chan job, 2*workers)
	for range workers {
		ld.wg.Add(1)
		go func() {
			defer ld.wg.Done()
			d := &blockDecoder{}
			mine := map[string]bool{}
			defer func() {
				ld.mu.Lock()
				for k := range mine {
					ld.keys[k] = true
				}
				ld.mu.Unlock()
			}()
			for j := range jobs {
				var err error
				lo := j.i * binSnapBlock
				if blockChecksum(j.points, j.payload) != j.crc {
					err = errors.New("the checksum does not match")
				} else if lo >= want {
					err = fmt.Errorf("a block beyond the layer's %d features", want)
				} else {
					hi := min(lo+binSnapBlock, want)
					d.ids = ld.ids[lo:hi]
					_, err = d.decodeInto(j.points, j.payload, ld.feats[lo:hi])
					d.ids = nil
					d.propKeys(mine)
				}
				select {
				case free <- j.payload[:0]:
				default:
				}
				if err != nil {
					ld.fail(j.i, err)
				}
			}
		}()
	}
	var readErr error
	blocks := 0
	for i := 0; ; i++ {
		if stop != nil && stop.Load() {
			readErr = errSnapshotStopped
			break
		}
		var h [12]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			readErr = fmt.Errorf("block %d: %w", i, err)
			break
		}
		n, nPoints := binary.LittleEndian.Uint32(h[:4]), binary.LittleEndian.Uint32(h[4:8])
		if n == 0 {
			break
		}
		blocks++
		if n > 1<<30 || nPoints > 1<<26 {
			readErr = fmt.Errorf("block %d: a length of %d bytes and %d points", i, n, nPoints)
			break
		}
		// The points go straight from the file into the slab the
		// features' geometry keeps (one for the block's coordinates).
		points := make([]orb.Point, nPoints)
		if err := readPoints(r, points); err != nil {
			readErr = fmt.Errorf("block %d: %w", i, err)
			break
		}
		var payload []byte
		select {
		case payload = <-free:
		default:
		}
		if uint32(cap(payload)) < n {
			payload = make([]byte, n, n+n/4)
		}
		payload = payload[:n]
		if _, err := io.ReadFull(r, payload); err != nil {
			readErr = fmt.Errorf("block %d: %w", i, err)
			break
		}
		jobs <- job{i, binary.LittleEndian.Uint32(h[8:]), points, payload}
	}
	close(jobs)
	if readErr == nil {
		if wantBlocks := (want + binSnapBlock - 1) / binSnapBlock; blocks != wantBlocks {
			readErr = fmt.Errorf("%d blocks where the layer's %d features make %d", blocks, want, wantBlocks)
		}
	}
	if readErr != nil {
		ld.wait()
		return nil, readErr
	}
	return ld, nil
}

// Value tags.
const (
	tagNull byte = iota
	tagFalse
	tagTrue
	tagFloat
	tagInt // a float64 holding an integer, as a zigzag varint
	tagString
	tagArray
	tagObject
)

// Geometry tags.
const (
	geomNil byte = iota
	geomPoint
	geomMultiPoint
	geomLineString
	geomMultiLineString
	geomPolygon
	geomMultiPolygon
	geomCollection
)

// blockEncoder encodes features into block payloads.
type blockEncoder struct {
	strings map[string]uint32
	table   []string
	points  []orb.Point
	body    []byte
	out     []byte
}

// encode encodes a block of features: its points and its body.
func (e *blockEncoder) encode(feats []*geojson.Feature) ([]orb.Point, []byte, error) {
	if e.strings == nil {
		e.strings = map[string]uint32{}
	}
	clear(e.strings)
	e.table, e.points, e.body = e.table[:0], e.points[:0], e.body[:0]
	for _, f := range feats {
		if f.Type != "Feature" {
			return nil, nil, fmt.Errorf("a feature of type %q", f.Type)
		}
		if err := e.value(f.ID, 0); err != nil {
			return nil, nil, err
		}
		if err := e.geometry(f.Geometry, 0); err != nil {
			return nil, nil, err
		}
		if f.Properties == nil {
			e.body = append(e.body, tagNull)
		} else if err := e.value(map[string]any(f.Properties), 0); err != nil {
			return nil, nil, err
		}
		if f.BBox == nil {
			e.body = binary.AppendUvarint(e.body, 0)
		} else {
			e.body = binary.AppendUvarint(e.body, uint64(len(f.BBox))+1)
			for _, v := range f.BBox {
				e.body = binary.LittleEndian.AppendUint64(e.body, math.Float64bits(v))
			}
		}
		if f.ExtraMembers == nil {
			e.body = append(e.body, tagNull)
		} else if err := e.value(map[string]any(f.ExtraMembers), 0); err != nil {
			return nil, nil, err
		}
	}
	out := e.out[:0]
	out = binary.AppendUvarint(out, uint64(len(e.table)))
	for _, s := range e.table {
		out = binary.AppendUvarint(out, uint64(len(s)))
		out = append(out, s...)
	}
	out = binary.AppendUvarint(out, uint64(len(feats)))
	out = append(out, e.body...)
	e.out = out
	return e.points, out, nil
}

func (e *blockEncoder) str(s string) {
	i, ok := e.strings[s]
	if !ok {
		i = uint32(len(e.table))
		e.strings[s] = i
		e.table = append(e.table, s)
	}
	e.body = binary.AppendUvarint(e.body, uint64(i))
}

func (e *blockEncoder) value(v any, depth int) error {
	if depth > maxJSONDepth {
		return errors.New("a value nested too deep")
	}
	switch v := v.(type) {
	case nil:
		e.body = append(e.body, tagNull)
	case bool:
		if v {
			e.body = append(e.body, tagTrue)
		} else {
			e.body = append(e.body, tagFalse)
		}
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 && !(v == 0 && math.Signbit(v)) {
			e.body = append(e.body, tagInt)
			e.body = binary.AppendVarint(e.body, int64(v))
		} else {
			e.body = append(e.body, tagFloat)
			e.body = binary.LittleEndian.AppendUint64(e.body, math.Float64bits(v))
		}
	case string:
		e.body = append(e.body, tagString)
		e.str(v)
	case []any:
		e.body = append(e.body, tagArray)
		e.body = binary.AppendUvarint(e.body, uint64(len(v)))
		for _, x := range v {
			if err := e.value(x, depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		e.body = append(e.body, tagObject)
		e.body = binary.AppendUvarint(e.body, uint64(len(v)))
		for k, x := range v {
			e.str(k)
			if err := e.value(x, depth+1); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("a value of type %T", v)
	}
	return nil
}

func (e *blockEncoder) line(pts []orb.Point) {
	e.body = binary.AppendUvarint(e.body, uint64(len(pts)))
	e.points = append(e.points, pts...)
}

func (e *blockEncoder) polygon(p orb.Polygon) {
	e.body = binary.AppendUvarint(e.body, uint64(len(p)))
	for _, r := range p {
		e.line(r)
	}
}

func (e *blockEncoder) geometry(g orb.Geometry, depth int) error {
	switch g := g.(type) {
	case nil:
		e.body = append(e.body, geomNil)
	case orb.Point:
		e.body = append(e.body, geomPoint)
		e.points = append(e.points, g)
	case orb.MultiPoint:
		e.body = append(e.body, geomMultiPoint)
		e.line(g)
	case orb.LineString:
		e.body = append(e.body, geomLineString)
		e.line(g)
	case orb.MultiLineString:
		e.body = append(e.body, geomMultiLineString)
		e.body = binary.AppendUvarint(e.body, uint64(len(g)))
		for _, l := range g {
			e.line(l)
		}
	case orb.Polygon:
		e.body = append(e.body, geomPolygon)
		e.polygon(g)
	case orb.MultiPolygon:
		e.body = append(e.body, geomMultiPolygon)
		e.body = binary.AppendUvarint(e.body, uint64(len(g)))
		for _, p := range g {
			e.polygon(p)
		}
	case orb.Collection:
		if depth > 32 {
			return errors.New("geometry collections nested too deep")
		}
		e.body = append(e.body, geomCollection)
		e.body = binary.AppendUvarint(e.body, uint64(len(g)))
		for _, m := range g {
			if err := e.geometry(m, depth+1); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("a geometry of type %T", g)
	}
	return nil
}

// blockDecoder decodes block payloads. A block's strings are boxed once
// and shared by every feature of the block.
type blockDecoder struct {
	b      []byte
	i      int
	table  []string
	boxed  []any
	spans  []struct{ at, n int }
	points []orb.Point
	err    error
	// inProps is set while a feature's properties are decoded, and
	// propKey marks the table's strings that are property names, whose
	// union newLayerBase would otherwise collect from every feature.
	inProps bool
	propKey []bool
	// ids, when set, receives each feature's FeatureID, found while its
	// properties are decoded (id) rather than looked up in every map
	// afterwards.
	ids []string
	id  string
	// hasID says the feature's properties hold an "id" string.
	hasID bool
	// The slabs the features' geometry and numbers are carved from and
	// boxed in (see boxIn): one allocation every chunk of them rather
	// than one or two each.
	rings      slab[orb.Ring]
	polygons   slab[orb.Polygon]
	lines      slab[orb.LineString]
	polygonBox boxSlab[orb.Polygon]
	multiBox   boxSlab[orb.MultiPolygon]
	lineBox    boxSlab[orb.LineString]
	multiLines boxSlab[orb.MultiLineString]
	numbers    slab[float64]
}

// propKeys adds the property names of the block last decoded to set.
func (d *blockDecoder) propKeys(set map[string]bool) {
	for i, used := range d.propKey {
		if used {
			set[d.table[i]] = true
		}
	}
}

// boxString returns *p as an interface value that points at *p itself,
// as the compiler's conversion does for a constant, instead of at a new
// copy of the string's header (a 16-byte allocation each: four million
// at a million generated features). *p must never change afterwards:
// an interface's value is immutable.
func boxString(p *string) any {
	e := eface{typ: stringType, data: unsafe.Pointer(p)}
	return *(*any)(unsafe.Pointer(&e))
}

// eface is the layout of an empty interface value: its dynamic type and
// a pointer to its value.
type eface struct {
	typ, data unsafe.Pointer
}

// iface is the layout of a non-empty interface value (an orb.Geometry):
// its method table for the dynamic type and a pointer to its value.
type iface struct {
	tab, data unsafe.Pointer
}

// slabChunk is how many elements a slab allocates at once.
const slabChunk = 1024

// slab hands out slices of chunks it allocates, so that the many small
// slices a block's features keep (a polygon's rings, the polygons of a
// multipolygon, the boxed copies of geometries and numbers) take one
// allocation a chunk rather than one each. A slice is cut to its length
// (appending to it copies), and a chunk lives as long as any slice of it,
// as a block's points do.
type slab[T any] struct{ free []T }

// take returns n zero elements.
func (s *slab[T]) take(n int) []T {
	if n == 0 {
		return []T{}
	}
	if n > len(s.free) {
		if n > slabChunk/4 {
			return make([]T, n)
		}
		s.free = make([]T, slabChunk)
	}
	t := s.free[:n:n]
	s.free = s.free[n:]
	return t
}

// boxSlab boxes values of one geometry type as orb.Geometry interface
// values that point into a slab rather than each at a copy of its own,
// as boxString does for strings (the compiler's conversion allocates one
// for every value that is not a pointer). A boxed element never changes
// afterwards.
type boxSlab[T orb.Geometry] struct {
	tab  unsafe.Pointer
	slab slab[T]
}

// box returns v as an orb.Geometry whose value is a copy of v in the
// slab.
func (b *boxSlab[T]) box(v T) orb.Geometry {
	if b.tab == nil {
		var g orb.Geometry = *new(T)
		b.tab = (*iface)(unsafe.Pointer(&g)).tab
	}
	p := &b.slab.take(1)[0]
	*p = v
	i := iface{tab: b.tab, data: unsafe.Pointer(p)}
	return *(*orb.Geometry)(unsafe.Pointer(&i))
}

// pointTab is the method table of orb.Point as an orb.Geometry.
var pointTab = func() unsafe.Pointer {
	var g orb.Geometry = orb.Point{}
	return (*iface)(unsafe.Pointer(&g)).tab
}()

// boxPoint returns *p as an orb.Geometry that points at *p itself (an
// element of a block's points, which never changes once read).
func boxPoint(p *orb.Point) orb.Geometry {
	i := iface{tab: pointTab, data: unsafe.Pointer(p)}
	return *(*orb.Geometry)(unsafe.Pointer(&i))
}

// float64Type is the dynamic type word of a float64 in an interface.
var float64Type = func() unsafe.Pointer {
	var v any = 0.5
	return (*eface)(unsafe.Pointer(&v)).typ
}()

// boxFloat returns v as an interface value that points into the
// decoder's slab of numbers.
func (d *blockDecoder) boxFloat(v float64) any {
	p := &d.numbers.take(1)[0]
	*p = v
	e := eface{typ: float64Type, data: unsafe.Pointer(p)}
	return *(*any)(unsafe.Pointer(&e))
}

// stringType is the dynamic type word of a string in an interface.
var stringType = func() unsafe.Pointer {
	var v any = ""
	return (*eface)(unsafe.Pointer(&v)).typ
}()

var errBlockShort = errors.New("the block ends early")

func (d *blockDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b[d.i:])
	if n <= 0 {
		d.fail(errBlockShort)
		return 0
	}
	d.i += n
	return v
}

// count reads a count of items each taking at least size bytes of what
// is left to read.
func (d *blockDecoder) count(size int) int {
	return d.bounded(d.uvarint(), (len(d.b)-d.i)/size)
}

// pointCount reads a count of points of the slab.
func (d *blockDecoder) pointCount() int { return d.bounded(d.uvarint(), len(d.points)) }

func (d *blockDecoder) bounded(v uint64, limit int) int {
	if v > uint64(limit) {
		d.fail(fmt.Errorf("a count of %d where at most %d can follow", v, limit))
		return 0
	}
	return int(v)
}

func (d *blockDecoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.i = len(d.b)
}

func (d *blockDecoder) byte1() byte {
	if d.i >= len(d.b) {
		d.fail(errBlockShort)
		return 0
	}
	c := d.b[d.i]
	d.i++
	return c
}

func (d *blockDecoder) float() float64 {
	if len(d.b)-d.i < 8 {
		d.fail(errBlockShort)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b[d.i:]))
	d.i += 8
	return v
}

func (d *blockDecoder) strIndex() int {
	i := d.uvarint()
	if i >= uint64(len(d.table)) {
		d.fail(fmt.Errorf("string %d of a table of %d", i, len(d.table)))
		return -1
	}
	return int(i)
}

func (d *blockDecoder) decode(points []orb.Point, payload []byte) ([]*geojson.Feature, error) {
	return d.decodeInto(points, payload, nil)
}

// decodeInto decodes a block, its points and its body, into out, which
// must have room for exactly its features; with out nil, into a new
// slice. The features' geometry keeps slices of points.
func (d *blockDecoder) decodeInto(points []orb.Point, payload []byte, out []*geojson.Feature) ([]*geojson.Feature, error) {
	d.b, d.i, d.err = payload, 0, nil
	nStrings := d.count(1)
	d.table, d.boxed = d.table[:0], d.boxed[:0]
	// The strings are slices of one copy of the table's bytes: one
	// allocation a block rather than one a string. A string is in the
	// table once a block, so a value common to every feature (a status,
	// a city) is held once a block, not once a feature.
	//
	// The table is a new slice each block, never changed once filled:
	// the boxed strings (the interface values properties hold) point at
	// its elements rather than each at a copy of its own (boxString).
	type span struct{ at, n int }
	spans := d.spans[:0]
	start := d.i
	for range nStrings {
		n := d.count(1)
		spans = append(spans, span{d.i - start, n})
		d.i += n
	}
	all := string(d.b[start:d.i])
	d.table = make([]string, len(spans))
	for k, sp := range spans {
		d.table[k] = all[sp.at : sp.at+sp.n]
		d.boxed = append(d.boxed, boxString(&d.table[k]))
	}
	d.spans = spans
	d.propKey = append(d.propKey[:0], make([]bool, len(d.table))...)
	// One slab for every coordinate of the block: rings are slices of it.
	d.points = points
	nFeatures := d.count(1)
	if out == nil {
		out = make([]*geojson.Feature, nFeatures)
	} else if len(out) != nFeatures {
		d.fail(fmt.Errorf("%d features in a block where %d were expected", nFeatures, len(out)))
		return nil, d.err
	}
	slab := make([]geojson.Feature, nFeatures)
	for k := range out {
		f := &slab[k]
		f.Type = "Feature"
		f.ID = d.value(0)
		f.Geometry = d.geometry(0)
		d.inProps, d.hasID = true, false
		if p, ok := d.value(0).(map[string]any); ok {
			f.Properties = p
		}
		d.inProps = false
		if d.ids != nil && k < len(d.ids) {
			// FeatureID: the "id" property when it is a string, else
			// the feature's id when it is one.
			id, _ := f.ID.(string)
			if d.hasID {
				id = d.id
			}
			d.ids[k] = id
		}
		if n := d.count(1); n > 0 {
			f.BBox = make(geojson.BBox, n-1)
			for j := range f.BBox {
				f.BBox[j] = d.float()
			}
		}
		if m, ok := d.value(0).(map[string]any); ok {
			f.ExtraMembers = m
		}
		out[k] = f
	}
	if d.err == nil && d.i != len(d.b) {
		d.fail(errors.New("bytes after the last feature"))
	}
	if d.err == nil && len(d.points) != 0 {
		d.fail(fmt.Errorf("%d coordinates left over", len(d.points)))
	}
	d.points = nil
	return out, d.err
}

func (d *blockDecoder) value(depth int) any {
	if depth > maxJSONDepth {
		d.fail(errors.New("a value nested too deep"))
		return nil
	}
	switch tag := d.byte1(); tag {
	case tagNull:
		return nil
	case tagFalse:
		return false
	case tagTrue:
		return true
	case tagFloat:
		return d.boxFloat(d.float())
	case tagInt:
		v, n := binary.Varint(d.b[d.i:])
		if n <= 0 {
			d.fail(errBlockShort)
			return nil
		}
		d.i += n
		return d.boxFloat(float64(v))
	case tagString:
		if i := d.strIndex(); i >= 0 {
			return d.boxed[i]
		}
		return nil
	case tagArray:
		n := d.count(1)
		a := make([]any, n)
		for k := range a {
			a[k] = d.value(depth + 1)
		}
		return a
	case tagObject:
		n := d.count(2)
		m := make(map[string]any, n)
		props := d.inProps && depth == 0
		for range n {
			i := d.strIndex()
			v := d.value(depth + 1)
			if i >= 0 {
				k := d.table[i]
				m[k] = v
				if props {
					d.propKey[i] = true
					if k == "id" {
						d.id, d.hasID = v.(string)
					}
				}
			}
		}
		return m
	default:
		d.fail(fmt.Errorf("unknown value tag %d", tag))
		return nil
	}
}

// take returns the next n points of the slab, as a slice of exactly n.
func (d *blockDecoder) take(n int) []orb.Point {
	if n > len(d.points) {
		d.fail(fmt.Errorf("%d coordinates where %d are left", n, len(d.points)))
		return []orb.Point{}
	}
	pts := d.points[:n:n]
	d.points = d.points[n:]
	return pts
}

func (d *blockDecoder) line() []orb.Point { return d.take(d.pointCount()) }

func (d *blockDecoder) polygon() orb.Polygon {
	p := orb.Polygon(d.rings.take(d.count(1)))
	for k := range p {
		p[k] = d.line()
	}
	return p
}

func (d *blockDecoder) geometry(depth int) orb.Geometry {
	switch tag := d.byte1(); tag {
	case geomNil:
		return nil
	case geomPoint:
		if p := d.take(1); len(p) == 1 {
			return boxPoint(&p[0])
		}
		return orb.Point{}
	case geomMultiPoint:
		return orb.MultiPoint(d.line())
	case geomLineString:
		return d.lineBox.box(orb.LineString(d.line()))
	case geomMultiLineString:
		m := orb.MultiLineString(d.lines.take(d.count(1)))
		for k := range m {
			m[k] = d.line()
		}
		return d.multiLines.box(m)
	case geomPolygon:
		return d.polygonBox.box(d.polygon())
	case geomMultiPolygon:
		m := orb.MultiPolygon(d.polygons.take(d.count(1)))
		for k := range m {
			m[k] = d.polygon()
		}
		return d.multiBox.box(m)
	case geomCollection:
		if depth > 32 {
			d.fail(errors.New("geometry collections nested too deep"))
			return nil
		}
		c := make(orb.Collection, d.count(1))
		for k := range c {
			c[k] = d.geometry(depth + 1)
		}
		return c
	default:
		d.fail(fmt.Errorf("unknown geometry tag %d", tag))
		return nil
	}
}

// writeBinarySnapshot writes ds's snapshot into stateDir atomically (a
// temporary file, fsynced, renamed, the folder fsynced) and removes every
// other snapshot there. stop, when it is closed, abandons the writing.
func writeBinarySnapshot(stateDir string, ds *Dataset, digests []fileDigest, converter bool, noSync bool, stop <-chan struct{}) (string, error) {
	features := 0
	for _, l := range ds.Layers {
		features += len(l.Features.Features)
	}
	hdr, err := json.Marshal(binSnapHeader{Program: programIdentity(), Converter: converter, Version: ds.Version,
		Files: digests, Layers: len(ds.Layers), Features: features})
	if err != nil {
		return "", err
	}
	final := filepath.Join(stateDir, binSnapPrefix+ds.Version+binSnapSuffix)
	tmp, err := os.CreateTemp(stateDir, ".snapshot-*.tmp")
	if err != nil {
		return "", err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o644); err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(tmp, 1<<20)
	var head bytes.Buffer
	head.WriteString(binSnapMagic)
	head.Write(binary.LittleEndian.AppendUint32(nil, binSnapFormat))
	head.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(hdr))))
	head.Write(hdr)
	head.Write(binary.LittleEndian.AppendUint32(nil, crc32.Checksum(hdr, crcTable)))
	w.Write(head.Bytes())
	var enc blockEncoder
	for _, l := range ds.Layers {
		meta, err := json.Marshal(binSnapLayer{ID: l.ID, Title: l.Title, Description: l.Description, License: l.License,
			Attribution: l.Attribution, CRS: l.CRS, File: l.File, Hash: l.Hash, FileSum: l.fileSum, Features: len(l.Features.Features)})
		if err != nil {
			return "", err
		}
		w.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(meta))))
		w.Write(meta)
		w.Write(binary.LittleEndian.AppendUint32(nil, crc32.Checksum(meta, crcTable)))
		feats := l.Features.Features
		for lo := 0; lo < len(feats); lo += binSnapBlock {
			select {
			case <-stop:
				return "", errSnapshotAbandoned
			default:
			}
			points, payload, err := enc.encode(feats[lo:min(lo+binSnapBlock, len(feats))])
			if err != nil {
				return "", fmt.Errorf("layer %s: %w", l.ID, err)
			}
			if len(points) > 1<<26 {
				return "", fmt.Errorf("layer %s: a block of %d points", l.ID, len(points))
			}
			pb := sliceBytes(points)
			if !littleEndian {
				pb = swapped(pb, 8)
			}
			var h [12]byte
			binary.LittleEndian.PutUint32(h[:4], uint32(len(payload)))
			binary.LittleEndian.PutUint32(h[4:8], uint32(len(points)))
			binary.LittleEndian.PutUint32(h[8:], blockChecksum(points, payload))
			w.Write(h[:])
			w.Write(pb)
			w.Write(payload)
		}
		w.Write(make([]byte, 12))
		if err := writeIndexSection(w, l.spatialIndex()); err != nil {
			return "", fmt.Errorf("layer %s: %w", l.ID, err)
		}
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	if !noSync {
		if err := tmp.Sync(); err != nil {
			return "", err
		}
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", err
	}
	ok = true
	if !noSync {
		syncDir(stateDir)
	}
	for _, old := range snapshotFiles(stateDir) {
		if old != final {
			os.Remove(old)
		}
	}
	return final, nil
}
