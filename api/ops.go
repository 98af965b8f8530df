package api

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/valyala/fasthttp"

	"github.com/planmap/planmap/data"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"
)

// Operations: health, metrics and access logs.
//
//	GET /livez    200 while the process serves requests at all
//	GET /readyz   200 once the data is indexed and Options.Ready (a store
//	              check) passes, 503 otherwise
//	GET /health   JSON: data version, layers and feature counts, start
//	              time, the last reload or journal problem, cache sizes,
//	              limits in use
//	GET /metrics  Prometheus text format
//
// Every metric label is bounded: route is a registered route template
// (never a raw path; requests no route matched, and requests refused
// before routing — by fasthttp (431, 413, 400, 408) or guardRequests
// (501, 400) — count as "unmatched"),
// method one of the HTTP methods routes use (else "OTHER"), status an
// HTTP status code, kind one of the request kinds of limits.go, layer a
// layer id of the dataset.

// opsState is a server's health, metrics and logging machinery.
type opsState struct {
	started time.Time
	routes  routeTable
	limiter *limiter
	access  *slog.Logger
	problem atomic.Pointer[problemReport]

	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	limited  *prometheus.CounterVec
	loads    *prometheus.HistogramVec
	// byRoute caches the requests and duration children (routeKey →
	// *routeMetrics; see observe).
	byRoute sync.Map
	// clientNames caches formatted client addresses (netip.Addr →
	// string; see clientIP), clientNameCount counts the stores.
	clientNames     sync.Map
	clientNameCount atomic.Int64
}

// matchTotals keeps the match cache lookups of the layer views no longer
// served (each view has its own cache, so a write starts the layer's
// afresh), so that the counters only grow. The server installs each
// snapshot through install, under mu, which Collect holds too: a view's
// lookups are counted as retired or as current, never both.
type matchTotals struct {
	mu      sync.Mutex
	retired map[string]data.MatchCacheStats // by layer id; Hits and Misses only
}

// install makes snap the snapshot requests see, retiring the lookups of
// the views of the one before that it no longer holds.
func (s *Server) install(snap *snapshot) {
	m := &s.matches
	m.mu.Lock()
	defer m.mu.Unlock()
	if prev := s.state.Load(); prev != nil {
		for _, ls := range prev.layers {
			if snap != nil {
				if cur, ok := snap.byID[ls.meta.ID]; ok && cur.view == ls.view {
					continue
				}
			}
			if m.retired == nil {
				m.retired = map[string]data.MatchCacheStats{}
			}
			st, r := ls.view.MatchCacheStats(), m.retired[ls.meta.ID]
			r.Hits += st.Hits
			r.Misses += st.Misses
			m.retired[ls.meta.ID] = r
		}
	}
	s.state.Store(snap)
}

// problemReport is the last reload or journal problem.
type problemReport struct {
	At      time.Time `json:"time"`
	Message string    `json:"message"`
}

func newOpsState(s *Server) *opsState {
	o := &opsState{started: time.Now(), limiter: newLimiter(s.opts), access: s.opts.AccessLog, registry: prometheus.NewRegistry()}
	o.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "planmap_http_requests_total", Help: "HTTP requests answered, by route template, method and status.",
	}, []string{"route", "method", "status"})
	o.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "planmap_http_request_duration_seconds", Help: "Time to answer HTTP requests, by route template and method.",
		Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"route", "method"})
	o.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "planmap_http_in_flight_requests", Help: "HTTP requests being answered.",
	})
	o.limited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "planmap_http_limited_requests_total", Help: "Requests refused with 503 because their kind's concurrency limit was full.",
	}, []string{"kind"})
	o.loads = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "planmap_data_load_duration_seconds", Help: "Time to load (kind=load) or reload (kind=reload) and index the dataset.",
		Buckets: prometheus.ExponentialBuckets(0.05, 2, 12),
	}, []string{"kind"})
	o.registry.MustRegister(o.requests, o.duration, o.inFlight, o.limited, o.loads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		snapshotCollector{s})
	return o
}

