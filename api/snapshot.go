package api

import (
	"fmt"
	"strings"

	"github.com/paulmach/orb"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
	"github.com/planmap/planmap/tiles"
)

// snapshot is one immutable, fully indexed version of the dataset. Handlers
// load the current snapshot once per request, so a request sees one version
// from start to end even while Server.Swap installs the next.
type snapshot struct {
	dataset *data.Dataset
	layers  []*layerState
	byID    map[string]*layerState
	// etag is the entity tag every dataset-derived response starts from.
	etag string
	// search is the name index and facet counts (api/search.go).
	search *searchState
	// tiler makes this version's vector tiles; tileCache keeps them
	// compressed (api/tiles.go).
	tiler     *tiles.Tiler
	tileCache *tiles.Cache
	// analysis holds the corridors prepared for coverage analysis, built
	// on first use (api/analysis.go).
	analysis *analysisState
}

// layerState is one layer with its index and the figures the API reports.
type layerState struct {
	meta   *data.Layer
	index  *geo.Index
	extent orb.Bound
	// byFeatureID maps a feature's string id to its position.
	byFeatureID map[string]int
	// ids holds each feature's string id by position.
	ids []string
	// queryables are the properties items can be filtered on by equality.
	queryables []string
	// propertyNames holds every property key any feature has.
	propertyNames map[string]bool
	writer        *featureWriter
	// encoded caches each feature's GeoJSON, written on first request.
	encoded encodedCache
	// matches caches the answers of filtered items queries.
	matches *matchCache
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
var schemaOrder = append(append([]string(nil), data.CommonProperties...), "mode", "home", "host", "home_point")

func newLayerState(l *data.Layer, matchCacheBytes int64) *layerState {
	n := len(l.Features.Features)
	ls := &layerState{
		meta:          l,
		index:         geo.NewIndex(l.Features.Features),
		byFeatureID:   make(map[string]int, n),
		ids:           make([]string, n),
		propertyNames: map[string]bool{},
		writer:        newFeatureWriter(schemaOrder),
		encoded:       make(encodedCache, n),
		matches:       newMatchCache(max(matchCacheBytes, 0)),
	}
	ls.extent = ls.index.Bound()
	for i, f := range l.Features.Features {
		id := data.FeatureID(f)
		ls.ids[i] = id
		ls.byFeatureID[id] = i
		for k := range f.Properties {
			ls.propertyNames[k] = true
		}
	}
	for _, q := range queryableProperties {
		if ls.propertyNames[q] {
			ls.queryables = append(ls.queryables, q)
		}
	}
	return ls
}

func newSnapshot(ds *data.Dataset, opts Options) (*snapshot, error) {
	snap := &snapshot{dataset: ds, byID: make(map[string]*layerState, len(ds.Layers)), etag: ds.Version, search: newSearchState(ds), analysis: &analysisState{}}
	for _, l := range ds.Layers {
		ls := newLayerState(l, opts.MatchCacheBytes)
		if _, dup := snap.byID[l.ID]; dup {
			return nil, fmt.Errorf("api: layer %q appears twice", l.ID)
		}
		snap.layers = append(snap.layers, ls)
		snap.byID[l.ID] = ls
	}
	if err := snap.buildTiles(opts); err != nil {
		return nil, err
	}
	return snap, nil
}
