package api

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
)

// newTestServer builds a server over ds, failing the test on error.
func newTestServer(t testing.TB, ds *data.Dataset) *Server {
	t.Helper()
	srv, err := New(ds, Options{BaseURL: "http://planmap.test"})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func defaultServer(t testing.TB) *Server {
	t.Helper()
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	return newTestServer(t, ds)
}

// response is what a test request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	dec := json.NewDecoder(strings.NewReader(string(r.body)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("body is not JSON (%v): %.300s", err, r.body)
	}
	return v
}

// get sends a request through the fiber app; headers come in pairs.
func get(t testing.TB, srv *Server, target string, headers ...string) response {
	t.Helper()
	return request(t, srv, http.MethodGet, target, headers...)
}

func request(t testing.TB, srv *Server, method, target string, headers ...string) response {
	t.Helper()
	target = strings.TrimPrefix(target, "http://planmap.test")
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := srv.App().Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// syntheticDataset builds a dataset with a points layer of n features
// spread over the region, a lines layer of long diagonal lines, and a
// polygons layer, with properties for filtering and sorting. It is made
// here, not by data.Generate, so API tests do not depend on the generator.
func syntheticDataset(t testing.TB, n int, seed int64) *data.Dataset {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	kinds := data.Kinds[data.Ports]
	statuses := data.Statuses
	props := func(layer string, i int) geojson.Properties {
		p := geojson.Properties{
			"id":          fmt.Sprintf("%s-%d", layer, i),
			"name":        fmt.Sprintf("%s %d", layer, i),
			"kind":        kinds[rng.Intn(len(kinds))],
			"status":      statuses[rng.Intn(len(statuses))],
			"city":        []string{"温州市", "泉州市"}[rng.Intn(2)],
			"target_year": nil,
		}
		if rng.Intn(3) > 0 {
			p["target_year"] = float64(2018 + rng.Intn(18))
		}
		return p
	}
	pt := func() orb.Point {
		return orb.Point{117.5 + rng.Float64()*4, 24.5 + rng.Float64()*4}
	}
	points := geojson.NewFeatureCollection()
	for i := 0; i < n; i++ {
		f := geojson.NewFeature(pt())
		f.Properties = props("points", i)
		points.Append(f)
	}
	lines := geojson.NewFeatureCollection()
	for i := 0; i < n/10+1; i++ {
		ls := orb.LineString{pt()}
		for j := 0; j < 1+rng.Intn(6); j++ {
			last := ls[len(ls)-1]
			ls = append(ls, orb.Point{last[0] + rng.Float64()*1.2 - 0.6, last[1] + rng.Float64()*1.2 - 0.6})
		}
		f := geojson.NewFeature(ls)
		f.Properties = props("lines", i)
		lines.Append(f)
	}
	polys := geojson.NewFeatureCollection()
	for i := 0; i < n/5+1; i++ {
		c := pt()
		r := 0.01 + rng.Float64()*0.2
		ring := orb.Ring{}
		for k := 0; k < 8; k++ {
			a := float64(k) / 8 * 2 * 3.141592653589793
			rr := r * (0.6 + 0.4*rng.Float64())
			ring = append(ring, orb.Point{c[0] + rr*cos(a), c[1] + rr*sin(a)})
		}
		ring = append(ring, ring[0])
		f := geojson.NewFeature(orb.Polygon{ring})
		f.Properties = props("polygons", i)
		polys.Append(f)
	}
	return &data.Dataset{Version: fmt.Sprintf("synthetic-%d-%d", n, seed), Source: "test", Layers: []*data.Layer{
		{ID: "points", Title: "Points", Features: points},
		{ID: "lines", Title: "Lines", Features: lines},
		{ID: "polygons", Title: "Polygons", Features: polys},
	}}
}

func cos(a float64) float64 { return math.Cos(a) }
func sin(a float64) float64 { return math.Sin(a) }