// ObserveLoad records how long loading (kind "load") or reloading (kind
// "reload") the dataset took, for /metrics.
func (s *Server) ObserveLoad(kind string, d time.Duration) {
	if kind != "load" {
		kind = "reload"
	}
	s.ops.loads.WithLabelValues(kind).Observe(d.Seconds())
}

// ReportProblem records a reload or journal problem for /health; nil
// clears it.
func (s *Server) ReportProblem(err error) {
	if err == nil {
		s.ops.problem.Store(nil)
		return
	}
	s.ops.problem.Store(&problemReport{At: time.Now().UTC(), Message: err.Error()})
}

func (s *Server) routesOps() {
	s.app.Get("/livez", s.handleLivez)
	s.app.Get("/readyz", s.handleReadyz)
	s.app.Get("/health", s.handleHealth)
	s.app.Get("/metrics", s.handleMetrics)
	s.extraPaths = append(s.extraPaths, opsPaths)
}

func opsPaths() []apiPath {
	return []apiPath{
		{Path: "/livez", Summary: "Liveness: 200 while the process answers requests.", Responses: map[string]string{mediaJSON: `{"status":"ok"}`}},
		{Path: "/readyz", Summary: "Readiness: 200 once the data is indexed and its stores are reachable, else 503.", Responses: map[string]string{mediaJSON: `{"status":"ready"}`}},
		{Path: "/health", Summary: "Health: data version, layers and feature counts, start time, last reload or journal problem, cache sizes, limits in use.", Responses: map[string]string{mediaJSON: "health report"}},
		{Path: "/metrics", Summary: "Prometheus metrics (text format 0.0.4).", Responses: map[string]string{"text/plain": "Prometheus text exposition"}},
	}
}

// opsMiddleware runs first: it gives the request its deadline, waits for a
// slot of its kind, turns the chain's error into the response (so that
// the log and the metrics see the final status), and writes the access
// log line and the metrics.
func (s *Server) opsMiddleware(c *fiber.Ctx) error {
	// fasthttp notes the time just before it calls the handler.
	start := c.Context().Time()
	o := s.ops
	o.inFlight.Inc()
	defer o.inFlight.Dec()
	c.Locals(serverLocal, s)
	kind := requestKind(c)
	// Reads mostly never wait on their context: no timer unless one does
	// (see deadlineContext).
	ctx := newDeadlineContext(start.Add(s.timeoutFor(kind)))
	defer ctx.cancel()
	c.SetUserContext(ctx)

	var err error
	routed := false
	if err = s.bodyCheck(c); err == nil {
		if release := o.limiter.acquire(ctx, kind); release == nil {
			o.limited.WithLabelValues(kind).Inc()
			err = limitedError(kind)
		} else {
			routed = true
			if o.limiter.limits(kind) {
				sl := &slot{release: release}
				c.Locals(slotLocal, sl)
				err = c.Next()
				sl.done()
			} else {
				err = c.Next()
			}
		}
	}
	// The route template, once a route matched; requests refused before
	// routing and the router's own 404 and 405 count as unmatched.
	route := "unmatched"
	var fe *fiber.Error
	if r := c.Route(); routed && r != nil && !(err != nil && errors.As(err, &fe) && (fe.Code == fiber.StatusNotFound || fe.Code == fiber.StatusMethodNotAllowed)) {
		route = r.Path
	}
	if err != nil {
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	now := time.Now()
	elapsed := now.Sub(start)
	method := metricMethod(c.Method())
	o.observe(route, method, status, elapsed)
	if h := o.accessHandler(ctx); h != nil {
		// The record made here rather than by LogAttrs, which asks the
		// runtime for its caller on every line (no access line shows it).
		r := slog.NewRecord(now, slog.LevelInfo, "request", 0)
		r.AddAttrs(
			slog.String("request_id", requestID(c)),
			slog.String("method", c.Method()),
			slog.String("route", route),
			slog.String("path", truncate(c.Path(), 512)),
			slog.Int("status", status),
			slog.Int("bytes", len(c.Response().Body())),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.String("client", s.clientIP(c)),
		)
		_ = h.Handle(ctx, r)
	}
	return nil
}

// accessHandler is the access log's handler when it takes info lines,
// else nil.
func (o *opsState) accessHandler(ctx context.Context) slog.Handler {
	if o.access == nil {
		return nil
	}
	if h := o.access.Handler(); h.Enabled(ctx, slog.LevelInfo) {
		return h
	}
	return nil
}

// clientIP is c.IP(), the client's address as the access log shows it,
// without formatting the connection's address anew for every request
// when no proxy is trusted (the formatted addresses of up to
// maxClientNames clients are kept).
func (s *Server) clientIP(c *fiber.Ctx) string {
	if len(s.opts.TrustedProxies) > 0 {
		return c.IP()
	}
	ip, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return c.IP()
	}
	if name, ok := s.ops.clientNames.Load(ip); ok {
		return name.(string)
	}
	name := c.IP()
	if s.ops.clientNameCount.Add(1) <= maxClientNames {
		s.ops.clientNames.Store(ip, name)
	}
	return name
}

