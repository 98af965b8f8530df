package api

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/planmap/planmap/frontend"
)

// The web map: the page at / (for browsers; see handleLanding), its assets
// under /app/ and the offline basemap. Everything comes from the files
// embedded in package frontend, so the map works with no internet access.

// emptyLand is the basemap served when the frontend was not built: the
// style still loads and the map shows the sea colour.
const emptyLand = `{"type":"FeatureCollection","features":[]}`

// assetTypes maps file extensions to the Content-Type they are served with.
// Module scripts must be JavaScript MIME types or browsers refuse them.
var assetTypes = map[string]string{
	".html":    "text/html; charset=utf-8",
	".js":      "text/javascript; charset=utf-8",
	".mjs":     "text/javascript; charset=utf-8",
	".css":     "text/css; charset=utf-8",
	".json":    "application/json",
	".geojson": mediaGeoJSON,
	".svg":     "image/svg+xml",
	".png":     "image/png",
	".ico":     "image/x-icon",
	".txt":     "text/plain; charset=utf-8",
	".md":      "text/markdown; charset=utf-8",
}

// assetStore serves embedded files with strong ETags computed once, and
// the build's compressed copies (NAME.br, NAME.gz beside NAME, see
// frontend/scripts/precompress.mjs) to clients that accept them, so that
// the larger files are not compressed again on every request.
type assetStore struct {
	fsys   fs.FS
	assets sync.Map // path → *asset
}

// asset is one embedded file and the compressed copies the build made of it.
type asset struct {
	body     []byte
	etag     string
	variants []assetVariant // in the order they are preferred
}

// assetVariant is a compressed copy of an asset. Its ETag differs from the
// file's, since it is another representation of it.
type assetVariant struct {
	encoding string
	body     []byte
	etag     string
}

// assetEncodings are the compressed copies looked for, best first.
var assetEncodings = []struct{ encoding, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// load returns the asset name, or false when there is no such file.
func (a *assetStore) load(name string) (*asset, bool) {
	if v, ok := a.assets.Load(name); ok {
		return v.(*asset), true
	}
	if !fs.ValidPath(name) || name == "." {
		return nil, false
	}
	body, err := fs.ReadFile(a.fsys, name)
	if err != nil {
		return nil, false
	}
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:12])
	loaded := &asset{body: body, etag: `"` + tag + `"`}
	for _, e := range assetEncodings {
		if compressed, err := fs.ReadFile(a.fsys, name+e.ext); err == nil {
			loaded.variants = append(loaded.variants, assetVariant{encoding: e.encoding, body: compressed, etag: `"` + tag + "-" + e.encoding + `"`})
		}
	}
	// name may come from fiber's request buffer, which is reused after the
	// handler returns: a key kept in the map must be a copy, or later
	// requests rewrite it in place (and corrupt the map).
	v, _ := a.assets.LoadOrStore(strings.Clone(name), loaded)
	return v.(*asset), true
}

// send answers with the embedded file name, or reports whether it exists.
func (a *assetStore) send(c *fiber.Ctx, name string) (bool, error) {
	found, ok := a.load(name)
	if !ok {
		return false, nil
	}
	if len(found.variants) == 0 {
		return true, sendAsset(c, name, found.body, found.etag)
	}
	c.Vary(fiber.HeaderAcceptEncoding)
	for _, v := range found.variants {
		if c.Context().Request.Header.HasAcceptEncoding(v.encoding) {
			// Content-Encoding set before the body also keeps the compress
			// middleware off it.
			c.Set(fiber.HeaderContentEncoding, v.encoding)
			return true, sendAsset(c, name, v.body, v.etag)
		}
	}
	return true, sendAsset(c, name, found.body, found.etag)
}

// sendAsset writes body with its content type and an ETag; browsers
// revalidate (no-cache) so a new binary's files are picked up at once,
// and a matching If-None-Match gets 304.
func sendAsset(c *fiber.Ctx, name string, body []byte, etag string) error {
	ctype, ok := assetTypes[strings.ToLower(path.Ext(name))]
	if !ok {
		ctype = "application/octet-stream"
	}
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Content-Type-Options", "nosniff")
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" {
		for _, candidate := range strings.Split(inm, ",") {
			if strings.TrimPrefix(strings.TrimSpace(candidate), "W/") == etag {
				return c.SendStatus(fiber.StatusNotModified)
			}
		}
	}
	c.Set(fiber.HeaderContentType, ctype)
	return c.Send(body)
}

// webAssets is shared by every server: the embedded files never change.
var webAssets = struct {
	page, build *assetStore
}{
	page:  &assetStore{fsys: frontend.Page()},
	build: &assetStore{fsys: frontend.Build()},
}

func (s *Server) routesFrontend() {
	// The basemap's tiler is prepared now, in the background, rather than
	// when a browser asks for its first basemap tile (parsing and indexing
	// the embedded land.geojson takes a fifth of a second, which the first
	// view's tiles would wait for).
	if frontend.Built() {
		go basemapTiler()
	}
	s.app.Get("/app/*", s.handleAppAsset)
	s.app.Get("/basemap/land.geojson", s.handleBasemap)
	s.app.Get("/basemap/tiles/:z/:x/:y.mvt", s.handleBasemapTile)
}

// serveWebMap answers a browser's request for / with the web map page, or
// with a page saying how to build it when this binary has no frontend build.
func (s *Server) serveWebMap(c *fiber.Ctx) error {
	c.Vary(fiber.HeaderAccept)
	if !frontend.Built() {
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Set(fiber.HeaderContentType, assetTypes[".html"])
		return c.SendString(notBuiltPage)
	}
	_, err := webAssets.page.send(c, "index.html")
	return err
}

// handleAppAsset serves /app/vendor/… from the build and every other
// /app/… path from the page's own files.
func (s *Server) handleAppAsset(c *fiber.Ctx) error {
	name := c.Params("*")
	store := webAssets.page
	if strings.HasPrefix(name, "vendor/") {
		store = webAssets.build
	}
	if name == "" || name == "index.html" {
		return c.Redirect("../", fiber.StatusMovedPermanently)
	}
	found, err := store.send(c, name)
	if err != nil || found {
		return err
	}
	if store == webAssets.build && !frontend.Built() {
		return notFound("no web map asset %s: this binary was built without the frontend (run make frontend, then make build)", name)
	}
	return notFound("no web map asset %s", name)
}

func (s *Server) handleBasemap(c *fiber.Ctx) error {
	found, err := webAssets.build.send(c, "land.geojson")
	if err != nil || found {
		return err
	}
	return sendAsset(c, "land.geojson", []byte(emptyLand), `"empty-land"`)
}

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>planmap — web map not built</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto; line-height: 1.5">
<h1>planmap</h1>
<p>This planmap binary was built without its web map. Run <code>make frontend</code> (npm ci and npm run build
in <code>frontend/</code>), then <code>make build</code>, and restart.</p>
<p>The API works without it: <a href="?f=html">the landing page</a>, <a href="collections?f=html">the collections</a>,
<a href="api?f=html">the API definition</a>.</p>
</body></html>
`
