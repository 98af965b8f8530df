package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
)

// coverageBody is the decoded JSON answer of /analysis/coverage.
type coverageBody struct {
	Type     string `json:"type"`
	Features []struct {
		ID         string            `json:"id"`
		Geometry   json.RawMessage   `json:"geometry"`
		Properties coverageFeatProps `json:"properties"`
	} `json:"features"`
	Summary struct {
		DistanceM float64                  `json:"distance_m"`
		Corridors []string                 `json:"corridors"`
		Targets   int                      `json:"targets"`
		Covered   int                      `json:"covered"`
		Share     float64                  `json:"share"`
		ByLayer   map[string]coverageCount `json:"by_layer"`
		ByKind    map[string]coverageCount `json:"by_kind"`
		ByStatus  map[string]coverageCount `json:"by_status"`
	} `json:"summary"`
	Uncovered []string `json:"uncovered"`
}

type coverageFeatProps struct {
	Layer               string   `json:"layer"`
	ID                  string   `json:"id"`
	Name                *string  `json:"name"`
	NameEn              *string  `json:"name_en"`
	Kind                *string  `json:"kind"`
	Status              *string  `json:"status"`
	Covered             bool     `json:"covered"`
	DistanceM           *float64 `json:"distance_m"`
	NearestCorridor     *string  `json:"nearest_corridor"`
	NearestCorridorName *string  `json:"nearest_corridor_name"`
	CoveredShare        *float64 `json:"covered_share"`
}

type coverageCount struct {
	Targets int     `json:"targets"`
	Covered int     `json:"covered"`
	Share   float64 `json:"share"`
}

func getCoverage(t *testing.T, srv *Server, query string) coverageBody {
	t.Helper()
	r := get(t, srv, "/analysis/coverage?"+query)
	if r.status != 200 {
		t.Fatalf("coverage?%s: status %d: %s", query, r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, mediaGeoJSON) {
		t.Fatalf("Content-Type = %q, want %s", ct, mediaGeoJSON)
	}
	var body coverageBody
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("coverage?%s: %v", query, err)
	}
	return body
}

