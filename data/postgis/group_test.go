package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/planmap/planmap/data"
)

// TestGroupCommit sends many writes at once, so that the store commits
// them in groups, mixed with writes the planmap rules refuse (a stale
// If-Match) and writes only the database refuses (a CHECK constraint added
// in psql). Each refused write fails alone with its own error; every other
// write is stored; history holds exactly the stored ones; a replica loading
// afresh serves the same; and at least one transaction took several
// requests (their changes share a commit time). Rounds alternate with
// and without database refusals: a group with one is applied again request
// by request.
func TestGroupCommit(t *testing.T) {
	c, db := importedDB(t)
	if _, err := c.Psql(db, "ALTER TABLE industrial_parks ADD CONSTRAINT group_test CHECK (name NOT LIKE 'refused%')"); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, c.URL(db))
	lv := s.Current().Layer(data.IndustrialParks)
	if lv.Len() < 40 {
		t.Fatalf("layer %s has %d features; the test needs 40", data.IndustrialParks, lv.Len())
	}
	grouped := false
	for round := 0; round < 6; round++ {
		type outcome struct {
			id, name, kind string
			err            error
		}
		outcomes := make([]outcome, 40)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range outcomes {
			id := lv.ID(lv.At(i))
			kinds := []string{"ok", "ok", "db-refuses", "stale"}
			if round%2 == 0 {
				kinds[2] = "ok" // a group with no database refusal commits whole
			}
			kind := kinds[i%4]
			name := fmt.Sprintf("round %d writer %d", round, i)
			ifMatch := ""
			switch kind {
			case "db-refuses":
				name = "refused " + name
			case "stale":
				ifMatch = "not-the-version"
			}
			outcomes[i] = outcome{id: id, name: name, kind: kind}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, outcomes[i].err = s.Apply(context.Background(), "group-test", []data.Change{{Op: data.OpPatch, Layer: data.IndustrialParks,
					ID: id, IfMatch: ifMatch, Patch: json.RawMessage(fmt.Sprintf(`{"properties":{"name":%q}}`, name))}})
			}()
		}
		close(start)
		wg.Wait()
		cur := s.Current().Layer(data.IndustrialParks)
		for _, o := range outcomes {
			r, _ := cur.Lookup(o.id)
			served := cur.Feature(r).Properties["name"]
			switch o.kind {
			case "ok":
				if o.err != nil || served != o.name {
					t.Fatalf("write %s: %v; serves name %v", o.name, o.err, served)
				}
			case "db-refuses":
				if !errors.Is(o.err, data.ErrInvalid) || !strings.Contains(o.err.Error(), "group_test") || served == o.name {
					t.Fatalf("write %s the CHECK constraint refuses: %v; serves name %v", o.name, o.err, served)
				}
			case "stale":
				if !errors.Is(o.err, data.ErrPrecondition) || served == o.name {
					t.Fatalf("write %s with a stale If-Match: %v; serves name %v", o.name, o.err, served)
				}
			}
		}
		out, err := c.Psql(db, fmt.Sprintf(`SELECT count(*), count(DISTINCT time) FROM planmap_changes WHERE actor = 'group-test' AND after->'properties'->>'name' LIKE 'round %d %%'`, round))
		if err != nil {
			t.Fatal(err)
		}
		counts := strings.Split(strings.TrimSpace(out), "|")
		want := "20"
		if round%2 == 0 {
			want = "30"
		}
		if len(counts) != 2 || counts[0] != want {
			t.Fatalf("round %d: history holds %q changes (and commit times), want the %s stored", round, out, want)
		}
		times, _ := strconv.Atoi(counts[1])
		t.Logf("round %d: %s stored writes in %d transactions", round, want, times)
		grouped = grouped || (round%2 == 0 && strconv.Itoa(times) != want)
	}
	if !grouped {
		t.Fatal("no transaction took more than one write in 3 rounds of 40 concurrent writes")
	}
	if !waitFor(time.Second, func() bool { return databaseSeq(t, c.URL(db)) == s.Current().Seq }) {
		t.Fatal("the store's sequence differs from the database's")
	}
	if fresh := openStore(t, c.URL(db)); digestOf(fresh) != digestOf(s) {
		t.Fatal("a replica loading afresh serves other data")
	}
}
