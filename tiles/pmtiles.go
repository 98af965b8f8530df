package tiles

// PMTiles v3 (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md),
// written and read here from the specification. github.com/protomaps/go-pmtiles
// has the same primitives, but its package also links the AWS, Azure and
// Google Cloud storage SDKs (a 50 MB binary for a header round trip), so it
// serves only the tests, as the independent reader.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// TileSource gives ready-made tiles by coordinates: an archive served in
// place of a Tiler.
type TileSource interface {
	// Get returns tile z/x/y, empty (Tile.Empty) when the source has none.
	Get(ctx context.Context, z, x, y uint32) (*Tile, error)
}

// PMTilesOptions says what WritePMTiles writes (as for MBTiles).
type PMTilesOptions = MBTilesOptions

// PMTiles v3 header and directory constants.
const (
	pmHeaderLen     = 127
	pmRootMax       = 16384 - pmHeaderLen // header and root directory fit in the first 16 KiB
	pmCompressNone  = 1
	pmCompressGzip  = 2
	pmTileTypeMVT   = 1
	pmMaxLeafDepth  = 3
	pmMaxEntryCount = 1 << 24
)

// pmEntry is one directory entry: a run of RunLength tiles from TileID
// sharing the bytes at Offset (relative to the tile data, or, with
// RunLength 0, a leaf directory at Offset in the leaf section).
type pmEntry struct {
	TileID    uint64
	Offset    uint64
	Length    uint32
	RunLength uint32
}

// pmHeader is the fixed 127-byte header.
type pmHeader struct {
	rootOffset, rootLength, metaOffset, metaLength uint64
	leafOffset, leafLength, dataOffset, dataLength uint64
	addressed, entries, contents                   uint64
	clustered                                      bool
	internalCompression, tileCompression, tileType uint8
	minZoom, maxZoom, centerZoom                   uint8
	minLonE7, minLatE7, maxLonE7, maxLatE7         int32
	centerLonE7, centerLatE7                       int32
}

func (h *pmHeader) marshal() []byte {
	b := make([]byte, pmHeaderLen)
	copy(b, "PMTiles")
	b[7] = 3
	le := binary.LittleEndian
	for i, v := range []uint64{h.rootOffset, h.rootLength, h.metaOffset, h.metaLength, h.leafOffset, h.leafLength,
		h.dataOffset, h.dataLength, h.addressed, h.entries, h.contents} {
		le.PutUint64(b[8+8*i:], v)
	}
	if h.clustered {
		b[96] = 1
	}
	b[97], b[98], b[99], b[100], b[101] = h.internalCompression, h.tileCompression, h.tileType, h.minZoom, h.maxZoom
	for i, v := range []int32{h.minLonE7, h.minLatE7, h.maxLonE7, h.maxLatE7} {
		le.PutUint32(b[102+4*i:], uint32(v))
	}
	b[118] = h.centerZoom
	le.PutUint32(b[119:], uint32(h.centerLonE7))
	le.PutUint32(b[123:], uint32(h.centerLatE7))
	return b
}

func parsePMHeader(b []byte) (pmHeader, error) {
	var h pmHeader
	if len(b) < pmHeaderLen || string(b[:7]) != "PMTiles" {
		return h, errors.New("not a PMTiles archive")
	}
	if b[7] != 3 {
		return h, fmt.Errorf("PMTiles version %d, only 3 is supported", b[7])
	}
	le := binary.LittleEndian
	for i, p := range []*uint64{&h.rootOffset, &h.rootLength, &h.metaOffset, &h.metaLength, &h.leafOffset, &h.leafLength,
		&h.dataOffset, &h.dataLength, &h.addressed, &h.entries, &h.contents} {
		*p = le.Uint64(b[8+8*i:])
	}
	h.clustered = b[96] == 1
	h.internalCompression, h.tileCompression, h.tileType, h.minZoom, h.maxZoom = b[97], b[98], b[99], b[100], b[101]
	for i, p := range []*int32{&h.minLonE7, &h.minLatE7, &h.maxLonE7, &h.maxLatE7} {
		*p = int32(le.Uint32(b[102+4*i:]))
	}
	h.centerZoom = b[118]
	h.centerLonE7, h.centerLatE7 = int32(le.Uint32(b[119:])), int32(le.Uint32(b[123:]))
	return h, nil
}

