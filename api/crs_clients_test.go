package api

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/planmap/planmap/data/testtool"
)

// csvPoints reads the X,Y columns ogr2ogr writes with GEOMETRY=AS_XY, with
// the id column, in file order.
func csvPoints(t *testing.T, path string) (ids []string, pts []orb.Point) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	header := strings.Split(lines[0], ",")
	col := map[string]int{}
	for i, h := range header {
		col[strings.Trim(h, `"`)] = i
	}
	for _, need := range []string{"X", "Y", "id"} {
		if _, ok := col[need]; !ok {
			t.Fatalf("CSV header %q lacks %s", lines[0], need)
		}
	}
	for _, line := range lines[1:] {
		fields := strings.Split(line, ",")
		x, err1 := strconv.ParseFloat(fields[col["X"]], 64)
		y, err2 := strconv.ParseFloat(fields[col["Y"]], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("CSV line %q", line)
		}
		ids = append(ids, strings.Trim(fields[col["id"]], `"`))
		pts = append(pts, orb.Point{x, y})
	}
	return ids, pts
}

// gdalHasOAPIFCRS reports whether this GDAL's OAPIF driver has the CRS open
// option (GDAL 3.7 and later), with which it asks the server with crs=.
func gdalHasOAPIFCRS(t *testing.T, ogrinfo string) bool {
	out, err := exec.Command(ogrinfo, "--format", "OAPIF").CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo --format OAPIF: %v\n%s", err, out)
	}
	return strings.Contains(string(out), `name="CRS"`)
}

// TestGDALGetsCRSCoordinates has GDAL fetch the ports in EPSG:4490 and
// EPSG:4549 and compares what it writes with cs2cs, to 1e-9° and 1 mm.
//
// GDAL 3.6 (Debian bookworm) does not use Part 2: its OAPIF driver has no
// CRS option and reprojects on the client after fetching CRS84 (checked
// with CPL_DEBUG=ON: it never sends crs=). So the server's transformation
// is tested through GDAL's GeoJSON driver reading an items URL with crs=
// (the debug log must show the request with crs=), and the OAPIF driver
// with -t_srs is checked to give the same numbers; with GDAL 3.7+ the
// OAPIF driver is opened with -oo CRS= and must send crs= itself.
func TestGDALGetsCRSCoordinates(t *testing.T) {
	ogrinfo := testtool.Program(t, "ogrinfo", "gdal-bin")
	ogr2ogr := testtool.Program(t, "ogr2ogr", "gdal-bin")
	testtool.Program(t, "cs2cs", "proj-bin")
	ds := syntheticDataset(t, 200, 3)
	base := serveForTest(t, ds)
	ref := ds.Layer("points").Features.Features
	lonLat := map[string]orb.Point{}
	var order []string
	var in []orb.Point
	for _, f := range ref {
		id := f.Properties["id"].(string)
		lonLat[id] = f.Geometry.(orb.Point)
		order = append(order, id)
		in = append(in, f.Geometry.(orb.Point))
	}
	partTwo := gdalHasOAPIFCRS(t, ogrinfo)
	for _, target := range []struct {
		code string
		tol  float64
	}{{"EPSG:4490", 1e-9}, {"EPSG:4549", 1e-3}} {
		truth := map[string]orb.Point{}
		for i, p := range cs2cs(t, target.code, in) {
			truth[order[i]] = p
		}
		check := func(name, csv string, authorityOrder bool) {
			ids, pts := csvPoints(t, csv)
			if len(ids) != len(ref) {
				t.Fatalf("%s %s: %d features, want %d", name, target.code, len(ids), len(ref))
			}
			worst := 0.0
			for i, id := range ids {
				want := truth[id]
				got := pts[i]
				if !authorityOrder {
					// GDAL writes CSV X,Y in GIS order (easting first);
					// cs2cs gives the authority's (latitude/northing first).
					got = orb.Point{got[1], got[0]}
				}
				worst = max(worst, math.Abs(got[0]-want[0]), math.Abs(got[1]-want[1]))
			}
			if worst > target.tol {
				t.Errorf("%s %s: worst difference from cs2cs %g > %g", name, target.code, worst, target.tol)
			}
			t.Logf("%s %s: %d points, worst difference from cs2cs %.2g", name, target.code, len(ids), worst)
		}
		dir := t.TempDir()
		// The server's transformation, read by GDAL's GeoJSON driver.
		items := base + "/collections/points/items?limit=1000&crs=" + url.QueryEscape(target.code)
		csv := filepath.Join(dir, "served.csv")
		cmd := exec.Command(ogr2ogr, "-f", "CSV", csv, items, "-lco", "GEOMETRY=AS_XY", "--config", "CPL_DEBUG", "ON")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("ogr2ogr %s: %v\n%s", items, err, out)
		}
		if !strings.Contains(string(out), "crs=") {
			t.Errorf("GDAL's requests do not carry crs=:\n%s", out)
		}
		// GeoJSON with no crs member is taken as lon/lat by GDAL, so it
		// writes the numbers as they came: the authority's order.
		check("GeoJSON driver on items?crs=", csv, true)

		// The OAPIF driver, as a GIS user would call it.
		csv = filepath.Join(dir, "oapif.csv")
		args := []string{"-f", "CSV", csv, "OAPIF:" + base + "/collections/points", "-lco", "GEOMETRY=AS_XY", "--config", "CPL_DEBUG", "ON"}
		if partTwo {
			args = append(args, "-oo", "CRS="+target.code)
		} else {
			args = append(args, "-t_srs", target.code)
		}
		out, err = exec.Command(ogr2ogr, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("ogr2ogr %v: %v\n%s", args, err, out)
		}
		asked := strings.Contains(string(out), "crs=")
		switch {
		case partTwo && !asked:
			t.Errorf("GDAL with -oo CRS= did not ask the server with crs=:\n%s", out)
		case !partTwo && asked:
			t.Logf("GDAL 3.6 asked with crs= after all")
		case !partTwo:
			t.Logf("this GDAL has no OAPIF CRS option: it reprojected on the client")
		}
		check("OAPIF driver", csv, false)
	}
}

