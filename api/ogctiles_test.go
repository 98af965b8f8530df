package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/testtool"
)

// TestTileMatrixSetDefinition checks WebMercatorQuad against PROJ: the
// origin is where cs2cs puts (−180°, 85.0511°) in EPSG:3857, and every
// level halves the cell size and doubles the matrix.
func TestTileMatrixSetDefinition(t *testing.T) {
	srv := defaultServer(t)
	var list struct {
		TileMatrixSets []struct {
			ID    string `json:"id"`
			URI   string `json:"uri"`
			Links []tileLink
		} `json:"tileMatrixSets"`
	}
	if err := json.Unmarshal(get(t, srv, "/tileMatrixSets").body, &list); err != nil || len(list.TileMatrixSets) != 1 || list.TileMatrixSets[0].ID != tmsID || list.TileMatrixSets[0].URI != tmsURI {
		t.Fatalf("tileMatrixSets: %v %+v", err, list)
	}
	var tms struct {
		ID           string `json:"id"`
		CRS          string `json:"crs"`
		TileMatrices []tileMatrix
	}
	r := get(t, srv, "/tileMatrixSets/WebMercatorQuad")
	if err := json.Unmarshal(r.body, &tms); err != nil || tms.CRS != crs3857 || len(tms.TileMatrices) != 23 {
		t.Fatalf("definition: %v %s", err, r.body)
	}
	corner := cs2cs(t, "EPSG:3857", []orb.Point{{-180, 85.05112877980659}})[0]
	for z, m := range tms.TileMatrices {
		if m.ID != strconv.Itoa(z) || m.MatrixWidth != 1<<z || m.MatrixHeight != 1<<z || m.TileWidth != 256 || m.CornerOfOrigin != "topLeft" {
			t.Errorf("matrix %d: %+v", z, m)
		}
		if math.Abs(m.PointOfOrigin[0]-corner[0]) > 1e-3 || math.Abs(m.PointOfOrigin[1]-corner[1]) > 1e-3 {
			t.Errorf("matrix %d: origin %v, cs2cs %v", z, m.PointOfOrigin, corner)
		}
		// The matrix spans the whole square; the scale is the cell size
		// over the standard 0.28 mm pixel.
		if span := m.CellSize * 256 * float64(m.MatrixWidth); math.Abs(span-2*math.Abs(corner[0])) > 1e-3 {
			t.Errorf("matrix %d spans %v m", z, span)
		}
		if math.Abs(m.ScaleDenominator*0.00028-m.CellSize) > 1e-9*m.CellSize {
			t.Errorf("matrix %d: scale %v for cell %v", z, m.ScaleDenominator, m.CellSize)
		}
	}
	if r := get(t, srv, "/tileMatrixSets/WorldCRS84Quad"); r.status != 404 {
		t.Errorf("unknown tile matrix set: %d", r.status)
	}
}

