package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/testtool"
	"github.com/planmap/planmap/geo/crs"
)

// The WFS tests run the clients planners have installed — QGIS 3.22's WFS
// provider, GDAL's WFS driver, OWSLib — against a live server editing a
// copy of the built-in dataset, and check every answer against the store
// through OGC API – Features and the vector tiles.

const wfsToken = "wfs-test-secret"

type wfsServer struct {
	base  string // http://127.0.0.1:port
	srv   *Server
	store *data.FileStore
}

func (w *wfsServer) url() string { return w.base + "/wfs" }

// startWFSServer serves an editable copy of the built-in dataset with one
// editor token until the test ends.
func startWFSServer(t *testing.T) *wfsServer {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	if err := data.InitFolder(dir); err != nil {
		t.Fatal(err)
	}
	store, err := data.OpenFiles(dir, data.FileOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	tokens := &Tokens{}
	tokens.AddSecret("wfs-editor", RoleEditor, wfsToken)
	srv, err := NewWithStore(store, Options{Tokens: tokens})
	if err != nil {
		t.Fatal(err)
	}
	return &wfsServer{base: serveOnLoopback(t, srv, store.Close), srv: srv, store: store}
}

func httpDo(t *testing.T, method, target string, body []byte, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, b
}

// item reads one feature through OGC API – Features (nil if 404).
func (w *wfsServer) item(t *testing.T, layer, id string) *geojson.Feature {
	t.Helper()
	status, _, body := httpDo(t, "GET", w.base+"/collections/"+layer+"/items/"+url.PathEscape(id), nil)
	if status == http.StatusNotFound {
		return nil
	}
	if status != http.StatusOK {
		t.Fatalf("item %s/%s: %d %s", layer, id, status, body)
	}
	f, err := geojson.UnmarshalFeature(body)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// items reads a whole layer through OGC API – Features.
func (w *wfsServer) items(t *testing.T, layer string) []*geojson.Feature {
	t.Helper()
	status, _, body := httpDo(t, "GET", w.base+"/collections/"+layer+"/items?limit=10000", nil)
	if status != http.StatusOK {
		t.Fatalf("items %s: %d %s", layer, status, body)
	}
	fc, err := geojson.UnmarshalFeatureCollection(body)
	if err != nil {
		t.Fatal(err)
	}
	return fc.Features
}

// tileFeature finds a feature by id in the vector tile covering p at z.
func (w *wfsServer) tileFeature(t *testing.T, layer, id string, p orb.Point, z maptile.Zoom) *geojson.Feature {
	t.Helper()
	tile := maptile.At(p, z)
	status, _, body := httpDo(t, "GET", fmt.Sprintf("%s/tiles/%d/%d/%d.mvt", w.base, tile.Z, tile.X, tile.Y), nil)
	if status == http.StatusNoContent {
		return nil
	}
	if status != http.StatusOK {
		t.Fatalf("tile %v: %d %s", tile, status, body)
	}
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatalf("tile %v is not a vector tile: %v", tile, err)
	}
	layers.ProjectToWGS84(tile)
	for _, l := range layers {
		if l.Name != layer {
			continue
		}
		for _, f := range l.Features {
			if f.Properties["id"] == id {
				return f
			}
		}
	}
	return nil
}

// qgisSession drives testdata/wfs_qgis.py step by step.
type qgisSession struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  *bufio.Scanner
	stderr *bytes.Buffer
}

func (q *qgisSession) next() map[string]any {
	q.t.Helper()
	for q.lines.Scan() {
		line := q.lines.Bytes()
		if !bytes.HasPrefix(line, []byte("{")) {
			continue
		}
		var v map[string]any
		if err := json.Unmarshal(line, &v); err != nil {
			q.t.Fatalf("QGIS script printed %q: %v", line, err)
		}
		if v["step"] == "error" {
			q.t.Fatalf("QGIS script failed: %v\n%s", v["error"], q.stderr)
		}
		return v
	}
	q.t.Fatalf("QGIS script ended early: %v\n%s", q.lines.Err(), q.stderr)
	return nil
}

func (q *qgisSession) resume() {
	if _, err := io.WriteString(q.stdin, "next\n"); err != nil {
		q.t.Fatalf("QGIS script: %v", err)
	}
}

// TestWFSQGISEditing loads every layer through QGIS 3.22's WFS provider,
// then adds a park, changes a status, moves a port and deletes a corridor
// through the provider's edit API, checking after each edit that OGC API
// items and the vector tiles show it. WFS 2.0 (QGIS sends its edits as
// WFS 1.0 transactions then) and 1.1 (GML 3 with latitude first).
func TestWFSQGISEditing(t *testing.T) {
	python := testtool.Python(t, "qgis.core", "python3-qgis")
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, version := range []string{"auto", "1.1.0"} {
		t.Run(version, func(t *testing.T) {
			w := startWFSServer(t)
			const statusTarget, victim = "wz-zhenan-coastal-advanced-equipment-cluster", "qz-baiqi-channel"
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, python, "testdata/wfs_qgis.py", w.url(), wfsToken, version, statusTarget, victim)
			cmd.Env = append(os.Environ(), "QT_QPA_PLATFORM=offscreen", "HOME="+t.TempDir())
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				stdin.Close()
				_ = cmd.Wait()
			}()
			q := &qgisSession{t: t, cmd: cmd, stdin: stdin, lines: bufio.NewScanner(stdout), stderr: &stderr}
			q.lines.Buffer(make([]byte, 1<<20), 16<<20)

			load := q.next()
			layers := load["layers"].(map[string]any)
			for _, l := range ds.Layers {
				got, ok := layers[l.ID].(map[string]any)
				if !ok || got["valid"] != true {
					t.Fatalf("QGIS could not load %s: %v", l.ID, layers[l.ID])
				}
				var wantIDs []any
				for _, f := range l.Features.Features {
					wantIDs = append(wantIDs, data.FeatureID(f))
				}
				slices.SortFunc(wantIDs, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
				if got["count"] != float64(len(l.Features.Features)) || got["featureCount"] != float64(len(l.Features.Features)) {
					t.Errorf("%s: QGIS read %v features (featureCount %v), want %d", l.ID, got["count"], got["featureCount"], len(l.Features.Features))
				}
				if !jsonEqual(got["ids"], wantIDs) {
					t.Errorf("%s: QGIS read ids %v, want %v", l.ID, got["ids"], wantIDs)
				}
				var wantFields []any
				for _, p := range append(slices.Clone(data.CommonProperties), data.LayerProperties[l.ID]...) {
					wantFields = append(wantFields, p)
				}
				if !jsonEqual(got["fields"], wantFields) {
					t.Errorf("%s: QGIS fields %v, want %v", l.ID, got["fields"], wantFields)
				}
				if got["nullGeometries"] != float64(0) {
					t.Errorf("%s: %v features without geometry in QGIS", l.ID, got["nullGeometries"])
				}
				for _, capability := range []string{"canAdd", "canChange", "canDelete", "canMove"} {
					if got[capability] != true {
						t.Errorf("%s: QGIS says %s is false: it would not let a planner edit", l.ID, capability)
					}
				}
			}
			q.resume()

			// Add a park.
			if step := q.next(); step["ok"] != true {
				t.Fatalf("QGIS addFeatures failed: %v", step)
			}
			var added *geojson.Feature
			for _, f := range w.items(t, data.IndustrialParks) {
				if f.Properties["name_en"] == "QGIS test park" {
					added = f
				}
			}
			if added == nil {
				t.Fatal("the park QGIS added is not in OGC API items")
			}
			wantRing := orb.Ring{{120.60, 27.90}, {120.64, 27.90}, {120.64, 27.93}, {120.60, 27.93}, {120.60, 27.90}}
			if !ringsMatch(added.Geometry, wantRing) {
				t.Errorf("added park geometry %v, want ring %v", added.Geometry, wantRing)
			}
			if added.Properties["target_year"] != 2030.0 || added.Properties["status"] != "planned" || added.Properties["name"] != "QGIS 测试园区" {
				t.Errorf("added park properties %v", added.Properties)
			}
			if tf := w.tileFeature(t, data.IndustrialParks, data.FeatureID(added), orb.Point{120.62, 27.915}, 10); tf == nil {
				t.Error("the added park is not in the vector tile")
			}
			q.resume()

			// Change a status.
			if step := q.next(); step["ok"] != true {
				t.Fatalf("QGIS changeAttributeValues failed: %v", step)
			}
			changed := w.item(t, data.IndustrialParks, statusTarget)
			if changed == nil || changed.Properties["status"] != "under_construction" {
				t.Fatalf("status after QGIS's change: %v", changed)
			}
			orig := ds.Layer(data.IndustrialParks)
			for _, f := range orig.Features.Features {
				if data.FeatureID(f) != statusTarget {
					continue
				}
				for k, v := range f.Properties {
					if k != "status" && !jsonEqual(changed.Properties[k], v) {
						t.Errorf("changing the status changed %s: %v -> %v", k, v, changed.Properties[k])
					}
				}
				if !geometriesClose(f.Geometry, changed.Geometry) {
					t.Error("changing the status changed the geometry")
				}
			}
			centre := changed.Geometry.Bound().Center()
			if tf := w.tileFeature(t, data.IndustrialParks, statusTarget, centre, 8); tf == nil || tf.Properties["status"] != "under_construction" {
				t.Errorf("tile feature after the status change: %v", tf)
			}
			q.resume()

			// Move a port.
			if step := q.next(); step["ok"] != true {
				t.Fatalf("QGIS changeGeometryValues failed: %v", step)
			}
			moved := w.item(t, data.Ports, "wenzhou-port")
			want := orb.Point{120.9123, 27.8456}
			if p, ok := moved.Geometry.(orb.Point); !ok || math.Abs(p[0]-want[0]) > 1e-9 || math.Abs(p[1]-want[1]) > 1e-9 {
				t.Fatalf("port after QGIS's move: %v, want %v", moved.Geometry, want)
			}
			if tf := w.tileFeature(t, data.Ports, "wenzhou-port", want, 12); tf == nil {
				t.Error("the moved port is not in the tile of its new place")
			} else if p := tf.Geometry.(orb.Point); math.Abs(p[0]-want[0]) > 1e-4 || math.Abs(p[1]-want[1]) > 1e-4 {
				t.Errorf("the moved port is drawn at %v, want %v", p, want)
			}
			if tf := w.tileFeature(t, data.Ports, "wenzhou-port", orb.Point{120.803, 27.973}, 12); tf != nil {
				t.Error("the moved port is still in the tile of its old place")
			}
			q.resume()

			// Delete a corridor.
			if step := q.next(); step["ok"] != true {
				t.Fatalf("QGIS deleteFeatures failed: %v", step)
			}
			if f := w.item(t, data.Corridors, victim); f != nil {
				t.Fatal("the corridor QGIS deleted is still served")
			}
			for _, f := range ds.Layer(data.Corridors).Features.Features {
				if data.FeatureID(f) == victim {
					for _, p := range f.Geometry.(orb.LineString) {
						if tf := w.tileFeature(t, data.Corridors, victim, p, 9); tf != nil {
							t.Fatal("the deleted corridor is still in a vector tile")
						}
					}
				}
			}
			q.resume()

			// Every edit is in the history under the token's name.
			revs, err := w.store.Changes(context.Background(), 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			var ops []string
			for _, r := range revs {
				ops = append(ops, string(r.Op)+" "+r.Layer+" "+r.Actor)
			}
			wantOps := []string{"create industrial-parks wfs-editor", "replace industrial-parks wfs-editor", "replace ports wfs-editor", "delete corridors wfs-editor"}
			if !slices.Equal(ops, wantOps) {
				t.Errorf("history %v, want %v", ops, wantOps)
			}
		})
	}
}

