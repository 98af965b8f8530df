package api

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/planmap/planmap/data"
)

// Fuzz targets for every parser of user input. `go test` runs each over
// its seeds; bench/fuzz.sh runs them long (go test -fuzz). Crashers found
// land in testdata/fuzz/<Target>/ and stay there as regression cases.

var (
	fuzzOnce sync.Once
	fuzzSrv  *Server
)

// fuzzServer is one server over the default dataset, shared by the
// targets that go through the router.
func fuzzServer(t testing.TB) *Server {
	fuzzOnce.Do(func() {
		ds, err := data.Default()
		if err != nil {
			t.Fatal(err)
		}
		if fuzzSrv, err = New(ds, Options{BaseURL: "http://planmap.test"}); err != nil {
			t.Fatal(err)
		}
	})
	return fuzzSrv
}

// fuzzGet sends target and checks the answer: never a 5xx but the
// deadline's 503, and every error in OGC form, valid UTF-8 JSON.
func fuzzGet(t *testing.T, target string) {
	srv := fuzzServer(t)
	req := httptest.NewRequest("GET", "/", nil)
	req.URL.RawQuery = ""
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return
	}
	req.URL = u
	req.RequestURI = target
	res, err := srv.App().Test(req, -1)
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	defer res.Body.Close()
	var body struct{ Code, Description string }
	b := make([]byte, 0, 1024)
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b = append(b, buf[:n]...)
		if err != nil {
			break
		}
	}
	if res.StatusCode >= 500 && res.StatusCode != 503 {
		t.Fatalf("%s: status %d: %.300s", target, res.StatusCode, b)
	}
	if res.StatusCode >= 400 {
		if !utf8.Valid(b) || json.Unmarshal(b, &body) != nil || body.Code == "" || body.Description == "" {
			t.Fatalf("%s: status %d without an OGC body: %.300q", target, res.StatusCode, b)
		}
	}
	if strings.Contains(res.Header.Get("Content-Type"), "json") && !json.Valid(b) {
		t.Fatalf("%s: invalid JSON body: %.300q", target, b)
	}
}

// FuzzParseBBox: never panics; an accepted box lies within the globe with
// its south edge below its north edge.
func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"120,28,121,29", "170,-10,-170,10", "1,2,3,4,5,6", "0x1p4,0,1,1", "1_0,0,1,1", "+5,0,6,1", "nan,0,1,1", "1e999,0,1,1", ",,,", "-180,-90,180,90"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		boxes, err := parseBBox(s)
		if err != nil {
			return
		}
		for _, b := range boxes {
			if b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 || b.Min[1] > b.Max[1] || b.Min[0] > b.Max[0] {
				t.Fatalf("parseBBox(%q) accepted %v", s, b)
			}
		}
	})
}

// FuzzParseDecimal: what parseDecimal accepts, strconv reads the same and
// finite, with none of Go's extra syntax.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"5", "-2.5e3", "0x1p4", "1_000", "+5", "inf", "NaN", "1e999", "5e-324", ".5", "5.", "1e", "--1", "١٢"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := parseDecimal(s)
		if !ok {
			return
		}
		w, err := strconv.ParseFloat(s, 64)
		if err != nil || w != v {
			t.Fatalf("parseDecimal(%q) = %v, ParseFloat %v %v", s, v, w, err)
		}
		if strings.ContainsAny(s, "xXpP_+ \tiInN") && !strings.ContainsAny(s, "eE") {
			t.Fatalf("parseDecimal(%q) accepted Go-only syntax", s)
		}
	})
}

// FuzzParseDatetime: never panics; an accepted range is ordered.
func FuzzParseDatetime(f *testing.F) {
	for _, s := range []string{"2025", "2020/2025", "../2030", "2025-06-30T00:00:00Z", "2025-06-30", "/", "../..", "2030/2020", "99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseDatetime(s)
		if err == nil && r.from > r.to {
			t.Fatalf("parseDatetime(%q) = %+v", s, r)
		}
	})
}

// FuzzParseSortBy: never panics; accepted keys name sortable properties.
func FuzzParseSortBy(f *testing.F) {
	sortable := []string{"name", "target_year", "status"}
	for _, s := range []string{"name", "-target_year,+name", "", ",", "-", "+-name", "name,name"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := parseSortBy(s, sortable)
		if err != nil {
			return
		}
		for _, k := range keys {
			if !containsString(sortable, k.property) {
				t.Fatalf("parseSortBy(%q) accepted %q", s, k.property)
			}
		}
	})
}

// FuzzItemsQuery sends arbitrary bbox, datetime, sortby, properties and
// limit values to the items endpoint.
func FuzzItemsQuery(f *testing.F) {
	f.Add("120,28,121,29", "2025", "name", "name,kind", "10")
	f.Add("x", "2030/2020", "-bogus", ",,", "+5")
	f.Add("0x1p4,0,1,1", "../..", "", strings.Repeat("name,", 50), "1_000")
	f.Fuzz(func(t *testing.T, bbox, datetime, sortby, properties, limit string) {
		q := url.Values{"bbox": {bbox}, "datetime": {datetime}, "sortby": {sortby}, "properties": {properties}, "limit": {limit}}
		fuzzGet(t, "/collections/industrial-parks/items?"+q.Encode())
	})
}

// FuzzTilePath sends arbitrary z, x, y and layers to the tile route.
func FuzzTilePath(f *testing.F) {
	f.Add("5", "26", "13", "ports")
	f.Add("99", "0", "0", "")
	f.Add("+1", "0x1", "-1", "ports,ports")
	f.Add("3", "1", "1%00", "nope")
	f.Fuzz(func(t *testing.T, z, x, y, layers string) {
		fuzzGet(t, "/tiles/"+url.PathEscape(z)+"/"+url.PathEscape(x)+"/"+url.PathEscape(y)+".mvt?layers="+url.QueryEscape(layers))
	})
}

// FuzzSearchQuery sends arbitrary q (invalid UTF-8 included) and limit.
func FuzzSearchQuery(f *testing.F) {
	f.Add("温州", "5")
	f.Add("\xff\xfe", "1")
	f.Add("port", "+5")
	f.Add(strings.Repeat("a", 600), "0")
	f.Fuzz(func(t *testing.T, q, limit string) {
		fuzzGet(t, "/search?q="+url.QueryEscape(q)+"&limit="+url.QueryEscape(limit))
	})
}

// FuzzAnalysisParams sends arbitrary distances, corridor lists and targets
// to coverage (buffers are too slow to fuzz at random distances; their
// parameters are the same code).
func FuzzAnalysisParams(f *testing.F) {
	f.Add("5000", "", "", "")
	f.Add("5e-324", "x,y", "", "")
	f.Add("1e-300", "", "rail", "ports")
	f.Add("0x1p4", ",,,", "", "corridors")
	f.Fuzz(func(t *testing.T, distance, corridors, mode, targets string) {
		q := url.Values{"distance": {distance}}
		if corridors != "" {
			q.Set("corridors", corridors)
		}
		if mode != "" {
			q.Set("corridor_mode", mode)
		}
		if targets != "" {
			q.Set("targets", targets)
		}
		fuzzGet(t, "/analysis/coverage?"+q.Encode())
	})
}
