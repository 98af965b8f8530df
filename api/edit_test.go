package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/testtool"
)

const testToken = "test-editor-secret"

// editableServer serves a fresh copy of the built-in dataset from a
// folder, with one editor and one viewer token, on a loopback port.
type editableServer struct {
	base  string
	dir   string
	srv   *Server
	store *data.FileStore
}

func newEditableServer(t *testing.T) *editableServer {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "plan")
	if err := data.InitFolder(dir); err != nil {
		t.Fatal(err)
	}
	return openEditableServer(t, dir)
}

func openEditableServer(t *testing.T, dir string) *editableServer {
	return openEditableServerTB(t, dir)
}

func openEditableServerTB(t testing.TB, dir string) *editableServer {
	t.Helper()
	store, err := data.OpenFiles(dir, data.FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tokens := &Tokens{}
	tokens.AddSecret("alice", RoleEditor, testToken)
	tokens.AddSecret("victor", RoleViewer, "viewer-secret")
	srv, err := NewWithStore(store, Options{Tokens: tokens})
	if err != nil {
		t.Fatal(err)
	}
	return &editableServer{base: serveOnLoopback(t, srv, store.Close), dir: dir, srv: srv, store: store}
}

type httpResult struct {
	status int
	header http.Header
	body   []byte
}

func (r httpResult) object(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("status %d, body is not a JSON object (%v): %.300s", r.status, err, r.body)
	}
	return v
}

