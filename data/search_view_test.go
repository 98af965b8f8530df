package data

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/paulmach/orb/geojson"
)

// describeViewHits is describeHits with the feature's id, which tells
// apart features at the same position in two versions of a layer.
func describeViewHits(hits []SearchHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = fmt.Sprintf("%s/%d %s %s %d", h.Layer.ID, h.Index, FeatureID(h.Feature), h.Field, h.Score)
	}
	return out
}

// randomEdits makes a snapshot of snap with n random changes (features
// added, replaced with others' names, replaced twice, deleted, and
// deleted ids created again) spread over a few layers, as the store's
// Apply lays them over the views.
func randomEdits(rng *rand.Rand, snap *Snapshot, n int, seq *int64, created *int) *Snapshot {
	var donors []*geojson.Feature
	for _, l := range snap.Layers() {
		for i := 0; i < 50 && i < l.Len(); i++ {
			donors = append(donors, l.Feature(l.At(rng.IntN(l.Len()))))
		}
	}
	renamed := func(id string, like *geojson.Feature) *geojson.Feature {
		d := donors[rng.IntN(len(donors))]
		f := geojson.NewFeature(like.Geometry)
		f.Properties = like.Properties.Clone()
		f.Properties["id"] = id
		switch rng.IntN(4) {
		case 0:
			f.Properties["name"] = d.Properties["name"]
			f.Properties["name_en"] = d.Properties["name_en"]
		case 1:
			f.Properties["name"] = fmt.Sprint(d.Properties["name"], "新港", rng.IntN(100))
		case 2:
			f.Properties["name_en"] = fmt.Sprint("Renamed ", d.Properties["name_en"], " Park")
		default:
			delete(f.Properties, "name_en")
		}
		return f
	}
	layers := snap.Layers()
	for range n {
		*seq++
		l := layers[rng.IntN(min(3, len(layers)))]
		var e *entry
		switch op := rng.IntN(5); {
		case op == 0 || l.Len() == 0:
			*created++
			id := fmt.Sprintf("created-%d", *created)
			if rng.IntN(4) == 0 && l.over != nil {
				for gone, old := range l.over.entries { // a deleted id made again
					if old.feature == nil {
						id = gone
						break
					}
				}
			}
			e = newEntry(id, renamed(id, donors[rng.IntN(len(donors))]), *seq)
		case op == 4:
			e = newEntry(l.ID(l.At(rng.IntN(l.Len()))), nil, *seq)
		default:
			r := l.At(rng.IntN(l.Len()))
			e = newEntry(l.ID(r), renamed(l.ID(r), l.Feature(r)), *seq)
		}
		// One change at a time, so that later ones see the earlier ones.
		snap = snap.withEntries(map[string][]*entry{l.Meta.ID: {e}}, *seq, 0)
		layers = snap.Layers()
	}
	return snap
}

