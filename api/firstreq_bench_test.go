package api

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/valyala/fasthttp"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/testtool"
)

// BenchmarkFirstCorridorsItems measures the first items request of a
// freshly started server, the request bench/peers.sh times: corridors in a
// ~0.1° box around a corridor vertex, limit=100, gzip accepted, on 100k
// generated features, in process (no sockets). Every iteration builds a
// new store and server (untimed) and waits for its tiles, so that nothing
// of the page was encoded before; only the one request is timed. "again"
// repeats a request whose features were encoded before (the index query,
// the page's assembly and its compression), and "again-identity" does so
// without gzip. ns/op is the wall clock (a page is encoded and compressed
// on every core), cpu-ns/op the process's CPU time over the request.
//
//	go test -run '^$' -bench FirstCorridorsItems -benchtime 8x ./api
func BenchmarkFirstCorridorsItems(b *testing.B) {
	ds := data.Generate(data.GenOptions{Features: 100_000, Seed: 1})
	urls := corridorBoxURLs(ds, 64)
	newServer := func(b *testing.B) *Server {
		store := data.NewMemoryStore(ds, data.FileOptions{MatchCacheBytes: -1})
		srv, err := NewWithStore(store, Options{MatchCacheBytes: -1})
		if err != nil {
			b.Fatal(err)
		}
		for f, _ := srv.currentFigures(); !f.TilesPrepared; f, _ = srv.currentFigures() {
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := srv.app.Test(httptest.NewRequest("GET", "/conformance", nil), -1); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		return srv
	}
	b.Run("first", func(b *testing.B) {
		var bytes int
		var cpu time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			srv := newServer(b)
			b.StartTimer()
			start := testtool.ProcessCPU(b)
			bytes += serveItems(b, srv, urls[i%len(urls)], true)
			cpu += testtool.ProcessCPU(b) - start
			b.StopTimer()
			srv.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(bytes)/float64(b.N), "gzip-bytes/op")
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	})
	srv := newServer(b)
	defer srv.Close()
	for _, u := range urls {
		serveItems(b, srv, u, true)
	}
	for _, gzip := range []bool{true, false} {
		name := "again"
		if !gzip {
			name = "again-identity"
		}
		b.Run(name, func(b *testing.B) {
			var bytes int
			start := testtool.ProcessCPU(b)
			for i := 0; i < b.N; i++ {
				bytes += serveItems(b, srv, urls[i%len(urls)], gzip)
			}
			b.ReportMetric(float64(bytes)/float64(b.N), "body-bytes/op")
			b.ReportMetric(float64((testtool.ProcessCPU(b)-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// corridorBoxURLs are n items requests of corridors, each in a box of
// 0.1° around a vertex of a corridor picked at random, as bench/peers.sh
// makes them.
func corridorBoxURLs(ds *data.Dataset, n int) []string {
	corridors := ds.Layer(data.Corridors).Features.Features
	rng := rand.New(rand.NewPCG(16, 16))
	var urls []string
	for len(urls) < n {
		var line orb.LineString
		switch g := corridors[rng.IntN(len(corridors))].Geometry.(type) {
		case orb.LineString:
			line = g
		case orb.MultiLineString:
			line = g[rng.IntN(len(g))]
		}
		if len(line) == 0 {
			continue
		}
		p := line[rng.IntN(len(line))]
		urls = append(urls, fmt.Sprintf("/collections/corridors/items?bbox=%.4f,%.4f,%.4f,%.4f&limit=100", p[0]-.05, p[1]-.05, p[0]+.05, p[1]+.05))
	}
	return urls
}

// serveItems runs one request through the server's whole handler chain
// and returns the body's length.
func serveItems(b *testing.B, srv *Server, target string, gzip bool) int {
	var ctx fasthttp.RequestCtx
	ctx.Init(&fasthttp.Request{}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}, nil)
	ctx.Request.Header.SetMethod("GET")
	ctx.Request.SetRequestURI(target)
	ctx.Request.Header.SetHost("127.0.0.1:21300")
	if gzip {
		ctx.Request.Header.Set("Accept-Encoding", "gzip")
	}
	srv.app.Server().Handler(&ctx)
	if ctx.Response.StatusCode() != 200 {
		b.Fatalf("GET %s: %d %s", target, ctx.Response.StatusCode(), ctx.Response.Body())
	}
	if gzip && string(ctx.Response.Header.ContentEncoding()) != "gzip" {
		b.Fatalf("GET %s: Content-Encoding %q, want gzip", target, ctx.Response.Header.ContentEncoding())
	}
	return len(ctx.Response.Body())
}
