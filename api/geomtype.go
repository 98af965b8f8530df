package api

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"
)

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

// GDAL's OAPIF driver (3.6) takes a layer's geometry type only from a GML
// application schema linked as "describedBy" (it compares the relation
// case-sensitively; relations are case-insensitive, RFC 8288) with an XML
// type; from JSON Schema it reads just the fields. So each collection also has its GML application
// schema, with the geometry property typed by the layer's geometry type
// and the scalar properties typed by their values.
//
//	GET /collections/{id}/schema.xsd   GML 3.2 application schema (XSD)

const mediaXSD = "application/xml"

// gmlGeometryType maps a GeoJSON type to its GML 3.2 property type.
var gmlGeometryType = map[string]string{
	"Point": "gml:PointPropertyType", "MultiPoint": "gml:MultiPointPropertyType",
	"LineString": "gml:CurvePropertyType", "MultiLineString": "gml:MultiCurvePropertyType",
	"Polygon": "gml:SurfacePropertyType", "MultiPolygon": "gml:MultiSurfacePropertyType",
}

// propertyXSDTypes types each property whose values are all scalars of
// one kind (null aside); other properties are left out of the schema.
func propertyXSDTypes(ls *layerState) ([]string, map[string]string) {
	kinds := map[string]string{}
	mixed := map[string]bool{}
	for i := 0; i < ls.view.Len(); i++ {
		for k, v := range ls.view.Feature(ls.view.At(i)).Properties {
			var kind string
			switch v := v.(type) {
			case nil:
				continue
			case string:
				kind = "xs:string"
			case bool:
				kind = "xs:boolean"
			case float64:
				kind = "xs:double"
				if v == float64(int64(v)) && v > -1<<31 && v < 1<<31 {
					kind = "xs:int"
				}
			default:
				mixed[k] = true
				continue
			}
			switch prev := kinds[k]; {
			case prev == "" || prev == kind:
				kinds[k] = kind
			case (prev == "xs:int" && kind == "xs:double") || (prev == "xs:double" && kind == "xs:int"):
				kinds[k] = "xs:double"
			default:
				mixed[k] = true
			}
		}
	}
	var names []string
	for _, k := range sortedKeys(ls.propertyNames) {
		if kinds[k] != "" && !mixed[k] {
			names = append(names, k)
		}
	}
	return names, kinds
}

func (s *Server) handleGMLSchema(c *fiber.Ctx) error {
	if _, err := queryParams(c, []string{"f"}); err != nil {
		return err
	}
	snap := s.state.Load()
	ls, err := snap.layer(c.Params("collectionId"))
	if err != nil {
		return err
	}
	if notModified(c, etagFor(snap.etag, c.Path())) {
		return nil
	}
	geom := gmlGeometryType[s.layerGeometryType(ls)]
	if geom == "" {
		geom = "gml:GeometryPropertyType"
	}
	names, kinds := propertyXSDTypes(ls)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<xs:schema targetNamespace="https://planmap.dev/ns" xmlns:planmap="https://planmap.dev/ns" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:gml="http://www.opengis.net/gml/3.2" elementFormDefault="qualified" version="1.0">` + "\n")
	b.WriteString(`  <xs:import namespace="http://www.opengis.net/gml/3.2" schemaLocation="http://schemas.opengis.net/gml/3.2.1/gml.xsd"/>` + "\n")
	id := xmlName(ls.meta.ID)
	fmt.Fprintf(&b, "  <xs:element name=%q type=\"planmap:%sType\" substitutionGroup=\"gml:AbstractFeature\"/>\n", id, id)
	fmt.Fprintf(&b, "  <xs:complexType name=\"%sType\">\n    <xs:complexContent>\n      <xs:extension base=\"gml:AbstractFeatureType\">\n        <xs:sequence>\n", id)
	fmt.Fprintf(&b, "          <xs:element name=\"geometry\" type=%q minOccurs=\"0\"/>\n", geom)
	for _, k := range names {
		if xmlName(k) != k || k == "id" {
			// Not an XML name, or id, which GDAL takes from the features
			// before the schema's fields (it would make it id2).
			continue
		}
		fmt.Fprintf(&b, "          <xs:element name=%q type=%q minOccurs=\"0\" nillable=\"true\"/>\n", k, kinds[k])
	}
	b.WriteString("        </xs:sequence>\n      </xs:extension>\n    </xs:complexContent>\n  </xs:complexType>\n</xs:schema>\n")
	c.Set(fiber.HeaderContentType, mediaXSD)
	return c.SendString(b.String())
}

// xmlName keeps letters, digits, '_', '-' and '.' (and no leading digit or
// '-'), replacing the rest with '_'.
func xmlName(s string) string {
	out := []rune(s)
	for i, r := range out {
		ok := r == '_' || unicode.IsLetter(r) || (i > 0 && (unicode.IsDigit(r) || r == '-' || r == '.'))
		if !ok {
			out[i] = '_'
		}
	}
	return string(out)
}
