package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	sf "github.com/peterstace/simplefeatures/geom"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/cql2"
)

func TestErrorsAreOGCExceptions(t *testing.T) {
	srv := defaultServer(t)
	tests := []struct {
		name, target string
		status       int
		mention      string
	}{
		{"unknown collection", "/collections/nope", 404, "industrial-parks"},
		{"unknown collection items", "/collections/nope/items", 404, "nope"},
		{"unknown feature", "/collections/ports/items/nope", 404, "nope"},
		{"unknown route", "/no/such/thing", 404, "/no/such/thing"},
		{"unknown parameter", "/collections/ports/items?colour=red", 400, "bbox"},
		{"repeated parameter", "/collections/ports/items?limit=1&limit=2", 400, "more than once"},
		{"bbox with three numbers", "/collections/ports/items?bbox=1,2,3", 400, "4 numbers"},
		{"bbox not numbers", "/collections/ports/items?bbox=a,b,c,d", 400, "not a number"},
		{"bbox longitude out of range", "/collections/ports/items?bbox=-200,0,0,10", 400, "longitude"},
		{"bbox latitude out of range", "/collections/ports/items?bbox=0,-91,1,1", 400, "latitude"},
		{"bbox south above north", "/collections/ports/items?bbox=0,10,1,5", 400, "south"},
		{"limit zero", "/collections/ports/items?limit=0", 400, "at least 1"},
		{"limit unlimited", "/collections/ports/items?limit=unlimited", 400, "whole number"},
		{"limit negative", "/collections/ports/items?limit=-5", 400, "at least 1"},
		{"offset negative", "/collections/ports/items?offset=-1", 400, "offset"},
		{"offset not a number", "/collections/ports/items?offset=x", 400, "offset"},
		{"datetime garbage", "/collections/ports/items?datetime=soon", 400, "RFC 3339"},
		{"target_year not a year", "/collections/ports/items?target_year=soon", 400, "target_year must be a year"},
		{"datetime backwards", "/collections/ports/items?datetime=2030/2020", 400, "ends before"},
		{"datetime fully open", "/collections/ports/items?datetime=../..", 400, "at least one end"},
		{"unknown format", "/collections/ports/items?f=xml", 400, "f=json"},
		{"kind outside vocabulary", "/collections/ports/items?kind=castle", 400, "vocabulary"},
		{"mode on a layer without it", "/collections/ports/items?mode=rail", 400, "unknown query parameter"},
		{"unknown property", "/collections/ports/items?properties=colour", 400, "colour"},
		{"unknown sort property", "/collections/ports/items?sortby=-colour", 400, "sortable"},
		{"feature with parameter", "/collections/ports/items/wenzhou-port?limit=3", 400, "limit"},
		{"collections with parameter", "/collections?bbox=1,2,3,4", 400, "bbox"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := get(t, srv, tt.target)
			if res.status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.status, tt.status, res.body)
			}
			if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			body := res.json(t)
			code, _ := body["code"].(string)
			desc, _ := body["description"].(string)
			if code == "" || desc == "" {
				t.Fatalf("body %s lacks code or description", res.body)
			}
			if !strings.Contains(desc, tt.mention) {
				t.Errorf("description %q does not mention %q", desc, tt.mention)
			}
		})
	}
}

func TestPanicBecomes500WithRequestID(t *testing.T) {
	srv := defaultServer(t)
	srv.App().Get("/test-panic", func(c *fiber.Ctx) error { panic("boom") })
	res := get(t, srv, "/test-panic")
	if res.status != 500 {
		t.Fatalf("status %d, want 500", res.status)
	}
	id := res.header.Get("X-Request-Id")
	body := res.json(t)
	if id == "" || !strings.Contains(body["description"].(string), id) || body["code"] != "ServerError" {
		t.Fatalf("500 body %s should carry request id %q", res.body, id)
	}
	if res := get(t, srv, "/collections"); res.status != 200 {
		t.Fatalf("server stopped serving after a panic: %d", res.status)
	}
}