// maxClientNames bounds clientIP's cache.
const maxClientNames = 4096

// routeKey names the request metrics of a route template and method.
type routeKey struct{ route, method string }

// routeMetrics are a route and method's children of the request metrics,
// looked up once (WithLabelValues hashes every label value each time).
type routeMetrics struct {
	duration prometheus.Observer
	// byStatus holds the requests counter of each status (int → prometheus.Counter).
	byStatus sync.Map
}

// observe counts an answered request and its duration under its route
// template, method and status. Every label value is bounded (see the
// top of this file), so the children kept are too.
func (o *opsState) observe(route, method string, status int, elapsed time.Duration) {
	key := routeKey{route, method}
	v, ok := o.byRoute.Load(key)
	if !ok {
		v, _ = o.byRoute.LoadOrStore(key, &routeMetrics{duration: o.duration.WithLabelValues(route, method)})
	}
	rm := v.(*routeMetrics)
	c, ok := rm.byStatus.Load(status)
	if !ok {
		c, _ = rm.byStatus.LoadOrStore(status, o.requests.WithLabelValues(route, method, strconv.Itoa(status)))
	}
	c.(prometheus.Counter).Inc()
	rm.duration.Observe(elapsed.Seconds())
}

// refusedRoute is the route label of requests answered before routing:
// the fasthttp layer's refusals (a request line or headers over the read
// buffer, 431; a body over the limit, 413; an unparsable request, 400;
// a slow request, 408) and guardRequests' (501, 400).
const refusedRoute = "unmatched"

// watchRefusals makes the fasthttp server's parse errors (which fiber
// answers through its ErrorHandler without running any middleware)
// count in the metrics and write an access log line.
func (s *Server) watchRefusals() {
	srv := s.app.Server()
	inner := srv.ErrorHandler
	srv.ErrorHandler = func(ctx *fasthttp.RequestCtx, err error) {
		start := time.Now()
		inner(ctx, err)
		s.recordRefused(ctx, start, err)
	}
}

// recordRefused counts and logs a request answered below fiber's
// routing, by refusedRoute. Its client is the connection's address
// (proxy headers are not read from a refused request).
func (s *Server) recordRefused(ctx *fasthttp.RequestCtx, start time.Time, err error) {
	o := s.ops
	status := ctx.Response.StatusCode()
	method := metricMethod(string(ctx.Method()))
	elapsed := time.Since(start)
	o.observe(refusedRoute, method, status, elapsed)
	id := utils.UUID()
	ctx.Response.Header.Set(fiber.HeaderXRequestID, id)
	if o.access == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("request_id", id),
		slog.String("method", truncate(string(ctx.Method()), 32)),
		slog.String("route", refusedRoute),
		slog.String("path", truncate(string(ctx.Path()), 512)),
		slog.Int("status", status),
		slog.Int("bytes", len(ctx.Response.Body())),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.String("client", ctx.RemoteIP().String()),
	}
	if err != nil {
		attrs = append(attrs, slog.String("err", truncate(err.Error(), 200)))
	}
	o.access.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
}

