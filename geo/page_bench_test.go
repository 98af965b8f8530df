package geo_test

import (
	"math/rand"
	"testing"

	"github.com/paulmach/orb"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
)

// BenchmarkItemsPage measures what an uncached items request with a bbox
// and limit=100 asks of the index (bench/items.sh's boxes: 0.3° around the
// generated towns, on the 100k dataset's industrial parks): QueryPage
// beside Query of every match followed by the same slice, the way it was
// answered before.
//
//	go test -run '^$' -bench ItemsPage -benchmem ./geo
func BenchmarkItemsPage(b *testing.B) {
	l := benchDataset(100_000).Layer(data.IndustrialParks)
	ix := geo.NewIndex(l.Features.Features)
	boxes := itemsBenchBoxes()
	b.Run("Query", func(b *testing.B) {
		var hits []int
		page := make([]int, 0, 100)
		for i := 0; i < b.N; i++ {
			hits = ix.Query(boxes[i%len(boxes)][0], hits[:0])
			page = append(page[:0], hits[:min(100, len(hits))]...)
		}
	})
	b.Run("QueryPage", func(b *testing.B) {
		page := make([]int, 0, 100)
		for i := 0; i < b.N; i++ {
			_, page = ix.QueryPage(boxes[i%len(boxes)], 0, 100, nil, page[:0])
		}
	})
}

// itemsBenchBoxes returns bench/items.sh's 64 query boxes: 0.3° about
// points near the generated towns, each as a one-box query.
func itemsBenchBoxes() [][]orb.Bound {
	rng := rand.New(rand.NewSource(5))
	towns := []orb.Point{{120.70, 28.00}, {120.65, 27.78}, {120.98, 28.11}, {120.57, 27.66}, {120.43, 27.52},
		{118.59, 24.91}, {118.55, 24.78}, {118.65, 24.73}, {118.39, 24.96}, {119.30, 26.08}}
	boxes := make([][]orb.Bound, 64)
	for i := range boxes {
		t := towns[rng.Intn(len(towns))]
		x, y := t[0]+rng.Float64()*0.2-0.1, t[1]+rng.Float64()*0.2-0.1
		boxes[i] = []orb.Bound{box(x-.15, y-.15, x+.15, y+.15)}
	}
	return boxes
}
