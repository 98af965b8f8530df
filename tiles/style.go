package tiles

import (
	"github.com/planmap/planmap/data"
)

// SourceName is the style's vector source of planning tiles.
const SourceName = "planmap"

// kindColours colours each planning layer's kinds; fallbackColour covers
// anything else.
var kindColours = map[string][][2]string{
	data.IndustrialParks: {
		{"industrial_park", "#e07b39"}, {"cooperation_platform", "#c2185b"}, {"industrial_cluster", "#8d6e63"},
		{"pilot_zone", "#7b1fa2"}, {"innovation_base", "#1976d2"}, {"new_district", "#f9a825"},
		{"eco_tourism_park", "#388e3c"}, {"business_district", "#d32f2f"},
	},
	data.Corridors: {
		{"high_speed_rail", "#b71c1c"}, {"railway", "#5d4037"}, {"suburban_rail", "#ad1457"}, {"metro", "#6a1b9a"},
		{"expressway", "#ef6c00"}, {"urban_expressway", "#f57f17"}, {"highway", "#a1887f"}, {"bridge", "#37474f"},
		{"tunnel", "#546e7a"}, {"shipping_channel", "#0277bd"}, {"concept_corridor", "#2e7d32"},
	},
	data.Ports: {
		{"port", "#01579b"}, {"port_area", "#0288d1"}, {"cruise_terminal", "#00838f"}, {"airport", "#4527a0"},
		{"rail_hub", "#6d4c41"}, {"multimodal_hub", "#00695c"},
	},
	data.Enclaves: {
		{"science_enclave", "#6a1b9a"}, {"industrial_enclave", "#bf360c"}, {"headquarters_enclave", "#283593"},
	},
}

const fallbackColour = "#757575"

// DashedStatuses are the statuses drawn with dashed lines: not built yet.
var DashedStatuses = []string{"planned", "under_construction", "proposed"}

// LabelFont is the font stack of every label; the style has no glyphs
// entry, so MapLibre draws labels with the browser's local fonts.
var LabelFont = []string{"Noto Sans CJK SC", "sans-serif"}

type object = map[string]any

func kindColour(layer string) any {
	pairs, ok := kindColours[layer]
	if !ok {
		return fallbackColour
	}
	expr := []any{"match", []any{"get", "kind"}}
	for _, p := range pairs {
		expr = append(expr, p[0], p[1])
	}
	return append(expr, fallbackColour)
}

func geometryIs(types ...string) []any {
	return []any{"match", []any{"geometry-type"}, types, true, false}
}

var (
	isPolygon = geometryIs("Polygon", "MultiPolygon")
	isLine    = geometryIs("LineString", "MultiLineString")
	isPoint   = geometryIs("Point", "MultiPoint")
)

func statusDashed(dashed bool) []any {
	return []any{"match", []any{"get", "status"}, DashedStatuses, dashed, !dashed}
}

func all(conds ...[]any) []any {
	out := []any{"all"}
	for _, c := range conds {
		out = append(out, c)
	}
	return out
}

// Style returns a MapLibre style (version 8) drawing every layer of the
// tiles served at tileURL (a {z}/{x}/{y} template) over the land/sea
// background of the GeoJSON at basemapURL. Every style layer that draws a
// planning layer carries "metadata": {"planmap:layer": id} (the derived
// enclave links carry "enclaves", so they follow the enclaves' toggle, and
// "planmap:source-layer": "enclave-links") and an expression filter, so a
// web map can toggle them per layer and AND extra conditions onto them.
func (t *Tiler) Style(tileURL, basemapURL string) object {
	bounds, center := t.BoundsAndCenter()
	sources := object{
		SourceName: object{
			"type":        "vector",
			"tiles":       []string{tileURL},
			"minzoom":     t.opts.MinZoom,
			"maxzoom":     t.opts.MaxZoom,
			"bounds":      bounds,
			"attribution": t.Attribution(),
		},
		"basemap": object{
			"type":        "geojson",
			"data":        basemapURL,
			"attribution": "Coastline © OpenStreetMap contributors (ODbL); land outside the region: Natural Earth",
		},
	}
	layers := []any{
		object{"id": "background", "type": "background", "paint": object{"background-color": "#d6e6f0"}},
		object{"id": "basemap-land", "type": "fill", "source": "basemap", "filter": isPolygon,
			"paint": object{"fill-color": "#f4f2ec"}},
		object{"id": "basemap-coast", "type": "line", "source": "basemap",
			"filter": []any{"==", []any{"get", "kind"}, "coastline"},
			"paint":  object{"line-color": "#a7c0d0", "line-width": 0.6}},
	}
	var labels []any
	for _, name := range t.LayerNames() {
		if name == EnclaveLinks {
			layers = append(layers, planningLayer(name, data.Enclaves, "links", "line", isLine, object{
				"line-color":     kindColour(data.Enclaves),
				"line-width":     1.2,
				"line-opacity":   0.7,
				"line-dasharray": []float64{1, 2},
			}, nil))
			continue
		}
		layers = append(layers, shapeLayers(name)...)
		labels = append(labels, labelLayer(name))
	}
	layers = append(layers, labels...)
	return object{
		"version":  8,
		"name":     "planmap",
		"metadata": object{"planmap:version": t.version},
		"center":   []float64{center[0], center[1]},
		"zoom":     center[2],
		"sources":  sources,
		"layers":   layers,
	}
}