// TestAnalysisBadInput sends every kind of bad input and expects a 400 with
// an OGC exception body that says what is wrong.
func TestAnalysisBadInput(t *testing.T) {
	srv := defaultServer(t)
	tests := []struct {
		name, target, mention string
	}{
		{"unknown corridor id", "/analysis/coverage?corridors=no-such-line&distance=5000", "no-such-line"},
		{"one good one unknown id", "/analysis/coverage?corridors=yongtaiwen-hsr,nope&distance=5000", "nope"},
		{"empty corridors", "/analysis/coverage?corridors=&distance=5000", "corridors"},
		{"negative distance", "/analysis/coverage?corridors=yongtaiwen-hsr&distance=-1", "negative"},
		{"non-numeric distance", "/analysis/coverage?corridors=yongtaiwen-hsr&distance=five", "not a number"},
		{"NaN distance", "/analysis/coverage?corridors=yongtaiwen-hsr&distance=NaN", "not a number"},
		{"infinite distance", "/analysis/coverage?corridors=yongtaiwen-hsr&distance=Inf", "not a number"},
		{"overflowing distance", "/analysis/coverage?corridors=yongtaiwen-hsr&distance=1e999", "not a number"},
		{"distance over 500 km", "/analysis/coverage?corridors=yongtaiwen-hsr&distance=500001", "500"},
		{"missing distance", "/analysis/coverage?corridors=yongtaiwen-hsr", "distance"},
		{"repeated distance", "/analysis/coverage?corridors=yongtaiwen-hsr&distance=1&distance=2", "more than once"},
		{"unknown target layer", "/analysis/coverage?corridors=yongtaiwen-hsr&distance=5000&targets=ports,schools", "schools"},
		{"corridors as targets", "/analysis/coverage?corridors=yongtaiwen-hsr&distance=5000&targets=corridors", "corridors"},
		{"empty targets", "/analysis/coverage?corridors=yongtaiwen-hsr&distance=5000&targets=", "targets"},
		{"filter selects nothing", "/analysis/coverage?corridor_mode=water&corridor_kind=expressway&distance=5000", "no corridor matches"},
		{"filter value nobody has", "/analysis/coverage?corridor_mode=plane&distance=5000", "plane"},
		{"empty filter", "/analysis/coverage?corridor_status=&distance=5000", "empty"},
		{"ids and filter together", "/analysis/coverage?corridors=yongtaiwen-hsr&corridor_mode=rail&distance=5000", "not both"},
		{"unknown parameter", "/analysis/coverage?corridors=yongtaiwen-hsr&distance=5000&radius=3", "radius"},
		{"unknown format", "/analysis/coverage?corridors=yongtaiwen-hsr&distance=5000&f=xlsx", "xlsx"},
		{"buffer unknown corridor", "/analysis/buffer?corridors=no-such-line&distance=5000", "no-such-line"},
		{"buffer zero distance", "/analysis/buffer?corridors=yongtaiwen-hsr&distance=0", "more than 0"},
		{"buffer negative distance", "/analysis/buffer?corridors=yongtaiwen-hsr&distance=-10", "negative"},
		{"buffer distance over 500 km", "/analysis/buffer?corridors=yongtaiwen-hsr&distance=600000", "500"},
		{"buffer non-numeric distance", "/analysis/buffer?corridors=yongtaiwen-hsr&distance=10km", "not a number"},
		{"buffer filter selects nothing", "/analysis/buffer?corridor_kind=metro&corridor_status=proposed&distance=5000", "no corridor matches"},
		{"buffer takes no targets", "/analysis/buffer?corridors=yongtaiwen-hsr&distance=5000&targets=ports", "targets"},
		{"buffer csv", "/analysis/buffer?corridors=yongtaiwen-hsr&distance=5000&f=csv", "csv"},
		{"corridor list csv", "/analysis/corridors?f=csv", "csv"},
		{"corridor list unknown parameter", "/analysis/corridors?mode=rail", "mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, srv, tt.target)
			if r.status != 400 {
				t.Fatalf("status %d, want 400: %s", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			body := r.json(t)
			desc, _ := body["description"].(string)
			if body["code"] != "InvalidParameterValue" || desc == "" {
				t.Fatalf("body = %s, want an OGC exception", r.body)
			}
			if !strings.Contains(strings.ToLower(desc), strings.ToLower(tt.mention)) {
				t.Errorf("description %q does not mention %q", desc, tt.mention)
			}
		})
	}
}

// TestAnalysisWithoutCorridorsLayer: a dataset with no corridors layer has
// nothing to analyse (404), and an empty corridor list.
func TestAnalysisWithoutCorridorsLayer(t *testing.T) {
	srv := newTestServer(t, syntheticDataset(t, 20, 1))
	for _, target := range []string{"/analysis/coverage?distance=100", "/analysis/buffer?distance=100"} {
		if r := get(t, srv, target); r.status != 404 || r.json(t)["code"] != "NotFound" {
			t.Errorf("%s: status %d body %s, want 404 NotFound", target, r.status, r.body)
		}
	}
	if r := get(t, srv, "/analysis/corridors"); r.status != 200 || string(r.body) != "[]" {
		t.Errorf("/analysis/corridors: %d %s, want 200 []", r.status, r.body)
	}
}

func TestAnalysisCorridorList(t *testing.T) {
	srv := defaultServer(t)
	r := get(t, srv, "/analysis/corridors")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var list []map[string]any
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatal(err)
	}
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	layer := ds.Layer(data.Corridors)
	if len(list) != len(layer.Features.Features) {
		t.Fatalf("%d corridors listed, the layer has %d", len(list), len(layer.Features.Features))
	}
	for i, f := range layer.Features.Features {
		for _, k := range []string{"id", "name", "name_en", "kind", "mode", "status"} {
			if list[i][k] != f.Properties[k] {
				t.Errorf("corridor %d %s = %v, want %v", i, k, list[i][k], f.Properties[k])
			}
		}
	}
}

