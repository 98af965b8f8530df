package storetest

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
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
)

// The crash tests of both stores (cmd/planmap for the file store,
// data/postgis for replicas on one database) run real `planmap serve`
// processes, write to them from several clients, kill them with SIGKILL
// and check that nothing acknowledged was lost. This file holds what they
// share: building and starting the server, the writing clients and the
// record of what each write left.

// BuildPlanmap builds the planmap command into the test's folder and
// returns the binary's path.
func BuildPlanmap(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "planmap")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/planmap/planmap/cmd/planmap").CombinedOutput(); err != nil {
		t.Fatalf("storetest: building planmap: %v\n%s", err, out)
	}
	return bin
}

// Process is a running `planmap serve`.
type Process struct {
	Base string // http://127.0.0.1:PORT
	cmd  *exec.Cmd
	logs *bytes.Buffer
}

// Kill stops the process with SIGKILL (a crash, not a shutdown) and waits
// for it; killing it twice is harmless.
func (p *Process) Kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

// StartServe runs `bin serve --addr FREE-PORT args...` with token as its
// write token and waits until /collections answers 200 (60 s at most).
// The process is killed when the test ends.
func StartServe(t *testing.T, bin, token string, args ...string) *Process {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr}, args...)...)
	cmd.Env = append(os.Environ(), "PLANMAP_WRITE_TOKEN="+token)
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Process{Base: "http://" + addr, cmd: cmd, logs: logs}
	t.Cleanup(p.Kill)
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(p.Base + "/collections")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			p.Kill()
			t.Fatalf("storetest: planmap serve %v did not start: %v\n%s", args, err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Truth is what the writing clients know: for each feature the state its
// last acknowledged write left (nil: absent) and the states of writes sent
// but not answered, which a crash may or may not have kept.
type Truth struct {
	mu       sync.Mutex
	acked    int
	features map[string]*truthFeature
}

type truthFeature struct {
	acked   []byte
	pending [][]byte
}

// NewTruth returns an empty record.
func NewTruth() *Truth { return &Truth{features: map[string]*truthFeature{}} }

// Acked is the number of writes answered 2xx so far.
func (tr *Truth) Acked() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.acked
}

// Features is the number of features the clients have touched.
func (tr *Truth) Features() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.features)
}

func (tr *Truth) record(id string, ack bool, state []byte) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	f := tr.features[id]
	if f == nil {
		f = &truthFeature{}
		tr.features[id] = f
	}
	if ack {
		f.acked, f.pending = state, nil
		tr.acked++
		return
	}
	f.pending = append(f.pending, state)
}

// Verify reads every feature the clients touched through the server at
// base and fails unless each is in its acknowledged state or one of its
// in-flight states; then what is served becomes the truth. It returns the
// ETag of each feature served. name says which server in messages.
func (tr *Truth) Verify(t *testing.T, name, base string) map[string]string {
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

// Writer is one client of a crash test.
type Writer struct {
	Base  string // the server written to
	Token string // its write token
	Name  string // prefix of the ids of the ports it creates
	Max   int    // writes to send at most; 0: until the context ends
	Seed  uint64
}

// Run creates ports, replaces and deletes them, recording each write in tr
// before it is sent (in flight) and when it is answered 2xx (acknowledged),
// until Max writes are sent or ctx ends.
func (w Writer) Run(ctx context.Context, tr *Truth) {
	rng := rand.New(rand.NewPCG(w.Seed, 5))
	client := &http.Client{Timeout: 30 * time.Second}
	var mine []string
	for i := 0; ctx.Err() == nil && (w.Max == 0 || i < w.Max); i++ {
		switch {
		case len(mine) == 0 || rng.IntN(3) == 0:
			id := fmt.Sprintf("%s-%d", w.Name, i)
			f := crashPort(id, rng)
			tr.record(id, false, f)
			if w.send(ctx, client, "POST", "/collections/ports/items", f) == 201 {
				tr.record(id, true, f)
				mine = append(mine, id)
			}
		case rng.IntN(4) == 0:
			k := rng.IntN(len(mine))
			id := mine[k]
			tr.record(id, false, nil)
			if w.send(ctx, client, "DELETE", "/collections/ports/items/"+id, nil) == 204 {
				tr.record(id, true, nil)
				mine = append(mine[:k], mine[k+1:]...)
			}
		default:
			id := mine[rng.IntN(len(mine))]
			f := crashPort(id, rng)
			tr.record(id, false, f)
			if w.send(ctx, client, "PUT", "/collections/ports/items/"+id, f) == 200 {
				tr.record(id, true, f)
			}
		}
	}
}

func crashPort(id string, rng *rand.Rand) []byte {
	f := geojson.NewFeature(orb.Point{float64(int64((118+rng.Float64()*4)*1e6)) / 1e6, float64(int64((24+rng.Float64()*6)*1e6)) / 1e6})
	f.Properties = geojson.Properties{"id": id, "name": "崩溃测试港 " + id, "name_en": "Crash test " + id, "kind": "port",
		"status": data.Statuses[rng.IntN(len(data.Statuses))], "target_year": float64(2025 + rng.IntN(10)), "city": "温州市", "county": "鹿城区",
		"source_doc": nil, "source_excerpt": nil, "geometry_precision": "approximate", "placement_note": fmt.Sprintf("revision %d", rng.IntN(1e9))}
	f.ID = id
	return data.EncodeFeature(id, f)
}

func (w Writer) send(ctx context.Context, client *http.Client, method, path string, body []byte) int {
	req, err := http.NewRequestWithContext(ctx, method, w.Base+path, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+w.Token)
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