// TestOWSLibReadsWithCRS reads the ports through OWSLib's OGC API Features
// client, which passes crs and bbox-crs through as query parameters, and
// compares the coordinates with cs2cs.
func TestOWSLibReadsWithCRS(t *testing.T) {
	python := testtool.Python(t, "owslib.ogcapi.features", "python3-owslib")
	testtool.Program(t, "cs2cs", "proj-bin")
	ds := syntheticDataset(t, 200, 8)
	base := serveForTest(t, ds)
	script := `
import json, sys
from owslib.ogcapi.features import Features
api = Features(sys.argv[1])
kw = {"crs": sys.argv[2], "limit": 1000, "bbox": [2850000, 420000, 3050000, 560000], "bbox-crs": sys.argv[2]}
items = api.collection_items("points", **kw)
print(json.dumps(items))
`
	out, err := exec.Command(python, "-c", script, base, uri4549).CombinedOutput()
	if err != nil {
		t.Fatalf("owslib: %v\n%s", err, out)
	}
	var fc geojson.FeatureCollection
	if err := json.Unmarshal(out, &fc); err != nil {
		t.Fatalf("owslib output: %v\n%.300s", err, out)
	}
	if len(fc.Features) == 0 {
		t.Fatal("OWSLib got no features in the EPSG:4549 box")
	}
	lonLat := map[string]orb.Point{}
	for _, f := range ds.Layer("points").Features.Features {
		lonLat[f.Properties["id"].(string)] = f.Geometry.(orb.Point)
	}
	var in []orb.Point
	for _, f := range fc.Features {
		in = append(in, lonLat[fmt.Sprint(f.ID)])
	}
	truth := cs2cs(t, "EPSG:4549", in)
	for i, f := range fc.Features {
		got := f.Geometry.(orb.Point)
		if math.Abs(got[0]-truth[i][0]) > 1e-3 || math.Abs(got[1]-truth[i][1]) > 1e-3 {
			t.Errorf("%v: OWSLib got %v, cs2cs %v", f.ID, got, truth[i])
		}
		if got[0] < 2850000 || got[0] > 3050000 || got[1] < 420000 || got[1] > 560000 {
			t.Errorf("%v: %v is outside the EPSG:4549 box", f.ID, got)
		}
	}
	t.Logf("OWSLib: %d features in the EPSG:4549 box match cs2cs to 1 mm", len(fc.Features))
}
