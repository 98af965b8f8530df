package api

import (
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// benchCopy is the baseline for load tests: /bench/copy/<path>?<query>
// answers with exactly the response that GET /<path>?<query> gave the
// first time it was asked with the same Host and Accept-Encoding: its body
// and its headers (Content-Type, Content-Encoding, ETag, Cache-Control,
// Vary, Content-Crs, ...; all but Date, Content-Length and X-Request-Id,
// which every response gets anew), served from memory with no other work.
// A load test compares a real endpoint's rate with its copy's, in the same
// run on the same server, so the ratio says how close the endpoint comes
// to the cost of just sending its bytes. (It once kept only the body,
// Content-Type and Content-Encoding, and asked with the test Host
// example.com: the copy of one feature by id sent some 160 bytes less
// than the feature's answer, and set four headers fewer.)
type benchCopy struct {
	mu     sync.RWMutex
	copies map[string]benchResponse
}

type benchResponse struct {
	headers [][2]string // name and value, sorted by name
	body    []byte
}

// benchSkipHeaders are the headers every response gets anew.
var benchSkipHeaders = map[string]bool{fiber.HeaderDate: true, fiber.HeaderContentLength: true, fiber.HeaderXRequestID: true}

// routesBench registers the baseline route when Options.BenchEndpoints is
// set; it is off by default.
func (s *Server) routesBench() {
	if !s.opts.BenchEndpoints {
		return
	}
	bc := &benchCopy{copies: map[string]benchResponse{}}
	s.app.Get("/bench/copy/*", func(c *fiber.Ctx) error {
		target := "/" + c.Params("*")
		if q := string(c.Request().URI().QueryString()); q != "" {
			target += "?" + q
		}
		encoding := c.Get(fiber.HeaderAcceptEncoding)
		host := string(c.Request().Host())
		key := host + " " + encoding + " " + target
		bc.mu.RLock()
		res, ok := bc.copies[key]
		bc.mu.RUnlock()
		if !ok {
			req := httptest.NewRequest(fiber.MethodGet, target, nil)
			req.Host = host // the links' base URL is the one the client sees
			if encoding != "" {
				req.Header.Set(fiber.HeaderAcceptEncoding, encoding)
			}
			resp, err := s.app.Test(req, -1)
			if err != nil {
				return err
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			if resp.StatusCode != fiber.StatusOK || strings.HasPrefix(target, "/bench/") {
				return badRequest("bench copy: GET %s answered %d", target, resp.StatusCode)
			}
			res = benchResponse{body: body}
			for name, values := range resp.Header {
				if benchSkipHeaders[name] {
					continue
				}
				for _, v := range values {
					res.headers = append(res.headers, [2]string{name, v})
				}
			}
			slices.SortStableFunc(res.headers, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
			bc.mu.Lock()
			bc.copies[key] = res
			bc.mu.Unlock()
		}
		h := &c.Response().Header
		for i, kv := range res.headers {
			if i > 0 && res.headers[i-1][0] == kv[0] {
				h.Add(kv[0], kv[1])
			} else {
				h.Set(kv[0], kv[1])
			}
		}
		return c.Send(res.body)
	})
}
