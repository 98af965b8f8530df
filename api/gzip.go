package api

import (
	"bytes"
	"runtime"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/klauspost/compress/flate"

	"github.com/planmap/planmap/api/internal/splitgzip"
)

// gzipLargeBodies compresses large dynamic bodies (a page of items can be
// a megabyte) for clients that take gzip, in pieces on every core at once
// (splitgzip), at the compress middleware's level. It runs inside that
// middleware and sets Content-Encoding, so the middleware leaves the body
// alone; everything else (small bodies, streams, bodies already encoded,
// clients preferring brotli, types the middleware would not compress) is
// the middleware's, as before. The bytes a client reads back are the same.
func gzipLargeBodies(c *fiber.Ctx) error {
	if err := c.Next(); err != nil {
		return err
	}
	resp := c.Response()
	pieces := runtime.GOMAXPROCS(0)
	if pieces < 2 || resp.IsBodyStream() || len(resp.Body()) < 2*splitgzip.MinPiece || len(resp.Header.ContentEncoding()) > 0 ||
		isTilePath(c.Path()) {
		return nil
	}
	if ct := resp.Header.ContentType(); !bytes.HasPrefix(ct, []byte("text/")) && !bytes.HasPrefix(ct, []byte("application/")) {
		return nil
	}
	// The middleware's choice: brotli first, then gzip (fasthttp's
	// CompressHandlerBrotliLevel, whose token test this is).
	req := &c.Context().Request.Header
	if req.HasAcceptEncoding("br") || !req.HasAcceptEncoding("gzip") {
		return nil
	}
	buf := gzipBuffers.Get().(*[]byte)
	gz, err := splitgzip.Append((*buf)[:0], resp.Body(), flate.BestSpeed, pieces)
	if err != nil {
		gzipBuffers.Put(buf)
		return nil // the middleware compresses it as before
	}
	if old := resp.SwapBody(gz); cap(old) <= maxGzipBuffer {
		*buf = old[:0]
		gzipBuffers.Put(buf)
	}
	resp.Header.SetContentEncoding("gzip")
	c.Vary(fiber.HeaderAcceptEncoding)
	return nil
}

// warmGzip makes the deflate writers of gzipLargeBodies ahead, one per
// core (some 800 KiB each, kept for the life of the process), so that the
// first large answer of a fresh server does not make them.
func warmGzip() {
	if pieces := runtime.GOMAXPROCS(0); pieces >= 2 {
		_ = splitgzip.Warm(flate.BestSpeed, pieces) // the level is valid
	}
}

// gzipBuffers keeps the buffers the compressed bodies are written into
// (the bodies they replace come back in their place); one larger than
// maxGzipBuffer is left to the garbage collector.
var gzipBuffers = sync.Pool{New: func() any { var b []byte; return &b }}

const maxGzipBuffer = 16 << 20
