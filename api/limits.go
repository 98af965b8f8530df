package api

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Bounded work per request.
//
// Every request runs under a deadline (Options.RequestTimeout, or
// Options.AnalysisTimeout for the analysis endpoints) carried by
// c.UserContext(): the coverage and buffer work checks it and stops, and
// the error handler answers 503 with Retry-After and the OGC body.
//
// fasthttp tells a handler nothing when the client goes away: the
// connection is only read again after the response is written, and reading
// it from another goroutine would steal the bytes of a pipelined request.
// So a client that leaves does not cancel its request's work; the deadline
// and the per-kind concurrency limits bound what it can cost instead.
//
// Expensive kinds of request run under a concurrency limit each, so that a
// burst of them cannot take every core from feature reads and cached
// tiles: analysis (coverage and buffer), tiles at low zoom (z <= lowTileZoom,
// where one tile may hold most of the data), and items pages of more than
// largeItemsLimit features. A request that cannot get a slot within
// limitQueueWait gets 503 with Retry-After.

// Request kinds. They are metric label values, so there are few.
const (
	kindRead     = "read"
	kindAnalysis = "analysis"
	kindTilesLow = "tiles_low_zoom"
	kindItemsBig = "items_large"
)

// limitedKinds are the kinds with a concurrency limit.
var limitedKinds = []string{kindAnalysis, kindTilesLow, kindItemsBig}

const (
	// lowTileZoom is the deepest zoom whose tiles count as expensive.
	lowTileZoom = 6
	// largeItemsLimit is the page size above which an items request
	// counts as expensive.
	largeItemsLimit = 1000
	// limitQueueWait is how long a request waits for a slot.
	limitQueueWait = 2 * time.Second
	// maxListValues bounds a comma-separated list parameter; the web map's
	// longest (every corridor) has some 240.
	maxListValues = 2000
)

// requestKind classifies a request by its path and query.
func requestKind(c *fiber.Ctx) string {
	path := c.Path()
	switch {
	case path == "/analysis/coverage" || path == "/analysis/buffer":
		return kindAnalysis
	case strings.HasPrefix(path, "/tiles/"):
		z, _, ok := strings.Cut(strings.TrimPrefix(path, "/tiles/"), "/")
		if n, err := strconv.Atoi(z); ok && err == nil && n <= lowTileZoom {
			return kindTilesLow
		}
	case strings.HasPrefix(path, "/collections/") && strings.HasSuffix(path, "/items"):
		if n, err := strconv.Atoi(string(c.Context().QueryArgs().Peek("limit"))); err == nil && n > largeItemsLimit {
			return kindItemsBig
		}
	}
	return kindRead
}

// limiter is a counting semaphore per request kind.
type limiter struct {
	slots map[string]chan struct{}
}

func newLimiter(opts Options) *limiter {
	l := &limiter{slots: map[string]chan struct{}{}}
	for _, kind := range limitedKinds {
		n := opts.Concurrency[kind]
		if n <= 0 {
			n = defaultConcurrency(kind)
		}
		l.slots[kind] = make(chan struct{}, n)
	}
	return l
}

// defaultConcurrency leaves at least one core to cheap requests.
func defaultConcurrency(kind string) int {
	cores := runtime.GOMAXPROCS(0)
	switch kind {
	case kindAnalysis:
		return max(1, cores/2)
	case kindTilesLow:
		return max(2, cores)
	}
	return max(2, cores)
}

// acquire takes a slot of kind, waiting up to limitQueueWait or ctx's
// end; it returns the release function, or nil when no slot came free.
func (l *limiter) acquire(ctx context.Context, kind string) func() {
	slots, ok := l.slots[kind]
	if !ok {
		return func() {}
	}
	select {
	case slots <- struct{}{}:
		return func() { <-slots }
	default:
	}
	timer := time.NewTimer(limitQueueWait)
	defer timer.Stop()
	select {
	case slots <- struct{}{}:
		return func() { <-slots }
	case <-timer.C:
	case <-ctx.Done():
	}
	return nil
}

// limits reports whether kind has a concurrency limit.
func (l *limiter) limits(kind string) bool {
	_, ok := l.slots[kind]
	return ok
}

func (l *limiter) inUse(kind string) int { return len(l.slots[kind]) }

func (l *limiter) capacity(kind string) int { return cap(l.slots[kind]) }

// limitedError answers a request that found no free slot.
func limitedError(kind string) *Error {
	return &Error{Status: fiber.StatusServiceUnavailable, Code: "ServiceUnavailable", retryAfter: "2",
		Description: fmt.Sprintf("too many %s requests are running; try again shortly", strings.ReplaceAll(kind, "_", " "))}
}

