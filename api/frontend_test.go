package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand"
	"regexp"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/testtool"
	"github.com/planmap/planmap/frontend"
)

// requireFrontendBuild skips (fails on CI) when the binary has no frontend build.
func requireFrontendBuild(t *testing.T) {
	t.Helper()
	if frontend.Built() {
		return
	}
	testtool.Missing(t, "frontend/dist has no build (run make frontend: npm ci && npm run build in frontend/, before go test)")
}

func TestWebMapAssets(t *testing.T) {
	srv := newTestServer(t, data.Generate(data.GenOptions{Features: 50, Seed: 1}))
	// Every file of the page is served with its type; module scripts must
	// be JavaScript or the browser refuses them.
	err := fs.WalkDir(frontend.Page(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		want := map[string]string{".js": "text/javascript", ".css": "text/css", ".html": "text/html"}[name[strings.LastIndex(name, "."):]]
		res := get(t, srv, "/app/"+name)
		if name == "index.html" {
			if res.status != 301 {
				t.Errorf("/app/index.html: status %d, want a redirect to /", res.status)
			}
			return nil
		}
		if res.status != 200 {
			t.Errorf("/app/%s: status %d", name, res.status)
		}
		if ct := res.header.Get("Content-Type"); want != "" && !strings.HasPrefix(ct, want) {
			t.Errorf("/app/%s: Content-Type %q, want %s", name, ct, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/app/missing.js", "/app/../go.mod", "/app/%2e%2e/go.mod", "/app/vendor/missing.mjs"} {
		res := get(t, srv, target)
		if res.status != 404 {
			t.Errorf("%s: status %d, want 404", target, res.status)
			continue
		}
		if body := res.json(t); body["code"] != "NotFound" {
			t.Errorf("%s: body %s", target, res.body)
		}
	}
}

func TestWebMapRevalidates(t *testing.T) {
	srv := newTestServer(t, data.Generate(data.GenOptions{Features: 50, Seed: 1}))
	first := get(t, srv, "/app/main.js")
	etag := first.header.Get("ETag")
	if etag == "" || first.header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q", etag, first.header.Get("Cache-Control"))
	}
	if again := get(t, srv, "/app/main.js", "If-None-Match", etag); again.status != 304 || len(again.body) != 0 {
		t.Errorf("If-None-Match with the ETag: status %d, %d bytes", again.status, len(again.body))
	}
	if other := get(t, srv, "/app/main.js", "If-None-Match", `"other"`); other.status != 200 {
		t.Errorf("another ETag: status %d", other.status)
	}
}

func TestWebMapPage(t *testing.T) {
	srv := newTestServer(t, data.Generate(data.GenOptions{Features: 50, Seed: 1}))
	browser := get(t, srv, "/", "Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	if browser.status != 200 || !strings.HasPrefix(browser.header.Get("Content-Type"), "text/html") {
		t.Fatalf("browser GET /: status %d, type %s", browser.status, browser.header.Get("Content-Type"))
	}
	if frontend.Built() {
		if !strings.Contains(string(browser.body), `src="app/main.js"`) {
			t.Errorf("web map page does not load app/main.js: %.200s", browser.body)
		}
	} else if !strings.Contains(string(browser.body), "make frontend") {
		t.Errorf("without a build, / should say how to build the web map: %.200s", browser.body)
	}
	// The map element must not be id="map": that would shadow a global.
	if regexp.MustCompile(`id=["']map["']`).Match(browser.body) {
		t.Error(`the page has an element with id="map"`)
	}
	// An API client still gets the landing document, and ?f=html the OGC page.
	if api := get(t, srv, "/", "Accept", "application/json"); api.status != 200 || api.json(t)["links"] == nil {
		t.Errorf("JSON GET /: status %d: %.200s", api.status, api.body)
	}
	if landing := get(t, srv, "/?f=html", "Accept", "text/html"); landing.status != 200 || strings.Contains(string(landing.body), `src="app/main.js"`) {
		t.Errorf("/?f=html should be the OGC landing page, not the web map (status %d)", landing.status)
	}
}

func TestBasemap(t *testing.T) {
	srv := newTestServer(t, data.Generate(data.GenOptions{Features: 50, Seed: 1}))
	res := get(t, srv, "/basemap/land.geojson")
	if res.status != 200 || res.header.Get("Content-Type") != mediaGeoJSON {
		t.Fatalf("status %d, type %s", res.status, res.header.Get("Content-Type"))
	}
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(res.body, &fc); err != nil || fc.Type != "FeatureCollection" {
		t.Fatalf("not a FeatureCollection (%v): %.200s", err, res.body)
	}
	var land orb.MultiPolygon
	for _, f := range fc.Features {
		if f.Geometry.Type != "MultiPolygon" {
			continue
		}
		var polygons orb.MultiPolygon
		if err := json.Unmarshal(f.Geometry.Coordinates, &polygons); err != nil {
			t.Fatalf("bad MultiPolygon: %v", err)
		}
		land = append(land, polygons...)
	}
	if !frontend.Built() {
		if len(fc.Features) != 0 {
			t.Errorf("without a build the basemap should be empty, has %d features", len(fc.Features))
		}
		return
	}
	// The land around Wenzhou's city centre (120.699 E, 28.001 N) is land,
	// and a point in the East China Sea (123.0 E, 27.0 N) is sea.
	if !landContains(land, orb.Point{120.699, 28.001}) {
		t.Error("Wenzhou city centre is not on land in the basemap")
	}
	if landContains(land, orb.Point{123.0, 27.0}) {
		t.Error("the East China Sea at 123 E, 27 N is land in the basemap")
	}
}

// landContains tests a point against every ring by even–odd crossing (the
// land polygons do not overlap).
func landContains(polygons orb.MultiPolygon, p orb.Point) bool {
	x, y := p[0], p[1]
	inside := false
	for _, polygon := range polygons {
		for _, ring := range polygon {
			for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
				a, b := ring[i], ring[j]
				if (a[1] > y) != (b[1] > y) && x < (b[0]-a[0])*(y-a[1])/(b[1]-a[1])+a[0] {
					inside = !inside
				}
			}
		}
	}
	return inside
}

func TestBuiltAssets(t *testing.T) {
	requireFrontendBuild(t)
	srv := newTestServer(t, data.Generate(data.GenOptions{Features: 50, Seed: 1}))
	for _, name := range []string{"maplibre-gl.mjs", "maplibre-gl-worker.mjs"} {
		res := get(t, srv, "/app/vendor/"+name+"?v=1")
		if res.status != 200 || res.header.Get("Content-Type") != "text/javascript; charset=utf-8" {
			t.Errorf("%s: status %d, type %q", name, res.status, res.header.Get("Content-Type"))
		}
	}
	if res := get(t, srv, "/app/vendor/maplibre-gl.css"); res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/css") {
		t.Errorf("maplibre-gl.css: status %d, type %q", res.status, res.header.Get("Content-Type"))
	}
}

