package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/tiles"
)

// Options configures a Server. The zero value is usable.
type Options struct {
	// BaseURL is the service's public URL (scheme, host and any path
	// prefix) for the links it writes. Empty: taken from each request.
	BaseURL string
	// TileCacheBytes bounds the tile cache; 0 means 256 MiB.
	TileCacheBytes int64
	// ReadTimeout, WriteTimeout and IdleTimeout bound each connection;
	// zero values mean 10 s, 60 s and 60 s.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// Logger receives server errors; nil means slog.Default().
	Logger *slog.Logger
	// MatchCacheBytes bounds each layer's cache of filtered items answers
	// (see matchCache); 0 means 64 MiB, a negative value turns it off.
	MatchCacheBytes int64
	// TileSource, when set, serves /tiles/{z}/{x}/{y}.mvt from ready-made
	// tiles (a PMTiles archive) instead of the dataset's tiler.
	TileSource tiles.TileSource
	// BenchEndpoints adds /bench/copy/*, the load-test baseline (see
	// benchCopy). Off in normal service.
	BenchEndpoints bool
	// Tokens authorises writes; nil: nobody may write.
	Tokens *Tokens
	// WriteOrigins are the browser origins allowed to send writes with
	// credentials (CORS); reads are open to every origin.
	WriteOrigins []string
	// MaxWriteBytes bounds a write's body (0: 8 MiB).
	MaxWriteBytes int

	// RequestTimeout is the deadline of a request's work, AnalysisTimeout
	// that of /analysis/coverage and /analysis/buffer; zero values mean
	// 10 s and 60 s (see limits.go).
	RequestTimeout, AnalysisTimeout time.Duration
	// Concurrency bounds the requests of each expensive kind running at
	// once: "analysis", "tiles_low_zoom", "items_large"; missing or 0
	// means a default from GOMAXPROCS.
	Concurrency map[string]int
	// MaxBody bounds request bodies (POST); 0 means 1 MiB. MaxGetBody
	// bounds GET, HEAD and OPTIONS bodies; 0 means 1 KiB, negative none.
	MaxBody, MaxGetBody int
	// ReadBufferSize bounds the request line and headers; 0 means 16 KiB
	// (room for some 240 corridor ids in a query string).
	ReadBufferSize int
	// TrustedProxies are the addresses or CIDR ranges whose
	// X-Forwarded-For, -Host and -Proto headers are believed. Empty: none
	// are. The -Host and -Proto headers are ignored anyway when BaseURL is
	// set.
	TrustedProxies []string
	// AccessLog receives one line per request; nil means none.
	AccessLog *slog.Logger
	// Ready, when set, is asked by /readyz whether the server's stores
	// are reachable.
	Ready func() error
	// Basemaps are offered by the web map besides the offline one (see
	// Basemap, ParseBasemap); listed at /basemaps.
	Basemaps []Basemap
}

// Server serves a store's data: reads from the store's current snapshot,
// writes through the store (api/edit.go).
type Server struct {
	app   *fiber.App
	opts  Options
	log   *slog.Logger
	state atomic.Pointer[snapshot]
	// matches keeps the match cache lookups of retired versions; state
	// changes through install (api/ops.go).
	matches matchTotals
	// store keeps the data; refreshMu serialises deriving the API's
	// snapshot from a new store snapshot.
	store       data.Store
	refreshMu   sync.Mutex
	unsubscribe func()
	// tileCache keeps rendered tiles across versions: a change drops only
	// the tiles of its area (tiles.Cache.Carry).
	tileCache *tiles.Cache
	// newTiler prepares a version's base tiler (tiles.New when nil; tests
	// make it fail, see api/tilebuild_test.go).
	newTiler func(version string, sources []tiles.Source, opts tiles.Options) (*tiles.Tiler, error)
	// tokens authorises writes (api/auth.go).
	tokens *Tokens
	// extraPaths lets each group of routes describe its endpoints in the
	// OpenAPI document.
	extraPaths []func() []apiPath
	// ops is health, metrics, limits and access logging (api/ops.go).
	ops *opsState
	// lastBase is the base URL of the last request's Host (baseURL).
	lastBase atomic.Pointer[hostBase]
}

