package data

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// wantProblem describes one expected problem: the reason must contain
// every one of reason's parts.
type wantProblem struct {
	file   string
	index  int
	id     string
	reason []string
}

func want(file string, index int, id string, reason ...string) wantProblem {
	return wantProblem{file, index, id, reason}
}

// TestBrokenFixtures loads each folder of testdata/broken, one rule broken
// per folder (next to a valid feature), and checks that exactly the
// expected problems are reported, each naming file, feature index, id and
// reason.
func TestBrokenFixtures(t *testing.T) {
	const parks, corridors, ports, enclaves = "industrial-parks.geojson", "corridors.geojson", "ports.geojson", "enclaves.geojson"
	tests := []struct {
		rule string
		want []wantProblem
	}{
		{"not-json", []wantProblem{want(parks, -1, "", "not valid GeoJSON", "line 3:", "invalid character '}'")}},
		{"trailing-data", []wantProblem{want(parks, -1, "", "not valid GeoJSON", "after top-level value")}},
		{"not-feature-collection", []wantProblem{want(parks, -1, "", `type is "Feature", want "FeatureCollection"`)}},
		{"not-a-feature", []wantProblem{want(parks, 1, "", "not a valid GeoJSON feature", `"type" is "Polygon", want "Feature"`)}},
		{"bad-geometry-type", []wantProblem{want(corridors, 1, "bad-1", "geometry is a Polygon; layer corridors takes LineString or MultiLineString")}},
		{"coordinates-out-of-range", []wantProblem{want(ports, 1, "bad-1", "point position 0 [190.5 28] is out of range")}},
		{"too-many-decimals", []wantProblem{want(ports, 1, "bad-1", "[120.1234567 28.5] has more than 6 decimals")}},
		{"short-position", []wantProblem{want(ports, 1, "bad-1", "not a valid GeoJSON feature", "Point has a position of 1 number(s)")}},
		{"empty-geometry", []wantProblem{want(corridors, 1, "bad-1", "multilinestring has no lines")}},
		{"unclosed-ring", []wantProblem{want(parks, 1, "bad-1", "polygon exterior ring is not closed")}},
		{"clockwise-exterior", []wantProblem{want(parks, 1, "bad-1", "polygon exterior ring is clockwise")}},
		{"counter-clockwise-hole", []wantProblem{want(parks, 1, "bad-1", "polygon hole 1 is counter-clockwise")}},
		{"hole-outside", []wantProblem{want(parks, 1, "bad-1", "polygon hole 1 lies outside the exterior ring")}},
		{"self-intersection", []wantProblem{want(parks, 1, "bad-1", "polygon self-intersects: segment 1 of ring 0 crosses or touches segment 3 of ring 0")}},
		{"self-touching", []wantProblem{want(parks, 1, "bad-1", "polygon self-intersects: segment")}},
		{"spike", []wantProblem{want(parks, 1, "bad-1", "polygon has a spike: segment 2 of ring 0 folds back over segment 3 of ring 0")}},
		{"repeated-points", []wantProblem{want(corridors, 1, "bad-1", "line repeats position 1 [120.65 28.02] at 2")}},
		{"duplicate-id-in-file", []wantProblem{want(ports, 1, "ok-1", `id "ok-1" is already used by feature 0`)}},
		{"duplicate-id-across-files", []wantProblem{want(ports, 1, "shared-id", `id "shared-id" is already used by feature 0 of corridors.geojson`)}},
		{"missing-property", []wantProblem{want(parks, 1, "bad-1", `property "status" is missing`)}},
		{"bad-vocabulary", []wantProblem{want(parks, 1, "bad-1", `property "kind" is "factory", want one of industrial_park, `)}},
		{"bad-status", []wantProblem{want(corridors, 1, "bad-1", `property "status" is "done", want one of operational, under_construction, planned, proposed`)}},
		{"bad-mode", []wantProblem{want(corridors, 1, "bad-1", `property "mode" is "bus", want one of rail, `)}},
		{"bad-target-year", []wantProblem{want(parks, 1, "bad-1", `property "target_year" is 2025.5, want an integer year`)}},
		{"too-long-excerpt", []wantProblem{want(parks, 1, "bad-1", `"source_excerpt" has 61 characters, at most 60 allowed`)}},
		{"bad-home-point", []wantProblem{want(enclaves, 1, "bad-1", `property "home_point" is [200 30], want [lon, lat] in range`)}},
		{"bad-slug", []wantProblem{want(ports, 1, "Bad Slug", `id "Bad Slug" is not a URL-safe slug`)}},
		{"bad-layer-name", []wantProblem{want("Notes.geojson", -1, "", `layer id "Notes" (the file name) must be a URL-safe slug`)}},
		// Every error of a file at once, several per feature.
		{"many-errors", []wantProblem{
			want(parks, 1, "bad-kind-and-year", `property "kind" is "factory"`),
			want(parks, 1, "bad-kind-and-year", `property "target_year" is 2025, want an integer year`),
			want(parks, 2, "bad-ring", "polygon exterior ring is clockwise"),
			want(parks, 3, "ok-1", `id "ok-1" is already used by feature 0`),
			want(parks, 4, "bad-range", "polygon exterior ring position 0 [120.7 91] is out of range"),
			want(parks, 4, "bad-range", "polygon exterior ring position 3 [120.7 91] is out of range"),
			want(parks, 5, "bad-excerpt", `property "name" must not be null`),
			want(parks, 5, "bad-excerpt", `"source_excerpt" has 70 characters`),
		}},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.rule] = true
		t.Run(tt.rule, func(t *testing.T) {
			dir := filepath.Join("testdata", "broken", tt.rule)
			ds, err := LoadDir(dir)
			if ds != nil {
				t.Fatalf("LoadDir(%s) returned a dataset for broken data", dir)
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("LoadDir(%s) error = %v, want a *ValidationError", dir, err)
			}
			got := verr.Problems
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(tt.want), err)
			}
			for i, w := range tt.want {
				p := got[i]
				if p.File != w.file || p.Index != w.index || p.ID != w.id {
					t.Errorf("problem %d is %s; want file %s, index %d, id %q", i, p, w.file, w.index, w.id)
				}
				for _, part := range w.reason {
					if !strings.Contains(p.Reason, part) {
						t.Errorf("problem %d reason %q lacks %q", i, p.Reason, part)
					}
				}
				// The printed message names file, feature and id too.
				msg := p.String()
				for _, part := range append([]string{w.file, p.Reason}, featureMention(w.index, w.id)...) {
					if !strings.Contains(msg, part) {
						t.Errorf("message %q lacks %q", msg, part)
					}
				}
				if !strings.Contains(err.Error(), msg) {
					t.Errorf("ValidationError.Error() does not list %q", msg)
				}
			}
		})
	}
	// Every fixture folder is in the table.
	entries, err := os.ReadDir(filepath.Join("testdata", "broken"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !seen[e.Name()] {
			t.Errorf("testdata/broken/%s has no test case", e.Name())
		}
	}
}

