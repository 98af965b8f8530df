package tiles

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/planmap/planmap/data"
)

func TestTileJSON(t *testing.T) {
	ds := defaultDataset(t)
	tl := newTiler(t, ds, Options{})
	doc := tl.TileJSON("https://example.org/tiles/{z}/{x}/{y}.mvt")
	if doc.TileJSON != "3.0.0" || !slices.Equal(doc.Tiles, []string{"https://example.org/tiles/{z}/{x}/{y}.mvt"}) {
		t.Errorf("tilejson %q tiles %v", doc.TileJSON, doc.Tiles)
	}
	// bounds: the envelope of every feature, computed here by brute force
	var b orb.Bound
	first := true
	for _, l := range ds.Layers {
		for _, f := range l.Features.Features {
			if first {
				b, first = f.Geometry.Bound(), false
			}
			b = b.Union(f.Geometry.Bound())
		}
	}
	for i, want := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		if diff := doc.Bounds[i] - want; diff > 1e-6 || diff < -1e-6 {
			t.Errorf("bounds %v, want %v", doc.Bounds, b)
		}
	}
	if c := doc.Center; c[0] < b.Min[0] || c[0] > b.Max[0] || c[1] < b.Min[1] || c[1] > b.Max[1] || c[2] < float64(doc.MinZoom) || c[2] > float64(doc.MaxZoom) {
		t.Errorf("center %v outside bounds %v or zooms", c, b)
	}
	// The centre is among the places: within the envelope of the parks,
	// ports and enclaves (a corridor reaching Europe must not pull it out
	// of the region), and the default dataset's places are on the coast
	// between Shanghai and Quanzhou.
	var places orb.Bound
	first = true
	for _, l := range ds.Layers {
		if l.ID == data.Corridors {
			continue
		}
		for _, f := range l.Features.Features {
			if first {
				places, first = f.Geometry.Bound(), false
			}
			places = places.Union(f.Geometry.Bound())
		}
	}
	if c := doc.Center; !places.Contains(orb.Point{c[0], c[1]}) || c[0] < 117 || c[0] > 123 || c[1] < 24 || c[1] > 32 {
		t.Errorf("center %v is not among the places %v", c, places)
	}
	var ids []string
	for _, vl := range doc.VectorLayers {
		ids = append(ids, vl.ID)
		for _, f := range []string{"id", "name", "name_en", "kind", "status", "target_year", "city"} {
			if vl.Fields[f] == "" {
				t.Errorf("%s: field %s not described", vl.ID, f)
			}
		}
		if vl.Fields["target_year"] != "Number" || vl.Fields["name"] != "String" {
			t.Errorf("%s: fields %v", vl.ID, vl.Fields)
		}
	}
	if want := append(slices.Clone(data.StandardLayers), EnclaveLinks); !slices.Equal(ids, want) {
		t.Errorf("vector_layers %v, want %v", ids, want)
	}
	if doc.VectorLayers[1].Fields["mode"] == "" || doc.VectorLayers[3].Fields["home"] == "" || doc.VectorLayers[5].Fields["host"] == "" {
		t.Error("mode, home or host not described")
	}
	for _, l := range ds.Layers {
		if l.Attribution != "" && !strings.Contains(doc.Attribution, l.Attribution) {
			t.Errorf("attribution %q lacks %q", doc.Attribution, l.Attribution)
		}
	}
	if _, err := json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
}

