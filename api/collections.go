package api

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/planmap/planmap/data"
)

// CRS identifiers.
const (
	crs84       = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	relQueryabl = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
)

// OGC API – Features conformance classes this service passes.
var conformanceClasses = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	confCRS,
}

type collectionDoc struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Links       []link   `json:"links"`
	Extent      *extent  `json:"extent,omitempty"`
	ItemType    string   `json:"itemType"`
	CRS         []string `json:"crs"`
	StorageCRS  string   `json:"storageCrs"`
	// Count is the number of features, a planmap extension that saves the
	// web map a request per layer.
	Count       int    `json:"planmap:count"`
	License     string `json:"planmap:license,omitempty"`
	Attribution string `json:"attribution,omitempty"`
	// GeometryType is the GeoJSON type of every feature's geometry
	// (api/geomtype.go), a planmap extension.
	GeometryType string `json:"planmap:geometryType,omitempty"`
}

type extent struct {
	Spatial  spatialExtent   `json:"spatial"`
	Temporal *temporalExtent `json:"temporal,omitempty"`
}

type spatialExtent struct {
	BBox [][4]float64 `json:"bbox"`
	CRS  string       `json:"crs"`
}

type temporalExtent struct {
	Interval [][2]*string `json:"interval"`
	TRS      string       `json:"trs"`
}

