package postgis

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/planmap/planmap/api"
	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/internal/pgtest"
)

// serveStore serves a store over HTTP with one editor token until the
// test ends and returns its base URL.
func serveStore(t *testing.T, s data.Store, token string) string {
	t.Helper()
	tokens := &api.Tokens{}
	tokens.AddSecret("test", api.RoleEditor, token)
	srv, err := api.NewWithStore(s, api.Options{Tokens: tokens})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeListener(ctx, ln, 5*time.Second) }()
	t.Cleanup(func() {
		cancel()
		<-done
		srv.Close()
	})
	return "http://" + ln.Addr().String()
}

func patchHTTP(base, token, layer, id, body string) (int, http.Header, string, error) {
	req, _ := http.NewRequest(http.MethodPatch, base+"/collections/"+layer+"/items/"+id, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/merge-patch+json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b), nil
}

// TestDatabaseDown stops PostgreSQL under read load and starts it again:
// no read fails, writes answer 503 with Retry-After while it is down,
// Health reports it, and both recover without a restart — including
// changes made in the database while the replica was cut off.
func TestDatabaseDown(t *testing.T) {
	c := pgtest.Start(t)
	c.CreateDatabase(t, "planmap")
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	if err := Import(context.Background(), c.URL("planmap"), ds, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, c.URL("planmap"))
	base := serveStore(t, s, "secret-token")
	id := s.Current().Layer(data.Ports).ID(0)

	var reads, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			urls := []string{"/collections/ports/items?limit=5", "/collections/industrial-parks/items?bbox=119,26,122,29&limit=100",
				"/collections/ports/items/" + id}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.Get(base + urls[i%len(urls)])
				reads.Add(1)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		}()
	}
	if code, _, body, err := patchHTTP(base, "secret-token", data.Ports, id, `{"properties":{"name":"before the outage"}}`); err != nil || code != 200 {
		t.Fatalf("write before the outage: %d %s %v", code, body, err)
	}
	if err := c.StopServer(); err != nil {
		t.Fatal(err)
	}
	downAt := time.Now()
	code, hdr, body, err := patchHTTP(base, "secret-token", data.Ports, id, `{"properties":{"name":"during the outage"}}`)
	if err != nil || code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" || !strings.Contains(body, `"code"`) {
		t.Fatalf("write while the database is down: %d Retry-After %q %s %v", code, hdr.Get("Retry-After"), body, err)
	}
	if h := s.Health(); h.Problem == "" || !h.Ready {
		t.Fatalf("health while the database is down: %+v", h)
	}
	time.Sleep(time.Second)
	if err := c.StartServer(); err != nil {
		t.Fatal(err)
	}
	// A change made in the database while the replica could not listen.
	if _, err := c.Psql("planmap", fmt.Sprintf("UPDATE ports SET name = 'while cut off' WHERE id = '%s'", s.Current().Layer(data.Ports).ID(1))); err != nil {
		t.Fatal(err)
	}
	var recovered time.Duration
	if !waitFor(15*time.Second, func() bool {
		code, _, _, err := patchHTTP(base, "secret-token", data.Ports, id, `{"properties":{"name":"after the outage"}}`)
		if err == nil && code == 200 {
			recovered = time.Since(downAt)
			return true
		}
		time.Sleep(100 * time.Millisecond)
		return false
	}) {
		t.Fatal("writes did not recover within 15 s of the restart")
	}
	if !waitFor(5*time.Second, func() bool {
		lv := s.Current().Layer(data.Ports)
		return lv.Feature(lv.At(1)).Properties["name"] == "while cut off" && s.Health().Problem == ""
	}) {
		t.Fatalf("the replica did not catch up after the restart: %+v", s.Health())
	}
	close(stop)
	wg.Wait()
	t.Logf("%d reads during the outage and recovery, %d failed; writes worked again %v after the stop", reads.Load(), failed.Load(), recovered.Round(time.Millisecond))
	if failed.Load() != 0 {
		t.Fatalf("%d of %d reads failed", failed.Load(), reads.Load())
	}
}

// TestHTTPConcurrentWrites: eight clients patch eight features through the
// API at once; every write succeeds, the replica ends with each client's
// last write, and a replica loading afresh serves the same. (fiber hands
// handlers strings backed by buffers it reuses: the store must own the
// ids it keeps.)
func TestHTTPConcurrentWrites(t *testing.T) {
	c, db := importedDB(t)
	s := openStore(t, c.URL(db))
	base := serveStore(t, s, "x")
	lv := s.Current().Layer(data.IndustrialParks)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		id := lv.ID(lv.At(w))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 10; n++ {
				code, _, body, err := patchHTTP(base, "x", data.IndustrialParks, id, fmt.Sprintf(`{"properties":{"name":"v%d"}}`, n))
				if err != nil || code != 200 {
					t.Errorf("%s write %d: %d %s %v", id, n, code, body, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	cur := s.Current().Layer(data.IndustrialParks)
	for w := 0; w < 8; w++ {
		r, ok := cur.Lookup(lv.ID(lv.At(w)))
		if !ok || cur.Feature(r).Properties["name"] != "v9" {
			t.Errorf("feature %s: found %v, name %v", lv.ID(lv.At(w)), ok, cur.Feature(r).Properties["name"])
		}
	}
	if fresh := openStore(t, c.URL(db)); digestOf(fresh) != digestOf(s) {
		t.Fatal("a replica loading afresh serves other data")
	}
}
