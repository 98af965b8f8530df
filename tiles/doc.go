// Package tiles makes Mapbox Vector Tiles (spec 2.1) from the geo indexes of
// a dataset version, without HTTP: the api package serves what it makes and
// the planmap command exports it to MBTiles.
//
// Geometry is prepared once, in the manner of geojson-vt: every vertex is
// projected to Web Mercator in [0, 1] (stored as 32-bit fixed point; zooms
// 21 and 22 project the source coordinates instead), and a single
// Douglas–Peucker pass stores, for each vertex, the lowest zoom whose
// tolerance keeps it, so a tile at zoom z keeps exactly the vertices a
// Douglas–Peucker run at that zoom's tolerance would keep, in one linear
// pass and without simplifying again. Prepared features are laid out in
// Hilbert order with their parts, tags and pre-encoded property values in
// flat arrays, so that the features of one tile sit together in memory.
//
// Per tile, the tiler looks features up in the layer's index (for layers of
// lines, from zoom 12 on, in grids of the cells each line crosses), filters
// vertices by zoom, clips to the tile plus a buffer (long lines by chunks of
// 32 segments, skipping those outside), quantises to the 4096 extent, drops
// repeated points and degenerate rings, fixes ring winding and writes the
// protobuf directly, layers in a fixed order. The source features, shared
// with the OGC API, are never written to.
//
// Nothing planned vanishes: a polygon or line too small to draw at a zoom is
// written as a point (in the same layer, at a point on its surface).
//
// Every tile is held to a budget, Tippecanoe's by default: 500 KiB and
// 200,000 features (Options.MaxTileBytes, Options.MaxTileFeatures), for any
// dataset, by data density alone — where the data came from plays no part.
// Small layers (at most Options.WholeLayerFeatures features, 1,000 by
// default, which covers the built-in plan) are always drawn whole at every
// zoom; the features of larger layers are left out of the low-zoom tiles
// they crowd. The thinning is planned once, top down from zoom 18
// (Options.ThinMaxZoom), by estimated bytes and features per tile: in a
// tile over its target, the whole layers take their share first and the
// other features keep at most K per cell of a 32×32 grid, biggest first,
// K as large as fits, so the densest cells lose features first and a
// sparse area keeps everything; a feature once shown stays shown when
// zooming in. As a last resort, an encoded tile over the budget is thinned
// the same way and encoded again.
//
// The derived layer EnclaveLinks draws a line from each enclave to its home
// county's seat (home_point); the derived layer Labels holds one label point
// per polygon and point feature, so that a polygon is labelled once, not once
// per tile it touches. Cache keeps gzip-compressed tiles under a byte
// budget with a single flight per tile; TileJSON and Style describe the
// tiles for clients; WriteMBTiles and WritePMTiles export a zoom range to an
// MBTiles file or a PMTiles v3 archive, and OpenPMTiles opens an archive as a
// TileSource to serve in place of a Tiler.
package tiles
