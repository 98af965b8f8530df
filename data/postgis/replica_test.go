package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/planmap/planmap/data"
)

func patchStatus(t *testing.T, s data.Store, layer, id, status, ifMatch string) ([]data.Applied, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return s.Apply(ctx, "replica-test", []data.Change{{Op: data.OpPatch, Layer: layer, ID: id, IfMatch: ifMatch,
		Patch: json.RawMessage(fmt.Sprintf(`{"properties":{"name":%q}}`, status))}})
}

// waitFor polls until cond holds or the deadline passes.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return cond()
}

// TestReplicas: two stores on one database. 200 writes through A are each
// visible on B within a second (p50 and p99 logged); writes through B
// after A's catch up first; an UPDATE in psql reaches both; both end with
// identical snapshots, versions included.
func TestReplicas(t *testing.T) {
	c, db := importedDB(t)
	a := openStore(t, c.URL(db))
	b := openStore(t, c.URL(db))
	ids := a.Current().Layer(data.IndustrialParks)
	var lags []time.Duration
	for i := 0; i < 200; i++ {
		id := ids.ID(ids.At(i % ids.Len()))
		name := fmt.Sprintf("replicated %d", i)
		got, err := patchStatus(t, a, data.IndustrialParks, id, name, "")
		if err != nil {
			t.Fatal(err)
		}
		acked := time.Now()
		ok := waitFor(time.Second, func() bool {
			lv := b.Current().Layer(data.IndustrialParks)
			r, ok := lv.Lookup(id)
			return ok && lv.FeatureVersion(r) == got[0].Version
		})
		if !ok {
			t.Fatalf("write %d (%s) not visible on replica B within 1 s", i, id)
		}
		lags = append(lags, time.Since(acked))
	}
	slices.Sort(lags)
	t.Logf("write through A visible on B: p50 %v, p99 %v, max %v over %d writes", lags[len(lags)/2], lags[len(lags)*99/100], lags[len(lags)-1], len(lags))

	// A write through B, which must see A's writes first.
	id := ids.ID(ids.At(0))
	_, v := currentVersion(b, data.IndustrialParks, id)
	if _, err := patchStatus(t, b, data.IndustrialParks, id, "from b", v); err != nil {
		t.Fatal(err)
	}
	// A stale If-Match across replicas: A's version before B's write.
	if !waitFor(time.Second, func() bool { return a.Current().Seq == b.Current().Seq }) {
		t.Fatal("A did not catch up with B")
	}
	if _, err := patchStatus(t, a, data.IndustrialParks, id, "stale", v); !errors.Is(err, data.ErrPrecondition) {
		t.Fatalf("stale If-Match through A after B's write: %v", err)
	}

	// An UPDATE typed in psql reaches both.
	port := a.Current().Layer(data.Ports)
	pid := port.ID(port.At(1))
	if _, err := c.Psql(db, fmt.Sprintf("UPDATE ports SET status = 'proposed', name = 'psql 改名' WHERE id = '%s'", pid)); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*Store{"A": a, "B": b} {
		if !waitFor(time.Second, func() bool {
			lv := s.Current().Layer(data.Ports)
			r, ok := lv.Lookup(pid)
			return ok && lv.Feature(r).Properties["name"] == "psql 改名" && lv.Feature(r).Properties["status"] == "proposed"
		}) {
			t.Fatalf("the psql UPDATE did not reach replica %s within 1 s", name)
		}
	}
	hist, err := a.History(context.Background(), data.Ports, pid)
	if err != nil || len(hist) != 1 || hist[0].Op != data.OpReplace || hist[0].Actor == "" {
		t.Fatalf("history of the psql UPDATE: %+v %v", hist, err)
	}
	var after struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(hist[0].After, &after); err != nil || after.Properties["name"] != "psql 改名" {
		t.Fatalf("the trigger's after state %s: %v", hist[0].After, err)
	}
	// A psql INSERT and DELETE, and a key change, reach both too.
	if _, err := c.Psql(db, fmt.Sprintf(`INSERT INTO ports (id, geom, name, name_en, kind, status, target_year, city, county, source_doc,
		source_excerpt, geometry_precision, placement_note) SELECT 'psql-port', ST_SetSRID(ST_MakePoint(120.5, 28.25), 4326), 'psql 港', NULL, 'port',
		'planned', 2030, NULL, NULL, NULL, NULL, 'approximate', NULL;
		DELETE FROM ports WHERE id = '%s';
		UPDATE corridors SET id = 'renamed-by-psql' WHERE id = '%s'`, port.ID(port.At(2)), a.Current().Layer(data.Corridors).ID(0))); err != nil {
		t.Fatal(err)
	}
	if !waitFor(2*time.Second, func() bool {
		return a.Current().Seq == b.Current().Seq && digestOf(a) == digestOf(b) && has(a, data.Ports, "psql-port") && has(b, data.Ports, "psql-port")
	}) {
		t.Fatal("replicas disagree after psql INSERT/DELETE/key change")
	}
	if _, ok := b.Current().Layer(data.Corridors).Lookup("renamed-by-psql"); !ok {
		t.Fatal("the key change did not reach B")
	}
	// A third replica started now loads what the other two serve.
	c3 := openStore(t, c.URL(db))
	if digestOf(c3) != digestOf(a) {
		t.Fatalf("a replica started later serves other data:\n%s\n%s", digestOf(c3), digestOf(a))
	}
	// Concurrent writers on two replicas with one If-Match: one wins.
	for round := 0; round < 5; round++ {
		lv := a.Current().Layer(data.Enclaves)
		eid := lv.ID(lv.At(0))
		if !waitFor(time.Second, func() bool { return a.Current().Seq == b.Current().Seq }) {
			t.Fatal("replicas did not agree")
		}
		_, ver := currentVersion(a, data.Enclaves, eid)
		var wg sync.WaitGroup
		var wins, stale atomic.Int32
		for i, s := range []*Store{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := patchStatus(t, s, data.Enclaves, eid, fmt.Sprintf("r%d w%d", round, i), ver)
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, data.ErrPrecondition):
					stale.Add(1)
				default:
					t.Errorf("writer %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 || stale.Load() != 1 {
			t.Fatalf("round %d: %d wins, %d stale", round, wins.Load(), stale.Load())
		}
	}
}

func currentVersion(s data.Store, layer, id string) (data.Ref, string) {
	lv := s.Current().Layer(layer)
	r, _ := lv.Lookup(id)
	return r, lv.FeatureVersion(r)
}

func digestOf(s data.Store) string {
	snap := s.Current()
	out := fmt.Sprintf("%d %s", snap.Seq, snap.Version)
	for _, l := range snap.Layers() {
		out += " " + l.Version()
		for _, r := range l.Refs() {
			out += " " + l.ID(r) + "@" + l.FeatureVersion(r)
		}
	}
	return out
}

func has(s data.Store, layer, id string) bool {
	_, ok := s.Current().Layer(layer).Lookup(id)
	return ok
}
