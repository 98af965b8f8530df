package tiles

import (
	"fmt"

	"github.com/planmap/planmap/data"
)

// SourceName is the style's vector source of planning tiles.
const SourceName = "planmap"

const fallbackColour = "#757575"

// LabelFont is the font stack of every label; the style has no glyphs
// entry, so MapLibre draws labels with the browser's local fonts.
var LabelFont = []string{"Noto Sans CJK SC", "sans-serif"}

type object = map[string]any

// kindColour colours a layer's features by kind, with the vocabulary
// table's colours.
func kindColour(layer string) any {
	terms := data.Vocabulary().Layer(layer)
	if terms == nil {
		return fallbackColour
	}
	expr := []any{"match", []any{"get", "kind"}}
	for _, k := range terms.Kinds {
		// Labels as one-element arrays: QGIS 3.22's converter turns a
		// single-string label into an empty IN ().
		expr = append(expr, []string{k.Value}, k.Colour)
	}
	return append(expr, fallbackColour)
}

// The filters are written in the legacy filter syntax, which MapLibre GL
// JS and Native, OpenLayers (ol-mapbox-style) and QGIS 3.22 all read the
// same: QGIS 3.22 draws nothing for ["match", ["geometry-type"], …]. A
// legacy "$type" is the tile geometry's type, so "Polygon" covers
// MultiPolygons too. Expression filters cannot be mixed with legacy ones in
// one "all", so each style layer also carries its filter as an expression
// in metadata "planmap:filter", for a web map that ANDs its own
// expressions onto it.
func geometryIs(typ string) []any { return []any{"==", "$type", typ} }

var (
	isPolygon = geometryIs("Polygon")
	isLine    = geometryIs("LineString")
	isPoint   = geometryIs("Point")
)

// statusIn is the legacy filter status ∈ statuses (or ∉, when in is
// false; a feature without status is then matched).
func statusIn(in bool, statuses []string) []any {
	op := "!in"
	if in {
		op = "in"
	}
	out := []any{op, "status"}
	for _, s := range statuses {
		out = append(out, s)
	}
	return out
}

// expressionFilter rewrites the legacy filters of this file as the
// expression they mean.
func expressionFilter(f []any) any {
	switch f[0] {
	case "all":
		out := []any{"all"}
		for _, c := range f[1:] {
			out = append(out, expressionFilter(c.([]any)))
		}
		return out
	case "==":
		if f[1] == "$type" {
			return []any{"match", []any{"geometry-type"}, []string{f[2].(string), "Multi" + f[2].(string)}, true, false}
		}
	case "in", "!in":
		if len(f) == 2 { // an empty list
			return f[0] == "!in"
		}
		values := make([]string, 0, len(f)-2)
		for _, v := range f[2:] {
			values = append(values, v.(string))
		}
		return []any{"match", []any{"get", f[1]}, values, f[0] == "in", f[0] != "in"}
	case "has":
		return f
	}
	panic(fmt.Sprintf("tiles: no expression for filter %v", f[0]))
}

// lineStyles are the status line styles that have statuses, in the
// vocabulary table's order (solid first).
func lineStyles() []string {
	var out []string
	for _, line := range data.LineStyles {
		if len(data.Vocabulary().StatusesDrawn(line)) > 0 {
			out = append(out, line)
		}
	}
	return out
}

// statusDrawn matches the features whose status the vocabulary table
// draws in line style line. Features of no status or one outside the
// table are drawn solid.
func statusDrawn(line string) []any {
	if line == data.LineSolid {
		var others []string
		for _, l := range data.LineStyles {
			if l != data.LineSolid {
				others = append(others, data.Vocabulary().StatusesDrawn(l)...)
			}
		}
		return statusIn(false, others)
	}
	return statusIn(true, data.Vocabulary().StatusesDrawn(line))
}

// byStatusLine gives each status the value its line style takes in
// values (solid, dashed, dotted, faint), solid for anything else.
func byStatusLine(values map[string]float64) []any {
	expr := []any{"match", []any{"get", "status"}}
	for _, s := range data.Vocabulary().Statuses {
		expr = append(expr, []string{s.Value}, values[s.Line]) // array labels, for QGIS 3.22
	}
	return append(expr, values[data.LineSolid])
}