func featureMention(index int, id string) []string {
	var parts []string
	if index >= 0 {
		parts = append(parts, fmt.Sprintf("feature %d", index))
	}
	if id != "" {
		parts = append(parts, fmt.Sprintf("(id %q)", id))
	}
	return parts
}

// TestValidFixtures loads a small valid dataset with holes, multi-part
// geometries, collinear vertices, a self-crossing line (allowed), a
// sidecar and a non-planning layer with free-form properties.
func TestValidFixtures(t *testing.T) {
	ds, err := LoadDir(filepath.Join("testdata", "valid"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range ds.Layers {
		ids = append(ids, l.ID)
	}
	if got, want := strings.Join(ids, ","), "industrial-parks,corridors,ports,enclaves,notes"; got != want {
		t.Errorf("layer order %s, want %s", got, want)
	}
	counts := map[string]int{IndustrialParks: 4, Corridors: 3, Ports: 2, Enclaves: 2, "notes": 2}
	for _, l := range ds.Layers {
		if len(l.Features.Features) != counts[l.ID] {
			t.Errorf("%s has %d features, want %d", l.ID, len(l.Features.Features), counts[l.ID])
		}
	}
	if got := ds.Layer(Ports).Title; got != "Ports (test)" {
		t.Errorf("ports title %q, want the sidecar's", got)
	}
	if got := ds.Layer(Corridors).Title; got != Corridors {
		t.Errorf("corridors title %q, want the id when there is no sidecar", got)
	}
	if ds.Layer("notes").Features.Features[0].Geometry.Bound().Min[0] != 120.123456789 {
		t.Error("a non-planning layer keeps its coordinates' precision")
	}
	if len(ds.Version) != 16 {
		t.Errorf("version %q, want 16 hex digits", ds.Version)
	}
}

// TestVersionFollowsContent checks that the dataset version is a content
// hash: the same files give the same version, one changed byte another.
func TestVersionFollowsContent(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, filepath.Join("testdata", "valid"), dir)
	a, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a.Version != b.Version {
		t.Errorf("same files, versions %s and %s", a.Version, b.Version)
	}
	path := filepath.Join(dir, "ports.json")
	side, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(side), "Ports (test)", "Ports (test!)", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version == a.Version {
		t.Error("a changed sidecar kept the version")
	}
}

func copyDir(t testing.TB, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestValidateLayerInline covers rules and corner cases that need no
// fixture folder: problems of whole files and odd JSON shapes.
func TestValidateLayerInline(t *testing.T) {
	point := `{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Point","coordinates":[120,28]}}`
	tests := []struct {
		name, raw string
		want      []string // reasons, in order (substrings)
	}{
		{"empty file", ``, []string{"unexpected end of JSON input"}},
		{"not UTF-8", "{\"type\":\"FeatureCollection\",\"features\":[],\"x\":\"\xff\"}", []string{"not UTF-8 text: byte 0xFF at byte offset 47 (line 1, column 48)"}},
		{"not UTF-8 on line 3", "{\"type\":\"FeatureCollection\",\n\"features\":[],\n\"x\":\"é\xc3(\"}", []string{"byte 0xC3 at byte offset 51 (line 3, column 7)"}},
		{"truncated sequence at the end", "{}\xe4\xb8", []string{"byte 0xE4 at byte offset 2 (line 1, column 3)"}},
		{"UTF-8 BOM", "\xef\xbb\xbf{\"type\":\"FeatureCollection\",\"features\":[]}", []string{"not valid GeoJSON: the file starts with a UTF-8 byte order mark (bytes EF BB BF at byte offset 0), which JSON does not allow: save it as UTF-8 without BOM"}},
		{"UTF-16 BOM", "\xff\xfe{\x00}\x00", []string{"starts with a UTF-16 byte order mark (bytes FF FE at byte offset 0)"}},
		{"repeated features member", `{"type":"FeatureCollection","features":[],"features":[]}`, []string{`the FeatureCollection has member "features" twice`}},
		{"repeated property", `{"type":"FeatureCollection","features":[` + point + `,{"type":"Feature","properties":{"id":"b","status":"planned","status":"operational"},"geometry":{"type":"Point","coordinates":[1,2]}}]}`,
			[]string{`not a valid GeoJSON feature: property "status" appears twice; JSON readers disagree`}},
		{"array at top", `[1,2]`, []string{"the file holds an array, not a GeoJSON object"}},
		{"no features", `{"type":"FeatureCollection"}`, []string{`has no "features" array`}},
		{"null features", `{"type":"FeatureCollection","features":null}`, []string{`has no "features" array`}},
		{"features not an array", `{"type":"FeatureCollection","features":{}}`, []string{`"features" is an object, want an array`}},
		{"type not a string", `{"type":1,"features":[]}`, []string{`"type" is a number`}},
		{"no type", `{"features":[]}`, []string{`type is "", want "FeatureCollection"`}},
		{"empty collection", `{"type":"FeatureCollection","features":[]}`, nil},
		{"syntax error inside a feature", `{"type":"FeatureCollection","features":[` + point + `,` + `{"type":"Feature" "geometry":null}]}`,
			[]string{`not valid GeoJSON: line 1: invalid character '"' after object key:value pair`}},
		{"null feature", `{"type":"FeatureCollection","features":[null]}`, []string{"the feature is null, not an object"}},
		{"null geometry", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":null}]}`, []string{"has no geometry"}},
		{"unknown geometry", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Circle","coordinates":[1,2]}}]}`,
			[]string{`unknown geometry type "Circle"`}},
		{"coordinates wrong depth", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"LineString","coordinates":[1,2]}}]}`,
			[]string{"LineString coordinates have a number where a position [lon, lat] belongs"}},
		{"string in a position", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Point","coordinates":["1",2]}}]}`,
			[]string{"Point coordinates have a string inside a position"}},
		{"no coordinates", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Point"}}]}`,
			[]string{`Point geometry has no "coordinates"`}},
		{"number out of range", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Point","coordinates":[1e400,2]}}]}`,
			[]string{"number 1e400 is out of range"}},
		{"numeric id only", `{"type":"FeatureCollection","features":[{"type":"Feature","id":7,"properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}]}`,
			[]string{"has no string id"}},
		{"GeoJSON id member", `{"type":"FeatureCollection","features":[{"type":"Feature","id":"top","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}]}`, nil},
		{"empty collection geometry", `{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":{"type":"GeometryCollection","geometries":[]}}]}`,
			[]string{"geometry collection is empty"}},
		{"coordinates before type", `{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":{"coordinates":[[1,2],[3,4]],"type":"LineString"}}]}`, nil},
		{"wrong coordinates before type", `{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":{"coordinates":[1,2],"type":"LineString"}}]}`,
			[]string{"LineString coordinates have a number"}},
		{"wrong coordinates after type, then more members", `{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":{"type":"Polygon","coordinates":[[1,2]],"bbox":[1,2,3,4]}}]}`,
			[]string{"Polygon coordinates have a number"}},
		{"ring too short", `{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":{"type":"Polygon","coordinates":[[[1,2],[3,4],[1,2]]]}}]}`,
			[]string{"polygon exterior ring has 3 positions, at least 4 needed"}},
		{"zero area", `{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":{"type":"Polygon","coordinates":[[[1,1],[2,2],[3,3],[1,1]]]}}]}`,
			[]string{"polygon exterior ring has zero area"}},
		{"line of one position", `{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":{"type":"LineString","coordinates":[[1,2]]}}]}`,
			[]string{"line has 1 position(s), at least 2 needed"}},
		{"hole inside hole", `{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":{"type":"Polygon","coordinates":[` +
			`[[0,0],[10,0],[10,10],[0,10],[0,0]],[[1,1],[1,9],[9,9],[9,1],[1,1]],[[2,2],[2,3],[3,3],[3,2],[2,2]]]}}]}`,
			[]string{"polygon hole 2 lies inside hole 1"}},
	}
	// A planning layer wants the id as a string property, even when the
	// GeoJSON id member gives one.
	props := `"name":"n","name_en":null,"kind":"port","status":null,"target_year":null,"city":null,"county":null,` +
		`"source_doc":null,"source_excerpt":null,"geometry_precision":"approximate","placement_note":null`
	_, problems := ValidateLayer("ports.geojson", Ports, []byte(`{"type":"FeatureCollection","features":[`+
		`{"type":"Feature","id":"p-1","properties":{"id":5,`+props+`},"geometry":{"type":"Point","coordinates":[120,28]}},`+
		`{"type":"Feature","properties":{"id":"p-2",`+props+`},"geometry":{"type":"Point","coordinates":[120,28]}}]}`))
	if len(problems) != 1 || problems[0].Index != 0 || problems[0].ID != "p-1" || problems[0].Reason != `property "id" is a number, want a string` {
		t.Errorf("numeric id property: %v", problems)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems := ValidateLayer("x.geojson", "x", []byte(tt.raw))
			if len(problems) != len(tt.want) {
				t.Fatalf("got %d problems %v, want %d %q", len(problems), problems, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(problems[i].Reason, w) {
					t.Errorf("problem %d %q lacks %q", i, problems[i].Reason, w)
				}
			}
		})
	}
}

