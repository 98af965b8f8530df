package api

import (
	"fmt"

	"github.com/paulmach/orb"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
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
}

// layerState is one layer with its index and the figures the API reports.
type layerState struct {
	meta   *data.Layer
	index  *geo.Index
	extent orb.Bound
	// byFeatureID maps a feature's string id to its position.
	byFeatureID map[string]int
}

func newSnapshot(ds *data.Dataset, opts Options) (*snapshot, error) {
	snap := &snapshot{dataset: ds, byID: make(map[string]*layerState, len(ds.Layers)), etag: ds.Version}
	for _, l := range ds.Layers {
		ls := &layerState{
			meta:        l,
			index:       geo.NewIndex(l.Features.Features),
			byFeatureID: make(map[string]int, len(l.Features.Features)),
		}
		ls.extent = ls.index.Bound()
		for i, f := range l.Features.Features {
			ls.byFeatureID[data.FeatureID(f)] = i
		}
		if _, dup := snap.byID[l.ID]; dup {
			return nil, fmt.Errorf("api: layer %q appears twice", l.ID)
		}
		snap.layers = append(snap.layers, ls)
		snap.byID[l.ID] = ls
	}
	return snap, nil
}