// pageWalk follows next links from first and returns every feature id in
// visiting order and the numberMatched of each page.
func pageWalk(t *testing.T, srv *Server, first string) (ids []string, matched []int64) {
	t.Helper()
	next := first
	for pages := 0; next != ""; pages++ {
		if pages > 10000 {
			t.Fatal("paging does not end")
		}
		res := get(t, srv, next)
		if res.status != 200 {
			t.Fatalf("GET %s: %d %s", next, res.status, res.body)
		}
		body := res.json(t)
		n, err := body["numberMatched"].(json.Number).Int64()
		if err != nil {
			t.Fatalf("numberMatched %v is not an integer", body["numberMatched"])
		}
		matched = append(matched, n)
		features := body["features"].([]any)
		returned, _ := body["numberReturned"].(json.Number).Int64()
		if int(returned) != len(features) {
			t.Fatalf("numberReturned %d but %d features", returned, len(features))
		}
		for _, f := range features {
			ids = append(ids, f.(map[string]any)["id"].(string))
		}
		next = ""
		for _, l := range body["links"].([]any) {
			l := l.(map[string]any)
			if l["rel"] == "next" {
				next = l["href"].(string)
			}
		}
	}
	return ids, matched
}

// sfIntersects is the independent truth for bbox tests: simplefeatures'
// JTS-derived predicate on the geometry and the box as a polygon.
func sfIntersects(t testing.TB, g orb.Geometry, b orb.Bound) bool {
	t.Helper()
	raw, err := geojson.NewGeometry(g).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	sg, err := sf.UnmarshalGeoJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	box := sf.NewEnvelope(sf.XY{X: b.Min[0], Y: b.Min[1]}, sf.XY{X: b.Max[0], Y: b.Max[1]}).AsGeometry()
	return sf.Intersects(sg, box)
}

func TestPagingVisitsEveryMatchOnce(t *testing.T) {
	ds := syntheticDataset(t, 3000, 7)
	srv := newTestServer(t, ds)
	bbox := orb.Bound{Min: orb.Point{118.2, 25.1}, Max: orb.Point{120.3, 27.4}}
	tests := []struct {
		name, layer, query string
		want               func(f *geojson.Feature) bool
		ordered            func(a, b *geojson.Feature) bool
	}{
		{"whole layer", "points", "limit=97", func(*geojson.Feature) bool { return true }, nil},
		{"bbox over lines", "lines", "limit=13&bbox=118.2,25.1,120.3,27.4", func(f *geojson.Feature) bool { return sfIntersects(t, f.Geometry, bbox) }, nil},
		{"bbox over polygons", "polygons", "limit=11&bbox=118.2,25.1,120.3,27.4", func(f *geojson.Feature) bool { return sfIntersects(t, f.Geometry, bbox) }, nil},
		{"kind and status", "points", "limit=50&kind=port_area,airport&status=planned", func(f *geojson.Feature) bool {
			k, s := f.Properties["kind"], f.Properties["status"]
			return (k == "port_area" || k == "airport") && s == "planned"
		}, nil},
		{"datetime interval", "points", "limit=200&datetime=2020-03-01/2022", func(f *geojson.Feature) bool {
			y, ok := f.Properties["target_year"].(float64)
			return ok && y >= 2020 && y <= 2022
		}, nil},
		{"target_year any of", "polygons", "limit=40&target_year=2025,2030&bbox=118.2,25.1,120.3,27.4", func(f *geojson.Feature) bool {
			y, ok := f.Properties["target_year"].(float64)
			return ok && (y == 2025 || y == 2030) && sfIntersects(t, f.Geometry, bbox)
		}, nil},
		{"sorted by year descending", "points", "limit=333&sortby=-target_year,name", func(*geojson.Feature) bool { return true },
			func(a, b *geojson.Feature) bool {
				ya, aok := a.Properties["target_year"].(float64)
				yb, bok := b.Properties["target_year"].(float64)
				if aok != bok {
					return aok // nulls last
				}
				if ya != yb {
					return ya > yb
				}
				return a.Properties["name"].(string) <= b.Properties["name"].(string)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			layer := ds.Layer(tt.layer)
			want := map[string]bool{}
			byID := map[string]*geojson.Feature{}
			for _, f := range layer.Features.Features {
				id := data.FeatureID(f)
				byID[id] = f
				if tt.want(f) {
					want[id] = true
				}
			}
			if len(want) == 0 {
				t.Fatal("test query matches nothing; pick another")
			}
			ids, matched := pageWalk(t, srv, "/collections/"+tt.layer+"/items?"+tt.query)
			seen := map[string]bool{}
			for _, id := range ids {
				if seen[id] {
					t.Fatalf("feature %s visited twice", id)
				}
				seen[id] = true
				if !want[id] {
					t.Fatalf("feature %s returned but does not match", id)
				}
			}
			if len(seen) != len(want) {
				t.Fatalf("walk visited %d features, want %d", len(seen), len(want))
			}
			for _, m := range matched {
				if m != int64(len(want)) {
					t.Fatalf("numberMatched %d on some page, want %d", m, len(want))
				}
			}
			if tt.ordered != nil {
				for i := 1; i < len(ids); i++ {
					if !tt.ordered(byID[ids[i-1]], byID[ids[i]]) {
						t.Fatalf("features %s and %s out of order", ids[i-1], ids[i])
					}
				}
			}
		})
	}
}

