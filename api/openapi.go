package api

import (
	"fmt"
	"sort"

	"github.com/gofiber/fiber/v2"
)

// apiParam describes one query or path parameter in the OpenAPI document.
type apiParam struct {
	Name        string
	In          string // "query" or "path"
	Description string
	Schema      map[string]any
	Required    bool
	Explode     *bool
	Style       string
}

func (p apiParam) doc() map[string]any {
	d := map[string]any{"name": p.Name, "in": p.In, "description": p.Description, "schema": p.Schema, "required": p.Required || p.In == "path"}
	if p.Style != "" {
		d["style"] = p.Style
	}
	if p.Explode != nil {
		d["explode"] = *p.Explode
	}
	return d
}

// apiPath describes one GET endpoint.
type apiPath struct {
	Path      string
	Summary   string
	Params    []apiParam
	Responses map[string]string // media type → description of the 200 body
}

var no = false

func stringParam(name, description string) apiParam {
	return apiParam{Name: name, In: "query", Description: description, Schema: map[string]any{"type": "string"}}
}

var (
	paramF = apiParam{Name: "f", In: "query", Description: "Response format; overrides the Accept header.",
		Schema: map[string]any{"type": "string", "enum": []string{"json", "html"}}}
	paramCollection = apiParam{Name: "collectionId", In: "path", Description: "Collection (layer) id.", Schema: map[string]any{"type": "string"}}
	paramFeature    = apiParam{Name: "featureId", In: "path", Description: "Feature id.", Schema: map[string]any{"type": "string"}}
	paramBBox       = apiParam{Name: "bbox", In: "query", Style: "form", Explode: &no,
		Description: "Only features whose geometry intersects this box: minLon,minLat,maxLon,maxLat in CRS84 (WGS84 longitude/latitude); a west edge east of the east edge crosses the antimeridian.",
		Schema:      map[string]any{"type": "array", "minItems": 4, "maxItems": 6, "items": map[string]any{"type": "number"}}}
	paramLimit = apiParam{Name: "limit", In: "query", Style: "form", Explode: &no,
		Description: fmt.Sprintf("Page size. Default %d; values above %d are capped to %d (numberReturned and the next link show it).", defaultLimit, maxLimit, maxLimit),
		Schema:      map[string]any{"type": "integer", "minimum": 1, "maximum": maxLimit, "default": defaultLimit}}
	paramOffset = apiParam{Name: "offset", In: "query", Description: "Number of matching features to skip (the next and prev links carry it).",
		Schema: map[string]any{"type": "integer", "minimum": 0, "default": 0}}
	paramDatetime = apiParam{Name: "datetime", In: "query", Style: "form", Explode: &no,
		Description: "Only features whose target year falls in this RFC 3339 instant or interval (2025, 2025-06-30, 2020/2025, ../2025); features with no target year are left out.",
		Schema:      map[string]any{"type": "string"}}
	paramProperties = apiParam{Name: "properties", In: "query", Style: "form", Explode: &no,
		Description: "Comma-separated property names to return (default: all).",
		Schema:      map[string]any{"type": "array", "items": map[string]any{"type": "string"}}}
	paramTargetYear = apiParam{Name: "target_year", In: "query", Style: "form", Explode: &no,
		Description: "Only features whose target year is one of these (2025 or 2025,2030). Only on collections that have the property.",
		Schema:      map[string]any{"type": "array", "items": map[string]any{"type": "integer"}}}
	paramSortBy = apiParam{Name: "sortby", In: "query", Style: "form", Explode: &no,
		Description: "Comma-separated properties to sort by, each with an optional + (ascending, default) or - (descending); nulls last.",
		Schema:      map[string]any{"type": "array", "items": map[string]any{"type": "string"}}}
)

