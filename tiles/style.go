package tiles

import (
	"strconv"

	"github.com/paulmach/orb/geo"

	"github.com/planmap/planmap/data"
)

// SourceName is the style's vector source of planning tiles.
const SourceName = "planmap"

const fallbackColour = "#757575"

// statuses are the vocabulary table's statuses (built, building,
// planned, only proposed).
func statuses() []string {
	var out []string
	for _, t := range data.Vocabulary().Statuses {
		out = append(out, t.Value)
	}
	return out
}

// catchAllStatus is the status whose style also draws features with no
// status or one outside the table: the first drawn dotted (planned), so
// that nothing of unknown status passes for built.
func catchAllStatus() string {
	if drawn := data.Vocabulary().StatusesDrawn(data.LineDotted); len(drawn) > 0 {
		return drawn[0]
	}
	all := statuses()
	return all[len(all)-1]
}

// LabelFont is the font stack of every label; the style has no glyphs
// entry, so MapLibre draws labels with the browser's local fonts.
var LabelFont = []string{"Noto Sans CJK SC", "sans-serif"}

// LabelMaxWidth is the width, in ems, at which place labels wrap.
const LabelMaxWidth = 16

// LongLineKm is the envelope diagonal above which a line counts as long
// (a railway to Europe): the regional view draws it faint, so it does not
// slash across the region.
const LongLineKm = 1500

type object = map[string]any

// kindColour is a match expression colouring a layer's features by kind.
// Labels are arrays ([["port"], "#…"]), the form every client reads (QGIS
// 3.22 turns a single-string label into an empty IN ()).
// The colours are the vocabulary table's.
func kindColour(layer string) any {
	terms := data.Vocabulary().Layer(layer)
	if terms == nil {
		return fallbackColour
	}
	expr := []any{"match", []any{"get", "kind"}}
	for _, k := range terms.Kinds {
		expr = append(expr, []any{k.Value}, k.Colour)
	}
	return append(expr, fallbackColour)
}

// The filters are legacy filters throughout (["==", "$type", "Polygon"],
// ["in", "status", …]): MapLibre GL JS and Native, OpenLayers and QGIS 3.22
// all read them, and a filter must not mix the two syntaxes. QGIS 3.22 draws
// nothing for an expression filter on ["geometry-type"].
func typeIs(t string) []any { return []any{"==", "$type", t} }

func all(conds ...[]any) []any {
	out := []any{"all"}
	for _, c := range conds {
		if c != nil {
			out = append(out, c)
		}
	}
	return out
}

func in(key string, values ...string) []any {
	out := []any{"in", key}
	for _, v := range values {
		out = append(out, v)
	}
	return out
}

func notIn(key string, values ...string) []any {
	out := []any{"!in", key}
	for _, v := range values {
		out = append(out, v)
	}
	return out
}

// statusIs selects the features of one status; the catch-all status also
// takes the features with no status or an unknown one, so that every
// feature has exactly one status style and none vanishes.
func statusIs(status string) []any {
	if status == catchAllStatus() {
		var others []string
		for _, s := range statuses() {
			if s != status {
				others = append(others, s)
			}
		}
		return notIn("status", others...)
	}
	return []any{"==", "status", status}
}

// StyleURLs are the addresses a style refers to.
type StyleURLs struct {
	// Tiles is the planning tiles' {z}/{x}/{y} template.
	Tiles string
	// Basemap is the offline basemap GeoJSON (land, water, places).
	Basemap string
	// BasemapTiles, when set, is the {z}/{x}/{y} template of the same
	// basemap as vector tiles (one layer, BasemapLayer, up to zoom
	// BasemapMaxZoom); the style then draws the basemap from them, so a
	// browser parses a few small tiles instead of the whole GeoJSON.
	BasemapTiles string
	// Sprite is the sprite's base URL (MapLibre adds .json, .png, @2x);
	// empty leaves icons and hatching out.
	Sprite string
}

// Style returns a MapLibre style (version 8) drawing every layer of the
// tiles served at tileURL (a {z}/{x}/{y} template) over the basemap of the
// GeoJSON at basemapURL, with no sprite. See StyleFor.
func (t *Tiler) Style(tileURL, basemapURL string) object {
	return t.StyleFor(StyleURLs{Tiles: tileURL, Basemap: basemapURL})
}