// ringsMatch reports whether g is a polygon or one-polygon multipolygon
// with the given exterior ring.
func ringsMatch(g orb.Geometry, ring orb.Ring) bool {
	var p orb.Polygon
	switch x := g.(type) {
	case orb.Polygon:
		p = x
	case orb.MultiPolygon:
		if len(x) != 1 {
			return false
		}
		p = x[0]
	default:
		return false
	}
	if len(p) != 1 || len(p[0]) != len(ring) {
		return false
	}
	for i := range ring {
		if math.Abs(p[0][i][0]-ring[i][0]) > 1e-9 || math.Abs(p[0][i][1]-ring[i][1]) > 1e-9 {
			return false
		}
	}
	return true
}

// normalize makes a one-part multi-geometry single, so a client's
// promotion of a Polygon to the layer's MultiPolygon compares equal.
func normalize(g orb.Geometry) orb.Geometry {
	switch x := g.(type) {
	case orb.MultiPolygon:
		if len(x) == 1 {
			return x[0]
		}
	case orb.MultiLineString:
		if len(x) == 1 {
			return x[0]
		}
	}
	return g
}

// wfsCompare checks features a WFS client read against the layer: every
// feature once, geometry within 1e-9°, every property (home_point is JSON
// text in WFS).
func wfsCompare(t *testing.T, l *data.Layer, got []*geojson.Feature) {
	t.Helper()
	byID := map[string]*geojson.Feature{}
	for _, f := range got {
		id := data.FeatureID(f)
		if byID[id] != nil {
			t.Fatalf("%s: feature %s read twice", l.ID, id)
		}
		byID[id] = f
	}
	if len(byID) != len(l.Features.Features) {
		t.Fatalf("%s: the client read %d features, want %d", l.ID, len(byID), len(l.Features.Features))
	}
	for _, want := range l.Features.Features {
		id := data.FeatureID(want)
		f := byID[id]
		if f == nil {
			t.Errorf("%s: feature %s missing", l.ID, id)
			continue
		}
		if !geometriesClose(normalize(f.Geometry), normalize(want.Geometry)) {
			t.Errorf("%s/%s: geometry %v, want %v", l.ID, id, f.Geometry, want.Geometry)
		}
		for key, wantValue := range want.Properties {
			gotValue := f.Properties[key]
			if key == "home_point" && wantValue != nil {
				// WFS carries it as JSON text, which GDAL may decode again.
				if s, ok := gotValue.(string); ok {
					var v any
					if json.Unmarshal([]byte(s), &v) == nil {
						gotValue = v
					}
				}
			}
			if !jsonEqual(gotValue, wantValue) {
				t.Errorf("%s/%s: property %s = %v, want %v", l.ID, id, key, gotValue, wantValue)
			}
		}
	}
}

