package api

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/testtool"
)

// BenchmarkItemsHandler measures the server's own work for the requests of
// bench/items.sh, in process (no sockets): the whole handler chain and the
// writing of the response into a buffer, for an items query with a bbox
// and limit=100 (64 boxes in turn, the match cache off, so every request
// searches the index) and for one feature by id (64 in turn), each beside
// /bench/copy of the same URLs, which answers the same bytes from memory.
// The difference between a route and its copy is the work the route adds.
//
//	go test -run '^$' -bench ItemsHandler -benchmem ./api
func BenchmarkItemsHandler(b *testing.B) {
	ds := data.Generate(data.GenOptions{Features: 100_000, Seed: 1})
	// A store that takes writes, as a served folder is (a read-only one
	// makes every cacheable answer ask why it cannot be edited).
	store := writableStore{data.NewMemoryStore(ds, data.FileOptions{MatchCacheBytes: -1})}
	srv, err := NewWithStore(store, Options{MatchCacheBytes: -1, BenchEndpoints: true})
	if err != nil {
		b.Fatal(err)
	}
	// Let the tiles be prepared first (in the background), as the load
	// test does, so that their preparation takes no CPU from the figures.
	for f, _ := srv.currentFigures(); !f.TilesPrepared; f, _ = srv.currentFigures() {
		time.Sleep(50 * time.Millisecond)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	towns := [][2]float64{{120.70, 28.00}, {120.65, 27.78}, {120.98, 28.11}, {120.57, 27.66}, {120.43, 27.52},
		{118.59, 24.91}, {118.55, 24.78}, {118.65, 24.73}, {118.39, 24.96}, {119.30, 26.08}}
	var bboxes, byID []string
	for i := 0; i < 64; i++ {
		t := towns[rng.IntN(len(towns))]
		x, y := t[0]+rng.Float64()*0.2-0.1, t[1]+rng.Float64()*0.2-0.1
		bboxes = append(bboxes, fmt.Sprintf("/collections/industrial-parks/items?bbox=%.4f,%.4f,%.4f,%.4f&limit=100", x-.15, y-.15, x+.15, y+.15))
	}
	parks := ds.Layer(data.IndustrialParks).Features.Features
	for i := 0; i < 64; i++ {
		byID = append(byID, "/collections/industrial-parks/items/"+data.FeatureID(parks[i*(len(parks)/64)]))
	}
	// The first request through fiber's own test path builds its route
	// tree (Listen would).
	if _, err := srv.app.Test(httptest.NewRequest("GET", "/conformance", nil), -1); err != nil {
		b.Fatal(err)
	}
	handler := srv.app.Server().Handler
	var ctx fasthttp.RequestCtx
	ctx.Init(&fasthttp.Request{}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}, nil)
	out := bufio.NewWriterSize(io.Discard, 4096)
	serve := func(b *testing.B, target string) {
		ctx.Request.Reset()
		ctx.Request.Header.SetMethod("GET")
		ctx.Request.SetRequestURI(target)
		ctx.Request.Header.SetHost("127.0.0.1:21300")
		ctx.Response.Reset()
		handler(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("GET %s: %d %s", target, ctx.Response.StatusCode(), ctx.Response.Body())
		}
		if err := ctx.Response.Write(out); err != nil {
			b.Fatal(err)
		}
	}
	for _, set := range []struct {
		name string
		urls []string
	}{{"bbox", bboxes}, {"byid", byID}} {
		for _, prefix := range []string{"", "/bench/copy"} {
			name := set.name
			if prefix != "" {
				name += "-copy"
			}
			for _, u := range set.urls {
				serve(b, prefix+u) // the copies capture their bytes
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				start := testtool.ProcessCPU(b)
				for i := 0; i < b.N; i++ {
					serve(b, prefix+set.urls[i%len(set.urls)])
				}
				// On a shared machine the process's CPU time is steadier
				// than the wall clock.
				b.ReportMetric(float64((testtool.ProcessCPU(b)-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// writableStore is a memory store that says it takes writes.
type writableStore struct{ *data.FileStore }

func (writableStore) Writable() error { return nil }
