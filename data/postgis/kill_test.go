package postgis

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
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
	bin := buildPlanmap(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	b := startReplica(t, bin, url)
	defer b.kill()
	tr := newKillTruth()
	totalAcked, totalTime := 0, time.Duration(0)
	for round := 0; round < rounds; round++ {
		killAfter := time.Duration(300+rng.IntN(1500)) * time.Millisecond
		a := startReplica(t, bin, url)
		ackedBefore := tr.ackedCount()
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		start := time.Now()
		for client := 0; client < 8; client++ {
			wg.Add(1)
			seed := rng.Uint64()
			go func() {
				defer wg.Done()
				killClient(ctx, a.base, fmt.Sprintf("kill-r%dc%d", round, client), seed, tr)
			}()
		}
		time.Sleep(killAfter)
		a.kill()
		elapsed := time.Since(start)
		cancel()
		wg.Wait()
		acked := tr.ackedCount() - ackedBefore
		totalAcked += acked
		totalTime += elapsed
		t.Logf("round %d: SIGKILL after %v; %d writes acknowledged (%.0f writes/s through A), %d features touched",
			round, killAfter, acked, float64(acked)/elapsed.Seconds(), tr.featureCount())

		seq := databaseSeq(t, url)
		lag := waitForSeq(t, b.base, seq, 5*time.Second)
		t.Logf("round %d: replica B reached change %d %v after the kill", round, seq, lag)
		servedB := tr.verify(t, "replica B", b.base)
		checkDatabaseRows(t, url, servedB)

		a = startReplica(t, bin, url)
		waitForSeq(t, a.base, seq, 5*time.Second)
		servedA := tr.verify(t, "replica A restarted", a.base)
		for id, etag := range servedB {
			if servedA[id] != etag {
				t.Fatalf("feature %s: ETag %s on B, %s on A restarted", id, etag, servedA[id])
			}
		}
		a.kill()
	}
	if totalAcked == 0 {
		t.Fatal("no write was acknowledged; the test proved nothing")
	}
	t.Logf("%d writes acknowledged over %d rounds (%.0f writes/s through one replica, 8 clients), none lost",
		totalAcked, rounds, float64(totalAcked)/totalTime.Seconds())
}

// buildPlanmap builds the planmap command into the test's folder.
func buildPlanmap(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "planmap")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/planmap/planmap/cmd/planmap").CombinedOutput(); err != nil {
		t.Fatalf("building planmap: %v\n%s", err, out)
	}
	return bin
}

type replicaProcess struct {
	base string
	cmd  *exec.Cmd
	logs *bytes.Buffer
}

func (r *replicaProcess) kill() {
	if r.cmd.ProcessState != nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	_ = r.cmd.Wait()
}

// startReplica runs `planmap serve --store url` on a free loopback port
// and waits until it answers.
func startReplica(t *testing.T, bin, url string) *replicaProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--store", url, "--addr", addr, "--access-log=false")
	cmd.Env = append(os.Environ(), "PLANMAP_WRITE_TOKEN="+killToken)
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &replicaProcess{base: "http://" + addr, cmd: cmd, logs: logs}
	t.Cleanup(r.kill)
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(r.base + "/collections")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return r
			}
		}
		if time.Now().After(deadline) {
			r.kill()
			t.Fatalf("replica did not start: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
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

// killTruth is what the clients know: for each feature the state its last
// acknowledged write left (nil: absent) and the states of writes sent but
// not answered, which the kill may or may not have kept.
type killTruth struct {
	mu       sync.Mutex
	acked    int
	features map[string]*killFeature
}

type killFeature struct {
	acked   []byte
	pending [][]byte
}

func newKillTruth() *killTruth { return &killTruth{features: map[string]*killFeature{}} }

func (tr *killTruth) ackedCount() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.acked
}

func (tr *killTruth) record(id string, ack bool, state []byte) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	f := tr.features[id]
	if f == nil {
		f = &killFeature{}
		tr.features[id] = f
	}
	if ack {
		f.acked, f.pending = state, nil
		tr.acked++
		return
	}
	f.pending = append(f.pending, state)
}