// planningLayer makes one style layer drawing source layer sourceLayer,
// toggled with planning layer toggle.
func planningLayer(sourceLayer, toggle, suffix, typ string, filter []any, paint, layout object) object {
	meta := object{"planmap:layer": toggle}
	if sourceLayer != toggle {
		meta["planmap:source-layer"] = sourceLayer
	}
	l := object{
		"id":           sourceLayer + "-" + suffix,
		"type":         typ,
		"source":       SourceName,
		"source-layer": sourceLayer,
		"filter":       filter,
		"metadata":     meta,
		"paint":        paint,
	}
	if layout != nil {
		l["layout"] = layout
	}
	return l
}

// shapeLayers draws one layer's polygons (fill and outline, dashed when not
// built yet), lines (likewise) and points (including shapes too small to
// draw at the zoom, which the tiles carry as points).
func shapeLayers(name string) []any {
	colour := kindColour(name)
	lineWidth := []any{"interpolate", []any{"linear"}, []any{"zoom"}, 5, 1, 12, 2.5, 16, 4}
	notBuiltOpacity := []any{"match", []any{"get", "status"}, DashedStatuses, 0.55, 0.95}
	return []any{
		planningLayer(name, name, "fill", "fill", isPolygon, object{"fill-color": colour, "fill-opacity": 0.3}, nil),
		planningLayer(name, name, "outline", "line", all(isPolygon, statusDashed(false)),
			object{"line-color": colour, "line-width": 1.2}, nil),
		planningLayer(name, name, "outline-dashed", "line", all(isPolygon, statusDashed(true)),
			object{"line-color": colour, "line-width": 1.2, "line-dasharray": []float64{3, 2}}, nil),
		planningLayer(name, name, "line", "line", all(isLine, statusDashed(false)),
			object{"line-color": colour, "line-width": lineWidth}, object{"line-cap": "round", "line-join": "round"}),
		planningLayer(name, name, "line-dashed", "line", all(isLine, statusDashed(true)),
			object{"line-color": colour, "line-width": lineWidth, "line-dasharray": []float64{2, 1.5}}, object{"line-join": "round"}),
		planningLayer(name, name, "point", "circle", isPoint, object{
			"circle-color":        colour,
			"circle-radius":       []any{"interpolate", []any{"linear"}, []any{"zoom"}, 5, 2.5, 12, 5},
			"circle-opacity":      notBuiltOpacity,
			"circle-stroke-color": "#ffffff",
			"circle-stroke-width": 1,
		}, nil),
	}
}

// labelLayer labels one layer's features with their Chinese names, along
// lines for lines, from zoom 5 for places and 8 for corridors.
func labelLayer(name string) object {
	layout := object{
		"text-field":         []any{"coalesce", []any{"get", "name"}, []any{"get", "id"}},
		"text-font":          LabelFont,
		"text-size":          []any{"interpolate", []any{"linear"}, []any{"zoom"}, 5, 10, 14, 13},
		"text-max-width":     8,
		"text-allow-overlap": false,
	}
	if name == data.Corridors {
		layout["symbol-placement"] = "line"
	} else {
		layout["text-offset"] = []float64{0, 0.9}
		layout["text-anchor"] = "top"
	}
	l := planningLayer(name, name, "label", "symbol", []any{"has", "name"}, object{
		"text-color":      "#263238",
		"text-halo-color": "#ffffff",
		"text-halo-width": 1.2,
	}, layout)
	// Places are named from the regional view (labels that collide are
	// dropped, so the map stays legible); corridor names follow their
	// lines once the lines are long enough on screen to carry them.
	l["minzoom"] = 5
	if name == data.Corridors {
		l["minzoom"] = 8
	}
	return l
}