func (es *editableServer) do(t testing.TB, method, path string, body []byte, headers ...string) httpResult {
	t.Helper()
	req, err := http.NewRequest(method, es.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return httpResult{status: res.StatusCode, header: res.Header, body: b}
}

var (
	authEditor = []string{"Authorization", "Bearer " + testToken}
	geoJSON    = []string{"Content-Type", "application/geo+json"}
	mergePatch = []string{"Content-Type", "application/merge-patch+json"}
)

func headers(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// newPort is a valid ports feature without an id.
func newPort(name string, lon, lat float64) []byte {
	return []byte(fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%g,%g]},"properties":{"name":%q,"name_en":"Test","kind":"port","status":"planned","target_year":2030,"city":"温州市","county":"鹿城区","source_doc":null,"source_excerpt":null,"geometry_precision":"approximate","placement_note":null}}`, lon, lat, name))
}

// TestPart4AbstractTests re-creates the abstract tests of OGC API –
// Features Part 4 (OGC 20-002, draft) against a running server; each case
// names the requirement it checks.
func TestPart4AbstractTests(t *testing.T) {
	es := newEditableServer(t)
	created := es.do(t, "POST", "/collections/ports/items", newPort("抽象测试港", 120.8, 27.9), headers(authEditor, geoJSON)...)
	if created.status != 201 {
		t.Fatalf("setup create: %d %s", created.status, created.body)
	}
	loc := created.header.Get("Location")
	id := loc[strings.LastIndex(loc, "/")+1:]
	path := "/collections/ports/items/" + id
	etag := created.header.Get("ETag")

	type check func(t *testing.T, r httpResult)
	status := func(want int) check {
		return func(t *testing.T, r httpResult) {
			if r.status != want {
				t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
			}
		}
	}
	ogcBody := func(t *testing.T, r httpResult) {
		o := r.object(t)
		if o["code"] == nil || o["description"] == nil {
			t.Fatalf("no OGC exception body: %s", r.body)
		}
	}
	hasHeader := func(name string) check {
		return func(t *testing.T, r httpResult) {
			if r.header.Get(name) == "" {
				t.Fatalf("no %s header", name)
			}
		}
	}
	allow := func(want ...string) check {
		return func(t *testing.T, r httpResult) {
			got := r.header.Get("Allow")
			for _, m := range want {
				if !strings.Contains(got, m) {
					t.Fatalf("Allow %q lacks %s", got, m)
				}
			}
		}
	}
	cases := []struct {
		requirement string
		method      string
		path        func() string
		body        []byte
		headers     []string
		checks      []check
	}{
		{"/req/create-replace-delete/insert-post-op: POST on items creates a feature; 201 with Location",
			"POST", func() string { return "/collections/ports/items" }, newPort("新港", 120.9, 27.95), headers(authEditor, geoJSON),
			[]check{status(201), hasHeader("Location"), hasHeader("ETag")}},
		{"/req/create-replace-delete/insert-body: the body must be a feature of the collection's schema (400 otherwise)",
			"POST", func() string { return "/collections/ports/items" }, []byte(`{"type":"Feature","geometry":{"type":"Point","coordinates":[120,28]},"properties":{"name":"x"}}`), headers(authEditor, geoJSON),
			[]check{status(400), ogcBody}},
		{"/req/create-replace-delete/insert-content-type: an unsupported Content-Type gets 415",
			"POST", func() string { return "/collections/ports/items" }, newPort("x", 120, 28), headers(authEditor, []string{"Content-Type", "text/plain"}),
			[]check{status(415), ogcBody}},
		{"/req/create-replace-delete/insert-id-conflict: a create naming an existing id gets 409",
			"POST", func() string { return "/collections/ports/items" }, bytes.Replace(newPort("重复", 120, 28), []byte(`"properties":{`), []byte(`"properties":{"id":"`+id+`",`), 1), headers(authEditor, geoJSON),
			[]check{status(409), ogcBody}},
		{"/req/create-replace-delete/update-put-op: PUT replaces the feature (200)",
			"PUT", func() string { return path }, newPort("替换港", 120.81, 27.91), headers(authEditor, geoJSON),
			[]check{status(200), hasHeader("ETag")}},
		{"/req/create-replace-delete/update-put-rid: PUT on an unknown feature gets 404",
			"PUT", func() string { return "/collections/ports/items/no-such-feature" }, newPort("x", 120, 28), headers(authEditor, geoJSON),
			[]check{status(404), ogcBody}},
		{"/req/update/patch-op: PATCH with a merge patch updates the feature (200)",
			"PATCH", func() string { return path }, []byte(`{"properties":{"status":"under_construction"}}`), headers(authEditor, mergePatch),
			[]check{status(200), hasHeader("ETag")}},
		{"/req/update/patch-rid: PATCH on an unknown feature gets 404",
			"PATCH", func() string { return "/collections/ports/items/no-such-feature" }, []byte(`{"properties":{}}`), headers(authEditor, mergePatch),
			[]check{status(404), ogcBody}},
		{"/req/optimistic-locking-etags/if-match: a stale If-Match gets 412 and changes nothing",
			"PATCH", func() string { return path }, []byte(`{"properties":{"status":"operational"}}`), headers(authEditor, mergePatch, []string{"If-Match", etag}),
			[]check{status(412), ogcBody}},
		{"/req/create-replace-delete/options: OPTIONS on items lists POST",
			"OPTIONS", func() string { return "/collections/ports/items" }, nil, nil,
			[]check{status(204), allow("GET", "POST")}},
		{"/req/create-replace-delete/options: OPTIONS on a feature lists PUT, PATCH and DELETE",
			"OPTIONS", func() string { return path }, nil, nil,
			[]check{status(204), allow("GET", "PUT", "PATCH", "DELETE")}},
		{"planmap: writes without a token get 401 with WWW-Authenticate",
			"DELETE", func() string { return path }, nil, nil,
			[]check{status(401), hasHeader("WWW-Authenticate"), ogcBody}},
		{"planmap: a viewer's token gets 403",
			"DELETE", func() string { return path }, nil, []string{"Authorization", "Bearer viewer-secret"},
			[]check{status(403), ogcBody}},
		{"planmap: HTTP Basic with the token as password is accepted (QGIS, GDAL)",
			"PATCH", func() string { return path }, []byte(`{"properties":{"placement_note":"basic auth"}}`), headers([]string{"Authorization", "Basic " + basic("anyone", testToken)}, mergePatch),
			[]check{status(200)}},
		{"/req/create-replace-delete/delete-op: DELETE removes the feature (204)",
			"DELETE", func() string { return path }, nil, authEditor,
			[]check{status(204)}},
		{"/req/create-replace-delete/delete-rid: the deleted feature is gone (404)",
			"GET", func() string { return path }, nil, nil,
			[]check{status(404), ogcBody}},
		{"/req/create-replace-delete/delete-rid: DELETE of an unknown feature gets 404",
			"DELETE", func() string { return path }, nil, authEditor,
			[]check{status(404), ogcBody}},
	}
	for _, tc := range cases {
		t.Run(tc.requirement, func(t *testing.T) {
			r := es.do(t, tc.method, tc.path(), tc.body, tc.headers...)
			for _, c := range tc.checks {
				c(t, r)
			}
		})
	}
	conf := es.do(t, "GET", "/conformance", nil).object(t)
	classes := fmt.Sprint(conf["conformsTo"])
	for _, c := range editConformance {
		if !strings.Contains(classes, c) {
			t.Errorf("/conformance lacks %s", c)
		}
	}
}

func basic(user, pass string) string {
	req, _ := http.NewRequest("GET", "http://x/", nil)
	req.SetBasicAuth(user, pass)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

// TestEditsAreVisibleEverywhere: a change shows at once in the feature,
// its collection (new ETag), a bbox query, the tile it touches, history
// and the change feed; tiles elsewhere keep their ETag.
func TestEditsAreVisibleEverywhere(t *testing.T) {
	es := newEditableServer(t)
	const lon, lat = 121.2, 28.3
	z := maptile.Zoom(10)
	tile := maptile.At(orb.Point{lon, lat}, z)
	tilePath := fmt.Sprintf("/tiles/%d/%d/%d.mvt", tile.Z, tile.X, tile.Y)
	farTile := maptile.At(orb.Point{118.6, 24.9}, z) // Quanzhou
	farPath := fmt.Sprintf("/tiles/%d/%d/%d.mvt", farTile.Z, farTile.X, farTile.Y)
	before := es.do(t, "GET", "/collections/ports/items", nil)
	farBefore := es.do(t, "GET", farPath, nil)

	created := es.do(t, "POST", "/collections/ports/items", newPort("可见港", lon, lat), headers(authEditor, geoJSON)...)
	if created.status != 201 {
		t.Fatalf("create: %d %s", created.status, created.body)
	}
	loc := created.header.Get("Location")
	id := loc[strings.LastIndex(loc, "/")+1:]

	got := es.do(t, "GET", "/collections/ports/items/"+id, nil)
	if got.status != 200 || got.header.Get("ETag") != created.header.Get("ETag") {
		t.Fatalf("feature: %d, ETag %q vs %q", got.status, got.header.Get("ETag"), created.header.Get("ETag"))
	}
	after := es.do(t, "GET", "/collections/ports/items", nil)
	if after.header.Get("ETag") == before.header.Get("ETag") {
		t.Error("the collection's items kept their ETag after a create")
	}
	box := es.do(t, "GET", fmt.Sprintf("/collections/ports/items?bbox=%g,%g,%g,%g", lon-0.01, lat-0.01, lon+0.01, lat+0.01), nil).object(t)
	if fmt.Sprint(box["numberMatched"]) != "1" {
		t.Errorf("bbox around the new port matched %v, want 1", box["numberMatched"])
	}
	if ids := tileFeatureIDs(t, es.do(t, "GET", tilePath, nil)); !ids[id] {
		t.Errorf("tile %s lacks the new port %s (has %v)", tilePath, id, ids)
	}
	if far := es.do(t, "GET", farPath, nil); far.header.Get("ETag") != farBefore.header.Get("ETag") {
		t.Errorf("a tile far from the change changed ETag: %q → %q", farBefore.header.Get("ETag"), far.header.Get("ETag"))
	}

	moved := es.do(t, "PATCH", "/collections/ports/items/"+id, []byte(`{"geometry":{"type":"Point","coordinates":[118.6,24.9]}}`), headers(authEditor, mergePatch)...)
	if moved.status != 200 {
		t.Fatalf("move: %d %s", moved.status, moved.body)
	}
	if ids := tileFeatureIDs(t, es.do(t, "GET", tilePath, nil)); ids[id] {
		t.Errorf("tile %s still has the port after it moved away", tilePath)
	}
	if ids := tileFeatureIDs(t, es.do(t, "GET", farPath, nil)); !ids[id] {
		t.Errorf("tile %s lacks the port moved into it", farPath)
	}
	hist := es.do(t, "GET", "/collections/ports/items/"+id+"/history", nil).object(t)
	revs, _ := hist["revisions"].([]any)
	if len(revs) != 2 {
		t.Fatalf("history has %d revisions, want 2: %s", len(revs), hist)
	}
	first := revs[0].(map[string]any)
	if first["op"] != "create" || first["actor"] != "alice" || first["before"] != nil {
		t.Errorf("first revision %v", first)
	}
	changes := es.do(t, "GET", "/changes?since=1", nil).object(t)
	if list, _ := changes["changes"].([]any); len(list) != 1 {
		t.Errorf("/changes?since=1 has %d changes, want 1", len(list))
	}
}

func tileFeatureIDs(t *testing.T, r httpResult) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	if r.status == 204 {
		return ids
	}
	if r.status != 200 {
		t.Fatalf("tile: %d %s", r.status, r.body)
	}
	layers, err := mvt.UnmarshalGzipped(r.body)
	if err != nil {
		layers, err = mvt.Unmarshal(r.body)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		for _, f := range l.Features {
			if id, ok := f.Properties["id"].(string); ok {
				ids[id] = true
			}
		}
	}
	return ids
}

// TestConcurrentIfMatch: two clients patch one feature with the same
// If-Match; exactly one wins, the other gets 412.
func TestConcurrentIfMatch(t *testing.T) {
	es := newEditableServer(t)
	const path = "/collections/ports/items/wenzhou-port"
	for round := 0; round < 20; round++ {
		etag := es.do(t, "GET", path, nil).header.Get("ETag")
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := []byte(fmt.Sprintf(`{"properties":{"placement_note":"round %d writer %d"}}`, round, i))
				statuses[i] = es.do(t, "PATCH", path, body, headers(authEditor, mergePatch, []string{"If-Match", etag})...).status
			}()
		}
		wg.Wait()
		ok, failed := 0, 0
		for _, s := range statuses {
			switch s {
			case 200:
				ok++
			case 412:
				failed++
			}
		}
		if ok != 1 || failed != 1 {
			t.Fatalf("round %d: statuses %v, want one 200 and one 412", round, statuses)
		}
	}
}

// TestBadWritesChangeNothing: every refused write gets its 4xx with an
// OGC body, and the folder's files are byte for byte the same afterwards.
func TestBadWritesChangeNothing(t *testing.T) {
	es := newEditableServer(t)
	snapshotFiles := func() map[string][]byte {
		out := map[string][]byte{}
		filepath.Walk(es.dir, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				b, _ := os.ReadFile(p)
				out[p] = b
			}
			return nil
		})
		return out
	}
	// the store writes its binary snapshot in the background after
	// opening (and the server no longer waits for its tiles, which gave
	// it the time): let it finish before the folder is compared
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		done, _ := filepath.Glob(filepath.Join(es.dir, data.StateDir, "snapshot-*.bin"))
		tmp, _ := filepath.Glob(filepath.Join(es.dir, data.StateDir, ".snapshot-*.tmp"))
		if len(done) > 0 && len(tmp) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no binary snapshot written in 60 s")
		}
	}
	before := snapshotFiles()
	valid := newPort("坏写入", 120.5, 28.1)
	selfIntersecting := []byte(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[120,28],[121,29],[121,28],[120,29],[120,28]]]},"properties":{"name":"蝴蝶","name_en":null,"kind":"industrial_park","status":"planned","target_year":null,"city":null,"county":null,"source_doc":null,"source_excerpt":null,"geometry_precision":"approximate","placement_note":null}}`)
	cases := []struct {
		name    string
		method  string
		path    string
		body    []byte
		headers []string
		want    int
	}{
		{"no token", "POST", "/collections/ports/items", valid, geoJSON, 401},
		{"unknown token", "POST", "/collections/ports/items", valid, headers([]string{"Authorization", "Bearer nope"}, geoJSON), 401},
		{"viewer token", "POST", "/collections/ports/items", valid, headers([]string{"Authorization", "Bearer viewer-secret"}, geoJSON), 403},
		{"not JSON", "POST", "/collections/ports/items", []byte("{"), headers(authEditor, geoJSON), 400},
		{"not a feature", "POST", "/collections/ports/items", []byte(`{"type":"FeatureCollection","features":[]}`), headers(authEditor, geoJSON), 400},
		{"wrong geometry type for the layer", "POST", "/collections/ports/items", bytes.Replace(valid, []byte(`"type":"Point","coordinates":[120.5,28.1]`), []byte(`"type":"LineString","coordinates":[[120.5,28.1],[120.6,28.2]]`), 1), headers(authEditor, geoJSON), 400},
		{"vocabulary", "POST", "/collections/ports/items", bytes.Replace(valid, []byte(`"kind":"port"`), []byte(`"kind":"spaceport"`), 1), headers(authEditor, geoJSON), 400},
		{"self-intersecting polygon", "POST", "/collections/industrial-parks/items", selfIntersecting, headers(authEditor, geoJSON), 400},
		{"coordinates out of range", "POST", "/collections/ports/items", bytes.Replace(valid, []byte(`120.5,28.1`), []byte(`220.5,28.1`), 1), headers(authEditor, geoJSON), 400},
		{"bad id form", "POST", "/collections/ports/items", bytes.Replace(valid, []byte(`"properties":{`), []byte(`"properties":{"id":"Bad Id!",`), 1), headers(authEditor, geoJSON), 400},
		{"id used in another layer", "POST", "/collections/ports/items", bytes.Replace(valid, []byte(`"properties":{`), []byte(`"properties":{"id":"wz-rail-s2",`), 1), headers(authEditor, geoJSON), 409},
		{"unknown collection", "POST", "/collections/nowhere/items", valid, headers(authEditor, geoJSON), 404},
		{"patch not an object", "PATCH", "/collections/ports/items/wenzhou-port", []byte(`[1]`), headers(authEditor, mergePatch), 400},
		{"patch removing a required property", "PATCH", "/collections/ports/items/wenzhou-port", []byte(`{"properties":{"name":null}}`), headers(authEditor, mergePatch), 400},
		{"patch changing the id", "PATCH", "/collections/ports/items/wenzhou-port", []byte(`{"properties":{"id":"other"}}`), headers(authEditor, mergePatch), 400},
		{"put with another id", "PUT", "/collections/ports/items/wenzhou-port", bytes.Replace(valid, []byte(`"properties":{`), []byte(`"properties":{"id":"other",`), 1), headers(authEditor, geoJSON), 400},
		{"body too large", "POST", "/collections/ports/items", append(bytes.Repeat([]byte(" "), 9<<20), valid...), headers(authEditor, geoJSON), 413},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := es.do(t, tc.method, tc.path, tc.body, tc.headers...)
			if r.status != tc.want {
				t.Fatalf("status %d, want %d: %.300s", r.status, tc.want, r.body)
			}
			o := r.object(t)
			if o["code"] == nil || o["description"] == nil {
				t.Fatalf("no OGC exception body: %s", r.body)
			}
		})
	}
	after := snapshotFiles()
	if len(after) != len(before) {
		t.Fatalf("%d files before, %d after", len(before), len(after))
	}
	for p, b := range before {
		if !bytes.Equal(after[p], b) {
			t.Errorf("%s changed", p)
		}
	}
}