// TestWFSGDAL: ogrinfo lists every layer with its count, ogr2ogr pulls
// every layer completely (paging 7 at a time), and ogr2ogr -append
// inserts through a transaction with the token, and not without it.
func TestWFSGDAL(t *testing.T) {
	ogrinfo := testtool.Program(t, "ogrinfo", "gdal-bin")
	ogr2ogr := testtool.Program(t, "ogr2ogr", "gdal-bin")
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	w := startWFSServer(t)
	source := "WFS:" + w.url()
	out, _ := runTool(t, ogrinfo, "-ro", "-so", "-al", source)
	for _, l := range ds.Layers {
		block := out[strings.Index(out, "Layer name: planmap:"+l.ID):]
		if want := fmt.Sprintf("Feature Count: %d", len(l.Features.Features)); !strings.Contains(block[:strings.Index(block, "Extent")], want) {
			t.Errorf("ogrinfo on %s: no %q in\n%.600s", l.ID, want, block)
		}
	}
	dir := t.TempDir()
	for _, l := range ds.Layers {
		path := filepath.Join(dir, l.ID+".geojson")
		runTool(t, ogr2ogr, "--config", "OGR_WFS_PAGE_SIZE", "7", "-f", "GeoJSON", path, source, "planmap:"+l.ID)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fc, err := geojson.UnmarshalFeatureCollection(raw)
		if err != nil {
			t.Fatal(err)
		}
		wfsCompare(t, l, fc.Features)
	}

	// Insert two ports through WFS-T.
	newPorts := `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"gdal-port-a","name":"GDAL 甲港","name_en":"GDAL port A","kind":"port","status":"proposed","target_year":2035,"city":"温州市","geometry_precision":"schematic"},"geometry":{"type":"Point","coordinates":[121.123456,28.654321]}},
{"type":"Feature","properties":{"id":"gdal-port-b","name":"GDAL 乙港","name_en":"GDAL port B","kind":"rail_hub","status":"planned","target_year":null,"city":"泉州市","geometry_precision":"approximate"},"geometry":{"type":"Polygon","coordinates":[[[118.6,24.9],[118.62,24.9],[118.62,24.93],[118.6,24.9]]]}}]}`
	src := filepath.Join(dir, "new.geojson")
	if err := os.WriteFile(src, []byte(newPorts), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ogr2ogr, "-update", "-append", source, src, "-nln", "planmap:ports")
	if msg, err := cmd.CombinedOutput(); err == nil && w.item(t, data.Ports, "gdal-port-a") != nil {
		t.Fatalf("ogr2ogr inserted without a token: %s", msg)
	}
	cmd = exec.Command(ogr2ogr, "-update", "-append", source, src, "-nln", "planmap:ports")
	cmd.Env = append(os.Environ(), "GDAL_HTTP_USERPWD=gis:"+wfsToken)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr -append: %v\n%s", err, msg)
	}
	a, b := w.item(t, data.Ports, "gdal-port-a"), w.item(t, data.Ports, "gdal-port-b")
	if a == nil || b == nil {
		t.Fatalf("ogr2ogr -append did not insert both ports: %v %v", a, b)
	}
	if p := a.Geometry.(orb.Point); math.Abs(p[0]-121.123456) > 1e-9 || math.Abs(p[1]-28.654321) > 1e-9 {
		t.Errorf("inserted port at %v, want [121.123456 28.654321]: an axis swapped", p)
	}
	if !ringsMatch(b.Geometry, orb.Ring{{118.6, 24.9}, {118.62, 24.9}, {118.62, 24.93}, {118.6, 24.9}}) {
		t.Errorf("inserted polygon %v", b.Geometry)
	}
	if a.Properties["target_year"] != 2035.0 || a.Properties["name"] != "GDAL 甲港" || b.Properties["kind"] != "rail_hub" || b.Properties["county"] != nil {
		t.Errorf("inserted properties %v / %v", a.Properties, b.Properties)
	}
	if tf := w.tileFeature(t, data.Ports, "gdal-port-a", orb.Point{121.123456, 28.654321}, 11); tf == nil {
		t.Error("the inserted port is not in its vector tile")
	}
}

// TestWFSOWSLib reads capabilities, schema and features with OWSLib's
// WebFeatureService in both versions.
func TestWFSOWSLib(t *testing.T) {
	python := testtool.Python(t, "owslib.wfs", "python3-owslib")
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	w := startWFSServer(t)
	script := `
import json, sys
import xml.etree.ElementTree as ET
from owslib.wfs import WebFeatureService
url, version = sys.argv[1], sys.argv[2]
wfs = WebFeatureService(url, version=version)
out = {"version": wfs.version, "title": wfs.identification.title, "operations": sorted(op.name for op in wfs.operations), "layers": {}}
for name in sorted(wfs.contents):
    c = wfs.contents[name]
    schema = wfs.get_schema(name)
    resp = wfs.getfeature(typename=[name])
    root = ET.fromstring(resp.read())
    feats = [e for e in root.iter() if e.tag.endswith("}" + name.split(":")[1])]
    ids = sorted(e.find("{https://github.com/planmap/planmap}id").text for e in feats)
    out["layers"][name] = {"bbox": list(c.boundingBoxWGS84), "crs": [str(x) for x in c.crsOptions],
        "properties": schema["properties"], "geometry": schema["geometry"], "geometry_column": schema.get("geometry_column", ""),
        "ids": ids, "numberMatched": root.get("numberMatched"), "numberOfFeatures": root.get("numberOfFeatures")}
print(json.dumps(out))
`
	for _, version := range []string{"2.0.0", "1.1.0"} {
		t.Run(version, func(t *testing.T) {
			out, _ := runTool(t, python, "-c", script, w.url(), version)
			var got struct {
				Version    string
				Title      string
				Operations []string
				Layers     map[string]struct {
					BBox           []float64
					CRS            []string
					Properties     map[string]string
					Geometry       string
					GeometryColumn string `json:"geometry_column"`
					IDs            []string
					NumberMatched  *string
					NumberOf       *string `json:"numberOfFeatures"`
				}
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("OWSLib output %q: %v", out, err)
			}
			if got.Version != version || got.Title != "planmap" || !slices.Contains(got.Operations, "Transaction") || !slices.Contains(got.Operations, "GetFeature") {
				t.Errorf("capabilities: %+v", got)
			}
			if len(got.Layers) != len(ds.Layers) {
				t.Fatalf("OWSLib sees %d feature types, want %d", len(got.Layers), len(ds.Layers))
			}
			for _, l := range ds.Layers {
				gl, ok := got.Layers["planmap:"+l.ID]
				if !ok {
					t.Errorf("no feature type planmap:%s", l.ID)
					continue
				}
				b := l.Bound()
				if len(gl.BBox) < 4 || math.Abs(gl.BBox[0]-b.Min[0]) > 1e-9 || math.Abs(gl.BBox[1]-b.Min[1]) > 1e-9 || math.Abs(gl.BBox[2]-b.Max[0]) > 1e-9 || math.Abs(gl.BBox[3]-b.Max[1]) > 1e-9 {
					t.Errorf("%s: WGS84 bbox %v, want %v", l.ID, gl.BBox, b)
				}
				// OWSLib 0.27 maps no GML 3.2 curve type (gml:MultiCurvePropertyType)
				// to a geometry: it sees the corridors' schema without one.
				owslibBlind := version == "2.0.0" && l.ID == data.Corridors
				if !owslibBlind && (gl.GeometryColumn != "geometry" || gl.Geometry == "") {
					t.Errorf("%s: schema geometry %q in %q", l.ID, gl.Geometry, gl.GeometryColumn)
				}
				if owslibBlind {
					delete(gl.Properties, "geometry")
				}
				wantProps := append(slices.Clone(data.CommonProperties), data.LayerProperties[l.ID]...)
				if len(gl.Properties) != len(wantProps) {
					t.Errorf("%s: schema properties %v, want %v", l.ID, gl.Properties, wantProps)
				}
				for _, p := range wantProps {
					want := "string"
					if p == "target_year" {
						want = "int"
					}
					if gl.Properties[p] != want {
						t.Errorf("%s: property %s typed %q, want %q", l.ID, p, gl.Properties[p], want)
					}
				}
				var ids []string
				for _, f := range l.Features.Features {
					ids = append(ids, data.FeatureID(f))
				}
				sort.Strings(ids)
				if !slices.Equal(gl.IDs, ids) {
					t.Errorf("%s: OWSLib read ids %v, want %v", l.ID, gl.IDs, ids)
				}
				count := gl.NumberMatched
				if version == "1.1.0" {
					count = gl.NumberOf
				}
				if count == nil || *count != strconv.Itoa(len(ids)) {
					t.Errorf("%s: collection count %v, want %d", l.ID, count, len(ids))
				}
			}
		})
	}
}

// xmlElem is one element of an answer, found by local name.
type xmlElem struct {
	Space, Local string
	Attr         map[string]string
	Text         string
}

// xmlFind returns every element with the given local name, failing the
// test when the body is not well-formed XML.
func xmlFind(t *testing.T, body []byte, local string) []xmlElem {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(body))
	var out []xmlElem
	var stack []*xmlElem
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the answer is not well-formed XML (%v): %.400s", err, body)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			e := &xmlElem{Space: x.Name.Space, Local: x.Name.Local, Attr: map[string]string{}}
			for _, a := range x.Attr {
				e.Attr[a.Name.Local] = a.Value
			}
			stack = append(stack, e)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(x)
			}
		case xml.EndElement:
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if e.Local == local {
				out = append(out, *e)
			}
		}
	}
	return out
}

