package api

import (
	"io"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// benchCopy is the baseline for load tests: /bench/copy/<path>?<query>
// answers with exactly the bytes (and Content-Type and Content-Encoding)
// that GET /<path>?<query> gave the first time it was asked, served from
// memory with no other work. A load test compares a real endpoint's rate
// with its copy's, in the same run on the same server, so the ratio says
// how close the endpoint comes to the cost of just sending its bytes.
type benchCopy struct {
	mu     sync.RWMutex
	copies map[string]benchResponse
}

type benchResponse struct {
	contentType, contentEncoding string
	body                         []byte
}

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
		key := encoding + " " + target
		bc.mu.RLock()
		res, ok := bc.copies[key]
		bc.mu.RUnlock()
		if !ok {
			req := httptest.NewRequest(fiber.MethodGet, target, nil)
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
			res = benchResponse{resp.Header.Get(fiber.HeaderContentType), resp.Header.Get(fiber.HeaderContentEncoding), body}
			bc.mu.Lock()
			bc.copies[key] = res
			bc.mu.Unlock()
		}
		c.Set(fiber.HeaderContentType, res.contentType)
		if res.contentEncoding != "" {
			c.Set(fiber.HeaderContentEncoding, res.contentEncoding)
		}
		return c.Send(res.body)
	})
}
