package tiles

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
)

// TestOverlayTilesMatchRebuild applies random creates, replaces and
// deletes to the built-in plan and checks, after each batch, that the
// tiler extended with the changes (WithChanges over the base) puts in each
// tile exactly the features, properties and geometry a tiler built from
// scratch over the changed data does, at every zoom, around the changes
// and elsewhere. (The bytes may differ: a value shared by a base and an
// overlay feature is written once per side.)
func TestOverlayTilesMatchRebuild(t *testing.T) {
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	base := data.NewSnapshot(ds, -1)
	sources := make([]Source, len(base.Layers()))
	for i, v := range base.Layers() {
		meta, index, _, _ := v.Base()
		sources[i] = Source{Layer: meta, Index: index}
	}
	baseTiler, err := New("base", sources, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	snap := base
	point := func() orb.Point {
		return orb.Point{float64(int64((119.5+rng.Float64()*2)*1e6)) / 1e6, float64(int64((25+rng.Float64()*3.5)*1e6)) / 1e6}
	}
	for step := 0; step < 25; step++ {
		var changes []data.Change
		var near []orb.Point
		for k := 0; k < 1+rng.IntN(3); k++ {
			lv := snap.Layer(data.Ports)
			refs := lv.Refs()
			r := refs[rng.IntN(len(refs))]
			id := lv.ID(r)
			if f, ok := lv.Feature(r).Geometry.(orb.Point); ok {
				near = append(near, f)
			}
			switch rng.IntN(3) {
			case 0: // move and rename an existing port
				f := geojson.NewFeature(point())
				f.Properties = lv.Feature(r).Properties.Clone()
				f.Properties["name"] = fmt.Sprintf("移动港 %d-%d", step, k)
				changes = append(changes, data.Change{Op: data.OpReplace, Layer: data.Ports, ID: id, Feature: f})
				near = append(near, f.Geometry.(orb.Point))
			case 1:
				changes = append(changes, data.Change{Op: data.OpDelete, Layer: data.Ports, ID: id})
			default: // a new port
				f := geojson.NewFeature(point())
				f.Properties = lv.Feature(r).Properties.Clone()
				delete(f.Properties, "id")
				f.Properties["name"] = fmt.Sprintf("新港 %d-%d", step, k)
				changes = append(changes, data.Change{Op: data.OpCreate, Layer: data.Ports, ID: fmt.Sprintf("new-port-%d-%d", step, k), Feature: f})
				near = append(near, f.Geometry.(orb.Point))
			}
		}
		planned, err := data.Plan(snap, "test", time.Now(), changes, -1)
		if err != nil {
			// a random pick may name a feature deleted in the same batch
			continue
		}
		snap = planned.Next()
		overlays := map[string]LayerChanges{}
		fresh := make([]Source, len(snap.Layers()))
		for i, v := range snap.Layers() {
			if _, _, hidden, added := v.Base(); hidden != nil {
				overlays[v.Meta.ID] = LayerChanges{Hidden: hidden, Added: added}
			}
			fresh[i] = Source{Layer: v.Materialize()}
		}
		incremental, err := baseTiler.WithChanges("v", overlays)
		if err != nil {
			t.Fatal(err)
		}
		rebuilt, err := New("v", fresh, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range []uint32{3, 6, 8, 10, 12, 14} {
			probes := append([]orb.Point(nil), near...)
			for len(probes) < len(near)+4 {
				probes = append(probes, point())
			}
			for _, p := range probes {
				x, y := TileContaining(p, z)
				a, err := incremental.Encode(z, x, y, incremental.AllLayers())
				if err != nil {
					t.Fatal(err)
				}
				b, err := rebuilt.Encode(z, x, y, rebuilt.AllLayers())
				if err != nil {
					t.Fatal(err)
				}
				if diff := sameTileContent(t, a, b); diff != "" {
					t.Fatalf("step %d: tile %d/%d/%d from the overlay differs from a rebuild: %s", step, z, x, y, diff)
				}
			}
		}
	}
}

// sameTileContent compares two tiles feature by feature: per layer, the
// same ids with the same properties and geometry.
func sameTileContent(t *testing.T, a, b []byte) string {
	t.Helper()
	if len(a) == 0 || len(b) == 0 {
		if len(a) != len(b) {
			return fmt.Sprintf("one tile is empty (%d vs %d bytes)", len(a), len(b))
		}
		return ""
	}
	la, lb := decode(t, a), decode(t, b)
	if len(la) != len(lb) {
		return fmt.Sprintf("%d layers vs %d", len(la), len(lb))
	}
	for i := range la {
		if la[i].Name != lb[i].Name || len(la[i].Features) != len(lb[i].Features) {
			return fmt.Sprintf("layer %s: %d features vs %s: %d", la[i].Name, len(la[i].Features), lb[i].Name, len(lb[i].Features))
		}
		byID := map[any]*geojson.Feature{}
		for _, f := range lb[i].Features {
			byID[f.ID] = f
		}
		for _, f := range la[i].Features {
			g, ok := byID[f.ID]
			if !ok {
				return fmt.Sprintf("layer %s: feature %v only in the overlay's tile", la[i].Name, f.ID)
			}
			pa, _ := json.Marshal(f.Properties)
			pb, _ := json.Marshal(g.Properties)
			if string(pa) != string(pb) || !orb.Equal(f.Geometry, g.Geometry) {
				return fmt.Sprintf("layer %s: feature %v differs: %s vs %s", la[i].Name, f.ID, pa, pb)
			}
		}
	}
	return ""
}