func metricMethod(m string) string {
	for _, k := range knownMethods {
		if m == k {
			return k // m is fasthttp's buffer, reused after the request
		}
	}
	return "OTHER"
}

func (s *Server) handleLivez(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, mediaJSON)
	return c.SendString(`{"status":"ok"}`)
}

func (s *Server) handleReadyz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if s.state.Load() == nil {
		return &Error{Status: fiber.StatusServiceUnavailable, Code: "NotReady", retryAfter: "5", Description: "the dataset is not indexed yet"}
	}
	if h := s.store.Health(); !h.Ready {
		msg := "the store cannot serve current data"
		if h.Problem != "" {
			msg += ": " + h.Problem
		}
		return &Error{Status: fiber.StatusServiceUnavailable, Code: "NotReady", retryAfter: "5", Description: msg}
	}
	if err := s.state.Load().tiles.failure(); err != nil {
		return &Error{Status: fiber.StatusServiceUnavailable, Code: "NotReady", Description: "the tiles could not be prepared: " + err.Error()}
	}
	if s.opts.Ready != nil {
		if err := s.opts.Ready(); err != nil {
			return &Error{Status: fiber.StatusServiceUnavailable, Code: "NotReady", retryAfter: "5", Description: "not ready: " + err.Error()}
		}
	}
	c.Set(fiber.HeaderContentType, mediaJSON)
	return c.SendString(`{"status":"ready"}`)
}

// dataFigures is what health and metrics report about the current data.
type dataFigures struct {
	Version  string        `json:"version"`
	Source   string        `json:"source,omitempty"`
	Features int           `json:"features"`
	Layers   []layerFigure `json:"layers"`
	// TilesPrepared is false while the tiles of this version are still
	// being prepared after start-up (tile, TileJSON and style requests
	// wait for them meanwhile).
	TilesPrepared bool `json:"tiles_prepared"`
	// TilesProblem is set when preparing them failed: tile, TileJSON and
	// style requests answer 503 and /readyz is unready until a reload.
	TilesProblem *problemReport `json:"tiles_problem,omitempty"`
	Tiles        tileFigures    `json:"tile_cache"`
	Matches      matchFigures   `json:"match_cache"`
}

// matchFigures sums the layers' match caches of the current version.
type matchFigures struct {
	Entries int   `json:"entries"`
	Bytes   int64 `json:"bytes"`
	// Budget is each layer's.
	Budget int64 `json:"budget_bytes_per_layer"`
}

type layerFigure struct {
	ID       string `json:"id"`
	Features int    `json:"features"`
}

type tileFigures struct {
	Entries int   `json:"entries"`
	Bytes   int64 `json:"bytes"`
	Budget  int64 `json:"budget_bytes"`
	Hits    int64 `json:"hits"`
	Misses  int64 `json:"misses"`
}

// currentFigures reads the figures of the snapshot being served. It is
// the one place health and metrics look into the data.
func (s *Server) currentFigures() (dataFigures, bool) {
	snap := s.state.Load()
	if snap == nil {
		return dataFigures{}, false
	}
	f := dataFigures{Version: snap.data.Version, Source: snap.data.Source, Layers: []layerFigure{}}
	if err := snap.tiles.failure(); err != nil {
		f.TilesProblem = &problemReport{At: snap.tiles.failedAt, Message: "preparing the tiles: " + err.Error()}
	} else {
		f.TilesPrepared = snap.tiles.ready()
	}
	for _, ls := range snap.layers {
		n := ls.view.Len()
		f.Layers = append(f.Layers, layerFigure{ID: ls.meta.ID, Features: n})
		f.Features += n
		m := ls.view.MatchCacheStats()
		f.Matches.Entries += m.Entries
		f.Matches.Bytes += m.Bytes
	}
	f.Matches.Budget = max(s.opts.MatchCacheBytes, 0)
	if s.tileCache != nil {
		st := s.tileCache.Stats()
		f.Tiles = tileFigures{Entries: st.Entries, Bytes: st.Bytes, Budget: s.opts.TileCacheBytes, Hits: st.Hits, Misses: st.Misses}
	}
	return f, true
}

