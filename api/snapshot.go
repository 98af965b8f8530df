package api

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/cql2"
)

// snapshot is what the API serves for one version of the store's data: the
// store's immutable data snapshot and what the API derives from it.
// Handlers load the current snapshot once per request, so a request sees
// one version from start to end while the next one is installed.
type snapshot struct {
	data   *data.Snapshot
	layers []*layerState
	byID   map[string]*layerState
	// etag is the entity tag every dataset-wide response starts from.
	etag string
	// search is the name index and facet counts (api/search.go).
	search *searchState
	// tiles makes this version's vector tiles once prepared (in the
	// background); the server's tile cache keeps them compressed under
	// the tiler's Version() (api/tiles.go).
	tiles *tileBuild
	// analysis holds the corridors prepared for coverage analysis, built
	// on first use (api/analysis.go).
	analysis *analysisState
}

// layerState is one version of a layer and what the API derives from it.
type layerState struct {
	view *data.LayerView
	meta *data.Layer
	// queryables are the properties items can be filtered on by equality.
	queryables []string
	// propertyNames holds every property key any feature has.
	propertyNames map[string]bool

	// geometryType is the GeoJSON type of the features (api/geomtype.go).
	geometryTypeOnce sync.Once
	geometryType     string

	materialOnce sync.Once
	material     *data.Layer
	ids          []string
	positions    map[string]int

	cqlOnce sync.Once
	cql     cql2.Queryables

	// linkTemplate holds a single feature's links for the last base URL
	// (itemLinks).
	linkTemplate atomic.Pointer[itemLinkTemplate]
}

// layer returns the named layer, or a 404 error.
func (snap *snapshot) layer(id string) (*layerState, error) {
	ls, ok := snap.byID[id]
	if !ok {
		ids := make([]string, 0, len(snap.layers))
		for _, l := range snap.layers {
			ids = append(ids, l.meta.ID)
		}
		return nil, notFound("no collection %q; the collections are %s", id, strings.Join(ids, ", "))
	}
	return ls, nil
}

// schemaOrder is the order properties are written in.
var schemaOrder = data.SchemaOrder

func newLayerState(v *data.LayerView) *layerState {
	ls := &layerState{view: v, meta: v.Meta, propertyNames: map[string]bool{}}
	for _, k := range v.PropertyNames() {
		ls.propertyNames[k] = true
	}
	for _, q := range queryableProperties {
		if ls.propertyNames[q] {
			ls.queryables = append(ls.queryables, q)
		}
	}
	return ls
}

// features returns the layer's features in order, and ids their ids; both
// are built once per layer version, for whole-layer readers (analysis).
func (ls *layerState) features() []*geojson.Feature {
	ls.materialize()
	return ls.material.Features.Features
}

func (ls *layerState) featureIDs() []string {
	ls.materialize()
	return ls.ids
}

func (ls *layerState) materialize() {
	ls.materialOnce.Do(func() {
		ls.material = ls.view.Materialize()
		ls.ids = make([]string, len(ls.material.Features.Features))
		ls.positions = make(map[string]int, len(ls.ids))
		for i, f := range ls.material.Features.Features {
			ls.ids[i] = data.FeatureID(f)
			ls.positions[ls.ids[i]] = i
		}
	})
}

// position returns a feature's position in features().
func (ls *layerState) position(id string) (int, bool) {
	ls.materialize()
	i, ok := ls.positions[id]
	return i, ok
}

// extent is the envelope of the layer's features.
func (ls *layerState) extent() orb.Bound { return ls.view.Bound() }

// newSnapshot derives the API's snapshot for ds. prev, when set, is the
// snapshot before: unchanged layers keep their state, and the tiles are
// prepared only for the changes when the layers' bases are the same.
func (s *Server) newSnapshot(ds *data.Snapshot, prev *snapshot) (*snapshot, error) {
	snap := &snapshot{data: ds, byID: make(map[string]*layerState, len(ds.Layers())), etag: ds.Version, analysis: &analysisState{}}
	for _, v := range ds.Layers() {
		var ls *layerState
		if prev != nil {
			if old, ok := prev.byID[v.Meta.ID]; ok && old.view == v {
				ls = old
			}
		}
		if ls == nil {
			ls = newLayerState(v)
		}
		snap.layers = append(snap.layers, ls)
		snap.byID[v.Meta.ID] = ls
	}
	// The corridors prepared for analysis (and their cached buffers)
	// depend on the corridors layer alone: a change to another layer
	// keeps them, rather than preparing them again on the next analysis
	// request (seconds at 100k features).
	if prev != nil && prev.analysis != nil {
		if old, ok := prev.byID[data.Corridors]; ok && snap.byID[data.Corridors] == old {
			snap.analysis = prev.analysis
		}
	}
	var prevSearch *searchState
	if prev != nil {
		prevSearch = prev.search
	}
	snap.search = newSearchState(ds, prevSearch)
	if prev != nil && prev.search != nil && prev.data == ds {
		snap.search = prev.search
	}
	if err := s.buildTiles(snap, prev); err != nil {
		return nil, err
	}
	return snap, nil
}