// TestCoverageSummaryConsistent checks the JSON answer against itself: one
// feature per target, with the summary, the groups and the uncovered list
// adding up to what the features say.
func TestCoverageSummaryConsistent(t *testing.T) {
	srv := defaultServer(t)
	body := getCoverage(t, srv, "corridor_kind=high_speed_rail,expressway&targets=industrial-parks,ports,enclaves&distance=10000")
	ds, _ := data.Default()
	want := len(ds.Layer(data.IndustrialParks).Features.Features) + len(ds.Layer(data.Ports).Features.Features) + len(ds.Layer(data.Enclaves).Features.Features)
	if len(body.Features) != want || body.Summary.Targets != want {
		t.Fatalf("%d features, summary targets %d; want %d", len(body.Features), body.Summary.Targets, want)
	}
	covered := 0
	byLayer := map[string]coverageCount{}
	var uncovered []string
	for _, f := range body.Features {
		p := f.Properties
		if p.ID != f.ID || p.DistanceM == nil || p.NearestCorridor == nil || p.NearestCorridorName == nil {
			t.Fatalf("feature %s: incomplete properties %+v", f.ID, p)
		}
		if p.Covered != (*p.DistanceM <= 10000) {
			t.Errorf("%s: covered %v at %.1f m", p.ID, p.Covered, *p.DistanceM)
		}
		isPoint := strings.Contains(string(f.Geometry), `"Point"`)
		if isPoint != (p.CoveredShare == nil) {
			t.Errorf("%s: covered_share %v for geometry %.20s", p.ID, p.CoveredShare, f.Geometry)
		}
		if p.CoveredShare != nil && (*p.CoveredShare < 0 || *p.CoveredShare > 1 || (*p.CoveredShare > 0) != p.Covered) {
			t.Errorf("%s: covered_share %v, covered %v", p.ID, *p.CoveredShare, p.Covered)
		}
		n := byLayer[p.Layer]
		n.Targets++
		if p.Covered {
			covered++
			n.Covered++
		} else {
			uncovered = append(uncovered, p.ID)
		}
		byLayer[p.Layer] = n
	}
	if body.Summary.Covered != covered || !slices.Equal(body.Uncovered, uncovered) {
		t.Errorf("summary covered %d, uncovered %v; the features say %d, %v", body.Summary.Covered, body.Uncovered, covered, uncovered)
	}
	if math.Abs(body.Summary.Share-float64(covered)/float64(want)) > 1e-4 {
		t.Errorf("share %v, want %v", body.Summary.Share, float64(covered)/float64(want))
	}
	for layer, n := range byLayer {
		got := body.Summary.ByLayer[layer]
		if got.Targets != n.Targets || got.Covered != n.Covered {
			t.Errorf("by_layer[%s] = %+v, features say %+v", layer, got, n)
		}
	}
	for name, groups := range map[string]map[string]coverageCount{"by_kind": body.Summary.ByKind, "by_status": body.Summary.ByStatus} {
		total, cov := 0, 0
		for _, n := range groups {
			total, cov = total+n.Targets, cov+n.Covered
		}
		if total != want || cov != covered {
			t.Errorf("%s adds up to %d targets, %d covered; want %d, %d", name, total, cov, want, covered)
		}
	}
	if body.Summary.DistanceM != 10000 || len(body.Summary.Corridors) == 0 {
		t.Errorf("summary distance %v corridors %v", body.Summary.DistanceM, body.Summary.Corridors)
	}
}

// TestCoverageCSV checks the spreadsheet form: text/csv, UTF-8 with a
// byte-order mark, a header row, and the same values as the JSON answer.
func TestCoverageCSV(t *testing.T) {
	srv := defaultServer(t)
	const query = "corridor_mode=rail&targets=ports,industrial-parks&distance=8000"
	r := get(t, srv, "/analysis/coverage?"+query+"&f=csv")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "coverage.csv") {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if !bytes.HasPrefix(r.body, []byte("\xEF\xBB\xBF")) || !utf8.Valid(r.body) {
		t.Fatalf("CSV must be UTF-8 with a byte-order mark: % x", r.body[:8])
	}
	rows, err := csv.NewReader(bytes.NewReader(r.body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], coverageColumns) {
		t.Fatalf("header = %v, want %v", rows[0], coverageColumns)
	}
	body := getCoverage(t, srv, query)
	if len(rows)-1 != len(body.Features) {
		t.Fatalf("%d CSV rows, %d JSON features", len(rows)-1, len(body.Features))
	}
	str := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	num := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
	sawChinese := false
	for i, f := range body.Features {
		p := f.Properties
		want := []string{p.Layer, p.ID, str(p.Name), str(p.NameEn), str(p.Kind), str(p.Status), strconv.FormatBool(p.Covered),
			num(p.DistanceM), str(p.NearestCorridor), str(p.NearestCorridorName), num(p.CoveredShare)}
		if !slices.Equal(rows[i+1], want) {
			t.Errorf("row %d = %q, JSON says %q", i+1, rows[i+1], want)
		}
		sawChinese = sawChinese || strings.ContainsRune(rows[i+1][2], '港')
	}
	if !sawChinese {
		t.Error("no Chinese port name came through the CSV")
	}
}

