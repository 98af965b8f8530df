package data

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

func TestSimplified(t *testing.T) {
	// Pairs from any simplified/traditional character chart (independent of
	// the OpenCC table the code embeds).
	tests := []struct{ in, want string }{
		{"溫州港", "温州港"},
		{"臺灣", "台湾"},
		{"兩岸合作先行區", "两岸合作先行区"},
		{"發展", "发展"},
		{"為", "为"}, // Taiwan variant form
		{"後渚港", "后渚港"},
		{"鐵路樞紐", "铁路枢纽"},
		{"温州港", "温州港"}, // already simplified
		{"Wenzhou 123", "Wenzhou 123"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Simplified(tt.in); got != tt.want {
			t.Errorf("Simplified(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestT2STableIsWellFormed(t *testing.T) {
	table := t2sTable()
	if len(table) < 2500 {
		t.Fatalf("table has %d characters; OpenCC's TSCharacters has about 4,000", len(table))
	}
	for from, to := range table {
		if from == to {
			t.Errorf("%q maps to itself", from)
		}
		if !unicode.Is(unicode.Han, from) && !unicode.Is(unicode.Han, to) {
			t.Errorf("%q → %q: neither is a Chinese character", from, to)
		}
	}
}

// searchFixture is a small dataset whose answers can be worked out by hand.
func searchFixture(t testing.TB) *Dataset {
	t.Helper()
	feature := func(id, name, nameEn string, g orb.Geometry) *geojson.Feature {
		f := geojson.NewFeature(g)
		f.Properties = geojson.Properties{"id": id, "name": name, "name_en": nameEn}
		return f
	}
	square := orb.Polygon{{{120, 28}, {120.1, 28}, {120.1, 28.1}, {120, 28.1}, {120, 28}}}
	layer := func(id string, features ...*geojson.Feature) *Layer {
		fc := geojson.NewFeatureCollection()
		fc.Features = features
		return &Layer{ID: id, Title: id, Features: fc}
	}
	return &Dataset{Layers: []*Layer{
		layer(IndustrialParks,
			feature("yueqing-edz", "乐清经济开发区", "Yueqing Economic Development Zone", square),
			feature("oujiangkou", "瓯江口新区", "Oujiangkou New Area", square),
			feature("port-logistics-park", "温州港物流园", "Wenzhou Port Logistics Park", square)),
		layer(Corridors,
			feature("qz-grid-1", "“五纵五横”路网·纵一", "Five-Vertical-Five-Horizontal grid – line 1", orb.LineString{{118.7, 24.9}, {118.7, 25}})),
		layer(Ports,
			feature("wz-port-yueqing-bay", "温州港乐清湾港区", "Wenzhou Port Yueqing Bay Port Area", orb.Point{121.07, 28.14}),
			feature("wz-port", "温州港", "Port of Wenzhou", orb.Point{120.9, 27.95})),
	}}
}

func hitIDs(hits []SearchHit) []string {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = FeatureID(h.Layer.Features.Features[h.Index])
	}
	return ids
}

func TestNameIndexSearch(t *testing.T) {
	ix := NewNameIndex(searchFixture(t))
	tests := []struct {
		name   string
		query  string
		opts   SearchOptions
		want   []string // the hits, in order
		field  SearchField
		absent bool
	}{
		{name: "simplified exact name first", query: "温州港", want: []string{"wz-port", "port-logistics-park", "wz-port-yueqing-bay"}, field: FieldName},
		{name: "traditional", query: "溫州港", want: []string{"wz-port", "port-logistics-park", "wz-port-yueqing-bay"}, field: FieldName},
		{name: "traditional with punctuation dropped", query: "五縱五橫路網", want: []string{"qz-grid-1"}, field: FieldName},
		{name: "full pinyin", query: "wenzhougang", want: []string{"wz-port", "port-logistics-park", "wz-port-yueqing-bay"}, field: FieldPinyin},
		{name: "pinyin with spaces and capitals", query: "Wen Zhou Gang", want: []string{"wz-port", "port-logistics-park", "wz-port-yueqing-bay"}, field: FieldPinyin},
		{name: "pinyin with tone marks", query: "wēnzhōugǎng", want: []string{"wz-port", "port-logistics-park", "wz-port-yueqing-bay"}, field: FieldPinyin},
		{name: "heteronym reading (乐清 is yueqing)", query: "yueqingjingji", want: []string{"yueqing-edz"}, field: FieldPinyin},
		{name: "initials", query: "ojk", want: []string{"oujiangkou"}, field: FieldInitials},
		{name: "english phrase", query: "port of wenzhou", want: []string{"wz-port"}, field: FieldNameEn},
		{name: "english words in any order making up the whole name rank first", query: "Wenzhou Port", want: []string{"wz-port", "port-logistics-park", "wz-port-yueqing-bay"}, field: FieldNameEn},
		{name: "english words in any order, word starts only", query: "bay yueq", want: []string{"wz-port-yueqing-bay"}, field: FieldNameEn},
		{name: "english words must all be there", query: "wenzhou harbour", absent: true},
		{name: "english words must start words", query: "enzhou port", want: []string{"port-logistics-park", "wz-port-yueqing-bay"}},
		{name: "english: whole-name prefix, then word starts by name length", query: "port", want: []string{"wz-port", "port-logistics-park", "wz-port-yueqing-bay"}},
		{name: "full-width latin", query: "ｏｕｊｉａｎｇｋｏｕ", want: []string{"oujiangkou"}},
		{name: "id", query: "qz-grid-1", want: []string{"qz-grid-1"}},
		{name: "limit", query: "温州港", opts: SearchOptions{Limit: 1}, want: []string{"wz-port"}},
		{name: "layers", query: "温州港", opts: SearchOptions{Layers: []string{IndustrialParks}}, want: []string{"port-logistics-park"}},
		{name: "nothing matches", query: "上海", absent: true},
		{name: "punctuation only", query: "“”·", absent: true},
		{name: "NUL cannot join two names", query: "区\x00瓯", absent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := ix.Search(tt.query, tt.opts)
			if tt.absent {
				if len(hits) > 0 {
					t.Fatalf("Search(%q) = %v, want nothing", tt.query, hitIDs(hits))
				}
				return
			}
			got := hitIDs(hits)
			// The ones with equal scores may come in either order only when
			// names are equally long; the fixture avoids that.
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("Search(%q) = %v, want %v", tt.query, got, tt.want)
			}
			if tt.field != "" && hits[0].Field != tt.field {
				t.Errorf("first hit matched on %s, want %s", hits[0].Field, tt.field)
			}
			for i := 1; i < len(hits); i++ {
				if hits[i].Score > hits[i-1].Score {
					t.Errorf("hit %d scores %d, above hit %d's %d", i, hits[i].Score, i-1, hits[i-1].Score)
				}
			}
		})
	}
}

// hanOnly keeps the Chinese characters of s.
func hanOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Han, r) {
			return r
		}
		return -1
	}, s)
}

