package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/planmap/planmap/data/storetest"
)

const killToken = "replica-kill-secret"

// TestReplicaKillLosesNoAcknowledgedWrite runs two real `planmap serve
// --store URL` processes on one database. Eight clients create, replace
// and delete ports through replica A; A is killed with SIGKILL at a random
// moment. Then, read through replica B (once B has reached the sequence
// the database holds) and again through A restarted: every write answered
// 2xx is there with exactly its content, a write in flight at the kill is
// wholly there or wholly absent, the rows in PostgreSQL are exactly the
// features served, and both replicas give each feature the same ETag.
// PLANMAP_KILL_ROUNDS sets how many kill points to try (default 3). The
// writes per second through A are logged.
func TestReplicaKillLosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("replica kill test skipped in -short mode")
	}
	rounds := 3
	if v, err := strconv.Atoi(os.Getenv("PLANMAP_KILL_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	c, db := importedDB(t)
	url := c.URL(db)
	bin := storetest.BuildPlanmap(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	b := storetest.StartServe(t, bin, killToken, "--store", url, "--access-log=false")
	defer b.Kill()
	tr := storetest.NewTruth()
	totalAcked, totalTime := 0, time.Duration(0)
	for round := 0; round < rounds; round++ {
		killAfter := time.Duration(300+rng.IntN(1500)) * time.Millisecond
		a := storetest.StartServe(t, bin, killToken, "--store", url, "--access-log=false")
		ackedBefore := tr.Acked()
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		start := time.Now()
		for client := 0; client < 8; client++ {
			wg.Add(1)
			seed := rng.Uint64()
			go func() {
				defer wg.Done()
				storetest.Writer{Base: a.Base, Token: killToken, Name: fmt.Sprintf("kill-r%dc%d", round, client), Seed: seed}.Run(ctx, tr)
			}()
		}
		time.Sleep(killAfter)
		a.Kill()
		elapsed := time.Since(start)
		cancel()
		wg.Wait()
		acked := tr.Acked() - ackedBefore
		totalAcked += acked
		totalTime += elapsed
		t.Logf("round %d: SIGKILL after %v; %d writes acknowledged (%.0f writes/s through A), %d features touched",
			round, killAfter, acked, float64(acked)/elapsed.Seconds(), tr.Features())

		seq := databaseSeq(t, url)
		lag := waitForSeq(t, b.Base, seq, 5*time.Second)
		t.Logf("round %d: replica B reached change %d %v after the kill", round, seq, lag)
		servedB := tr.Verify(t, "replica B", b.Base)
		checkDatabaseRows(t, url, servedB)

		a = storetest.StartServe(t, bin, killToken, "--store", url, "--access-log=false")
		waitForSeq(t, a.Base, seq, 5*time.Second)
		servedA := tr.Verify(t, "replica A restarted", a.Base)
		for id, etag := range servedB {
			if servedA[id] != etag {
				t.Fatalf("feature %s: ETag %s on B, %s on A restarted", id, etag, servedA[id])
			}
		}
		a.Kill()
	}
	if totalAcked == 0 {
		t.Fatal("no write was acknowledged; the test proved nothing")
	}
	t.Logf("%d writes acknowledged over %d rounds (%.0f writes/s through one replica, 8 clients), none lost",
		totalAcked, rounds, float64(totalAcked)/totalTime.Seconds())
}

// databaseSeq reads the change sequence PostgreSQL holds.
func databaseSeq(t *testing.T, url string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var seq int64
	if err := conn.QueryRow(ctx, "SELECT seq FROM planmap_state").Scan(&seq); err != nil {
		t.Fatal(err)
	}
	return seq
}

// waitForSeq waits until the replica at base serves change seq (its
// /changes answer's "latest") and returns how long that took.
func waitForSeq(t *testing.T, base string, seq int64, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var latest int64
	for time.Since(start) < limit {
		res, err := http.Get(base + "/changes?since=0&limit=1")
		if err == nil {
			var body struct {
				Latest int64 `json:"latest"`
			}
			err = json.NewDecoder(res.Body).Decode(&body)
			res.Body.Close()
			latest = body.Latest
			if err == nil && latest == seq {
				return time.Since(start)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("replica %s serves change %d, not %d, after %v", base, latest, seq, limit)
	return 0
}

// checkDatabaseRows compares the kill test's rows in the ports table with
// the features a replica served.
func checkDatabaseRows(t *testing.T, url string, served map[string]string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT id FROM ports WHERE id LIKE 'kill-%'")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for id := range served {
		want = append(want, id)
	}
	sort.Strings(ids)
	sort.Strings(want)
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("PostgreSQL holds %d test rows, the replica serves %d:\n%v\n%v", len(ids), len(want), ids, want)
	}
}
