package data

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"sync"
	"unsafe"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/geo"
)

// This file stores each layer's spatial index (geo.IndexArrays: the
// packed R-tree and the run boxes) in the binary snapshot after the
// layer's features, so a start maps it back instead of building it again
// from every vertex (seconds at a million features).
//
// Layout of a layer's index section, little-endian: the index format
// (binSnapIndexFormat) uint32, the R-tree's node size uint32, then six
// arrays, each its number of elements uint64, its bytes, and their
// CRC-32C uint32: the tree's level ends (int64), its boxes (float64),
// its refs (int32), the runs' starts (int32) and their boxes (float64,
// four a box). A section that is truncated, corrupt, of another index
// format or that geo.IndexFromArrays does not take as an index of the
// layer's features makes the whole snapshot unreadable: the GeoJSON is
// loaded and a new snapshot written.

// binSnapIndexFormat numbers the layout of geo.IndexArrays: change it
// whenever their meaning changes (a snapshot is also tied to the
// executable that wrote it, so this guards a build that changes the
// arrays without changing the layout).
const binSnapIndexFormat = 1

// layerIndex holds a layer's spatial index, built once (or read from the
// binary snapshot) and shared by every base made of the layer.
type layerIndex struct {
	mu sync.Mutex
	// features is the slice the index is of: a copy of the Layer with
	// other features (which copies this pointer) must not use it.
	features []*geojson.Feature
	ix       *geo.Index
}

// newLayerIndex returns the holder of the index of feats, which ix is
// when it is not nil.
func newLayerIndex(feats []*geojson.Feature, ix *geo.Index) *layerIndex {
	return &layerIndex{features: feats, ix: ix}
}

// spatialIndex returns the index of l's features: l's own when it has
// one for exactly these features (built now when it is not yet), or a
// new one.
func (l *Layer) spatialIndex() *geo.Index {
	var feats []*geojson.Feature
	if l.Features != nil {
		feats = l.Features.Features
	}
	li := l.index
	if li == nil || !sameSlice(li.features, feats) {
		return geo.NewIndex(feats)
	}
	li.mu.Lock()
	defer li.mu.Unlock()
	if li.ix == nil {
		li.ix = geo.NewIndex(feats)
	}
	return li.ix
}

// builtIndex returns l's index when it was built (or read) already, else
// nil.
func (l *Layer) builtIndex() *geo.Index {
	li := l.index
	if li == nil || l.Features == nil || !sameSlice(li.features, l.Features.Features) {
		return nil
	}
	li.mu.Lock()
	defer li.mu.Unlock()
	return li.ix
}

// layerProps is what a layer's decoding collects of its features for
// newLayerBase, which would otherwise go through every feature again: the
// union of their property names and, from the binary snapshot's decoding
// (nil otherwise), each one's FeatureID and the position of each id.
type layerProps struct {
	features []*geojson.Feature // as layerIndex's
	names    map[string]bool
	ids      []string
	byID     map[string]int32
}

// newLayerProps returns the layerProps of feats, whose property names
// are names and FeatureIDs ids.
func newLayerProps(feats []*geojson.Feature, names map[string]bool, ids []string) *layerProps {
	byID := make(map[string]int32, len(ids))
	for i, id := range ids {
		byID[id] = int32(i)
	}
	return &layerProps{features: feats, names: names, ids: ids, byID: byID}
}

// propertyNames returns the union of l's features' property names when
// it is known for exactly these features (shared: do not change it), else
// nil.
func (l *Layer) propertyNames() map[string]bool {
	if p := l.decodedProps(); p != nil {
		return p.names
	}
	return nil
}

// decodedProps returns l's layerProps when they are of exactly these
// features (shared: do not change them), else nil.
func (l *Layer) decodedProps() *layerProps {
	if l.propNames == nil || l.Features == nil || !sameSlice(l.propNames.features, l.Features.Features) {
		return nil
	}
	return l.propNames
}

func sameSlice(a, b []*geojson.Feature) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// littleEndian says whether the machine's integers and floats are
// little-endian, the snapshot's order, so arrays are read and written as
// they lie in memory.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// writeIndexSection writes ix's arrays.
func writeIndexSection(w io.Writer, ix *geo.Index) error {
	a := ix.Arrays()
	var head [8]byte
	binary.LittleEndian.PutUint32(head[:4], binSnapIndexFormat)
	binary.LittleEndian.PutUint32(head[4:], uint32(a.NodeSize))
	if _, err := w.Write(head[:]); err != nil {
		return err
	}
	levels := make([]int64, len(a.LevelEnds))
	for i, e := range a.LevelEnds {
		levels[i] = int64(e)
	}
	for _, arr := range []struct {
		n, size int
		b       []byte
	}{
		{len(levels), 8, sliceBytes(levels)},
		{len(a.TreeBoxes), 8, sliceBytes(a.TreeBoxes)},
		{len(a.TreeRefs), 4, sliceBytes(a.TreeRefs)},
		{len(a.RunStart), 4, sliceBytes(a.RunStart)},
		{4 * len(a.RunBoxes), 8, sliceBytes(a.RunBoxes)},
	} {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(arr.n))
		if _, err := w.Write(n[:]); err != nil {
			return err
		}
		b := arr.b
		if !littleEndian {
			b = swapped(b, arr.size)
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		var c [4]byte
		binary.LittleEndian.PutUint32(c[:], crc32.Checksum(b, crcTable))
		if _, err := w.Write(c[:]); err != nil {
			return err
		}
	}
	return nil
}

