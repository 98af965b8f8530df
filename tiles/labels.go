package tiles

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
)

// Labels is the derived layer holding one point for each polygon and point
// feature of every layer: the feature's label point (a point on the surface
// of its largest polygon), computed once when the tiler is built. It carries
// the feature's tile properties and two more: "layer", the source layer,
// and "shape", "Polygon" or "Point". A point lies in exactly one tile (and
// in the buffers of its neighbours, which MapLibre does not place), so a
// style that labels polygons from this layer draws one label per polygon
// rather than one per tile the polygon touches.
const Labels = "labels"

// labelLayer builds the Labels layer from the prepared layers (the enclave
// links and the lines are left out: lines are labelled along themselves).
func (t *Tiler) labelLayer() (*layer, error) {
	var points []*geojson.Feature
	var thinnable []bool
	for _, l := range t.layers {
		if l.name == EnclaveLinks {
			continue
		}
		points, thinnable = appendLabelPoints(points, thinnable, l)
	}
	return t.prepareLabels(points, thinnable)
}

// appendLabelPoints appends the label points of l's polygon and point
// features.
func appendLabelPoints(points []*geojson.Feature, thinnable []bool, l *layer) ([]*geojson.Feature, []bool) {
	src := l.index.Features()
	for i, f := range src {
		ef := l.featureOf(i)
		if ef.typ != mvtPolygon && ef.typ != mvtPoint {
			continue
		}
		props := make(geojson.Properties, len(propertyKeys)+2) // sized once
		for _, key := range propertyKeys {
			if v, ok := propertyValue(f, key); ok {
				props[key] = plainValue(v)
			}
		}
		props["layer"] = l.name
		props["shape"] = "Point"
		if ef.typ == mvtPolygon {
			props["shape"] = "Polygon"
		}
		p := geojson.NewFeature(orb.Point{lonFromX(ef.labelX), latFromY(ef.labelY)})
		p.Properties = props
		points = append(points, p)
		thinnable = append(thinnable, ef.thinnable)
	}
	return points, thinnable
}

func (t *Tiler) prepareLabels(points []*geojson.Feature, thinnable []bool) (*layer, error) {
	l, err := prepareLayer(Labels, nil, geo.NewIndex(points), &t.opts)
	if err != nil {
		return nil, err
	}
	for i := range thinnable { // a label may be thinned when its feature may
		l.featureOf(i).thinnable = thinnable[i]
	}
	return l, nil
}

// labelOverlay hides the label points of hidden features and adds those
// of the changed layers' added ones (overlays holds them by layer index).
func (t *Tiler) labelOverlay(labels *layer, overlays []*overlayLayer, changes map[string]LayerChanges) (*overlayLayer, error) {
	hidden := map[string]bool{} // "layer/id"
	for name, ch := range changes {
		li := t.byName[name]
		if ch.Hidden == nil {
			continue
		}
		for i, f := range t.layers[li].index.Features() {
			if ch.Hidden[i>>6]&(1<<(uint(i)&63)) != 0 {
				hidden[name+"/"+data.FeatureID(f)] = true
			}
		}
	}
	lov := &overlayLayer{mask: make([]uint64, (len(labels.features)+63)/64)}
	for i, f := range labels.index.Features() {
		name, _ := f.Properties["layer"].(string)
		id, _ := f.Properties["id"].(string)
		if hidden[name+"/"+id] {
			fi := labels.order[i]
			lov.mask[fi>>6] |= 1 << (uint(fi) & 63)
		}
	}
	var points []*geojson.Feature
	var thinnable []bool
	for li, ov := range overlays {
		if ov == nil || li >= len(t.layers) || t.layers[li].name == EnclaveLinks || t.layers[li].name == Labels {
			continue
		}
		points, thinnable = appendLabelPoints(points, thinnable, ov.layer)
	}
	l, err := t.prepareLabels(points, thinnable)
	if err != nil {
		return nil, err
	}
	l.buildGroups()
	l.buildGrids()
	lov.layer = l
	return lov, nil
}

// plainValue turns a tile value back into the Go value a GeoJSON property
// holds, for the derived layers built from prepared features.
func plainValue(v value) any {
	switch v.kind {
	case valString:
		return v.s
	case valDouble:
		return v.f
	case valBool:
		return v.n != 0
	}
	return float64(v.n)
}
