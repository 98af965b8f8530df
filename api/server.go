package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"github.com/planmap/planmap/data"
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
	// BenchEndpoints adds /bench/copy/*, the load-test baseline (see
	// benchCopy). Off in normal service.
	BenchEndpoints bool
	// Basemaps are offered by the web map besides the offline one (see
	// Basemap, ParseBasemap); listed at /basemaps.
	Basemaps []Basemap
}

// Server serves one dataset at a time; Swap replaces it atomically.
type Server struct {
	app   *fiber.App
	opts  Options
	log   *slog.Logger
	state atomic.Pointer[snapshot]
	// extraPaths lets each group of routes describe its endpoints in the
	// OpenAPI document.
	extraPaths []func() []apiPath
}

// New indexes ds and builds a server for it.
func New(ds *data.Dataset, opts Options) (*Server, error) {
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
	opts.BaseURL = strings.TrimSuffix(opts.BaseURL, "/")
	s := &Server{opts: opts, log: opts.Logger}
	if err := s.Swap(ds); err != nil {
		return nil, err
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "planmap",
		DisableStartupMessage: true,
		ErrorHandler:          errorHandler(s.log),
		ReadTimeout:           opts.ReadTimeout,
		WriteTimeout:          opts.WriteTimeout,
		IdleTimeout:           opts.IdleTimeout,
		StrictRouting:         false,
		CaseSensitive:         true,
	})
	s.app.Use(requestid.New())
	s.app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		s.log.Error("panic in handler", "request_id", requestID(c), "path", c.OriginalURL(), "panic", fmt.Sprint(e))
	}}))
	s.app.Use(cors.New(cors.Config{
		AllowOrigins:  "*",
		AllowMethods:  "GET,HEAD,OPTIONS",
		AllowHeaders:  "Accept,Accept-Encoding,If-None-Match,Content-Type",
		ExposeHeaders: "ETag,Link,Content-Encoding,Content-Length,X-Request-Id",
	}))
	s.app.Use(compress.New(compress.Config{
		Level: compress.LevelBestSpeed,
		// Tiles are cached gzipped and sent as gzip or plain bytes by their
		// handler; compressing them again per request would waste the cache.
		Next: func(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/tiles/") },
	}))
	s.routes()
	return s, nil
}

// Swap indexes ds and makes it the dataset every new request sees. Requests
// already running finish on the version they started with.
func (s *Server) Swap(ds *data.Dataset) error {
	snap, err := newSnapshot(ds, s.opts)
	if err != nil {
		return err
	}
	s.state.Store(snap)
	return nil
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
	if err := <-errc; err != nil {
		return fmt.Errorf("api: serving on %s: %w", ln.Addr(), err)
	}
	return nil
}

// routes registers every endpoint. Each group lives in a file of its own.
func (s *Server) routes() {
	s.routesBench()
	s.routesFeatures()
	s.routesFrontend()
	s.routesSearch()
	s.routesTiles()
	s.routesAnalysis()
	s.routesBasemaps()
}
