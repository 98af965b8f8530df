package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/tiles"
)

// TestTilesWaitForTheirPreparation holds a server's tile preparation
// unfinished, as it is for tens of seconds after a large dataset's start:
// tile, TileJSON and style requests must then answer 503 with Retry-After
// in the OGC form once their deadline passes (never a wrong or empty
// tile), the other routes answer at once, and once the preparation ends
// every answer is byte for byte the one a server whose tiles were ready
// gives.
func TestTilesWaitForTheirPreparation(t *testing.T) {
	ds, ready := defaultWithTiles(t)
	srv, err := New(ds, Options{BaseURL: "http://planmap.test", RequestTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// hold the preparation: a build that is not done yet, finished below
	// with the one the server prepared
	snap := srv.state.Load()
	prepared := snap.tiles
	if err := srv.WaitTiles(t.Context()); err != nil {
		t.Fatal(err)
	}
	held := &tileBuild{done: make(chan struct{})}
	snap.tiles = held

	targets := []string{"/tiles/0/0/0.mvt", "/tiles/6/52/26.mvt", "/tiles.json", "/styles/default.json",
		"/collections/ports/tiles/WebMercatorQuad"}
	for _, target := range targets {
		start := time.Now()
		r := get(t, srv, target)
		if r.status != http.StatusServiceUnavailable {
			t.Fatalf("%s while the tiles are prepared: status %d, want 503: %s", target, r.status, r.body)
		}
		if waited := time.Since(start); waited < 150*time.Millisecond {
			t.Errorf("%s: answered after %v, before its deadline", target, waited)
		}
		if r.header.Get("Retry-After") == "" {
			t.Errorf("%s: 503 without Retry-After", target)
		}
		var body struct{ Code, Description string }
		if err := json.Unmarshal(r.body, &body); err != nil || body.Code == "" || body.Description == "" {
			t.Errorf("%s: 503 body %q is not an OGC exception", target, r.body)
		}
	}
	// routes that do not need the tiles answer while they are held (a
	// wait for them would end in the 503 above)
	for _, target := range []string{"/readyz", "/collections/ports/items?limit=3", "/search?q=port"} {
		if r := get(t, srv, target); r.status != http.StatusOK {
			t.Errorf("%s while the tiles are prepared: status %d: %s", target, r.status, r.body)
		}
	}

	// health and metrics say the tiles are not prepared yet
	tilesPrepared := func() (bool, string) {
		var h struct {
			Data struct {
				TilesPrepared bool `json:"tiles_prepared"`
			} `json:"data"`
		}
		if r := get(t, srv, "/health"); r.status != http.StatusOK || json.Unmarshal(r.body, &h) != nil {
			t.Fatalf("/health: status %d: %s", r.status, r.body)
		}
		m := get(t, srv, "/metrics")
		for _, line := range strings.Split(string(m.body), "\n") {
			if strings.HasPrefix(line, "planmap_tiles_prepared ") {
				return h.Data.TilesPrepared, strings.TrimPrefix(line, "planmap_tiles_prepared ")
			}
		}
		t.Fatalf("/metrics has no planmap_tiles_prepared")
		return false, ""
	}
	if h, m := tilesPrepared(); h || m != "0" {
		t.Errorf("while the tiles are prepared: /health tiles_prepared %v, metric %s; want false, 0", h, m)
	}

	// a request waiting when the preparation ends gets its answer
	got := make(chan response, 1)
	go func() { got <- get(t, srv, "/tiles/0/0/0.mvt") }()
	time.Sleep(50 * time.Millisecond)
	held.base, held.tiler = prepared.base, prepared.tiler
	close(held.done)
	waiting := <-got
	if h, m := tilesPrepared(); !h || m != "1" {
		t.Errorf("once the tiles are prepared: /health tiles_prepared %v, metric %s; want true, 1", h, m)
	}
	for _, target := range append(targets, "/tiles/0/0/0.mvt?layers=ports") {
		want := get(t, ready, target)
		r := get(t, srv, target)
		if target == targets[0] {
			r = waiting
		}
		if r.status != want.status || !bytes.Equal(r.body, want.body) {
			t.Errorf("%s once prepared: status %d, %d bytes; a ready server: %d, %d bytes", target, r.status, len(r.body), want.status, len(want.body))
		}
	}
}

// TestTilesFailedPreparation makes a server's tile preparation fail after
// it is ready, as running out of memory on a large dataset would: /readyz
// must then answer 503 in the OGC form naming the cause, /health report
// it (degraded, tiles_problem) and /metrics planmap_tiles_prepared 0,
// requests needing the tiles answer 503 naming it (not 500), the other
// routes keep answering, and a reload whose preparation succeeds makes
// the server ready again with the tiles of a server that never failed.
func TestTilesFailedPreparation(t *testing.T) {
	ds, ready := defaultWithTiles(t)
	srv, err := New(ds, Options{BaseURL: "http://planmap.test"})
	if err != nil {
		t.Fatal(err)
	}
	if r := get(t, srv, "/readyz"); r.status != http.StatusOK {
		t.Fatalf("/readyz before the failure: %d %s", r.status, r.body)
	}
	const cause = "injected: cannot allocate memory"
	srv.newTiler = func(string, []tiles.Source, tiles.Options) (*tiles.Tiler, error) {
		return nil, errors.New(cause)
	}
	if err := srv.Swap(ds); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitTiles(t.Context()); err == nil || !strings.Contains(err.Error(), cause) {
		t.Fatalf("WaitTiles after a failed preparation: %v, want the cause", err)
	}

	ogc := func(target string, r response, wantCode string) {
		t.Helper()
		var body struct{ Code, Description string }
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatalf("%s: body %q is not JSON: %v", target, r.body, err)
		}
		if body.Code != wantCode || !strings.Contains(body.Description, cause) {
			t.Errorf("%s: code %q description %q; want code %s naming %q", target, body.Code, body.Description, wantCode, cause)
		}
	}
	r := get(t, srv, "/readyz")
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("/readyz after the failure: status %d, want 503: %s", r.status, r.body)
	}
	ogc("/readyz", r, "NotReady")
	for _, target := range []string{"/tiles/0/0/0.mvt", "/tiles/6/52/26.mvt", "/tiles.json", "/styles/default.json"} {
		r := get(t, srv, target)
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("%s after the failure: status %d, want 503: %s", target, r.status, r.body)
		}
		ogc(target, r, "TilesUnavailable")
	}
	for _, target := range []string{"/livez", "/collections/ports/items?limit=3", "/search?q=port"} {
		if r := get(t, srv, target); r.status != http.StatusOK {
			t.Errorf("%s after the failure: status %d: %s", target, r.status, r.body)
		}
	}
	var h struct {
		Status string `json:"status"`
		Data   struct {
			TilesPrepared bool `json:"tiles_prepared"`
			TilesProblem  *struct {
				Time    time.Time `json:"time"`
				Message string    `json:"message"`
			} `json:"tiles_problem"`
		} `json:"data"`
		LastProblem *struct {
			Message string `json:"message"`
		} `json:"last_problem"`
	}
	health := func() {
		t.Helper()
		h.Data.TilesProblem, h.LastProblem = nil, nil
		if r := get(t, srv, "/health"); r.status != http.StatusOK || json.Unmarshal(r.body, &h) != nil {
			t.Fatalf("/health: status %d: %s", r.status, r.body)
		}
	}
	health()
	if h.Status != "degraded" || h.Data.TilesPrepared || h.Data.TilesProblem == nil ||
		!strings.Contains(h.Data.TilesProblem.Message, cause) || h.Data.TilesProblem.Time.IsZero() ||
		h.LastProblem == nil || !strings.Contains(h.LastProblem.Message, cause) {
		t.Errorf("/health after the failure: %+v; want degraded, tiles not prepared, the cause in tiles_problem and last_problem", h)
	}
	if m := get(t, srv, "/metrics"); !strings.Contains(string(m.body), "\nplanmap_tiles_prepared 0\n") {
		t.Errorf("/metrics after the failure lacks planmap_tiles_prepared 0")
	}

	// a reload whose preparation succeeds recovers
	srv.newTiler = nil
	if err := srv.Swap(ds); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitTiles(t.Context()); err != nil {
		t.Fatal(err)
	}
	if r := get(t, srv, "/readyz"); r.status != http.StatusOK {
		t.Errorf("/readyz after a reload: status %d: %s", r.status, r.body)
	}
	health()
	if h.Status != "ok" || !h.Data.TilesPrepared || h.Data.TilesProblem != nil {
		t.Errorf("/health after a reload: %+v; want ok, tiles prepared, no problem", h)
	}
	for _, target := range []string{"/tiles/0/0/0.mvt", "/tiles/6/52/26.mvt", "/tiles.json", "/styles/default.json"} {
		want, r := get(t, ready, target), get(t, srv, target)
		if r.status != want.status || !bytes.Equal(r.body, want.body) {
			t.Errorf("%s after a reload: status %d, %d bytes; a server that never failed: %d, %d bytes", target, r.status, len(r.body), want.status, len(want.body))
		}
	}
}

// defaultWithTiles returns the built-in dataset and a server of it whose
// tiles are prepared: what the tests compare a preparing server with.
func defaultWithTiles(t *testing.T) (*data.Dataset, *Server) {
	t.Helper()
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	ready, err := New(ds, Options{BaseURL: "http://planmap.test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ready.WaitTiles(t.Context()); err != nil {
		t.Fatal(err)
	}
	return ds, ready
}
