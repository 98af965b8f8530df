package api

import (
	"math"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/planmap/planmap/tiles"
)

// OGC API – Tiles (OGC 20-057) over the same vector tiles as /tiles/{z}/{x}/{y}.mvt.
//
//	GET /tileMatrixSets                          the tiling schemes (WebMercatorQuad)
//	GET /tileMatrixSets/WebMercatorQuad          its definition (OGC Two Dimensional Tile Matrix Set 2.0 JSON)
//	GET /tiles                                   the dataset's vector tilesets
//	GET /tiles/WebMercatorQuad                   the dataset's tileset: layers, limits, the tile URL template
//	GET /tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}   a tile
//	GET /collections/{id}/tiles[...]             the same for one layer
//
// A tile of WebMercatorQuad is the XYZ tile z/x/y with tileMatrix = z,
// tileRow = y (from the north) and tileCol = x: handleOGCTile checks the
// numbers and serves XYZ tile z/x/y (of the collection's layer alone, for
// a collection) as handleTile does, through the same cache, with the same
// ETags and encodings.
//
// GDAL 3.6 and 3.7.0 read no vector OGC API – Tiles from any server: the
// OGCAPI driver's vector-tile code is compiled out (see
// gdal_tiles_test.go). As a collection links its tilesets, that driver's
// default API=AUTO tries the tiles, fails and does not fall back to the
// items; GDAL users read the features with OAPIF: or OGCAPI: with
// -oo API=ITEMS.

const (
	tmsID   = "WebMercatorQuad"
	tmsURI  = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
	crs3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"

	relTilingScheme   = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
	relTilingSchemes  = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
	relTilesetsVector = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
	relDataset        = "http://www.opengis.net/def/rel/ogc/1.0/dataset"

	tilesConf = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"

	// webMercatorHalf is half the side of the Web Mercator square, metres.
	webMercatorHalf = 20037508.3427892
	// cellSize0 is the size of a pixel of a 256-pixel tile at zoom 0.
	cellSize0 = 2 * webMercatorHalf / 256
)

// tilesConformance lists the OGC API – Tiles classes the service passes.
var tilesConformance = []string{
	tilesConf + "core",
	tilesConf + "tileset",
	tilesConf + "tilesets-list",
	tilesConf + "dataset-tilesets",
	tilesConf + "geodata-tilesets",
	tilesConf + "mvt",
	tilesConf + "oas30",
}

// tileLink is a link that may be a URI template.
type tileLink struct {
	Href      string `json:"href"`
	Rel       string `json:"rel"`
	Type      string `json:"type,omitempty"`
	Title     string `json:"title,omitempty"`
	Templated bool   `json:"templated,omitempty"`
}

func (s *Server) routesOGCTiles() {
	s.app.Get("/tileMatrixSets", s.handleTileMatrixSets)
	s.app.Get("/tileMatrixSets/:tileMatrixSetId", s.handleTileMatrixSet)
	s.app.Get("/tiles", s.handleTilesets)
	s.app.Get("/tiles/:tileMatrixSetId", s.handleTileset)
	s.app.Get("/tiles/:tileMatrixSetId/:tileMatrix/:tileRow/:tileCol", s.handleOGCTile)
	s.app.Get("/collections/:collectionId/tiles", s.handleTilesets)
	s.app.Get("/collections/:collectionId/tiles/:tileMatrixSetId", s.handleTileset)
	s.app.Get("/collections/:collectionId/tiles/:tileMatrixSetId/:tileMatrix/:tileRow/:tileCol", s.handleOGCTile)
	s.app.Get("/collections/:collectionId/schema.xsd", s.handleGMLSchema)
	s.extraPaths = append(s.extraPaths, ogcTilePaths)
}

// checkTileMatrixSet accepts the one tile matrix set served.
func checkTileMatrixSet(id string) error {
	if id != tmsID {
		return notFound("no tile matrix set %q; the one offered is %s", id, tmsID)
	}
	return nil
}