// verify reads every feature the clients touched through base, fails
// unless it is in its acknowledged state or one of its in-flight states,
// then takes what is served as the truth. It returns the ETag of each
// feature served.
func (tr *killTruth) verify(t *testing.T, name, base string) map[string]string {
	t.Helper()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	served := map[string]string{}
	for id, f := range tr.features {
		res, err := http.Get(base + "/collections/ports/items/" + id)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		ok := false
		for _, want := range append([][]byte{f.acked}, f.pending...) {
			if (want == nil && res.StatusCode == 404) || (want != nil && res.StatusCode == 200 && sameContent(got, want)) {
				ok = true
			}
		}
		if !ok {
			t.Fatalf("%s: feature %s is %d %s; acknowledged state %s (and %d in flight)", name, id, res.StatusCode, got, f.acked, len(f.pending))
		}
		if res.StatusCode == 200 {
			f.acked = got
			served[id] = res.Header.Get("ETag")
		} else {
			f.acked = nil
		}
		f.pending = nil
	}
	return served
}

// sameContent compares two features' geometry and properties.
func sameContent(a, b []byte) bool {
	fa, errA := geojson.UnmarshalFeature(a)
	fb, errB := geojson.UnmarshalFeature(b)
	if errA != nil || errB != nil {
		return false
	}
	delete(fa.Properties, "links")
	delete(fb.Properties, "links")
	pa, _ := json.Marshal(fa.Properties)
	pb, _ := json.Marshal(fb.Properties)
	return orb.Equal(fa.Geometry, fb.Geometry) && bytes.Equal(pa, pb)
}

// killClient creates ports, replaces and deletes them through base until
// ctx ends, recording each write before it is sent (in flight) and when it
// is answered 2xx (acknowledged).
func killClient(ctx context.Context, base, name string, seed uint64, tr *killTruth) {
	rng := rand.New(rand.NewPCG(seed, 5))
	client := &http.Client{Timeout: 30 * time.Second}
	var mine []string
	for i := 0; ctx.Err() == nil; i++ {
		switch {
		case len(mine) == 0 || rng.IntN(3) == 0:
			id := fmt.Sprintf("%s-%d", name, i)
			f := killPort(id, rng)
			tr.record(id, false, f)
			if killSend(ctx, client, "POST", base+"/collections/ports/items", f) == 201 {
				tr.record(id, true, f)
				mine = append(mine, id)
			}
		case rng.IntN(4) == 0:
			k := rng.IntN(len(mine))
			id := mine[k]
			tr.record(id, false, nil)
			if killSend(ctx, client, "DELETE", base+"/collections/ports/items/"+id, nil) == 204 {
				tr.record(id, true, nil)
				mine = append(mine[:k], mine[k+1:]...)
			}
		default:
			id := mine[rng.IntN(len(mine))]
			f := killPort(id, rng)
			tr.record(id, false, f)
			if killSend(ctx, client, "PUT", base+"/collections/ports/items/"+id, f) == 200 {
				tr.record(id, true, f)
			}
		}
	}
}

func killPort(id string, rng *rand.Rand) []byte {
	f := geojson.NewFeature(orb.Point{float64(int64((118+rng.Float64()*4)*1e6)) / 1e6, float64(int64((24+rng.Float64()*6)*1e6)) / 1e6})
	f.Properties = geojson.Properties{"id": id, "name": "杀进程测试港 " + id, "name_en": "Kill test " + id, "kind": "port",
		"status": data.Statuses[rng.IntN(len(data.Statuses))], "target_year": float64(2025 + rng.IntN(10)), "city": "温州市", "county": "鹿城区",
		"source_doc": nil, "source_excerpt": nil, "geometry_precision": "approximate", "placement_note": fmt.Sprintf("revision %d", rng.IntN(1e9))}
	f.ID = id
	return data.EncodeFeature(id, f)
}

func killSend(ctx context.Context, client *http.Client, method, url string, body []byte) int {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+killToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/geo+json")
	}
	res, err := client.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func (tr *killTruth) featureCount() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.features)
}