// PMTileID is the PMTiles tile id of z/x/y: the tiles of lower zooms
// first, then the position along the zoom's Hilbert curve.
func PMTileID(z, x, y uint32) uint64 {
	id := (uint64(1)<<(2*z) - 1) / 3 // tiles of the zooms below
	n := uint64(1) << z
	var d uint64
	xx, yy := uint64(x), uint64(y)
	for s := n / 2; s > 0; s /= 2 {
		var rx, ry uint64
		if xx&s != 0 {
			rx = 1
		}
		if yy&s != 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		if ry == 0 {
			if rx == 1 {
				xx, yy = s-1-xx, s-1-yy
			}
			xx, yy = yy, xx
		}
	}
	return id + d
}

// marshalPMEntries writes a directory: the count, then delta-coded tile
// ids, run lengths, lengths and offsets (0 for "right after the previous
// entry", else offset+1), gzip-compressed.
func marshalPMEntries(entries []pmEntry) []byte {
	raw := binary.AppendUvarint(nil, uint64(len(entries)))
	last := uint64(0)
	for _, e := range entries {
		raw = binary.AppendUvarint(raw, e.TileID-last)
		last = e.TileID
	}
	for _, e := range entries {
		raw = binary.AppendUvarint(raw, uint64(e.RunLength))
	}
	for _, e := range entries {
		raw = binary.AppendUvarint(raw, uint64(e.Length))
	}
	for i, e := range entries {
		if i > 0 && e.Offset == entries[i-1].Offset+uint64(entries[i-1].Length) {
			raw = binary.AppendUvarint(raw, 0)
		} else {
			raw = binary.AppendUvarint(raw, e.Offset+1)
		}
	}
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(raw)
	w.Close()
	return buf.Bytes()
}

func parsePMEntries(b []byte, compression uint8) ([]pmEntry, error) {
	var r io.Reader = bytes.NewReader(b)
	switch compression {
	case pmCompressGzip:
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, err
		}
		r = zr
	case pmCompressNone:
	default:
		return nil, fmt.Errorf("directory compression %d is not supported", compression)
	}
	br := bufio.NewReader(r)
	n, err := binary.ReadUvarint(br)
	if err != nil {
		return nil, err
	}
	if n > pmMaxEntryCount {
		return nil, fmt.Errorf("a directory of %d entries", n)
	}
	entries := make([]pmEntry, n)
	read := func(apply func(i int, v uint64)) error {
		for i := range entries {
			v, err := binary.ReadUvarint(br)
			if err != nil {
				return fmt.Errorf("truncated directory: %w", err)
			}
			apply(i, v)
		}
		return nil
	}
	last := uint64(0)
	for _, step := range []func(int, uint64){
		func(i int, v uint64) { last += v; entries[i].TileID = last },
		func(i int, v uint64) { entries[i].RunLength = uint32(v) },
		func(i int, v uint64) { entries[i].Length = uint32(v) },
		func(i int, v uint64) {
			if v == 0 && i > 0 {
				entries[i].Offset = entries[i-1].Offset + uint64(entries[i-1].Length)
			} else {
				entries[i].Offset = v - 1
			}
		},
	} {
		if err := read(step); err != nil {
			return nil, err
		}
	}
	return entries, nil
}

// findPMEntry returns the entry covering id: an exact tile, a run holding
// it, or the leaf directory (RunLength 0) that may.
func findPMEntry(entries []pmEntry, id uint64) (pmEntry, bool) {
	i, found := slices.BinarySearchFunc(entries, id, func(e pmEntry, id uint64) int {
		switch {
		case e.TileID < id:
			return -1
		case e.TileID > id:
			return 1
		}
		return 0
	})
	if found {
		return entries[i], true
	}
	if i == 0 {
		return pmEntry{}, false
	}
	e := entries[i-1]
	if e.RunLength == 0 || id-e.TileID < uint64(e.RunLength) {
		return e, true
	}
	return pmEntry{}, false
}