// TestOGCTilesServeTheSameTiles: every OGC API – Tiles tile is byte for
// byte the XYZ tile (tileRow = y, tileCol = x), and a collection's tile is
// the XYZ tile with layers=that collection; the URL templates in the
// tileset documents lead to them.
func TestOGCTilesServeTheSameTiles(t *testing.T) {
	srv, ds := tileServer(t)
	var tileset struct {
		DataType string       `json:"dataType"`
		Links    []tileLink   `json:"links"`
		Limits   []tileLimits `json:"tileMatrixSetLimits"`
		Layers   []struct {
			ID string `json:"id"`
		} `json:"layers"`
	}
	template := func(path string) string {
		t.Helper()
		if err := json.Unmarshal(get(t, srv, path).body, &tileset); err != nil {
			t.Fatal(err)
		}
		for _, l := range tileset.Links {
			if l.Rel == "item" && l.Type == mediaMVT && l.Templated {
				return strings.TrimPrefix(l.Href, "http://planmap.test")
			}
		}
		t.Fatalf("%s has no templated item link: %+v", path, tileset.Links)
		return ""
	}
	rng := rand.New(rand.NewSource(1))
	bound := ds.Layers[0].Bound()
	for _, l := range ds.Layers[1:] {
		bound = bound.Union(l.Bound())
	}
	scopes := []struct{ tilesetPath, layers string }{{"/tiles/WebMercatorQuad", ""}}
	for _, l := range ds.Layers {
		scopes = append(scopes, struct{ tilesetPath, layers string }{"/collections/" + l.ID + "/tiles/WebMercatorQuad", l.ID})
	}
	full, empty := 0, 0
	for _, sc := range scopes {
		tmpl := template(sc.tilesetPath)
		if tileset.DataType != "vector" || len(tileset.Limits) == 0 {
			t.Errorf("%s: dataType %q, %d limits", sc.tilesetPath, tileset.DataType, len(tileset.Limits))
		}
		if sc.layers != "" && (len(tileset.Layers) != 1 || tileset.Layers[0].ID != sc.layers) {
			t.Errorf("%s: layers %+v", sc.tilesetPath, tileset.Layers)
		}
		for i := 0; i < 25; i++ {
			z := maptile.Zoom(rng.Intn(15))
			p := orb.Point{bound.Min[0] + rng.Float64()*(bound.Max[0]-bound.Min[0]), bound.Min[1] + rng.Float64()*(bound.Max[1]-bound.Min[1])}
			tile := maptile.At(p, z)
			url := strings.NewReplacer("{tileMatrix}", fmt.Sprint(z), "{tileRow}", fmt.Sprint(tile.Y), "{tileCol}", fmt.Sprint(tile.X)).Replace(tmpl)
			xyz := fmt.Sprintf("/tiles/%d/%d/%d.mvt", z, tile.X, tile.Y)
			if sc.layers != "" {
				xyz += "?layers=" + sc.layers
			}
			// br: neither is compressed again per request (the gzip
			// or plain bytes of the cache go out)
			for _, enc := range []string{"gzip", "identity", "br"} {
				a, b := tileGet(t, srv, url, "Accept-Encoding", enc), tileGet(t, srv, xyz, "Accept-Encoding", enc)
				if a.status != b.status || !bytes.Equal(a.body, b.body) || a.header.Get("Content-Type") != b.header.Get("Content-Type") || a.header.Get("ETag") != b.header.Get("ETag") {
					t.Fatalf("%s (%d, %d bytes) differs from %s (%d, %d bytes)", url, a.status, len(a.body), xyz, b.status, len(b.body))
				}
				if a.status == 200 {
					full++
				} else {
					empty++
				}
			}
		}
	}
	if full == 0 {
		t.Error("no tile with data was compared")
	}
	t.Logf("%d tiles with data and %d empty ones compared", full, empty)
	for _, bad := range []struct {
		path string
		code int
		says string
	}{
		{"/tiles/WebMercatorQuad/23/0/0", 400, "tileMatrix"},
		{"/tiles/WebMercatorQuad/3/8/0", 400, "tileRow"},
		{"/tiles/WebMercatorQuad/3/0/x", 400, "tileCol"},
		{"/tiles/WebMercatorQuad/3/0/0?f=png", 400, "mvt"},
		{"/tiles/WebMercatorQuad/3/0/0?foo=1", 400, "foo"},
		{"/tiles/WorldCRS84Quad", 404, "WebMercatorQuad"},
		{"/collections/nope/tiles/WebMercatorQuad/3/0/0", 404, "nope"},
		{"/collections/nope/tiles", 404, "nope"},
	} {
		r := get(t, srv, bad.path)
		if r.status != bad.code || !strings.Contains(string(r.body), bad.says) || !strings.Contains(string(r.body), `"code"`) {
			t.Errorf("%s: %d %s", bad.path, r.status, r.body)
		}
	}
}