func (s *Server) handleTileMatrixSets(c *fiber.Ctx) error {
	if _, err := queryParams(c, []string{"f"}); err != nil {
		return err
	}
	base := s.baseURL(c)
	return c.JSON(fiber.Map{
		"links": []tileLink{{Href: base + "/tileMatrixSets", Rel: "self", Type: mediaJSON, Title: "the tile matrix sets"}},
		"tileMatrixSets": []fiber.Map{{
			"id": tmsID, "title": "Google Maps Compatible for the World", "uri": tmsURI, "crs": crs3857,
			"links": []tileLink{{Href: base + "/tileMatrixSets/" + tmsID, Rel: relTilingScheme, Type: mediaJSON, Title: "the WebMercatorQuad definition"},
				{Href: base + "/tileMatrixSets/" + tmsID, Rel: "self", Type: mediaJSON, Title: "the WebMercatorQuad definition"}},
		}},
	})
}

// tileMatrix is one zoom level of WebMercatorQuad in TMS 2.0 JSON; it also
// carries identifier and topLeftCorner, the member names of TMS 1.0, which
// GDAL 3.6 reads.
type tileMatrix struct {
	ID               string     `json:"id"`
	Identifier       string     `json:"identifier"`
	ScaleDenominator float64    `json:"scaleDenominator"`
	CellSize         float64    `json:"cellSize"`
	CornerOfOrigin   string     `json:"cornerOfOrigin"`
	PointOfOrigin    [2]float64 `json:"pointOfOrigin"`
	TopLeftCorner    [2]float64 `json:"topLeftCorner"`
	TileWidth        int        `json:"tileWidth"`
	TileHeight       int        `json:"tileHeight"`
	MatrixWidth      uint64     `json:"matrixWidth"`
	MatrixHeight     uint64     `json:"matrixHeight"`
}

// webMercatorQuad is the standard's definition of WebMercatorQuad (OGC
// 17-083r4 Annex D), zooms 0 to tiles.MaxZoom.
func webMercatorQuad() fiber.Map {
	matrices := make([]tileMatrix, 0, tiles.MaxZoom+1)
	for z := 0; z <= tiles.MaxZoom; z++ {
		cell := cellSize0 / math.Exp2(float64(z))
		origin := [2]float64{-webMercatorHalf, webMercatorHalf}
		matrices = append(matrices, tileMatrix{
			ID: strconv.Itoa(z), Identifier: strconv.Itoa(z), ScaleDenominator: cell / 0.00028, CellSize: cell,
			CornerOfOrigin: "topLeft", PointOfOrigin: origin, TopLeftCorner: origin,
			TileWidth: 256, TileHeight: 256, MatrixWidth: 1 << z, MatrixHeight: 1 << z,
		})
	}
	return fiber.Map{
		"id":                tmsID,
		"title":             "Google Maps Compatible for the World",
		"uri":               tmsURI,
		"crs":               crs3857,
		"orderedAxes":       []string{"X", "Y"},
		"wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
		"tileMatrices":      matrices,
		"boundingBox": fiber.Map{
			"crs":       crs3857,
			"lowerLeft": []float64{-webMercatorHalf, -webMercatorHalf}, "upperRight": []float64{webMercatorHalf, webMercatorHalf},
			// TMS 1.0's names, for GDAL 3.6.
			"lowerCorner": []float64{-webMercatorHalf, -webMercatorHalf}, "upperCorner": []float64{webMercatorHalf, webMercatorHalf},
		},
		// TMS 1.0's names, for GDAL 3.6, which reads only these.
		"identifier":   tmsID,
		"supportedCRS": crs3857,
	}
}

func (s *Server) handleTileMatrixSet(c *fiber.Ctx) error {
	if _, err := queryParams(c, []string{"f"}); err != nil {
		return err
	}
	if err := checkTileMatrixSet(c.Params("tileMatrixSetId")); err != nil {
		return err
	}
	doc := webMercatorQuad()
	doc["links"] = []tileLink{{Href: s.baseURL(c) + "/tileMatrixSets/" + tmsID, Rel: "self", Type: mediaJSON, Title: "this tile matrix set"}}
	return c.JSON(doc)
}