type healthReport struct {
	Status      string                 `json:"status"`
	Started     time.Time              `json:"started"`
	UptimeS     float64                `json:"uptime_s"`
	Data        dataFigures            `json:"data"`
	LastProblem *problemReport         `json:"last_problem"`
	Limits      map[string]limitFigure `json:"limits"`
	InFlight    float64                `json:"in_flight"`
	// Store is what the store says of itself: its kind, whether it can
	// serve current data, its last reload, journal or connection problem.
	Store data.StoreHealth `json:"store"`
}

type limitFigure struct {
	InUse    int `json:"in_use"`
	Capacity int `json:"capacity"`
}

func (s *Server) handleHealth(c *fiber.Ctx) error {
	figures, ok := s.currentFigures()
	r := healthReport{Status: "ok", Started: s.ops.started.UTC(), UptimeS: time.Since(s.ops.started).Seconds(),
		Data: figures, LastProblem: s.ops.problem.Load(), Limits: map[string]limitFigure{}, Store: s.store.Health()}
	if r.LastProblem == nil && r.Store.Problem != "" {
		r.LastProblem = &problemReport{At: r.Store.ProblemAt, Message: r.Store.Problem}
	}
	if r.LastProblem == nil && figures.TilesProblem != nil {
		r.LastProblem = figures.TilesProblem
	}
	if !ok {
		r.Status = "starting"
	} else if r.LastProblem != nil {
		r.Status = "degraded"
	}
	for _, kind := range limitedKinds {
		r.Limits[kind] = limitFigure{InUse: s.ops.limiter.inUse(kind), Capacity: s.ops.limiter.capacity(kind)}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(r)
}

func (s *Server) handleMetrics(c *fiber.Ctx) error {
	families, err := s.ops.registry.Gather()
	if err != nil {
		s.log.Warn("gathering metrics", "err", err)
	}
	var buf bytes.Buffer
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	enc := expfmt.NewEncoder(&buf, format)
	for _, mf := range families {
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, string(format))
	return c.Send(buf.Bytes())
}

// snapshotCollector reports the data and cache figures at scrape time.
type snapshotCollector struct{ s *Server }

var (
	descInfo        = prometheus.NewDesc("planmap_data_info", "The dataset version being served (value 1).", []string{"version"}, nil)
	descFeatures    = prometheus.NewDesc("planmap_data_features", "Features per layer of the dataset being served.", []string{"layer"}, nil)
	descTileHits    = prometheus.NewDesc("planmap_tile_cache_hits_total", "Tile cache hits of the current dataset version.", nil, nil)
	descTileMisses  = prometheus.NewDesc("planmap_tile_cache_misses_total", "Tile cache misses of the current dataset version.", nil, nil)
	descTileBytes   = prometheus.NewDesc("planmap_tile_cache_bytes", "Bytes held by the tile cache.", nil, nil)
	descTileEntries = prometheus.NewDesc("planmap_tile_cache_entries", "Tiles held by the tile cache.", nil, nil)
	descTilesReady  = prometheus.NewDesc("planmap_tiles_prepared", "1 once the tiles of the dataset being served are prepared, 0 while they are (tile requests wait).", nil, nil)
	descMatchHits   = prometheus.NewDesc("planmap_match_cache_hits_total", "Filtered items selections answered from a layer's match cache.", []string{"layer"}, nil)
	descMatchMisses = prometheus.NewDesc("planmap_match_cache_misses_total", "Filtered items selections computed (not in a layer's match cache).", []string{"layer"}, nil)
	descMatchBytes  = prometheus.NewDesc("planmap_match_cache_bytes", "Bytes held by a layer's match cache (current version).", []string{"layer"}, nil)
	descMatchEnts   = prometheus.NewDesc("planmap_match_cache_entries", "Selections held by a layer's match cache (current version).", []string{"layer"}, nil)
	descLimitInUse  = prometheus.NewDesc("planmap_limit_in_use", "Requests of a limited kind running now.", []string{"kind"}, nil)
	descLimitCap    = prometheus.NewDesc("planmap_limit_capacity", "Concurrency limit of a request kind.", []string{"kind"}, nil)
)

func (sc snapshotCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descInfo, descFeatures, descTileHits, descTileMisses, descTileBytes, descTileEntries,
		descTilesReady, descMatchHits, descMatchMisses, descMatchBytes, descMatchEnts, descLimitInUse, descLimitCap} {
		ch <- d
	}
}