// readIndexSection reads an index section; left bounds the bytes it may
// claim (what is left of the file). The arrays are yet to be checked
// against the layer's features (geo.IndexFromArrays).
func readIndexSection(r *bufio.Reader, left int64) (geo.IndexArrays, error) {
	var head [8]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return geo.IndexArrays{}, fmt.Errorf("the index: %w", err)
	}
	if f := binary.LittleEndian.Uint32(head[:4]); f != binSnapIndexFormat {
		return geo.IndexArrays{}, fmt.Errorf("the index is of format %d, not %d", f, binSnapIndexFormat)
	}
	a := geo.IndexArrays{NodeSize: int(binary.LittleEndian.Uint32(head[4:]))}
	var levels []int64
	var runBoxes []float64
	for k, dst := range []func(n int) ([]byte, error){
		func(n int) ([]byte, error) { levels = make([]int64, n); return sliceBytes(levels), nil },
		func(n int) ([]byte, error) { a.TreeBoxes = make([]float64, n); return sliceBytes(a.TreeBoxes), nil },
		func(n int) ([]byte, error) { a.TreeRefs = make([]int32, n); return sliceBytes(a.TreeRefs), nil },
		func(n int) ([]byte, error) { a.RunStart = make([]int32, n); return sliceBytes(a.RunStart), nil },
		func(n int) ([]byte, error) {
			if n%4 != 0 {
				return nil, fmt.Errorf("%d run box coordinates", n)
			}
			runBoxes = make([]float64, n)
			return sliceBytes(runBoxes), nil
		},
	} {
		var nb [8]byte
		if _, err := io.ReadFull(r, nb[:]); err != nil {
			return geo.IndexArrays{}, fmt.Errorf("the index, array %d: %w", k, err)
		}
		n := binary.LittleEndian.Uint64(nb[:])
		size := []uint64{8, 8, 4, 4, 8}[k]
		if n > uint64(left)/size {
			return geo.IndexArrays{}, fmt.Errorf("the index, array %d: %d elements where %d bytes are left", k, n, left)
		}
		b, err := dst(int(n))
		if err != nil {
			return geo.IndexArrays{}, fmt.Errorf("the index, array %d: %w", k, err)
		}
		if _, err := io.ReadFull(r, b); err != nil {
			return geo.IndexArrays{}, fmt.Errorf("the index, array %d: %w", k, err)
		}
		var c [4]byte
		if _, err := io.ReadFull(r, c[:]); err != nil {
			return geo.IndexArrays{}, fmt.Errorf("the index, array %d: %w", k, err)
		}
		if binary.LittleEndian.Uint32(c[:]) != crc32.Checksum(b, crcTable) {
			return geo.IndexArrays{}, fmt.Errorf("the index, array %d: the checksum does not match", k)
		}
		if !littleEndian {
			copy(b, swapped(b, int(size)))
		}
		left -= int64(n*size) + 12
	}
	a.LevelEnds = make([]int, len(levels))
	for i, e := range levels {
		if e < 0 || e > math.MaxInt32 {
			return geo.IndexArrays{}, errors.New("the index: a level end out of range")
		}
		a.LevelEnds[i] = int(e)
	}
	if len(runBoxes) > 0 {
		a.RunBoxes = unsafe.Slice((*orb.Bound)(unsafe.Pointer(&runBoxes[0])), len(runBoxes)/4)
	}
	return a, nil
}

// sliceBytes returns the bytes of a slice of fixed-size numbers, in
// memory order.
func sliceBytes[T int32 | int64 | float64 | orb.Point | orb.Bound](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

// swapped returns b with the bytes of every word of size bytes reversed:
// it turns a big-endian machine's arrays into the snapshot's order and
// back.
func swapped(b []byte, size int) []byte {
	out := make([]byte, len(b))
	for i := 0; i+size <= len(b); i += size {
		for j := range size {
			out[i+j] = b[i+size-1-j]
		}
	}
	return out
}
