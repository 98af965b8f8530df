package data_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/testtool"
	"github.com/planmap/planmap/geo/crs"
)

// writeLayerFiles writes id.geojson (the features, coordinates as given)
// and, when sidecar is set, id.json.
func writeLayerFiles(t *testing.T, dir, id string, fc *geojson.FeatureCollection, sidecar map[string]any) {
	t.Helper()
	raw, err := json.Marshal(fc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, id+".geojson"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if sidecar != nil {
		side, _ := json.Marshal(sidecar)
		if err := os.WriteFile(filepath.Join(dir, id+".json"), side, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func pointFeature(id string, p orb.Point) *geojson.Feature {
	f := geojson.NewFeature(p)
	f.Properties = geojson.Properties{"id": id, "name": id}
	return f
}

// Published GCJ-02 reference points: WGS 84 in, GCJ-02 out, each from
// another implementation (googollee/eviltransform, wandergis/coordtransform).
var gcjPublished = []struct {
	id       string
	wgs, gcj orb.Point
}{
	{"shanghai", orb.Point{121.5272106, 31.1774276}, orb.Point{121.531541859215, 31.17530398364597}},
	{"shenzhen", orb.Point{113.912316, 22.543847}, orb.Point{113.9171764808363, 22.540796131694766}},
	{"beijing", orb.Point{116.404, 39.915}, orb.Point{116.41024449916938, 39.91640428150164}},
}

// TestLoadGCJ02Layer loads a layer digitised in GCJ-02 (the published
// GCJ-02 positions of reference points) and finds their WGS 84 positions.
func TestLoadGCJ02Layer(t *testing.T) {
	dir := t.TempDir()
	fc := geojson.NewFeatureCollection()
	for _, p := range gcjPublished {
		fc.Append(pointFeature(p.id, p.gcj))
	}
	writeLayerFiles(t, dir, "survey", fc, map[string]any{"title": "Survey", "crs": crs.GCJ02URI})
	ds, err := data.LoadDirWith(dir, data.LoadOptions{Converter: crs.FileConverter})
	if err != nil {
		t.Fatal(err)
	}
	l := ds.Layer("survey")
	if l.CRS != crs.GCJ02URI {
		t.Errorf("layer CRS %q", l.CRS)
	}
	for i, f := range l.Features.Features {
		got, want := f.Geometry.(orb.Point), gcjPublished[i].wgs
		// 1e-8° is about 1 mm.
		if math.Abs(got[0]-want[0]) > 1e-8 || math.Abs(got[1]-want[1]) > 1e-8 {
			t.Errorf("%s: loaded %.10f, published WGS 84 %.10f", gcjPublished[i].id, got, want)
		}
	}
	// Without a converter, the declared CRS is a problem, not silently
	// ignored.
	_, err = data.LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), "survey.json") || !strings.Contains(err.Error(), "converts no CRS") {
		t.Errorf("LoadDir without a converter: %v", err)
	}
}

// TestLoadCRSProblems: an unknown CRS and coordinates outside a CRS's
// reach are problems naming the file.
func TestLoadCRSProblems(t *testing.T) {
	tests := []struct {
		name  string
		crs   string
		pt    orb.Point
		wants []string
	}{
		{"unknown", "EPSG:27700", orb.Point{1, 2}, []string{"survey.json", "EPSG:27700", crs.GCJ02URI, "http://www.opengis.net/def/crs/EPSG/0/4549"}},
		{"malformed", "not a crs", orb.Point{1, 2}, []string{"survey.json", "malformed"}},
		{"not finite in the CRS", "EPSG:3857", orb.Point{1e300, 1e300}, []string{"survey.geojson", "cannot be converted to WGS 84"}},
		{"GCJ-02 out of range", crs.GCJ02URI, orb.Point{120, 95}, []string{"survey.geojson", "feature 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			fc := geojson.NewFeatureCollection()
			fc.Append(pointFeature("a", tt.pt))
			writeLayerFiles(t, dir, "survey", fc, map[string]any{"crs": tt.crs})
			_, err := data.LoadDirWith(dir, data.LoadOptions{Converter: crs.FileConverter})
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestLoadGDALReprojectedLayer has GDAL write a layer in CGCS2000 /
// Gauss–Krüger CM 120E (EPSG:4549) and in UTM 51N, declares the CRS in
// the sidecar, and loads it back: every vertex must be where it was, to
// 1e-9° (0.1 mm), and rings keep their orientation.
func TestLoadGDALReprojectedLayer(t *testing.T) {
	ogr2ogr := testtool.Program(t, "ogr2ogr", "gdal-bin")
	src := geojson.NewFeatureCollection()
	ring := orb.Ring{{120.60, 27.95}, {120.75, 27.95}, {120.75, 28.05}, {120.60, 28.05}, {120.60, 27.95}}
	poly := geojson.NewFeature(orb.Polygon{ring})
	poly.Properties = geojson.Properties{"id": "park", "name": "park"}
	src.Append(poly)
	line := geojson.NewFeature(orb.LineString{{120.1, 27.5}, {120.9, 28.3}, {121.4, 28.6}})
	line.Properties = geojson.Properties{"id": "road", "name": "road"}
	src.Append(line)
	src.Append(pointFeature("port", orb.Point{120.8126, 27.9811}))
	for _, target := range []string{"EPSG:4549", "EPSG:32651", "EPSG:4490"} {
		t.Run(target, func(t *testing.T) {
			work := t.TempDir()
			writeLayerFiles(t, work, "source", src, nil)
			dir := filepath.Join(work, "data")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, ogr2ogr, "-f", "GeoJSON", filepath.Join(dir, "survey.geojson"), filepath.Join(work, "source.geojson"),
				"-s_srs", "OGC:CRS84", "-t_srs", target, "-lco", "COORDINATE_PRECISION=10").CombinedOutput()
			if err != nil {
				t.Fatalf("ogr2ogr: %v\n%s", err, out)
			}
			raw, _ := os.ReadFile(filepath.Join(dir, "survey.geojson"))
			if !strings.Contains(string(raw), strings.TrimPrefix(target, "EPSG:")) {
				t.Logf("GDAL wrote no crs member: %.200s", raw)
			}
			side, _ := json.Marshal(map[string]any{"title": "Survey", "crs": target})
			if err := os.WriteFile(filepath.Join(dir, "survey.json"), side, 0o644); err != nil {
				t.Fatal(err)
			}
			ds, err := data.LoadDirWith(dir, data.LoadOptions{Converter: crs.FileConverter})
			if err != nil {
				t.Fatal(err)
			}
			got := ds.Layer("survey").Features.Features
			if len(got) != len(src.Features) {
				t.Fatalf("%d features", len(got))
			}
			worst := 0.0
			for i, f := range got {
				a, b := vertexList(src.Features[i].Geometry), vertexList(f.Geometry)
				if len(a) != len(b) {
					t.Fatalf("%v: %d vertices, want %d", f.Properties["id"], len(b), len(a))
				}
				for k := range a {
					worst = max(worst, math.Abs(a[k][0]-b[k][0]), math.Abs(a[k][1]-b[k][1]))
				}
			}
			if worst > 1e-9 {
				t.Errorf("worst vertex difference after GDAL → %s → planmap: %g°", target, worst)
			}
			t.Logf("GDAL → %s → planmap: worst vertex difference %.2g°", target, worst)
		})
	}
}

func vertexList(g orb.Geometry) []orb.Point {
	switch g := g.(type) {
	case orb.Point:
		return []orb.Point{g}
	case orb.LineString:
		return g
	case orb.Polygon:
		var out []orb.Point
		for _, r := range g {
			out = append(out, r...)
		}
		return out
	}
	panic(fmt.Sprintf("vertexList: %T", g))
}

// TestFileStoreKeepsDeclaredCRS edits a GCJ-02 layer and lets the store
// compact: the file must stay in GCJ-02 (the sidecar still says so), the
// edited feature at the GCJ-02 position of its new WGS 84 position, and
// the unchanged ones where they were.
func TestFileStoreKeepsDeclaredCRS(t *testing.T) {
	dir := t.TempDir()
	fc := geojson.NewFeatureCollection()
	for _, p := range gcjPublished {
		fc.Append(pointFeature(p.id, p.gcj))
	}
	writeLayerFiles(t, dir, "survey", fc, map[string]any{"title": "Survey", "crs": "GCJ-02"})
	store, err := data.OpenFiles(dir, data.FileOptions{Converter: crs.FileConverter, CompactAfter: 1, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	moved := orb.Point{120.7, 28.0} // WGS 84, in Wenzhou
	f := pointFeature("beijing", moved)
	if _, err := store.Apply(context.Background(), "test", []data.Change{{Op: data.OpReplace, Layer: "survey", ID: "beijing", Feature: f}}); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		raw, _ = os.ReadFile(filepath.Join(dir, "survey.geojson"))
		if strings.Contains(string(raw), "\n") { // planmap writes a feature a line
			break
		}
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	written, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		t.Fatalf("compacted file: %v\n%s", err, raw)
	}
	gcj, _ := crs.Builtin().Lookup(crs.GCJ02URI)
	wantMoved, _ := gcj.FromCRS84(moved)
	for _, f := range written.Features {
		id := f.Properties["id"].(string)
		got := f.Geometry.(orb.Point)
		want := wantMoved
		for _, p := range gcjPublished {
			if p.id == id && id != "beijing" {
				want = p.gcj
			}
		}
		if math.Abs(got[0]-want[0]) > 1e-9 || math.Abs(got[1]-want[1]) > 1e-9 {
			t.Errorf("%s: file holds %.10f, want GCJ-02 %.10f", id, got, want)
		}
	}
}