// TestSnapshotNameIndexMatchesFullReindex edits a generated dataset at
// random (adds, changes, deletes) and checks, after each batch, that the
// snapshot's index (base plus overlay, reusing the previous one) answers
// random queries, limits and layer filters exactly as a full re-index of
// the materialized layers does (itself checked against the scan of
// search_ref_test.go), ranking included, and that it reuses the bases'
// indexes.
func TestSnapshotNameIndexMatchesFullReindex(t *testing.T) {
	size, rounds := 20000, 12
	if testing.Short() {
		size, rounds = 3000, 6
	}
	for seed := uint64(1); seed <= 2; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 14))
			snap := NewSnapshot(Generate(GenOptions{Features: size, Seed: int64(seed)}), 0)
			ix := NewSnapshotNameIndex(nil, snap)
			first := ix
			var seq int64
			created := 0
			for round := 0; round < rounds; round++ {
				snap = randomEdits(rng, snap, 1+rng.IntN(40), &seq, &created)
				ix = NewSnapshotNameIndex(ix, snap)
				for i, seg := range ix.segs {
					if !seg.overlay && seg.names != first.segs[ix.layerBaseSeg(first, i)].names {
						t.Fatalf("round %d: layer %s's base was indexed again", round, ix.layers[seg.layer].ID)
					}
				}
				ds := snap.Dataset()
				full, scan := NewNameIndex(ds), newBruteNameIndex(ds)
				for qi, q := range randomQueries(rng, ds, 150) {
					opts := SearchOptions{Limit: []int{0, 1, 10, 100, size * 2}[rng.IntN(5)]}
					if rng.IntN(4) == 0 {
						for _, l := range ds.Layers {
							if rng.IntN(2) == 0 {
								opts.Layers = append(opts.Layers, l.ID)
							}
						}
					}
					want := full.Search(q, opts)
					if scanned := scan.Search(q, opts); !reflect.DeepEqual(describeHits(want), describeHits(scanned)) {
						t.Fatalf("round %d query %d %q %+v: the full re-index disagrees with the scan:\n got %v\nwant %v", round, qi, q, opts, describeHits(want), describeHits(scanned))
					}
					got := ix.Search(q, opts)
					if !reflect.DeepEqual(describeViewHits(got), describeViewHits(want)) {
						t.Fatalf("round %d query %d %q %+v:\n got %v\nwant %v", round, qi, q, opts, describeViewHits(got), describeViewHits(want))
					}
					for k := range got {
						if got[k].Feature != want[k].Feature {
							t.Fatalf("round %d query %q hit %d: another feature object", round, q, k)
						}
					}
				}
			}
		})
	}
}

// layerBaseSeg returns the position in other of the base segment of the
// layer of ix's segment i.
func (ix *NameIndex) layerBaseSeg(other *NameIndex, i int) int {
	for j, seg := range other.segs {
		if !seg.overlay && other.layers[seg.layer].ID == ix.layers[ix.segs[i].layer].ID {
			return j
		}
	}
	return -1
}

// BenchmarkSearchAfterWrite measures, at 100k generated features, the
// first search after one feature of the largest layer changed, the index
// being rebuilt from the previous snapshot's: "reindex" materializes the
// changed layer and re-indexes it (NewNameIndexFrom of Snapshot.Dataset,
// as /search did), "overlay" searches the base's index and an index of
// the overlay (NewSnapshotNameIndex). Ratio: reindex/overlay.
func BenchmarkSearchAfterWrite(b *testing.B) {
	snap := NewSnapshot(Generate(GenOptions{Features: 100000, Seed: 1}), 0)
	largest := snap.Layers()[0]
	for _, l := range snap.Layers() {
		if l.Len() > largest.Len() {
			largest = l
		}
	}
	var seq int64
	write := func(s *Snapshot) *Snapshot {
		seq++
		l := s.Layer(largest.Meta.ID)
		r := l.At(int(seq*7919) % l.Len())
		f := geojson.NewFeature(l.Feature(r).Geometry)
		f.Properties = l.Feature(r).Properties.Clone()
		f.Properties["status"] = Statuses[int(seq)%len(Statuses)]
		return s.withEntries(map[string][]*entry{l.Meta.ID: {newEntry(l.ID(r), f, seq)}}, seq, 0)
	}
	for _, mode := range []string{"reindex", "overlay"} {
		b.Run(mode, func(b *testing.B) {
			s := write(snap)
			var ix *NameIndex
			if mode == "reindex" {
				ix = NewNameIndex(s.Dataset())
			} else {
				ix = NewSnapshotNameIndex(nil, s)
			}
			for b.Loop() {
				b.StopTimer()
				s = write(s)
				b.StartTimer()
				if mode == "reindex" {
					ix = NewNameIndexFrom(ix, s.Dataset())
				} else {
					ix = NewSnapshotNameIndex(ix, s)
				}
				ix.Search("wenzhou", SearchOptions{})
			}
		})
	}
}
