package data

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Standard layer ids, in the order planmap lists them.
const (
	IndustrialParks = "industrial-parks"
	Corridors       = "corridors"
	Ports           = "ports"
	Enclaves        = "enclaves"
	// EcologicalSpaces holds the reservoirs, nature reserves, wetlands,
	// marine areas and ecological belts projects are sited around.
	EcologicalSpaces = "ecological-spaces"
)

// StandardLayers lists the planning layers in their fixed display order
// (the vocabulary table's).
var StandardLayers = func() []string {
	ids := make([]string, len(vocabulary.Layers))
	for i, l := range vocabulary.Layers {
		ids[i] = l.ID
	}
	return ids
}()

// Layer is one validated GeoJSON layer.
type Layer struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	License     string `json:"license"`
	Attribution string `json:"attribution"`
	// CRS is the CRS of the coordinates in the layer's file, as its
	// sidecar names it; empty for WGS 84 (CRS84). Features hold CRS84
	// coordinates whatever it says (see LoadOptions).
	CRS string `json:"crs,omitempty"`
	// File is the name of the file the layer was read from.
	File string `json:"-"`
	// Hash identifies the layer's content as loaded: a hash of its file
	// and sidecar, or what a database store sets.
	Hash string `json:"-"`
	// Seq is the number of the last change the loaded content includes
	// (a database store's; 0 for files).
	Seq int64 `json:"-"`
	// Features holds the layer's features in file order. It is shared by
	// every reader: treat it as read-only (clone before any orb function
	// that changes geometry in place).
	Features *geojson.FeatureCollection `json:"-"`
	// fileSum is the hex SHA-256 of the layer file alone, as read.
	fileSum string
	// digest identifies the file and sidecar read (binsnap.go).
	digest fileDigest
	// index holds the spatial index of Features once built or read from
	// the binary snapshot (binsnap_index.go); nil for layers not loaded
	// from files.
	index *layerIndex
	// propNames holds the union of the features' property names when the
	// binary snapshot's decoding or the validation collected it
	// (binsnap_index.go).
	propNames *layerProps
}

// layerIDs is the FeatureID of each of a layer's features, in order.
type layerIDs struct {
	features []*geojson.Feature // as layerIndex's
	ids      []string
}

// featureIDs returns the FeatureID of each of l's features: known's when
// it holds them for exactly these features (shared: do not change them),
// else computed now.
func featureIDs(l *Layer, known map[*Layer]*layerIDs) []string {
	if l.Features == nil {
		return nil
	}
	feats := l.Features.Features
	if k := known[l]; k != nil && len(k.ids) == len(feats) && sameSlice(k.features, feats) {
		return k.ids
	}
	ids := make([]string, len(feats))
	for i, f := range feats {
		ids[i] = FeatureID(f)
	}
	return ids
}

// Bound returns the bounding box of every feature in the layer, or an empty
// bound at the origin when the layer has no features.
func (l *Layer) Bound() orb.Bound {
	var b orb.Bound
	for i, f := range l.Features.Features {
		if i == 0 {
			b = f.Geometry.Bound()
			continue
		}
		b = b.Union(f.Geometry.Bound())
	}
	return b
}

// Dataset is a validated set of layers. It is immutable once loaded.
type Dataset struct {
	// Layers holds the standard layers first, in StandardLayers order, then
	// any other layer in id order.
	Layers []*Layer
	// Version is a content hash of every file read: it changes whenever the
	// data changes and is stable across restarts.
	Version string
	// Source says where the data came from: "embedded" or a folder path.
	Source string
	// ids holds the feature ids validation found, by layer (featureIDs).
	ids map[*Layer]*layerIDs
}

// Layer returns the layer with the given id, or nil.
func (d *Dataset) Layer(id string) *Layer {
	for _, l := range d.Layers {
		if l.ID == id {
			return l
		}
	}
	return nil
}