// StyleFor returns a MapLibre style (version 8) drawing every layer of the
// planning tiles over the offline basemap (land, water, rivers, places).
// Every style layer that draws a planning layer carries "metadata":
// {"planmap:layer": id} (the derived enclave links and labels carry their
// planning layer's id, so they follow its toggle, and
// "planmap:source-layer") and a legacy filter, so a web map can toggle them
// per layer and AND extra legacy conditions onto them. Status is drawn the
// same way for every layer: operational solid, under construction dashed,
// planned dotted (and hatched for areas), proposed faint; "planmap:status"
// in a layer's metadata says which status it draws.
func (t *Tiler) StyleFor(u StyleURLs) object {
	bounds, center := t.BoundsAndCenter()
	sources := object{
		SourceName: object{
			"type":        "vector",
			"tiles":       []string{u.Tiles},
			"minzoom":     t.opts.MinZoom,
			"maxzoom":     t.opts.MaxZoom,
			"bounds":      bounds,
			"attribution": t.Attribution(),
		},
		"basemap": object{
			"type":        "geojson",
			"data":        u.Basemap,
			"attribution": basemapAttribution,
		},
	}
	if u.BasemapTiles != "" {
		sources["basemap"] = object{
			"type":        "vector",
			"tiles":       []string{u.BasemapTiles},
			"minzoom":     0,
			"maxzoom":     BasemapMaxZoom,
			"attribution": basemapAttribution,
		}
	}
	sprite := u.Sprite != ""
	layers := basemapLayers()
	names := t.LayerNames()
	long := t.longLineIDs(data.Corridors)
	// areas first (fills, then outlines), then lines, then points, so that
	// no fill covers a corridor
	for _, name := range names {
		if name != EnclaveLinks && name != Labels {
			layers = append(layers, fillLayers(name, sprite)...)
		}
	}
	for _, name := range names {
		if name != EnclaveLinks && name != Labels {
			layers = append(layers, outlineLayers(name)...)
		}
	}
	for _, name := range names {
		switch {
		case name == EnclaveLinks:
			layers = append(layers, enclaveLinkLayers()...)
		case name == data.Corridors:
			layers = append(layers, corridorLayers(name, long)...)
		case name != Labels && t.hasLines(name):
			layers = append(layers, lineLayers(name)...)
		}
	}
	for _, name := range names {
		if name != EnclaveLinks && name != Labels {
			layers = append(layers, pointLayers(name, sprite)...)
		}
	}
	layers = append(layers, basemapLabelLayers()...)
	if u.BasemapTiles != "" {
		for _, l := range layers {
			if o, ok := l.(object); ok && o["source"] == "basemap" {
				o["source-layer"] = BasemapLayer
			}
		}
	}
	// corridor names first: MapLibre places the upper layers' labels
	// first, so the places' names win over the lines'
	for _, name := range names {
		if name == data.Corridors {
			layers = append(layers, labelLayers(name, sprite)...)
		}
	}
	for _, name := range names {
		if name != EnclaveLinks && name != Labels && name != data.Corridors {
			layers = append(layers, labelLayers(name, sprite)...)
		}
	}
	style := object{
		"version":  8,
		"name":     "planmap",
		"metadata": object{"planmap:version": t.version, "planmap:vocabulary": data.Vocabulary()},
		"center":   []float64{center[0], center[1]},
		"zoom":     center[2],
		"sources":  sources,
		"layers":   layers,
	}
	if sprite {
		style["sprite"] = u.Sprite
	}
	return style
}

// hasLines reports whether a layer holds any line.
func (t *Tiler) hasLines(name string) bool {
	i, ok := t.byName[name]
	if !ok {
		return false
	}
	for j := range t.layers[i].features {
		if t.layers[i].features[j].typ == mvtLine {
			return true
		}
	}
	return false
}

// longLineIDs lists the ids of a layer's lines whose envelope is longer
// than LongLineKm corner to corner.
func (t *Tiler) longLineIDs(name string) []string {
	i, ok := t.byName[name]
	if !ok {
		return nil
	}
	var ids []string
	for j, f := range t.layers[i].index.Features() {
		if t.layers[i].featureOf(j).typ != mvtLine {
			continue
		}
		b := f.Geometry.Bound()
		if geo.Distance(b.Min, b.Max)/1000 > LongLineKm {
			ids = append(ids, data.FeatureID(f))
		}
	}
	return ids
}