// tilesetScope is what a tileset covers: the dataset, or one collection.
type tilesetScope struct {
	prefix     string // "" or "/collections/{id}"
	collection string
	title      string
}

func (s *Server) scope(c *fiber.Ctx, snap *snapshot) (tilesetScope, error) {
	id := c.Params("collectionId")
	if id == "" {
		return tilesetScope{title: serviceTitle + " vector tiles"}, nil
	}
	ls, err := snap.layer(id)
	if err != nil {
		return tilesetScope{}, err
	}
	return tilesetScope{prefix: "/collections/" + id, collection: id, title: ls.meta.Title}, nil
}

func (s *Server) handleTilesets(c *fiber.Ctx) error {
	if _, err := queryParams(c, []string{"f"}); err != nil {
		return err
	}
	snap := s.state.Load()
	sc, err := s.scope(c, snap)
	if err != nil {
		return err
	}
	base := s.baseURL(c)
	if notModified(c, etagFor(snap.etag, c.Path(), base)) {
		return nil
	}
	tileset := base + sc.prefix + "/tiles/" + tmsID
	return c.JSON(fiber.Map{
		"links": []tileLink{{Href: base + sc.prefix + "/tiles", Rel: "self", Type: mediaJSON, Title: "the tilesets"}},
		"tilesets": []fiber.Map{{
			"title": sc.title, "dataType": "vector", "crs": crs3857, "tileMatrixSetURI": tmsURI,
			"links": []tileLink{
				{Href: tileset, Rel: "self", Type: mediaJSON, Title: "the tileset"},
				{Href: base + "/tileMatrixSets/" + tmsID, Rel: relTilingScheme, Type: mediaJSON, Title: "WebMercatorQuad"},
			},
		}},
	})
}

// tileLimits are the tile rows and columns of one zoom that hold data.
type tileLimits struct {
	TileMatrix string `json:"tileMatrix"`
	MinTileRow uint64 `json:"minTileRow"`
	MaxTileRow uint64 `json:"maxTileRow"`
	MinTileCol uint64 `json:"minTileCol"`
	MaxTileCol uint64 `json:"maxTileCol"`
}

// limitsFor gives the tile ranges of a lon/lat box at zooms lo..hi.
func limitsFor(b [4]float64, lo, hi int) []tileLimits {
	tile := func(lon, lat float64, z int) (x, y uint64) {
		n := math.Exp2(float64(z))
		lat = math.Max(-85.05112877980659, math.Min(85.05112877980659, lat))
		s := math.Sin(lat * math.Pi / 180)
		fx := (lon/360 + 0.5) * n
		fy := (0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)) * n
		clamp := func(v float64) uint64 { return uint64(math.Max(0, math.Min(n-1, math.Floor(v)))) }
		return clamp(fx), clamp(fy)
	}
	out := make([]tileLimits, 0, hi-lo+1)
	for z := lo; z <= hi; z++ {
		x0, y0 := tile(b[0], b[3], z)
		x1, y1 := tile(b[2], b[1], z)
		out = append(out, tileLimits{TileMatrix: strconv.Itoa(z), MinTileRow: y0, MaxTileRow: y1, MinTileCol: x0, MaxTileCol: x1})
	}
	return out
}

