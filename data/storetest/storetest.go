// Package storetest is the conformance suite every data.Store runs: the
// file store (data.OpenFiles) and the PostGIS store (data/postgis) pass the
// same table of cases, and a property test drives random change sequences
// against both a store and a brute-force model of it.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
)

// Run runs every case against stores made by open, which must return a
// fresh, editable store holding the built-in dataset (data.Default) each
// time it is called.
func Run(t *testing.T, open func(t *testing.T) data.Store) {
	cases := []struct {
		name string
		run  func(t *testing.T, s data.Store)
	}{
		{"create, replace, patch and delete", testCRUD},
		{"stale If-Match is refused and changes nothing", testStaleIfMatch},
		{"two writers with one If-Match: exactly one wins", testConcurrentIfMatch},
		{"ids are unique across layers", testUniqueAcrossLayers},
		{"bad changes leave the data unchanged", testBadChanges},
		{"a batch is all or nothing", testBatchAtomic},
		{"history and changes", testHistory},
		{"random changes agree with a brute-force model", testProperty},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			if err := s.Writable(); err != nil {
				t.Fatalf("the store is not writable: %v", err)
			}
			c.run(t, s)
		})
	}
}

// RunRestart checks that a store opened again on the same backing serves
// exactly what the first one acknowledged: features, order, versions and
// history. fresh prepares a backing holding the built-in dataset and
// returns a function opening a store on it (the caller closes one store
// before opening the next).
func RunRestart(t *testing.T, fresh func(t *testing.T) (reopen func(t *testing.T) data.Store)) {
	reopen := fresh(t)
	s := reopen(t)
	ctx := context.Background()
	m := newModel(t, s.Current())
	rng := rand.New(rand.NewPCG(7, 11))
	for i := 0; i < 40; i++ {
		m.step(t, s, rng)
	}
	before := digest(s.Current())
	hist, err := s.Changes(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := reopen(t)
	defer s2.Close()
	after := digest(s2.Current())
	if before != after {
		t.Fatalf("the reopened store differs: %s", firstDifference(before, after))
	}
	m.check(t, s2.Current(), rng)
	hist2, err := s2.Changes(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != len(hist2) {
		t.Fatalf("history has %d changes after reopening, %d before", len(hist2), len(hist))
	}
	for i := range hist {
		a, b := hist[i], hist2[i]
		if a.Seq != b.Seq || a.Op != b.Op || a.ID != b.ID || a.Layer != b.Layer || a.Version != b.Version ||
			!sameJSON(a.Before, b.Before) || !sameJSON(a.After, b.After) {
			t.Fatalf("change %d differs after reopening:\n%+v\n%+v", i, a, b)
		}
	}
}

// digest describes a snapshot fully: every layer's version and every
// feature's id, version and encoding, in order.
func digest(s *data.Snapshot) string {
	out := fmt.Sprintf("seq %d version %s;", s.Seq, s.Version)
	for _, l := range s.Layers() {
		out += fmt.Sprintf("\n%s %s %d:", l.Meta.ID, l.Version(), l.Len())
		for _, r := range l.Refs() {
			out += fmt.Sprintf(" %s@%s=%x", l.ID(r), l.FeatureVersion(r), l.Encoded(r))
		}
	}
	return out
}

// firstDifference shows where two digests part.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-120)
	return fmt.Sprintf("at byte %d:\nbefore …%s…\nafter  …%s…", i, a[lo:min(len(a), i+120)], b[lo:min(len(b), i+120)])
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

func apply(s data.Store, changes ...data.Change) ([]data.Applied, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return s.Apply(ctx, "storetest", changes)
}

// feature returns a decoded copy of a stored feature.
func feature(t *testing.T, s data.Store, layer, id string) (*geojson.Feature, string) {
	t.Helper()
	lv := s.Current().Layer(layer)
	r, ok := lv.Lookup(id)
	if !ok {
		t.Fatalf("no feature %s/%s", layer, id)
	}
	f, err := geojson.UnmarshalFeature(lv.Encoded(r))
	if err != nil {
		t.Fatal(err)
	}
	return f, lv.FeatureVersion(r)
}

func firstID(t *testing.T, s data.Store, layer string) string {
	t.Helper()
	lv := s.Current().Layer(layer)
	if lv == nil || lv.Len() == 0 {
		t.Fatalf("layer %s is missing or empty", layer)
	}
	return lv.ID(lv.At(0))
}

// shifted is a copy of f moved by (dx, dy) degrees, on the 1e-6 grid.
func shifted(f *geojson.Feature, dx, dy float64) *geojson.Feature {
	raw := data.EncodeFeature(data.FeatureID(f), f)
	g, _ := geojson.UnmarshalFeature(raw)
	move := func(p orb.Point) orb.Point {
		return orb.Point{math.Round((p[0]+dx)*1e6) / 1e6, math.Round((p[1]+dy)*1e6) / 1e6}
	}
	g.Geometry = mapPoints(g.Geometry, move)
	if hp, ok := data.HomePoint(g.Properties); ok {
		p := move(hp)
		g.Properties["home_point"] = []any{p[0], p[1]}
	}
	return g
}

func mapPoints(g orb.Geometry, fn func(orb.Point) orb.Point) orb.Geometry {
	pts := func(in []orb.Point) []orb.Point {
		out := make([]orb.Point, len(in))
		for i, p := range in {
			out[i] = fn(p)
		}
		return out
	}
	switch g := g.(type) {
	case orb.Point:
		return fn(g)
	case orb.MultiPoint:
		return orb.MultiPoint(pts(g))
	case orb.LineString:
		return orb.LineString(pts(g))
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, l := range g {
			out[i] = orb.LineString(pts(l))
		}
		return out
	case orb.Polygon:
		out := make(orb.Polygon, len(g))
		for i, r := range g {
			out[i] = orb.Ring(pts(r))
		}
		return out
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = mapPoints(p, fn).(orb.Polygon)
		}
		return out
	}
	return g
}

func withID(f *geojson.Feature, id string) *geojson.Feature {
	raw := data.EncodeFeature(id, f)
	g, _ := geojson.UnmarshalFeature(raw)
	if id == "" {
		g.ID = nil
		delete(g.Properties, "id")
		return g
	}
	g.ID = id
	g.Properties["id"] = id
	return g
}

// expectedEncoding is what a store must hold after storing f under id.
func expectedEncoding(id string, f *geojson.Feature) []byte {
	g := withID(f, id)
	return data.EncodeFeature(id, g)
}

func testCRUD(t *testing.T, s data.Store) {
	src, _ := feature(t, s, data.Ports, firstID(t, s, data.Ports))
	start := s.Current()
	// Create with an id.
	nf := shifted(withID(src, "storetest-port"), 0.5, 0.25)
	nf.Properties["name"] = "测试港"
	got, err := apply(s, data.Change{Op: data.OpCreate, Layer: data.Ports, ID: "storetest-port", Feature: nf})
	if err != nil {
		t.Fatal(err)
	}
	want := expectedEncoding("storetest-port", nf)
	checkStored(t, s, data.Ports, "storetest-port", want, got[0])
	if s.Current().Layer(data.Ports).Len() != start.Layer(data.Ports).Len()+1 {
		t.Fatal("the layer did not grow by one")
	}
	if s.Current().Version == start.Version || s.Current().Layer(data.Ports).Version() == start.Layer(data.Ports).Version() {
		t.Fatal("the snapshot's and the layer's versions did not change")
	}
	if s.Current().Layer(data.Corridors).Version() != start.Layer(data.Corridors).Version() {
		t.Fatal("an untouched layer's version changed")
	}
	// Create without an id: the store names it.
	got, err = apply(s, data.Change{Op: data.OpCreate, Layer: data.Ports, Feature: shifted(withID(src, ""), 1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].ID == "" || got[0].ID == data.FeatureID(src) {
		t.Fatalf("assigned id %q", got[0].ID)
	}
	if _, ok := s.Current().Layer(data.Ports).Lookup(got[0].ID); !ok {
		t.Fatalf("the assigned id %s is not stored", got[0].ID)
	}
	// Replace, with the right If-Match.
	_, v := feature(t, s, data.Ports, "storetest-port")
	rf := shifted(nf, -0.25, 0)
	rf.Properties["status"] = "planned"
	got, err = apply(s, data.Change{Op: data.OpReplace, Layer: data.Ports, ID: "storetest-port", Feature: rf, IfMatch: v})
	if err != nil {
		t.Fatal(err)
	}
	checkStored(t, s, data.Ports, "storetest-port", expectedEncoding("storetest-port", rf), got[0])
	// Patch.
	patch := json.RawMessage(`{"properties":{"status":"under_construction","target_year":2031}}`)
	prev, _ := feature(t, s, data.Ports, "storetest-port")
	got, err = apply(s, data.Change{Op: data.OpPatch, Layer: data.Ports, ID: "storetest-port", Patch: patch})
	if err != nil {
		t.Fatal(err)
	}
	checkStored(t, s, data.Ports, "storetest-port", mergeExpected(t, "storetest-port", prev, patch), got[0])
	// Delete.
	if _, err := apply(s, data.Change{Op: data.OpDelete, Layer: data.Ports, ID: "storetest-port"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Current().Layer(data.Ports).Lookup("storetest-port"); ok {
		t.Fatal("the deleted feature is still there")
	}
	if _, err := apply(s, data.Change{Op: data.OpDelete, Layer: data.Ports, ID: "storetest-port"}); !errors.Is(err, data.ErrNotFound) {
		t.Fatalf("deleting again: %v, want ErrNotFound", err)
	}
}

func checkStored(t *testing.T, s data.Store, layer, id string, want []byte, a data.Applied) {
	t.Helper()
	lv := s.Current().Layer(layer)
	r, ok := lv.Lookup(id)
	if !ok {
		t.Fatalf("%s/%s is not stored", layer, id)
	}
	if got := lv.Encoded(r); string(got) != string(want) {
		t.Fatalf("%s/%s stored as\n%s\nwant\n%s", layer, id, got, want)
	}
	if a.Version != data.ContentVersion(want) || lv.FeatureVersion(r) != a.Version {
		t.Fatalf("%s/%s version %s (served %s), want %s", layer, id, a.Version, lv.FeatureVersion(r), data.ContentVersion(want))
	}
	if a.Feature == nil || string(data.EncodeFeature(id, a.Feature)) != string(want) {
		t.Fatalf("%s/%s: the applied feature differs from the stored one", layer, id)
	}
}

// mergeExpected applies an RFC 7396 merge patch, written here
// independently of the store's, and encodes the result.
func mergeExpected(t *testing.T, id string, f *geojson.Feature, patch json.RawMessage) []byte {
	t.Helper()
	var doc, p any
	_ = json.Unmarshal(data.EncodeFeature(id, f), &doc)
	if err := json.Unmarshal(patch, &p); err != nil {
		t.Fatal(err)
	}
	var merge func(target, patch any) any
	merge = func(target, patch any) any {
		pm, ok := patch.(map[string]any)
		if !ok {
			return patch
		}
		tm, ok := target.(map[string]any)
		out := map[string]any{}
		if ok {
			for k, v := range tm {
				out[k] = v
			}
		}
		for k, v := range pm {
			if v == nil {
				delete(out, k)
			} else {
				out[k] = merge(out[k], v)
			}
		}
		return out
	}
	raw, _ := json.Marshal(merge(doc, p))
	g, err := geojson.UnmarshalFeature(raw)
	if err != nil {
		t.Fatal(err)
	}
	return data.EncodeFeature(id, g)
}

func testStaleIfMatch(t *testing.T, s data.Store) {
	id := firstID(t, s, data.IndustrialParks)
	f, v := feature(t, s, data.IndustrialParks, id)
	f.Properties["status"] = "planned"
	if _, err := apply(s, data.Change{Op: data.OpReplace, Layer: data.IndustrialParks, ID: id, Feature: f, IfMatch: v}); err != nil {
		t.Fatal(err)
	}
	before := digest(s.Current())
	for _, ch := range []data.Change{
		{Op: data.OpReplace, Layer: data.IndustrialParks, ID: id, Feature: f, IfMatch: v},
		{Op: data.OpPatch, Layer: data.IndustrialParks, ID: id, Patch: json.RawMessage(`{"properties":{"status":"operational"}}`), IfMatch: v},
		{Op: data.OpDelete, Layer: data.IndustrialParks, ID: id, IfMatch: "0000000000000000"},
	} {
		if _, err := apply(s, ch); !errors.Is(err, data.ErrPrecondition) {
			t.Fatalf("%s with a stale If-Match: %v, want ErrPrecondition", ch.Op, err)
		}
	}
	if digest(s.Current()) != before {
		t.Fatal("a refused change changed the data")
	}
}

func testConcurrentIfMatch(t *testing.T, s data.Store) {
	for round := 0; round < 5; round++ {
		id := firstID(t, s, data.Corridors)
		f, v := feature(t, s, data.Corridors, id)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			g := shifted(f, 0, 0)
			g.Properties["name"] = fmt.Sprintf("writer %d round %d", i, round)
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = apply(s, data.Change{Op: data.OpReplace, Layer: data.Corridors, ID: id, Feature: g, IfMatch: v})
			}()
		}
		wg.Wait()
		ok, stale := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, data.ErrPrecondition):
				stale++
			default:
				t.Fatalf("unexpected error %v", err)
			}
		}
		if ok != 1 || stale != 1 {
			t.Fatalf("round %d: %d succeeded and %d got ErrPrecondition, want 1 and 1", round, ok, stale)
		}
		g, _ := feature(t, s, data.Corridors, id)
		winner := 0
		if errs[0] != nil {
			winner = 1
		}
		if g.Properties["name"] != fmt.Sprintf("writer %d round %d", winner, round) {
			t.Fatalf("stored name %v is not the winner's", g.Properties["name"])
		}
	}
}

