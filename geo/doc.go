// Package geo is planmap's pure geometry on orb types: the spatial index that
// answers bounding-box queries exactly, geodesic measures, corridor buffers
// and coverage analysis. It knows nothing of HTTP or files.
//
// Coordinates are WGS84 longitude/latitude unless a function says otherwise.
package geo