// pmDirectories lays the entries out as a root directory fitting in the
// first 16 KiB and, when they do not fit there, leaf directories of
// growing size.
func pmDirectories(entries []pmEntry) (root, leaves []byte) {
	if root := marshalPMEntries(entries); len(root) <= pmRootMax {
		return root, nil
	}
	for leafSize := 4096; ; leafSize *= 2 {
		var rootEntries []pmEntry
		leaves = leaves[:0]
		for start := 0; start < len(entries); start += leafSize {
			leaf := marshalPMEntries(entries[start:min(start+leafSize, len(entries))])
			rootEntries = append(rootEntries, pmEntry{TileID: entries[start].TileID, Offset: uint64(len(leaves)), Length: uint32(len(leaf))})
			leaves = append(leaves, leaf...)
		}
		if root := marshalPMEntries(rootEntries); len(root) <= pmRootMax {
			return root, leaves
		}
	}
}

// WritePMTiles writes every non-empty tile of the zoom range to a PMTiles
// v3 archive at path: gzip-compressed MVT, clustered (tile data in tile id
// order), deduplicated (identical tiles stored once, runs of them in one
// entry), with gzip-compressed JSON metadata holding the MBTiles fields
// (name, description, attribution, bounds, center, minzoom, maxzoom) and
// vector_layers. It writes to a temporary file in the same folder and
// renames it over path.
func (t *Tiler) WritePMTiles(ctx context.Context, path string, opts PMTilesOptions) (stats MBTilesStats, err error) {
	if opts.MinZoom < 0 || opts.MaxZoom > MaxZoom || opts.MinZoom > opts.MaxZoom {
		return stats, fmt.Errorf("tiles: zoom range %d..%d is not within 0..%d", opts.MinZoom, opts.MaxZoom, MaxZoom)
	}
	set := opts.Layers
	if set == 0 {
		set = t.AllLayers()
	}
	plan := t.PlanTiles(opts.MinZoom, opts.MaxZoom, set)
	ids := make([]uint64, len(plan))
	for i, id := range plan {
		ids[i] = PMTileID(id.Z, id.X, id.Y)
	}
	order := make([]int, len(plan))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmpUint64(ids[a], ids[b]) })
	stats = MBTilesStats{Planned: len(plan), PerZoom: map[int]int{}}
	if opts.Planned != nil {
		opts.Planned(len(plan))
	}
	dir := filepath.Dir(path)
	data, err := os.CreateTemp(dir, "."+filepath.Base(path)+".data-*")
	if err != nil {
		return stats, fmt.Errorf("tiles: creating %s: %w", path, err)
	}
	defer func() { data.Close(); os.Remove(data.Name()) }()
	dataW := bufio.NewWriterSize(data, 1<<20)

	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var entries []pmEntry
	seen := map[[sha256.Size]byte]pmEntry{}
	var dataLen uint64
	batch := make([]*Tile, 256)
	for start := 0; start < len(order); start += len(batch) {
		if err := ctx.Err(); err != nil {
			return stats, fmt.Errorf("tiles: writing %s: %w", path, err)
		}
		n := min(len(batch), len(order)-start)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := w; k < n; k += workers {
					id := plan[order[start+k]]
					batch[k], errs[k] = t.Render(id.Z, id.X, id.Y, set)
				}
			}()
		}
		wg.Wait()
		for k := range n {
			id := plan[order[start+k]]
			if errs[k] != nil {
				return stats, fmt.Errorf("tiles: tile %d/%d/%d: %w", id.Z, id.X, id.Y, errs[k])
			}
			if opts.Progress != nil {
				opts.Progress()
			}
			tile := batch[k]
			if tile.Empty() {
				continue
			}
			tid := ids[order[start+k]]
			sum := sha256.Sum256(tile.Gzip)
			e, dup := seen[sum]
			if !dup {
				e = pmEntry{Offset: dataLen, Length: uint32(len(tile.Gzip))}
				if _, err := dataW.Write(tile.Gzip); err != nil {
					return stats, fmt.Errorf("tiles: writing %s: %w", path, err)
				}
				dataLen += uint64(len(tile.Gzip))
				seen[sum] = e
				stats.Bytes += int64(len(tile.Gzip))
			}
			stats.Written++
			stats.PerZoom[int(id.Z)]++
			if last := len(entries) - 1; last >= 0 && entries[last].Offset == e.Offset &&
				entries[last].TileID+uint64(entries[last].RunLength) == tid {
				entries[last].RunLength++ // a run of the same tile
				continue
			}
			entries = append(entries, pmEntry{TileID: tid, Offset: e.Offset, Length: e.Length, RunLength: 1})
		}
	}
	if err := dataW.Flush(); err != nil {
		return stats, fmt.Errorf("tiles: writing %s: %w", path, err)
	}
	meta, err := t.pmMetadata(opts, set)
	if err != nil {
		return stats, err
	}
	root, leaves := pmDirectories(entries)
	bounds, center := t.BoundsAndCenter()
	e7 := func(v float64) int32 { return int32(math.Round(v * 1e7)) }
	h := pmHeader{
		rootOffset: pmHeaderLen, rootLength: uint64(len(root)),
		addressed: uint64(stats.Written), entries: uint64(len(entries)), contents: uint64(len(seen)),
		clustered: true, internalCompression: pmCompressGzip, tileCompression: pmCompressGzip, tileType: pmTileTypeMVT,
		minZoom: uint8(opts.MinZoom), maxZoom: uint8(opts.MaxZoom),
		minLonE7: e7(bounds[0]), minLatE7: e7(bounds[1]), maxLonE7: e7(bounds[2]), maxLatE7: e7(bounds[3]),
		centerZoom: uint8(min(max(int(center[2]), opts.MinZoom), opts.MaxZoom)), centerLonE7: e7(center[0]), centerLatE7: e7(center[1]),
	}
	h.metaOffset, h.metaLength = h.rootOffset+h.rootLength, uint64(len(meta))
	h.leafOffset, h.leafLength = h.metaOffset+h.metaLength, uint64(len(leaves))
	h.dataOffset, h.dataLength = h.leafOffset+h.leafLength, dataLen

	out, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return stats, fmt.Errorf("tiles: creating %s: %w", path, err)
	}
	defer func() {
		out.Close()
		if err != nil {
			os.Remove(out.Name())
		}
	}()
	if _, err := data.Seek(0, io.SeekStart); err != nil {
		return stats, fmt.Errorf("tiles: writing %s: %w", path, err)
	}
	w := bufio.NewWriterSize(out, 1<<20)
	for _, part := range [][]byte{h.marshal(), root, meta, leaves} {
		w.Write(part)
	}
	if _, err := io.Copy(w, data); err != nil {
		return stats, fmt.Errorf("tiles: writing %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		return stats, fmt.Errorf("tiles: writing %s: %w", path, err)
	}
	if err := out.Sync(); err != nil {
		return stats, fmt.Errorf("tiles: writing %s: %w", path, err)
	}
	if err := out.Close(); err != nil {
		return stats, fmt.Errorf("tiles: writing %s: %w", path, err)
	}
	if err := os.Rename(out.Name(), path); err != nil {
		return stats, fmt.Errorf("tiles: renaming %s to %s: %w", out.Name(), path, err)
	}
	return stats, syncFile(dir)
}