// deadlineError answers a request whose work passed its deadline.
func deadlineError(c *fiber.Ctx) *Error {
	after := "5"
	if requestKind(c) == kindAnalysis {
		after = "30"
	}
	return &Error{Status: fiber.StatusServiceUnavailable, Code: "Timeout", retryAfter: after,
		Description: fmt.Sprintf("%s did not finish within this server's time limit; narrow the request (fewer corridors, targets or features) or try again later", c.Path())}
}

// timeoutFor is the deadline of a request kind.
func (s *Server) timeoutFor(kind string) time.Duration {
	if kind == kindAnalysis {
		return s.opts.AnalysisTimeout
	}
	return s.opts.RequestTimeout
}

// bodyCheck refuses bodies on GET and HEAD larger than Options.MaxGetBody
// (fiber's BodyLimit is one number for every method; it is set to the
// largest POST body the API takes).
func (s *Server) bodyCheck(c *fiber.Ctx) error {
	if m := c.Method(); m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions {
		if n := c.Request().Header.ContentLength(); n > s.opts.MaxGetBody || len(c.Body()) > s.opts.MaxGetBody {
			c.Set(fiber.HeaderConnection, "close")
			return &Error{Status: fiber.StatusRequestEntityTooLarge, Code: "RequestTooLarge",
				Description: fmt.Sprintf("a %s request may carry at most %d bytes of body", m, s.opts.MaxGetBody)}
		}
	}
	return nil
}

// knownMethods are the methods routes may be registered for.
var knownMethods = []string{fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch,
	fiber.MethodDelete, fiber.MethodOptions}

// guardRequests wraps the fasthttp handler under fiber to answer, in the
// OGC form, what fiber answers in plain text or misroutes: methods it does
// not know (501), control bytes in the request target, and conflicting
// Content-Length or Transfer-Encoding headers (400). Its refusals are
// counted and logged as route "unmatched" (recordRefused).
func (s *Server) guardRequests(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		refuse := func(e *Error) {
			writeRawError(ctx, e)
			s.recordRefused(ctx, ctx.Time(), nil) // fasthttp's time of the request's start
		}
		if method := ctx.Method(); !isKnownMethod(method) && string(method) != fiber.MethodTrace && string(method) != fiber.MethodConnect {
			ctx.Response.Header.Set(fiber.HeaderAllow, "GET, HEAD, OPTIONS")
			refuse(&Error{Status: fiber.StatusNotImplemented, Code: "NotImplemented",
				Description: fmt.Sprintf("method %q is not one this server implements", truncate(string(method), 32))})
			return
		}
		for _, b := range ctx.Request.Header.RequestURI() {
			if b < 0x20 || b == 0x7f {
				refuse(badRequest("the request target holds a control character (byte 0x%02x); percent-encode it", b))
				return
			}
		}
		if problem := framingProblem(ctx.Request.Header.RawHeaders()); problem != "" {
			ctx.SetConnectionClose()
			refuse(badRequest("%s", problem))
			return
		}
		next(ctx)
	}
}

// isKnownMethod reports whether method is one of knownMethods.
func isKnownMethod(method []byte) bool {
	for _, k := range knownMethods {
		if string(method) == k {
			return true
		}
	}
	return false
}

// framingProblem reads the raw header block for what makes a body's
// length ambiguous: Content-Length repeated with different values, or
// given with Transfer-Encoding (fasthttp keeps one and goes on). It runs
// on every request, so it allocates nothing.
func framingProblem(raw []byte) string {
	var length []byte
	lengths, chunked, differ := 0, false, false
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		name = bytes.TrimSpace(name)
		switch {
		case bytes.EqualFold(name, []byte("content-length")):
			value = bytes.TrimSpace(value)
			if lengths > 0 && !bytes.Equal(value, length) {
				differ = true
			}
			length = value
			lengths++
		case bytes.EqualFold(name, []byte("transfer-encoding")):
			chunked = true
		}
	}
	if differ {
		return "conflicting Content-Length headers"
	}
	if chunked && lengths > 0 {
		return "Content-Length given with Transfer-Encoding"
	}
	return ""
}