// New serves a loaded dataset, read-only.
func New(ds *data.Dataset, opts Options) (*Server, error) {
	return NewWithStore(data.NewMemoryStore(ds, data.FileOptions{MatchCacheBytes: opts.MatchCacheBytes}), opts)
}

// NewWithStore serves a store's data and follows its changes.
func NewWithStore(store data.Store, opts Options) (*Server, error) {
	if opts.TileCacheBytes == 0 {
		opts.TileCacheBytes = 256 << 20
	}
	if opts.MatchCacheBytes == 0 {
		opts.MatchCacheBytes = 64 << 20
	}
	if opts.ReadTimeout == 0 {
		opts.ReadTimeout = 10 * time.Second
	}
	if opts.WriteTimeout == 0 {
		opts.WriteTimeout = 60 * time.Second
	}
	if opts.IdleTimeout == 0 {
		opts.IdleTimeout = 60 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxWriteBytes == 0 {
		opts.MaxWriteBytes = 8 << 20
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 10 * time.Second
	}
	if opts.AnalysisTimeout <= 0 {
		opts.AnalysisTimeout = 60 * time.Second
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 1 << 20
	}
	switch {
	case opts.MaxGetBody == 0:
		opts.MaxGetBody = 1 << 10
	case opts.MaxGetBody < 0:
		opts.MaxGetBody = 0
	}
	if opts.ReadBufferSize <= 0 {
		opts.ReadBufferSize = 16 << 10
	}
	opts.BaseURL = strings.TrimSuffix(opts.BaseURL, "/")
	s := &Server{opts: opts, log: opts.Logger, store: store, tileCache: tiles.NewCache(opts.TileCacheBytes), tokens: opts.Tokens}
	if s.tokens == nil {
		s.tokens = &Tokens{}
	}
	if err := s.refresh(); err != nil {
		return nil, err
	}
	s.unsubscribe = store.Subscribe(func(*data.Snapshot) {
		if err := s.refresh(); err != nil {
			s.log.Error("serving a new data version failed; still serving the last one", "err", err)
		}
	})
	s.app = fiber.New(fiber.Config{
		AppName:               "planmap",
		DisableStartupMessage: true,
		ErrorHandler:          errorHandler(s.log),
		ReadTimeout:           opts.ReadTimeout,
		WriteTimeout:          opts.WriteTimeout,
		IdleTimeout:           opts.IdleTimeout,
		StrictRouting:         false,
		CaseSensitive:         true,
		// Bodies up to twice the write limit are read, so a write over
		// the limit gets a 413 in the OGC form rather than a reset; GET,
		// HEAD and OPTIONS bodies are held to MaxGetBody (bodyCheck).
		BodyLimit:      max(2*opts.MaxWriteBytes, opts.MaxBody),
		ReadBufferSize: opts.ReadBufferSize,
		UnescapePath:   true,
		// Proxy headers count only from the configured proxies.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          opts.TrustedProxies,
		ProxyHeader:             proxyHeader(opts.TrustedProxies),
	})
	s.ops = newOpsState(s)
	go warmGzip()
	s.app.Server().Handler = s.guardRequests(s.app.Server().Handler)
	s.watchRefusals()
	// One middleware route with every handler in order: each c.Next()
	// then steps to the next handler instead of searching the route
	// tree again (fiber does that between routes).
	s.app.Use(
		requestid.New(),
		s.opsMiddleware,
		recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
			s.log.Error("panic in handler", "request_id", requestID(c), "path", c.OriginalURL(), "panic", fmt.Sprint(e))
		}}),
		s.revalidateWhenEditable,
		s.writeCORS,
		cors.New(cors.Config{
			AllowOrigins:  "*",
			AllowMethods:  "GET,HEAD,POST,OPTIONS",
			AllowHeaders:  "Accept,Accept-Encoding,If-None-Match,Content-Type",
			ExposeHeaders: "ETag,Link,Content-Encoding,Content-Length,X-Request-Id,Retry-After",
		}),
		s.handleAnyOptions,
		compress.New(compress.Config{
			Level: compress.LevelBestSpeed,
			// Tiles are cached gzipped and sent as gzip or plain bytes by their
			// handler; compressing them again per request would waste the cache.
			Next: func(c *fiber.Ctx) bool { return isTilePath(c.Path()) },
		}),
		gzipLargeBodies,
	)
	s.routesOps()
	s.routes()
	return s, nil
}