// exceptionCode returns the exceptionCode of an ows:ExceptionReport.
func exceptionCode(t *testing.T, body []byte) (code, locator, text string) {
	t.Helper()
	ex := xmlFind(t, body, "Exception")
	if len(ex) != 1 || len(xmlFind(t, body, "ExceptionReport")) != 1 {
		t.Fatalf("not an ows:ExceptionReport: %.500s", body)
	}
	texts := xmlFind(t, body, "ExceptionText")
	if len(texts) == 1 {
		text = texts[0].Text
	}
	return ex[0].Attr["exceptionCode"], ex[0].Attr["locator"], text
}

func wfsGet(t *testing.T, w *wfsServer, query string) (int, []byte) {
	t.Helper()
	status, _, body := httpDo(t, "GET", w.url()+"?"+query, nil)
	return status, body
}

func wfsPost(t *testing.T, w *wfsServer, doc string, header ...string) (int, []byte) {
	t.Helper()
	status, _, body := httpDo(t, "POST", w.url(), []byte(doc), append([]string{"Content-Type", "application/xml"}, header...)...)
	return status, body
}

// TestWFSAxisOrder: the URN and http forms of EPSG:4326 are latitude
// first, CRS84 and the short EPSG:4326 longitude first, in GML output, in
// BBOX and in transactions.
func TestWFSAxisOrder(t *testing.T) {
	w := startWFSServer(t)
	port := orb.Point{120.803, 27.973} // wenzhou-port in the built-in data
	cases := []struct {
		version, srsName string
		latFirst         bool
	}{
		{"2.0.0", "", true},
		{"2.0.0", "urn:ogc:def:crs:EPSG::4326", true},
		{"2.0.0", "http://www.opengis.net/def/crs/EPSG/0/4326", true},
		{"2.0.0", "urn:ogc:def:crs:OGC:1.3:CRS84", false},
		{"2.0.0", "http://www.opengis.net/def/crs/OGC/1.3/CRS84", false},
		{"2.0.0", "EPSG:4326", false},
		{"1.1.0", "", true},
		{"1.1.0", "urn:ogc:def:crs:EPSG::4326", true},
		{"1.1.0", "urn:x-ogc:def:crs:EPSG:4326", true},
		{"1.1.0", "EPSG:4326", false},
		{"1.1.0", "http://www.opengis.net/gml/srs/epsg.xml#4326", false},
	}
	for _, c := range cases {
		t.Run(c.version+" "+c.srsName, func(t *testing.T) {
			q := url.Values{"service": {"WFS"}, "version": {c.version}, "request": {"GetFeature"}, typeNameKey(c.version): {"planmap:ports"}}
			if c.version == "2.0.0" {
				q.Set("resourceId", "ports.wenzhou-port")
			} else {
				q.Set("featureId", "ports.wenzhou-port")
			}
			if c.srsName != "" {
				q.Set("srsName", c.srsName)
			}
			status, body := wfsGet(t, w, q.Encode())
			pos := xmlFind(t, body, "pos")
			if status != 200 || len(pos) != 1 {
				t.Fatalf("%d, %d positions: %.500s", status, len(pos), body)
			}
			want := fmt.Sprintf("%v %v", port[0], port[1])
			if c.latFirst {
				want = fmt.Sprintf("%v %v", port[1], port[0])
			}
			if pos[0].Text != want {
				t.Errorf("pos %q, want %q", pos[0].Text, want)
			}
			if name := xmlFind(t, body, "Point")[0].Attr["srsName"]; c.srsName != "" && name != c.srsName {
				t.Errorf("srsName written %q, want %q echoed", name, c.srsName)
			}

			// A box around the port in the form's order finds it; the same
			// numbers in the other order do not.
			box := [4]float64{port[0] - 0.01, port[1] - 0.01, port[0] + 0.01, port[1] + 0.01}
			swapped := [4]float64{box[1], box[0], box[3], box[2]}
			if c.latFirst {
				box, swapped = swapped, box
			}
			for _, b := range []struct {
				coords [4]float64
				found  bool
			}{{box, true}, {swapped, false}} {
				bq := url.Values{"service": {"WFS"}, "version": {c.version}, "request": {"GetFeature"}, typeNameKey(c.version): {"planmap:ports"}, "outputFormat": {"application/json"}}
				v := fmt.Sprintf("%v,%v,%v,%v", b.coords[0], b.coords[1], b.coords[2], b.coords[3])
				if c.srsName != "" {
					v += "," + c.srsName
				}
				bq.Set("bbox", v)
				status, body := wfsGet(t, w, bq.Encode())
				fc, err := geojson.UnmarshalFeatureCollection(body)
				if status != 200 || err != nil {
					t.Fatalf("bbox %s: %d %v %.300s", v, status, err, body)
				}
				found := false
				for _, f := range fc.Features {
					found = found || data.FeatureID(f) == "wenzhou-port"
				}
				if found != b.found {
					t.Errorf("bbox %s found the port: %v, want %v", v, found, b.found)
				}
			}
		})
	}

	// Transactions read each form's order too.
	for i, c := range []struct {
		srsName, pos string
	}{
		{"urn:ogc:def:crs:EPSG::4326", "28.5 121.25"},
		{"http://www.opengis.net/def/crs/EPSG/0/4326", "28.5 121.25"},
		{"EPSG:4326", "121.25 28.5"},
		{"urn:ogc:def:crs:OGC:1.3:CRS84", "121.25 28.5"},
	} {
		id := fmt.Sprintf("axis-port-%d", i)
		doc := fmt.Sprintf(`<wfs:Transaction xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:planmap="https://github.com/planmap/planmap" service="WFS" version="2.0.0">
<wfs:Insert><planmap:ports><planmap:id>%s</planmap:id><planmap:name>轴港</planmap:name><planmap:kind>port</planmap:kind><planmap:geometry_precision>schematic</planmap:geometry_precision>
<planmap:geometry><gml:Point gml:id="p%d" srsName="%s"><gml:pos>%s</gml:pos></gml:Point></planmap:geometry></planmap:ports></wfs:Insert></wfs:Transaction>`, id, i, c.srsName, c.pos)
		status, body := wfsPost(t, w, doc, "Authorization", "Bearer "+wfsToken)
		if status != 200 {
			t.Fatalf("insert in %s: %d %s", c.srsName, status, body)
		}
		f := w.item(t, data.Ports, id)
		if f == nil || f.Geometry.(orb.Point) != (orb.Point{121.25, 28.5}) {
			t.Errorf("insert with srsName %s and pos %q stored %v, want [121.25 28.5]", c.srsName, c.pos, f)
		}
	}
}

func typeNameKey(version string) string {
	if version == "1.1.0" {
		return "typeName"
	}
	return "typeNames"
}

const txHead = `<wfs:Transaction xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:planmap="https://github.com/planmap/planmap" service="WFS" version="2.0.0">`

func parkXML(id, name, kind string) string {
	return fmt.Sprintf(`<planmap:industrial-parks><planmap:id>%s</planmap:id><planmap:name>%s</planmap:name><planmap:kind>%s</planmap:kind><planmap:status>planned</planmap:status><planmap:target_year>2031</planmap:target_year><planmap:geometry_precision>schematic</planmap:geometry_precision>
<planmap:geometry><gml:Polygon gml:id="%s.g" srsName="urn:ogc:def:crs:EPSG::4326"><gml:exterior><gml:LinearRing><gml:posList>27.5 120.5 27.5 120.6 27.6 120.6 27.5 120.5</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></planmap:geometry></planmap:industrial-parks>`, id, name, kind, id)
}

