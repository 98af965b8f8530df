package data

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb/geojson"
)

// randomQueries draws queries of every kind a user types from the names
// of ds: pieces of Chinese names (simplified and traditional), English
// words and phrases (in other orders and cases), pinyin and initials,
// ids, single letters (which match nearly everything), and noise.
func randomQueries(rng *rand.Rand, ds *Dataset, n int) []string {
	var feats []*geojson.Feature
	for _, l := range ds.Layers {
		feats = append(feats, l.Features.Features...)
	}
	readings := newPinyinReadings()
	piece := func(s string, maxLen int) string {
		r := []rune(s)
		if len(r) == 0 {
			return ""
		}
		i := rng.IntN(len(r))
		j := min(len(r), i+1+rng.IntN(maxLen))
		return string(r[i:j])
	}
	qs := []string{"a", "g", "an", "港", "区", "wz", "port", "Port of", "the", "1", "-", "   ", "温州港", "溫州港", "wenzhougang", "WenZhou Gang", "Wenzhou port"}
	for len(qs) < n {
		f := feats[rng.IntN(len(feats))]
		name, _ := f.Properties["name"].(string)
		nameEn, _ := f.Properties["name_en"].(string)
		var q string
		switch rng.IntN(9) {
		case 0:
			q = piece(name, 5)
		case 1:
			q = piece(nameEn, 12)
		case 2:
			words := strings.Fields(nameEn)
			rng.Shuffle(len(words), func(i, j int) { words[i], words[j] = words[j], words[i] })
			if len(words) > 1 {
				words = words[:1+rng.IntN(len(words))]
			}
			for i, w := range words {
				words[i] = w[:1+rng.IntN(len(w))]
			}
			q = strings.Join(words, " ")
		case 3, 4:
			var full, initials strings.Builder
			for _, r := range chineseKey(name) {
				if rs := readings.of(r); len(rs) > 0 {
					full.WriteString(rs[rng.IntN(len(rs))])
					initials.WriteString(rs[0][:1])
				}
			}
			if rng.IntN(2) == 0 {
				q = piece(full.String(), 12)
			} else {
				q = piece(initials.String(), 4)
			}
		case 5:
			q = piece(FeatureID(f), 10)
		case 6:
			q = strings.ToUpper(piece(nameEn, 8))
		case 7:
			q = string(rune('a' + rng.IntN(26)))
		default:
			q = string(rune('a'+rng.IntN(26))) + string(rune('a'+rng.IntN(26))) + piece(name, 2)
		}
		qs = append(qs, q)
	}
	return qs
}

// checkSearchAgrees compares the indexed search with the scan it
// replaced, hit for hit (layer, index, field and score) and in order, for
// random queries, limits and layer filters.
func checkSearchAgrees(t *testing.T, ix *NameIndex, ref *bruteNameIndex, ds *Dataset, rng *rand.Rand, n int) {
	t.Helper()
	total := 0
	for _, l := range ds.Layers {
		total += len(l.Features.Features)
	}
	for i, q := range randomQueries(rng, ds, n) {
		opts := SearchOptions{Limit: []int{0, 1, 10, 100, total}[rng.IntN(5)]}
		if rng.IntN(4) == 0 {
			for _, l := range ds.Layers {
				if rng.IntN(2) == 0 {
					opts.Layers = append(opts.Layers, l.ID)
				}
			}
		}
		want := ref.Search(q, opts)
		for pass := 0; pass < 2; pass++ { // the second answer comes from the cache
			got := ix.Search(q, opts)
			if !reflect.DeepEqual(describeHits(got), describeHits(want)) {
				t.Fatalf("query %d %q %+v (pass %d):\n got %v\nwant %v", i, q, opts, pass, describeHits(got), describeHits(want))
			}
		}
	}
}

func describeHits(hits []SearchHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = fmt.Sprintf("%s/%d %s %d", h.Layer.ID, h.Index, h.Field, h.Score)
	}
	return out
}

// TestIndexedSearchMatchesScan checks the indexed search against the
// scan, on the built-in dataset and on 100k generated features (3k with
// -short).
func TestIndexedSearchMatchesScan(t *testing.T) {
	def, err := Default()
	if err != nil {
		t.Fatalf("default dataset: %v", err)
	}
	size := 100000
	if testing.Short() {
		size = 3000
	}
	for _, tt := range []struct {
		name    string
		ds      *Dataset
		queries int
	}{
		{"default", def, 2000},
		{fmt.Sprint("generated ", size), Generate(GenOptions{Features: size, Seed: 1}), 300},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			checkSearchAgrees(t, NewNameIndex(tt.ds), newBruteNameIndex(tt.ds), tt.ds, rng, tt.queries)
		})
	}
}

// TestNameIndexFromReusesLayers changes one layer of a dataset (features
// replaced, removed and added) and checks that the index built from the
// old one reuses the unchanged layers and answers as a scan of the new
// dataset does.
func TestNameIndexFromReusesLayers(t *testing.T) {
	ds := Generate(GenOptions{Features: 4000, Seed: 3})
	old := NewNameIndex(ds)
	rng := rand.New(rand.NewPCG(7, 8))
	changed := *ds.Layers[1]
	feats := append([]*geojson.Feature(nil), changed.Features.Features...)
	donor := ds.Layers[0].Features.Features
	for i := 0; i < len(feats)/10; i++ {
		f := geojson.NewFeature(feats[i].Geometry)
		f.Properties = feats[i].Properties.Clone()
		f.Properties["name"] = donor[rng.IntN(len(donor))].Properties["name"]
		f.Properties["name_en"] = "Renamed Port of " + fmt.Sprint(i)
		feats[rng.IntN(len(feats))] = f
	}
	feats = append(feats[:10], feats[30:]...)
	feats = append(feats, donor[:5]...)
	changed.Features = &geojson.FeatureCollection{Type: "FeatureCollection", Features: feats}
	next := &Dataset{Layers: append([]*Layer(nil), ds.Layers...)}
	next.Layers[1] = &changed
	ix := NewNameIndexFrom(old, next)
	for i := range next.Layers {
		if reused := ix.segs[i].names == old.segs[i].names; reused != (i != 1) {
			t.Errorf("layer %d reused = %v", i, reused)
		}
	}
	checkSearchAgrees(t, ix, newBruteNameIndex(next), next, rng, 1500)
	checkSearchAgrees(t, NewNameIndexFrom(ix, ds), newBruteNameIndex(ds), ds, rng, 500)
}
