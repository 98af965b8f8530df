package api

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"

	"github.com/planmap/planmap/tiles"
)

// Vector tiles, their TileJSON and the default MapLibre style.
//
//	GET /tiles/{z}/{x}/{y}.mvt[?layers=a,b]  Mapbox Vector Tile (204 when empty)
//	GET /tiles.json                          TileJSON 3.0.0
//	GET /styles/default.json                 MapLibre style

const (
	mediaMVT = "application/vnd.mapbox-vector-tile"
	// tileCacheControl lets clients reuse a tile for five minutes, then
	// revalidate it with its ETag (a new dataset version changes it).
	tileCacheControl = "public, max-age=300"
)

func (s *Server) routesTiles() {
	s.app.Get("/tiles/:z/:x/:y.mvt", s.handleTile)
	s.app.Get("/tiles.json", s.handleTileJSON)
	s.app.Get("/styles/default.json", s.handleStyle)
	s.extraPaths = append(s.extraPaths, tilePaths)
	s.routesOGCTiles()
	s.routesStyles()
}

func tilePaths() []apiPath {
	coordinate := func(name, description string) apiParam {
		return apiParam{Name: name, In: "path", Description: description, Schema: map[string]any{"type": "integer", "minimum": 0}}
	}
	return []apiPath{
		{
			Path: "/tiles/{z}/{x}/{y}.mvt",
			Summary: "A Mapbox Vector Tile (MVT 2.1, extent 4096) of the Web Mercator tile z/x/y (XYZ scheme), with one layer per planning layer " +
				"and enclave-links (each enclave to its home seat). Gzip-encoded when the client accepts it; 204 when no feature touches the tile.",
			Params: []apiParam{
				coordinate("z", "Zoom, 0 to 22."),
				coordinate("x", "Column, 0 to 2^z - 1."),
				coordinate("y", "Row from the north, 0 to 2^z - 1."),
				{Name: "layers", In: "query", Style: "form", Explode: &no, Description: "Comma-separated layers to include (default: all).",
					Schema: map[string]any{"type": "array", "items": map[string]any{"type": "string"}}},
			},
			Responses: map[string]string{mediaMVT: "Mapbox Vector Tile"},
		},
		{Path: "/tiles.json", Summary: "TileJSON 3.0 for the tiles: URL template, zooms, bounds, centre, vector_layers with their fields, attribution.", Responses: map[string]string{mediaJSON: "TileJSON 3.0.0"}},
		{
			Path: "/basemap/tiles/{z}/{x}/{y}.mvt",
			Summary: "The web map's offline basemap (land, water, rivers, coastline, reference places) as a Mapbox Vector Tile with one layer, basemap. " +
				"Gzip-encoded when the client accepts it; 204 when nothing touches the tile.",
			Params: []apiParam{
				coordinate("z", "Zoom, 0 to 22."),
				coordinate("x", "Column, 0 to 2^z - 1."),
				coordinate("y", "Row from the north, 0 to 2^z - 1."),
			},
			Responses: map[string]string{mediaMVT: "Mapbox Vector Tile"},
		},
		{Path: "/styles/default.json", Summary: "A MapLibre style (version 8) for the planning layers over planmap's offline basemap.", Responses: map[string]string{mediaMapboxStyle: "MapLibre style"}},
	}
}

// tileBuild is a snapshot's tiler, prepared in the background: preparing
// the tiles of 1M features takes tens of seconds, which the other routes
// need not wait for. A tile, TileJSON or style request waits for it under
// its own deadline (a 503 with Retry-After when the deadline comes first),
// so no request ever sees a wrong or missing tile.
//
// When the preparation fails, the version has no tiles until a reload:
// tile requests then answer 503 naming the cause, /readyz answers unready
// with it and /health reports it (see failure).
type tileBuild struct {
	done chan struct{}
	// base and tiler are set, or err and failedAt, when done is closed.
	base, tiler *tiles.Tiler
	err         error
	failedAt    time.Time
}

// fail ends the build with err; the caller closes done.
func (b *tileBuild) fail(err error) {
	b.err, b.failedAt = err, time.Now().UTC()
}

// failure is the error that ended the build, nil while it runs or when
// it succeeded.
func (b *tileBuild) failure() error {
	if b == nil || !b.ready() {
		return nil
	}
	return b.err
}

// ready reports whether the build has finished.
func (b *tileBuild) ready() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

