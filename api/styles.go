package api

import (
	"github.com/gofiber/fiber/v2"
)

// Styles: GET /styles lists the styles (OGC API – Styles' list shape), each
// with a link to its MapLibre/Mapbox GL style document, which
// /styles/{id}.json serves as application/vnd.mapbox.style+json, the type
// every link to it says.

const mediaMapboxStyle = "application/vnd.mapbox.style+json"

func (s *Server) routesStyles() {
	s.app.Get("/styles", s.handleStyles)
	s.extraPaths = append(s.extraPaths, stylePaths)
}

func (s *Server) handleStyles(c *fiber.Ctx) error {
	if _, err := queryParams(c, []string{"f"}); err != nil {
		return err
	}
	base := s.baseURL(c)
	return c.JSON(fiber.Map{
		"links": []tileLink{{Href: base + "/styles", Rel: "self", Type: mediaJSON, Title: "the styles"}},
		"styles": []fiber.Map{{
			"id":    "default",
			"title": "planmap default: the planning layers over planmap's offline basemap",
			"links": []tileLink{
				{Href: base + "/styles/default.json", Rel: "stylesheet", Type: mediaMapboxStyle, Title: "Mapbox/MapLibre GL style (version 8)"},
				{Href: base + "/tiles/" + tmsID, Rel: "http://www.opengis.net/def/rel/ogc/1.0/tileset", Type: mediaJSON, Title: "the vector tileset it draws"},
			},
		}},
	})
}

func stylePaths() []apiPath {
	return []apiPath{{Path: "/styles", Summary: "The styles offered, each with a link to its style document.", Responses: map[string]string{mediaJSON: "style list"}}}
}