// LoadDir loads and validates every *.geojson file in dir, with the
// default LoadOptions.
func LoadDir(dir string) (*Dataset, error) { return LoadDirWith(dir, LoadOptions{}) }

// LoadDirWith loads and validates every *.geojson file in dir. Entries
// that are not regular files (folders, named pipes, devices, sockets, or
// symbolic links to any of those) and files over opts.MaxFileBytes are
// reported by name as problems, without being opened or read.
func LoadDirWith(dir string, opts LoadOptions) (*Dataset, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("data: %s is not a folder", dir)
	}
	ds, err := LoadWith(newOSDirFS(dir), dir, opts)
	if ds != nil {
		ds.Source = dir
	}
	return ds, err
}

// Load loads and validates every *.geojson file at the root of fsys. name is
// used in error messages to say where the files are. It returns a
// *ValidationError listing every problem found in every file when any file
// is invalid. It uses the default LoadOptions.
func Load(fsys fs.FS, name string) (*Dataset, error) { return LoadWith(fsys, name, LoadOptions{}) }

// LoadWith is Load with options: see LoadDirWith.
func LoadWith(fsys fs.FS, name string, opts LoadOptions) (*Dataset, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("data: reading %s: %w", name, err)
	}
	var (
		layers   []*Layer
		problems []Problem
		hash     = sha256.New()
		known    = map[*Layer]*layerIDs{} // the ids validation found
	)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".geojson") {
			continue
		}
		id := strings.TrimSuffix(e.Name(), ".geojson")
		// Stats before and after the reading, for the binary snapshot's
		// record of the file (cleanStat).
		readStart := time.Now()
		before, _ := fs.Stat(fsys, e.Name())
		raw, err := readDataFile(fsys, e.Name(), opts.maxFileBytes())
		var stat *fileStat
		if after, serr := fs.Stat(fsys, e.Name()); err == nil && serr == nil && before != nil && after.Size() == int64(len(raw)) {
			stat = cleanStat(before, after, readStart)
		}
		var refused *fileRefused
		if errors.As(err, &refused) {
			problems = append(problems, Problem{File: e.Name(), Index: -1, Reason: refused.reason})
			layers = append(layers, &Layer{ID: id, File: e.Name(), Title: id})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("data: reading %s: %w", path.Join(name, e.Name()), err)
		}
		layer := &Layer{ID: id, File: e.Name(), Title: id}
		if !validSlug(id) {
			problems = append(problems, Problem{File: e.Name(), Index: -1, Reason: fmt.Sprintf("layer id %q (the file name) must be a URL-safe slug: lowercase letters, digits, '-' and '_'", id)})
		}
		side, err := readDataFile(fsys, id+".json", MaxSidecarBytes)
		if err == nil {
			if err := json.Unmarshal(side, layer); err != nil {
				problems = append(problems, Problem{File: id + ".json", Index: -1, Reason: "sidecar is not valid JSON: " + err.Error()})
			}
			layer.ID, layer.File = id, e.Name()
		} else if errors.As(err, &refused) {
			side = nil
			problems = append(problems, Problem{File: id + ".json", Index: -1, Reason: refused.reason})
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("data: reading %s: %w", path.Join(name, id+".json"), err)
		}
		// The file's hash (of the file, then of the file and sidecar) is
		// taken while the file is validated: at 1M features it is a
		// second of a core's work. The dataset's is a hash of each file's
		// name, size and this digest, in order, so that it reads no byte
		// twice.
		var hashed sync.WaitGroup
		hashed.Add(1)
		go func() {
			defer hashed.Done()
			layerSum := sha256.New()
			layerSum.Write(raw)
			layer.fileSum = hex.EncodeToString(layerSum.Sum(nil)) // Sum leaves the state as it is
			var state []byte
			if stat != nil {
				state = hashState(layerSum)
			}
			layerSum.Write(side)
			layer.digest = fileDigest{File: e.Name(), Size: int64(len(raw)), SideSize: -1, Sum: hex.EncodeToString(layerSum.Sum(nil))}
			if state != nil {
				layer.digest.Stat, layer.digest.State = stat, state
			}
			if side != nil {
				layer.digest.SideSize = int64(len(side))
			}
			layer.Hash = layer.digest.Sum[:16]
		}()
		toCRS84, _, err := layerConversions(layer, opts.Converter)
		if err != nil {
			hashed.Wait()
			hashFile(hash, layer)
			problems = append(problems, Problem{File: id + ".json", Index: -1, Reason: err.Error()})
			layers = append(layers, layer)
			continue
		}
		v := validateLayerIDs(e.Name(), id, raw, toCRS84)
		fc, fileProblems := v.fc, v.problems
		hashed.Wait()
		hashFile(hash, layer)
		problems = append(problems, fileProblems...)
		layer.Features = fc
		if fc != nil {
			layer.index = newLayerIndex(fc.Features, nil)
			known[layer] = &layerIDs{features: fc.Features, ids: v.ids}
			if v.propNames != nil {
				layer.propNames = &layerProps{features: fc.Features, names: v.propNames}
			}
		}
		layers = append(layers, layer)
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("data: no *.geojson files in %s", name)
	}
	problems = append(problems, checkUniqueIDs(layers, known)...)
	if len(problems) > 0 {
		return nil, &ValidationError{Problems: problems}
	}
	sortLayers(layers)
	return &Dataset{Layers: layers, Version: hex.EncodeToString(hash.Sum(nil))[:16], Source: name, ids: known}, nil
}