// Dash patterns (in line widths) and opacities of the status line styles.
var (
	outlineDashes = map[string][]float64{data.LineDashed: {3, 2}, data.LineDotted: {0.6, 1.8}}
	lineDashes    = map[string][]float64{data.LineDashed: {2, 1.5}, data.LineDotted: {0.4, 1.6}}
	lineOpacity   = map[string]float64{data.LineSolid: 1, data.LineDashed: 1, data.LineDotted: 1, data.LineFaint: 0.4}
	fillOpacity   = map[string]float64{data.LineSolid: 0.3, data.LineDashed: 0.25, data.LineDotted: 0.2, data.LineFaint: 0.1}
	pointOpacity  = map[string]float64{data.LineSolid: 0.95, data.LineDashed: 0.8, data.LineDotted: 0.65, data.LineFaint: 0.35}
)

// suffix names the style layer of a line style: "outline",
// "outline-dashed", ….
func suffix(base, line string) string {
	if line == data.LineSolid {
		return base
	}
	return base + "-" + line
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
// "planmap:source-layer": "enclave-links") and, beside its legacy filter,
// the same filter as an expression in "planmap:filter", so a web map can
// toggle them per layer and AND extra conditions onto them.
// The style's "metadata" carries "planmap:vocabulary", the vocabulary
// table (labels, colours and status line styles), which the web map's
// legend reads.
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
		"metadata": object{"planmap:version": t.version, "planmap:vocabulary": data.Vocabulary()},
		"center":   []float64{center[0], center[1]},
		"zoom":     center[2],
		"sources":  sources,
		"layers":   layers,
	}
}

// planningLayer makes one style layer drawing source layer sourceLayer,
// toggled with planning layer toggle.
func planningLayer(sourceLayer, toggle, suffix, typ string, filter []any, paint, layout object) object {
	meta := object{"planmap:layer": toggle, "planmap:filter": expressionFilter(filter)}
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

// shapeLayers draws one layer's polygons (fill and outline) and lines in
// the line style of their status (the vocabulary table's: solid, dashed,
// dotted or faint), and points (including shapes too small to draw at the
// zoom, which the tiles carry as points) more transparent the less built.
func shapeLayers(name string) []any {
	colour := kindColour(name)
	lineWidth := []any{"interpolate", []any{"linear"}, []any{"zoom"}, 5, 1, 12, 2.5, 16, 4}
	layers := []any{
		planningLayer(name, name, "fill", "fill", isPolygon, object{"fill-color": colour, "fill-opacity": byStatusLine(fillOpacity)}, nil),
	}
	for _, line := range lineStyles() {
		outline := object{"line-color": colour, "line-width": 1.2, "line-opacity": lineOpacity[line]}
		if d, ok := outlineDashes[line]; ok {
			outline["line-dasharray"] = d
		}
		layers = append(layers, planningLayer(name, name, suffix("outline", line), "line", all(isPolygon, statusDrawn(line)), outline, nil))
	}
	for _, line := range lineStyles() {
		paint := object{"line-color": colour, "line-width": lineWidth, "line-opacity": lineOpacity[line]}
		layout := object{"line-cap": "round", "line-join": "round"}
		if d, ok := lineDashes[line]; ok {
			paint["line-dasharray"] = d
			if line == data.LineDashed {
				layout = object{"line-join": "round"}
			}
		}
		layers = append(layers, planningLayer(name, name, suffix("line", line), "line", all(isLine, statusDrawn(line)), paint, layout))
	}
	return append(layers, planningLayer(name, name, "point", "circle", isPoint, object{
		"circle-color":        colour,
		"circle-radius":       []any{"interpolate", []any{"linear"}, []any{"zoom"}, 5, 2.5, 12, 5},
		"circle-opacity":      byStatusLine(pointOpacity),
		"circle-stroke-color": "#ffffff",
		"circle-stroke-width": 1,
	}, nil))
}

// labelLayer labels one layer's features with their Chinese names, along
// lines for lines, from zoom 5 for places and 8 for corridors.
func labelLayer(name string) object {
	layout := object{
		// Only features with a name are labelled (the filter), so no
		// coalesce, which QGIS 3.22 cannot read in text-field.
		"text-field":         []any{"get", "name"},
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
