package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/planmap/planmap/data"
)

// checkOGC fails unless r is a JSON body {"code", "description"} with both
// non-empty.
func checkOGC(t *testing.T, what string, r response) {
	t.Helper()
	var body struct{ Code, Description string }
	if err := json.Unmarshal(r.body, &body); err != nil || body.Code == "" || body.Description == "" {
		t.Errorf("%s: status %d, body is not an OGC exception (%v): %.200q", what, r.status, err, r.body)
		return
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: error Content-Type %q", what, ct)
	}
}

func send(t *testing.T, srv *Server, method, target string, body []byte, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := srv.App().Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// TestExplodingInputsRefused sends the inputs that once made analysis run
// for 900 s or fail with 500 and expects a 400 in OGC form before any work.
func TestExplodingInputsRefused(t *testing.T) {
	srv := defaultServer(t)
	distances := []string{"5e-324", "1e-300", "0.5", "NaN", "nan", "Inf", "-Inf", "1e999", "0x1p4", "1_000", "+5", "500001", "-1", "", "5e", ".", "1.", "infinity"}
	for _, route := range []string{"/analysis/buffer", "/analysis/coverage"} {
		for _, d := range distances {
			target := route + "?distance=" + urlEscape(d)
			r := get(t, srv, target)
			if r.status != 400 {
				t.Errorf("%s: status %d, want 400: %.200s", target, r.status, r.body)
				continue
			}
			checkOGC(t, target, r)
		}
	}
	// Well-formed decimals pass.
	for _, d := range []string{"1", "2500", "2.5e3", "1E3", "0.1e1"} {
		if r := get(t, srv, "/analysis/coverage?distance="+d); r.status != 200 {
			t.Errorf("distance=%s: status %d: %.200s", d, r.status, r.body)
		}
	}
	if r := get(t, srv, "/analysis/coverage?distance=0"); r.status != 200 {
		t.Errorf("coverage distance=0: status %d", r.status)
	}
	// A corridor list longer than the limit.
	long := strings.TrimSuffix(strings.Repeat("x,", maxListValues+1), ",")
	r := get(t, srv, "/analysis/buffer?distance=100&corridors="+long)
	if r.status != 400 {
		t.Errorf("%d corridor ids: status %d", maxListValues+1, r.status)
	}
	checkOGC(t, "long corridor list", r)
}

func urlEscape(s string) string {
	return strings.NewReplacer("+", "%2B", " ", "%20").Replace(s)
}

// corridorIDs lists the default dataset's corridors, repeated up to n ids
// (the web map's coverage panel sends every id it shows).
func corridorIDs(t *testing.T, srv *Server, n int) []string {
	t.Helper()
	var list []struct{ ID string }
	if err := json.Unmarshal(get(t, srv, "/analysis/corridors").body, &list); err != nil || len(list) == 0 {
		t.Fatalf("corridors: %v", err)
	}
	var ids []string
	for len(ids) < n {
		ids = append(ids, list[len(ids)%len(list)].ID)
	}
	return ids
}

// TestLongCorridorListsByPostAndURL checks ~240 corridor ids fit both in
// a URL (no 431) and in a POST body, and give the same answer.
func TestLongCorridorListsByPostAndURL(t *testing.T) {
	srv := defaultServer(t)
	ids := corridorIDs(t, srv, 240)
	viaURL := get(t, srv, "/analysis/coverage?distance=5000&corridors="+strings.Join(ids, ","))
	if viaURL.status != 200 {
		t.Fatalf("GET with %d ids (%d bytes): status %d: %.200s", len(ids), len(strings.Join(ids, ",")), viaURL.status, viaURL.body)
	}
	body, _ := json.Marshal(map[string]any{"distance": 5000, "corridors": ids})
	viaPost := send(t, srv, "POST", "/analysis/coverage", body, "Content-Type", "application/json")
	if viaPost.status != 200 {
		t.Fatalf("POST: status %d: %.300s", viaPost.status, viaPost.body)
	}
	if !bytes.Equal(viaPost.body, viaURL.body) {
		t.Error("POST and GET answers differ")
	}
	for _, bad := range []struct{ name, body, ct string }{
		{"not JSON", "distance=5", "application/json"},
		{"wrong type", `{"distance": true}`, "application/json"},
		{"unknown member", `{"distance": 5, "bogus": 1}`, "application/json"},
		{"form body", `{"distance": 5}`, "application/x-www-form-urlencoded"},
		{"exploding distance", `{"distance": 5e-324}`, "application/json"},
		{"two objects", `{"distance": 5}{}`, "application/json"},
	} {
		r := send(t, srv, "POST", "/analysis/buffer", []byte(bad.body), "Content-Type", bad.ct)
		if r.status < 400 || r.status >= 500 {
			t.Errorf("POST %s: status %d", bad.name, r.status)
		}
		checkOGC(t, "POST "+bad.name, r)
	}
	// Over a real connection, the long URL goes through fasthttp's header
	// buffer too.
	base := startServer(t, srv)
	res, err := http.Get(base + "/analysis/coverage?distance=5000&corridors=" + strings.Join(ids, ","))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("real connection, long URL: status %d", res.StatusCode)
	}
}

