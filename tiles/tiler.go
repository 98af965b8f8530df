package tiles

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
)

// EnclaveLinks is the derived layer holding a line from each enclave to its
// home county's seat (the enclave's home_point).
const EnclaveLinks = "enclave-links"

// Options tunes a Tiler. Zero fields take the defaults listed.
type Options struct {
	// Buffer is how far, in tile units of the 4096 extent, geometry reaches
	// beyond the tile's edge so that neighbouring tiles join without seams
	// (default 64).
	Buffer float64
	// Tolerance is the Douglas–Peucker tolerance in tile units (default 3,
	// as geojson-vt).
	Tolerance float64
	// FullDetailZoom is the zoom from which every vertex is kept (default
	// 18, at most 21).
	FullDetailZoom int
	// MinPolygonArea (tile units², default 256: 2×2 pixels of a 512-pixel
	// tile) and MinLineLength (tile units, default 16) are the sizes below
	// which a polygon or line is written as a point instead of vanishing.
	MinPolygonArea, MinLineLength float64
	// MaxTileBytes and MaxTileFeatures are the tile budget: an encoded tile
	// holds at most that many bytes (default 500 KiB) and features (default
	// 200,000), Tippecanoe's limits. Any dataset is held to it, whatever
	// its source: features of layers larger than WholeLayerFeatures are
	// left out of the tiles they crowd, the densest cells losing features
	// first (see Tiler and ThinTargetBytes).
	MaxTileBytes, MaxTileFeatures int
	// ThinTargetBytes and ThinTargetFeatures are what the thinning planned
	// in advance aims at per tile, by estimate (default half of
	// MaxTileBytes and of MaxTileFeatures, leaving room for the estimate's
	// error); ThinMaxZoom is the deepest zoom it plans for (default 18;
	// deeper, only the last-resort thinning of an encoded tile over the
	// budget applies).
	ThinTargetBytes, ThinTargetFeatures, ThinMaxZoom int
	// WholeLayerFeatures is the size, in features, up to which a layer is
	// drawn whole at every zoom (default 1,000: the built-in plan has at
	// most 54 features per layer; negative: no layer is). In a crowded
	// tile the features of such small layers take their share first and
	// the larger layers' features compete for what is left; the budget
	// still wins over wholeness, should the small layers alone overflow a
	// tile. To draw every feature whatever its tiles weigh, raise the
	// budget.
	WholeLayerFeatures int
	// MinZoom and MaxZoom are the zoom range TileJSON advertises (default 0
	// and 16; tiles are made up to zoom 22 on request).
	MinZoom, MaxZoom int
}

func (o Options) withDefaults() Options {
	if o.Buffer == 0 {
		o.Buffer = 64
	}
	if o.Tolerance == 0 {
		o.Tolerance = 3
	}
	if o.FullDetailZoom == 0 {
		o.FullDetailZoom = 18
	}
	o.FullDetailZoom = min(max(o.FullDetailZoom, 1), exactZoom)
	if o.MinPolygonArea == 0 {
		o.MinPolygonArea = 256
	}
	if o.MinLineLength == 0 {
		o.MinLineLength = 16
	}
	if o.MaxTileBytes == 0 {
		o.MaxTileBytes = 500 << 10
	}
	if o.MaxTileFeatures == 0 {
		o.MaxTileFeatures = 200_000
	}
	if o.ThinTargetBytes == 0 {
		o.ThinTargetBytes = o.MaxTileBytes / 2
	}
	if o.ThinTargetFeatures == 0 {
		o.ThinTargetFeatures = max(o.MaxTileFeatures/2, 1)
	}
	if o.ThinMaxZoom == 0 {
		o.ThinMaxZoom = 18
	}
	if o.WholeLayerFeatures == 0 {
		o.WholeLayerFeatures = 1000
	}
	if o.MaxZoom == 0 {
		o.MaxZoom = 16
	}
	return o
}

// Source is one dataset layer with its index.
type Source struct {
	Layer *data.Layer
	// Index is the layer's index over Layer.Features.Features; nil builds
	// one.
	Index *geo.Index
}

// Tiler makes vector tiles for one dataset version. It is immutable once
// built: any number of goroutines may call its methods at once.
type Tiler struct {
	version string
	opts    Options
	layers  []*layer
	byName  map[string]int
	bound   orb.Bound
	hasData bool
	// focus is the envelope of the layers of places (every layer but the
	// corridors and the enclave links), whose middle is the centre a map
	// opens on: a long corridor (a rail line to Europe) would otherwise
	// pull it far from the region. It is bound when there are no places.
	focus orb.Bound
	// overlays holds, by layer, the changes since the layers were
	// prepared (WithChanges); nil when there are none.
	overlays []*overlayLayer
	pool     sync.Pool
}

// NewForDataset indexes every layer of ds and builds its tiler.
func NewForDataset(ds *data.Dataset, opts Options) (*Tiler, error) {
	sources := make([]Source, len(ds.Layers))
	for i, l := range ds.Layers {
		sources[i] = Source{Layer: l}
	}
	return New(ds.Version, sources, opts)
}