// TestFirstUsesAgainstMap checks the sharded repeat finder against one
// map over layers large enough to be split, with repeats, nil features
// and features without an id.
func TestFirstUsesAgainstMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	for _, n := range []int{0, 1, 100, 20000} {
		features := make([]*geojson.Feature, n)
		for i := range features {
			switch k := rng.IntN(20); {
			case k == 0:
				// nil: a feature that failed to decode
			case k == 1:
				features[i] = geojson.NewFeature(orb.Point{0, 0}) // no id
			default:
				f := geojson.NewFeature(orb.Point{0, 0})
				f.Properties["id"] = fmt.Sprintf("f-%d", rng.IntN(max(1, n*3/4)))
				features[i] = f
			}
		}
		ids := make([]string, len(features))
		for i, f := range features {
			if f != nil {
				ids[i] = FeatureID(f)
			}
		}
		got := firstUses(ids)
		seen := map[string]int{}
		repeats := 0
		for i, f := range features {
			want := -1
			if f != nil {
				if id := FeatureID(f); id != "" {
					if prev, ok := seen[id]; ok {
						want = prev
						repeats++
					} else {
						seen[id] = i
					}
				}
			}
			if got[i] != want {
				t.Fatalf("n=%d: feature %d: first use %d, want %d", n, i, got[i], want)
			}
		}
		if n == 20000 && repeats == 0 {
			t.Fatal("no repeats drawn")
		}
	}
}