// TestEmbeddedDatasetIsReadOnly: the built-in dataset answers writes with
// 405 and says how to make it editable; conformance has no Part 4.
func TestEmbeddedDatasetIsReadOnly(t *testing.T) {
	srv := defaultServer(t)
	r := request(t, srv, "DELETE", "/collections/ports/items/wenzhou-port", "Authorization", "Bearer x")
	if r.status != 405 || !strings.Contains(string(r.body), "planmap init") || r.header.Get("Allow") == "" {
		t.Fatalf("DELETE on the embedded dataset: %d %s (Allow %q)", r.status, r.body, r.header.Get("Allow"))
	}
	conf := get(t, srv, "/conformance")
	if strings.Contains(string(conf.body), "features-4") {
		t.Error("read-only server declares Part 4")
	}
	opts := request(t, srv, "OPTIONS", "/collections/ports/items")
	if strings.Contains(opts.header.Get("Allow"), "POST") {
		t.Errorf("read-only OPTIONS allows %q", opts.header.Get("Allow"))
	}
}

// TestJournalSurvivesRestart: changes are replayed after a restart, with
// their history.
func TestJournalSurvivesRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plan")
	if err := data.InitFolder(dir); err != nil {
		t.Fatal(err)
	}
	var id, etag string
	t.Run("write", func(t *testing.T) {
		es := openEditableServer(t, dir)
		r := es.do(t, "POST", "/collections/ports/items", newPort("重启港", 120.3, 27.6), headers(authEditor, geoJSON)...)
		if r.status != 201 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		id = r.object(t)["id"].(string)
		etag = r.header.Get("ETag")
		if r := es.do(t, "DELETE", "/collections/ports/items/wenzhou-port", nil, authEditor...); r.status != 204 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
	})
	es := openEditableServer(t, dir)
	if r := es.do(t, "GET", "/collections/ports/items/"+id, nil); r.status != 200 || r.header.Get("ETag") != etag {
		t.Errorf("after restart: %d, ETag %q want %q", r.status, r.header.Get("ETag"), etag)
	}
	if r := es.do(t, "GET", "/collections/ports/items/wenzhou-port", nil); r.status != 404 {
		t.Errorf("deleted feature after restart: %d", r.status)
	}
	if r := es.do(t, "GET", "/collections/ports/items/wenzhou-port/history", nil).object(t); len(r["revisions"].([]any)) != 1 {
		t.Errorf("history after restart: %v", r)
	}
}