// TestCoverageETag: the same question asked again is answered 304.
func TestCoverageETag(t *testing.T) {
	srv := defaultServer(t)
	first := get(t, srv, "/analysis/coverage?corridors=wenfu-hsr&distance=2000")
	etag := first.header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if again := get(t, srv, "/analysis/coverage?corridors=wenfu-hsr&distance=2000", "If-None-Match", etag); again.status != 304 {
		t.Errorf("If-None-Match: status %d, want 304", again.status)
	}
	if other := get(t, srv, "/analysis/coverage?corridors=wenfu-hsr&distance=3000"); other.header.Get("ETag") == etag {
		t.Error("another distance has the same ETag")
	}
}

// flatDistance is an independent check on the geodesic code for short
// distances: the target and the corridor in a plane tangent at the
// target's first point (x = N·cos φ₀·Δλ, y = M·Δφ, the ellipsoid's radii at
// φ₀), where a plane polygon–polyline distance is computed the textbook
// way. It is good to about 0.5 % within 30 km.
func flatDistance(target orb.Geometry, corridor orb.Geometry) float64 {
	var origin orb.Point
	switch g := target.(type) {
	case orb.Point:
		origin = g
	case orb.Polygon:
		origin = g[0][0]
	case orb.MultiPolygon:
		origin = g[0][0][0]
	}
	const a, f = 6378137.0, 1 / 298.257223563
	e2 := f * (2 - f)
	phi := origin[1] * math.Pi / 180
	w := math.Sqrt(1 - e2*math.Sin(phi)*math.Sin(phi))
	kx := a / w * math.Cos(phi) * math.Pi / 180
	ky := a * (1 - e2) / (w * w * w) * math.Pi / 180
	plane := func(p orb.Point) orb.Point { return orb.Point{(p[0] - origin[0]) * kx, (p[1] - origin[1]) * ky} }
	var lines [][]orb.Point
	switch g := corridor.(type) {
	case orb.LineString:
		lines = append(lines, g)
	case orb.MultiLineString:
		for _, ls := range g {
			lines = append(lines, ls)
		}
	}
	var rings []orb.Ring
	switch g := target.(type) {
	case orb.Point:
		best := math.Inf(1)
		for _, ls := range lines {
			for i := 0; i+1 < len(ls); i++ {
				best = math.Min(best, planeSegmentDistance(plane(g), plane(ls[i]), plane(ls[i+1])))
			}
		}
		return best
	case orb.Polygon:
		rings = g
	case orb.MultiPolygon:
		for _, p := range g {
			rings = append(rings, p...)
		}
	}
	// Inside (even–odd over every ring) or crossing: 0.
	inside := func(p orb.Point) bool {
		in := false
		for _, r := range rings {
			for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
				if (r[i][1] > p[1]) != (r[j][1] > p[1]) && p[0] < (r[j][0]-r[i][0])*(p[1]-r[i][1])/(r[j][1]-r[i][1])+r[i][0] {
					in = !in
				}
			}
		}
		return in
	}
	best := math.Inf(1)
	for _, ls := range lines {
		for i := 0; i+1 < len(ls); i++ {
			p, q := plane(ls[i]), plane(ls[i+1])
			if inside(ls[i]) {
				return 0
			}
			for _, r := range rings {
				for k := 0; k+1 < len(r); k++ {
					u, v := plane(r[k]), plane(r[k+1])
					if planeSegmentsCross(p, q, u, v) {
						return 0
					}
					best = math.Min(best, planeSegmentDistance(u, p, q))
					best = math.Min(best, planeSegmentDistance(p, u, v))
					best = math.Min(best, planeSegmentDistance(q, u, v))
				}
			}
		}
	}
	return best
}

func planeSegmentDistance(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	}
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}

func planeSegmentsCross(p, q, u, v orb.Point) bool {
	side := func(a, b, c orb.Point) float64 { return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0]) }
	return side(p, q, u)*side(p, q, v) < 0 && side(u, v, p)*side(u, v, q) < 0
}