func (s *Server) handleTileset(c *fiber.Ctx) error {
	if _, err := queryParams(c, []string{"f"}); err != nil {
		return err
	}
	if err := checkTileMatrixSet(c.Params("tileMatrixSetId")); err != nil {
		return err
	}
	snap := s.state.Load()
	sc, err := s.scope(c, snap)
	if err != nil {
		return err
	}
	base := s.baseURL(c)
	if notModified(c, etagFor(snap.etag, c.Path(), base)) {
		return nil
	}
	tiler, err := s.tilerFor(c, snap)
	if err != nil {
		return err
	}
	tj := tiler.TileJSON(s.tileURL(base))
	bounds := tj.Bounds
	self := base + sc.prefix + "/tiles/" + tmsID
	links := []tileLink{
		{Href: self, Rel: "self", Type: mediaJSON, Title: "this tileset"},
		{Href: base + "/tileMatrixSets/" + tmsID, Rel: relTilingScheme, Type: mediaJSON, Title: "WebMercatorQuad"},
		{Href: self + "/{tileMatrix}/{tileRow}/{tileCol}", Rel: "item", Type: mediaMVT, Title: "a Mapbox Vector Tile", Templated: true},
		{Href: base + "/styles/default.json", Rel: "stylesheet", Type: mediaMapboxStyle, Title: "MapLibre style"},
	}
	if sc.collection != "" {
		ls, _ := snap.layer(sc.collection)
		if b := ls.extent(); ls.view.Len() > 0 {
			bounds = [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
		}
		links = append(links, tileLink{Href: base + sc.prefix, Rel: "collection", Type: mediaJSON, Title: sc.title})
	} else {
		links = append(links, tileLink{Href: base + "/", Rel: relDataset, Type: mediaJSON, Title: "the dataset"})
	}
	var layers []fiber.Map
	for _, vl := range tj.VectorLayers {
		if sc.collection != "" && vl.ID != sc.collection {
			continue
		}
		layer := fiber.Map{
			"id": vl.ID, "description": vl.Description, "dataType": "vector",
			"minTileMatrix": strconv.Itoa(vl.MinZoom), "maxTileMatrix": strconv.Itoa(vl.MaxZoom),
			"propertiesSchema": fieldsSchema(vl.Fields),
		}
		if ls, err := snap.layer(vl.ID); err == nil {
			layer["links"] = []tileLink{{Href: base + "/collections/" + ls.meta.ID, Rel: "collection", Type: mediaJSON, Title: ls.meta.Title}}
			if gt := s.layerGeometryType(ls); gt != "" {
				if dim, ok := geometryDimension[gt]; ok {
					layer["geometryDimension"] = dim
				}
			}
		} else {
			layer["geometryDimension"] = 1 // enclave-links
		}
		layers = append(layers, layer)
	}
	return c.JSON(fiber.Map{
		"title": sc.title, "dataType": "vector", "crs": crs3857, "tileMatrixSetURI": tmsURI,
		"links":               links,
		"tileMatrixSetLimits": limitsFor(bounds, tj.MinZoom, tj.MaxZoom),
		"boundingBox":         fiber.Map{"lowerLeft": []float64{bounds[0], bounds[1]}, "upperRight": []float64{bounds[2], bounds[3]}, "crs": crs84},
		"centerPoint":         fiber.Map{"coordinates": []float64{tj.Center[0], tj.Center[1]}, "tileMatrix": strconv.Itoa(int(tj.Center[2])), "crs": crs84},
		"layers":              layers,
		"attribution":         tj.Attribution,
	})
}

// fieldsSchema writes TileJSON fields as the JSON Schema of a layer's
// properties.
func fieldsSchema(fields map[string]string) fiber.Map {
	props := fiber.Map{}
	for name, typ := range fields {
		t := "string"
		switch typ {
		case "Number":
			t = "number"
		case "Boolean":
			t = "boolean"
		}
		props[name] = fiber.Map{"type": t}
	}
	return fiber.Map{"type": "object", "properties": props}
}

// handleOGCTile serves a WebMercatorQuad tile, the dataset's or one
// collection's alone, as handleTile serves the XYZ tile.
func (s *Server) handleOGCTile(c *fiber.Ctx) error {
	params, err := queryParams(c, []string{"f"})
	if err != nil {
		return err
	}
	if f := paramValue(params, "f"); f != "" && f != "mvt" {
		return badRequest("f=%q: the tiles are Mapbox Vector Tiles only (f=mvt)", f)
	}
	if err := checkTileMatrixSet(c.Params("tileMatrixSetId")); err != nil {
		return err
	}
	z, row, col, err := tileAddress(c, "tileMatrix", "tileRow", "tileCol")
	if err != nil {
		return err
	}
	layers := ""
	if id := c.Params("collectionId"); id != "" {
		if _, err := s.state.Load().layer(id); err != nil {
			return err
		}
		layers = id
	}
	return s.serveTile(c, z, col, row, layers)
}

func ogcTilePaths() []apiPath {
	tms := apiParam{Name: "tileMatrixSetId", In: "path", Description: "Tile matrix set: WebMercatorQuad.", Schema: map[string]any{"type": "string", "enum": []string{tmsID}}}
	tileParams := []apiParam{
		{Name: "tileMatrix", In: "path", Description: "Zoom level, 0 to 22.", Schema: map[string]any{"type": "string", "pattern": "^[0-9]+$"}},
		{Name: "tileRow", In: "path", Description: "Row from the north, 0 to 2^tileMatrix - 1.", Schema: map[string]any{"type": "integer", "minimum": 0}},
		{Name: "tileCol", In: "path", Description: "Column from the west, 0 to 2^tileMatrix - 1.", Schema: map[string]any{"type": "integer", "minimum": 0}},
		{Name: "f", In: "query", Description: "Format: mvt (the only one).", Schema: map[string]any{"type": "string", "enum": []string{"mvt"}}},
	}
	mvt := map[string]string{mediaMVT: "Mapbox Vector Tile (204 when empty)"}
	return []apiPath{
		{Path: "/tileMatrixSets", Summary: "The tile matrix sets (tiling schemes) of the tiles: WebMercatorQuad.", Responses: map[string]string{mediaJSON: "tile matrix sets"}},
		{Path: "/tileMatrixSets/{tileMatrixSetId}", Summary: "The definition of a tile matrix set (OGC 17-083r4 JSON).", Params: []apiParam{tms}, Responses: map[string]string{mediaJSON: "tile matrix set"}},
		{Path: "/tiles", Summary: "The dataset's vector tilesets (OGC API – Tiles).", Responses: map[string]string{mediaJSON: "tileset list"}},
		{Path: "/tiles/{tileMatrixSetId}", Summary: "The dataset's vector tileset: layers, limits and the tile URL template.", Params: []apiParam{tms}, Responses: map[string]string{mediaJSON: "tileset metadata"}},
		{Path: "/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", Summary: "A vector tile of the dataset, the same as /tiles/{z}/{x}/{y}.mvt.", Params: append([]apiParam{tms}, tileParams...), Responses: mvt},
		{Path: "/collections/{collectionId}/schema.xsd", Summary: "The collection's GML 3.2 application schema: its geometry type and typed scalar properties (for GDAL, which reads the geometry type only from it).", Params: []apiParam{paramCollection}, Responses: map[string]string{mediaXSD: "XML Schema"}},
		{Path: "/collections/{collectionId}/tiles", Summary: "A collection's vector tilesets.", Params: []apiParam{paramCollection}, Responses: map[string]string{mediaJSON: "tileset list"}},
		{Path: "/collections/{collectionId}/tiles/{tileMatrixSetId}", Summary: "A collection's vector tileset.", Params: []apiParam{paramCollection, tms}, Responses: map[string]string{mediaJSON: "tileset metadata"}},
		{Path: "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", Summary: "A vector tile with the collection's layer only.", Params: append([]apiParam{paramCollection, tms}, tileParams...), Responses: mvt},
	}
}

// tileLinksFor are the links a collection document gets to its tiles.
func tileLinksFor(base, collection string) []link {
	return []link{{Href: base + "/collections/" + collection + "/tiles", Rel: relTilesetsVector, Type: mediaJSON, Title: "vector tilesets (OGC API – Tiles)"}}
}