// TestWFSTransactionAllOrNothing: a batch with one bad feature among good
// ones changes nothing and names the bad one; the batch without it makes
// every change, in one store change set, and answers the created ids.
func TestWFSTransactionAllOrNothing(t *testing.T) {
	w := startWFSServer(t)
	before := w.store.Current()
	body := func(badKind string) string {
		return txHead +
			`<wfs:Update typeName="planmap:ports" handle="port status"><wfs:Property><wfs:ValueReference>planmap:status</wfs:ValueReference><wfs:Value>planned</wfs:Value></wfs:Property>` +
			`<fes:Filter><fes:ResourceId rid="ports.taizhou-port"/></fes:Filter></wfs:Update>` +
			`<wfs:Delete typeName="planmap:enclaves" handle="drop enclave"><fes:Filter><fes:PropertyIsEqualTo><fes:ValueReference>id</fes:ValueReference><fes:Literal>wz-pinghu-wencheng-enclave-park</fes:Literal></fes:PropertyIsEqualTo></fes:Filter></wfs:Delete>` +
			`<wfs:Insert handle="new parks">` + parkXML("tx-park-a", "甲园", "industrial_park") + parkXML("tx-park-b", "乙园", badKind) + parkXML("", "丙园", "innovation_base") + `</wfs:Insert>` +
			`<wfs:Update typeName="planmap:industrial-parks" handle="rename a"><wfs:Property><wfs:ValueReference>name_en</wfs:ValueReference><wfs:Value>Park A</wfs:Value></wfs:Property><wfs:Property><wfs:ValueReference>target_year</wfs:ValueReference></wfs:Property>` +
			`<fes:Filter><fes:ResourceId rid="industrial-parks.tx-park-a"/></fes:Filter></wfs:Update>` +
			`</wfs:Transaction>`
	}
	status, resp := wfsPost(t, w, body("spaceport"), "Authorization", "Bearer "+wfsToken)
	if status != http.StatusBadRequest {
		t.Fatalf("bad batch: %d %s", status, resp)
	}
	code, locator, text := exceptionCode(t, resp)
	if code != "InvalidValue" || locator != "new parks, feature 2" || !strings.Contains(text, `"kind" is "spaceport"`) || !strings.Contains(text, "nothing was changed") {
		t.Errorf("bad batch answered %s / %s / %s", code, locator, text)
	}
	if w.store.Current() != before {
		t.Fatal("the refused batch changed the store")
	}
	if f := w.item(t, data.Ports, "taizhou-port"); f.Properties["status"] != "operational" {
		t.Errorf("the refused batch's update was applied: %v", f.Properties["status"])
	}
	if w.item(t, data.Enclaves, "wz-pinghu-wencheng-enclave-park") == nil || w.item(t, data.IndustrialParks, "tx-park-a") != nil {
		t.Error("the refused batch's delete or first insert was applied")
	}

	// Without credentials: 401, nothing changed.
	status, resp = wfsPost(t, w, body("industrial_park"))
	if status != http.StatusUnauthorized {
		t.Fatalf("anonymous transaction: %d %s", status, resp)
	}
	exceptionCode(t, resp)
	status, resp = wfsPost(t, w, body("industrial_park"), "Authorization", "Bearer wrong")
	if status != http.StatusUnauthorized || w.store.Current() != before {
		t.Fatalf("wrong token: %d, store changed %v", status, w.store.Current() != before)
	}

	status, resp = wfsPost(t, w, body("industrial_park"), "Authorization", "Basic "+basicAuth("qgis", wfsToken))
	if status != http.StatusOK {
		t.Fatalf("good batch: %d %s", status, resp)
	}
	totals := map[string]string{}
	for _, name := range []string{"totalInserted", "totalUpdated", "totalReplaced", "totalDeleted"} {
		if e := xmlFind(t, resp, name); len(e) == 1 {
			totals[name] = e[0].Text
		}
	}
	if totals["totalInserted"] != "3" || totals["totalUpdated"] != "2" || totals["totalDeleted"] != "1" || totals["totalReplaced"] != "0" {
		t.Errorf("totals %v", totals)
	}
	rids := xmlFind(t, resp, "ResourceId")
	if len(rids) != 3 || rids[0].Attr["rid"] != "industrial-parks.tx-park-a" || rids[1].Attr["rid"] != "industrial-parks.tx-park-b" ||
		!strings.HasPrefix(rids[2].Attr["rid"], "industrial-parks.industrial-parks-") {
		t.Fatalf("insert results %v", rids)
	}
	generated := strings.TrimPrefix(rids[2].Attr["rid"], "industrial-parks.")
	if f := w.item(t, data.IndustrialParks, generated); f == nil || f.Properties["name"] != "丙园" {
		t.Errorf("the park with a generated id: %v", f)
	}
	a := w.item(t, data.IndustrialParks, "tx-park-a")
	if a == nil || a.Properties["name_en"] != "Park A" || a.Properties["target_year"] != nil || a.Properties["name"] != "甲园" {
		t.Errorf("park a after insert and update in one batch: %v", a)
	}
	if !ringsMatch(a.Geometry, orb.Ring{{120.5, 27.5}, {120.6, 27.5}, {120.6, 27.6}, {120.5, 27.5}}) {
		t.Errorf("park a geometry %v (lat-first posList read wrongly?)", a.Geometry)
	}
	if f := w.item(t, data.Ports, "taizhou-port"); f.Properties["status"] != "planned" {
		t.Errorf("port status %v", f.Properties["status"])
	}
	if w.item(t, data.Enclaves, "wz-pinghu-wencheng-enclave-park") != nil {
		t.Error("the enclave was not deleted")
	}
	after := w.store.Current()
	if after.Seq != before.Seq+6 {
		t.Errorf("the batch made %d changes, want 6", after.Seq-before.Seq)
	}

	// Replace, in WFS 2.0, keeps the id and takes the new content.
	doc := txHead + `<wfs:Replace handle="replace b">` + parkXML("", "乙园二", "pilot_zone") + `<fes:Filter><fes:ResourceId rid="industrial-parks.tx-park-b"/></fes:Filter></wfs:Replace></wfs:Transaction>`
	if status, resp := wfsPost(t, w, doc, "Authorization", "Bearer "+wfsToken); status != 200 || xmlFind(t, resp, "totalReplaced")[0].Text != "1" {
		t.Fatalf("replace: %d %s", status, resp)
	}
	if b := w.item(t, data.IndustrialParks, "tx-park-b"); b == nil || b.Properties["name"] != "乙园二" || b.Properties["kind"] != "pilot_zone" || b.Properties["county"] != nil {
		t.Errorf("replaced park: %v", b)
	}
	// The WFS 1.1 answer has the 1.1 summary and FeatureIds.
	doc11 := `<wfs:Transaction xmlns:wfs="http://www.opengis.net/wfs" xmlns:ogc="http://www.opengis.net/ogc" xmlns:gml="http://www.opengis.net/gml" xmlns:planmap="https://github.com/planmap/planmap" service="WFS" version="1.1.0">
<wfs:Delete typeName="planmap:industrial-parks"><ogc:Filter><ogc:FeatureId fid="industrial-parks.tx-park-b"/></ogc:Filter></wfs:Delete></wfs:Transaction>`
	if status, resp := wfsPost(t, w, doc11, "Authorization", "Bearer "+wfsToken); status != 200 || xmlFind(t, resp, "totalDeleted")[0].Text != "1" {
		t.Fatalf("1.1 delete: %d %s", status, resp)
	}
}

