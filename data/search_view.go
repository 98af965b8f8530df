package data

import (
	"sync"

	"github.com/paulmach/orb/geojson"
)

// baseNames is a layer base's name index, built once, on the first
// search of any view of the base.
type baseNames struct {
	once  sync.Once
	names *layerNames
}

// get returns the base's name index, building it on first use with the
// entries of prev (which may be nil) copied for the features it shares.
func (b *baseNames) get(base *layerBase, prev *layerNames) *layerNames {
	b.once.Do(func() { b.names = newLayerNames(base.meta, prev) })
	return b.names
}

// NewSnapshotNameIndex indexes the names of every feature of snap. Each
// layer view is searched as its base's index, built once per base and
// shared by every later snapshot, with the base features its overlay
// replaced or deleted masked, and an index of the overlay's live features
// alone: so after a change, indexing costs O(changed features), not the
// layer's size. prev (which may be nil) is an earlier snapshot's index:
// its overlay indexes of unchanged views are reused, and the features of
// changed overlays (and of a new base of the same layer) that it already
// indexed are copied rather than folded and spelled in pinyin again. The
// answers are those of NewNameIndex(snap.Dataset()): the same hits, fields,
// scores and order, with Index the position in the view's order.
func NewSnapshotNameIndex(prev *NameIndex, snap *Snapshot) *NameIndex {
	views := snap.Layers()
	ix := &NameIndex{cache: newAnswerCache(answerCacheSize)}
	type prevSegs struct{ base, over *nameSegment }
	previous := map[string]prevSegs{}
	if prev != nil {
		for i := range prev.segs {
			seg := &prev.segs[i]
			id := prev.layers[seg.layer].ID
			ps := previous[id]
			if seg.overlay {
				ps.over = seg
			} else {
				ps.base = seg
			}
			previous[id] = ps
		}
	}
	for li, v := range views {
		ix.layers = append(ix.layers, v.Meta)
		ps := previous[v.Meta.ID]
		var prevBase *layerNames // for a new base of the layer (a reload or compaction)
		if ps.base != nil {
			prevBase = ps.base.names
		}
		seg := nameSegment{names: v.base.names.get(v.base, prevBase), layer: li, view: v}
		if v.over != nil {
			seg.hidden = v.over.hidden
		}
		ix.segs = append(ix.segs, seg)
		if v.over == nil || len(v.over.live) == 0 {
			continue
		}
		var over *layerNames
		switch {
		case ps.over != nil && ps.over.view == v:
			over = ps.over.names
		case ps.over != nil:
			over = newLayerNames(overlayLayer(v), ps.over.names)
		default:
			over = newLayerNames(overlayLayer(v), nil)
		}
		ix.segs = append(ix.segs, nameSegment{names: over, layer: li, view: v, overlay: true})
	}
	ix.number()
	return ix
}

// overlayLayer returns a layer holding the view's overlay's live
// features, in rank order.
func overlayLayer(v *LayerView) *Layer {
	m := *v.base.meta
	fc := geojson.NewFeatureCollection()
	for _, e := range v.over.live {
		fc.Features = append(fc.Features, e.feature)
	}
	m.Features = fc
	return &m
}