// featurePaths lists the OGC API – Features endpoints. Each layer gets its
// own items path too, with its own queryables.
func (snap *snapshot) featurePaths() []apiPath {
	items := append([]apiParam{paramCollection, paramBBox, paramLimit, paramOffset, paramDatetime, paramTargetYear, paramProperties, paramSortBy, paramF}, filterAPIParams...)
	for _, q := range queryableProperties {
		items = append(items, stringParam(q, "Only features whose "+q+" equals this value (several values separated by commas match any of them). Only on collections that have the property."))
	}
	paths := []apiPath{
		{Path: "/", Summary: "Landing page: links to the API definition, conformance and collections. A browser asking for HTML gets the web map.", Params: []apiParam{paramF}},
		{Path: "/conformance", Summary: "The conformance classes this service implements.", Params: []apiParam{paramF}},
		{Path: "/api", Summary: "This OpenAPI 3.0 document (f=html for a readable table).", Params: []apiParam{paramF}, Responses: map[string]string{mediaOpenAPI: "OpenAPI 3.0"}},
		{Path: "/collections", Summary: "The collections (layers) with their extents.", Params: []apiParam{paramF}},
		{Path: "/collections/{collectionId}", Summary: "One collection.", Params: []apiParam{paramCollection, paramF}},
		{Path: "/collections/{collectionId}/schema", Summary: "JSON Schema of the collection's features, with typed properties.", Params: []apiParam{paramCollection}, Responses: map[string]string{mediaSchema: "JSON Schema"}},
		{Path: "/collections/{collectionId}/queryables", Summary: "The properties items can be filtered on (JSON Schema).", Params: []apiParam{paramCollection, paramF}, Responses: map[string]string{mediaSchema: "JSON Schema"}},
		{Path: "/collections/{collectionId}/items", Summary: "The features of a collection, filtered and paged.", Params: items, Responses: map[string]string{mediaGeoJSON: "GeoJSON FeatureCollection with numberMatched, numberReturned and links", mediaHTML: "HTML table"}},
		{Path: "/collections/{collectionId}/items/{featureId}", Summary: "One feature.", Params: []apiParam{paramCollection, paramFeature, paramF}, Responses: map[string]string{mediaGeoJSON: "GeoJSON Feature", mediaHTML: "HTML page"}},
	}
	for _, ls := range snap.layers {
		perLayer := append([]apiParam{paramBBox, paramLimit, paramOffset, paramDatetime, paramProperties, paramSortBy, paramF}, filterAPIParams...)
		if ls.propertyNames["target_year"] {
			perLayer = append(perLayer, paramTargetYear)
		}
		for _, q := range ls.queryables {
			p := stringParam(q, "Only features whose "+q+" equals this value (comma-separated values match any).")
			if vocab := vocabulary(ls.meta.ID, q); vocab != nil {
				p.Schema = map[string]any{"type": "string", "enum": vocab}
			}
			perLayer = append(perLayer, p)
		}
		paths = append(paths, apiPath{Path: "/collections/" + ls.meta.ID + "/items", Summary: "The features of " + ls.meta.Title + ".", Params: perLayer,
			Responses: map[string]string{mediaGeoJSON: "GeoJSON FeatureCollection", mediaHTML: "HTML table"}})
	}
	return paths
}

// otherPaths lists the endpoints outside OGC API – Features. Each group of
// routes contributes its own entries through apiPathsExtra.
func (s *Server) allPaths(snap *snapshot) []apiPath {
	paths := snap.featurePaths()
	for _, extra := range s.extraPaths {
		paths = append(paths, extra()...)
	}
	return paths
}

// openAPIDocument builds the OpenAPI 3.0 document of the whole service.
func (s *Server) openAPIDocument(base string, snap *snapshot) map[string]any {
	paths := map[string]any{}
	for _, p := range s.allPaths(snap) {
		params := make([]any, 0, len(p.Params))
		for _, prm := range p.Params {
			params = append(params, prm.doc())
		}
		content := map[string]any{}
		responses := p.Responses
		if responses == nil {
			responses = map[string]string{mediaJSON: "JSON", mediaHTML: "HTML"}
		}
		for media := range responses {
			content[media] = map[string]any{"schema": map[string]any{"type": "object"}}
		}
		paths[p.Path] = map[string]any{"get": map[string]any{
			"summary":    p.Summary,
			"parameters": params,
			"responses": map[string]any{
				"200": map[string]any{"description": describeResponses(responses), "content": content},
				"304": map[string]any{"description": "Not modified (If-None-Match matched the ETag)."},
				"400": map[string]any{"description": "Bad request", "content": map[string]any{mediaJSON: map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/exception"}}}},
				"404": map[string]any{"description": "Not found", "content": map[string]any{mediaJSON: map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/exception"}}}},
			},
		}}
	}
	s.addWriteOperations(paths, snap)
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title": serviceTitle, "version": snap.etag, "description": serviceDescription,
			"license": map[string]any{"name": "See each collection's licence"},
		},
		"servers": []any{map[string]any{"url": base}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": map[string]any{"exception": map[string]any{
				"type": "object", "required": []string{"code"},
				"properties": map[string]any{"code": map[string]any{"type": "string"}, "description": map[string]any{"type": "string"}},
			}},
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "An editor's token (--tokens FILE or PLANMAP_WRITE_TOKEN)."},
				"basic":  map[string]any{"type": "http", "scheme": "basic", "description": "Any user name, the token as the password (for QGIS and GDAL)."},
			},
		},
	}
}

func describeResponses(r map[string]string) string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := ""
	for i, k := range keys {
		if i > 0 {
			out += "; "
		}
		out += k + ": " + r[k]
	}
	return out
}

func (s *Server) handleAPI(c *fiber.Ctx) error {
	f, err := formatOnly(c)
	if err != nil {
		return err
	}
	snap := s.state.Load()
	if notModified(c, etagFor(snap.etag, c.Path(), fmt.Sprint(f))) {
		return nil
	}
	base := s.baseURL(c)
	if f == formatHTML {
		type row struct {
			Path, Summary string
			Params        []string
		}
		var rows []row
		for _, p := range s.allPaths(snap) {
			r := row{Path: p.Path, Summary: p.Summary}
			for _, prm := range p.Params {
				r.Params = append(r.Params, prm.Name)
			}
			rows = append(rows, r)
		}
		return s.renderHTML(c, "apidoc", fiber.Map{"Paths": rows, "Base": base})
	}
	c.Set(fiber.HeaderContentType, mediaOpenAPI)
	return c.JSON(s.openAPIDocument(base, snap), mediaOpenAPI)
}
