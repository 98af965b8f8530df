package api

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/testtool"
)

func TestGeometryTypeOf(t *testing.T) {
	tests := []struct {
		types []string
		want  string
	}{
		{nil, ""},
		{[]string{"Point"}, "Point"},
		{[]string{"Point", "MultiPoint"}, "MultiPoint"},
		{[]string{"LineString", "MultiLineString"}, "MultiLineString"},
		{[]string{"Polygon"}, "Polygon"},
		{[]string{"MultiPolygon"}, "MultiPolygon"},
		{[]string{"Point", "Polygon"}, "Geometry"},
		{[]string{"LineString", "MultiPolygon"}, "Geometry"},
		{[]string{"GeometryCollection"}, "Geometry"},
	}
	for _, tt := range tests {
		set := map[string]bool{}
		for _, ty := range tt.types {
			set[ty] = true
		}
		if got := geometryTypeOf(set); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.types, got, tt.want)
		}
	}
}

// gdalGeometryType maps GeoJSON types to the names ogrinfo prints.
var gdalGeometryType = map[string]string{
	"Point": "Point", "MultiPoint": "Multi Point", "LineString": "Line String", "MultiLineString": "Multi Line String",
	"Polygon": "Polygon", "MultiPolygon": "Multi Polygon", "Geometry": "Unknown (any)",
}

// TestGDALWritesDeclaredGeometryTypes copies every collection into a
// GeoPackage with GDAL's OAPIF driver: each layer must get the geometry
// type the collection declares (planmap:geometryType, the queryables'
// geometry $ref and the GML application schema GDAL reads), which is the
// type of all its features together — where GDAL alone guesses from its
// first page (corridors became LineString with MultiLineStrings in it).
// With -nlt PROMOTE_TO_MULTI, no feature's type then differs from its
// layer's, so the GeoPackage is conformant.
func TestGDALWritesDeclaredGeometryTypes(t *testing.T) {
	ogr2ogr := testtool.Program(t, "ogr2ogr", "gdal-bin")
	ogrinfo := testtool.Program(t, "ogrinfo", "gdal-bin")
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	base := serveForTest(t, ds)
	srv := newTestServer(t, ds)
	declared := map[string]string{}
	for _, l := range ds.Layers {
		var doc struct {
			GeometryType string `json:"planmap:geometryType"`
		}
		if err := json.Unmarshal(get(t, srv, "/collections/"+l.ID).body, &doc); err != nil || doc.GeometryType == "" {
			t.Fatalf("%s: %v %q", l.ID, err, doc.GeometryType)
		}
		declared[l.ID] = doc.GeometryType
		var q struct {
			Properties map[string]map[string]any `json:"properties"`
		}
		if err := json.Unmarshal(get(t, srv, "/collections/"+l.ID+"/queryables").body, &q); err != nil || q.Properties["geometry"]["$ref"] != geometrySchema(doc.GeometryType) {
			t.Errorf("%s: queryables geometry %v", l.ID, q.Properties["geometry"])
		}
		// The truth: the types of the layer's own features.
		types := map[string]bool{}
		for _, f := range l.Features.Features {
			types[f.Geometry.GeoJSONType()] = true
		}
		if want := geometryTypeOf(types); doc.GeometryType != want {
			t.Errorf("%s declares %s, its features are %v", l.ID, doc.GeometryType, types)
		}
	}
	for _, promote := range []bool{false, true} {
		gpkg := filepath.Join(t.TempDir(), "out.gpkg")
		args := []string{"-f", "GPKG", gpkg, "OAPIF:" + base + "/"}
		if promote {
			args = append(args, "-nlt", "PROMOTE_TO_MULTI")
		}
		out, err := exec.Command(ogr2ogr, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("ogr2ogr: %v\n%s", err, out)
		}
		if strings.Contains(string(out), "already exists") {
			t.Errorf("GDAL renamed a field: %s", out)
		}
		for id, gt := range declared {
			info, err := exec.Command(ogrinfo, "-so", gpkg, id).CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo: %v\n%s", err, info)
			}
			want := gt
			if promote && !strings.HasPrefix(want, "Multi") && want != "Geometry" {
				want = "Multi" + want
			}
			if !strings.Contains(string(info), "Geometry: "+gdalGeometryType[want]+"\n") {
				t.Errorf("promote=%v %s: GeoPackage layer is not %s:\n%s", promote, id, gdalGeometryType[want], info)
			}
		}
		if promote && strings.Contains(string(out), "not normally allowed by the GeoPackage specification") {
			t.Errorf("GDAL wrote a non-conformant GeoPackage: %s", out)
		}
	}
}
