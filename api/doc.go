// Package api is planmap's HTTP face: an OGC API – Features service, vector
// tiles with TileJSON and a MapLibre style, search, corridor analysis and the
// embedded web map, on fiber v2. It is the only package that imports fiber;
// every handler translates a request into calls to data, geo and tiles.
package api
