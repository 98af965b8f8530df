package api

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// routesFeatures registers the OGC API – Features endpoints.
func (s *Server) routesFeatures() {
	s.app.Get("/", s.handleLanding)
	s.app.Get("/conformance", s.handleConformance)
	s.app.Get("/api", s.handleAPI)
	s.app.Get("/collections", s.handleCollections)
	s.app.Get("/collections/:collectionId", s.handleCollection)
	s.app.Get("/collections/:collectionId/queryables", s.handleQueryables)
	s.app.Get("/collections/:collectionId/schema", s.handleSchema)
	s.app.Get("/collections/:collectionId/items", s.handleItems)
	s.app.Get("/collections/:collectionId/items/:featureId", s.handleItem)
	// OPTIONS on items and features (api/edit.go) lists the methods that
	// work there; QGIS offers editing only when they include the writes.
}

const (
	serviceTitle       = "planmap"
	serviceDescription = "Regional planning layers of Wenzhou and Quanzhou — industrial parks, transport corridors, ports and enclaves — as an OGC API – Features service with vector tiles and a web map."
)

func (s *Server) landingLinks(base string) []link {
	return []link{
		{Href: base + "/", Rel: "self", Type: mediaJSON, Title: "this document"},
		{Href: base + "/?f=html", Rel: "alternate", Type: mediaHTML, Title: "this document as HTML"},
		{Href: base + "/api", Rel: "service-desc", Type: mediaOpenAPI, Title: "the API definition (OpenAPI 3.0)"},
		{Href: base + "/api?f=html", Rel: "service-doc", Type: mediaHTML, Title: "the API documentation"},
		{Href: base + "/conformance", Rel: "conformance", Type: mediaJSON, Title: "OGC API conformance classes implemented"},
		{Href: base + "/collections", Rel: "data", Type: mediaJSON, Title: "the collections (layers)"},
		{Href: base + "/tiles.json", Rel: "tiles", Type: mediaJSON, Title: "vector tiles (TileJSON 3.0)"},
		{Href: base + "/styles/default.json", Rel: "stylesheet", Type: "application/vnd.mapbox.style+json", Title: "MapLibre style"},
		{Href: base + "/", Rel: "related", Type: mediaHTML, Title: "the web map"},
	}
}

func (s *Server) handleLanding(c *fiber.Ctx) error {
	params, err := queryParams(c, []string{"f"})
	if err != nil {
		return err
	}
	explicit := paramValue(params, "f")
	f, err := negotiate(c, explicit)
	if err != nil {
		return err
	}
	if f == formatHTML && explicit == "" {
		return s.serveWebMap(c)
	}
	snap := s.state.Load()
	if notModified(c, etagFor(snap.etag, c.Path(), fmt.Sprint(f))) {
		return nil
	}
	base := s.baseURL(c)
	links := s.landingLinks(base)
	if f == formatHTML {
		return s.renderHTML(c, "landing", fiber.Map{"Title": serviceTitle, "Description": serviceDescription, "Links": links, "Base": base})
	}
	return c.JSON(fiber.Map{"title": serviceTitle, "description": serviceDescription, "links": links})
}

func (s *Server) handleConformance(c *fiber.Ctx) error {
	f, err := formatOnly(c)
	if err != nil {
		return err
	}
	if notModified(c, etagFor(s.state.Load().etag, c.Path(), fmt.Sprint(f))) {
		return nil
	}
	if f == formatHTML {
		return s.renderHTML(c, "conformance", fiber.Map{"Classes": s.conformance(), "Base": s.baseURL(c)})
	}
	return c.JSON(fiber.Map{"conformsTo": s.conformance()})
}
