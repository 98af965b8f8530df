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
	"github.com/planmap/planmap/data/testtool"
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
	if want := append(slices.Clone(data.StandardLayers), EnclaveLinks, Labels); !slices.Equal(ids, want) {
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
		if layer == "" || l.Type == "symbol" || !ok || colour[0] != "match" {
			continue
		}
		got := map[string]any{}
		for i := 2; i+1 < len(colour); i += 2 {
			got[colour[i].([]any)[0].(string)] = colour[i+1]
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
		testtool.Missing(t, "gl-style-validate is missing (%v; run make frontend), so MapLibre cannot validate the style", err)
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