// TestCoverageSeedPortsNearCoastalExpressway answers a coordinator's
// question on the default dataset — which ports, airports and hubs lie
// within 5 km of the Wenzhou section of the second Yongtaiwen expressway,
// the coastal one — and checks it against the flat-earth computation,
// target by target, and against what a planner sees on the map: the airport
// and the eastern hubs next to the expressway are in, Wenzhou South and
// North stations and the Zhuangyuan'ao port on the islands are out.
func TestCoverageSeedPortsNearCoastalExpressway(t *testing.T) {
	srv := defaultServer(t)
	const corridorID, distance = "yongtaiwen-expwy-2nd-wz", 5000.0
	body := getCoverage(t, srv, "corridors="+corridorID+"&targets=ports&distance=5000")
	ds, _ := data.Default()
	corridor := featureByID(t, ds, data.Corridors, corridorID)
	covered := map[string]bool{}
	for _, f := range body.Features {
		p := f.Properties
		covered[p.ID] = p.Covered
		target := featureByID(t, ds, data.Ports, p.ID)
		want := flatDistance(target.Geometry, corridor.Geometry)
		if want > 30_000 {
			continue // beyond the flat earth's reach; only far
		}
		got := *p.DistanceM
		if math.Abs(got-want) > 0.005*want+1 {
			t.Errorf("%s (%s): distance %.1f m, flat-earth %.1f m", p.ID, *p.Name, got, want)
		}
		if math.Abs(want-distance) > 0.01*distance && p.Covered != (want <= distance) {
			t.Errorf("%s: covered %v, flat-earth distance %.1f m", p.ID, p.Covered, want)
		}
	}
	for _, id := range []string{"wenzhou-airport", "wenzhou-airport-t3", "wenzhou-east-station", "wenzhou-east-transport-hub", "yueqingwan-port-area"} {
		if !covered[id] {
			t.Errorf("%s, beside the coastal expressway on the map, is not covered", id)
		}
	}
	for _, id := range []string{"wenzhou-south-station", "wenzhou-north-station", "zhuangyuanao-port-area", "shanghai-port", "qz-houzhu-bridge-east-interchange"} {
		if covered[id] {
			t.Errorf("%s, far from the coastal expressway on the map, is covered", id)
		}
	}
}

// TestCoverageSeedStationOnRailway: Wenzhou South station is where the
// Wenzhou–Fuzhou railway starts, so it is at distance 0 from it.
func TestCoverageSeedStationOnRailway(t *testing.T) {
	srv := defaultServer(t)
	body := getCoverage(t, srv, "corridors=wenfu-railway&targets=ports&distance=0")
	for _, f := range body.Features {
		p := f.Properties
		if p.ID == "wenzhou-south-station" {
			if !p.Covered || *p.DistanceM != 0 || *p.NearestCorridor != "wenfu-railway" {
				t.Errorf("Wenzhou South station: covered %v at %v m from %v; want covered at 0 m", p.Covered, *p.DistanceM, *p.NearestCorridor)
			}
			return
		}
	}
	t.Fatal("wenzhou-south-station not among the targets")
}

// TestCoverageSeedQuanzhouGrid: within 3 km of the Quanzhou Taiwanese
// Investment Zone's bridge and tunnel (金屿大桥, 百崎通道), the zone's parks
// are covered; the Wenzhou and Shanghai features, hundreds of kilometres
// away, are not, and every distance agrees with the flat earth where it
// applies.
func TestCoverageSeedQuanzhouGrid(t *testing.T) {
	srv := defaultServer(t)
	body := getCoverage(t, srv, "corridors=qz-jinyu-bridge,qz-baiqi-channel&distance=3000")
	ds, _ := data.Default()
	corridors := []*geojson.Feature{featureByID(t, ds, data.Corridors, "qz-jinyu-bridge"), featureByID(t, ds, data.Corridors, "qz-baiqi-channel")}
	for _, f := range body.Features {
		p := f.Properties
		quanzhou := strings.HasPrefix(p.ID, "qz-")
		if !quanzhou {
			if p.Covered || *p.DistanceM < 250_000 {
				t.Errorf("%s is %.0f m from Quanzhou's bridge (covered %v)", p.ID, *p.DistanceM, p.Covered)
			}
			continue
		}
		target := featureByID(t, ds, p.Layer, p.ID)
		want := math.Min(flatDistance(target.Geometry, corridors[0].Geometry), flatDistance(target.Geometry, corridors[1].Geometry))
		if math.Abs(*p.DistanceM-want) > 0.005*want+1 {
			t.Errorf("%s: distance %.1f m, flat-earth %.1f m", p.ID, *p.DistanceM, want)
		}
	}
	if n := body.Summary.ByLayer[data.IndustrialParks]; n.Covered == 0 {
		t.Error("no park of the Quanzhou zone is within 3 km of its bridge and tunnel")
	}
}

