package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data/testtool"
	"github.com/planmap/planmap/geo/crs"
)

const (
	uri4326  = "http://www.opengis.net/def/crs/EPSG/0/4326"
	uri4490  = "http://www.opengis.net/def/crs/EPSG/0/4490"
	uri4549  = "http://www.opengis.net/def/crs/EPSG/0/4549"
	uriGCJ02 = "https://planmap.dev/def/crs/GCJ-02"
)

// decodeItems reads an items answer as GeoJSON.
func decodeItems(t *testing.T, r response) *geojson.FeatureCollection {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	fc, err := geojson.UnmarshalFeatureCollection(r.body)
	if err != nil {
		t.Fatalf("not GeoJSON: %v: %.200s", err, r.body)
	}
	return fc
}

func featureIDs(fc *geojson.FeatureCollection) []string {
	ids := make([]string, 0, len(fc.Features))
	for _, f := range fc.Features {
		ids = append(ids, fmt.Sprint(f.ID))
	}
	sort.Strings(ids)
	return ids
}

// cs2cs transforms CRS84 points into the EPSG CRS target with PROJ, in
// target's authority axis order (cs2cs takes EPSG:4326 latitude first).
func cs2cs(t *testing.T, target string, pts []orb.Point) []orb.Point {
	t.Helper()
	bin := testtool.Program(t, "cs2cs", "proj-bin")
	var in strings.Builder
	for _, p := range pts {
		fmt.Fprintf(&in, "%.12f %.12f\n", p[1], p[0])
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-f", "%.10f", "EPSG:4326", target)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cs2cs EPSG:4326 %s: %v", target, err)
	}
	var res []orb.Point
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			t.Fatalf("cs2cs output %q", sc.Text())
		}
		a, err1 := strconv.ParseFloat(fields[0], 64)
		b, err2 := strconv.ParseFloat(fields[1], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("cs2cs output %q", sc.Text())
		}
		res = append(res, orb.Point{a, b})
	}
	if len(res) != len(pts) {
		t.Fatalf("cs2cs gave %d points for %d", len(res), len(pts))
	}
	return res
}