// planningLayer makes one style layer drawing source layer sourceLayer,
// toggled with planning layer toggle.
func planningLayer(sourceLayer, toggle, suffix, typ string, filter []any, paint, layout object) object {
	meta := object{"planmap:layer": toggle}
	if sourceLayer != toggle {
		meta["planmap:source-layer"] = sourceLayer
	}
	id := sourceLayer + "-" + suffix
	if sourceLayer == Labels {
		id = toggle + "-" + suffix
	}
	l := object{
		"id":           id,
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

// withStatus marks a style layer as drawing one status.
func withStatus(l object, status string) object {
	l["metadata"].(object)["planmap:status"] = status
	return l
}

// zoomRamp interpolates linearly between zoom, value stops.
func zoomRamp(stops ...float64) []any {
	out := []any{"interpolate", []any{"linear"}, []any{"zoom"}}
	for _, s := range stops {
		out = append(out, s)
	}
	return out
}

// scaled returns a zoomRamp with every value v turned into v*mul+add (a
// zoom expression must be the outermost one, so widths derived from
// another are ramps of their own).
func scaled(ramp []any, mul, add float64) []any {
	out := append([]any{}, ramp[:3]...)
	for i := 3; i+1 < len(ramp); i += 2 {
		out = append(out, ramp[i], ramp[i+1].(float64)*mul+add)
	}
	return out
}

// statusLook is how one status line style looks on every layer.
type statusLook struct {
	fillOpacity float64   // area fill
	lineOpacity float64   // lines and outlines
	dash        []float64 // nil: solid; in line widths
	round       bool      // round caps turn short dashes into dots
}

// lineLooks are the vocabulary table's status line styles as drawn:
// solid, dashed, dotted (and hatched for areas), faint.
var lineLooks = map[string]statusLook{
	data.LineSolid:  {fillOpacity: 0.38, lineOpacity: 1},
	data.LineDashed: {fillOpacity: 0.26, lineOpacity: 1, dash: []float64{3, 1.6}},
	data.LineDotted: {fillOpacity: 0.12, lineOpacity: 0.95, dash: []float64{0.1, 2.4}, round: true},
	data.LineFaint:  {fillOpacity: 0.06, lineOpacity: 0.45, dash: []float64{1.2, 2.2}},
}

// lookOf is how a status is drawn: its line style's look.
func lookOf(status string) statusLook {
	if t, ok := data.Vocabulary().Status(status); ok {
		return lineLooks[t.Line]
	}
	return lineLooks[data.LineDotted]
}

// fillLayers fills one layer's areas, by status; planned areas are hatched
// over their faint fill when the sprite has the pattern. The fills are not
// antialiased: outlineLayers strokes every area's edge on top, and
// MapLibre's antialiasing is a second draw of each fill (its outline),
// which cost a software-GL browser (SwiftShader) about a tenth of its
// first render.
func fillLayers(name string, sprite bool) []any {
	var out []any
	for _, s := range statuses() {
		look := lookOf(s)
		out = append(out, withStatus(planningLayer(name, name, "fill-"+s, "fill", all(typeIs("Polygon"), statusIs(s)),
			// large areas fade as the map zooms in, so the outlines and what
			// lies inside them stay readable
			object{"fill-color": kindColour(name), "fill-opacity": zoomRamp(9, look.fillOpacity, 13, look.fillOpacity*0.5), "fill-antialias": false}, nil), s))
	}
	if sprite {
		for _, s := range data.Vocabulary().StatusesDrawn(data.LineDotted) {
			out = append(out, withStatus(planningLayer(name, name, "hatch-"+s, "fill", all(typeIs("Polygon"), statusIs(s)),
				object{"fill-pattern": "hatch", "fill-opacity": 0.5, "fill-antialias": false}, nil), s))
		}
	}
	return out
}

// outlineLayers strokes one layer's areas, by status. Enclaves get a wider
// outline over a white casing, so that they read as sites of another
// county's territory.
func outlineLayers(name string) []any {
	width := zoomRamp(6, 0.8, 10, 1.4, 14, 2.2)
	if name == data.Enclaves {
		width = zoomRamp(6, 1.4, 10, 2.4, 14, 3.5)
	}
	var out []any
	if name == data.Enclaves {
		out = append(out, planningLayer(name, name, "casing", "line", typeIs("Polygon"),
			object{"line-color": "#ffffff", "line-width": zoomRamp(6, 3, 10, 4.5, 14, 6), "line-opacity": 0.8}, nil))
	}
	for _, s := range statuses() {
		look := lookOf(s)
		paint := object{"line-color": kindColour(name), "line-width": width, "line-opacity": look.lineOpacity}
		layout := object{"line-join": "round"}
		if look.dash != nil {
			paint["line-dasharray"] = look.dash
		}
		if look.round {
			layout["line-cap"] = "round"
		}
		out = append(out, withStatus(planningLayer(name, name, "outline-"+s, "line", all(typeIs("Polygon"), statusIs(s)), paint, layout), s))
	}
	return out
}

// Corridor kinds by symbol.
var (
	railKinds   = []string{"high_speed_rail", "railway", "suburban_rail"}
	roadKinds   = []string{"expressway", "urban_expressway"}
	otherKinds  = []string{"metro", "highway", "bridge", "tunnel", "shipping_channel"}
	conceptKind = "concept_corridor"
)

// corridorLayers draws the corridors by kind and status: rail as a line
// cased in dark grey, expressways as double lines (two edges in the kind's
// colour around a pale core), the other kinds as single lines, concept
// corridors faint and thin, every line over a white halo that keeps it
// legible on any basemap. Not-built statuses dash the line (or, for
// expressways, the edges). The long lines (long) are drawn once, faint and
// thin, from the regional zoom on.
func corridorLayers(name string, long []string) []any {
	notLong := notIn("id", long...)
	if len(long) == 0 {
		notLong = nil
	}
	colour := kindColour(name)
	railW := zoomRamp(5, 0.7, 9, 1.5, 12, 2.6, 16, 4.5)
	roadW := zoomRamp(5, 1, 9, 2.6, 12, 4.5, 16, 8)
	otherW := zoomRamp(5, 1, 9, 1.6, 12, 2.5, 16, 4)
	conceptW := zoomRamp(5, 1.5, 9, 3, 12, 5)
	halo := func(w []any) []any { return scaled(w, 1, 2.5) }
	join := func() object { return object{"line-join": "round", "line-cap": "butt"} }
	var out []any
	// halos under everything but the concept corridors and long lines
	out = append(out, planningLayer(name, name, "halo", "line", all(typeIs("LineString"), notIn("kind", conceptKind), notIn("status", "proposed"), notLong),
		object{"line-color": "#ffffff", "line-opacity": 0.85, "line-width": halo(roadW)}, object{"line-join": "round"}))
	// concept corridors: broad, faint bands
	for _, s := range statuses() {
		look := lookOf(s)
		paint := object{"line-color": colour, "line-width": conceptW, "line-opacity": 0.22 * look.lineOpacity}
		if look.dash != nil {
			paint["line-dasharray"] = []float64{2, 1}
		}
		out = append(out, withStatus(planningLayer(name, name, "concept-"+s, "line",
			all(typeIs("LineString"), in("kind", conceptKind), statusIs(s), notLong), paint, join()), s))
	}
	for _, s := range statuses() {
		look := lookOf(s)
		dashed := func(p object, l object) (object, object) {
			if look.dash != nil {
				p["line-dasharray"] = look.dash
			}
			if look.round {
				l["line-cap"] = "round"
			}
			return p, l
		}
		// rail: dark casing, then the coloured line (dashed when not built,
		// so the casing shows between the dashes)
		casing := object{"line-color": "#212529", "line-width": scaled(railW, 1, 1.4), "line-opacity": 0.55 * look.lineOpacity}
		out = append(out, withStatus(planningLayer(name, name, "rail-casing-"+s, "line",
			all(typeIs("LineString"), in("kind", railKinds...), statusIs(s), notLong), casing, join()), s))
		p, l := dashed(object{"line-color": colour, "line-width": railW, "line-opacity": look.lineOpacity}, join())
		out = append(out, withStatus(planningLayer(name, name, "rail-"+s, "line",
			all(typeIs("LineString"), in("kind", railKinds...), statusIs(s), notLong), p, l), s))
		// expressways: coloured edges (dashed when not built), pale core
		p, l = dashed(object{"line-color": colour, "line-width": roadW, "line-opacity": look.lineOpacity}, join())
		out = append(out, withStatus(planningLayer(name, name, "road-"+s, "line",
			all(typeIs("LineString"), in("kind", roadKinds...), statusIs(s), notLong), p, l), s))
		out = append(out, withStatus(planningLayer(name, name, "road-core-"+s, "line",
			all(typeIs("LineString"), in("kind", roadKinds...), statusIs(s), notLong),
			object{"line-color": "#fff8e6", "line-width": scaled(roadW, 0.45, 0), "line-opacity": look.lineOpacity}, join()), s))
		// the other kinds (and any kind not listed): single lines
		p, l = dashed(object{"line-color": colour, "line-width": otherW, "line-opacity": look.lineOpacity}, join())
		out = append(out, withStatus(planningLayer(name, name, "line-"+s, "line",
			all(typeIs("LineString"), notIn("kind", append(append([]string{conceptKind}, railKinds...), roadKinds...)...), statusIs(s), notLong), p, l), s))
	}
	if len(long) > 0 {
		out = append(out, planningLayer(name, name, "long", "line", all(typeIs("LineString"), in("id", long...)), object{
			"line-color":     colour,
			"line-width":     zoomRamp(3, 2, 6, 1.2, 9, 1),
			"line-opacity":   zoomRamp(3, 0.9, 6, 0.45, 8, 0.25),
			"line-dasharray": []float64{4, 2},
		}, object{"line-join": "round"}))
	}
	return out
}

// lineLayers draws the lines of a layer other than the corridors, by status.
func lineLayers(name string) []any {
	var out []any
	for _, s := range statuses() {
		look := lookOf(s)
		paint := object{"line-color": kindColour(name), "line-width": zoomRamp(5, 1, 12, 2.5, 16, 4), "line-opacity": look.lineOpacity}
		layout := object{"line-join": "round"}
		if look.dash != nil {
			paint["line-dasharray"] = look.dash
		}
		if look.round {
			layout["line-cap"] = "round"
		}
		out = append(out, withStatus(planningLayer(name, name, "line-"+s, "line", all(typeIs("LineString"), statusIs(s)), paint, layout), s))
	}
	return out
}

// enclaveLinkLayers draws the line from each enclave to its home seat.
func enclaveLinkLayers() []any {
	return []any{planningLayer(EnclaveLinks, data.Enclaves, "links", "line", typeIs("LineString"), object{
		"line-color":     kindColour(data.Enclaves),
		"line-width":     1.2,
		"line-opacity":   0.7,
		"line-dasharray": []float64{1, 2},
	}, nil)}
}

// portIcons maps port kinds to Maki icons in the sprite (CC0).
var portIcons = [][2]string{
	{"port", "harbor"}, {"port_area", "harbor"}, {"cruise_terminal", "ferry"}, {"airport", "airport"},
	{"rail_hub", "rail"}, {"multimodal_hub", "bus"},
}

func portIcon() []any {
	expr := []any{"match", []any{"get", "kind"}}
	for _, p := range portIcons {
		expr = append(expr, []any{p[0]}, p[1])
	}
	return append(expr, "harbor")
}

// pointLayers draws a layer's points (and shapes too small to draw at the
// zoom, which the tiles carry as points). Ports are badges: a disc in the
// kind's colour with a white icon when operational, a white disc ringed in
// the kind's colour with a coloured icon when not built yet, faint when
// only proposed; they come from the Labels layer, so an airport drawn as an
// area gets its plane too, at its label point.
func pointLayers(name string, sprite bool) []any {
	colour := kindColour(name)
	if name != data.Ports {
		var out []any
		for _, s := range statuses() {
			look := lookOf(s)
			paint := object{
				"circle-color": colour, "circle-radius": zoomRamp(5, 2.5, 12, 5),
				"circle-opacity": look.lineOpacity, "circle-stroke-color": "#ffffff", "circle-stroke-width": 1,
			}
			if s != "operational" {
				paint["circle-color"] = "#ffffff"
				paint["circle-stroke-color"] = colour
				paint["circle-stroke-width"] = 2
			}
			out = append(out, withStatus(planningLayer(name, name, "point-"+s, "circle", all(typeIs("Point"), statusIs(s)), paint, nil), s))
		}
		return out
	}
	radius := zoomRamp(5, 3.5, 8, 6, 11, 9.5, 15, 11)
	var out []any
	for _, s := range statuses() {
		look := lookOf(s)
		paint := object{
			"circle-color": colour, "circle-radius": radius, "circle-opacity": look.lineOpacity,
			"circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5, "circle-stroke-opacity": look.lineOpacity,
		}
		if look.dash != nil { // not built: a ring
			paint["circle-color"] = "#ffffff"
			paint["circle-stroke-color"] = colour
			paint["circle-stroke-width"] = 2.2
		}
		if look.round { // dotted: a thin ring
			paint["circle-stroke-width"] = 1.4
		}
		out = append(out, withStatus(planningLayer(Labels, name, "badge-"+s, "circle", all(in("layer", name), statusIs(s)), paint, nil), s))
	}
	if sprite {
		for _, s := range statuses() {
			look := lookOf(s)
			iconColour := any("#ffffff")
			if look.dash != nil {
				iconColour = colour
			}
			l := withStatus(planningLayer(Labels, name, "icon-"+s, "symbol", all(in("layer", name), statusIs(s)), object{
				"icon-color": iconColour, "icon-opacity": look.lineOpacity,
			}, object{
				"icon-image":            portIcon(),
				"icon-size":             zoomRamp(7, 0.55, 11, 0.9),
				"icon-allow-overlap":    true,
				"icon-ignore-placement": true,
			}), s)
			l["minzoom"] = 7
			out = append(out, l)
		}
	}
	return out
}

// labelLayers labels one layer's features with their Chinese names: lines
// along themselves from zoom 9, everything else once per feature from the
// Labels layer (places from zoom 7 for enclaves and ports, 9 for the dense
// parks; a label that collides with another is left out). Labels wrap at
// 9 ems and never start a line with a closing quote (a name of at most
// nine characters is never wrapped).
func labelLayers(name string, sprite bool) []any {
	text := object{
		"text-color": "#1d2430", "text-halo-color": "#ffffff", "text-halo-width": 1.4, "text-halo-blur": 0.2,
	}
	layout := object{
		"text-field":         []any{"get", "name"},
		"text-font":          LabelFont,
		"text-size":          zoomRamp(7, 11, 12, 12.5, 16, 14),
		"text-max-width":     LabelMaxWidth,
		"text-allow-overlap": false,
		"text-padding":       3,
	}
	if name == data.Corridors {
		layout["symbol-placement"] = "line"
		layout["symbol-spacing"] = 600
		layout["text-size"] = zoomRamp(9, 11, 14, 13)
		l := planningLayer(name, name, "label", "symbol", all(typeIs("LineString"), []any{"has", "name"}), text, layout)
		l["minzoom"] = 9
		return []any{l}
	}
	layout["text-anchor"] = "top"
	layout["text-offset"] = []float64{0, 0.6}
	minzoom := 9
	switch name {
	case data.Ports:
		layout["text-offset"] = []float64{0, 1.1}
		layout["text-size"] = zoomRamp(7, 10.5, 12, 12, 16, 13.5)
		minzoom = 8
	case data.Enclaves:
		minzoom = 6
	}
	if name != data.Ports {
		// areas are labelled on their label point, centred
		layout["text-anchor"] = "center"
		layout["text-offset"] = []float64{0, 0}
	}
	l := planningLayer(Labels, name, "label", "symbol", all(in("layer", name), []any{"has", "name"}), text, layout)
	l["minzoom"] = minzoom
	return []any{l}
}

// BasemapLayer is the name of the offline basemap's layer in its vector
// tiles, and BasemapMaxZoom the deepest zoom a style asks them for (the
// map overzooms beyond: the basemap has no finer detail to show).
const (
	BasemapLayer   = "basemap"
	BasemapMaxZoom = 12
)

const basemapAttribution = "Coastline © OpenStreetMap contributors (ODbL); land outside the region: Natural Earth; places, rivers and lakes: planmap contributors (CC BY 4.0)"

// The offline basemap's colours.
const (
	seaColour   = "#cfe2ee"
	landColour  = "#f6f4ee"
	waterColour = "#b9d6e9"
	riverColour = "#93bfdd"
	coastColour = "#9fbdd0"
	placeColour = "#3d4450"
	waterText   = "#2f6a99"
)

// basemapLayers draws the offline basemap under the plan: sea, land, lakes,
// reservoirs and estuaries, rivers and the coastline.
func basemapLayers() []any {
	return []any{
		object{"id": "background", "type": "background", "paint": object{"background-color": seaColour}},
		object{"id": "basemap-land", "type": "fill", "source": "basemap",
			"filter": all(typeIs("Polygon"), []any{"==", "kind", "land"}),
			"paint":  object{"fill-color": landColour}},
		object{"id": "basemap-water", "type": "fill", "source": "basemap",
			"filter": all(typeIs("Polygon"), []any{"==", "kind", "water"}),
			"paint":  object{"fill-color": waterColour, "fill-outline-color": riverColour}},
		object{"id": "basemap-river", "type": "line", "source": "basemap",
			"filter": all(typeIs("LineString"), []any{"==", "kind", "river"}),
			"layout": object{"line-join": "round", "line-cap": "round"},
			"paint": object{"line-color": riverColour,
				"line-width": []any{"interpolate", []any{"linear"}, []any{"zoom"}, 6, 0.8, 10, 2, 14, 4}}},
		object{"id": "basemap-coast", "type": "line", "source": "basemap",
			"filter": all(typeIs("LineString"), []any{"==", "kind", "coastline"}),
			"paint":  object{"line-color": coastColour, "line-width": 0.7}},
	}
}

// basemapLabelLayers names the basemap's places (cities from zoom 5,
// county and district seats from 8, towns from 10), islands and waters, in
// Chinese with English underneath (the basemap's "label" property). They
// sit under the plan's labels, which MapLibre places first.
func basemapLabelLayers() []any {
	place := func(rank int, minzoom float64, size []any, radius float64) []any {
		filter := all(typeIs("Point"), []any{"==", "kind", "place"}, []any{"==", "rank", rank})
		dot := object{"id": "basemap-place-dot-" + itoa(rank), "type": "circle", "source": "basemap", "filter": filter, "minzoom": minzoom,
			"paint": object{"circle-radius": radius, "circle-color": "#ffffff", "circle-stroke-color": placeColour, "circle-stroke-width": 1.2}}
		label := object{"id": "basemap-place-" + itoa(rank), "type": "symbol", "source": "basemap", "filter": filter, "minzoom": minzoom,
			"layout": object{
				"text-field": []any{"get", "label"}, "text-font": LabelFont, "text-size": size,
				"text-anchor": "left", "text-offset": []float64{0.5, 0}, "text-max-width": 12, "text-padding": 2,
				"text-variable-anchor": []string{"left", "right", "top", "bottom"}, "text-radial-offset": 0.5,
			},
			"paint": object{"text-color": placeColour, "text-halo-color": "#ffffff", "text-halo-width": 1.5}}
		return []any{dot, label}
	}
	out := []any{}
	out = append(out, place(3, 10, zoomRamp(10, 10, 14, 12), 2)...)
	out = append(out, place(2, 8, zoomRamp(8, 10.5, 12, 12.5), 2.5)...)
	out = append(out, place(1, 5, zoomRamp(5, 12, 10, 15), 3.5)...)
	out = append(out,
		object{"id": "basemap-island", "type": "symbol", "source": "basemap", "minzoom": 9,
			"filter": all(typeIs("Point"), []any{"==", "kind", "island"}),
			"layout": object{"text-field": []any{"get", "label"}, "text-font": LabelFont, "text-size": 10.5, "text-max-width": 10},
			"paint":  object{"text-color": "#5b6472", "text-halo-color": "#ffffff", "text-halo-width": 1.2}},
		object{"id": "basemap-water-label", "type": "symbol", "source": "basemap", "minzoom": 9,
			"filter": all(typeIs("Point"), []any{"==", "kind", "water-label"}),
			"layout": object{"text-field": []any{"get", "label"}, "text-font": LabelFont, "text-size": 11, "text-max-width": 10, "text-letter-spacing": 0.1},
			"paint":  object{"text-color": waterText, "text-halo-color": waterColour, "text-halo-width": 1}},
		object{"id": "basemap-river-label", "type": "symbol", "source": "basemap", "minzoom": 9,
			"filter": all(typeIs("LineString"), []any{"==", "kind", "river"}),
			"layout": object{"text-field": []any{"get", "name"}, "text-font": LabelFont, "text-size": 11, "symbol-placement": "line", "symbol-spacing": 500},
			"paint":  object{"text-color": waterText, "text-halo-color": "#ffffff", "text-halo-width": 1}},
	)
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }
