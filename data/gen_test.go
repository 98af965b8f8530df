package data

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/geo"
)

// TestGenerateWriteLoad writes 10,000 generated features and loads them
// back through the validator: every feature must pass and read back equal
// to what Generate made.
func TestGenerateWriteLoad(t *testing.T) {
	gen := Generate(GenOptions{Features: 10000, Seed: 42})
	dir := t.TempDir()
	if err := WriteDir(gen, dir); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadDir(dir)
	if err != nil {
		t.Fatalf("generated data does not validate: %v", err)
	}
	wantCounts := map[string]int{IndustrialParks: 3500, Corridors: 1500, Ports: 3500, Enclaves: 1000, EcologicalSpaces: 500}
	if len(loaded.Layers) != len(StandardLayers) {
		t.Fatalf("loaded %d layers, want %d", len(loaded.Layers), len(StandardLayers))
	}
	for i, l := range loaded.Layers {
		g := gen.Layers[i]
		if l.ID != StandardLayers[i] || g.ID != l.ID {
			t.Fatalf("layer %d is %s (generated %s), want %s", i, l.ID, g.ID, StandardLayers[i])
		}
		if n := len(l.Features.Features); n != wantCounts[l.ID] || len(g.Features.Features) != n {
			t.Errorf("%s: %d features loaded, %d generated, want %d", l.ID, n, len(g.Features.Features), wantCounts[l.ID])
		}
		if l.Title != g.Title || l.Description != g.Description || l.License != g.License || l.Attribution != g.Attribution {
			t.Errorf("%s: sidecar read back as %+v, want %+v", l.ID, *l, *g)
		}
		for j, f := range l.Features.Features {
			if !reflect.DeepEqual(f, g.Features.Features[j]) {
				t.Fatalf("%s feature %d reads back as\n%#v\nwant\n%#v", l.ID, j, f, g.Features.Features[j])
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// TestGenerateDeterministic checks that a seed fixes the bytes written,
// whatever the number of processors, that another seed changes them, and
// that a bigger dataset of the same seed starts with the same features.
func TestGenerateDeterministic(t *testing.T) {
	write := func(opts GenOptions) map[string][]byte {
		dir := t.TempDir()
		if err := WriteDir(Generate(opts), dir); err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			files[e.Name()] = raw
		}
		return files
	}
	a := write(GenOptions{Features: 5000, Seed: 7})
	procs := runtime.GOMAXPROCS(1)
	b := write(GenOptions{Features: 5000, Seed: 7})
	runtime.GOMAXPROCS(procs)
	if len(a) != 2*len(StandardLayers) {
		t.Fatalf("wrote %d files, want %d layers and their sidecars", len(a), len(StandardLayers))
	}
	for name, raw := range a {
		if !bytes.Equal(raw, b[name]) {
			t.Errorf("%s differs between two runs of seed 7 (GOMAXPROCS %d and 1)", name, procs)
		}
	}
	c := write(GenOptions{Features: 5000, Seed: 8})
	for _, id := range StandardLayers {
		if bytes.Equal(a[id+".geojson"], c[id+".geojson"]) {
			t.Errorf("%s is the same for seeds 7 and 8", id)
		}
	}
	small := Generate(GenOptions{Features: 3000, Seed: 7}).Layer(IndustrialParks).Features.Features
	large := Generate(GenOptions{Features: 9000, Seed: 7}).Layer(IndustrialParks).Features.Features
	for i := range small {
		if !reflect.DeepEqual(small[i], large[i]) {
			t.Fatalf("park %d differs between 3,000 and 9,000 features of one seed", i)
		}
	}
}

func TestGenLayerCounts(t *testing.T) {
	tests := []struct {
		n    int
		want []int // parks, corridors, ports, enclaves, ecological spaces
	}{
		{0, []int{0, 0, 0, 0, 0}},
		{-5, []int{0, 0, 0, 0, 0}},
		{1, []int{1, 0, 0, 0, 0}},             // 0.35, 0.15, 0.35, 0.1, 0.05: parks is the first of the largest fractions
		{3, []int{1, 1, 1, 0, 0}},             // 1.05, 0.45, 1.05, 0.3, 0.15: the one left over goes to corridors (0.45)
		{7, []int{3, 1, 2, 1, 0}},             // 2.45, 1.05, 2.45, 0.7, 0.35: enclaves (0.7), then parks (first 0.45)
		{20, []int{7, 3, 7, 2, 1}},            // exact
		{1001, []int{351, 150, 350, 100, 50}}, // 350.35, 150.15, 350.35, 100.1, 50.05
		{1000000, []int{350000, 150000, 350000, 100000, 50000}},
	}
	for _, tt := range tests {
		got := genLayerCounts(tt.n)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("genLayerCounts(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
}

// TestGenerateShape checks sizes, the region, the vocabularies and the
// clustering of 20,000 generated features.
func TestGenerateShape(t *testing.T) {
	ds := Generate(GenOptions{Features: 20000, Seed: 3})
	var (
		lineVertices, lines, longLines, maxLine int
		polygons, holes, multi, maxRing         int
		points, near, total                     int
		nearBigCity                             int
	)
	for _, l := range ds.Layers {
		for _, f := range l.Features.Features {
			total++
			for _, p := range geo.Vertices(f.Geometry) {
				if !GenBound.Contains(p) {
					t.Fatalf("%s %s: position %v outside GenBound", l.ID, FeatureID(f), p)
				}
			}
			switch g := f.Geometry.(type) {
			case orb.LineString:
				lines++
				lineVertices += len(g)
				maxLine = max(maxLine, len(g))
				if len(g) >= 1000 {
					longLines++
				}
				if len(g) < 2 || len(g) > GenMaxLineVertices {
					t.Errorf("line of %d vertices", len(g))
				}
			case orb.MultiLineString:
				multi++
			case orb.Polygon:
				polygons++
				holes += len(g) - 1
				for _, r := range g {
					maxRing = max(maxRing, len(r)-1)
					if len(r)-1 < GenMinPolygonVertices || len(r)-1 > GenMaxPolygonVertices {
						t.Errorf("ring of %d vertices", len(r)-1)
					}
				}
			case orb.MultiPolygon:
				multi++
			case orb.Point:
				points++
			}
			// Clustering: where is the feature's first position?
			p := geo.Vertices(f.Geometry)[0]
			best, bestSite := math.Inf(1), -1
			for i, s := range genSites {
				d := math.Hypot((s.lon-p[0])*metresPerDegLon(p[1]), (s.lat-p[1])*genMetresPerDegLat)
				if d < best {
					best, bestSite = d, i
				}
			}
			if best < 30000 {
				near++
			}
			if best < 15000 && genSites[bestSite].weight >= 4 {
				nearBigCity++
			}
		}
	}
	meanLine := float64(lineVertices) / float64(lines)
	t.Logf("%d lines (mean %.0f vertices, longest %d, %d of 1000+), %d polygons (%d holes, largest ring %d), %d multi, %d points",
		lines, meanLine, maxLine, longLines, polygons, holes, maxRing, multi, points)
	if meanLine < 100 || meanLine > 400 {
		t.Errorf("mean line length %.0f vertices, want a few hundred", meanLine)
	}
	if longLines == 0 || maxLine < 3000 {
		t.Errorf("no heavy tail: longest line %d vertices, %d over 1000", maxLine, longLines)
	}
	if holes == 0 || multi == 0 || maxRing < 150 {
		t.Errorf("want some holes (%d), multi-part geometries (%d) and detailed rings (largest %d)", holes, multi, maxRing)
	}
	// Clustered: almost everything within 30 km of a town, and the big
	// cities hold many times the share of features that their share of
	// the region's area would give (measured with uniform points).
	if share := float64(near) / float64(total); share < 0.9 {
		t.Errorf("only %.0f%% of features within 30 km of a town", 100*share)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	uniformNear := 0
	const samples = 20000
	for i := 0; i < samples; i++ {
		p := orb.Point{GenBound.Min[0] + rng.Float64()*(GenBound.Max[0]-GenBound.Min[0]), GenBound.Min[1] + rng.Float64()*(GenBound.Max[1]-GenBound.Min[1])}
		for _, s := range genSites {
			if s.weight >= 4 && math.Hypot((s.lon-p[0])*metresPerDegLon(p[1]), (s.lat-p[1])*genMetresPerDegLat) < 15000 {
				uniformNear++
				break
			}
		}
	}
	featureShare, areaShare := float64(nearBigCity)/float64(total), float64(uniformNear)/samples
	t.Logf("big cities: %.1f%% of features, %.1f%% of the area", 100*featureShare, 100*areaShare)
	if featureShare < 5*areaShare {
		t.Errorf("big cities hold %.1f%% of features on %.1f%% of the area: not clustered", 100*featureShare, 100*areaShare)
	}
}

// TestGeneratedProperties checks the schema of generated features against
// the vocabularies, and that enclaves link to another town.
// corridorModes is each corridor kind's mode, written out here rather than
// read from the vocabulary table so the test checks the table too.
var corridorModes = map[string]string{
	"highway": "road", "expressway": "road", "urban_expressway": "road", "bridge": "road", "tunnel": "road",
	"railway": "rail", "high_speed_rail": "rail", "suburban_rail": "rail",
	"metro":            "metro",
	"shipping_channel": "water",
	"concept_corridor": "concept",
}

// TestGenKindsCoverVocabulary checks that the generator draws exactly the
// vocabulary table's kinds of every planning layer.
func TestGenKindsCoverVocabulary(t *testing.T) {
	if len(genKinds) != len(Vocabulary().Layers) {
		t.Errorf("genKinds has %d layers, the vocabulary %d", len(genKinds), len(Vocabulary().Layers))
	}
	for _, l := range Vocabulary().Layers {
		var got []string
		for _, k := range genKinds[l.ID] {
			got = append(got, k.kind)
		}
		slices.Sort(got)
		if want := slices.Sorted(slices.Values(Kinds[l.ID])); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: generator kinds %v, vocabulary %v", l.ID, got, want)
		}
		if genShares[l.ID] <= 0 || genIDPrefixes[l.ID] == "" {
			t.Errorf("%s: no generator share or id prefix", l.ID)
		}
	}
}

func TestGeneratedProperties(t *testing.T) {
	ds := Generate(GenOptions{Features: 2000, Seed: 5})
	for _, l := range ds.Layers {
		for _, f := range l.Features.Features {
			p := f.Properties
			for _, key := range append(append([]string{"placement_note"}, CommonProperties...), LayerProperties[l.ID]...) {
				if _, ok := p[key]; !ok {
					t.Fatalf("%s %s lacks %q", l.ID, FeatureID(f), key)
				}
			}
			if !contains(Kinds[l.ID], p["kind"].(string)) {
				t.Errorf("%s kind %v", l.ID, p["kind"])
			}
			if l.ID == Corridors && p["mode"] != corridorModes[p["kind"].(string)] {
				t.Errorf("corridor kind %v has mode %v", p["kind"], p["mode"])
			}
			if y, ok := p["target_year"].(float64); ok && (y < 2010 || y > 2035 || y != math.Trunc(y)) {
				t.Errorf("target_year %v", y)
			}
			if utf8.RuneCountInString(p["source_excerpt"].(string)) > MaxExcerptRunes {
				t.Errorf("excerpt %q too long", p["source_excerpt"])
			}
			if l.ID == Enclaves {
				home, ok := HomePoint(p)
				if !ok || p["home"] == "" || !strings.HasSuffix(p["host"].(string), p["county"].(string)) {
					t.Fatalf("enclave %s: home %v, host %v, home_point %v", FeatureID(f), p["home"], p["host"], p["home_point"])
				}
				if f.Geometry.Bound().Pad(0.001).Contains(home) {
					t.Errorf("enclave %s lies at its own home", FeatureID(f))
				}
			}
		}
	}
}

func TestWriteDirErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteDir(Generate(GenOptions{Features: 10}), file); err == nil {
		t.Error("WriteDir into a file succeeded")
	}
	ds := &Dataset{Layers: []*Layer{{ID: "Bad Name", Features: geojson.NewFeatureCollection()}}}
	if err := WriteDir(ds, t.TempDir()); err == nil || !strings.Contains(err.Error(), "slug") {
		t.Errorf("WriteDir of a layer named %q: %v", "Bad Name", err)
	}
	nan := geojson.NewFeatureCollection().Append(geojson.NewFeature(orb.Point{math.NaN(), 1}))
	dir := t.TempDir()
	err := WriteDir(&Dataset{Layers: []*Layer{{ID: "x", Features: nan}}}, dir)
	if err == nil || !strings.Contains(err.Error(), "not finite") {
		t.Errorf("WriteDir of a NaN position: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a failed write left %d files behind", len(entries))
	}
}

// TestWriteDirMatchesEncodingJSON checks the hand-written encoder against
// encoding/json: any feature it writes reads back (with encoding/json)
// to what orb's own marshalling reads back to.
func TestWriteDirMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	randomString := func() string {
		alphabet := []rune{'a', 'Z', '"', '\\', '/', '\n', '\r', '\t', 0, 0x1f, 0x7f, 'é', '温', '\u2028', '\u2029', '😀', '<', '&'}
		var b strings.Builder
		for i := rng.IntN(12); i > 0; i-- {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		if rng.IntN(5) == 0 {
			b.WriteString("\xff") // invalid UTF-8: both write U+FFFD
		}
		return b.String()
	}
	for i := 0; i < 2000; i++ {
		coords := orb.LineString{}
		for j := 0; j < 3; j++ {
			v := (rng.Float64() - 0.5) * 360
			switch rng.IntN(3) {
			case 0:
				v = round6(v)
			case 1:
				v = math.Round(v)
			}
			coords = append(coords, orb.Point{v, v / 2})
		}
		f := geojson.NewFeature(coords)
		f.ID = randomString()
		f.Properties = geojson.Properties{
			randomString(): randomString(),
			"n":            []float64{0, 1e-7, 1e21, 123.456, -2.5e-300, 1e300, 2025, math.MaxFloat64}[rng.IntN(8)],
			"b":            rng.IntN(2) == 0,
			"list":         []any{1.5, nil, "x", map[string]any{"k": randomString()}},
			"i":            rng.IntN(1000),
		}
		ours, err := appendFeature(nil, f)
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		if err := json.Unmarshal(ours, &a); err != nil {
			t.Fatalf("our output is not JSON: %v\n%s", err, ours)
		}
		if err := json.Unmarshal(theirs, &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("ours %s\ntheirs %s", ours, theirs)
		}
		back, err := geojson.UnmarshalFeature(ours)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back.Geometry, f.Geometry) {
			t.Fatalf("coordinates %v read back as %v from %s", f.Geometry, back.Geometry, ours)
		}
	}
}

// TestAppendCoordinate checks the six-decimal fast path against
// strconv's shortest formatting, byte for byte, and against
// encoding/json's reading, over random values: on the six-decimal grid
// (every planning-layer coordinate), with fewer decimals, whole, tiny,
// near the fast path's 1e9 limit, off the grid, and random bit patterns.
func TestAppendCoordinate(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for i := 0; i < 400000; i++ {
		var v float64
		switch i % 8 {
		case 0:
			v = round6((rng.Float64() - 0.5) * 360)
		case 1:
			v = (rng.Float64() - 0.5) * 360
		case 2:
			v = float64(rng.IntN(100)) / 1e6
		case 3: // fewer decimals
			v = float64(rng.IntN(2000000)-1000000) / math.Pow10(rng.IntN(6))
		case 4: // near the limit of the fast path
			v = round6((rng.Float64()*2 - 1) * 1.2e9)
		case 5:
			v = math.Float64frombits(rng.Uint64())
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
		case 6: // tiny, and just off the grid
			v = round6(rng.Float64()) + float64(rng.IntN(3)-1)*1e-12
		case 7:
			v = float64(rng.Int64N(2e9) - 1e9)
		}
		text := string(appendCoordinate(nil, v))
		if want := strconv.FormatFloat(v, 'f', -1, 64); text != want {
			t.Fatalf("%v written as %q, strconv writes %q", v, text, want)
		}
		var back float64
		if err := json.Unmarshal([]byte(text), &back); err != nil || math.Float64bits(back) != math.Float64bits(v) {
			t.Fatalf("%v written as %q reads back as %v (%v)", v, text, back, err)
		}
	}
}
