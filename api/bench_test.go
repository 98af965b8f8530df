package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/planmap/planmap/data"
)

// TestBenchCopySameResponse: /bench/copy answers what the route itself
// answers for the same Host and Accept-Encoding, body and headers alike
// (but for the headers each response gets anew), so that a load test's
// baseline sends the very bytes the route does.
func TestBenchCopySameResponse(t *testing.T) {
	ds := data.Generate(data.GenOptions{Features: 2000, Seed: 3})
	srv, err := New(ds, Options{BenchEndpoints: true})
	if err != nil {
		t.Fatal(err)
	}
	parks := ds.Layer(data.IndustrialParks).Features.Features
	id := data.FeatureID(parks[len(parks)/2])
	// The items answer's timeStamp may tick between the two requests.
	stamp := regexp.MustCompile(`"timeStamp":"[^"]*"`)
	fetch := func(target, host, encoding string) (int, http.Header, []byte) {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Host = host
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		res, err := srv.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"Date", "X-Request-Id"} {
			if res.Header.Get(h) == "" {
				t.Errorf("GET %s: no %s", target, h)
			}
			res.Header.Del(h)
		}
		return res.StatusCode, res.Header, stamp.ReplaceAll(body, []byte(`"timeStamp":"T"`))
	}
	for _, tc := range []struct{ target, host, encoding string }{
		{"/collections/industrial-parks/items/" + id, "planmap.local:9", ""},
		{"/collections/industrial-parks/items/" + id, "other.example:80", ""},
		{"/collections/industrial-parks/items/" + id, "planmap.local:9", "gzip"},
		{"/collections/industrial-parks/items/" + id + "?crs=http://www.opengis.net/def/crs/EPSG/0/3857", "planmap.local:9", ""},
		{"/collections/industrial-parks/items?bbox=118,24,121,29&limit=100", "planmap.local:9", ""},
		{"/collections/industrial-parks", "planmap.local:9", "gzip"},
	} {
		copyStatus, copyHeader, copyBody := fetch("/bench/copy"+tc.target, tc.host, tc.encoding)
		status, header, body := fetch(tc.target, tc.host, tc.encoding)
		if status != http.StatusOK || copyStatus != status {
			t.Fatalf("GET %s: %d, its copy %d", tc.target, status, copyStatus)
		}
		if string(copyBody) != string(body) {
			t.Errorf("GET %s (Host %s, %q): the copy's body differs:\n%.300s\n%.300s", tc.target, tc.host, tc.encoding, copyBody, body)
		}
		if len(header) < 4 {
			t.Errorf("GET %s: only the headers %v", tc.target, header)
		}
		for name := range header {
			if copyHeader.Get(name) != header.Get(name) || len(copyHeader[name]) != len(header[name]) {
				t.Errorf("GET %s: %s is %q, in the copy %q", tc.target, name, header[name], copyHeader[name])
			}
		}
		for name := range copyHeader {
			if _, ok := header[name]; !ok {
				t.Errorf("GET %s: the copy has %s: %q, the route not", tc.target, name, copyHeader[name])
			}
		}
	}
}
