package tiles

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/planmap/planmap/data"
)

// styleDoc is the part of a MapLibre style the tests read.
type styleDoc struct {
	Version int                        `json:"version"`
	Glyphs  *string                    `json:"glyphs"`
	Sprite  string                     `json:"sprite"`
	Sources map[string]json.RawMessage `json:"sources"`
	Layers  []styleLayer               `json:"layers"`
}

type styleLayer struct {
	ID          string         `json:"id"`
	Type        string         `json:"type"`
	Source      string         `json:"source"`
	SourceLayer string         `json:"source-layer"`
	Filter      []any          `json:"filter"`
	Metadata    map[string]any `json:"metadata"`
	Layout      map[string]any `json:"layout"`
	Paint       map[string]any `json:"paint"`
	MinZoom     float64        `json:"minzoom"`
}

func testStyle(t *testing.T, sprite string) (*Tiler, styleDoc, []byte) {
	t.Helper()
	tl := newTiler(t, defaultDataset(t), Options{})
	style := tl.StyleFor(StyleURLs{Tiles: "https://example.org/tiles/{z}/{x}/{y}.mvt", Basemap: "https://example.org/basemap/land.geojson", Sprite: sprite})
	raw, err := json.Marshal(style)
	if err != nil {
		t.Fatal(err)
	}
	var doc styleDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return tl, doc, raw
}

// legacyOps are the operators of MapLibre's legacy filters, the only
// filter syntax every client (QGIS 3.22 included) reads.
var legacyOps = []string{"all", "any", "none", "==", "!=", "in", "!in", "has", "!has", "<", "<=", ">", ">="}

// checkLegacy reports why f is not a legacy filter, or "".
func checkLegacy(f []any) string {
	if len(f) == 0 {
		return "empty"
	}
	op, _ := f[0].(string)
	if !slices.Contains(legacyOps, op) {
		return fmt.Sprintf("operator %v", f[0])
	}
	switch op {
	case "all", "any", "none":
		for _, c := range f[1:] {
			sub, ok := c.([]any)
			if !ok {
				return fmt.Sprintf("%v is not a filter", c)
			}
			if why := checkLegacy(sub); why != "" {
				return why
			}
		}
		return ""
	}
	if len(f) < 2 {
		return "no key"
	}
	if _, ok := f[1].(string); !ok {
		return fmt.Sprintf("key %v is not a property name", f[1])
	}
	for _, v := range f[2:] {
		if _, isList := v.([]any); isList {
			return fmt.Sprintf("value %v is an expression", v)
		}
	}
	return ""
}

// evalLegacy evaluates a legacy filter on a feature of geometry type typ.
func evalLegacy(f []any, typ string, props map[string]any) bool {
	op := f[0].(string)
	get := func(key string) (any, bool) {
		if key == "$type" {
			return typ, true
		}
		v, ok := props[key]
		return v, ok
	}
	switch op {
	case "all":
		for _, c := range f[1:] {
			if !evalLegacy(c.([]any), typ, props) {
				return false
			}
		}
		return true
	case "any":
		for _, c := range f[1:] {
			if evalLegacy(c.([]any), typ, props) {
				return true
			}
		}
		return false
	case "none":
		for _, c := range f[1:] {
			if evalLegacy(c.([]any), typ, props) {
				return false
			}
		}
		return true
	case "has":
		_, ok := get(f[1].(string))
		return ok
	case "!has":
		_, ok := get(f[1].(string))
		return !ok
	case "==", "!=":
		v, ok := get(f[1].(string))
		eq := ok && fmt.Sprint(v) == fmt.Sprint(f[2])
		return eq == (op == "==")
	case "in", "!in":
		v, ok := get(f[1].(string))
		found := false
		for _, w := range f[2:] {
			found = found || (ok && fmt.Sprint(v) == fmt.Sprint(w))
		}
		return found == (op == "in")
	}
	panic("operator " + op)
}