func writeRawError(ctx *fasthttp.RequestCtx, e *Error) {
	ctx.SetStatusCode(e.Status)
	ctx.Response.Header.SetContentType(mediaJSON)
	ctx.Response.Header.Set(fiber.HeaderCacheControl, "no-store")
	b := []byte(`{"code":`)
	b = appendJSONString(b, e.Code)
	b = append(b, `,"description":`...)
	b = appendJSONString(b, e.Description)
	ctx.SetBody(append(b, '}'))
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// routeTable matches paths against the registered route templates, to
// say which methods a path allows (405's Allow, OPTIONS).
type routeTable struct {
	once   sync.Once
	routes []routePattern
}

type routePattern struct {
	method string
	re     *regexp.Regexp
}

// routeTemplate turns a fiber route path into a regular expression:
// ":name" matches a segment (up to a "." that follows it in the template),
// "*" anything.
func routeTemplate(path string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(path); i++ {
		switch ch := path[i]; ch {
		case ':':
			j := i + 1
			for j < len(path) && path[j] != '/' && path[j] != '.' && path[j] != '-' {
				j++
			}
			if j < len(path) && path[j] == '?' {
				j++
			}
			b.WriteString("[^/]+?")
			i = j - 1
		case '*', '+':
			b.WriteString(".*")
		default:
			b.WriteString(regexp.QuoteMeta(string(ch)))
		}
	}
	b.WriteString("/?$")
	return regexp.MustCompile(b.String())
}

// allowed returns the methods of the routes matching path, in the order
// of knownMethods, OPTIONS included when any matches.
func (t *routeTable) allowed(app *fiber.App, path string) []string {
	methods, _ := t.match(app, path)
	return methods
}

// match returns allowed's methods and whether a route registered for
// OPTIONS itself matches path.
func (t *routeTable) match(app *fiber.App, path string) ([]string, bool) {
	t.once.Do(func() {
		for _, r := range app.GetRoutes(true) {
			if r.Path == "/" && len(r.Params) == 0 && r.Method == fiber.MethodConnect {
				continue
			}
			t.routes = append(t.routes, routePattern{r.Method, routeTemplate(r.Path)})
		}
	})
	set := map[string]bool{}
	for _, r := range t.routes {
		if r.re.MatchString(path) {
			set[r.method] = true
		}
	}
	var out []string
	for _, m := range knownMethods {
		if set[m] || (m == fiber.MethodOptions && len(set) > 0) {
			out = append(out, m)
		}
	}
	return out, set[fiber.MethodOptions]
}

// allowFor is the Allow header for the request's path.
func allowFor(c *fiber.Ctx) string {
	srv, _ := c.Locals(serverLocal).(*Server)
	if srv == nil {
		return "GET, HEAD, OPTIONS"
	}
	if strings.HasPrefix(c.Path(), "/collections/") && strings.Contains(c.Path(), "/items") && !strings.HasSuffix(c.Path(), "/history") {
		// The items routes allow writes only when the store takes them.
		return srv.allowed(strings.Count(strings.TrimSuffix(c.Path(), "/"), "/") >= 4)
	}
	allowed := srv.ops.routes.allowed(srv.app, c.Path())
	if len(allowed) == 0 {
		return "GET, HEAD, OPTIONS"
	}
	return strings.Join(allowed, ", ")
}

// serverLocal is the c.Locals key under which the ops middleware leaves
// the server, for the error handler.
const serverLocal = "planmap.server"

// handleAnyOptions answers OPTIONS that are not CORS preflights (those the
// cors middleware answers first) the same way on every route without an
// OPTIONS handler of its own: 204 with Allow, or 404 where no route is.
func (s *Server) handleAnyOptions(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodOptions {
		return c.Next()
	}
	allowed, own := s.ops.routes.match(s.app, c.Path())
	if own {
		return c.Next() // the route answers OPTIONS itself
	}
	if len(allowed) == 0 {
		return notFound("no resource at %s", c.Path())
	}
	c.Set(fiber.HeaderAllow, strings.Join(allowed, ", "))
	return c.SendStatus(fiber.StatusNoContent)
}

// proxyHeader is where fiber's c.IP() reads the client address: from
// X-Forwarded-For when proxies are trusted (and the request came from
// one), else the connection's address.
func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}

// slot is a request's hold on its kind's concurrency limit. Work that
// outlives its request (a buffer step that cannot be interrupted, still
// running when the deadline answer goes out) detaches the slot and
// releases it when it really ends, so abandoned work still counts
// against the limit.
type slot struct {
	mu       sync.Mutex
	release  func()
	detached bool
	released bool
}

// slotLocal is the c.Locals key of the request's slot.
const slotLocal = "planmap.slot"

// requestSlot returns the request's slot, or nil outside the middleware.
func requestSlot(c *fiber.Ctx) *slot {
	sl, _ := c.Locals(slotLocal).(*slot)
	return sl
}

// detach keeps the slot held after the request ends; the caller must call
// finish once its work has stopped.
func (sl *slot) detach() {
	if sl == nil {
		return
	}
	sl.mu.Lock()
	sl.detached = true
	sl.mu.Unlock()
}

// done is the request's end: it releases the slot unless detached.
func (sl *slot) done() {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if !sl.detached && !sl.released {
		sl.released = true
		sl.release()
	}
}

// finish releases a detached slot.
func (sl *slot) finish() {
	if sl == nil {
		return
	}
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if !sl.released {
		sl.released = true
		sl.release()
	}
}
