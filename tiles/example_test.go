package tiles_test

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/tiles"
)

func Example() {
	park := geojson.NewFeature(orb.Polygon{{{120.60, 27.95}, {120.70, 27.95}, {120.70, 28.05}, {120.60, 28.05}, {120.60, 27.95}}})
	park.Properties = geojson.Properties{"id": "demo-park", "name": "示范园", "kind": "industrial_park", "status": "planned", "target_year": 2025.0}
	fc := geojson.NewFeatureCollection()
	fc.Append(park)
	ds := &data.Dataset{Version: "demo", Layers: []*data.Layer{{ID: data.IndustrialParks, Features: fc}}}

	tiler, err := tiles.NewForDataset(ds, tiles.Options{})
	if err != nil {
		panic(err)
	}
	x, y := tiles.TileContaining(orb.Point{120.65, 28.0}, 10)
	raw, err := tiler.Encode(10, x, y, tiler.AllLayers())
	if err != nil {
		panic(err)
	}
	layers, err := mvt.Unmarshal(raw)
	if err != nil {
		panic(err)
	}
	f := layers[0].Features[0]
	fmt.Println("tile", 10, x, y, "layer", layers[0].Name, "version", layers[0].Version)
	fmt.Println(f.Geometry.GeoJSONType(), f.Properties["id"], f.Properties["name"], f.Properties["target_year"])
	fmt.Println(f.ID == float64(tiles.FeatureTileID(data.IndustrialParks, "demo-park")))

	// far out at sea: no feature, no bytes
	empty, _ := tiler.Encode(10, 0, 0, tiler.AllLayers())
	fmt.Println(len(empty))
	// Output:
	// tile 10 855 428 layer industrial-parks version 2
	// Polygon demo-park 示范园 2025
	// true
	// 0
}