func featureByID(t *testing.T, ds *data.Dataset, layer, id string) *geojson.Feature {
	t.Helper()
	for _, f := range ds.Layer(layer).Features.Features {
		if data.FeatureID(f) == id {
			return f
		}
	}
	t.Fatalf("no feature %s in %s", id, layer)
	return nil
}

// TestBufferEndpoint checks the buffer's form (one feature, a WGS84
// polygon, the properties) and that it holds the corridor and reaches as
// far as the distance: its outline's extreme latitude lies the distance
// beyond the corridor's.
func TestBufferEndpoint(t *testing.T) {
	srv := defaultServer(t)
	r := get(t, srv, "/analysis/buffer?corridors=wenfu-hsr&distance=10000")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), mediaGeoJSON) {
		t.Fatalf("status %d %s: %.200s", r.status, r.header.Get("Content-Type"), r.body)
	}
	fc, err := geojson.UnmarshalFeatureCollection(r.body)
	if err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 1 {
		t.Fatalf("%d features, want 1", len(fc.Features))
	}
	f := fc.Features[0]
	if f.Properties["distance_m"] != 10000.0 || !slices.Equal(toStrings(f.Properties["corridors"]), []string{"wenfu-hsr"}) {
		t.Errorf("properties = %v", f.Properties)
	}
	poly, ok := f.Geometry.(orb.Polygon)
	if !ok {
		t.Fatalf("geometry %T, want a Polygon", f.Geometry)
	}
	ds, _ := data.Default()
	line := featureByID(t, ds, data.Corridors, "wenfu-hsr").Geometry.(orb.LineString)
	for _, p := range line {
		if !planarContains(poly, p) {
			t.Fatalf("corridor vertex %v outside its buffer", p)
		}
	}
	// The southernmost outline point is 10 km south of the southernmost
	// vertex (a meridian degree is about 110.8 km here).
	south := line.Bound().Min[1] - poly.Bound().Min[1]
	if km := south * 110.8; math.Abs(km-10) > 0.15 {
		t.Errorf("buffer reaches %.2f km south of the corridor, want 10", km)
	}
	// A second request is served from the cache, identically.
	if again := get(t, srv, "/analysis/buffer?corridors=wenfu-hsr&distance=10000"); !bytes.Equal(again.body, r.body) {
		t.Error("second answer differs")
	}
	// Filters work too.
	if r := get(t, srv, "/analysis/buffer?corridor_mode=metro&distance=2000"); r.status != 200 {
		t.Errorf("buffer by filter: %d %s", r.status, r.body)
	}
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

func planarContains(p orb.Polygon, pt orb.Point) bool {
	in := false
	for _, r := range p {
		for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
			if (r[i][1] > pt[1]) != (r[j][1] > pt[1]) && pt[0] < (r[j][0]-r[i][0])*(pt[1]-r[i][1])/(r[j][1]-r[i][1])+r[i][0] {
				in = !in
			}
		}
	}
	return in
}

// TestCoverageFiltersSelectTheRightCorridors: the summary lists exactly
// the corridors the filter describes.
func TestCoverageFiltersSelectTheRightCorridors(t *testing.T) {
	srv := defaultServer(t)
	ds, _ := data.Default()
	q := url.Values{"corridor_mode": {"rail"}, "corridor_status": {"operational,under_construction"}, "distance": {"1000"}, "targets": {"ports"}}
	body := getCoverage(t, srv, q.Encode())
	var want []string
	for _, f := range ds.Layer(data.Corridors).Features.Features {
		if f.Properties["mode"] == "rail" && (f.Properties["status"] == "operational" || f.Properties["status"] == "under_construction") {
			want = append(want, data.FeatureID(f))
		}
	}
	if !slices.Equal(body.Summary.Corridors, want) {
		t.Errorf("corridors = %v, want %v", body.Summary.Corridors, want)
	}
	for _, f := range body.Features {
		if nc := f.Properties.NearestCorridor; nc != nil && !slices.Contains(want, *nc) {
			t.Errorf("%s: nearest corridor %s is not among the chosen", f.ID, *nc)
		}
	}
}