func testUniqueAcrossLayers(t *testing.T, s data.Store) {
	parkID := firstID(t, s, data.IndustrialParks)
	src, _ := feature(t, s, data.Ports, firstID(t, s, data.Ports))
	before := digest(s.Current())
	if _, err := apply(s, data.Change{Op: data.OpCreate, Layer: data.Ports, ID: parkID, Feature: withID(src, parkID)}); !errors.Is(err, data.ErrExists) {
		t.Fatalf("creating a port with a park's id: %v, want ErrExists", err)
	}
	if _, err := apply(s, data.Change{Op: data.OpCreate, Layer: data.Ports, ID: data.FeatureID(src), Feature: src}); !errors.Is(err, data.ErrExists) {
		t.Fatalf("creating a port with its own layer's id: %v, want ErrExists", err)
	}
	if digest(s.Current()) != before {
		t.Fatal("a refused create changed the data")
	}
}

func testBadChanges(t *testing.T, s data.Store) {
	portID := firstID(t, s, data.Ports)
	src, _ := feature(t, s, data.Ports, portID)
	bad := func(edit func(f *geojson.Feature)) *geojson.Feature {
		f := withID(src, "storetest-bad")
		edit(f)
		return f
	}
	cases := []struct {
		name string
		ch   data.Change
		want error
	}{
		{"position out of range", data.Change{Op: data.OpCreate, Layer: data.Ports, ID: "storetest-bad", Feature: bad(func(f *geojson.Feature) { f.Geometry = orb.Point{200, 95} })}, data.ErrInvalid},
		{"kind outside the vocabulary", data.Change{Op: data.OpCreate, Layer: data.Ports, ID: "storetest-bad", Feature: bad(func(f *geojson.Feature) { f.Properties["kind"] = "spaceport" })}, data.ErrInvalid},
		{"missing name", data.Change{Op: data.OpCreate, Layer: data.Ports, ID: "storetest-bad", Feature: bad(func(f *geojson.Feature) { delete(f.Properties, "name") })}, data.ErrInvalid},
		{"wrong geometry type", data.Change{Op: data.OpCreate, Layer: data.Ports, ID: "storetest-bad", Feature: bad(func(f *geojson.Feature) {
			f.Geometry = orb.LineString{{120, 28}, {121, 28}}
		})}, data.ErrInvalid},
		{"self-crossing ring", data.Change{Op: data.OpCreate, Layer: data.Ports, ID: "storetest-bad", Feature: bad(func(f *geojson.Feature) {
			f.Geometry = orb.Polygon{{{120, 28}, {121, 29}, {121, 28}, {120, 29}, {120, 28}}}
		})}, data.ErrInvalid},
		{"id that is not a slug", data.Change{Op: data.OpCreate, Layer: data.Ports, ID: "Bad Id", Feature: bad(func(f *geojson.Feature) {})}, data.ErrInvalid},
		{"patch to a bad status", data.Change{Op: data.OpPatch, Layer: data.Ports, ID: portID, Patch: json.RawMessage(`{"properties":{"status":"bogus"}}`)}, data.ErrInvalid},
		{"patch that is not an object", data.Change{Op: data.OpPatch, Layer: data.Ports, ID: portID, Patch: json.RawMessage(`[1]`)}, data.ErrInvalid},
		{"patch removing the geometry", data.Change{Op: data.OpPatch, Layer: data.Ports, ID: portID, Patch: json.RawMessage(`{"geometry":null}`)}, data.ErrInvalid},
		{"no such layer", data.Change{Op: data.OpCreate, Layer: "nowhere", ID: "x", Feature: src}, data.ErrNotFound},
		{"replace of a missing feature", data.Change{Op: data.OpReplace, Layer: data.Ports, ID: "storetest-missing", Feature: src}, data.ErrNotFound},
		{"unknown operation", data.Change{Op: "upsert", Layer: data.Ports, ID: portID, Feature: src}, data.ErrInvalid},
	}
	before := digest(s.Current())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := apply(s, c.ch)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			var ce *data.ChangeError
			if !errors.As(err, &ce) {
				t.Fatalf("%v is not a *data.ChangeError", err)
			}
			if digest(s.Current()) != before {
				t.Fatal("the data changed")
			}
		})
	}
}