func cmpUint64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pmMetadata is the archive's JSON metadata, gzip-compressed.
func (t *Tiler) pmMetadata(opts PMTilesOptions, set LayerSet) ([]byte, error) {
	bounds, center := t.BoundsAndCenter()
	center[2] = float64(min(max(int(center[2]), opts.MinZoom), opts.MaxZoom))
	layers := []VectorLayer{}
	for i, vl := range t.VectorLayers() {
		if set.Has(i) {
			vl.MinZoom, vl.MaxZoom = opts.MinZoom, opts.MaxZoom
			layers = append(layers, vl)
		}
	}
	js, err := json.Marshal(map[string]any{
		"name":          "planmap",
		"description":   "Regional planning layers of Wenzhou and Quanzhou (dataset version " + t.version + ")",
		"version":       "1.0.0",
		"type":          "overlay",
		"format":        "pbf",
		"attribution":   t.Attribution(),
		"bounds":        bounds,
		"center":        center,
		"minzoom":       opts.MinZoom,
		"maxzoom":       opts.MaxZoom,
		"vector_layers": layers,
	})
	if err != nil {
		return nil, fmt.Errorf("tiles: metadata: %w", err)
	}
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(js)
	w.Close()
	return buf.Bytes(), nil
}

// PMTiles is an open PMTiles v3 archive of gzip-compressed (or
// uncompressed) MVT tiles: a TileSource. It reads the file on demand
// (ReadAt), keeping the root directory and the leaves it has read.
type PMTiles struct {
	f      *os.File
	h      pmHeader
	root   []pmEntry
	mu     sync.Mutex
	leaves map[uint64][]pmEntry
}

