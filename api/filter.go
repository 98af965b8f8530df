package api

import (
	"errors"
	"slices"
	"sort"
	"strings"

	"github.com/paulmach/orb"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/cql2"
	"github.com/planmap/planmap/geo/crs"
)

// Features Part 3: filter, filter-lang and filter-crs on items, with the
// queryables as the filter's schema. The store evaluates the expression
// (data.Query.Filter): in memory from the index, or as SQL in PostGIS.

// filterConformance lists the Part 3 and CQL2 classes planmap passes:
// exactly the ones the cql2 package implements and tests.
func filterConformance() []string { return cql2.ConformanceClasses() }

var filterParams = []string{"filter", "filter-lang", "filter-crs"}

// legacyCQLText is the filter-lang GDAL 3.6 sends (the draft's name for
// cql2-text): it pushes -where to the server only when the OpenAPI
// document's filter-lang enum lists it, and its expressions are CQL2 text.
const legacyCQLText = "cql-text"

var filterAPIParams = []apiParam{
	{Name: "filter", In: "query", Description: "A CQL2 filter (OGC API – Features Part 3) over the collection's queryables: comparisons, LIKE, BETWEEN, IN, IS NULL, CASEI, arithmetic and spatial functions (S_INTERSECTS with BBOX, POINT, LINESTRING, POLYGON, ...).",
		Schema: map[string]any{"type": "string"}},
	{Name: "filter-lang", In: "query", Description: "The filter's encoding: cql2-text (default) or cql2-json; cql-text, the draft name GDAL sends, is read as cql2-text.",
		Schema: map[string]any{"type": "string", "enum": []string{string(cql2.Text), string(cql2.JSON), legacyCQLText}, "default": string(cql2.Text)}},
	{Name: "filter-crs", In: "query", Description: "The CRS of the filter's geometries (default CRS84).", Schema: map[string]any{"type": "string", "format": "uri"}},
}

// cqlQueryables describes the layer's properties for the CQL2 type check:
// target_year an integer, the vocabularies' properties strings, any other
// property by the JSON type of its first non-null value, and geometry.
func (ls *layerState) cqlQueryables() cql2.Queryables {
	ls.cqlOnce.Do(func() {
		q := cql2.Queryables{"geometry": {Type: cql2.TypeGeometry}}
		for _, name := range sortedKeys(ls.propertyNames) {
			typ, ok := ls.propertyType(name)
			if !ok {
				continue
			}
			entry := cql2.Queryable{Type: typ}
			for _, v := range vocabulary(ls.meta.ID, name) {
				entry.Enum = append(entry.Enum, v)
			}
			q[name] = entry
		}
		ls.cql = q
	})
	return ls.cql
}

// propertyType is the CQL2 type of a property, when it has a scalar one.
func (ls *layerState) propertyType(name string) (cql2.Type, bool) {
	if name == "target_year" {
		return cql2.TypeInteger, true
	}
	if slices.Contains(data.SchemaOrder, name) && name != "home_point" {
		return cql2.TypeString, true
	}
	for _, r := range ls.view.Refs() {
		switch ls.view.Feature(r).Properties[name].(type) {
		case string:
			return cql2.TypeString, true
		case float64:
			return cql2.TypeNumber, true
		case bool:
			return cql2.TypeBoolean, true
		case nil:
			continue
		default:
			return "", false
		}
	}
	return "", false
}

// parseFilter reads filter, filter-lang and filter-crs into q.
func (ls *layerState) parseFilter(params []queryParam, q *data.Query) error {
	text, has := "", false
	for _, p := range params {
		if p.key == "filter" {
			text, has = p.value, true
		}
	}
	lang := cql2.Text
	if v := paramValue(params, "filter-lang"); v != "" {
		switch cql2.Lang(v) {
		case cql2.Text, cql2.JSON:
			lang = cql2.Lang(v)
		case legacyCQLText:
			lang = cql2.Text
		default:
			return badRequest("filter-lang: %q is not supported; use cql2-text or cql2-json", v)
		}
	}
	if !has {
		if hasParam(params, "filter-lang") || hasParam(params, "filter-crs") {
			return badRequest("filter-lang and filter-crs need a filter")
		}
		return nil
	}
	if strings.TrimSpace(text) == "" {
		return badRequest("filter is empty")
	}
	expr, err := cql2.Parse(text, lang, ls.cqlQueryables())
	if err != nil {
		var ce *cql2.Error
		if errors.As(err, &ce) {
			return &Error{Status: 400, Code: "InvalidParameterValue", Description: "filter: " + strings.TrimPrefix(ce.Error(), "cql2: ")}
		}
		return badRequest("filter: %v", err)
	}
	if ref := paramValue(params, "filter-crs"); ref != "" {
		c, err := crs.Builtin().Lookup(ref)
		if err != nil {
			return badRequest("filter-crs: %v", err)
		}
		var mapErr error
		expr = expr.MapGeometries(func(g orb.Geometry) orb.Geometry {
			out, err := c.GeometryToCRS84(g)
			if err != nil && mapErr == nil {
				mapErr = err
			}
			return out
		})
		if mapErr != nil {
			return badRequest("filter-crs: %v", mapErr)
		}
	}
	canonical, err := expr.MarshalJSON()
	if err != nil {
		return badRequest("filter: %v", err)
	}
	q.Filter, q.FilterKey = expr, string(canonical)
	return nil
}

// queryableDocs is the queryables schema's properties for the layer.
func (ls *layerState) queryableDocs() map[string]any {
	props := map[string]any{}
	q := ls.cqlQueryables()
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		entry := q[name]
		switch entry.Type {
		case cql2.TypeGeometry:
			props[name] = map[string]any{"$ref": "https://geojson.org/schema/Geometry.json", "x-ogc-role": "primary-geometry"}
			continue
		}
		doc := map[string]any{"title": name, "type": string(entry.Type)}
		if name == "target_year" {
			doc["title"] = "target_year (also filtered by datetime)"
		}
		if entry.Enum != nil {
			doc["enum"] = entry.Enum
		}
		props[name] = doc
	}
	return props
}

// legacyQueryables lists the queryables as the Part 3 draft did:
// [{"id": name, "type": type}].
func legacyQueryables(props map[string]any) []map[string]any {
	out := []map[string]any{}
	for _, name := range sortedKeys(props) {
		entry := map[string]any{"id": name}
		if doc, ok := props[name].(map[string]any); ok {
			if t, ok := doc["type"]; ok {
				entry["type"] = t
			} else {
				entry["type"] = "geometry"
			}
		}
		out = append(out, entry)
	}
	return out
}
