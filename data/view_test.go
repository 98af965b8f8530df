package data

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/geo"
)

// model is the brute-force truth the store is compared with: every live
// feature of a layer in the store's order.
type model struct {
	ids   []string
	feats map[string]*geojson.Feature
}

func (m *model) order() []string { return m.ids }

// TestViewMatchesBruteForceModel applies random sequences of creates,
// replaces, patches and deletes to a file store and to a plain model, and
// after every step checks that counts, order, paging, single features and
// bbox queries agree.
func TestViewMatchesBruteForceModel(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			dir := filepath.Join(t.TempDir(), "plan")
			if err := InitFolder(dir); err != nil {
				t.Fatal(err)
			}
			s, err := OpenFiles(dir, FileOptions{NoSync: true, CompactAfter: 7})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			const layer = Ports
			lv := s.Current().Layer(layer)
			m := &model{feats: map[string]*geojson.Feature{}}
			for _, r := range lv.Refs() {
				m.ids = append(m.ids, lv.ID(r))
				m.feats[lv.ID(r)] = lv.Feature(r)
			}
			template := lv.Feature(lv.At(0))
			newFeature := func() *geojson.Feature {
				f := geojson.NewFeature(orb.Point{round6(118 + rng.Float64()*4), round6(24 + rng.Float64()*6)})
				f.Properties = template.Properties.Clone()
				delete(f.Properties, "id")
				f.Properties["name"] = fmt.Sprintf("港%d", rng.IntN(1e6))
				return f
			}
			for step := 0; step < 120; step++ {
				var ch Change
				switch op := rng.IntN(4); {
				case op == 0 || len(m.ids) == 0:
					ch = Change{Op: OpCreate, Layer: layer, Feature: newFeature()}
				case op == 1:
					ch = Change{Op: OpReplace, Layer: layer, ID: m.ids[rng.IntN(len(m.ids))], Feature: newFeature()}
				case op == 2:
					ch = Change{Op: OpPatch, Layer: layer, ID: m.ids[rng.IntN(len(m.ids))],
						Patch: []byte(fmt.Sprintf(`{"properties":{"status":%q},"geometry":{"type":"Point","coordinates":[%g,%g]}}`,
							Statuses[rng.IntN(len(Statuses))], round6(118+rng.Float64()*4), round6(24+rng.Float64()*6)))}
				default:
					ch = Change{Op: OpDelete, Layer: layer, ID: m.ids[rng.IntN(len(m.ids))]}
				}
				applied, err := s.Apply(context.Background(), "test", []Change{ch})
				if err != nil {
					t.Fatalf("step %d %s: %v", step, ch.Op, err)
				}
				a := applied[0]
				switch ch.Op {
				case OpCreate:
					m.ids = append(m.ids, a.ID)
					m.feats[a.ID] = a.Feature
				case OpReplace, OpPatch:
					m.feats[a.ID] = a.Feature
				case OpDelete:
					m.ids = slices.DeleteFunc(m.ids, func(id string) bool { return id == a.ID })
					delete(m.feats, a.ID)
				}
				checkAgainstModel(t, step, s.Current().Layer(layer), m, rng)
			}
			// A restart replays the journal (and the compacted files) to
			// the same state.
			s.Close()
			s2, err := OpenFiles(dir, FileOptions{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			checkAgainstModel(t, -1, s2.Current().Layer(layer), m, rng)
		})
	}
}