// TestStyle checks the served style's form: version 8 with no glyphs,
// MapLibre's validator passes, every filter is a legacy filter, every
// match expression has array labels and no text-field uses coalesce (the
// forms QGIS 3.22 reads), every planning layer is drawn, and every planning
// style layer names its planning layer.
func TestStyle(t *testing.T) {
	tl, doc, raw := testStyle(t, "https://example.org/basemap/sprite")
	if doc.Version != 8 || doc.Glyphs != nil || doc.Sprite != "https://example.org/basemap/sprite" {
		t.Errorf("version %d, glyphs %v (must be absent), sprite %q", doc.Version, doc.Glyphs, doc.Sprite)
	}
	if !strings.Contains(string(doc.Sources["planmap"]), "https://example.org/tiles/{z}/{x}/{y}.mvt") || !strings.Contains(string(doc.Sources["basemap"]), `"https://example.org/basemap/land.geojson"`) {
		t.Errorf("sources %s", doc.Sources)
	}
	drawn := map[string]bool{}
	for _, l := range doc.Layers {
		if l.Type != "background" {
			if why := checkLegacy(l.Filter); why != "" {
				t.Errorf("%s: filter %v is not a legacy filter: %s", l.ID, l.Filter, why)
			}
		}
		if js := mustJSON(t, l.Filter); strings.Contains(js, "geometry-type") {
			t.Errorf("%s: filter on geometry-type: %s", l.ID, js)
		}
		for _, props := range []map[string]any{l.Paint, l.Layout} {
			for k, v := range props {
				checkMatchLabels(t, l.ID+" "+k, v)
			}
		}
		if tf, ok := l.Layout["text-field"]; ok && strings.Contains(mustJSON(t, tf), "coalesce") {
			t.Errorf("%s: text-field %v uses coalesce", l.ID, tf)
		}
		if _, text := l.Layout["text-field"]; text {
			if fonts, _ := l.Layout["text-font"].([]any); len(fonts) != 2 || fonts[0] != "Noto Sans CJK SC" {
				t.Errorf("%s: text-font %v", l.ID, fonts)
			}
		}
		if l.Source != SourceName {
			continue
		}
		toggle, _ := l.Metadata["planmap:layer"].(string)
		if !slices.Contains(data.StandardLayers, toggle) {
			t.Errorf("%s: metadata planmap:layer %q is not a planning layer", l.ID, toggle)
		}
		drawn[l.SourceLayer] = true
		if l.SourceLayer == Labels && !strings.Contains(mustJSON(t, l.Filter), `["in","layer","`+toggle+`"]`) {
			t.Errorf("%s: draws labels without selecting layer %s: %v", l.ID, toggle, l.Filter)
		}
		if colour := mustJSON(t, l.Paint); l.Type != "symbol" && l.SourceLayer != EnclaveLinks && !strings.Contains(l.ID, "halo") &&
			!strings.Contains(l.ID, "casing") && !strings.Contains(l.ID, "core") && !strings.Contains(l.ID, "hatch") && !strings.Contains(colour, `["get","kind"]`) {
			t.Errorf("%s: not coloured by kind: %s", l.ID, colour)
		}
	}
	for _, name := range tl.LayerNames() {
		if !drawn[name] {
			t.Errorf("no style layer draws %s", name)
		}
	}
	validateStyle(t, raw)
}

// checkMatchLabels reports match expressions with a label that is not an
// array.
func checkMatchLabels(t *testing.T, where string, v any) {
	t.Helper()
	e, ok := v.([]any)
	if !ok {
		return
	}
	if len(e) > 3 && e[0] == "match" {
		for i := 2; i+1 < len(e); i += 2 {
			if _, isList := e[i].([]any); !isList {
				t.Errorf("%s: match label %v is not an array", where, e[i])
			}
		}
	}
	for _, sub := range e {
		checkMatchLabels(t, where, sub)
	}
}

// roles name the style layers that draw a feature's main symbol (not its
// halo, casing, core, hatch, icon or label): a feature must be drawn by
// exactly one of them whatever its status, kind and geometry.
func mainRole(l styleLayer) bool {
	if l.Type == "symbol" || l.Type == "background" {
		return false
	}
	for _, aux := range []string{"halo", "casing", "core", "hatch"} {
		if strings.Contains(l.ID, aux) {
			return false
		}
	}
	return true
}