// Swap serves ds, read-only, in place of the store's data. Requests
// already running finish on the version they started with.
func (s *Server) Swap(ds *data.Dataset) error {
	store := data.NewMemoryStore(ds, data.FileOptions{MatchCacheBytes: s.opts.MatchCacheBytes})
	s.refreshMu.Lock()
	old, oldUnsub := s.store, s.unsubscribe
	s.store = store
	s.refreshMu.Unlock()
	if oldUnsub != nil {
		oldUnsub()
	}
	s.install(nil)
	if err := s.refresh(); err != nil {
		return err
	}
	s.unsubscribe = store.Subscribe(func(*data.Snapshot) { _ = s.refresh() })
	_ = old
	return nil
}

// refresh makes the store's current snapshot the one requests see, unless
// it already is.
func (s *Server) refresh() error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	ds := s.store.Current()
	prev := s.state.Load()
	if prev != nil && prev.data == ds {
		return nil
	}
	if prev != nil && prev.data.Seq > ds.Seq && prev.data.Source == ds.Source {
		return nil // an older snapshot reported late
	}
	snap, err := s.newSnapshot(ds, prev)
	if err != nil {
		return err
	}
	s.install(snap)
	return nil
}

// Store returns the store the server serves.
func (s *Server) Store() data.Store { return s.store }

// Close stops following the store.
func (s *Server) Close() {
	if s.unsubscribe != nil {
		s.unsubscribe()
	}
}

// App returns the fiber application, for tests (app.Test) and embedding.
func (s *Server) App() *fiber.App { return s.app }

// Serve listens on addr until ctx is cancelled, then stops accepting
// connections and lets in-flight requests finish within grace.
func (s *Server) Serve(ctx context.Context, addr string, grace time.Duration) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("api: listening on %s: %w", addr, err)
	}
	return s.ServeListener(ctx, ln, grace)
}

// ServeListener serves on ln until ctx is cancelled, then shuts down as
// Serve does.
func (s *Server) ServeListener(ctx context.Context, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- s.app.Listener(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("api: serving on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := s.app.ShutdownWithContext(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("api: shutting down: %w", err)
	}
	// A context already done when ServeListener is called (a signal during
	// start-up) may win the race with the serving goroutine: the shutdown
	// then finds no listener to close, and serving would begin afterwards
	// and never end. Closing the listener ends it either way.
	_ = ln.Close()
	if err := <-errc; err != nil {
		return fmt.Errorf("api: serving on %s: %w", ln.Addr(), err)
	}
	return nil
}

// routes registers every endpoint. Each group lives in a file of its own.
func (s *Server) routes() {
	s.routesBench()
	s.routesFeatures()
	s.routesEdit()
	s.routesFrontend()
	s.routesSearch()
	s.routesTiles()
	s.routesAnalysis()
	s.routesWFS()
	s.routesBasemaps()
}

// isTilePath reports whether path is one the compress middleware leaves
// alone: the XYZ tiles and everything under /tiles/, and a collection's
// OGC tiles (/collections/{id}/tiles/{tms}/{z}/{row}/{col}), whose
// handler sends them gzipped or plain from the cache.
func isTilePath(path string) bool {
	if strings.HasPrefix(path, "/tiles/") {
		return true
	}
	rest, ok := strings.CutPrefix(path, "/collections/")
	if !ok {
		return false
	}
	_, rest, ok = strings.Cut(rest, "/tiles/")
	return ok && strings.Count(rest, "/") == 3
}