func (sc snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	for _, kind := range limitedKinds {
		ch <- prometheus.MustNewConstMetric(descLimitInUse, prometheus.GaugeValue, float64(sc.s.ops.limiter.inUse(kind)), kind)
		ch <- prometheus.MustNewConstMetric(descLimitCap, prometheus.GaugeValue, float64(sc.s.ops.limiter.capacity(kind)), kind)
	}
	f, ok := sc.s.currentFigures()
	if !ok {
		return
	}
	ch <- prometheus.MustNewConstMetric(descInfo, prometheus.GaugeValue, 1, f.Version)
	for _, l := range f.Layers {
		ch <- prometheus.MustNewConstMetric(descFeatures, prometheus.GaugeValue, float64(l.Features), l.ID)
	}
	ch <- prometheus.MustNewConstMetric(descTileHits, prometheus.CounterValue, float64(f.Tiles.Hits))
	ch <- prometheus.MustNewConstMetric(descTileMisses, prometheus.CounterValue, float64(f.Tiles.Misses))
	ch <- prometheus.MustNewConstMetric(descTileBytes, prometheus.GaugeValue, float64(f.Tiles.Bytes))
	ch <- prometheus.MustNewConstMetric(descTileEntries, prometheus.GaugeValue, float64(f.Tiles.Entries))
	prepared := 0.0
	if f.TilesPrepared {
		prepared = 1
	}
	ch <- prometheus.MustNewConstMetric(descTilesReady, prometheus.GaugeValue, prepared)
	sc.collectMatches(ch)
}

// collectMatches reports each layer's match cache: lookups of every
// version served (retired ones included), contents of the current one.
func (sc snapshotCollector) collectMatches(ch chan<- prometheus.Metric) {
	m := &sc.s.matches
	m.mu.Lock()
	defer m.mu.Unlock()
	totals := map[string]data.MatchCacheStats{}
	for id, r := range m.retired {
		totals[id] = r
	}
	if snap := sc.s.state.Load(); snap != nil {
		for _, ls := range snap.layers {
			st, t := ls.view.MatchCacheStats(), totals[ls.meta.ID]
			t.Hits += st.Hits
			t.Misses += st.Misses
			t.Bytes, t.Entries = st.Bytes, st.Entries
			totals[ls.meta.ID] = t
		}
	}
	for id, t := range totals {
		ch <- prometheus.MustNewConstMetric(descMatchHits, prometheus.CounterValue, float64(t.Hits), id)
		ch <- prometheus.MustNewConstMetric(descMatchMisses, prometheus.CounterValue, float64(t.Misses), id)
		ch <- prometheus.MustNewConstMetric(descMatchBytes, prometheus.GaugeValue, float64(t.Bytes), id)
		ch <- prometheus.MustNewConstMetric(descMatchEnts, prometheus.GaugeValue, float64(t.Entries), id)
	}
}
