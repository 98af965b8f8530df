package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/testtool"
	"github.com/planmap/planmap/tiles"
)

// tileServer serves the default dataset for the tile tests; tile 0/0/0
// holds every feature (none vanishes: small ones come as points).
func tileServer(t testing.TB) (*Server, *data.Dataset) {
	t.Helper()
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(ds, Options{BaseURL: "http://planmap.test"})
	if err != nil {
		t.Fatal(err)
	}
	return srv, ds
}

type tileResponse struct {
	status int
	header http.Header
	body   []byte
}

func tileGet(t testing.TB, srv *Server, target string, headers ...string) tileResponse {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return tileResponse{resp.StatusCode, resp.Header, body}
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func layerCounts(t testing.TB, raw []byte) map[string]int {
	t.Helper()
	layers, err := mvt.Unmarshal(raw)
	if err != nil {
		t.Fatalf("not a vector tile: %v", err)
	}
	counts := map[string]int{}
	for _, l := range layers {
		counts[l.Name] = len(l.Features)
	}
	return counts
}

func TestTileEndpoint(t *testing.T) {
	srv, ds := tileServer(t)
	const path = "/tiles/0/0/0.mvt"

	zipped := tileGet(t, srv, path, "Accept-Encoding", "gzip, deflate, br")
	if zipped.status != http.StatusOK || zipped.header.Get("Content-Encoding") != "gzip" ||
		zipped.header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
		t.Fatalf("gzip request: %d %v", zipped.status, zipped.header)
	}
	etag := zipped.header.Get("ETag")
	if etag == "" || zipped.header.Get("Cache-Control") == "" || zipped.header.Get("Vary") == "" {
		t.Errorf("headers %v lack ETag, Cache-Control or Vary", zipped.header)
	}
	raw := gunzip(t, zipped.body)
	counts := layerCounts(t, raw)
	for _, l := range ds.Layers {
		if counts[l.ID] != len(l.Features.Features) {
			t.Errorf("%s: %d features in the tile, want all %d", l.ID, counts[l.ID], len(l.Features.Features))
		}
	}

	plain := tileGet(t, srv, path)
	if plain.status != http.StatusOK || plain.header.Get("Content-Encoding") != "" || !bytes.Equal(plain.body, raw) {
		t.Errorf("plain request: %d %v, same bytes %v", plain.status, plain.header, bytes.Equal(plain.body, raw))
	}
	// A client that takes brotli but not gzip gets the plain tile, not a
	// per-request recompression of it.
	if br := tileGet(t, srv, path, "Accept-Encoding", "br"); br.header.Get("Content-Encoding") != "" || !bytes.Equal(br.body, raw) {
		t.Errorf("Accept-Encoding: br got Content-Encoding %q", br.header.Get("Content-Encoding"))
	}
	refused := tileGet(t, srv, path, "Accept-Encoding", "gzip;q=0, identity")
	if refused.header.Get("Content-Encoding") != "" || !bytes.Equal(refused.body, raw) {
		t.Errorf("gzip;q=0 still got %q", refused.header.Get("Content-Encoding"))
	}

	again := tileGet(t, srv, path, "Accept-Encoding", "gzip", "If-None-Match", etag)
	if again.status != http.StatusNotModified || len(again.body) != 0 || again.header.Get("ETag") != etag {
		t.Errorf("If-None-Match: %d, %d bytes", again.status, len(again.body))
	}
	// the identity body is another entity: its own tag, and the gzip tag
	// does not validate it
	if plainTag := plain.header.Get("ETag"); plainTag == "" || plainTag == etag {
		t.Errorf("identity ETag %q, gzip ETag %q: they must differ", plainTag, etag)
	} else {
		if cross := tileGet(t, srv, path, "If-None-Match", etag); cross.status != http.StatusOK || !bytes.Equal(cross.body, raw) {
			t.Errorf("the gzip ETag validated the identity body: %d", cross.status)
		}
		if cross := tileGet(t, srv, path, "Accept-Encoding", "gzip", "If-None-Match", plainTag); cross.status != http.StatusOK {
			t.Errorf("the identity ETag validated the gzip body: %d", cross.status)
		}
		if same := tileGet(t, srv, path, "If-None-Match", plainTag); same.status != http.StatusNotModified || same.header.Get("ETag") != plainTag {
			t.Errorf("identity If-None-Match: %d", same.status)
		}
	}
	if stale := tileGet(t, srv, path, "If-None-Match", `"other"`); stale.status != http.StatusOK {
		t.Errorf("a stale ETag got %d", stale.status)
	}

	only := tileGet(t, srv, path+"?layers=corridors,ports", "Accept-Encoding", "gzip")
	got := layerCounts(t, gunzip(t, only.body))
	if len(got) != 2 || got[data.Corridors] != counts[data.Corridors] || got[data.Ports] != counts[data.Ports] {
		t.Errorf("layers=corridors,ports gave %v", got)
	}
	if only.header.Get("ETag") == etag {
		t.Error("a layer subset has the full tile's ETag")
	}

	if empty := tileGet(t, srv, "/tiles/10/0/0.mvt", "Accept-Encoding", "gzip"); empty.status != http.StatusNoContent || len(empty.body) != 0 {
		t.Errorf("empty tile: %d, %d bytes", empty.status, len(empty.body))
	}
}