func checkAgainstModel(t *testing.T, step int, lv *LayerView, m *model, rng *rand.Rand) {
	t.Helper()
	if lv.Len() != len(m.ids) {
		t.Fatalf("step %d: Len %d, model %d", step, lv.Len(), len(m.ids))
	}
	refs := lv.Refs()
	if len(refs) != len(m.ids) {
		t.Fatalf("step %d: %d refs, model %d", step, len(refs), len(m.ids))
	}
	got := make([]string, len(refs))
	for i, r := range refs {
		got[i] = lv.ID(r)
		if lv.At(i) != r {
			t.Fatalf("step %d: At(%d) differs from Refs", step, i)
		}
	}
	// Order: the survivors of the original order keep it; replaced ones
	// keep their place. Compare as sets and check At agrees with Refs.
	if !sameSet(got, m.ids) {
		t.Fatalf("step %d: ids differ from the model", step)
	}
	for id, f := range m.feats {
		r, ok := lv.Lookup(id)
		if !ok {
			t.Fatalf("step %d: %s missing", step, id)
		}
		if !orb.Equal(lv.Feature(r).Geometry, f.Geometry) || lv.Feature(r).Properties["name"] != f.Properties["name"] || lv.Feature(r).Properties["status"] != f.Properties["status"] {
			t.Fatalf("step %d: %s differs from the model", step, id)
		}
		if lv.FeatureVersion(r) != ContentVersion(EncodeFeature(id, f)) {
			t.Fatalf("step %d: %s version is not its content's", step, id)
		}
	}
	for q := 0; q < 5; q++ {
		x, y := 118+rng.Float64()*4, 24+rng.Float64()*6
		b := orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + rng.Float64()*2, y + rng.Float64()*2}}
		var want []string
		for _, id := range got { // in the view's order
			if geo.IntersectsBound(m.feats[id].Geometry, b) {
				want = append(want, id)
			}
		}
		sel := lv.Select(&Query{BBoxes: []orb.Bound{b}})
		var have []string
		for _, r := range sel {
			have = append(have, lv.ID(r))
		}
		if !slices.Equal(have, want) {
			t.Fatalf("step %d: bbox %v selected %v, brute force %v", step, b, have, want)
		}
		checkPages(t, step, lv, &Query{BBoxes: []orb.Bound{b}}, want, rng)
		status := Statuses[rng.IntN(len(Statuses))]
		want = want[:0]
		for _, id := range got {
			if m.feats[id].Properties["status"] == status {
				want = append(want, id)
			}
		}
		have = have[:0]
		for _, r := range lv.Select(&Query{Equals: map[string][]string{"status": {status}}}) {
			have = append(have, lv.ID(r))
		}
		if !slices.Equal(have, want) {
			t.Fatalf("step %d: status=%s selected %v, brute force %v", step, status, have, want)
		}
		checkPages(t, step, lv, &Query{Equals: map[string][]string{"status": {status}}}, want, rng)
		checkPages(t, step, lv, &Query{}, got, rng)
	}
}

// checkPages checks SelectPage, with the match cache on (lv's) and off
// (the same data in a view without one, matching in pooled buffers),
// against the brute-force matches want: the count and random pages.
func checkPages(t *testing.T, step int, lv *LayerView, q *Query, want []string, rng *rand.Rand) {
	t.Helper()
	uncached := newView(lv.base, lv.over, lv.version, 0)
	for _, v := range []*LayerView{lv, uncached, uncached} {
		offset, limit := rng.IntN(len(want)+2), 1+rng.IntN(len(want)+2)
		if rng.IntN(3) == 0 {
			offset = 0
		}
		matched, page := v.SelectPage(q, offset, limit, nil)
		if matched != len(want) {
			t.Fatalf("step %d: %s: SelectPage matched %d, brute force %d", step, q.Key(), matched, len(want))
		}
		end := min(offset+limit, len(want))
		wantPage := want[min(offset, len(want)):max(end, min(offset, len(want)))]
		var have []string
		for _, r := range page {
			have = append(have, v.ID(r))
		}
		if !slices.Equal(have, wantPage) {
			t.Fatalf("step %d: %s: page from %d, limit %d is %v, brute force %v", step, q.Key(), offset, limit, have, wantPage)
		}
	}
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// TestEncodeAll checks that the features EncodeAll encodes on several
// goroutines (with some encoded before, and refs of the overlay) are the
// ones EncodeFeature writes one by one.
func TestEncodeAll(t *testing.T) {
	ds := Generate(GenOptions{Features: 3000, Seed: 9})
	for _, workers := range []int{1, 2, 7} {
		snap := NewSnapshot(ds, 0)
		for _, l := range snap.Layers() {
			var refs []Ref
			for r := Ref(0); int(r) < len(l.base.features); r++ {
				if r%3 != 0 {
					refs = append(refs, r)
				}
			}
			if len(refs) > 5 {
				l.Encoded(refs[5])
			}
			l.EncodeAll(refs, workers)
			for _, r := range refs {
				if l.base.encoded[r].Load() == nil {
					t.Fatalf("%s: ref %d not encoded", l.Meta.ID, r)
				}
				if got, want := l.Encoded(r), EncodeFeature(l.ID(r), l.Feature(r)); !bytes.Equal(got, want) {
					t.Fatalf("%s: ref %d encoded as %.80s, want %.80s", l.Meta.ID, r, got, want)
				}
			}
		}
	}
}
