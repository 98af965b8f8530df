package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/testtool"
)

func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestAdoptOGRTables loads two tables with ogr2ogr (not planmap): corridors
// in SRID 4326 with an integer key, and ports declared in CGCS2000 (SRID
// 4490), adopts them, serves them, and has GDAL's OAPIF driver read them
// back: every feature, property and coordinate must be what PostGIS holds.
// A write through planmap to the adopted table lands in its columns.
func TestAdoptOGRTables(t *testing.T) {
	ogr2ogr := testtool.Program(t, "ogr2ogr", "gdal-bin")
	c, db := importedDB(t)
	pg := "PG:" + c.LibpqArgs(db)
	runTool(t, ogr2ogr, "-f", "PostgreSQL", pg, "../default/corridors.geojson", "-nln", "ogr_corridors", "-lco", "GEOMETRY_NAME=wkb_geometry")
	runTool(t, ogr2ogr, "-f", "PostgreSQL", pg, "../default/ports.geojson", "-nln", "ogr_ports", "-a_srs", "EPSG:4490", "-lco", "FID=gid",
		"-select", "name,name_en,kind,status,target_year,city")
	cfgPath := filepath.Join(t.TempDir(), "adopt.json")
	os.WriteFile(cfgPath, []byte(`{"layers":[
		{"layer":"ogr-corridors","table":"ogr_corridors","key":"id","key_is_property":true,"title":"Corridors loaded by ogr2ogr"},
		{"layer":"ogr-ports","table":"public.ogr_ports"}]}`), 0o644)
	cfg, err := ReadAdoptConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := Adopt(context.Background(), c.URL(db), cfg, false); err != nil {
		t.Fatal(err)
	}
	if out, _ := c.Psql(db, "SELECT srid, key_column, geometry_column FROM planmap_layers WHERE layer = 'ogr-ports'"); out != "4490|gid|wkb_geometry\n" {
		t.Fatalf("registry row %q", out)
	}
	s := openStore(t, c.URL(db))
	base := serveStore(t, s, "tok")

	for _, tc := range []struct{ layer, table, key string }{{"ogr-corridors", "ogr_corridors", "ogc_fid"}, {"ogr-ports", "ogr_ports", "gid"}} {
		// What PostGIS holds, in WGS 84.
		out, err := c.Psql(db, "SELECT json_agg(json_build_object('id', "+tc.key+"::text, 'geom', ST_AsGeoJSON(ST_Transform(wkb_geometry, 4326), 15)::json, 'name', name, 'status', status, 'target_year', target_year) ORDER BY "+tc.key+") FROM "+tc.table)
		if err != nil {
			t.Fatal(err)
		}
		var want []struct {
			ID         string          `json:"id"`
			Geom       json.RawMessage `json:"geom"`
			Name       string          `json:"name"`
			Status     *string         `json:"status"`
			TargetYear *float64        `json:"target_year"`
		}
		if err := json.Unmarshal([]byte(out), &want); err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(t.TempDir(), tc.layer+".geojson")
		runTool(t, ogr2ogr, "-f", "GeoJSON", dst, "OAPIF:"+base+"/collections/"+tc.layer)
		raw, err := os.ReadFile(dst)
		if err != nil {
			t.Fatal(err)
		}
		fc, err := geojson.UnmarshalFeatureCollection(raw)
		if err != nil {
			t.Fatal(err)
		}
		if len(fc.Features) != len(want) || len(want) == 0 {
			t.Fatalf("%s: GDAL read %d features, PostGIS holds %d", tc.layer, len(fc.Features), len(want))
		}
		got := map[string]*geojson.Feature{}
		for _, f := range fc.Features {
			id, _ := f.Properties["id"].(string)
			if id == "" {
				id = strconv.Itoa(int(f.Properties.MustFloat64("gml_id", -1)))
			}
			got[f.Properties.MustString("name", "")] = f
		}
		for _, w := range want {
			f := got[w.Name]
			if f == nil {
				t.Fatalf("%s: GDAL has no feature named %q", tc.layer, w.Name)
			}
			if w.Status != nil && f.Properties["status"] != *w.Status {
				t.Errorf("%s/%s: status %v, PostGIS %v", tc.layer, w.ID, f.Properties["status"], *w.Status)
			}
			// GDAL's OAPIF client types a field from the first features it
			// sees, so a column whose first values are null comes back as
			// text: compare the values' text.
			if w.TargetYear != nil && fmt.Sprint(f.Properties["target_year"]) != fmt.Sprint(*w.TargetYear) {
				t.Errorf("%s/%s: target_year %v (%T), PostGIS %v", tc.layer, w.ID, f.Properties["target_year"], f.Properties["target_year"], *w.TargetYear)
			}
			g, err := geojson.UnmarshalGeometry(w.Geom)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxDistance(g.Geometry(), f.Geometry); d > 1e-9 {
				t.Errorf("%s/%s: geometry differs from PostGIS's by %g degrees", tc.layer, w.ID, d)
			}
		}
		lv := s.Current().Layer(tc.layer)
		if lv.Len() != len(want) || (tc.key == "gid" && lv.ID(lv.At(0)) != want[0].ID) {
			t.Fatalf("%s: served %d features starting with %s", tc.layer, lv.Len(), lv.ID(lv.At(0)))
		}
	}

	// A write through planmap into the adopted 4490 table.
	lv := s.Current().Layer("ogr-ports")
	id := lv.ID(lv.At(0))
	code, _, body, err := patchHTTP(base, "tok", "ogr-ports", id, `{"properties":{"status":"proposed"},"geometry":{"type":"Point","coordinates":[120.5,28.25]}}`)
	if err != nil || code != 200 {
		t.Fatalf("PATCH of an adopted feature: %d %s %v", code, body, err)
	}
	out, err := c.Psql(db, "SELECT status, ST_SRID(wkb_geometry), round(ST_X(ST_Transform(wkb_geometry, 4326))::numeric, 6), planmap_version IS NOT NULL FROM ogr_ports WHERE gid = "+id)
	if err != nil || out != "proposed|4490|120.500000|t\n" {
		t.Fatalf("the adopted row after the PATCH: %q %v", out, err)
	}
	if _, err := s.Apply(context.Background(), "t", []data.Change{{Op: data.OpPatch, Layer: "ogr-ports", ID: id,
		Patch: json.RawMessage(`{"properties":{"no_such_column":1}}`)}}); err == nil || !strings.Contains(err.Error(), "no column") {
		t.Fatalf("a property without a column: %v", err)
	}
}

// maxDistance is the largest coordinate difference between two geometries
// of the same shape, or +Inf when their shapes differ.
func maxDistance(a, b orb.Geometry) float64 {
	pa, pb := points(a), points(b)
	if len(pa) != len(pb) || a.GeoJSONType() != b.GeoJSONType() {
		return math.Inf(1)
	}
	d := 0.0
	for i := range pa {
		d = max(d, math.Abs(pa[i][0]-pb[i][0]), math.Abs(pa[i][1]-pb[i][1]))
	}
	return d
}

func points(g orb.Geometry) []orb.Point {
	var out []orb.Point
	switch g := g.(type) {
	case orb.Point:
		out = append(out, g)
	case orb.LineString:
		out = append(out, g...)
	case orb.MultiLineString:
		for _, l := range g {
			out = append(out, l...)
		}
	case orb.Polygon:
		for _, r := range g {
			out = append(out, r...)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			out = append(out, points(p)...)
		}
	}
	return out
}