// collection describes one layer.
func (s *Server) collection(base string, ls *layerState) collectionDoc {
	self := base + "/collections/" + ls.meta.ID
	doc := collectionDoc{
		ID:           ls.meta.ID,
		Title:        ls.meta.Title,
		Description:  ls.meta.Description,
		ItemType:     "feature",
		CRS:          crsRegistry.URIs(),
		StorageCRS:   crs84,
		Count:        ls.view.Len(),
		License:      ls.meta.License,
		Attribution:  ls.meta.Attribution,
		GeometryType: s.layerGeometryType(ls),
		Links: []link{
			{Href: self, Rel: "self", Type: mediaJSON, Title: "this collection"},
			{Href: self + "?f=html", Rel: "alternate", Type: mediaHTML, Title: "this collection as HTML"},
			{Href: self + "/items", Rel: "items", Type: mediaGeoJSON, Title: "the features as GeoJSON"},
			{Href: self + "/items?f=html", Rel: "items", Type: mediaHTML, Title: "the features as HTML"},
			{Href: self + "/queryables", Rel: relQueryabl, Type: mediaSchema, Title: "queryable properties"},
			{Href: self + "/queryables", Rel: "queryables", Type: mediaJSON, Title: "queryable properties (for clients that look for the short rel)"},
			{Href: self + "/schema", Rel: "describedBy", Type: mediaSchema, Title: "JSON Schema of the features (GDAL types its fields from it)"},
			{Href: self + "/queryables", Rel: "describedby", Type: mediaSchema, Title: "schema of the queryable properties"},
		},
	}
	doc.Links = append(doc.Links, tileLinksFor(base, ls.meta.ID)...)
	doc.Links = append(doc.Links, link{Href: self + "/schema.xsd", Rel: "describedBy", Type: mediaXSD, Title: "GML application schema (geometry type and property types)"})
	if ls.view.Len() > 0 {
		b := ls.extent()
		doc.Extent = &extent{Spatial: spatialExtent{BBox: [][4]float64{{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}}, CRS: crs84}}
		if lo, hi, ok := yearExtent(ls.view.Materialize()); ok {
			from := fmt.Sprintf("%04d-01-01T00:00:00Z", lo)
			to := fmt.Sprintf("%04d-12-31T23:59:59Z", hi)
			doc.Extent.Temporal = &temporalExtent{Interval: [][2]*string{{&from, &to}}, TRS: "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
		}
	}
	return doc
}

// yearExtent returns the smallest and largest target_year of a layer.
func yearExtent(l *data.Layer) (lo, hi int, ok bool) {
	lo, hi = math.MaxInt, math.MinInt
	for _, f := range l.Features.Features {
		if y, isYear := targetYear(f.Properties); isYear {
			lo, hi, ok = min(lo, y), max(hi, y), true
		}
	}
	return lo, hi, ok
}

func (s *Server) handleCollections(c *fiber.Ctx) error {
	f, err := formatOnly(c)
	if err != nil {
		return err
	}
	snap := s.state.Load()
	if notModified(c, etagFor(snap.etag, c.Path(), fmt.Sprint(f))) {
		return nil
	}
	base := s.baseURL(c)
	docs := make([]collectionDoc, 0, len(snap.layers))
	for _, ls := range snap.layers {
		docs = append(docs, s.collection(base, ls))
	}
	body := fiber.Map{
		"links": []link{
			{Href: base + "/collections", Rel: "self", Type: mediaJSON, Title: "the collections"},
			{Href: base + "/collections?f=html", Rel: "alternate", Type: mediaHTML, Title: "the collections as HTML"},
		},
		"collections": docs,
		"timeStamp":   time.Now().UTC().Format(time.RFC3339),
	}
	if f == formatHTML {
		return s.renderHTML(c, "collections", fiber.Map{"Collections": docs, "Base": base})
	}
	return c.JSON(body)
}

// collectionDocument starts the answer of a document about one collection
// (its description, its queryables): the format asked for and the layer,
// or done when a conditional request was answered 304.
func (s *Server) collectionDocument(c *fiber.Ctx) (f format, ls *layerState, done bool, err error) {
	f, err = formatOnly(c)
	if err != nil {
		return f, nil, false, err
	}
	snap := s.state.Load()
	ls, err = snap.layer(c.Params("collectionId"))
	if err != nil {
		return f, nil, false, err
	}
	return f, ls, notModified(c, etagFor(snap.etag, c.Path(), fmt.Sprint(f))), nil
}

func (s *Server) handleCollection(c *fiber.Ctx) error {
	f, ls, done, err := s.collectionDocument(c)
	if done || err != nil {
		return err
	}
	doc := s.collection(s.baseURL(c), ls)
	if f == formatHTML {
		return s.renderHTML(c, "collection", fiber.Map{"C": doc, "Base": s.baseURL(c), "Queryables": ls.queryables})
	}
	return c.JSON(doc)
}

func (s *Server) handleQueryables(c *fiber.Ctx) error {
	f, ls, done, err := s.collectionDocument(c)
	if done || err != nil {
		return err
	}
	base := s.baseURL(c)
	props := ls.queryableDocs()
	if geom, ok := props["geometry"].(map[string]any); ok {
		geom["$ref"] = geometrySchema(s.layerGeometryType(ls))
	}
	schema := map[string]any{
		"$schema":              "https://json-schema.org/draft/2019-09/schema",
		"$id":                  base + "/collections/" + ls.meta.ID + "/queryables",
		"type":                 "object",
		"title":                ls.meta.Title,
		"properties":           props,
		"additionalProperties": false,
		// The draft form GDAL 3.6 reads to learn which fields it may push
		// into a filter.
		"queryables": legacyQueryables(props),
	}
	if f == formatHTML {
		return s.renderHTML(c, "queryables", fiber.Map{"Layer": ls.meta, "Schema": schema, "Queryables": ls.queryables, "Base": base})
	}
	return sendSchema(c, schema)
}

// sendSchema answers a JSON Schema as application/schema+json, or as
// application/json to a client that accepts only that (GDAL's OAPIF
// driver rejects any other type).
func sendSchema(c *fiber.Ctx, schema map[string]any) error {
	media := mediaSchema
	if accept := c.Get(fiber.HeaderAccept); accept != "" && !strings.Contains(accept, mediaSchema) && !strings.Contains(accept, "*/*") && strings.Contains(accept, mediaJSON) {
		media = mediaJSON
	}
	c.Vary(fiber.HeaderAccept)
	c.Set(fiber.HeaderContentType, media)
	return c.JSON(schema, media)
}

// handleSchema answers the JSON Schema of the collection's features (a
// GeoJSON Feature whose properties are typed), which GDAL reads to type
// its fields before it has seen a value.
func (s *Server) handleSchema(c *fiber.Ctx) error {
	if _, err := queryParams(c, []string{"f"}); err != nil {
		return err
	}
	snap := s.state.Load()
	ls, err := snap.layer(c.Params("collectionId"))
	if err != nil {
		return err
	}
	if notModified(c, etagFor(ls.view.Version(), c.Path())) {
		return nil
	}
	props := map[string]any{}
	for name, doc := range ls.queryableDocs() {
		if name == "geometry" {
			continue
		}
		d := map[string]any{}
		for k, v := range doc.(map[string]any) {
			d[k] = v
		}
		if t, ok := d["type"].(string); ok {
			d["type"] = []string{t, "null"}
		}
		props[name] = d
	}
	// GDAL reads each property's first type to choose its field type.
	for _, d := range props {
		if m, ok := d.(map[string]any); ok {
			if types, ok := m["type"].([]string); ok {
				m["type"] = types[0]
				m["nullable"] = true
			}
		}
	}
	return sendSchema(c, map[string]any{
		"$schema":  "https://json-schema.org/draft/2019-09/schema",
		"$id":      s.baseURL(c) + "/collections/" + ls.meta.ID + "/schema",
		"title":    ls.meta.Title,
		"type":     "object",
		"required": []string{"type", "geometry", "properties"},
		"properties": map[string]any{
			"type":       map[string]any{"type": "string", "enum": []string{"Feature"}},
			"id":         map[string]any{"type": "string"},
			"geometry":   map[string]any{"$ref": geometrySchema(s.layerGeometryType(ls))},
			"properties": map[string]any{"type": "object", "properties": props},
		},
	})
}

// vocabulary returns the allowed values of a queryable, when the
// vocabulary table fixes them.
func vocabulary(layerID, property string) []string {
	return data.Vocabulary().Values(layerID, property)
}

func paramValue(params []queryParam, key string) string {
	for _, p := range params {
		if p.key == key {
			return p.value
		}
	}
	return ""
}

func hasParam(params []queryParam, key string) bool {
	for _, p := range params {
		if p.key == key {
			return true
		}
	}
	return false
}
