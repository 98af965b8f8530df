package main

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
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
)

// TestCrashLosesNoAcknowledgedWrite kills a real planmap serve with
// SIGKILL at a random moment while 8 clients send writes, restarts it, and
// checks that every write answered 2xx is there with exactly its content,
// that a write in flight at the kill is either wholly there or wholly
// absent, and that planmap check passes on the folder. PLANMAP_CRASH_ROUNDS
// sets how many kill points to try (bench/crash.sh runs many).
func TestCrashLosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	rounds := 4
	if v, err := strconv.Atoi(os.Getenv("PLANMAP_CRASH_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	bin := filepath.Join(t.TempDir(), "planmap")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building planmap: %v\n%s", err, out)
	}
	dir := filepath.Join(t.TempDir(), "plan")
	if err := data.InitFolder(dir); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	// The truth accumulates across rounds: each round kills the server,
	// restarts it on the same folder and checks everything acknowledged
	// so far.
	truth := newTruth()
	for round := 0; round < rounds; round++ {
		killAfter := time.Duration(50+rng.IntN(1500)) * time.Millisecond
		t.Logf("round %d: kill after %v", round, killAfter)
		srv := startServer(t, bin, dir)
		var wg sync.WaitGroup
		ctx, cancel := context.WithCancel(context.Background())
		for client := 0; client < 8; client++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				runClient(ctx, srv.base, fmt.Sprintf("r%dc%d", round, client), 125, rng.Uint64(), truth)
			}()
		}
		time.Sleep(killAfter)
		srv.kill()
		cancel()
		wg.Wait()

		srv = startServer(t, bin, dir)
		truth.verify(t, srv.base)
		srv.kill()
		if out, err := exec.Command(bin, "check", dir).CombinedOutput(); err != nil {
			t.Fatalf("round %d: planmap check fails after the crash: %v\n%s", round, err, out)
		}
	}
	if truth.acked == 0 {
		t.Fatal("no write was acknowledged; the test proved nothing")
	}
	t.Logf("%d writes acknowledged over %d rounds, all present after SIGKILL", truth.acked, rounds)
}

type server struct {
	base string
	cmd  *exec.Cmd
}

func (s *server) kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	_, _ = s.cmd.Process.Wait()
}

func startServer(t *testing.T, bin, dir string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--data", dir, "--addr", addr, "--watch=false")
	cmd.Env = append(os.Environ(), "PLANMAP_WRITE_TOKEN=crash-secret")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(base + "/collections")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return &server{base: base, cmd: cmd}
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("server did not start: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// truth is what every client knows: for each feature, the state its last
// acknowledged write left, and the state of a write sent but not answered
// (which the crash may or may not have kept).
type truth struct {
	mu       sync.Mutex
	acked    int
	features map[string]*featureTruth
}

type featureTruth struct {
	acked   []byte // encoded feature; nil means deleted (or never created)
	pending [][]byte
	exists  bool
}

func newTruth() *truth { return &truth{features: map[string]*featureTruth{}} }

func (tr *truth) record(id string, ack bool, state []byte) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	ft := tr.features[id]
	if ft == nil {
		ft = &featureTruth{}
		tr.features[id] = ft
	}
	if ack {
		ft.acked, ft.exists, ft.pending = state, state != nil, nil
		tr.acked++
		return
	}
	ft.pending = append(ft.pending, state)
}

func (tr *truth) verify(t *testing.T, base string) {
	t.Helper()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for id, ft := range tr.features {
		got, status := getFeature(t, base, id)
		allowed := append([][]byte{ft.acked}, ft.pending...)
		ok := false
		for _, want := range allowed {
			if (want == nil && status == 404) || (want != nil && status == 200 && sameFeature(got, want)) {
				ok = true
			}
		}
		if !ok {
			t.Fatalf("feature %s after restart: status %d %s; acknowledged state %s (and %d in flight)", id, status, got, ft.acked, len(ft.pending))
		}
		// What the restarted server holds is now the truth.
		if status == 404 {
			ft.acked, ft.exists = nil, false
		} else {
			ft.acked, ft.exists = got, true
		}
		ft.pending = nil
	}
}

func getFeature(t *testing.T, base, id string) ([]byte, int) {
	t.Helper()
	res, err := http.Get(base + "/collections/ports/items/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return b, res.StatusCode
}

// sameFeature compares two features' geometry and properties.
func sameFeature(a, b []byte) bool {
	fa, errA := geojson.UnmarshalFeature(a)
	fb, errB := geojson.UnmarshalFeature(b)
	if errA != nil || errB != nil {
		return false
	}
	delete(fa.Properties, "links")
	pa, _ := json.Marshal(fa.Properties)
	pb, _ := json.Marshal(fb.Properties)
	return orb.Equal(fa.Geometry, fb.Geometry) && bytes.Equal(pa, pb)
}

// runClient creates ports, patches and deletes them, recording each write
// before it is sent (pending) and when it is answered 2xx (acknowledged).
func runClient(ctx context.Context, base, name string, writes int, seed uint64, tr *truth) {
	rng := rand.New(rand.NewPCG(seed, 3))
	client := &http.Client{Timeout: 20 * time.Second}
	var mine []string
	for i := 0; i < writes; i++ {
		if ctx.Err() != nil {
			return
		}
		switch {
		case len(mine) == 0 || rng.IntN(3) == 0:
			id := fmt.Sprintf("crash-%s-%d", name, i)
			f := portFeature(id, rng)
			tr.record(id, false, f)
			if send(ctx, client, "POST", base+"/collections/ports/items", "application/geo+json", f) == 201 {
				tr.record(id, true, f)
				mine = append(mine, id)
			}
		case rng.IntN(4) == 0:
			k := rng.IntN(len(mine))
			id := mine[k]
			tr.record(id, false, nil)
			if send(ctx, client, "DELETE", base+"/collections/ports/items/"+id, "", nil) == 204 {
				tr.record(id, true, nil)
				mine = append(mine[:k], mine[k+1:]...)
			}
		default:
			id := mine[rng.IntN(len(mine))]
			f := portFeature(id, rng)
			tr.record(id, false, f)
			if send(ctx, client, "PUT", base+"/collections/ports/items/"+id, "application/geo+json", f) == 200 {
				tr.record(id, true, f)
			}
		}
	}
}

func portFeature(id string, rng *rand.Rand) []byte {
	f := geojson.NewFeature(orb.Point{float64(int64((118+rng.Float64()*4)*1e6)) / 1e6, float64(int64((24+rng.Float64()*6)*1e6)) / 1e6})
	f.Properties = geojson.Properties{"id": id, "name": "崩溃测试港 " + id, "name_en": "Crash test " + id, "kind": "port",
		"status": data.Statuses[rng.IntN(len(data.Statuses))], "target_year": float64(2025 + rng.IntN(10)), "city": "温州市", "county": "鹿城区",
		"source_doc": nil, "source_excerpt": nil, "geometry_precision": "approximate", "placement_note": fmt.Sprintf("revision %d", rng.IntN(1e9))}
	f.ID = id
	return data.EncodeFeature(id, f)
}

func send(ctx context.Context, client *http.Client, method, url, contentType string, body []byte) int {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer crash-secret")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}
