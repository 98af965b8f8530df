package geo

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// TestSortHits checks both ways of ordering hits (comparison sort and the
// bitset) against slices.Sort on random distinct subsets of every size,
// one after another on the same index, so a bitset left dirty by one call
// would spoil the next.
func TestSortHits(t *testing.T) {
	const n = 5000
	features := make([]*geojson.Feature, n)
	for i := range features {
		features[i] = geojson.NewFeature(orb.Point{float64(i % 100), float64(i / 100)})
	}
	ix := NewIndex(features)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{0, 1, 10, 63, 64, 100, 500, 2000, n, 700, 64, 3} {
		for trial := 0; trial < 5; trial++ {
			hits := rng.Perm(n)[:k]
			want := slices.Sorted(slices.Values(hits))
			ix.sortHits(hits)
			if !slices.Equal(hits, want) {
				t.Fatalf("k=%d: sortHits gave a different order", k)
			}
		}
	}
}