// startServer serves srv on a loopback port for the test's duration.
func startServer(t *testing.T, srv *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeListener(ctx, ln, time.Second) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + ln.Addr().String()
}

// rawRequest writes req on a new connection and returns the status line
// and body.
func rawRequest(t *testing.T, base, req string) (int, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%q: %v", req, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// TestHostileFraming sends what fasthttp would answer in plain text or
// misroute: unknown methods, control bytes, conflicting lengths, bodies
// on GET, percent-encoded paths.
func TestHostileFraming(t *testing.T) {
	srv := defaultServer(t)
	base := startServer(t, srv)
	cases := []struct {
		name, req string
		status    int
	}{
		{"unknown method", "FOO /collections HTTP/1.1\r\nHost: x\r\n\r\n", 501},
		{"control byte in target", "GET /collections\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"encoded control byte", "GET /collections%00 HTTP/1.1\r\nHost: x\r\n\r\n", 0},
		{"conflicting Content-Length", "POST /analysis/buffer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}abc", 400},
		{"Content-Length with chunked", "POST /analysis/buffer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 400},
		{"GET with a body", "GET /collections HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n" + strings.Repeat("a", 4000), 413},
		{"percent-encoded path", "GET /%63ollections HTTP/1.1\r\nHost: x\r\n\r\n", 200},
		{"unknown route", "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", 404},
		{"wrong method", "DELETE /collections HTTP/1.1\r\nHost: x\r\n\r\n", 405},
	}
	for _, c := range cases {
		status, body := rawRequest(t, base, c.req)
		if c.status == 0 {
			if status < 400 || status >= 500 {
				t.Errorf("%s: status %d, want a 4xx", c.name, status)
			}
		} else if status != c.status {
			t.Errorf("%s: status %d, want %d: %.200s", c.name, status, c.status, body)
		}
		if status >= 400 {
			checkOGC(t, c.name, response{status: status, body: body, header: http.Header{"Content-Type": {"application/json"}}})
		}
	}
}

// TestEveryRouteErrorsInOGCForm walks every registered route and sends it
// what it must refuse: an unknown query parameter (tile and analysis
// routes included), a method it does not take (405 with Allow naming the
// methods it takes), and OPTIONS, which answers 204 with the same Allow.
func TestEveryRouteErrorsInOGCForm(t *testing.T) {
	srv := defaultServer(t)
	param := regexp.MustCompile(`:[A-Za-z_]+\??`)
	fill := map[string]string{":collectionId": "industrial-parks", ":z": "5", ":x": "26", ":y": "13"}
	seen := map[string]bool{}
	for _, r := range srv.App().GetRoutes(true) {
		if r.Method != "GET" || seen[r.Path] || strings.Contains(r.Path, "*") || strings.HasPrefix(r.Path, "/bench") {
			continue
		}
		seen[r.Path] = true
		path := param.ReplaceAllStringFunc(r.Path, func(p string) string {
			if v, ok := fill[strings.TrimSuffix(p, "?")]; ok {
				return v
			}
			return "x"
		})
		if r.Path == "/collections/:collectionId/items/:featureId" {
			path = "/collections/industrial-parks/items/nonexistent"
		}
		bogus := get(t, srv, path+"?bogus_parameter=1")
		switch {
		case path == "/wfs":
			// WFS answers errors as ows:ExceptionReport, as its standard
			// and its clients require (api/wfs_test.go checks them).
			if bogus.status < 400 || !strings.Contains(string(bogus.body), "ExceptionReport") {
				t.Errorf("/wfs?bogus_parameter=1: %d %s", bogus.status, bogus.body)
			}
		case bogus.status >= 400:
			checkOGC(t, "unknown parameter on "+path, bogus)
		case bogus.status == 200 && (path == "/" || strings.HasPrefix(path, "/app") || strings.HasSuffix(path, ".js") ||
			path == "/livez" || path == "/readyz" || path == "/health" || path == "/metrics" || strings.HasPrefix(path, "/assets") || strings.HasPrefix(path, "/basemap/")):
			// pages, assets and probes ignore the query string
		default:
			t.Errorf("%s?bogus_parameter=1: status %d, want 400", path, bogus.status)
		}
		del := request(t, srv, "DELETE", path)
		if del.status != 405 {
			t.Errorf("DELETE %s: status %d, want 405", path, del.status)
			continue
		}
		checkOGC(t, "DELETE "+path, del)
		allow := del.header.Get("Allow")
		if !strings.Contains(allow, "GET") || !strings.Contains(allow, "HEAD") || strings.Contains(allow, "DELETE") {
			t.Errorf("DELETE %s: Allow %q", path, allow)
		}
		opt := request(t, srv, "OPTIONS", path)
		if _, own := srv.ops.routes.match(srv.App(), path); own {
			// The route answers OPTIONS itself (the items routes, by
			// whether the store takes writes).
			if (opt.status != 204 && opt.status != 404) || (opt.status == 204 && !strings.Contains(opt.header.Get("Allow"), "GET")) {
				t.Errorf("OPTIONS %s: status %d Allow %q", path, opt.status, opt.header.Get("Allow"))
			}
			continue
		}
		if opt.status != 204 || opt.header.Get("Allow") != allow {
			t.Errorf("OPTIONS %s: status %d Allow %q, want 204 and %q", path, opt.status, opt.header.Get("Allow"), allow)
		}
	}
	if len(seen) < 15 {
		t.Fatalf("only %d GET routes walked", len(seen))
	}
	for _, target := range []string{"/nowhere", "/collections/nope", "/collections/nope/items", "/tiles/99/0/0.mvt", "/tiles/1/5/0.mvt",
		"/tiles/3/1/1.mvt?layers=ports&layers=ports", "/tiles/3/1/1.mvt?bogus=1", "/search?q=%FF%FE&bogus=1"} {
		r := get(t, srv, target)
		if r.status < 400 {
			t.Errorf("%s: status %d", target, r.status)
		}
		checkOGC(t, target, r)
	}
	if r := request(t, srv, "OPTIONS", "/nowhere"); r.status != 404 {
		t.Errorf("OPTIONS /nowhere: status %d", r.status)
	}
	if r := request(t, srv, "POST", "/analysis/buffer"); r.status == 405 {
		t.Error("POST /analysis/buffer: 405, but it takes POST")
	}
	if r := request(t, srv, "DELETE", "/analysis/buffer"); !strings.Contains(r.header.Get("Allow"), "POST") {
		t.Errorf("DELETE /analysis/buffer: Allow %q lacks POST", r.header.Get("Allow"))
	}
}

// TestSearchInvalidUTF8 checks q with invalid UTF-8 never reaches a JSON
// body raw.
func TestSearchInvalidUTF8(t *testing.T) {
	srv := defaultServer(t)
	for _, q := range []string{"%FF", "%E5%B7", "abc%C0%AFdef", "%ED%A0%80"} {
		r := get(t, srv, "/search?q="+q)
		if !utf8.Valid(r.body) || !json.Valid(r.body) {
			t.Errorf("q=%s: status %d, body not valid UTF-8 JSON: %.200q", q, r.status, r.body)
		}
	}
}

// TestProxyHeaders checks X-Forwarded-Host and -Proto become the links'
// base only from a trusted proxy, and never when BaseURL is set.
func TestProxyHeaders(t *testing.T) {
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	headers := []string{"X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https"}
	linkHost := func(srv *Server) string {
		r := get(t, srv, "/tiles.json", headers...)
		var tj struct{ Tiles []string }
		if err := json.Unmarshal(r.body, &tj); err != nil || len(tj.Tiles) == 0 {
			t.Fatalf("tiles.json: %v %.200s", err, r.body)
		}
		return tj.Tiles[0]
	}
	untrusted, err := New(ds, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if u := linkHost(untrusted); strings.Contains(u, "evil") || strings.HasPrefix(u, "https") {
		t.Errorf("untrusted client's headers used: %s", u)
	}
	// app.Test connections come from 0.0.0.0.
	trusted, err := New(ds, Options{TrustedProxies: []string{"0.0.0.0/8"}})
	if err != nil {
		t.Fatal(err)
	}
	if u := linkHost(trusted); !strings.HasPrefix(u, "https://evil.example/") {
		t.Errorf("trusted proxy's headers not used: %s", u)
	}
	fixed, err := New(ds, Options{TrustedProxies: []string{"0.0.0.0/8"}, BaseURL: "https://maps.example"})
	if err != nil {
		t.Fatal(err)
	}
	if u := linkHost(fixed); !strings.HasPrefix(u, "https://maps.example/") {
		t.Errorf("BaseURL not used: %s", u)
	}
	headers = []string{"X-Forwarded-Host", "evil.example/path?x", "X-Forwarded-Proto", "javascript"}
	if u := linkHost(trusted); strings.Contains(u, "evil") || strings.HasPrefix(u, "javascript") {
		t.Errorf("malformed forwarded headers used: %s", u)
	}
}

// scrape parses /metrics with the Prometheus text parser.
func scrape(t *testing.T, srv *Server) map[string]*dto.MetricFamily {
	t.Helper()
	r := get(t, srv, "/metrics")
	if r.status != 200 {
		t.Fatalf("/metrics: status %d", r.status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return families
}

func metricValue(families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	mf, ok := families[name]
	if !ok {
		return 0 // a vector with no series yet
	}
	sum := 0.0
	for _, m := range mf.GetMetric() {
		match := true
		for k, v := range labels {
			found := false
			for _, lp := range m.GetLabel() {
				found = found || (lp.GetName() == k && lp.GetValue() == v)
			}
			match = match && found
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

// TestMetricsMove parses /metrics and checks the request, tile cache and
// data figures follow the requests made, with route templates as labels.
func TestMetricsMove(t *testing.T) {
	srv := defaultServer(t)
	get(t, srv, "/livez")
	before := scrape(t, srv)
	for _, name := range []string{"planmap_http_requests_total", "planmap_data_features", "planmap_data_info", "go_goroutines", "planmap_tile_cache_misses_total", "planmap_limit_capacity"} {
		if _, ok := before[name]; !ok {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	ds, _ := data.Default()
	for _, l := range ds.Layers {
		if got := metricValue(before, "planmap_data_features", map[string]string{"layer": l.ID}); got != float64(len(l.Features.Features)) {
			t.Errorf("planmap_data_features{layer=%q} = %v, want %d", l.ID, got, len(l.Features.Features))
		}
	}
	items := map[string]string{"route": "/collections/:collectionId/items", "status": "200"}
	tile := map[string]string{"route": "/tiles/:z/:x/:y.mvt"}
	const n = 7
	for range n {
		get(t, srv, "/collections/ports/items?limit=2")
		get(t, srv, "/tiles/5/26/13.mvt")
	}
	get(t, srv, "/no/such/path")
	after := scrape(t, srv)
	if d := metricValue(after, "planmap_http_requests_total", items) - metricValue(before, "planmap_http_requests_total", items); d != n {
		t.Errorf("items requests counted %v, want %d", d, n)
	}
	if d := metricValue(after, "planmap_http_request_duration_seconds", tile) - metricValue(before, "planmap_http_request_duration_seconds", tile); d != n {
		t.Errorf("tile latency observations %v, want %d", d, n)
	}
	hits := metricValue(after, "planmap_tile_cache_hits_total", nil) - metricValue(before, "planmap_tile_cache_hits_total", nil)
	misses := metricValue(after, "planmap_tile_cache_misses_total", nil) - metricValue(before, "planmap_tile_cache_misses_total", nil)
	if misses != 1 || hits != n-1 {
		t.Errorf("tile cache hits %v misses %v, want %d and 1", hits, misses, n-1)
	}
	if metricValue(after, "planmap_http_requests_total", map[string]string{"route": "unmatched", "status": "404"}) < 1 {
		t.Error("the router's 404 is not counted under route=unmatched")
	}
	for _, m := range after["planmap_http_requests_total"].GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == "route" && strings.Contains(lp.GetValue(), "/no/such") {
				t.Errorf("raw path %q used as a label", lp.GetValue())
			}
		}
	}
}

// TestHealthAndAccessLog checks /livez, /readyz and /health, and that the
// access log writes one JSON line per request with its fields.
func TestHealthAndAccessLog(t *testing.T) {
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	var accessLog accessLogBuffer
	logger := slog.New(slog.NewJSONHandler(&accessLog, nil))
	storeDown := atomic.Bool{}
	srv, err := New(ds, Options{AccessLog: logger, Ready: func() error {
		if storeDown.Load() {
			return fmt.Errorf("store unreachable")
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if r := get(t, srv, "/livez"); r.status != 200 {
		t.Errorf("/livez: %d", r.status)
	}
	if r := get(t, srv, "/readyz"); r.status != 200 {
		t.Errorf("/readyz: %d", r.status)
	}
	storeDown.Store(true)
	if r := get(t, srv, "/readyz"); r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Errorf("/readyz with the store down: %d", r.status)
	} else {
		checkOGC(t, "/readyz down", r)
	}
	srv.ReportProblem(fmt.Errorf("reload: bad file"))
	var h healthReport
	if err := json.Unmarshal(get(t, srv, "/health").body, &h); err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, l := range ds.Layers {
		want += len(l.Features.Features)
	}
	if v := srv.state.Load().data.Version; h.Data.Version != v || h.Data.Features != want || len(h.Data.Layers) != len(ds.Layers) {
		t.Errorf("health data %+v, want version %s, %d features in %d layers", h.Data, v, want, len(ds.Layers))
	}
	if h.LastProblem == nil || !strings.Contains(h.LastProblem.Message, "bad file") || h.Status != "degraded" {
		t.Errorf("health problem %+v status %s", h.LastProblem, h.Status)
	}
	if h.Limits[kindAnalysis].Capacity < 1 {
		t.Errorf("health limits %+v", h.Limits)
	}
	get(t, srv, "/collections/ports/items?limit=1", "X-Forwarded-For", "203.0.113.9")
	lines := accessLog.lines()
	var last map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatalf("access log line is not JSON: %q", lines[len(lines)-1])
	}
	for _, k := range []string{"time", "request_id", "method", "route", "status", "bytes", "duration_ms", "client"} {
		if _, ok := last[k]; !ok {
			t.Errorf("access log line lacks %s: %v", k, last)
		}
	}
	if last["route"] != "/collections/:collectionId/items" || last["status"] != float64(200) {
		t.Errorf("access log line %v", last)
	}
	if last["client"] == "203.0.113.9" {
		t.Error("X-Forwarded-For from an untrusted client was logged as the client")
	}
	if len(lines) != 5 {
		t.Errorf("%d access log lines for 5 requests", len(lines))
	}
}

// accessLogBuffer collects a test server's access log, written by its
// request goroutines, and hands it back line by line.
type accessLogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (a *accessLogBuffer) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.buf.Write(p)
}

// lines returns the lines written so far.
func (a *accessLogBuffer) lines() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return strings.Split(strings.TrimSpace(a.buf.String()), "\n")
}

// TestSlowAnalysisCutAtDeadline runs buffers too large to finish within a
// short analysis deadline while cached tiles are fetched: the buffers end
// with 503, Retry-After and the OGC body, and the tiles keep answering.
// It logs the cached tiles' throughput with the slow requests running as a
// ratio of their throughput without them (a figure, not a pass mark).
func TestSlowAnalysisCutAtDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 6,000-feature dataset")
	}
	ds := data.Generate(data.GenOptions{Features: 6000, Seed: 3})
	const deadline = 300 * time.Millisecond
	srv, err := New(ds, Options{AnalysisTimeout: deadline, Concurrency: map[string]int{kindAnalysis: 1}})
	if err != nil {
		t.Fatal(err)
	}
	tiles := []string{"/tiles/8/213/109.mvt", "/tiles/9/427/219.mvt", "/tiles/10/855/438.mvt", "/tiles/7/106/54.mvt"}
	for _, p := range tiles {
		get(t, srv, p)
	}
	fetchTiles := func(d time.Duration) int {
		n := 0
		for start := time.Now(); time.Since(start) < d; n++ {
			if r := get(t, srv, tiles[n%len(tiles)]); r.status != 200 && r.status != 204 {
				t.Errorf("cached tile: status %d", r.status)
			}
		}
		return n
	}
	quiet := fetchTiles(time.Second)

	var slow []response
	var elapsed []time.Duration
	var mu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				// distinct distances, so the buffer cache never answers
				r := get(t, srv, fmt.Sprintf("/analysis/buffer?distance=%d", 200000+1000*w+k))
				mu.Lock()
				slow, elapsed = append(slow, r), append(elapsed, time.Since(start))
				mu.Unlock()
			}
		}()
	}
	busy := fetchTiles(time.Second)
	close(stop)
	wg.Wait()
	t.Logf("cached tiles: %d in 1 s alone, %d in 1 s beside slow buffers: ratio %.2f", quiet, busy, float64(busy)/float64(quiet))
	cut, limited := 0, 0
	for i, r := range slow {
		switch {
		case r.status == 503 && r.header.Get("Retry-After") != "":
			checkOGC(t, "slow buffer", r)
			var body struct{ Code string }
			json.Unmarshal(r.body, &body)
			if body.Code == "Timeout" {
				cut++
				t.Logf("buffer cut after %v (deadline %v)", elapsed[i].Round(time.Millisecond), deadline)
			} else {
				limited++
			}
		default:
			t.Errorf("slow buffer: status %d after %v, want 503 with Retry-After", r.status, elapsed[i])
		}
	}
	if cut == 0 {
		t.Fatal("no buffer was cut at its deadline")
	}
	t.Logf("%d buffers cut at the deadline, %d refused by the concurrency limit", cut, limited)
}

// TestHeadDoesNoAnalysis checks HEAD validates the parameters and answers
// without computing: no buffer lands in the cache until a GET asks.
func TestHeadDoesNoAnalysis(t *testing.T) {
	srv := defaultServer(t)
	target := "/analysis/buffer?distance=300000"
	if r := request(t, srv, "HEAD", target); r.status != 200 || r.header.Get("Content-Type") != mediaGeoJSON {
		t.Fatalf("HEAD: status %d type %q", r.status, r.header.Get("Content-Type"))
	}
	if r := request(t, srv, "HEAD", "/analysis/coverage?distance=5000&f=csv"); r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("HEAD coverage: status %d type %q", r.status, r.header.Get("Content-Type"))
	}
	if r := request(t, srv, "HEAD", "/analysis/buffer?distance=5e-324"); r.status != 400 {
		t.Errorf("HEAD with an exploding distance: status %d", r.status)
	}
	st := srv.state.Load().analysis
	if n := len(st.buffers); n != 0 {
		t.Fatalf("HEAD computed %d buffers", n)
	}
	if r := get(t, srv, target); r.status != 200 {
		t.Fatalf("GET: status %d", r.status)
	}
	if n := len(st.buffers); n != 1 {
		t.Errorf("GET cached %d buffers, want 1", n)
	}
}

// TestSortByLongerThanSchema checks a sortby list longer than the
// sortable properties is refused up front.
func TestSortByLongerThanSchema(t *testing.T) {
	if _, err := parseSortBy(strings.Repeat("name,", 20)+"name", []string{"name", "kind"}); err == nil {
		t.Error("21 sortby terms over 2 sortable properties accepted")
	}
	if keys, err := parseSortBy("name,-kind", []string{"name", "kind"}); err != nil || len(keys) != 2 {
		t.Errorf("two terms: %v %v", keys, err)
	}
}

// TestMatchCacheMetricsMove checks the match cache figures of /metrics:
// a filtered items query asked n times is one miss and n-1 hits of its
// layer's cache, which then holds bytes; after a write (a new version of
// the layer, with a cache of its own) the same query misses once more,
// and the counters keep what the earlier version counted.
func TestMatchCacheMetricsMove(t *testing.T) {
	es := newEditableServer(t)
	scrapeES := func() map[string]*dto.MetricFamily {
		t.Helper()
		r := es.do(t, "GET", "/metrics", nil)
		parser := expfmt.NewTextParser(model.UTF8Validation)
		families, err := parser.TextToMetricFamilies(bytes.NewReader(r.body))
		if err != nil {
			t.Fatalf("/metrics does not parse: %v", err)
		}
		return families
	}
	ports := map[string]string{"layer": "ports"}
	value := func(f map[string]*dto.MetricFamily, name string) float64 { return metricValue(f, name, ports) }
	before := scrapeES()
	const n = 5
	query := "/collections/ports/items?status=planned&limit=2"
	for i := range n {
		if r := es.do(t, "GET", fmt.Sprintf("%s&offset=%d", query, i), nil); r.status != 200 {
			t.Fatalf("%s: %d %s", query, r.status, r.body)
		}
	}
	mid := scrapeES()
	if d := value(mid, "planmap_match_cache_misses_total") - value(before, "planmap_match_cache_misses_total"); d != 1 {
		t.Errorf("match cache misses moved by %v, want 1", d)
	}
	if d := value(mid, "planmap_match_cache_hits_total") - value(before, "planmap_match_cache_hits_total"); d != n-1 {
		t.Errorf("match cache hits moved by %v, want %d", d, n-1)
	}
	if value(mid, "planmap_match_cache_bytes") <= 0 || value(mid, "planmap_match_cache_entries") != 1 {
		t.Errorf("match cache holds %v bytes in %v entries, want some bytes in 1", value(mid, "planmap_match_cache_bytes"), value(mid, "planmap_match_cache_entries"))
	}
	var h healthReport
	if err := json.Unmarshal(es.do(t, "GET", "/health", nil).body, &h); err != nil {
		t.Fatal(err)
	}
	if h.Data.Matches.Entries != 1 || h.Data.Matches.Bytes != int64(value(mid, "planmap_match_cache_bytes")) {
		t.Errorf("/health match_cache %+v, want 1 entry of %v bytes", h.Data.Matches, value(mid, "planmap_match_cache_bytes"))
	}
	if other := metricValue(mid, "planmap_match_cache_misses_total", map[string]string{"layer": "corridors"}) - metricValue(before, "planmap_match_cache_misses_total", map[string]string{"layer": "corridors"}); other != 0 {
		t.Errorf("another layer's misses moved by %v", other)
	}
	if r := es.do(t, "POST", "/collections/ports/items", newPort("指标港", 121.2, 28.3), headers(authEditor, geoJSON)...); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	es.do(t, "GET", query, nil)
	after := scrapeES()
	if d := value(after, "planmap_match_cache_misses_total") - value(mid, "planmap_match_cache_misses_total"); d != 1 {
		t.Errorf("after a write, misses moved by %v, want 1 (the new version's cache is empty)", d)
	}
	if d := value(after, "planmap_match_cache_hits_total") - value(mid, "planmap_match_cache_hits_total"); d != 0 {
		t.Errorf("after a write, hits moved by %v, want 0 (and never back)", d)
	}
	if value(after, "planmap_match_cache_entries") != 1 {
		t.Errorf("the new version's cache holds %v entries, want 1", value(after, "planmap_match_cache_entries"))
	}
}

// TestRefusalsBelowRoutingCountedAndLogged sends what fasthttp itself
// refuses (headers over the read buffer, a body over the limit, a request
// line it cannot parse) and what guardRequests refuses (an unknown
// method, a control byte), and checks each is counted in /metrics under
// route "unmatched" with its status and written to the access log.
func TestRefusalsBelowRoutingCountedAndLogged(t *testing.T) {
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	var accessLog accessLogBuffer
	logger := slog.New(slog.NewJSONHandler(&accessLog, nil))
	srv, err := New(ds, Options{AccessLog: logger, ReadBufferSize: 4096, MaxBody: 1 << 10, MaxWriteBytes: 256})
	if err != nil {
		t.Fatal(err)
	}
	base := startServer(t, srv)
	cases := []struct {
		name, req string
		status    int
	}{
		{"headers too large", "GET /collections HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 8000) + "\r\n\r\n", 431},
		{"body too large", "POST /analysis/buffer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n" + strings.Repeat("a", 5000), 413},
		{"bad request line", "GET\r\n\r\n", 400},
		{"unknown method", "FOO /collections HTTP/1.1\r\nHost: x\r\n\r\n", 501},
		{"control byte", "GET /collections\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	}
	before := scrape(t, srv)
	want := map[int]float64{}
	for _, c := range cases {
		status, body := rawRequest(t, base, c.req)
		if status != c.status {
			t.Errorf("%s: status %d, want %d: %.200s", c.name, status, c.status, body)
		}
		want[c.status]++
	}
	after := scrape(t, srv)
	for status, n := range want {
		labels := map[string]string{"route": "unmatched", "status": fmt.Sprint(status)}
		if d := metricValue(after, "planmap_http_requests_total", labels) - metricValue(before, "planmap_http_requests_total", labels); d != n {
			t.Errorf("refusals with status %d counted %v, want %v", status, d, n)
		}
	}
	logged := map[int]float64{}
	lines := accessLog.lines()
	for _, line := range lines {
		var rec struct {
			Route     string `json:"route"`
			Status    int    `json:"status"`
			RequestID string `json:"request_id"`
			Client    string `json:"client"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("access log line is not JSON: %v: %s", err, line)
		}
		if rec.Route == "unmatched" && rec.Status != 404 {
			logged[rec.Status]++
			if rec.RequestID == "" || rec.Client != "127.0.0.1" {
				t.Errorf("refusal logged without request id or client: %s", line)
			}
		}
	}
	if !reflect.DeepEqual(logged, want) {
		t.Errorf("refusals logged by status %v, want %v\n%s", logged, want, strings.Join(lines, "\n"))
	}
}