func basicAuth(user, pass string) string {
	req, _ := http.NewRequest("GET", "http://x", nil)
	req.SetBasicAuth(user, pass)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

// TestWFSExceptions: bad requests get an ows:ExceptionReport with the
// right exceptionCode and a 4xx status, never a 500.
func TestWFSExceptions(t *testing.T) {
	w := startWFSServer(t)
	deep := strings.Repeat("<fes:Not>", 100) + strings.Repeat("</fes:Not>", 100)
	cases := []struct {
		name, query, post string
		status            int
		code, locator     string
	}{
		{"no service", "request=GetCapabilities", "", 400, "MissingParameterValue", "service"},
		{"no request", "service=WFS&version=2.0.0", "", 400, "MissingParameterValue", "request"},
		{"unknown request", "service=WFS&version=2.0.0&request=GetMap", "", 400, "OperationNotSupported", "request"},
		{"no version", "service=WFS&request=GetFeature&typeNames=planmap:ports", "", 400, "MissingParameterValue", "version"},
		{"bad version", "service=WFS&version=3.0.0&request=GetFeature&typeNames=planmap:ports", "", 400, "InvalidParameterValue", "version"},
		{"no acceptable version", "service=WFS&request=GetCapabilities&acceptVersions=3.0.0,0.9", "", 400, "VersionNegotiationFailed", "acceptVersions"},
		{"no type names", "service=WFS&version=2.0.0&request=GetFeature", "", 400, "MissingParameterValue", "typeNames"},
		{"unknown type", "service=WFS&version=2.0.0&request=GetFeature&typeNames=planmap:airfields", "", 400, "InvalidParameterValue", "typeName"},
		{"unknown type in schema", "service=WFS&version=1.1.0&request=DescribeFeatureType&typeName=roads", "", 400, "InvalidParameterValue", "typeName"},
		{"bad count", "service=WFS&version=2.0.0&request=GetFeature&typeNames=planmap:ports&count=-3", "", 400, "InvalidParameterValue", "count"},
		{"bad result type", "service=WFS&version=2.0.0&request=GetFeature&typeNames=planmap:ports&resultType=all", "", 400, "InvalidParameterValue", "resultType"},
		{"bad bbox", "service=WFS&version=2.0.0&request=GetFeature&typeNames=planmap:ports&bbox=1,2,3", "", 400, "InvalidParameterValue", "bbox"},
		{"unknown CRS", "service=WFS&version=2.0.0&request=GetFeature&typeNames=planmap:ports&srsName=EPSG:2000", "", 400, "InvalidParameterValue", "srsName"},
		{"unknown format", "service=WFS&version=2.0.0&request=GetFeature&typeNames=planmap:ports&outputFormat=SHAPE-ZIP", "", 400, "InvalidParameterValue", "outputFormat"},
		{"filter not XML", "service=WFS&version=2.0.0&request=GetFeature&typeNames=planmap:ports&filter=" + url.QueryEscape("<Filter><PropertyIsEqualTo>"), "", 400, "OperationParsingFailed", "filter"},
		{"unknown property", "service=WFS&version=2.0.0&request=GetFeature&typeNames=planmap:ports&filter=" + url.QueryEscape(`<Filter><PropertyIsEqualTo><ValueReference>colour</ValueReference><Literal>red</Literal></PropertyIsEqualTo></Filter>`), "", 400, "InvalidParameterValue", "filter"},
		{"unsupported operator", "service=WFS&version=2.0.0&request=GetFeature&typeNames=planmap:ports&filter=" + url.QueryEscape(`<Filter><Intersects><ValueReference>geometry</ValueReference><Point/></Intersects></Filter>`), "", 400, "InvalidParameterValue", "filter"},
		{"filter and bbox", "service=WFS&version=2.0.0&request=GetFeature&typeNames=planmap:ports&bbox=1,2,3,4&resourceId=ports.x", "", 400, "InvalidParameterValue", "filter"},
		{"join", "service=WFS&version=2.0.0&request=GetFeature&typeNames=(planmap:ports,planmap:corridors)", "", 400, "OperationNotSupported", "typeNames"},
		{"property value without reference", "service=WFS&version=2.0.0&request=GetPropertyValue&typeNames=planmap:ports", "", 400, "MissingParameterValue", "valueReference"},
		{"transaction by GET", "service=WFS&version=2.0.0&request=Transaction", "", 400, "OperationNotSupported", "request"},
		{"missing stored feature", "service=WFS&version=2.0.0&request=GetFeature&storedQuery_id=urn:ogc:def:query:OGC-WFS::GetFeatureById&id=nope", "", 404, "NotFound", "ID"},
		{"malformed XML", "", `<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" service="WFS" version="2.0.0"><wfs:Query typeNames="planmap:ports">`, 400, "OperationParsingFailed", ""},
		{"DOCTYPE", "", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><GetCapabilities service="WFS">&lol2;</GetCapabilities>`, 400, "OperationParsingFailed", ""},
		{"external entity", "", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><GetCapabilities service="WFS">&xxe;</GetCapabilities>`, 400, "OperationParsingFailed", ""},
		{"undeclared entity", "", `<GetCapabilities service="WFS">&xxe;</GetCapabilities>`, 400, "OperationParsingFailed", ""},
		{"too deep", "", `<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:fes="http://www.opengis.net/fes/2.0" service="WFS" version="2.0.0"><wfs:Query typeNames="planmap:ports"><fes:Filter>` + deep + `</fes:Filter></wfs:Query></wfs:GetFeature>`, 400, "OperationParsingFailed", ""},
		{"unknown XML request", "", `<GetMap service="WFS" version="2.0.0"/>`, 400, "OperationNotSupported", "request"},
		{"query without type", "", `<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" service="WFS" version="2.0.0"><wfs:Query/></wfs:GetFeature>`, 400, "MissingParameterValue", "typeNames"},
		{"anonymous transaction", "", txHead + `<wfs:Delete typeName="planmap:ports"><fes:Filter><fes:ResourceId rid="ports.wenzhou-port"/></fes:Filter></wfs:Delete></wfs:Transaction>`, 401, "NoApplicableCode", "Transaction"},
		{"unknown action", "", txHead + `<wfs:Lock/></wfs:Transaction>`, 400, "InvalidParameterValue", "Lock 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var status int
			var body []byte
			if c.post != "" {
				status, body = wfsPost(t, w, c.post)
			} else {
				status, body = wfsGet(t, w, c.query)
			}
			if status != c.status {
				t.Errorf("status %d, want %d: %.400s", status, c.status, body)
			}
			code, locator, text := exceptionCode(t, body)
			if code != c.code || locator != c.locator || text == "" {
				t.Errorf("exception %q locator %q (%s), want %q locator %q", code, locator, text, c.code, c.locator)
			}
		})
	}
	// WFS 1.1 reports use OWS 1.0.
	_, body := wfsGet(t, w, "service=WFS&version=1.1.0&request=GetFeature&typeName=planmap:nope")
	if ex := xmlFind(t, body, "ExceptionReport"); len(ex) != 1 || ex[0].Space != "http://www.opengis.net/ows" || ex[0].Attr["version"] != "1.0.0" {
		t.Errorf("1.1 exception report %s", body)
	}
}

// filterCase is a filter and an independent statement of what it keeps.
type filterCase struct {
	name, layer, filter string
	keep                func(f *geojson.Feature) bool
}

func str(f *geojson.Feature, k string) string { s, _ := f.Properties[k].(string); return s }

func year(f *geojson.Feature) (float64, bool) {
	y, ok := f.Properties["target_year"].(float64)
	return y, ok
}

// boxMeets is an independent geometry–box test: a vertex in the box, an
// edge crossing a box side, or the box inside a polygon.
func boxMeets(g orb.Geometry, b orb.Bound) bool {
	var pts []orb.Point
	var segs [][2]orb.Point
	var rings []orb.Ring
	var walk func(orb.Geometry)
	line := func(ls []orb.Point) {
		pts = append(pts, ls...)
		for i := 1; i < len(ls); i++ {
			segs = append(segs, [2]orb.Point{ls[i-1], ls[i]})
		}
	}
	walk = func(g orb.Geometry) {
		switch x := g.(type) {
		case orb.Point:
			pts = append(pts, x)
		case orb.LineString:
			line(x)
		case orb.MultiLineString:
			for _, l := range x {
				line(l)
			}
		case orb.Polygon:
			for _, r := range x {
				line(r)
			}
			rings = append(rings, x[0])
		case orb.MultiPolygon:
			for _, p := range x {
				walk(p)
			}
		}
	}
	walk(g)
	for _, p := range pts {
		if p[0] >= b.Min[0] && p[0] <= b.Max[0] && p[1] >= b.Min[1] && p[1] <= b.Max[1] {
			return true
		}
	}
	corners := []orb.Point{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}}
	cross := func(a, c, d orb.Point) float64 { return (c[0]-a[0])*(d[1]-a[1]) - (c[1]-a[1])*(d[0]-a[0]) }
	for _, s := range segs {
		for i := range corners {
			c, d := corners[i], corners[(i+1)%4]
			if cross(s[0], s[1], c)*cross(s[0], s[1], d) <= 0 && cross(c, d, s[0])*cross(c, d, s[1]) <= 0 {
				return true
			}
		}
	}
	for _, r := range rings {
		in := false
		p := b.Min
		for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
			if (r[i][1] > p[1]) != (r[j][1] > p[1]) && p[0] < (r[j][0]-r[i][0])*(p[1]-r[i][1])/(r[j][1]-r[i][1])+r[i][0] {
				in = !in
			}
		}
		if in {
			return true
		}
	}
	return false
}