// TestCRSParameterHandling checks crs and bbox-crs as a client sends them:
// each answer's Content-Crs, its axis order, the 400s, and the features a
// bbox in another CRS selects against a brute-force selection made
// without the server's code.
func TestCRSParameterHandling(t *testing.T) {
	ds := syntheticDataset(t, 3000, 11)
	srv := newTestServer(t, ds)
	plain := decodeItems(t, get(t, srv, "/collections/points/items?limit=10000"))
	byID := map[string]orb.Point{}
	kindOf := map[string]string{}
	var pts []orb.Point
	var ids []string
	for _, f := range plain.Features {
		byID[fmt.Sprint(f.ID)] = f.Geometry.(orb.Point)
		kindOf[fmt.Sprint(f.ID)], _ = f.Properties["kind"].(string)
		pts = append(pts, f.Geometry.(orb.Point))
		ids = append(ids, fmt.Sprint(f.ID))
	}
	gcj, err := crs.Builtin().Lookup(uriGCJ02)
	if err != nil {
		t.Fatal(err)
	}

	// Brute-force truths for the bbox-crs cases.
	inBox := func(p orb.Point, lo, hi orb.Point) bool {
		return p[0] >= lo[0] && p[0] <= hi[0] && p[1] >= lo[1] && p[1] <= hi[1]
	}
	selectWith := func(project func(i int) orb.Point, lo, hi orb.Point) []string {
		var out []string
		for i := range pts {
			if inBox(project(i), lo, hi) {
				out = append(out, ids[i])
			}
		}
		sort.Strings(out)
		return out
	}
	var in4549 []orb.Point // filled lazily: needs cs2cs
	box4549lo, box4549hi := orb.Point{2850000, 420000}, orb.Point{3050000, 560000}
	gcjLo, gcjHi := orb.Point{119.2, 25.3}, orb.Point{120.4, 26.9}

	type want struct {
		status     int
		contentCrs string
		// ids, when set, is the exact set of features.
		ids func() []string
		// coords checks each answered point against the CRS84 one.
		coords func(t *testing.T, id string, got, lonLat orb.Point)
		// inDescription must appear in an error's description.
		inDescription []string
	}
	swapped := func(t *testing.T, id string, got, ll orb.Point) {
		if got != (orb.Point{ll[1], ll[0]}) {
			t.Errorf("%s: got %v, want latitude first %v", id, got, orb.Point{ll[1], ll[0]})
		}
	}
	cases := []struct {
		name  string
		query string
		want  want
	}{
		{"default is CRS84", "", want{status: 200, contentCrs: crs.CRS84URI,
			coords: func(t *testing.T, id string, got, ll orb.Point) {
				if got != ll {
					t.Errorf("%s: %v != %v", id, got, ll)
				}
			}}},
		{"CRS84 by URN", "crs=urn:ogc:def:crs:OGC:1.3:CRS84", want{status: 200, contentCrs: crs.CRS84URI,
			coords: func(t *testing.T, id string, got, ll orb.Point) {
				if got != ll {
					t.Errorf("%s: %v != %v", id, got, ll)
				}
			}}},
		{"EPSG:4326 is latitude first", "crs=" + url.QueryEscape(uri4326), want{status: 200, contentCrs: uri4326, coords: swapped}},
		{"EPSG:4490 is latitude first", "crs=EPSG:4490", want{status: 200, contentCrs: uri4490, coords: swapped}},
		{"EPSG:4490 with properties", "crs=EPSG:4490&properties=name", want{status: 200, contentCrs: uri4490, coords: swapped}},
		{"GCJ-02 output is the published formula", "crs=" + url.QueryEscape(uriGCJ02), want{status: 200, contentCrs: uriGCJ02,
			coords: func(t *testing.T, id string, got, ll orb.Point) {
				// The formula's offset in south-east China is 100–700 m
				// (0.001–0.007°), longitude first.
				d := math.Hypot(got[0]-ll[0], got[1]-ll[1])
				if d < 0.0008 || d > 0.008 {
					t.Errorf("%s: GCJ-02 %v is %.5f° from WGS84 %v, want 0.001–0.007°", id, got, d, ll)
				}
			}}},
		{"unknown CRS", "crs=EPSG:27700", want{status: 400, inDescription: append([]string{"EPSG:27700"}, crs.Builtin().URIs()...)}},
		{"malformed CRS", "crs=http://www.opengis.net/def/crs/EPSG/x/y/z", want{status: 400, inDescription: []string{"malformed", uri4549, uriGCJ02}}},
		{"empty CRS", "crs=", want{status: 400, inDescription: []string{crs.CRS84URI}}},
		{"unknown bbox-crs", "bbox=1,2,3,4&bbox-crs=EPSG:2000", want{status: 400, inDescription: []string{"bbox-crs", uri4490}}},
		{"bbox in EPSG:4326 is latitude first", "bbox=25.3,119.2,26.9,120.4&bbox-crs=EPSG:4326", want{status: 200, contentCrs: crs.CRS84URI,
			ids: func() []string {
				return selectWith(func(i int) orb.Point { return pts[i] }, orb.Point{119.2, 25.3}, orb.Point{120.4, 26.9})
			}}},
		{"bbox in EPSG:4326 out of range", "bbox=119.2,25.3,120.4,26.9&bbox-crs=EPSG:4326", want{status: 400, inDescription: []string{"latitude"}}},
		{"bbox in EPSG:4549 (northing, easting) against cs2cs", fmt.Sprintf("bbox=%.0f,%.0f,%.0f,%.0f&bbox-crs=%s", box4549lo[0], box4549lo[1], box4549hi[0], box4549hi[1], url.QueryEscape(uri4549)),
			want{status: 200, contentCrs: crs.CRS84URI, ids: func() []string {
				if in4549 == nil {
					in4549 = cs2cs(t, "EPSG:4549", pts)
				}
				return selectWith(func(i int) orb.Point { return in4549[i] }, box4549lo, box4549hi)
			}}},
		{"bbox in EPSG:4549 answered in EPSG:4549", fmt.Sprintf("bbox=%.0f,%.0f,%.0f,%.0f&bbox-crs=EPSG:4549&crs=EPSG:4549", box4549lo[0], box4549lo[1], box4549hi[0], box4549hi[1]),
			want{status: 200, contentCrs: uri4549, ids: func() []string {
				if in4549 == nil {
					in4549 = cs2cs(t, "EPSG:4549", pts)
				}
				return selectWith(func(i int) orb.Point { return in4549[i] }, box4549lo, box4549hi)
			}}},
		{"bbox in EPSG:4549 with a CQL2 filter", fmt.Sprintf("bbox=%.0f,%.0f,%.0f,%.0f&bbox-crs=EPSG:4549&filter=%s", box4549lo[0], box4549lo[1], box4549hi[0], box4549hi[1], url.QueryEscape("kind = 'port'")),
			want{status: 200, contentCrs: crs.CRS84URI, ids: func() []string {
				if in4549 == nil {
					in4549 = cs2cs(t, "EPSG:4549", pts)
				}
				var out []string
				for _, id := range selectWith(func(i int) orb.Point { return in4549[i] }, box4549lo, box4549hi) {
					if kindOf[id] == "port" {
						out = append(out, id)
					}
				}
				return out
			}}},
		{"bbox in GCJ-02", fmt.Sprintf("bbox=%v,%v,%v,%v&bbox-crs=GCJ-02", gcjLo[0], gcjLo[1], gcjHi[0], gcjHi[1]),
			want{status: 200, contentCrs: crs.CRS84URI, ids: func() []string {
				return selectWith(func(i int) orb.Point {
					p, err := gcj.FromCRS84(pts[i])
					if err != nil {
						t.Fatal(err)
					}
					return p
				}, gcjLo, gcjHi)
			}}},
		{"bbox in EPSG:4549 with min above max", "bbox=3050000,560000,2850000,420000&bbox-crs=EPSG:4549", want{status: 400, inDescription: []string{"EPSG:4549"}}},
		{"bbox-crs with a malformed bbox", "bbox=1,2,3&bbox-crs=EPSG:4549", want{status: 400, inDescription: []string{"4 numbers"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			target := "/collections/points/items?limit=10000"
			if tc.query != "" {
				target += "&" + tc.query
			}
			r := get(t, srv, target)
			if r.status != tc.want.status {
				t.Fatalf("status %d, want %d: %.300s", r.status, tc.want.status, r.body)
			}
			if r.status != 200 {
				body := r.json(t)
				desc, _ := body["description"].(string)
				if body["code"] == nil {
					t.Errorf("no OGC exception code: %s", r.body)
				}
				for _, s := range tc.want.inDescription {
					if !strings.Contains(desc, s) {
						t.Errorf("description %q does not mention %q", desc, s)
					}
				}
				return
			}
			if got, want := r.header.Get("Content-Crs"), "<"+tc.want.contentCrs+">"; got != want {
				t.Errorf("Content-Crs %q, want %q", got, want)
			}
			fc := decodeItems(t, r)
			if tc.want.ids != nil {
				got, want := featureIDs(fc), tc.want.ids()
				if len(want) == 0 {
					t.Fatal("the case selects nothing: make its box bigger")
				}
				if strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("got %d features, want %d (brute force)", len(got), len(want))
				}
			}
			if tc.want.coords != nil {
				if len(fc.Features) != len(pts) {
					t.Fatalf("%d features, want %d", len(fc.Features), len(pts))
				}
				for _, f := range fc.Features {
					id := fmt.Sprint(f.ID)
					tc.want.coords(t, id, f.Geometry.(orb.Point), byID[id])
				}
			}
		})
	}
	// The GCJ-02 box must select differently from the same numbers taken
	// as WGS84, or the case above proves nothing.
	asWGS := featureIDs(decodeItems(t, get(t, srv, fmt.Sprintf("/collections/points/items?limit=10000&bbox=%v,%v,%v,%v", gcjLo[0], gcjLo[1], gcjHi[0], gcjHi[1]))))
	asGCJ := featureIDs(decodeItems(t, get(t, srv, fmt.Sprintf("/collections/points/items?limit=10000&bbox=%v,%v,%v,%v&bbox-crs=GCJ-02", gcjLo[0], gcjLo[1], gcjHi[0], gcjHi[1]))))
	if strings.Join(asWGS, " ") == strings.Join(asGCJ, " ") {
		t.Errorf("a GCJ-02 bbox selects the same %d features as the same numbers in WGS84", len(asGCJ))
	}
}