// CheckSources returns the error New would refuse sources with for their
// layers alone (too many, a reserved or repeated id), at no cost: a
// caller preparing the tiles in the background checks first.
func CheckSources(sources []Source) error {
	if len(sources)+2 > 64 {
		return fmt.Errorf("tiles: %d layers, at most 62 supported", len(sources))
	}
	seen := make(map[string]bool, len(sources))
	for _, s := range sources {
		if s.Layer.ID == EnclaveLinks || s.Layer.ID == Labels {
			return fmt.Errorf("tiles: layer id %q is reserved for a derived layer", s.Layer.ID)
		}
		if seen[s.Layer.ID] {
			return fmt.Errorf("tiles: layer %q appears twice", s.Layer.ID)
		}
		seen[s.Layer.ID] = true
	}
	return nil
}

// New prepares every layer of sources for tiling: the standard layers in
// data.StandardLayers order, then the others by id, then EnclaveLinks when
// an enclaves layer exists, then Labels. version names the dataset version in cache keys.
// The features are read, never changed.
func New(version string, sources []Source, opts Options) (*Tiler, error) {
	opts = opts.withDefaults()
	t := &Tiler{version: version, opts: opts, byName: map[string]int{}}
	sorted := slices.Clone(sources)
	rank := func(id string) int {
		if i := slices.Index(data.StandardLayers, id); i >= 0 {
			return i
		}
		return len(data.StandardLayers)
	}
	slices.SortStableFunc(sorted, func(a, b Source) int {
		if c := cmp.Compare(rank(a.Layer.ID), rank(b.Layer.ID)); c != 0 {
			return c
		}
		return strings.Compare(a.Layer.ID, b.Layer.ID)
	})
	if err := CheckSources(sorted); err != nil {
		return nil, err
	}
	type result struct {
		l   *layer
		err error
	}
	results := make([]result, len(sorted))
	for i, s := range sorted {
		t.byName[s.Layer.ID] = i
	}
	var wg sync.WaitGroup
	for i, s := range sorted {
		wg.Add(1)
		go func() {
			defer wg.Done()
			index := s.Index
			if index == nil {
				index = geo.NewIndex(s.Layer.Features.Features)
			}
			l, err := prepareLayer(s.Layer.ID, s.Layer, index, &t.opts)
			results[i] = result{l, err}
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r.err != nil {
			return nil, r.err
		}
		t.layers = append(t.layers, r.l)
	}
	if i, ok := t.byName[data.Enclaves]; ok {
		links, err := t.enclaveLinks(t.layers[i])
		if err != nil {
			return nil, err
		}
		t.byName[EnclaveLinks] = len(t.layers)
		t.layers = append(t.layers, links)
	}
	labels, err := t.labelLayer()
	if err != nil {
		return nil, err
	}
	t.byName[Labels] = len(t.layers)
	t.layers = append(t.layers, labels)
	for _, l := range t.layers {
		if l.count == 0 {
			continue
		}
		if !t.hasData {
			t.bound, t.hasData = l.extent, true
		} else {
			t.bound = t.bound.Union(l.extent)
		}
	}
	hasPlaces := false
	for _, l := range t.layers {
		if l.count == 0 || l.name == data.Corridors || l.name == EnclaveLinks || l.name == Labels {
			continue
		}
		if !hasPlaces {
			t.focus, hasPlaces = l.extent, true
		} else {
			t.focus = t.focus.Union(l.extent)
		}
	}
	if !hasPlaces {
		t.focus = t.bound
	}
	t.thin()
	t.pool.New = func() any { return newEncoder(t) }
	return t, nil
}

// enclaveLinks builds the derived layer of lines from each enclave's label
// point to its home_point.
func (t *Tiler) enclaveLinks(enclaves *layer) (*layer, error) {
	src := enclaves.index.Features()
	var links linkLines
	var thinnable []bool
	for i, f := range src {
		ef := enclaves.featureOf(i)
		home, ok := data.HomePoint(f.Properties)
		if !ok || ef.typ == 0 {
			continue
		}
		from := orb.Point{lonFromX(ef.labelX), latFromY(ef.labelY)}
		if from == home {
			continue
		}
		links.add(f, from, home)
		thinnable = append(thinnable, ef.thinnable)
	}
	l, err := links.prepare(&t.opts)
	if err != nil {
		return nil, err
	}
	for i := range thinnable { // a link may be thinned when its enclave may
		l.featureOf(i).thinnable = thinnable[i]
	}
	return l, nil
}

// linkLines are enclave links to prepare as a layer: each a line of its
// own with the id of its enclave and no property map (at 1M features a
// copy of the enclave's would take tens of megabytes), its properties
// read from the enclave.
type linkLines struct {
	lines    []*geojson.Feature
	enclaves []*geojson.Feature
}

// add appends the link from enclave f's label point to its home.
func (ll *linkLines) add(f *geojson.Feature, from, home orb.Point) {
	link := geojson.NewFeature(orb.LineString{from, home})
	// the id is the enclave's "id" property when it has one, as a copy of
	// its properties would give it
	link.ID = data.FeatureID(f)
	if v, ok := f.Properties["id"]; ok && v != nil {
		link.ID = v
	}
	ll.lines = append(ll.lines, link)
	ll.enclaves = append(ll.enclaves, f)
}

// value is link i's tile property key: its enclave's, but for mode.
func (ll *linkLines) value(i int, key string) (value, bool) {
	if key == "mode" {
		return value{}, false
	}
	return propertyValue(ll.enclaves[i], key)
}

func (ll *linkLines) prepare(opts *Options) (*layer, error) {
	return prepareLayerWith(EnclaveLinks, nil, geo.NewIndex(ll.lines), opts, ll.value)
}

// Version returns the dataset version the tiler was built for.
func (t *Tiler) Version() string { return t.version }

// Options returns the options in effect, defaults filled in.
func (t *Tiler) Options() Options { return t.opts }

// LayerNames returns the MVT layer names in the order tiles hold them.
func (t *Tiler) LayerNames() []string {
	names := make([]string, len(t.layers))
	for i, l := range t.layers {
		names[i] = l.name
	}
	return names
}

// Bound returns the envelope of every feature (longitude, latitude) and
// false when the dataset has no features.
func (t *Tiler) Bound() (orb.Bound, bool) { return t.bound, t.hasData }

// LayerSet selects some of a tiler's layers.
type LayerSet uint64

// AllLayers returns the set of every layer.
func (t *Tiler) AllLayers() LayerSet { return LayerSet(1)<<len(t.layers) - 1 }

// ParseLayers reads a comma-separated list of layer names; the empty string
// selects every layer.
func (t *Tiler) ParseLayers(list string) (LayerSet, error) {
	if strings.TrimSpace(list) == "" {
		return t.AllLayers(), nil
	}
	var set LayerSet
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		i, ok := t.byName[name]
		if !ok {
			return 0, fmt.Errorf("tiles: unknown layer %q (layers: %s)", name, strings.Join(t.LayerNames(), ", "))
		}
		set |= 1 << i
	}
	return set, nil
}

