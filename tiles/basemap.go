package tiles

import (
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
)

// NewBasemap prepares a basemap — land, water, rivers, coastline and the
// reference places, as one FeatureCollection — for tiling as the single
// layer BasemapLayer, in the same way as the planning layers (one
// Douglas–Peucker pass, vertices kept by zoom). version names it in cache
// keys. Its tiles hold BasemapLayer only (the set BasemapLayers returns):
// the derived label layer the tiler always builds is left out of them.
func NewBasemap(version string, fc *geojson.FeatureCollection) (*Tiler, error) {
	layer := &data.Layer{ID: BasemapLayer, Title: "basemap", Features: fc}
	return New(version, []Source{{Layer: layer}}, Options{MaxZoom: BasemapMaxZoom})
}

// BasemapLayers is the layer set of a basemap tiler's tiles: BasemapLayer
// alone.
func (t *Tiler) BasemapLayers() (LayerSet, error) { return t.ParseLayers(BasemapLayer) }