func testBatchAtomic(t *testing.T, s data.Store) {
	src, _ := feature(t, s, data.Ports, firstID(t, s, data.Ports))
	before := digest(s.Current())
	seq := s.Current().Seq
	_, err := apply(s,
		data.Change{Op: data.OpCreate, Layer: data.Ports, ID: "storetest-batch", Feature: shifted(withID(src, "storetest-batch"), 0.5, 0)},
		data.Change{Op: data.OpPatch, Layer: data.Ports, ID: data.FeatureID(src), Patch: json.RawMessage(`{"properties":{"kind":"nope"}}`)})
	var ce *data.ChangeError
	if !errors.As(err, &ce) || ce.Index != 1 || !errors.Is(err, data.ErrInvalid) {
		t.Fatalf("got %v, want ErrInvalid for change 1", err)
	}
	if digest(s.Current()) != before {
		t.Fatal("half of a refused batch was applied")
	}
	changes, err := s.Changes(context.Background(), seq, 10)
	if err != nil || len(changes) != 0 {
		t.Fatalf("a refused batch left history: %v %v", changes, err)
	}
	// A good batch touching one feature twice applies both, in order.
	got, err := apply(s,
		data.Change{Op: data.OpCreate, Layer: data.Ports, ID: "storetest-batch", Feature: shifted(withID(src, "storetest-batch"), 0.5, 0)},
		data.Change{Op: data.OpPatch, Layer: data.Ports, ID: "storetest-batch", Patch: json.RawMessage(`{"properties":{"status":"proposed"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Seq != got[0].Seq+1 {
		t.Fatalf("applied %+v", got)
	}
	f, _ := feature(t, s, data.Ports, "storetest-batch")
	if f.Properties["status"] != "proposed" {
		t.Fatalf("status %v after the batch", f.Properties["status"])
	}
}

func testHistory(t *testing.T, s data.Store) {
	ctx := context.Background()
	src, _ := feature(t, s, data.Enclaves, firstID(t, s, data.Enclaves))
	seq0 := s.Current().Seq
	start := time.Now().Add(-time.Minute)
	id := "storetest-history"
	f := shifted(withID(src, id), 0.5, 0.5)
	a1, err := apply(s, data.Change{Op: data.OpCreate, Layer: data.Enclaves, ID: id, Feature: f})
	if err != nil {
		t.Fatal(err)
	}
	a2, err := apply(s, data.Change{Op: data.OpPatch, Layer: data.Enclaves, ID: id, Patch: json.RawMessage(`{"properties":{"status":"planned"}}`), IfMatch: a1[0].Version})
	if err != nil {
		t.Fatal(err)
	}
	enc2 := data.EncodeFeature(id, a2[0].Feature)
	otherID := firstID(t, s, data.Corridors)
	if _, err := apply(s, data.Change{Op: data.OpPatch, Layer: data.Corridors, ID: otherID, Patch: json.RawMessage(`{"properties":{"status":"planned"}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := apply(s, data.Change{Op: data.OpDelete, Layer: data.Enclaves, ID: id, IfMatch: a2[0].Version}); err != nil {
		t.Fatal(err)
	}
	hist, err := s.History(ctx, data.Enclaves, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 {
		t.Fatalf("history has %d entries, want 3: %+v", len(hist), hist)
	}
	enc1 := data.EncodeFeature(id, a1[0].Feature)
	want := []struct {
		op            data.Op
		before, after string
		version       string
	}{
		{data.OpCreate, "null", string(enc1), a1[0].Version},
		{data.OpPatch, string(enc1), string(enc2), a2[0].Version},
		{data.OpDelete, string(enc2), "null", ""},
	}
	for i, w := range want {
		h := hist[i]
		if h.Op != w.op || !sameJSON(h.Before, json.RawMessage(w.before)) || !sameJSON(h.After, json.RawMessage(w.after)) || h.Version != w.version {
			t.Fatalf("history %d: %s %s -> %s (%s), want %s %s -> %s (%s)", i, h.Op, h.Before, h.After, h.Version, w.op, w.before, w.after, w.version)
		}
		if h.Actor != "storetest" || h.Layer != data.Enclaves || h.ID != id || h.Time.Before(start) || h.Time.After(time.Now().Add(time.Minute)) {
			t.Fatalf("history %d: %+v", i, h)
		}
		if i > 0 && h.Seq <= hist[i-1].Seq {
			t.Fatal("history is not in sequence order")
		}
	}
	changes, err := s.Changes(ctx, seq0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 4 {
		t.Fatalf("%d changes since %d, want 4", len(changes), seq0)
	}
	for i, c := range changes {
		if c.Seq != seq0+int64(i)+1 {
			t.Fatalf("change %d has seq %d, want %d", i, c.Seq, seq0+int64(i)+1)
		}
	}
	if changes[2].Layer != data.Corridors || changes[2].ID != otherID {
		t.Fatalf("change 2 is %s/%s", changes[2].Layer, changes[2].ID)
	}
	page, err := s.Changes(ctx, seq0+1, 2)
	if err != nil || len(page) != 2 || page[0].Seq != seq0+2 {
		t.Fatalf("a page of changes: %+v %v", page, err)
	}
	if s.Current().Seq != seq0+4 {
		t.Fatalf("snapshot seq %d, want %d", s.Current().Seq, seq0+4)
	}
}

// model is the brute-force truth: every layer's features in order, as
// encoded, with the rank that orders them (base features by position,
// created ones after, a re-created id back at its first rank).
type model struct {
	layers   []string
	features map[string]map[string][]byte
	rank     map[string]int64
	next     int64
	bound    orb.Bound
	sources  map[string][]*geojson.Feature
	created  int
	prefix   string
}

func newModel(t *testing.T, s *data.Snapshot) *model {
	m := &model{features: map[string]map[string][]byte{}, rank: map[string]int64{}, sources: map[string][]*geojson.Feature{}}
	first := true
	for _, l := range s.Layers() {
		m.layers = append(m.layers, l.Meta.ID)
		m.features[l.Meta.ID] = map[string][]byte{}
		for i, r := range l.Refs() {
			id := l.ID(r)
			m.features[l.Meta.ID][id] = slices.Clone(l.Encoded(r))
			m.rank[id] = int64(i)
			f := l.Feature(r)
			if first {
				m.bound, first = f.Geometry.Bound(), false
			} else {
				m.bound = m.bound.Union(f.Geometry.Bound())
			}
			if len(m.sources[l.Meta.ID]) < 8 {
				g, _ := geojson.UnmarshalFeature(l.Encoded(r))
				m.sources[l.Meta.ID] = append(m.sources[l.Meta.ID], g)
			}
		}
	}
	m.next = 1 << 40
	m.prefix = "storetest"
	return m
}

func (m *model) ordered(layer string) []string {
	ids := make([]string, 0, len(m.features[layer]))
	for id := range m.features[layer] {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return int(m.rank[a] - m.rank[b]) })
	return ids
}

func (m *model) randomID(rng *rand.Rand, layer string) (string, bool) {
	ids := m.ordered(layer)
	if len(ids) == 0 {
		return "", false
	}
	return ids[rng.IntN(len(ids))], true
}

func decode(t *testing.T, enc []byte) *geojson.Feature {
	f, err := geojson.UnmarshalFeature(enc)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// step applies one random change to the store and the model.
func (m *model) step(t *testing.T, s data.Store, rng *rand.Rand) {
	t.Helper()
	layer := m.layers[rng.IntN(len(m.layers))]
	if m.sources[layer] == nil {
		return
	}
	src := m.sources[layer][rng.IntN(len(m.sources[layer]))]
	dx, dy := float64(rng.IntN(9)-4)*0.25, float64(rng.IntN(9)-4)*0.25
	status := data.Statuses[rng.IntN(len(data.Statuses))]
	switch op := rng.IntN(10); {
	case op < 3: // create
		m.created++
		id := fmt.Sprintf("%s-%d", m.prefix, m.created)
		named := rng.IntN(4) > 0
		f := shifted(withID(src, id), dx, dy)
		f.Properties["status"] = status
		ch := data.Change{Op: data.OpCreate, Layer: layer, ID: id, Feature: f}
		if !named {
			f = shifted(withID(src, ""), dx, dy)
			f.Properties["status"] = status
			ch = data.Change{Op: data.OpCreate, Layer: layer, Feature: f}
		}
		got, err := apply(s, ch)
		if err != nil {
			t.Fatalf("create %s/%s: %v", layer, id, err)
		}
		id = got[0].ID
		m.features[layer][id] = expectedEncoding(id, f)
		if _, ok := m.rank[id]; !ok {
			m.rank[id] = m.next
			m.next++
		}
	case op < 5: // replace
		id, ok := m.randomID(rng, layer)
		if !ok {
			return
		}
		f := shifted(withID(src, id), dx, dy)
		f.Properties["status"] = status
		ifMatch := ""
		stale := rng.IntN(5) == 0
		if rng.IntN(2) == 0 {
			ifMatch = data.ContentVersion(m.features[layer][id])
		}
		if stale {
			ifMatch = "ffffffffffffffff"
		}
		_, err := apply(s, data.Change{Op: data.OpReplace, Layer: layer, ID: id, Feature: f, IfMatch: ifMatch})
		if stale {
			if !errors.Is(err, data.ErrPrecondition) {
				t.Fatalf("replace %s with a stale If-Match: %v", id, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("replace %s/%s: %v", layer, id, err)
		}
		m.features[layer][id] = expectedEncoding(id, f)
	case op < 8: // patch
		id, ok := m.randomID(rng, layer)
		if !ok {
			return
		}
		var patch json.RawMessage
		switch rng.IntN(3) {
		case 0:
			patch = json.RawMessage(fmt.Sprintf(`{"properties":{"status":%q,"target_year":%d}}`, status, 2025+rng.IntN(20)))
		case 1:
			patch = json.RawMessage(fmt.Sprintf(`{"properties":{"name":"名 %d","placement_note":"moved by storetest"}}`, rng.IntN(1000)))
		default:
			g := shifted(decode(t, m.features[layer][id]), dx, dy)
			geom, _ := json.Marshal(geojson.NewGeometry(g.Geometry))
			patch = json.RawMessage(`{"geometry":` + string(geom) + `}`)
		}
		if _, err := apply(s, data.Change{Op: data.OpPatch, Layer: layer, ID: id, Patch: patch}); err != nil {
			t.Fatalf("patch %s/%s with %s: %v", layer, id, patch, err)
		}
		m.features[layer][id] = mergeExpected(t, id, decode(t, m.features[layer][id]), patch)
	default: // delete
		id, ok := m.randomID(rng, layer)
		if !ok {
			return
		}
		if _, err := apply(s, data.Change{Op: data.OpDelete, Layer: layer, ID: id}); err != nil {
			t.Fatalf("delete %s/%s: %v", layer, id, err)
		}
		delete(m.features[layer], id)
	}
}

// check compares a snapshot with the model: counts, order, every feature
// and its version, bbox queries and pages.
func (m *model) check(t *testing.T, snap *data.Snapshot, rng *rand.Rand) {
	t.Helper()
	for _, layer := range m.layers {
		lv := snap.Layer(layer)
		want := m.ordered(layer)
		if lv.Len() != len(want) {
			t.Fatalf("%s: %d features, model has %d", layer, lv.Len(), len(want))
		}
		refs := lv.Refs()
		for i, id := range want {
			if got := lv.ID(refs[i]); got != id {
				t.Fatalf("%s: feature %d is %s, model has %s", layer, i, got, id)
			}
			if got := lv.Encoded(refs[i]); string(got) != string(m.features[layer][id]) {
				t.Fatalf("%s/%s:\n got %s\nwant %s", layer, id, got, m.features[layer][id])
			}
			if lv.FeatureVersion(refs[i]) != data.ContentVersion(m.features[layer][id]) {
				t.Fatalf("%s/%s: version differs", layer, id)
			}
			r, ok := lv.Lookup(id)
			if !ok || lv.ID(r) != id {
				t.Fatalf("%s: lookup of %s", layer, id)
			}
		}
		for q := 0; q < 3; q++ {
			w, h := m.bound.Max[0]-m.bound.Min[0], m.bound.Max[1]-m.bound.Min[1]
			x, y := m.bound.Min[0]+rng.Float64()*w, m.bound.Min[1]+rng.Float64()*h
			box := orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + rng.Float64()*w/2, y + rng.Float64()*h/2}}
			var expect []string
			for _, id := range want {
				if geo.IntersectsBound(decode(t, m.features[layer][id]).Geometry, box) {
					expect = append(expect, id)
				}
			}
			got := lv.Select(&data.Query{BBoxes: []orb.Bound{box}})
			if len(got) != len(expect) {
				t.Fatalf("%s bbox %v: %d matches, model %d", layer, box, len(got), len(expect))
			}
			for i := range got {
				if lv.ID(got[i]) != expect[i] {
					t.Fatalf("%s bbox %v: match %d is %s, model %s", layer, box, i, lv.ID(got[i]), expect[i])
				}
			}
			// A page of the matches, as items?offset&limit serves it.
			if len(got) > 0 {
				off := rng.IntN(len(got))
				lim := 1 + rng.IntN(5)
				for i := off; i < min(off+lim, len(got)); i++ {
					if lv.ID(got[i]) != expect[i] {
						t.Fatalf("%s page at %d differs", layer, off)
					}
				}
			}
		}
	}
}

func testProperty(t *testing.T, s data.Store) {
	for _, seed := range []uint64{1, 2} {
		m := newModel(t, s.Current())
		m.prefix = fmt.Sprintf("storetest-s%d", seed)
		rng := rand.New(rand.NewPCG(seed, 99))
		steps := 60
		if testing.Short() {
			steps = 20
		}
		for i := 0; i < steps; i++ {
			m.step(t, s, rng)
			m.check(t, s.Current(), rng)
		}
	}
}