// withoutPunctuation drops what is neither a letter nor a digit (Chinese
// characters are letters), as the search specification says.
func withoutPunctuation(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// TestSearchAgreesWithBruteForce checks, on a generated dataset, that a
// Chinese query finds exactly the features whose name holds it once
// punctuation is dropped — worked out by a plain scan.
func TestSearchAgreesWithBruteForce(t *testing.T) {
	ds := Generate(GenOptions{Features: 3000, Seed: 7})
	ix := NewNameIndex(ds)
	rng := rand.New(rand.NewPCG(1, 2))
	var all []*geojson.Feature
	for _, l := range ds.Layers {
		all = append(all, l.Features.Features...)
	}
	for trial := 0; trial < 200; trial++ {
		name := []rune(withoutPunctuation(all[rng.IntN(len(all))].Properties["name"].(string)))
		if len(name) == 0 {
			continue
		}
		start := rng.IntN(len(name))
		end := start + 1 + rng.IntN(min(4, len(name)-start))
		q := hanOnly(string(name[start:end]))
		if q == "" {
			continue
		}
		want := map[string]bool{}
		for _, f := range all {
			if n, _ := f.Properties["name"].(string); strings.Contains(withoutPunctuation(Simplified(n)), q) {
				want[FeatureID(f)] = true
			}
		}
		hits := ix.Search(q, SearchOptions{Limit: len(all)})
		got := map[string]bool{}
		for _, id := range hitIDs(hits) {
			got[id] = true
		}
		if len(got) != len(want) {
			t.Fatalf("query %q: %d hits, brute force finds %d", q, len(got), len(want))
		}
		for id := range want {
			if !got[id] {
				t.Fatalf("query %q: %s missing", q, id)
			}
		}
	}
}

// TestSearchDefaultDataset searches the real default dataset for 温州港 by
// its traditional name, pinyin, initials and English name.
func TestSearchDefaultDataset(t *testing.T) {
	ds, err := Default()
	if err != nil {
		t.Fatalf("default dataset: %v", err)
	}
	var port *geojson.Feature
	for _, f := range ds.Layer(Ports).Features.Features {
		if f.Properties["name"] == "温州港" {
			port = f
		}
	}
	if port == nil {
		t.Fatal("the default dataset has no port named 温州港")
	}
	ix := NewNameIndex(ds)
	nameEn, _ := port.Properties["name_en"].(string)
	for _, q := range []string{"温州港", "溫州港", "wenzhougang", "WenZhou Gang", nameEn, "Wenzhou port"} {
		hits := ix.Search(q, SearchOptions{})
		if len(hits) == 0 {
			t.Errorf("%q finds nothing", q)
			continue
		}
		if got := FeatureID(hits[0].Layer.Features.Features[hits[0].Index]); got != FeatureID(port) {
			t.Errorf("%q: first hit %s (%s), want %s", q, got, hits[0].Layer.Features.Features[hits[0].Index].Properties["name"], FeatureID(port))
		}
	}
}

// BenchmarkNameIndexSearch measures, at 100k generated features, building
// the index and answering queries: "indexed" is the suffix-array path
// without the answer cache, "scan" the scan it replaced (kept as the
// tests' reference), "cached" a repeated query. Ratios: scan/indexed.
func BenchmarkNameIndexSearch(b *testing.B) {
	ds := Generate(GenOptions{Features: 100000, Seed: 1})
	b.Run("build/indexed", func(b *testing.B) {
		for b.Loop() {
			NewNameIndex(ds)
		}
	})
	b.Run("build/scan", func(b *testing.B) {
		for b.Loop() {
			newBruteNameIndex(ds)
		}
	})
	ix := NewNameIndex(ds)
	b.Run("rebuild-one-layer", func(b *testing.B) {
		// One feature of the largest layer replaced, as an edit does.
		largest := 0
		for i, l := range ds.Layers {
			if len(l.Features.Features) > len(ds.Layers[largest].Features.Features) {
				largest = i
			}
		}
		changed := *ds.Layers[largest]
		feats := append([]*geojson.Feature(nil), changed.Features.Features...)
		feats[0] = geojson.NewFeature(feats[0].Geometry)
		feats[0].Properties = feats[1].Properties.Clone()
		changed.Features = &geojson.FeatureCollection{Type: "FeatureCollection", Features: feats}
		next := &Dataset{Layers: append([]*Layer(nil), ds.Layers...)}
		next.Layers[largest] = &changed
		for b.Loop() {
			NewNameIndexFrom(ix, next)
		}
	})
	ref := newBruteNameIndex(ds)
	for _, q := range []string{"温州", "乐清湾港区", "wenzhou", "wz", "Port", "a"} {
		b.Run("indexed/"+q, func(b *testing.B) {
			for b.Loop() {
				ix.search(q, 10, nil)
			}
		})
		b.Run("scan/"+q, func(b *testing.B) {
			for b.Loop() {
				ref.Search(q, SearchOptions{})
			}
		})
		b.Run("cached/"+q, func(b *testing.B) {
			for b.Loop() {
				ix.Search(q, SearchOptions{})
			}
		})
	}
}