// TestGDALReadsEditedCollection: after edits, GDAL's OAPIF driver pulls
// the collection back feature for feature as the API holds it.
func TestGDALReadsEditedCollection(t *testing.T) {
	ogr2ogr := testtool.Program(t, "ogr2ogr", "gdal-bin")
	es := newEditableServer(t)
	if r := es.do(t, "POST", "/collections/ports/items", newPort("GDAL港", 120.4, 27.7), headers(authEditor, geoJSON)...); r.status != 201 {
		t.Fatal(r.status, string(r.body))
	}
	if r := es.do(t, "PATCH", "/collections/ports/items/wenzhou-port", []byte(`{"properties":{"status":"under_construction"}}`), headers(authEditor, mergePatch)...); r.status != 200 {
		t.Fatal(r.status, string(r.body))
	}
	if r := es.do(t, "DELETE", "/collections/ports/items/wenzhou-airport", nil, authEditor...); r.status != 204 && r.status != 404 {
		t.Fatal(r.status, string(r.body))
	}
	out := filepath.Join(t.TempDir(), "ports.geojson")
	runTool(t, ogr2ogr, "-f", "GeoJSON", out, "OAPIF:"+es.base, "ports")
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := es.srv.state.Load().byID["ports"].view
	if len(fc.Features) != want.Len() {
		t.Fatalf("GDAL read %d features, the API holds %d", len(fc.Features), want.Len())
	}
	for _, f := range fc.Features {
		id, _ := f.Properties["id"].(string)
		r, ok := want.Lookup(id)
		if !ok {
			t.Errorf("GDAL read %q, which the API does not hold", id)
			continue
		}
		held := want.Feature(r)
		if f.Properties["status"] != held.Properties["status"] || f.Properties["name"] != held.Properties["name"] {
			t.Errorf("%s: GDAL read status %v name %v, the API holds %v %v", id, f.Properties["status"], f.Properties["name"], held.Properties["status"], held.Properties["name"])
		}
		if !orb.Equal(f.Geometry, held.Geometry) {
			t.Errorf("%s: geometry differs", id)
		}
	}
}

// TestEditableDataIsRevalidated: while the data can change, tiles and
// items tell caches to revalidate (with the ETag) rather than reuse them
// for minutes; read-only data keeps its max-age.
func TestEditableDataIsRevalidated(t *testing.T) {
	es := newEditableServer(t)
	for _, path := range []string{"/tiles/8/213/108.mvt", "/collections/ports/items", "/collections/ports/items/wenzhou-port"} {
		if cc := es.do(t, "GET", path, nil).header.Get("Cache-Control"); cc != "public, no-cache" {
			t.Errorf("%s: Cache-Control %q while editable", path, cc)
		}
	}
	if cc := get(t, defaultServer(t), "/collections/ports/items").header.Get("Cache-Control"); !strings.Contains(cc, "max-age") {
		t.Errorf("read-only items: Cache-Control %q", cc)
	}
}