// TestWebMapETagsStable asks for every page file twice, in an order that
// reuses request buffers of other lengths: each answer is 200 with the
// ETag of its own bytes (sha256 of the embedded file), so no path's ETag is
// kept under a key a later request rewrote.
func TestWebMapETagsStable(t *testing.T) {
	srv := newTestServer(t, data.Generate(data.GenOptions{Features: 50, Seed: 1}))
	var names []string
	err := fs.WalkDir(frontend.Page(), ".", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && name != "index.html" {
			names = append(names, name)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for pass := range 3 {
		for i := range names {
			name := names[(i*7+pass)%len(names)]
			body, err := fs.ReadFile(frontend.Page(), name)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(body)
			want := `"` + hex.EncodeToString(sum[:12]) + `"`
			res := get(t, srv, "/app/"+name)
			if res.status != 200 || res.header.Get("ETag") != want || string(res.body) != string(body) {
				t.Errorf("pass %d /app/%s: status %d, ETag %s, want %s (%d bytes, want %d)", pass, name, res.status, res.header.Get("ETag"), want, len(res.body), len(body))
			}
		}
	}
}

// TestBasemapTiles checks the basemap's vector tiles against the GeoJSON
// they are made from: at random points of the region (away from the
// coast by more than the tiles' simplification and quantisation), a point
// is on land in the z10 tile exactly when it is on land in land.geojson;
// the tile of Wenzhou names the city; an open-ocean tile is empty (204);
// bad coordinates get a 400.
func TestBasemapTiles(t *testing.T) {
	requireFrontendBuild(t)
	srv := newTestServer(t, data.Generate(data.GenOptions{Features: 50, Seed: 1}))
	fc, err := geojson.UnmarshalFeatureCollection(get(t, srv, "/basemap/land.geojson").body)
	if err != nil {
		t.Fatal(err)
	}
	var land orb.MultiPolygon
	var edges [][2]orb.Point
	for _, f := range fc.Features {
		if f.Properties["kind"] != "land" {
			continue
		}
		for _, p := range asMultiPolygon(f.Geometry) {
			for _, ring := range p {
				for i := 1; i < len(ring); i++ {
					edges = append(edges, [2]orb.Point{ring[i-1], ring[i]})
				}
			}
			land = append(land, p)
		}
	}
	const z = 10
	tileLand := map[maptile.Tile]orb.MultiPolygon{}
	landInTile := func(tile maptile.Tile) orb.MultiPolygon {
		if l, ok := tileLand[tile]; ok {
			return l
		}
		res := get(t, srv, fmt.Sprintf("/basemap/tiles/%d/%d/%d.mvt", tile.Z, tile.X, tile.Y))
		var polygons orb.MultiPolygon
		if res.status == 200 {
			layers, err := mvt.Unmarshal(res.body)
			if err != nil || len(layers) != 1 || layers[0].Name != "basemap" {
				t.Fatalf("tile %v: %v, %d layers", tile, err, len(layers))
			}
			layers.ProjectToWGS84(tile)
			for _, f := range layers[0].Features {
				if f.Properties["kind"] != "land" {
					continue
				}
				polygons = append(polygons, asMultiPolygon(f.Geometry)...)
			}
		} else if res.status != 204 {
			t.Fatalf("tile %v: status %d", tile, res.status)
		}
		tileLand[tile] = polygons
		return polygons
	}
	rng := rand.New(rand.NewSource(12))
	checked := 0
	for checked < 150 {
		p := orb.Point{116 + rng.Float64()*7, 23 + rng.Float64()*9}
		if nearEdge(edges, p, 0.003) {
			continue
		}
		checked++
		want := landContains(land, p)
		if got := landContains(landInTile(maptile.At(p, z)), p); got != want {
			t.Errorf("%v: on land %v in the z%d tile, %v in land.geojson", p, got, z, want)
		}
	}
	// Wenzhou's tile at z8 has the city among its places.
	wenzhou := maptile.At(orb.Point{120.699, 28.001}, 8)
	res := get(t, srv, fmt.Sprintf("/basemap/tiles/8/%d/%d.mvt", wenzhou.X, wenzhou.Y))
	layers, err := mvt.Unmarshal(res.body)
	if err != nil || res.status != 200 {
		t.Fatalf("Wenzhou's tile: %d %v", res.status, err)
	}
	found := false
	for _, f := range layers[0].Features {
		if f.Properties["kind"] == "place" && strings.Contains(fmt.Sprint(f.Properties["label"]), "温州") {
			found = true
		}
	}
	if !found {
		t.Error("Wenzhou's z8 basemap tile does not name 温州")
	}
	// The middle of the Pacific has nothing; bad coordinates are refused.
	ocean := maptile.At(orb.Point{-150, 0}, 10)
	if res := get(t, srv, fmt.Sprintf("/basemap/tiles/10/%d/%d.mvt", ocean.X, ocean.Y)); res.status != 204 {
		t.Errorf("an open-ocean tile: status %d, want 204", res.status)
	}
	for _, target := range []string{"/basemap/tiles/23/0/0.mvt", "/basemap/tiles/2/4/0.mvt", "/basemap/tiles/a/0/0.mvt", "/basemap/tiles/2/0/0.mvt?x=1"} {
		if res := get(t, srv, target); res.status != 400 || res.json(t)["code"] == nil {
			t.Errorf("%s: status %d %.100s, want a 400 with an OGC body", target, res.status, res.body)
		}
	}
}

func asMultiPolygon(g orb.Geometry) orb.MultiPolygon {
	switch g := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{g}
	case orb.MultiPolygon:
		return g
	}
	return nil
}

// nearEdge reports whether p is within d degrees of any edge (planar, in
// degrees: a screen for points too near the coast to compare).
func nearEdge(edges [][2]orb.Point, p orb.Point, d float64) bool {
	for _, e := range edges {
		if planar.DistanceFromSegmentSquared(e[0], e[1], p) < d*d {
			return true
		}
	}
	return false
}

// TestBuiltAssetsPrecompressed asks for the build's larger files with each
// Accept-Encoding: a client accepting brotli or gzip gets the build's copy,
// which decodes (with the standard library's gzip and the brotli reader) to
// exactly the file; a client accepting neither gets the file itself; each
// representation has its own ETag, which answers 304 only for itself; and
// every answer says it varies by Accept-Encoding.
func TestBuiltAssetsPrecompressed(t *testing.T) {
	requireFrontendBuild(t)
	srv := newTestServer(t, data.Generate(data.GenOptions{Features: 50, Seed: 1}))
	decoders := map[string]func([]byte) ([]byte, error){
		"": func(b []byte) ([]byte, error) { return b, nil },
		"gzip": func(b []byte) ([]byte, error) {
			r, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return nil, err
			}
			return io.ReadAll(r)
		},
		"br": func(b []byte) ([]byte, error) { return io.ReadAll(brotli.NewReader(bytes.NewReader(b))) },
	}
	cases := []struct {
		accept, want string
	}{
		{"", ""},
		{"identity", ""},
		{"gzip", "gzip"},
		{"gzip, deflate", "gzip"},
		{"gzip, deflate, br", "br"},
		{"br", "br"},
		{"br;q=0, gzip", "gzip"}, // a refused coding is never sent
	}
	for _, name := range []string{"vendor/maplibre-gl.mjs", "vendor/maplibre-gl-worker.mjs", "land.geojson"} {
		file, err := fs.ReadFile(frontend.Build(), name)
		if err != nil {
			t.Fatal(err)
		}
		target := "/app/" + name
		if name == "land.geojson" {
			target = "/basemap/land.geojson"
		}
		etags := map[string]string{}
		for _, tc := range cases {
			res := get(t, srv, target, "Accept-Encoding", tc.accept)
			got := res.header.Get("Content-Encoding")
			if res.status != 200 || got != tc.want {
				t.Errorf("%s, Accept-Encoding %q: status %d, Content-Encoding %q, want %q", name, tc.accept, res.status, got, tc.want)
				continue
			}
			if !strings.Contains(res.header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s, Accept-Encoding %q: Vary %q", name, tc.accept, res.header.Get("Vary"))
			}
			body, err := decoders[got](res.body)
			if err != nil || !bytes.Equal(body, file) {
				t.Errorf("%s as %q: %d bytes decoded (%v), the file has %d", name, got, len(body), err, len(file))
			}
			if got != "" && len(res.body) > len(file)*9/10 {
				t.Errorf("%s as %q: %d bytes for a %d-byte file", name, got, len(res.body), len(file))
			}
			if prev, seen := etags[got]; seen && prev != res.header.Get("ETag") {
				t.Errorf("%s as %q: ETag %s, before %s", name, got, res.header.Get("ETag"), prev)
			}
			etags[got] = res.header.Get("ETag")
		}
		if len(etags) != 3 || etags[""] == etags["br"] || etags[""] == etags["gzip"] || etags["br"] == etags["gzip"] {
			t.Errorf("%s: ETags by encoding %v, want three different", name, etags)
		}
		for coding, tag := range etags {
			accept := coding
			if accept == "" {
				accept = "identity"
			}
			for other, otherTag := range etags {
				res := get(t, srv, target, "Accept-Encoding", accept, "If-None-Match", otherTag)
				if want := map[bool]int{true: 304, false: 200}[other == coding]; res.status != want {
					t.Errorf("%s as %q with If-None-Match %s (%q's): status %d, want %d", name, coding, otherTag, other, res.status, want)
				}
			}
			_ = tag
		}
	}
}