// wait returns the tiler once it is prepared, or ctx's error when ctx ends
// first.
func (b *tileBuild) wait(ctx context.Context) (*tiles.Tiler, error) {
	if !b.ready() {
		select {
		case <-b.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if b.err != nil {
		return nil, tilesFailedError(b.err)
	}
	return b.tiler, nil
}

// tilesFailedError is the answer of a request needing tiles whose
// preparation failed: 503 naming the cause (a reload prepares them anew).
func tilesFailedError(err error) *Error {
	return &Error{Status: fiber.StatusServiceUnavailable, Code: "TilesUnavailable",
		Description: "the tiles of this dataset version could not be prepared (a reload prepares them anew): " + err.Error()}
}

// tilerFor waits for snap's tiler under the request's deadline.
func (s *Server) tilerFor(c *fiber.Ctx, snap *snapshot) (*tiles.Tiler, error) {
	return snap.tiles.wait(c.UserContext())
}

// WaitTiles blocks until the current version's tiles are prepared (or ctx
// ends) and returns the error preparing them, if any: for commands and
// benchmarks that want to time it.
func (s *Server) WaitTiles(ctx context.Context) error {
	_, err := s.state.Load().tiles.wait(ctx)
	return err
}

// buildTiles starts preparing snap's tiler in the background. When every
// layer keeps the base of prev's, the tiler is prev's base tiler with
// snap's overlays (the cost of the changes), and the cached tiles outside
// the changed areas carry over to the new version; otherwise every layer
// is prepared anew. What can be refused (layer names the tiler reserves,
// too many layers) is checked before it returns.
func (s *Server) buildTiles(snap, prev *snapshot) error {
	views := snap.data.Layers()
	sameBases := prev != nil && prev.tiles != nil && len(prev.data.Layers()) == len(views)
	var changed []orb.Bound
	if sameBases {
		for _, v := range views {
			bounds, ok := v.ChangedBounds(prev.data.Layer(v.Meta.ID))
			if !ok {
				sameBases = false
				break
			}
			changed = append(changed, bounds...)
		}
	}
	sources := make([]tiles.Source, len(views))
	versions := make([]string, len(views))
	for i, v := range views {
		meta, index, _, _ := v.Base()
		sources[i] = tiles.Source{Layer: meta, Index: index}
		versions[i] = v.BaseVersion()
	}
	if err := tiles.CheckSources(sources); err != nil {
		return err
	}
	changes := map[string]tiles.LayerChanges{}
	for _, v := range views {
		if _, _, hidden, added := v.Base(); hidden != nil {
			changes[v.Meta.ID] = tiles.LayerChanges{Hidden: hidden, Added: added}
		}
	}
	build := &tileBuild{done: make(chan struct{})}
	snap.tiles = build
	var prevBuild *tileBuild
	if prev != nil {
		prevBuild = prev.tiles
	}
	newTiler := s.newTiler
	if newTiler == nil {
		newTiler = tiles.New
	}
	go func() {
		defer close(build.done)
		start := time.Now()
		var base *tiles.Tiler
		if sameBases {
			<-prevBuild.done
			if prevBuild.err == nil {
				base = prevBuild.base
			}
		}
		if base == nil {
			sameBases = false
			var err error
			if base, err = newTiler("base:"+strings.Join(versions, ","), sources, tiles.Options{}); err != nil {
				build.fail(err)
				s.log.Error("preparing the tiles failed", "err", err)
				return
			}
		}
		tiler := base
		if len(changes) > 0 {
			var err error
			if tiler, err = base.WithChanges(snap.data.Version, changes); err != nil {
				build.fail(err)
				s.log.Error("preparing the tiles of the changes failed", "err", err)
				return
			}
		}
		if sameBases && prevBuild.tiler.Version() != tiler.Version() {
			s.tileCache.Carry(prevBuild.tiler.Version(), tiler.Version(), changed, tiler.Options().Buffer)
		}
		build.base, build.tiler = base, tiler
		if !sameBases {
			s.log.Debug("api: prepared the tiles", "seconds", time.Since(start).Seconds(), "version", tiler.Version())
		}
	}()
	return nil
}

// tileAddress reads a tile's zoom and its two numbers from the route
// parameters named zoom, first and second, each checked against the range
// the zoom allows.
func tileAddress(c *fiber.Ctx, zoom, first, second string) (z, a, b uint64, err error) {
	if z, err = parseTileNumber(zoom, c.Params(zoom), tiles.MaxZoom); err != nil {
		return 0, 0, 0, err
	}
	last := uint64(1)<<z - 1
	if a, err = parseTileNumber(first, c.Params(first), last); err != nil {
		return 0, 0, 0, err
	}
	if b, err = parseTileNumber(second, c.Params(second), last); err != nil {
		return 0, 0, 0, err
	}
	return z, a, b, nil
}

func (s *Server) handleTile(c *fiber.Ctx) error {
	z, x, y, err := tileAddress(c, "z", "x", "y")
	if err != nil {
		return err
	}
	if _, err := queryParams(c, []string{"layers"}); err != nil {
		return err
	}
	return s.serveTile(c, z, x, y, c.Query("layers"))
}

// serveTile answers with tile z/x/y (XYZ, checked) of the listed layers
// (comma-separated; empty: every layer), from the cache or rendered.
func (s *Server) serveTile(c *fiber.Ctx, z, x, y uint64, layers string) error {
	snap := s.state.Load()
	var key tiles.TileKey
	var render func() (*tiles.Tile, error)
	if src := s.opts.TileSource; src != nil {
		// an archive holds whole tiles only
		if layers != "" {
			return badRequest("layers: not available: the tiles come from an archive of every layer")
		}
		key = tiles.TileKey{Version: "archive", Z: uint32(z), X: uint32(x), Y: uint32(y)}
		render = func() (*tiles.Tile, error) { return src.Get(c.Context(), key.Z, key.X, key.Y) }
	} else {
		tiler, err := s.tilerFor(c, snap)
		if err != nil {
			return err
		}
		set, err := tiler.ParseLayers(layers)
		if err != nil {
			return badRequest("layers: %s", strings.TrimPrefix(err.Error(), "tiles: "))
		}
		key = tiles.TileKey{Version: tiler.Version(), Z: uint32(z), X: uint32(x), Y: uint32(y), Layers: set}
		render = func() (*tiles.Tile, error) { return tiler.Render(key.Z, key.X, key.Y, key.Layers) }
	}
	tile, err := s.tileCache.Get(key, render)
	if err != nil {
		return err
	}
	return sendTile(c, tile)
}

// sendTile answers with a tile: 204 when it is empty, else its gzip or
// identity body, each with its own strong ETag, 304 on a match.
func sendTile(c *fiber.Ctx, tile *tiles.Tile) error {
	c.Set(fiber.HeaderCacheControl, tileCacheControl)
	c.Vary(fiber.HeaderAcceptEncoding)
	if tile.Empty() {
		return c.SendStatus(fiber.StatusNoContent)
	}
	// the gzip and the identity bodies are different entities: each has
	// its own strong tag (RFC 9110 8.8.3)
	gzip := acceptsGzip(c.Get(fiber.HeaderAcceptEncoding))
	etag := tile.ETag
	if gzip {
		etag = gzipETag(etag)
	}
	c.Set(fiber.HeaderETag, etag)
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, mediaMVT)
	if gzip {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(tile.Gzip)
	}
	plain, err := tile.Plain()
	if err != nil {
		return err
	}
	return c.Send(plain)
}

// gzipETag is the tag of a tile's gzip body: its identity tag (quoted)
// with "-gzip" before the closing quote.
func gzipETag(identity string) string {
	return strings.TrimSuffix(identity, `"`) + `-gzip"`
}

// parseTileNumber reads a tile coordinate: decimal digits only, at most
// limit.
func parseTileNumber(name, s string, limit uint64) (uint64, error) {
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil || s == "" || s[0] == '+' {
		return 0, badRequest("%s must be a whole number, got %q", name, s)
	}
	if v > limit {
		if name == "z" {
			return 0, badRequest("z must be in 0..%d, got %d", limit, v)
		}
		return 0, badRequest("%s must be in 0..%d at this zoom, got %d", name, limit, v)
	}
	return v, nil
}

// etagMatches reports whether an If-None-Match header names etag.
func etagMatches(header, etag string) bool {
	for _, candidate := range strings.Split(header, ",") {
		candidate = strings.TrimSpace(candidate)
		if candidate == "*" || strings.TrimPrefix(candidate, "W/") == etag {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header admits gzip.
func acceptsGzip(header string) bool {
	gzip, star := -1.0, -1.0
	for _, item := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(item), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "gzip", "x-gzip":
			gzip = q
		case "*":
			star = q
		}
	}
	if gzip >= 0 {
		return gzip > 0
	}
	return star > 0
}

func (s *Server) tileURL(base string) string { return base + "/tiles/{z}/{x}/{y}.mvt" }

func (s *Server) handleTileJSON(c *fiber.Ctx) error {
	if params, err := queryParams(c, []string{"f"}); err != nil {
		return err
	} else if err := jsonOnly(params, c.Path()); err != nil {
		return err
	}
	snap := s.state.Load()
	base := s.baseURL(c)
	if notModified(c, etagFor(snap.etag, "tiles.json", base)) {
		return nil
	}
	tiler, err := s.tilerFor(c, snap)
	if err != nil {
		return err
	}
	return c.JSON(tiler.TileJSON(s.tileURL(base)))
}

func (s *Server) handleStyle(c *fiber.Ctx) error {
	if params, err := queryParams(c, []string{"f"}); err != nil {
		return err
	} else if err := jsonOnly(params, c.Path()); err != nil {
		return err
	}
	snap := s.state.Load()
	base := s.baseURL(c)
	if notModified(c, etagFor(snap.etag, "styles/default.json", base)) {
		return nil
	}
	tiler, err := s.tilerFor(c, snap)
	if err != nil {
		return err
	}
	return c.JSON(tiler.StyleFor(tiles.StyleURLs{Tiles: s.tileURL(base), Basemap: base + "/basemap/land.geojson", BasemapTiles: s.basemapTileURL(base), Sprite: spriteURL(base)}), mediaMapboxStyle)
}
