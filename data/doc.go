// Package data loads, validates and holds planmap's layers.
//
// A dataset is a folder of GeoJSON files, one FeatureCollection per layer: the
// file name without ".geojson" is the layer id. An optional sidecar "<id>.json"
// gives the layer's title, description, licence and attribution. The four
// planning layers (industrial-parks, corridors, ports, enclaves) carry a fixed
// property schema that the validator enforces; any other layer only has to be
// valid GeoJSON with unique, URL-safe feature ids.
//
// The default dataset, derived from the planning documents in shared/seeds, is
// embedded into the binary (see Default).
package data