func TestIsTilePath(t *testing.T) {
	for _, c := range []struct {
		path string
		want bool
	}{
		{"/tiles/3/1/2.mvt", true},
		{"/tiles/WebMercatorQuad/3/2/1", true},
		{"/collections/ports/tiles/WebMercatorQuad/3/2/1", true},
		{"/collections/ports/tiles/WebMercatorQuad", false},
		{"/collections/ports/tiles", false},
		{"/collections/ports/items", false},
		{"/collections/ports/tiles/WebMercatorQuad/3/2", false},
		{"/tiles.json", false},
		{"/", false},
	} {
		if got := isTilePath(c.path); got != c.want {
			t.Errorf("isTilePath(%q) = %v, want %v", c.path, got, c.want)
		}
	}
}

// TestOGCTilesDeclared checks the links and conformance classes the
// standard requires: the landing page and every collection lead to their
// tilesets, the tileset lists lead to the tilesets and the tiling scheme.
func TestOGCTilesDeclared(t *testing.T) {
	srv := defaultServer(t)
	rels := func(path string) map[string]string {
		var doc struct{ Links []tileLink }
		if err := json.Unmarshal(get(t, srv, path).body, &doc); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, l := range doc.Links {
			out[l.Rel] = strings.TrimPrefix(l.Href, "http://planmap.test")
		}
		return out
	}
	if l := rels("/?f=json"); l[relTilesetsVector] != "/tiles" || l[relTilingSchemes] != "/tileMatrixSets" {
		t.Errorf("landing links %v", l)
	}
	if l := rels("/collections/ports"); l[relTilesetsVector] != "/collections/ports/tiles" {
		t.Errorf("collection links %v", l)
	}
	var list struct {
		Tilesets []struct {
			DataType, TileMatrixSetURI string
			Links                      []tileLink
		}
	}
	if err := json.Unmarshal(get(t, srv, "/collections/ports/tiles").body, &list); err != nil || len(list.Tilesets) != 1 || list.Tilesets[0].TileMatrixSetURI != tmsURI {
		t.Fatalf("tilesets %v %+v", err, list)
	}
	conf := string(get(t, srv, "/conformance").body)
	for _, c := range tilesConformance {
		if !strings.Contains(conf, c) {
			t.Errorf("conformance lacks %s", c)
		}
	}
	api := string(get(t, srv, "/api").body)
	for _, p := range []string{"/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", "/collections/{collectionId}/tiles/{tileMatrixSetId}", "/tileMatrixSets/{tileMatrixSetId}", "/styles"} {
		if !strings.Contains(api, `"`+p+`"`) {
			t.Errorf("OpenAPI lacks %s", p)
		}
	}
}

// TestGDALReadsTilesThroughTileJSON opens the tiles with GDAL's MVT driver
// the way tile servers are opened (MVT:http://host/tiles/Z with
// TILE_EXTENSION=mvt; it reads the layers and fields from /tiles.json):
// every port must come back at zoom 8.
//
// GDAL 3.6's OGCAPI driver does not open planmap's OGC API – Tiles: it
// reads /collections/{id}/tiles, the tileset and /tileMatrixSets/
// WebMercatorQuad and then gives up without an error, because its
// vector-tile code is compiled out before GDAL 3.7.1 (see the note in
// gdal_tiles_test.go).
func TestGDALReadsTilesThroughTileJSON(t *testing.T) {
	ogr2ogr := testtool.Program(t, "ogr2ogr", "gdal-bin")
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	base := serveForTest(t, ds)
	out, err := exec.Command(ogr2ogr, "-f", "CSV", "/vsistdout/", "MVT:"+base+"/tiles/8", "-oo", "TILE_EXTENSION=mvt", "ports", "-select", "id").CombinedOutput()
	if err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, out)
	}
	got := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n")[1:] {
		got[strings.Trim(line, `"`)] = true
	}
	var want []string
	for _, f := range ds.Layer("ports").Features.Features {
		if id := f.Properties["id"].(string); !got[id] {
			want = append(want, id)
		}
	}
	sort.Strings(want)
	if len(want) > 0 {
		t.Errorf("GDAL's MVT driver misses ports %v (got %d ids)", want, len(got))
	}
}