// TestCRSOutputMatchesCS2CS compares every vertex of every layer answered
// in EPSG:4490, EPSG:4549 and UTM 51N with PROJ's cs2cs, to 1 mm (and
// 1e-9° for the geographic CRS): the single feature and the items paths,
// lines and polygons too.
func TestCRSOutputMatchesCS2CS(t *testing.T) {
	testtool.Program(t, "cs2cs", "proj-bin")
	srv := newTestServer(t, syntheticDataset(t, 300, 5))
	for _, target := range []struct {
		code string
		tol  float64
	}{{"EPSG:4490", 1e-9}, {"EPSG:4549", 1e-3}, {"EPSG:32651", 1e-3}, {"EPSG:3857", 1e-3}} {
		for _, layer := range []string{"points", "lines", "polygons"} {
			ref := decodeItems(t, get(t, srv, "/collections/"+layer+"/items?limit=10000"))
			r := get(t, srv, "/collections/"+layer+"/items?limit=10000&crs="+target.code)
			got := decodeItems(t, r)
			c, _ := crs.Builtin().Lookup(target.code)
			if h := r.header.Get("Content-Crs"); h != "<"+c.URI()+">" {
				t.Errorf("%s: Content-Crs %q", target.code, h)
			}
			var in, out []orb.Point
			for i, f := range ref.Features {
				in = append(in, vertices(f.Geometry)...)
				out = append(out, vertices(got.Features[i].Geometry)...)
			}
			truth := cs2cs(t, target.code, in)
			worst := 0.0
			for i := range truth {
				worst = max(worst, math.Abs(truth[i][0]-out[i][0]), math.Abs(truth[i][1]-out[i][1]))
			}
			if worst > target.tol {
				t.Errorf("%s %s: worst difference from cs2cs %g, want ≤ %g", layer, target.code, worst, target.tol)
			}
			// The single-feature path gives the same coordinates.
			one := get(t, srv, "/collections/"+layer+"/items/"+fmt.Sprint(ref.Features[0].ID)+"?crs="+url.QueryEscape(c.URI()))
			if one.status != 200 || one.header.Get("Content-Crs") != "<"+c.URI()+">" {
				t.Fatalf("feature: %d %q %.200s", one.status, one.header.Get("Content-Crs"), one.body)
			}
			f, err := geojson.UnmarshalFeature(one.body)
			if err != nil {
				t.Fatal(err)
			}
			if !orb.Equal(f.Geometry, got.Features[0].Geometry) {
				t.Errorf("%s %s: the feature path gives %v, the items path %v", layer, target.code, f.Geometry, got.Features[0].Geometry)
			}
			t.Logf("%s %s: %d vertices, worst difference from cs2cs %.2g", layer, target.code, len(in), worst)
		}
	}
}