// TestWFSFilters evaluates Filter Encoding filters through GetFeature (FE
// 2.0 by KVP in WFS 2.0, FE 1.1 by XML POST in WFS 1.1) and compares the
// features with a plain loop over the built-in data.
func TestWFSFilters(t *testing.T) {
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	w := startWFSServer(t)
	wz := orb.Bound{Min: orb.Point{120.5, 27.8}, Max: orb.Point{121.0, 28.1}}
	lit := func(op, prop, value string) string {
		return fmt.Sprintf(`<fes:%s><fes:ValueReference>%s</fes:ValueReference><fes:Literal>%s</fes:Literal></fes:%s>`, op, prop, value, op)
	}
	bbox := fmt.Sprintf(`<fes:BBOX><fes:ValueReference>geometry</fes:ValueReference><gml:Envelope srsName="urn:ogc:def:crs:EPSG::4326"><gml:lowerCorner>%v %v</gml:lowerCorner><gml:upperCorner>%v %v</gml:upperCorner></gml:Envelope></fes:BBOX>`, wz.Min[1], wz.Min[0], wz.Max[1], wz.Max[0])
	cases := []filterCase{
		{"equal", data.IndustrialParks, lit("PropertyIsEqualTo", "status", "planned"), func(f *geojson.Feature) bool { return str(f, "status") == "planned" }},
		{"equal prefixed", data.Ports, lit("PropertyIsEqualTo", "planmap:kind", "airport"), func(f *geojson.Feature) bool { return str(f, "kind") == "airport" }},
		{"not equal", data.Ports, lit("PropertyIsNotEqualTo", "kind", "port"), func(f *geojson.Feature) bool { return f.Properties["kind"] != nil && str(f, "kind") != "port" }},
		{"less", data.IndustrialParks, lit("PropertyIsLessThan", "target_year", "2025"), func(f *geojson.Feature) bool { y, ok := year(f); return ok && y < 2025 }},
		{"greater or equal", data.Corridors, lit("PropertyIsGreaterThanOrEqualTo", "target_year", "2021"), func(f *geojson.Feature) bool { y, ok := year(f); return ok && y >= 2021 }},
		{"less or equal", data.Corridors, lit("PropertyIsLessThanOrEqualTo", "target_year", "2022"), func(f *geojson.Feature) bool { y, ok := year(f); return ok && y <= 2022 }},
		{"greater text", data.Ports, lit("PropertyIsGreaterThan", "id", "w"), func(f *geojson.Feature) bool { return str(f, "id") > "w" }},
		{"like", data.Ports, `<fes:PropertyIsLike wildCard="*" singleChar="." escapeChar="!" matchCase="false"><fes:ValueReference>name_en</fes:ValueReference><fes:Literal>*airport*</fes:Literal></fes:PropertyIsLike>`,
			func(f *geojson.Feature) bool { return strings.Contains(strings.ToLower(str(f, "name_en")), "airport") }},
		{"like single", data.Corridors, `<fes:PropertyIsLike wildCard="%" singleChar="_" escapeChar="\"><fes:ValueReference>id</fes:ValueReference><fes:Literal>wz-rail-s_</fes:Literal></fes:PropertyIsLike>`,
			func(f *geojson.Feature) bool {
				id := str(f, "id")
				return strings.HasPrefix(id, "wz-rail-s") && len(id) == len("wz-rail-s")+1
			}},
		{"between", data.Corridors, `<fes:PropertyIsBetween><fes:ValueReference>target_year</fes:ValueReference><fes:LowerBoundary><fes:Literal>2020</fes:Literal></fes:LowerBoundary><fes:UpperBoundary><fes:Literal>2021</fes:Literal></fes:UpperBoundary></fes:PropertyIsBetween>`,
			func(f *geojson.Feature) bool { y, ok := year(f); return ok && y >= 2020 && y <= 2021 }},
		{"null", data.Corridors, `<fes:PropertyIsNull><fes:ValueReference>target_year</fes:ValueReference></fes:PropertyIsNull>`, func(f *geojson.Feature) bool { return f.Properties["target_year"] == nil }},
		{"and", data.Corridors, "<fes:And>" + lit("PropertyIsEqualTo", "city", "泉州市") + `<fes:PropertyIsNull><fes:ValueReference>target_year</fes:ValueReference></fes:PropertyIsNull>` + "</fes:And>",
			func(f *geojson.Feature) bool {
				return str(f, "city") == "泉州市" && f.Properties["target_year"] == nil
			}},
		{"or", data.Ports, "<fes:Or>" + lit("PropertyIsEqualTo", "kind", "airport") + lit("PropertyIsEqualTo", "kind", "rail_hub") + "</fes:Or>",
			func(f *geojson.Feature) bool { return str(f, "kind") == "airport" || str(f, "kind") == "rail_hub" }},
		// Filters use SQL's three-valued logic, as the store does: a comparison
		// with a null is unknown, and so is its negation.
		{"not", data.IndustrialParks, "<fes:Not>" + lit("PropertyIsEqualTo", "status", "operational") + "</fes:Not>", func(f *geojson.Feature) bool {
			return f.Properties["status"] != nil && str(f, "status") != "operational"
		}},
		{"not null", data.IndustrialParks, "<fes:Not><fes:PropertyIsNull><fes:ValueReference>target_year</fes:ValueReference></fes:PropertyIsNull></fes:Not>", func(f *geojson.Feature) bool { return f.Properties["target_year"] != nil }},
		{"equal, any case", data.Ports, `<fes:PropertyIsEqualTo matchCase="false"><fes:ValueReference>name_en</fes:ValueReference><fes:Literal>PORT OF WENZHOU</fes:Literal></fes:PropertyIsEqualTo>`, func(f *geojson.Feature) bool { return str(f, "name_en") == "Port of Wenzhou" }},
		{"bbox", data.Corridors, bbox, func(f *geojson.Feature) bool { return boxMeets(f.Geometry, wz) }},
		{"bbox parks", data.IndustrialParks, bbox, func(f *geojson.Feature) bool { return boxMeets(f.Geometry, wz) }},
		{"bbox and like", data.Ports, "<fes:And>" + bbox + `<fes:PropertyIsLike wildCard="*" singleChar="." escapeChar="!"><fes:ValueReference>id</fes:ValueReference><fes:Literal>wenzhou-*</fes:Literal></fes:PropertyIsLike></fes:And>`,
			func(f *geojson.Feature) bool {
				return boxMeets(f.Geometry, wz) && strings.HasPrefix(str(f, "id"), "wenzhou-")
			}},
		{"bbox in or", data.Ports, "<fes:Or>" + bbox + lit("PropertyIsEqualTo", "id", "shanghai-port") + "</fes:Or>",
			func(f *geojson.Feature) bool { return boxMeets(f.Geometry, wz) || str(f, "id") == "shanghai-port" }},
		{"resource ids", data.Ports, `<fes:ResourceId rid="ports.wenzhou-port"/><fes:ResourceId rid="taizhou-port"/><fes:ResourceId rid="ports.nothing"/>`,
			func(f *geojson.Feature) bool { return str(f, "id") == "wenzhou-port" || str(f, "id") == "taizhou-port" }},
	}
	for _, c := range cases {
		l := ds.Layer(c.layer)
		var want []string
		for _, f := range l.Features.Features {
			if c.keep(f) {
				want = append(want, data.FeatureID(f))
			}
		}
		sort.Strings(want)
		t.Run(c.name, func(t *testing.T) {
			if len(want) == 0 || len(want) == len(l.Features.Features) {
				t.Fatalf("the case keeps %d of %d features: it cannot tell a filter that works from one that does not", len(want), len(l.Features.Features))
			}
			// WFS 2.0, KVP, FE 2.0.
			filter20 := `<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:planmap="https://github.com/planmap/planmap">` + c.filter + `</fes:Filter>`
			q := url.Values{"service": {"WFS"}, "version": {"2.0.0"}, "request": {"GetFeature"}, "typeNames": {"planmap:" + c.layer}, "outputFormat": {"application/json"}, "filter": {filter20}}
			status, body := wfsGet(t, w, q.Encode())
			if got := jsonIDs(t, status, body); !slices.Equal(got, want) {
				t.Errorf("WFS 2.0 filter kept %v, want %v", got, want)
			}
			// WFS 1.1, XML POST, FE 1.1.
			f11 := strings.NewReplacer("fes:ValueReference", "ogc:PropertyName", "fes:ResourceId rid=", "ogc:GmlObjectId gml:id=", "fes:", "ogc:").Replace(c.filter)
			doc := `<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs" xmlns:ogc="http://www.opengis.net/ogc" xmlns:gml="http://www.opengis.net/gml" service="WFS" version="1.1.0" outputFormat="application/json">` +
				`<wfs:Query typeName="planmap:` + c.layer + `"><ogc:Filter>` + f11 + `</ogc:Filter></wfs:Query></wfs:GetFeature>`
			status, body = wfsPost(t, w, doc)
			if got := jsonIDs(t, status, body); !slices.Equal(got, want) {
				t.Errorf("WFS 1.1 filter kept %v, want %v", got, want)
			}
			// resultType=hits counts the same.
			q.Set("resultType", "hits")
			q.Del("outputFormat")
			_, body = wfsGet(t, w, q.Encode())
			if fc := xmlFind(t, body, "FeatureCollection"); len(fc) != 1 || fc[0].Attr["numberMatched"] != strconv.Itoa(len(want)) || fc[0].Attr["numberReturned"] != "0" {
				t.Errorf("hits: %s", body)
			}
		})
	}
}