// TestCheckUniqueIDsAgainstMap compares the cross-file id check with one
// map walked in order (the reference) on random layers drawing ids from a
// small pool, with empty and missing layers among them: the same problems
// in the same order.
func TestCheckUniqueIDsAgainstMap(t *testing.T) {
	reference := func(layers []*Layer) []Problem {
		type at struct {
			file  string
			index int
		}
		seen := map[string]at{}
		var problems []Problem
		for _, l := range layers {
			if l.Features == nil {
				continue
			}
			for i, f := range l.Features.Features {
				id := FeatureID(f)
				if id == "" {
					continue
				}
				if prev, ok := seen[id]; ok {
					if prev.file != l.File {
						problems = append(problems, Problem{File: l.File, Index: i, ID: id,
							Reason: fmt.Sprintf("id %q is already used by feature %d of %s", id, prev.index, prev.file)})
					}
					continue
				}
				seen[id] = at{l.File, i}
			}
		}
		return problems
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for round := range 40 {
		var layers []*Layer
		for l := range 1 + rng.IntN(5) {
			layer := &Layer{ID: fmt.Sprint("l", l), File: fmt.Sprintf("l%d.geojson", l)}
			if rng.IntN(5) > 0 {
				fc := geojson.NewFeatureCollection()
				for range rng.IntN(3000) {
					f := geojson.NewFeature(orb.Point{0, 0})
					if rng.IntN(10) > 0 {
						f.Properties["id"] = fmt.Sprint("f", rng.IntN(5000))
					}
					fc.Append(f)
				}
				layer.Features = fc
			}
			layers = append(layers, layer)
		}
		want := reference(layers)
		// With the ids looked up now, and with them given as validation
		// finds them (for some of the layers).
		known := map[*Layer]*layerIDs{}
		for _, l := range layers {
			if l.Features != nil && rng.IntN(3) > 0 {
				ids := make([]string, len(l.Features.Features))
				for i, f := range l.Features.Features {
					ids[i] = FeatureID(f)
				}
				known[l] = &layerIDs{features: l.Features.Features, ids: ids}
			}
		}
		for _, k := range []map[*Layer]*layerIDs{nil, known} {
			if got := checkUniqueIDs(layers, k); !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d (%d layers' ids known): %d problems, the reference %d (first: %v / %v)", round, len(k), len(got), len(want), first(got), first(want))
			}
		}
	}
}

func first(p []Problem) any {
	if len(p) == 0 {
		return nil
	}
	return p[0]
}

// TestValidateLayerIDsAreFeatureIDs checks the ids validation hands on
// against FeatureID of the features it returns, on a generated layer with
// broken features (which are not returned) and features without an id
// among them.
func TestValidateLayerIDsAreFeatureIDs(t *testing.T) {
	ds := Generate(GenOptions{Features: 3000, Seed: 3})
	rng := rand.New(rand.NewPCG(3, 4))
	for _, l := range ds.Layers {
		var b strings.Builder
		b.WriteString(`{"type":"FeatureCollection","features":[`)
		for i, f := range l.Features.Features {
			if i > 0 {
				b.WriteByte(',')
			}
			switch rng.IntN(10) {
			case 0:
				b.WriteString(`{"type":"Feature","geometry":{"type":"Point","coordinates":[1]},"properties":{"id":"broken"}}`)
				continue
			case 1:
				delete(f.Properties, "id")
			}
			raw, err := f.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			b.Write(raw)
		}
		b.WriteString(`]}`)
		v := validateLayerIDs(l.File, l.ID, []byte(b.String()), nil)
		fc, ids, problems := v.fc, v.ids, v.problems
		if fc == nil || len(problems) == 0 {
			t.Fatalf("%s: %d problems, want some", l.ID, len(problems))
		}
		if len(ids) != len(fc.Features) {
			t.Fatalf("%s: %d ids for %d features", l.ID, len(ids), len(fc.Features))
		}
		for i, f := range fc.Features {
			if ids[i] != FeatureID(f) {
				t.Fatalf("%s: feature %d: id %q, FeatureID %q", l.ID, i, ids[i], FeatureID(f))
			}
		}
	}
}

// TestValidatePropertyNamesAreTheUnion compares the property names the
// decoding collects with the union over the features returned, on the
// generated layers and on random features of up to 40 names drawn from
// 60 (more than are guessed), some escaped, some properties null or
// absent.
func TestValidatePropertyNamesAreTheUnion(t *testing.T) {
	union := func(fc *geojson.FeatureCollection) map[string]bool {
		names := map[string]bool{}
		for _, f := range fc.Features {
			for k := range f.Properties {
				names[k] = true
			}
		}
		return names
	}
	dir := t.TempDir()
	if err := WriteDir(Generate(GenOptions{Features: 5000, Seed: 5}), dir); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.geojson"))
	raws := map[string][]byte{}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		raws[filepath.Base(file)] = raw
	}
	rng := rand.New(rand.NewPCG(6, 60))
	for n := range 3 {
		var b strings.Builder
		b.WriteString(`{"type":"FeatureCollection","features":[`)
		for i := range 3000 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"type":"Feature","id":"f-%d","geometry":{"type":"Point","coordinates":[1,2]}`, i)
			switch rng.IntN(20) {
			case 0:
				b.WriteString(`,"properties":null}`)
				continue
			case 1:
				b.WriteString(`}`)
				continue
			}
			fmt.Fprintf(&b, `,"properties":{"k":%d`, i)
			perm := rng.Perm(60)[:rng.IntN(40)]
			if rng.IntN(2) == 0 {
				slices.Sort(perm)
			}
			for _, k := range perm {
				if k%7 == 0 {
					fmt.Fprintf(&b, `,"k\u0030%d":%d`, k, k) // an escaped name: "k0…"
				} else {
					fmt.Fprintf(&b, `,"k%d":"v"`, k)
				}
			}
			b.WriteString(`}}`)
		}
		b.WriteString(`]}`)
		raws[fmt.Sprintf("random-%d.geojson", n)] = []byte(b.String())
	}
	for file, raw := range raws {
		id := strings.TrimSuffix(file, ".geojson")
		v := validateLayerIDs(file, id, raw, nil)
		if len(v.problems) > 0 {
			t.Fatalf("%s: %v", file, v.problems[0])
		}
		if want := union(v.fc); !reflect.DeepEqual(v.propNames, want) {
			t.Errorf("%s: %d property names collected, the union of the features' is %d", file, len(v.propNames), len(want))
		}
	}
}