func TestLimitAboveMaximumIsCappedVisibly(t *testing.T) {
	srv := newTestServer(t, syntheticDataset(t, 12000, 3))
	body := get(t, srv, "/collections/points/items?limit=50000").json(t)
	if n, _ := body["numberReturned"].(json.Number).Int64(); n != maxLimit {
		t.Fatalf("numberReturned %d, want the cap %d", n, maxLimit)
	}
	var next string
	for _, l := range body["links"].([]any) {
		if l.(map[string]any)["rel"] == "next" {
			next = l.(map[string]any)["href"].(string)
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Query().Get("limit") != "10000" || u.Query().Get("offset") != "10000" {
		t.Fatalf("next link %q should carry limit=10000&offset=10000", next)
	}
	body = get(t, srv, next).json(t)
	if n, _ := body["numberReturned"].(json.Number).Int64(); n != 2000 {
		t.Fatalf("second page returned %d, want 2000", n)
	}
}

func TestLinksReproduceEveryParameter(t *testing.T) {
	srv := defaultServer(t)
	body := get(t, srv, "/collections/industrial-parks/items?status=planned&limit=2&offset=2&sortby=name&properties=name,kind").json(t)
	rels := map[string]string{}
	for _, l := range body["links"].([]any) {
		l := l.(map[string]any)
		rels[l["rel"].(string)] = l["href"].(string)
	}
	for _, rel := range []string{"self", "alternate", "next", "prev"} {
		u, err := url.Parse(rels[rel])
		if err != nil || rels[rel] == "" {
			t.Fatalf("no usable %s link: %q", rel, rels[rel])
		}
		q := u.Query()
		for key, want := range map[string]string{"status": "planned", "limit": "2", "sortby": "name", "properties": "name,kind"} {
			if q.Get(key) != want {
				t.Errorf("%s link %q: %s=%q, want %q", rel, rels[rel], key, q.Get(key), want)
			}
		}
	}
	if u, _ := url.Parse(rels["prev"]); u.Query().Get("offset") != "0" {
		t.Errorf("prev link %q should go to offset 0", rels["prev"])
	}
	if u, _ := url.Parse(rels["alternate"]); u.Query().Get("f") != "html" {
		t.Errorf("alternate link %q should ask for HTML", rels["alternate"])
	}
	for _, f := range body["features"].([]any) {
		props := f.(map[string]any)["properties"].(map[string]any)
		if len(props) != 2 || props["name"] == nil || props["kind"] == nil {
			t.Errorf("properties=name,kind returned %v", props)
		}
	}
}

func TestETagAndNotModified(t *testing.T) {
	srv := defaultServer(t)
	for _, target := range []string{"/", "/conformance", "/api", "/collections", "/collections/ports", "/collections/ports/queryables",
		"/collections/ports/items?limit=5", "/collections/ports/items/wenzhou-port"} {
		first := get(t, srv, target)
		etag := first.header.Get("ETag")
		if first.status != 200 || etag == "" || first.header.Get("Cache-Control") == "" {
			t.Fatalf("%s: status %d, ETag %q, Cache-Control %q", target, first.status, etag, first.header.Get("Cache-Control"))
		}
		again := get(t, srv, target, "If-None-Match", etag)
		if again.status != 304 || len(again.body) != 0 {
			t.Fatalf("%s with If-None-Match: status %d, %d body bytes; want 304 and none", target, again.status, len(again.body))
		}
		if other := get(t, srv, target, "If-None-Match", `"something-else"`); other.status != 200 {
			t.Fatalf("%s with a stale ETag: status %d", target, other.status)
		}
	}
	a := get(t, srv, "/collections/ports/items?limit=5").header.Get("ETag")
	b := get(t, srv, "/collections/ports/items?limit=6").header.Get("ETag")
	if a == b {
		t.Fatal("different queries share an ETag")
	}
	oldCollections := get(t, srv, "/collections").header.Get("ETag")
	oldConformance := get(t, srv, "/conformance").header.Get("ETag")
	if err := srv.Swap(syntheticDataset(t, 10, 1)); err != nil {
		t.Fatal(err)
	}
	if res := get(t, srv, "/collections", "If-None-Match", get(t, srv, "/collections").header.Get("ETag")); res.status != 304 {
		t.Fatal("new version should still give 304 for its own ETag")
	}
	// The same URL, asked with the old version's ETag, must be answered
	// anew: the dataset version is part of every ETag.
	for target, etag := range map[string]string{"/collections": oldCollections, "/conformance": oldConformance} {
		if res := get(t, srv, target, "If-None-Match", etag); res.status != 200 {
			t.Errorf("%s with the old dataset's ETag gave %d after a swap, want 200", target, res.status)
		}
	}
}

// TestQGISRequirements checks what QGIS's OAPIF provider needs (GUIDE §3).
func TestQGISRequirements(t *testing.T) {
	srv := defaultServer(t)
	landing := get(t, srv, "/", "Accept", "application/json").json(t)
	var dataHref string
	found := map[string]bool{}
	for _, l := range landing["links"].([]any) {
		l := l.(map[string]any)
		switch {
		case l["rel"] == "service-desc" && l["type"] == "application/vnd.oai.openapi+json;version=3.0":
			found["service-desc"] = true
		case l["rel"] == "data":
			dataHref = l["href"].(string)
			found["data"] = true
		case l["rel"] == "conformance":
			found["conformance"] = true
		}
	}
	for _, rel := range []string{"service-desc", "data", "conformance"} {
		if !found[rel] {
			t.Fatalf("landing page lacks a %s link: %v", rel, landing["links"])
		}
	}
	cols := get(t, srv, dataHref).json(t)["collections"].([]any)
	if len(cols) != len(data.StandardLayers) {
		t.Fatalf("%d collections, want %d", len(cols), len(data.StandardLayers))
	}
	for _, c := range cols {
		id := c.(map[string]any)["id"].(string)
		if strings.ContainsAny(id, "./") {
			t.Errorf("collection id %q has a dot or slash", id)
		}
		res := get(t, srv, dataHref+"/"+id)
		if res.status != 200 {
			t.Fatalf("data href + / + id (%s) gave %d", dataHref+"/"+id, res.status)
		}
		items := get(t, srv, dataHref+"/"+id+"/items")
		if ct := items.header.Get("Content-Type"); ct != mediaGeoJSON {
			t.Errorf("items Content-Type %q", ct)
		}
		body := items.json(t)
		if _, err := body["numberMatched"].(json.Number).Int64(); err != nil {
			t.Errorf("numberMatched %v is not a JSON integer", body["numberMatched"])
		}
		opt := request(t, srv, http.MethodOptions, dataHref+"/"+id+"/items")
		allow := opt.header.Get("Allow")
		if !strings.Contains(allow, "GET") {
			t.Errorf("OPTIONS items: Allow %q lacks GET", allow)
		}
		for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
			if strings.Contains(allow, m) {
				t.Errorf("read-only service announces %s", m)
			}
		}
	}
	// QGIS filters on the server only when conformance lists the CQL2
	// classes: exactly the ones the cql2 package implements and tests.
	conf := get(t, srv, "/conformance").json(t)["conformsTo"].([]any)
	declared := map[string]bool{}
	for _, c := range conf {
		declared[c.(string)] = true
	}
	for _, c := range cql2.ConformanceClasses() {
		if !declared[c] {
			t.Errorf("conformance lacks %s", c)
		}
	}
	for c := range declared {
		if (strings.Contains(c, "cql2") || strings.Contains(c, "features-3")) && !slices.Contains(cql2.ConformanceClasses(), c) {
			t.Errorf("conformance claims %s, which the cql2 package does not implement", c)
		}
	}
}

func TestCollectionsDescribeTheData(t *testing.T) {
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t, ds)
	for _, l := range ds.Layers {
		res := get(t, srv, "/collections/"+l.ID)
		var doc struct {
			Extent struct {
				Spatial struct {
					BBox [][]float64 `json:"bbox"`
					CRS  string      `json:"crs"`
				} `json:"spatial"`
			} `json:"extent"`
			CRS        []string `json:"crs"`
			StorageCRS string   `json:"storageCrs"`
			Links      []link   `json:"links"`
			Count      int      `json:"planmap:count"`
		}
		if err := json.Unmarshal(res.body, &doc); err != nil {
			t.Fatal(err)
		}
		want := l.Bound()
		got := doc.Extent.Spatial.BBox
		if len(got) != 1 || len(got[0]) != 4 || got[0][0] != want.Min[0] || got[0][1] != want.Min[1] || got[0][2] != want.Max[0] || got[0][3] != want.Max[1] {
			t.Errorf("%s: bbox %v, want %v", l.ID, got, want)
		}
		if doc.CRS[0] != crs84 || doc.StorageCRS != crs84 || doc.Extent.Spatial.CRS != crs84 {
			t.Errorf("%s: crs %v storageCrs %q", l.ID, doc.CRS, doc.StorageCRS)
		}
		if doc.Count != len(l.Features.Features) {
			t.Errorf("%s: count %d, want %d", l.ID, doc.Count, len(l.Features.Features))
		}
		types := map[string]string{}
		for _, lk := range doc.Links {
			types[lk.Rel+" "+lk.Type] = lk.Href
		}
		for _, want := range []string{"self application/json", "alternate text/html", "items application/geo+json", relQueryabl + " " + mediaSchema} {
			if types[want] == "" {
				t.Errorf("%s: no %s link", l.ID, want)
			}
		}
	}
}