// hashFile adds a file read to the dataset's hash: its name, size and
// the SHA-256 of its bytes and sidecar's, which stands for both (with the
// size, which tells where the file ends and the sidecar begins).
func hashFile(h io.Writer, l *Layer) {
	fmt.Fprintf(h, "%s\x00%d\x00%s\x00", l.digest.File, l.digest.Size, l.digest.Sum)
}

// checkUniqueIDs reports feature ids used more than once across the
// dataset: a feature whose id a feature of an earlier file already has
// (repeats within one file are validateLayer's to report). The ids are
// looked up in firstUses' hash-split maps, one per processor, over every
// layer's features at once.
func checkUniqueIDs(layers []*Layer, known map[*Layer]*layerIDs) []Problem {
	var (
		all   []string // every layer's feature ids
		start []int    // index in all of each layer's first feature
	)
	for _, l := range layers {
		start = append(start, len(all))
		all = append(all, featureIDs(l, known)...)
	}
	layerOf := func(i int) int { return sort.SearchInts(start, i+1) - 1 }
	var problems []Problem
	for i, prev := range firstUses(all) {
		if prev < 0 {
			continue
		}
		li, pi := layerOf(i), layerOf(prev)
		if layers[li].File == layers[pi].File {
			continue
		}
		id := all[i]
		problems = append(problems, Problem{File: layers[li].File, Index: i - start[li], ID: id,
			Reason: fmt.Sprintf("id %q is already used by feature %d of %s", id, prev-start[pi], layers[pi].File)})
	}
	return problems
}

func sortLayers(layers []*Layer) {
	rank := func(id string) int {
		for i, s := range StandardLayers {
			if s == id {
				return i
			}
		}
		return len(StandardLayers)
	}
	sort.SliceStable(layers, func(i, j int) bool {
		ri, rj := rank(layers[i].ID), rank(layers[j].ID)
		if ri != rj {
			return ri < rj
		}
		return layers[i].ID < layers[j].ID
	})
}

// FeatureID returns the feature's string id: the "id" property, or the
// GeoJSON id member when the property is absent. It returns "" when neither
// is a string.
func FeatureID(f *geojson.Feature) string {
	if s, ok := f.Properties["id"].(string); ok {
		return s
	}
	if s, ok := f.ID.(string); ok {
		return s
	}
	return ""
}

// validSlug reports whether s is a non-empty, URL-safe slug.
func validSlug(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}