func TestTileEndpointRejectsBadRequests(t *testing.T) {
	srv, _ := tileServer(t)
	for _, target := range []string{
		"/tiles/23/0/0.mvt",
		"/tiles/99999999999/0/0.mvt",
		"/tiles/3/8/0.mvt",
		"/tiles/3/0/8.mvt",
		"/tiles/0/1/0.mvt",
		"/tiles/a/0/0.mvt",
		"/tiles/3/-1/0.mvt",
		"/tiles/3/+1/0.mvt",
		"/tiles/3/1.5/0.mvt",
		"/tiles/5/26/13.mvt?layers=nope",
		"/tiles/5/26/13.mvt?layers=corridors,",
	} {
		r := tileGet(t, srv, target)
		var body struct{ Code, Description string }
		if r.status != http.StatusBadRequest || json.Unmarshal(r.body, &body) != nil || body.Code == "" || body.Description == "" {
			t.Errorf("%s: %d %s, want 400 with an OGC exception", target, r.status, r.body)
		}
	}
}

// TestColdTileRenderedOnce sends 20 concurrent requests for one cold tile:
// the tiler must run once.
func TestColdTileRenderedOnce(t *testing.T) {
	srv, _ := tileServer(t)
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = tileGet(t, srv, "/tiles/0/0/0.mvt", "Accept-Encoding", "gzip").status
		}()
	}
	wg.Wait()
	for _, s := range statuses {
		if s != http.StatusOK {
			t.Fatalf("statuses %v", statuses)
		}
	}
	if st := srv.tileCache.Stats(); st.Renders != 1 || st.Hits+st.Misses != 20 {
		t.Errorf("cache stats %+v: want one render for 20 requests", st)
	}
}

func TestTileJSONAndStyleEndpoints(t *testing.T) {
	srv, _ := tileServer(t)
	r := tileGet(t, srv, "/tiles.json")
	var doc tiles.TileJSON
	if r.status != http.StatusOK || json.Unmarshal(r.body, &doc) != nil {
		t.Fatalf("/tiles.json: %d %s", r.status, r.body)
	}
	if doc.TileJSON != "3.0.0" || len(doc.Tiles) != 1 || doc.Tiles[0] != "http://planmap.test/tiles/{z}/{x}/{y}.mvt" || len(doc.VectorLayers) != len(data.StandardLayers)+2 {
		t.Errorf("tilejson %+v", doc)
	}
	if doc.Attribution == "" {
		t.Error("no attribution")
	}
	r = tileGet(t, srv, "/styles/default.json")
	var style struct {
		Version int `json:"version"`
		Sources map[string]struct {
			Tiles []string `json:"tiles"`
			Data  string   `json:"data"`
		} `json:"sources"`
		Layers []map[string]any `json:"layers"`
	}
	if r.status != http.StatusOK || json.Unmarshal(r.body, &style) != nil || style.Version != 8 {
		t.Fatalf("/styles/default.json: %d %.200s", r.status, r.body)
	}
	if s := style.Sources["planmap"]; len(s.Tiles) != 1 || s.Tiles[0] != "http://planmap.test/tiles/{z}/{x}/{y}.mvt" {
		t.Errorf("planmap source %+v", s)
	}
	if s := style.Sources["basemap"]; len(s.Tiles) != 1 || s.Tiles[0] != "http://planmap.test/basemap/tiles/{z}/{x}/{y}.mvt" {
		t.Errorf("basemap source %+v", s)
	}
	// without Options.BaseURL, URLs come from the request
	plain, err := New(srv.state.Load().data.Dataset(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "http://maps.example:8080/tiles.json", nil)
	resp, err := plain.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || doc.Tiles[0] != "http://maps.example:8080/tiles/{z}/{x}/{y}.mvt" {
		t.Errorf("tiles from request base: %v %v", doc.Tiles, err)
	}
}

// TestGDALReadsServedTile serves the default dataset on a loopback port and
// reads a tile with GDAL's MVT driver over HTTP (/vsicurl/): it must see
// the four layers with every feature.
func TestGDALReadsServedTile(t *testing.T) {
	ogrinfo := testtool.Program(t, "ogrinfo", "gdal-bin")
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	base := serveForTest(t, ds)
	url := "/vsicurl/" + base + "/tiles/0/0/0.mvt"
	out, err := exec.Command(ogrinfo, "-ro", "-so", "-al", url).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo %s: %v\n%s", url, err, out)
	}
	re := regexp.MustCompile(`(?m)^Layer name: (\S+)\s*$(?:\n.*?)*?^Feature Count: (\d+)`)
	got := map[string]int{}
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		got[m[1]], _ = strconv.Atoi(m[2])
	}
	t.Logf("GDAL over HTTP: %v", got)
	for _, l := range ds.Layers {
		if got[l.ID] != len(l.Features.Features) {
			t.Errorf("GDAL reads %d features in %s, want %d", got[l.ID], l.ID, len(l.Features.Features))
		}
	}
}