func TestOpenAPIDeclaresParameters(t *testing.T) {
	srv := defaultServer(t)
	res := get(t, srv, "/api")
	if ct := res.header.Get("Content-Type"); ct != mediaOpenAPI {
		t.Fatalf("Content-Type %q", ct)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]struct {
			Get struct {
				Parameters []struct {
					Name   string         `json:"name"`
					Schema map[string]any `json:"schema"`
				} `json:"parameters"`
			} `json:"get"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(res.body, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	for _, path := range []string{"/collections/{collectionId}/items", "/collections/ports/items"} {
		params := map[string]map[string]any{}
		for _, p := range doc.Paths[path].Get.Parameters {
			params[p.Name] = p.Schema
		}
		for _, name := range []string{"bbox", "limit", "offset", "datetime", "f"} {
			if params[name] == nil {
				t.Errorf("%s does not declare %s", path, name)
			}
		}
		if params["limit"]["default"] != float64(100) || params["limit"]["maximum"] != float64(10000) {
			t.Errorf("%s: limit schema %v, want default 100 and maximum 10000", path, params["limit"])
		}
	}
	// Every GET route the server answers is described, except the web
	// map's own files.
	pathParam := regexp.MustCompile(`:([A-Za-z]+)`)
	for _, r := range srv.App().GetRoutes(true) {
		if r.Method != fiber.MethodGet || strings.HasPrefix(r.Path, "/app/") || r.Path == "/basemap/land.geojson" {
			continue
		}
		path := pathParam.ReplaceAllString(r.Path, "{$1}")
		if _, ok := doc.Paths[path]; !ok {
			t.Errorf("OpenAPI lacks %s (route %s)", path, r.Path)
		}
	}
	if len(doc.Paths["/tiles/{z}/{x}/{y}.mvt"].Get.Parameters) != 4 {
		t.Errorf("the tile path declares %d parameters, want z, x, y and layers", len(doc.Paths["/tiles/{z}/{x}/{y}.mvt"].Get.Parameters))
	}
}

func TestFormatsAndHeaders(t *testing.T) {
	srv := defaultServer(t)
	tests := []struct {
		target, accept, wantType string
	}{
		{"/collections", "text/html,application/xhtml+xml,*/*;q=0.8", "text/html"},
		{"/collections?f=json", "text/html", "application/json"},
		{"/collections?f=html", "application/json", "text/html"},
		{"/collections/ports/items", "", mediaGeoJSON},
		{"/collections/ports/items", "application/geo+json", mediaGeoJSON},
		{"/collections/ports/items", "text/html", "text/html"},
		{"/collections/ports/items/wenzhou-port", "", mediaGeoJSON},
		{"/collections/ports/items/wenzhou-port?f=html", "", "text/html"},
		{"/collections/ports/queryables", "", mediaSchema},
		{"/?f=html", "", "text/html"},
		{"/api?f=html", "", "text/html"},
		{"/conformance?f=html", "", "text/html"},
		{"/collections/ports/queryables?f=html", "", "text/html"},
	}
	for _, tt := range tests {
		res := get(t, srv, tt.target, "Accept", tt.accept)
		if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), tt.wantType) {
			t.Errorf("%s (Accept %q): %d %q, want %s", tt.target, tt.accept, res.status, res.header.Get("Content-Type"), tt.wantType)
		}
	}
	html := get(t, srv, "/collections/ports/items/wenzhou-port?f=html")
	if !bytes.Contains(html.body, []byte("温州港")) {
		t.Error("feature HTML page lacks the feature's name")
	}

	cors := get(t, srv, "/collections/ports/items", "Origin", "http://elsewhere.example")
	if cors.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("CORS: Allow-Origin %q", cors.header.Get("Access-Control-Allow-Origin"))
	}
	expose := cors.header.Get("Access-Control-Expose-Headers")
	for _, h := range []string{"ETag", "Link"} {
		if !strings.Contains(expose, h) {
			t.Errorf("CORS: Expose-Headers %q lacks %s", expose, h)
		}
	}

	plain := get(t, srv, "/collections/industrial-parks/items?limit=50")
	zipped := get(t, srv, "/collections/industrial-parks/items?limit=50", "Accept-Encoding", "gzip")
	if zipped.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip with Accept-Encoding: gzip (Content-Encoding %q)", zipped.header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped.body))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	// The bodies differ only in timeStamp.
	strip := func(b []byte) string {
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		delete(v, "timeStamp")
		out, _ := json.Marshal(v)
		return string(out)
	}
	if strip(unzipped) != strip(plain.body) || len(zipped.body) >= len(plain.body) {
		t.Errorf("gzip body (%d bytes) does not decode to the plain body (%d bytes)", len(zipped.body), len(plain.body))
	}
}

func TestItemsAreTheSourceFeatures(t *testing.T) {
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t, ds)
	for _, l := range ds.Layers {
		res := get(t, srv, "/collections/"+l.ID+"/items?limit=10000")
		fc, err := geojson.UnmarshalFeatureCollection(res.body)
		if err != nil {
			t.Fatal(err)
		}
		if len(fc.Features) != len(l.Features.Features) {
			t.Fatalf("%s: %d features served, %d in the source", l.ID, len(fc.Features), len(l.Features.Features))
		}
		for i, got := range fc.Features {
			want := l.Features.Features[i]
			if got.ID != data.FeatureID(want) {
				t.Errorf("%s[%d]: id %v, want %s", l.ID, i, got.ID, data.FeatureID(want))
			}
			if !orb.Equal(got.Geometry, want.Geometry) {
				t.Errorf("%s[%d]: geometry differs", l.ID, i)
			}
			gotProps, _ := json.Marshal(got.Properties)
			wantProps, _ := json.Marshal(want.Properties)
			if string(gotProps) != string(wantProps) {
				t.Errorf("%s[%d]: properties %s, want %s", l.ID, i, gotProps, wantProps)
			}
		}
	}
}

func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	srv := defaultServer(t)
	started := make(chan struct{})
	srv.App().Get("/test-slow", func(c *fiber.Ctx) error {
		close(started)
		time.Sleep(300 * time.Millisecond)
		return c.SendString("finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.ServeListener(ctx, ln, 5*time.Second) }()

	var wg sync.WaitGroup
	var body string
	var reqErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		res, err := http.Get("http://" + ln.Addr().String() + "/test-slow")
		if err != nil {
			reqErr = err
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		body = string(b)
	}()
	<-started
	cancel()
	wg.Wait()
	if reqErr != nil || body != "finished" {
		t.Fatalf("in-flight request: %q, %v", body, reqErr)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("ServeListener: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
		t.Fatal("server still accepts connections after shutdown")
	}
}

// TestServeListenerCancelledBefore serves with a context cancelled before
// the call, as a SIGTERM during start-up leaves it, many times over (the
// serving goroutine and the shutdown race): each call returns within the
// grace period instead of serving on.
func TestServeListenerCancelledBefore(t *testing.T) {
	ds := data.Generate(data.GenOptions{Features: 20, Seed: 1})
	for i := range 30 {
		srv := newTestServer(t, ds)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan error, 1)
		go func() { done <- srv.ServeListener(ctx, ln, time.Second) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: %v", i, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: ServeListener still serving 10 s after a cancelled context", i)
		}
	}
}
