package tiles

import (
	"fmt"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
)

// LayerChanges is how one layer of a new data version differs from the
// version a Tiler was built for: base features it no longer has (replaced
// or deleted), as a bitset over source positions, and the features it has
// that the base does not (created or replaced).
type LayerChanges struct {
	Hidden []uint64
	Added  []*geojson.Feature
}

// overlayLayer is one layer's changes prepared for tiling.
type overlayLayer struct {
	layer *layer
	// mask marks hidden features by their position in the base layer's
	// features (Hilbert order), not source order.
	mask []uint64
}

func (o *overlayLayer) masked(fi int32) bool {
	return o.mask != nil && o.mask[fi>>6]&(1<<(uint(fi)&63)) != 0
}

func (t *Tiler) overlayOf(li int) *overlayLayer {
	if t.overlays == nil {
		return nil
	}
	return t.overlays[li]
}

// WithChanges returns a tiler for a new version of the data that differs
// from t's by changes (keyed by layer id; every layer not named is
// unchanged). It shares everything t prepared: only the added features are
// prepared, and hidden ones are skipped while encoding, so the cost is the
// size of the changes, not of the layers. Added features are drawn at
// every zoom where their size shows, without the density thinning of the
// base (they are few: the store folds them into a new base in time).
func (t *Tiler) WithChanges(version string, changes map[string]LayerChanges) (*Tiler, error) {
	nt := &Tiler{version: version, opts: t.opts, layers: t.layers, byName: t.byName, bound: t.bound, hasData: t.hasData, focus: t.focus,
		overlays: make([]*overlayLayer, len(t.layers))}
	for id, ch := range changes {
		li, ok := t.byName[id]
		if !ok {
			return nil, fmt.Errorf("tiles: no layer %q to change", id)
		}
		ov, err := t.prepareOverlay(t.layers[li], ch)
		if err != nil {
			return nil, err
		}
		nt.overlays[li] = ov
		for _, f := range ch.Added {
			if f.Geometry == nil {
				continue
			}
			b := f.Geometry.Bound()
			if !nt.hasData {
				nt.bound, nt.hasData = b, true
			} else {
				nt.bound = nt.bound.Union(b)
			}
		}
		if id == data.Enclaves {
			if links, ok := t.byName[EnclaveLinks]; ok {
				lov, err := t.linkOverlay(t.layers[li], t.layers[links], ov, ch)
				if err != nil {
					return nil, err
				}
				nt.overlays[links] = lov
			}
		}
	}
	if li, ok := t.byName[Labels]; ok && len(changes) > 0 {
		lov, err := t.labelOverlay(t.layers[li], nt.overlays, changes)
		if err != nil {
			return nil, err
		}
		nt.overlays[li] = lov
	}
	nt.pool = sync.Pool{New: func() any { return newEncoder(nt) }}
	return nt, nil
}

func (t *Tiler) prepareOverlay(base *layer, ch LayerChanges) (*overlayLayer, error) {
	ov := &overlayLayer{}
	if ch.Hidden != nil {
		ov.mask = make([]uint64, (len(base.features)+63)/64)
		for src := range base.order {
			if ch.Hidden[src>>6]&(1<<(uint(src)&63)) != 0 {
				fi := base.order[src]
				ov.mask[fi>>6] |= 1 << (uint(fi) & 63)
			}
		}
	}
	l, err := prepareLayer(base.name, base.meta, geo.NewIndex(ch.Added), &t.opts)
	if err != nil {
		return nil, err
	}
	l.buildGroups()
	l.buildGrids()
	ov.layer = l
	return ov, nil
}

// linkOverlay hides the links of hidden enclaves and adds those of added
// ones. Links are matched to enclaves by feature id.
func (t *Tiler) linkOverlay(enclaves, links *layer, ov *overlayLayer, ch LayerChanges) (*overlayLayer, error) {
	hiddenIDs := map[string]bool{}
	src := enclaves.index.Features()
	for i, f := range src {
		if ch.Hidden != nil && ch.Hidden[i>>6]&(1<<(uint(i)&63)) != 0 {
			hiddenIDs[data.FeatureID(f)] = true
		}
	}
	lov := &overlayLayer{mask: make([]uint64, (len(links.features)+63)/64)}
	for i, f := range links.index.Features() {
		if hiddenIDs[data.FeatureID(f)] {
			fi := links.order[i]
			lov.mask[fi>>6] |= 1 << (uint(fi) & 63)
		}
	}
	var added linkLines
	for i, f := range ch.Added {
		ef := ov.layer.featureOf(i)
		home, ok := data.HomePoint(f.Properties)
		if !ok || ef.typ == 0 {
			continue
		}
		from := orb.Point{lonFromX(ef.labelX), latFromY(ef.labelY)}
		if from == home {
			continue
		}
		added.add(f, from, home)
	}
	l, err := added.prepare(&t.opts)
	if err != nil {
		return nil, err
	}
	l.buildGroups()
	l.buildGrids()
	lov.layer = l
	return lov, nil
}