// vertices lists a geometry's points in order.
func vertices(g orb.Geometry) []orb.Point {
	var out []orb.Point
	switch g := g.(type) {
	case orb.Point:
		out = append(out, g)
	case orb.LineString:
		out = append(out, g...)
	case orb.Polygon:
		for _, r := range g {
			out = append(out, r...)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			out = append(out, vertices(p)...)
		}
	case orb.MultiLineString:
		for _, l := range g {
			out = append(out, l...)
		}
	case orb.MultiPoint:
		out = append(out, g...)
	}
	return out
}

// TestCRSDeclared checks the collection and conformance documents: every
// CRS offered, CRS84 first, storageCrs CRS84, the Part 2 class, and the
// parameters in the OpenAPI document.
func TestCRSDeclared(t *testing.T) {
	srv := defaultServer(t)
	var coll struct {
		Collections []struct {
			ID         string   `json:"id"`
			CRS        []string `json:"crs"`
			StorageCRS string   `json:"storageCrs"`
		} `json:"collections"`
	}
	if err := json.Unmarshal(get(t, srv, "/collections").body, &coll); err != nil {
		t.Fatal(err)
	}
	for _, c := range coll.Collections {
		if len(c.CRS) < 14 || c.CRS[0] != crs.CRS84URI || c.StorageCRS != crs.CRS84URI {
			t.Errorf("%s: crs %v storageCrs %q", c.ID, c.CRS, c.StorageCRS)
		}
		for _, want := range []string{uri4326, uri4490, uri4549, "http://www.opengis.net/def/crs/EPSG/0/4548", "http://www.opengis.net/def/crs/EPSG/0/32650", "http://www.opengis.net/def/crs/EPSG/0/3857", uriGCJ02, "https://planmap.dev/def/crs/BD-09"} {
			found := false
			for _, u := range c.CRS {
				found = found || u == want
			}
			if !found {
				t.Errorf("%s: crs list lacks %s", c.ID, want)
			}
		}
	}
	if !strings.Contains(string(get(t, srv, "/conformance").body), confCRS) {
		t.Error("conformance does not declare Part 2")
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name string `json:"name"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(get(t, srv, "/api").body, &doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/collections/{collectionId}/items", "/collections/ports/items", "/collections/{collectionId}/items/{featureId}"} {
		names := map[string]bool{}
		for _, prm := range doc.Paths[p]["get"].Parameters {
			names[prm.Name] = true
		}
		if !names["crs"] || (strings.HasSuffix(p, "/items") && !names["bbox-crs"]) {
			t.Errorf("%s: OpenAPI parameters %v lack crs/bbox-crs", p, names)
		}
	}
}