// TestStyleDrawsEveryFeatureOnce evaluates the style's filters on every
// combination of layer, geometry, kind (and an unknown one) and status
// (and none): each feature is filled once and outlined once (areas), or
// stroked once (lines), or drawn once as a point, by a style layer of the
// status it has (none counting as planned).
func TestStyleDrawsEveryFeatureOnce(t *testing.T) {
	tl, doc, _ := testStyle(t, "sprite")
	statuses := append(statuses(), "")
	long := tl.longLineIDs(data.Corridors)
	if len(long) == 0 {
		t.Error("no long line in the default dataset (the railway to Europe should be one)")
	}
	for _, name := range data.StandardLayers {
		kinds := []string{"no-such-kind"}
		for _, k := range data.Vocabulary().Layer(name).Kinds {
			kinds = append(kinds, k.Value)
		}
		for _, typ := range []string{"Polygon", "LineString", "Point"} {
			if typ == "LineString" && !tl.hasLines(name) {
				continue
			}
			for _, kind := range kinds {
				for _, status := range statuses {
					for _, id := range []string{"some-feature", firstOr(long, "")} {
						if id == "" || (id != "some-feature" && (name != data.Corridors || typ != "LineString")) {
							continue
						}
						props := map[string]any{"kind": kind, "id": id, "name": "x"}
						if status != "" {
							props["status"] = status
						}
						source := name
						if typ == "Point" && name == data.Ports {
							source, props["layer"] = Labels, name
						}
						byRole := map[string][]string{}
						for _, l := range doc.Layers {
							if l.Source != SourceName || l.SourceLayer != source || !mainRole(l) || !evalLegacy(l.Filter, typ, props) {
								continue
							}
							role := l.Type
							byRole[role] = append(byRole[role], l.ID)
							want := status
							if want == "" {
								want = catchAllStatus()
							}
							if got, ok := l.Metadata["planmap:status"]; ok && got != want {
								t.Errorf("%s %s %s/%s: drawn by %s, a layer of status %v", name, typ, kind, status, l.ID, got)
							}
						}
						switch typ {
						case "Polygon":
							if len(byRole["fill"]) != 1 || len(byRole["line"]) != 1 {
								t.Errorf("%s polygon %s/%q: fills %v, outlines %v; want one of each", name, kind, status, byRole["fill"], byRole["line"])
							}
						case "LineString":
							if len(byRole["line"]) != 1 {
								t.Errorf("%s line %s/%q (%s): stroked by %v; want one", name, kind, status, id, byRole["line"])
							}
						case "Point":
							if len(byRole["circle"]) != 1 {
								t.Errorf("%s point %s/%q: drawn by %v; want one", name, kind, status, byRole["circle"])
							}
						}
					}
				}
			}
		}
	}
}

func firstOr(s []string, def string) string {
	if len(s) == 0 {
		return def
	}
	return s[0]
}

// TestStyleStatusesLookDifferent checks that the four statuses differ in
// what a viewer sees for every kind of symbol: the dash pattern or the
// opacity of the main line of a polygon's outline, a rail line, an
// expressway and a port badge, taken from the layers that draw them.
func TestStyleStatusesLookDifferent(t *testing.T) {
	_, doc, _ := testStyle(t, "sprite")
	look := func(prefix string) map[string]string {
		out := map[string]string{}
		for _, l := range doc.Layers {
			s, _ := l.Metadata["planmap:status"].(string)
			if s == "" || l.ID != prefix+s {
				continue
			}
			out[s] = mustJSON(t, []any{l.Paint["line-dasharray"], l.Paint["line-opacity"], l.Paint["circle-color"], l.Paint["circle-opacity"], l.Paint["circle-stroke-width"]})
		}
		return out
	}
	for _, prefix := range []string{"industrial-parks-outline-", "corridors-rail-", "corridors-road-", "corridors-line-", "ports-badge-", "enclaves-outline-"} {
		got := look(prefix)
		if len(got) != len(statuses()) {
			t.Errorf("%s: styles for %d statuses: %v", prefix, len(got), got)
			continue
		}
		all := statuses()
		for i, a := range all {
			for _, b := range all[i+1:] {
				if got[a] == got[b] {
					t.Errorf("%s: %s and %s look the same: %s", prefix, a, b, got[a])
				}
			}
		}
		if prefix != "ports-badge-" && !strings.HasPrefix(got["operational"], "[null") {
			t.Errorf("%s: operational is not solid: %s", prefix, got["operational"])
		}
	}
}