// OpenPMTiles opens an archive and reads its header and root directory.
func OpenPMTiles(path string) (*PMTiles, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tiles: %w", err)
	}
	p, err := openPMTiles(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("tiles: %s: %w", path, err)
	}
	return p, nil
}

func openPMTiles(f *os.File) (*PMTiles, error) {
	head := make([]byte, pmHeaderLen)
	if _, err := f.ReadAt(head, 0); err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	h, err := parsePMHeader(head)
	if err != nil {
		return nil, err
	}
	if h.tileType != pmTileTypeMVT {
		return nil, fmt.Errorf("tile type %d, not MVT", h.tileType)
	}
	if h.tileCompression != pmCompressGzip && h.tileCompression != pmCompressNone {
		return nil, fmt.Errorf("tile compression %d is not supported (gzip or none)", h.tileCompression)
	}
	p := &PMTiles{f: f, h: h, leaves: map[uint64][]pmEntry{}}
	if p.root, err = p.directory(h.rootOffset, h.rootLength); err != nil {
		return nil, fmt.Errorf("root directory: %w", err)
	}
	return p, nil
}

// Close closes the archive's file.
func (p *PMTiles) Close() error { return p.f.Close() }

// MinZoom and MaxZoom return the archive's zoom range.
func (p *PMTiles) MinZoom() int { return int(p.h.minZoom) }
func (p *PMTiles) MaxZoom() int { return int(p.h.maxZoom) }

func (p *PMTiles) directory(offset, length uint64) ([]pmEntry, error) {
	if length > 64<<20 {
		return nil, fmt.Errorf("a directory of %d bytes", length)
	}
	b := make([]byte, length)
	if _, err := p.f.ReadAt(b, int64(offset)); err != nil {
		return nil, err
	}
	return parsePMEntries(b, p.h.internalCompression)
}

// Get returns tile z/x/y of the archive.
func (p *PMTiles) Get(ctx context.Context, z, x, y uint32) (*Tile, error) {
	if err := CheckTile(z, x, y); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id := PMTileID(z, x, y)
	dir := p.root
	for depth := 0; depth <= pmMaxLeafDepth; depth++ {
		e, ok := findPMEntry(dir, id)
		if !ok {
			return &Tile{}, nil
		}
		if e.RunLength > 0 {
			b := make([]byte, e.Length)
			if _, err := p.f.ReadAt(b, int64(p.h.dataOffset+e.Offset)); err != nil {
				return nil, fmt.Errorf("tiles: reading tile %d/%d/%d: %w", z, x, y, err)
			}
			if p.h.tileCompression == pmCompressNone {
				return NewTile(b)
			}
			return newTileFromGzip(b)
		}
		leaf, err := p.leaf(e)
		if err != nil {
			return nil, fmt.Errorf("tiles: leaf directory for %d/%d/%d: %w", z, x, y, err)
		}
		dir = leaf
	}
	return nil, fmt.Errorf("tiles: tile %d/%d/%d: leaf directories nested deeper than %d", z, x, y, pmMaxLeafDepth)
}

func (p *PMTiles) leaf(e pmEntry) ([]pmEntry, error) {
	p.mu.Lock()
	leaf, ok := p.leaves[e.Offset]
	p.mu.Unlock()
	if ok {
		return leaf, nil
	}
	leaf, err := p.directory(p.h.leafOffset+e.Offset, uint64(e.Length))
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.leaves[e.Offset] = leaf
	p.mu.Unlock()
	return leaf, nil
}

// newTileFromGzip makes a Tile of gzip-compressed MVT bytes as stored,
// its ETag and size from the uncompressed bytes, as NewTile's.
func newTileFromGzip(gz []byte) (*Tile, error) {
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("tiles: archive tile: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("tiles: archive tile: %w", err)
	}
	if len(raw) == 0 {
		return &Tile{}, nil
	}
	sum := sha256.Sum256(raw)
	return &Tile{Gzip: gz, ETag: `"` + hex.EncodeToString(sum[:12]) + `"`, Size: len(raw)}, nil
}