// Has reports whether the set holds layer position i.
func (s LayerSet) Has(i int) bool { return s&(1<<i) != 0 }

// CheckTile reports whether z/x/y names a tile the tiler makes.
func CheckTile(z, x, y uint32) error {
	if z > MaxZoom {
		return fmt.Errorf("tiles: zoom %d is outside 0..%d", z, MaxZoom)
	}
	n := uint64(1) << z
	if uint64(x) >= n || uint64(y) >= n {
		return fmt.Errorf("tiles: tile %d/%d/%d: x and y must be in 0..%d at zoom %d", z, x, y, n-1, z)
	}
	return nil
}

// candidates appends the positions of l's features visible at zoom z
// whose envelope meets b, the bounds of tile z/x/y grown by buffer tile
// units, each once, in no particular order (the encoder orders a tile's
// features by MVT id).
func (l *layer) candidates(z, x, y uint32, buffer float64, b orb.Bound, dst []int32) []int32 {
	for gi := len(l.grids) - 1; gi >= 0; gi-- {
		g := l.grids[gi]
		if int(z) < g.zoom {
			continue
		}
		k := math.Ldexp(1, g.zoom-int(z)) // cells per tile
		pad := buffer / tileExtent * k
		x0, y0 := float64(x)*k-pad, float64(y)*k-pad
		dst = g.query(z, x0, y0, x0+k+2*pad, y0+k+2*pad, dst)
		if g.large != nil { // never in the grid's cells: no repeats
			g.large.index.Candidates(b, func(i int) bool {
				if m := g.large.members[i]; uint32(l.features[m].minZoom) <= z {
					dst = append(dst, m)
				}
				return true
			})
		}
		return dst
	}
	q := tileBox(z, x, y, buffer+candidateSlack)
	for _, g := range l.groups { // the groups' members are disjoint
		if uint32(g.zoom) > z {
			break
		}
		dst = g.tree.search(g.members, q, dst)
	}
	return dst
}

// candidateSlack (tile units) widens a tile's candidate search beyond its
// buffer: more than the encoder's margin and any rounding between the
// fixed-point envelopes and the coordinates written, so that every feature
// with anything in the buffered tile is a candidate.
const candidateSlack = 8

// tileBox is tile z/x/y grown by pad tile units on every side, in fixed
// point, within the world.
func tileBox(z, x, y uint32, pad float64) box {
	side := math.Ldexp(1, fixedBits-int(z))
	grow := pad/tileExtent*side + 2
	clamp := func(v float64) uint32 { return uint32(min(max(v, 0), fixedScale-1)) }
	return box{
		clamp(float64(x)*side - grow), clamp(float64(y)*side - grow),
		clamp(float64(x+1)*side + grow), clamp(float64(y+1)*side + grow),
	}
}
