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
	var labels labelPoints
	for _, l := range t.layers {
		if l.name == EnclaveLinks {
			continue
		}
		labels.add(l)
	}
	return t.prepareLabels(&labels)
}

// labelPoints are label points to prepare as a layer: each a feature of
// its own (a point with the id of the feature it labels and no property
// map: at 1M features a map each would take a gigabyte), its properties
// read from the labelled feature.
type labelPoints struct {
	points    []*geojson.Feature
	from      []labelFrom
	thinnable []bool
}

// labelFrom is what a label point labels.
type labelFrom struct {
	feature *geojson.Feature
	layer   string
	polygon bool
}

// add appends the label points of l's polygon and point features.
func (lp *labelPoints) add(l *layer) {
	src := l.index.Features()
	for i, f := range src {
		ef := l.featureOf(i)
		if ef.typ != mvtPolygon && ef.typ != mvtPoint {
			continue
		}
		p := &geojson.Feature{Type: "Feature", Geometry: orb.Point{lonFromX(ef.labelX), latFromY(ef.labelY)}}
		if id := data.FeatureID(f); id != "" {
			p.ID = id
		}
		lp.points = append(lp.points, p)
		lp.from = append(lp.from, labelFrom{feature: f, layer: l.name, polygon: ef.typ == mvtPolygon})
		lp.thinnable = append(lp.thinnable, ef.thinnable)
	}
}

// value is label point i's tile property key: the labelled feature's,
// with "layer" its layer and "shape" "Polygon" or "Point".
func (lp *labelPoints) value(i int, key string) (value, bool) {
	switch key {
	case "layer":
		return value{kind: valString, s: lp.from[i].layer}, true
	case "shape":
		if lp.from[i].polygon {
			return value{kind: valString, s: "Polygon"}, true
		}
		return value{kind: valString, s: "Point"}, true
	}
	return propertyValue(lp.from[i].feature, key)
}

func (t *Tiler) prepareLabels(lp *labelPoints) (*layer, error) {
	l, err := prepareLayerWith(Labels, nil, geo.NewIndex(lp.points), &t.opts, lp.value)
	if err != nil {
		return nil, err
	}
	for i := range lp.thinnable { // a label may be thinned when its feature may
		l.featureOf(i).thinnable = lp.thinnable[i]
	}
	l.labelLayers = make([]string, len(lp.from))
	l.labelled = make([]*geojson.Feature, len(lp.from))
	for i, from := range lp.from {
		l.labelLayers[i], l.labelled[i] = from.layer, from.feature
	}
	l.index = nil // its points are garbage from here on
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
	for i, f := range labels.labelled {
		if hidden[labels.labelLayers[i]+"/"+data.FeatureID(f)] {
			fi := labels.order[i]
			lov.mask[fi>>6] |= 1 << (uint(fi) & 63)
		}
	}
	var points labelPoints
	for li, ov := range overlays {
		if ov == nil || li >= len(t.layers) || t.layers[li].name == EnclaveLinks || t.layers[li].name == Labels {
			continue
		}
		points.add(ov.layer)
	}
	l, err := t.prepareLabels(&points)
	if err != nil {
		return nil, err
	}
	l.buildGroups()
	l.buildGrids()
	lov.layer = l
	return lov, nil
}
