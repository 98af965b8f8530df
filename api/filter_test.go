package api

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/testtool"
)

// TestFilterMatchesBruteForce: filters in cql2-text and cql2-json select
// exactly the features a hand-written predicate over the same layer does.
func TestFilterMatchesBruteForce(t *testing.T) {
	srv := defaultServer(t)
	ds, _ := data.Default()
	str := func(f *geojson.Feature, k string) string { s, _ := f.Properties[k].(string); return s }
	year := func(f *geojson.Feature) (int, bool) { return data.TargetYear(f.Properties) }
	wenzhouBox := orb.Bound{Min: orb.Point{120.5, 27.8}, Max: orb.Point{121.2, 28.2}}
	cases := []struct {
		layer, lang, filter string
		want                func(f *geojson.Feature) bool
	}{
		{"industrial-parks", "cql2-text", "status = 'planned'", func(f *geojson.Feature) bool { return str(f, "status") == "planned" }},
		{"industrial-parks", "cql2-text", "status IN ('planned','proposed') AND city = '温州市'", func(f *geojson.Feature) bool {
			return (str(f, "status") == "planned" || str(f, "status") == "proposed") && str(f, "city") == "温州市"
		}},
		{"corridors", "cql2-text", "name LIKE '%高铁%' OR mode = 'metro'", func(f *geojson.Feature) bool {
			return strings.Contains(str(f, "name"), "高铁") || str(f, "mode") == "metro"
		}},
		{"corridors", "cql2-text", "target_year BETWEEN 2025 AND 2030", func(f *geojson.Feature) bool { y, ok := year(f); return ok && y >= 2025 && y <= 2030 }},
		{"ports", "cql2-text", "target_year IS NULL", func(f *geojson.Feature) bool { return f.Properties["target_year"] == nil }},
		{"ports", "cql2-text", "NOT (kind = 'port') AND target_year >= 2025", func(f *geojson.Feature) bool { y, ok := year(f); return str(f, "kind") != "port" && ok && y >= 2025 }},
		{"industrial-parks", "cql2-text", "CASEI(name_en) LIKE CASEI('%PARK%')", func(f *geojson.Feature) bool {
			return strings.Contains(strings.ToLower(str(f, "name_en")), "park")
		}},
		{"ports", "cql2-text", "S_INTERSECTS(geometry, BBOX(120.5,27.8,121.2,28.2))", func(f *geojson.Feature) bool { return intersectsBox(f.Geometry, wenzhouBox) }},
		{"ports", "cql2-json", `{"op":"and","args":[{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[120.5,27.8,121.2,28.2]}]},{"op":"=","args":[{"property":"status"},"operational"]}]}`,
			func(f *geojson.Feature) bool {
				return intersectsBox(f.Geometry, wenzhouBox) && str(f, "status") == "operational"
			}},
	}
	for _, tc := range cases {
		t.Run(tc.layer+" "+tc.filter, func(t *testing.T) {
			var want []string
			for _, f := range ds.Layer(tc.layer).Features.Features {
				if tc.want(f) {
					want = append(want, data.FeatureID(f))
				}
			}
			target := "/collections/" + tc.layer + "/items?limit=1000&filter-lang=" + tc.lang + "&filter=" + url.QueryEscape(tc.filter)
			res := get(t, srv, target)
			if res.status != 200 {
				t.Fatalf("%d %s", res.status, res.body)
			}
			fc, err := geojson.UnmarshalFeatureCollection(res.body)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fc.Features {
				got = append(got, data.FeatureID(f))
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("filter selected %v, brute force %v", got, want)
			}
		})
	}
}

func intersectsBox(g orb.Geometry, b orb.Bound) bool {
	switch g := g.(type) {
	case orb.Point:
		return b.Contains(g)
	case orb.Polygon:
		if !g.Bound().Intersects(b) {
			return false
		}
		for _, r := range g {
			for _, p := range r {
				if b.Contains(p) {
					return true
				}
			}
		}
		return planar.PolygonContains(g, b.Center())
	}
	return g.Bound().Intersects(b)
}

