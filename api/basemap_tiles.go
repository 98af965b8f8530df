package api

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/tiles"
)

// The offline basemap as vector tiles: the embedded land.geojson, prepared
// once on first use by the same tiler as the plan and cached with the
// plan's tiles. A browser then parses the few small tiles of its view
// rather than the whole basemap (about 1 MB of GeoJSON to parse and tile
// before the map's first frame).
var basemapTiles struct {
	once  sync.Once
	tiler *tiles.Tiler
	set   tiles.LayerSet
	err   error
}

func basemapTiler() (*tiles.Tiler, tiles.LayerSet, error) {
	b := &basemapTiles
	b.once.Do(func() {
		body, err := fs.ReadFile(webAssets.build.fsys, "land.geojson")
		if err != nil {
			body = []byte(emptyLand)
		}
		fc, err := geojson.UnmarshalFeatureCollection(body)
		if err != nil {
			b.err = fmt.Errorf("api: the embedded basemap: %w", err)
			return
		}
		sum := sha256.Sum256(body)
		if b.tiler, b.err = tiles.NewBasemap("basemap:"+hex.EncodeToString(sum[:12]), fc); b.err == nil {
			b.set, b.err = b.tiler.BasemapLayers()
		}
	})
	return b.tiler, b.set, b.err
}

func (s *Server) basemapTileURL(base string) string {
	return base + "/basemap/tiles/{z}/{x}/{y}.mvt"
}

// handleBasemapTile serves /basemap/tiles/{z}/{x}/{y}.mvt: 204 for a tile
// with nothing in it, gzip when the client takes it, ETags as for the
// plan's tiles.
func (s *Server) handleBasemapTile(c *fiber.Ctx) error {
	z, x, y, err := tileAddress(c, "z", "x", "y")
	if err != nil {
		return err
	}
	if _, err := queryParams(c, nil); err != nil {
		return err
	}
	tiler, set, err := basemapTiler()
	if err != nil {
		return err
	}
	key := tiles.TileKey{Version: tiler.Version(), Z: uint32(z), X: uint32(x), Y: uint32(y), Layers: set}
	tile, err := s.tileCache.Get(key, func() (*tiles.Tile, error) { return tiler.Render(key.Z, key.X, key.Y, key.Layers) })
	if err != nil {
		return err
	}
	return sendTile(c, tile)
}