func TestStyle(t *testing.T) {
	tl := newTiler(t, defaultDataset(t), Options{})
	tileURL := "https://example.org/tiles/{z}/{x}/{y}.mvt"
	style := tl.Style(tileURL, "https://example.org/basemap/land.geojson")
	raw, err := json.Marshal(style)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version int                        `json:"version"`
		Glyphs  *string                    `json:"glyphs"`
		Sources map[string]json.RawMessage `json:"sources"`
		Layers  []struct {
			ID          string         `json:"id"`
			Type        string         `json:"type"`
			Source      string         `json:"source"`
			SourceLayer string         `json:"source-layer"`
			Filter      []any          `json:"filter"`
			Metadata    map[string]any `json:"metadata"`
			Layout      map[string]any `json:"layout"`
			Paint       map[string]any `json:"paint"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != 8 || doc.Glyphs != nil {
		t.Errorf("version %d, glyphs %v (must be absent)", doc.Version, doc.Glyphs)
	}
	if !strings.Contains(string(doc.Sources["planmap"]), tileURL) || !strings.Contains(string(doc.Sources["basemap"]), `"https://example.org/basemap/land.geojson"`) {
		t.Errorf("sources %s", raw)
	}
	drawn := map[string]bool{}
	// lineOf[source layer][status] is how the style draws lines of that status.
	lineOf := map[string]map[string]string{}
	expressionOps := []string{"all", "any", "match", "!", "has", "==", "case", "in"}
	for _, l := range doc.Layers {
		if l.Source != SourceName {
			continue
		}
		toggle, _ := l.Metadata["planmap:layer"].(string)
		if !slices.Contains(data.StandardLayers, toggle) {
			t.Errorf("%s: metadata planmap:layer %q is not a planning layer", l.ID, toggle)
		}
		drawn[l.SourceLayer] = true
		// The filter is legacy syntax (QGIS 3.22 reads no geometry-type
		// expression); metadata planmap:filter is the same as an
		// expression, for the web map to AND onto (their equivalence is
		// checked by MapLibre's own featureFilter in TestStyleValidates).
		expr, _ := l.Metadata["planmap:filter"].([]any)
		if len(expr) == 0 || !slices.Contains(expressionOps, expr[0].(string)) || strings.Contains(mustJSON(t, expr), `"$type"`) {
			t.Errorf("%s: metadata planmap:filter %v is not an expression", l.ID, expr)
		}
		if strings.Contains(mustJSON(t, l.Filter), `"geometry-type"`) {
			t.Errorf("%s: filter %v uses geometry-type, which QGIS 3.22 cannot read", l.ID, l.Filter)
		}
		if l.Type == "symbol" {
			if fonts := l.Layout["text-font"].([]any); len(fonts) != 2 || fonts[0] != "Noto Sans CJK SC" {
				t.Errorf("%s: text-font %v", l.ID, fonts)
			}
		}
		if l.Type == "line" && l.SourceLayer != EnclaveLinks {
			for _, st := range data.Vocabulary().Statuses {
				if !evalFilter(t, l.Metadata["planmap:filter"], "LineString", st.Value) {
					continue
				}
				if prev, seen := lineOf[l.SourceLayer][st.Value]; seen {
					t.Errorf("%s: lines of status %s drawn twice (also %s)", l.ID, st.Value, prev)
				}
				if lineOf[l.SourceLayer] == nil {
					lineOf[l.SourceLayer] = map[string]string{}
				}
				lineOf[l.SourceLayer][st.Value] = lineStyleOf(t, l.Paint)
			}
		}
		if colour := mustJSON(t, l.Paint); l.SourceLayer != EnclaveLinks && l.Type != "symbol" && !strings.Contains(colour, `["get","kind"]`) {
			t.Errorf("%s: not coloured by kind: %s", l.ID, colour)
		}
	}
	for _, name := range tl.LayerNames() {
		if !drawn[name] {
			t.Errorf("no style layer draws %s", name)
		}
		if name == EnclaveLinks {
			continue
		}
		for _, st := range data.Vocabulary().Statuses {
			if got := lineOf[name][st.Value]; got != st.Line {
				t.Errorf("%s: lines of status %s are drawn %q, the vocabulary says %q", name, st.Value, got, st.Line)
			}
		}
	}
	validateStyle(t, raw)
}

// evalFilter evaluates the subset of MapLibre expressions the style's
// filters use (all, match on geometry-type or on a property) for a feature
// of geometry type geomType and status status.
func evalFilter(t *testing.T, expr any, geomType, status string) bool {
	t.Helper()
	e, ok := expr.([]any)
	if !ok || len(e) == 0 {
		t.Fatalf("filter %v is not an expression", expr)
	}
	switch e[0] {
	case "all":
		for _, sub := range e[1:] {
			if !evalFilter(t, sub, geomType, status) {
				return false
			}
		}
		return true
	case "match":
		input := e[1].([]any)
		var v string
		switch {
		case input[0] == "geometry-type":
			v = geomType
		case input[0] == "get" && input[1] == "status":
			v = status
		default:
			t.Fatalf("match on %v not evaluated here", input)
		}
		for i := 2; i+1 < len(e); i += 2 {
			labels, isList := e[i].([]any)
			if !isList {
				labels = []any{e[i]}
			}
			for _, label := range labels {
				if label == v {
					return e[i+1].(bool)
				}
			}
		}
		return e[len(e)-1].(bool)
	}
	t.Fatalf("operator %v not evaluated here", e[0])
	return false
}

// lineStyleOf reads a line layer's paint as one of the status line
// styles: a dash pattern whose dashes are shorter than the line is wide
// is dotted, a longer one dashed, an undashed line under half opacity
// faint, else solid.
func lineStyleOf(t *testing.T, paint map[string]any) string {
	t.Helper()
	if d, ok := paint["line-dasharray"].([]any); ok {
		if d[0].(float64) < 1 {
			return data.LineDotted
		}
		return data.LineDashed
	}
	if o, ok := paint["line-opacity"].(float64); ok && o < 0.5 {
		return data.LineFaint
	}
	return data.LineSolid
}

// TestStyleColoursFromVocabulary checks that the style colours every kind
// with the vocabulary table's colour and carries the table in its
// metadata for the web map's legend.
func TestStyleColoursFromVocabulary(t *testing.T) {
	tl := newTiler(t, defaultDataset(t), Options{})
	raw, err := json.Marshal(tl.Style("https://example.org/{z}/{x}/{y}.mvt", "https://example.org/land.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Metadata struct {
			Vocabulary data.VocabularyTable `json:"planmap:vocabulary"`
		} `json:"metadata"`
		Layers []struct {
			ID       string         `json:"id"`
			Type     string         `json:"type"`
			Metadata map[string]any `json:"metadata"`
			Paint    map[string]any `json:"paint"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(doc.Metadata.Vocabulary, *data.Vocabulary()) {
		t.Errorf("style metadata vocabulary differs from the table: %+v", doc.Metadata.Vocabulary)
	}
	checked := 0
	for _, l := range doc.Layers {
		layer, _ := l.Metadata["planmap:layer"].(string)
		colour, ok := l.Paint[l.Type+"-color"].([]any)
		if layer == "" || l.Type == "symbol" || !ok {
			continue
		}
		got := map[string]any{}
		for i := 2; i+1 < len(colour); i += 2 {
			labels, isList := colour[i].([]any)
			if !isList {
				labels = []any{colour[i]}
			}
			for _, label := range labels {
				got[label.(string)] = colour[i+1]
			}
		}
		for _, k := range data.Vocabulary().Layer(layer).Kinds {
			if got[k.Value] != k.Colour {
				t.Errorf("%s: kind %s coloured %v, the vocabulary says %s", l.ID, k.Value, got[k.Value], k.Colour)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Error("no style layer coloured by kind")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// validateStyle runs MapLibre's own style validator (gl-style-validate from
// @maplibre/maplibre-gl-style-spec, installed by `make frontend`).
func validateStyle(t *testing.T, raw []byte) {
	t.Helper()
	validator, _ := filepath.Abs("../frontend/node_modules/.bin/gl-style-validate")
	if _, err := os.Stat(validator); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("gl-style-validate missing (%v): run make frontend", err)
		}
		t.Skip("gl-style-validate missing (run make frontend); style not validated by MapLibre")
	}
	path := filepath.Join(t.TempDir(), "style.json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(validator, path).CombinedOutput()
	if err != nil {
		t.Errorf("MapLibre's validator rejects the style: %v\n%s", err, out)
	}
}
