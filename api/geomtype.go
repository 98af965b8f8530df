package api

import "github.com/paulmach/orb"

// Each collection says the GeoJSON geometry type of its features, as
// planmap:geometryType and as the $ref of geometry in its queryables, so a
// client that makes typed tables (GDAL writing a GeoPackage, QGIS) creates
// the right one instead of guessing from the first page: a layer of
// LineStrings with a few MultiLineStrings is MultiLineString, a layer
// mixing points and polygons is Geometry.

// geometryDimension is the topological dimension of each type.
var geometryDimension = map[string]int{
	"Point": 0, "MultiPoint": 0,
	"LineString": 1, "MultiLineString": 1,
	"Polygon": 2, "MultiPolygon": 2,
}

// geometryTypeOf merges the GeoJSON types of a layer's features into the
// narrowest type that holds them all: "" for a layer with no geometry.
func geometryTypeOf(types map[string]bool) string {
	if len(types) == 0 {
		return ""
	}
	dims := map[int]bool{}
	multi := false
	for t := range types {
		d, ok := geometryDimension[t]
		if !ok {
			return "Geometry" // GeometryCollection
		}
		dims[d] = true
		multi = multi || t[:5] == "Multi"
	}
	if len(dims) > 1 {
		return "Geometry"
	}
	single := map[int]string{0: "Point", 1: "LineString", 2: "Polygon"}
	for d := range dims {
		if multi {
			return "Multi" + single[d]
		}
		return single[d]
	}
	return ""
}

// layerGeometryType is the geometry type of ls's features, worked out once
// per layer version.
func (s *Server) layerGeometryType(ls *layerState) string {
	ls.geometryTypeOnce.Do(func() {
		types := map[string]bool{}
		for i := 0; i < ls.view.Len(); i++ {
			if g := ls.view.Feature(ls.view.At(i)).Geometry; g != nil {
				types[geoJSONType(g)] = true
			}
		}
		ls.geometryType = geometryTypeOf(types)
	})
	return ls.geometryType
}

// geoJSONType names a geometry's GeoJSON type (a ring or bound is written
// as a Polygon).
func geoJSONType(g orb.Geometry) string {
	switch g.(type) {
	case orb.Ring, orb.Bound:
		return "Polygon"
	}
	return g.GeoJSONType()
}

// geometrySchema is the GeoJSON schema of a geometry type.
func geometrySchema(t string) string {
	if t == "" {
		t = "Geometry"
	}
	return "https://geojson.org/schema/" + t + ".json"
}