// TestPalette checks the palette: within a layer the kinds differ by at
// least 18 in CIELAB ΔE (about the difference of two named hues), no two
// kinds of different layers share a colour, and every colour has a
// lightness (L*) between 30 and 75, dark enough for a white halo on the
// light basemap and light enough to see on a dark one.
func TestPalette(t *testing.T) {
	seen := map[string]string{}
	for _, lt := range data.Vocabulary().Layers {
		layer := lt.ID
		for i, a := range lt.Kinds {
			la := lab(t, a.Colour)
			if la[0] < 30 || la[0] > 75 {
				t.Errorf("%s %s %s: L* %.0f outside 30..75", layer, a.Value, a.Colour, la[0])
			}
			if other, dup := seen[strings.ToLower(a.Colour)]; dup {
				t.Errorf("%s %s shares %s with %s", layer, a.Value, a.Colour, other)
			}
			seen[strings.ToLower(a.Colour)] = layer + " " + a.Value
			for _, b := range lt.Kinds[i+1:] {
				if d := deltaE(la, lab(t, b.Colour)); d < 18 {
					t.Errorf("%s: %s %s and %s %s differ by ΔE %.1f", layer, a.Value, a.Colour, b.Value, b.Colour, d)
				}
			}
		}
	}
}

// lab converts #rrggbb (sRGB, D65) to CIELAB.
func lab(t *testing.T, hex string) [3]float64 {
	t.Helper()
	if len(hex) != 7 || hex[0] != '#' {
		t.Fatalf("colour %q", hex)
	}
	var rgb [3]float64
	for i := range rgb {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			t.Fatal(err)
		}
		c := float64(v) / 255
		if c <= 0.04045 {
			rgb[i] = c / 12.92
		} else {
			rgb[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	x := (0.4124*rgb[0] + 0.3576*rgb[1] + 0.1805*rgb[2]) / 0.95047
	y := 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
	z := (0.0193*rgb[0] + 0.1192*rgb[1] + 0.9505*rgb[2]) / 1.08883
	f := func(v float64) float64 {
		if v > 216.0/24389 {
			return math.Cbrt(v)
		}
		return (24389.0/27*v + 16) / 116
	}
	return [3]float64{116*f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))}
}

func deltaE(a, b [3]float64) float64 {
	return math.Sqrt((a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]) + (a[2]-b[2])*(a[2]-b[2]))
}

// TestLabelsNeverBreakBeforeClosingQuote checks the default dataset's place
// names that hold a closing quote or bracket against the label width: a
// name no longer than LabelMaxWidth characters is never wrapped, so it
// cannot start a line with the quote (MapLibre breaks after any ideograph).
func TestLabelsNeverBreakBeforeClosingQuote(t *testing.T) {
	ds := defaultDataset(t)
	for _, l := range ds.Layers {
		for _, f := range l.Features.Features {
			name, _ := f.Properties["name"].(string)
			if f.Geometry.GeoJSONType() == "LineString" || f.Geometry.GeoJSONType() == "MultiLineString" || !strings.ContainsAny(name, "”’」』）》】") {
				continue
			}
			if n := len([]rune(name)); n > LabelMaxWidth {
				t.Errorf("%s %q: %d characters wrap at %d ems and may start a line with its closing quote", l.ID, name, n, LabelMaxWidth)
			}
		}
	}
}