func jsonIDs(t *testing.T, status int, body []byte) []string {
	t.Helper()
	if status != 200 {
		t.Fatalf("%d %.500s", status, body)
	}
	var fc struct {
		NumberMatched, NumberReturned int
		Features                      []struct{ ID string }
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatalf("%v: %.300s", err, body)
	}
	var ids []string
	for _, f := range fc.Features {
		ids = append(ids, f.ID)
	}
	if fc.NumberReturned != len(ids) {
		t.Errorf("numberReturned %d for %d features", fc.NumberReturned, len(ids))
	}
	sort.Strings(ids)
	return ids
}

// TestWFSPaging: count/startIndex (maxFeatures in 1.1) pages through a
// layer, in GML, with every feature once; hits counts without features.
func TestWFSPaging(t *testing.T) {
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	w := startWFSServer(t)
	l := ds.Layer(data.Corridors)
	for _, version := range []string{"2.0.0", "1.1.0"} {
		var got []string
		for start := 0; start < len(l.Features.Features)+7; start += 7 {
			q := url.Values{"service": {"WFS"}, "version": {version}, "request": {"GetFeature"}, typeNameKey(version): {"planmap:corridors"}, "startIndex": {strconv.Itoa(start)}, "sortBy": {"id ASC"}}
			if version == "2.0.0" {
				q.Set("count", "7")
			} else {
				q.Set("maxFeatures", "7")
			}
			status, body := wfsGet(t, w, q.Encode())
			if status != 200 {
				t.Fatalf("%d %s", status, body)
			}
			page := xmlFind(t, body, "corridors")
			if want := min(7, max(0, len(l.Features.Features)-start)); len(page) != want {
				t.Fatalf("%s page at %d has %d features, want %d", version, start, len(page), want)
			}
			for _, f := range page {
				got = append(got, strings.TrimPrefix(f.Attr["id"], "corridors."))
			}
			fc := xmlFind(t, body, "FeatureCollection")[0]
			if version == "2.0.0" && fc.Attr["numberMatched"] != strconv.Itoa(len(l.Features.Features)) {
				t.Errorf("numberMatched %s", fc.Attr["numberMatched"])
			}
		}
		var want []string
		for _, f := range l.Features.Features {
			want = append(want, data.FeatureID(f))
		}
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: paging read %v, want %v (sorted by id)", version, got, want)
		}
		status, body := wfsGet(t, w, "service=WFS&request=GetFeature&resultType=hits&version="+version+"&"+typeNameKey(version)+"=planmap:corridors")
		attr := "numberMatched"
		if version == "1.1.0" {
			attr = "numberOfFeatures"
		}
		if fc := xmlFind(t, body, "FeatureCollection"); status != 200 || fc[0].Attr[attr] != strconv.Itoa(len(l.Features.Features)) || len(xmlFind(t, body, "corridors")) != 0 {
			t.Errorf("%s hits: %s", version, body)
		}
	}
	// GetPropertyValue answers one value per feature.
	status, body := wfsGet(t, w, "service=WFS&version=2.0.0&request=GetPropertyValue&typeNames=planmap:ports&valueReference=name_en&sortBy=id")
	members := xmlFind(t, body, "member")
	if status != 200 || len(members) != len(ds.Layer(data.Ports).Features.Features) {
		t.Fatalf("GetPropertyValue: %d, %d members", status, len(members))
	}
	// GetFeatureById answers the bare feature.
	status, body = wfsGet(t, w, "service=WFS&version=2.0.0&request=GetFeature&storedQuery_id=urn:ogc:def:query:OGC-WFS::GetFeatureById&id=ports.wenzhou-port")
	if f := xmlFind(t, body, "ports"); status != 200 || len(f) != 1 || f[0].Attr["id"] != "ports.wenzhou-port" || len(xmlFind(t, body, "FeatureCollection")) != 0 {
		t.Errorf("GetFeatureById: %d %.300s", status, body)
	}
}

// TestWFSProjectedCRS: srsName names a geo/crs CRS; GML carries the
// port in it, in the axis order its form requires, and a transaction in it
// lands back in lon/lat.
func TestWFSProjectedCRS(t *testing.T) {
	w := startWFSServer(t)
	port := orb.Point{120.803, 27.973}
	for _, c := range []struct{ srsName, ref string }{
		{"urn:ogc:def:crs:EPSG::3857", "EPSG:3857"},
		{"urn:ogc:def:crs:EPSG::4549", "EPSG:4549"},
		{"EPSG:4549", "EPSG:4549"},
		{"urn:ogc:def:crs:EPSG::4490", "EPSG:4490"},
	} {
		ref, err := crs.Builtin().Lookup(c.ref)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ref.FromCRS84(port) // in the CRS's own axis order
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(c.srsName, "EPSG:") && ref.NorthingFirst() {
			want[0], want[1] = want[1], want[0] // the short form is easting first
		}
		_, body := wfsGet(t, w, "service=WFS&version=2.0.0&request=GetFeature&typeNames=planmap:ports&resourceId=ports.wenzhou-port&srsName="+url.QueryEscape(c.srsName))
		pos := xmlFind(t, body, "pos")
		if len(pos) != 1 {
			t.Fatalf("%s: %.400s", c.srsName, body)
		}
		var got orb.Point
		if _, err := fmt.Sscanf(pos[0].Text, "%g %g", &got[0], &got[1]); err != nil {
			t.Fatal(err)
		}
		if math.Abs(got[0]-want[0]) > 1e-6*math.Max(1, math.Abs(want[0])) || math.Abs(got[1]-want[1]) > 1e-6*math.Max(1, math.Abs(want[1])) {
			t.Errorf("%s: pos %v, want %v", c.srsName, got, want)
		}
	}
}