// TestFilterErrorsPointAtThePosition: a parse error is a 400 that says
// where.
func TestFilterErrorsPointAtThePosition(t *testing.T) {
	srv := defaultServer(t)
	for _, tc := range []struct{ filter, want string }{
		{"status = ", "at 9"},
		{"nosuch = 'x'", "nosuch"},
		{"status = 5", "at"},
	} {
		res := get(t, srv, "/collections/ports/items?filter="+url.QueryEscape(tc.filter))
		if res.status != 400 || !strings.Contains(string(res.body), tc.want) {
			t.Errorf("%q: %d %s, want 400 mentioning %q", tc.filter, res.status, res.body, tc.want)
		}
	}
	if res := get(t, srv, "/collections/ports/items?filter=status='x'&filter-lang=sql"); res.status != 400 {
		t.Errorf("unknown filter-lang: %d", res.status)
	}
}

// TestGDALPushesWhereAsCQL2: ogr2ogr -where with LIKE, IN, ranges and
// AND/OR goes to the server as a CQL2 filter (seen in GDAL's debug output)
// and returns exactly the features a brute-force evaluation selects.
func TestGDALPushesWhereAsCQL2(t *testing.T) {
	ogr2ogr := testtool.Program(t, "ogr2ogr", "gdal-bin")
	ds, _ := data.Default()
	base := serveForTest(t, ds)
	str := func(f *geojson.Feature, k string) string { s, _ := f.Properties[k].(string); return s }
	cases := []struct {
		layer, where string
		want         func(f *geojson.Feature) bool
	}{
		{"industrial-parks", "status IN ('planned', 'proposed') AND city = '温州市'", func(f *geojson.Feature) bool {
			return (str(f, "status") == "planned" || str(f, "status") == "proposed") && str(f, "city") == "温州市"
		}},
		{"corridors", "name LIKE '%铁路%' OR kind = 'expressway'", func(f *geojson.Feature) bool {
			return strings.Contains(str(f, "name"), "铁路") || str(f, "kind") == "expressway"
		}},
		{"corridors", "target_year >= 2025 AND target_year <= 2030", func(f *geojson.Feature) bool {
			y, ok := data.TargetYear(f.Properties)
			return ok && y >= 2025 && y <= 2030
		}},
	}
	for _, tc := range cases {
		t.Run(tc.where, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.geojson")
			cmd := exec.Command(ogr2ogr, "-f", "GeoJSON", out, "OAPIF:"+base, tc.layer, "-where", tc.where, "--config", "CPL_DEBUG", "ON")
			logs, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("ogr2ogr: %v\n%s", err, logs)
			}
			if !strings.Contains(string(logs), "filter=") {
				t.Errorf("GDAL did not push the -where to the server as a filter:\n%s", logs)
			}
			raw, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var fc struct {
				Features []struct {
					Properties map[string]any `json:"properties"`
				} `json:"features"`
			}
			if err := json.Unmarshal(raw, &fc); err != nil {
				t.Fatal(err)
			}
			var got, want []string
			for _, f := range fc.Features {
				got = append(got, f.Properties["id"].(string))
			}
			for _, f := range ds.Layer(tc.layer).Features.Features {
				if tc.want(f) {
					want = append(want, data.FeatureID(f))
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("GDAL got %v, brute force %v", got, want)
			}
		})
	}
}

// TestOWSLibFiltersWithCQL2JSON: OWSLib's OGC API Features client sends a
// cql2-json filter and gets the brute-force selection.
func TestOWSLibFiltersWithCQL2JSON(t *testing.T) {
	python := testtool.Python(t, "owslib", "python3-owslib")
	ds, _ := data.Default()
	base := serveForTest(t, ds)
	script := `
import json, sys
from owslib.ogcapi.features import Features
api = Features(sys.argv[1])
flt = json.dumps({"op": "=", "args": [{"property": "status"}, "under_construction"]})
items = api.collection_items("industrial-parks", limit=1000, filter=flt, **{"filter-lang": "cql2-json"})
print(json.dumps(sorted(f["properties"]["id"] for f in items["features"])))
`
	out, err := exec.Command(python, "-c", script, base).CombinedOutput()
	if err != nil {
		t.Fatalf("owslib: %v\n%s", err, out)
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("owslib printed %s", out)
	}
	var want []string
	for _, f := range ds.Layer("industrial-parks").Features.Features {
		if f.Properties["status"] == "under_construction" {
			want = append(want, data.FeatureID(f))
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("OWSLib got %v, brute force %v", got, want)
	}
}
