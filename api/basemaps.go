package api

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/planmap/planmap/frontend"
)

// Basemaps a web map may offer besides the offline one, configured by the
// operator (planmap serve --basemap, PLANMAP_BASEMAPS) and listed at
// /basemaps; and the offline style's sprite under /basemap/.

// Basemap is one basemap from a URL template: an XYZ raster tile template
// ({z}, {x}, {y}) or the URL of a MapLibre style. Datum says which
// coordinates its tiles are drawn in: a web map shifts planmap's WGS84
// features onto a GCJ-02 (Gaode, Tencent) or BD-09 (Baidu) basemap so they
// line up, rather than drawing them 100–700 m off.
type Basemap struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Type        string `json:"type"` // "raster" or "style"
	URL         string `json:"url"`
	Attribution string `json:"attribution"`
	Datum       string `json:"datum"` // "wgs84", "gcj02" or "bd09"
	TileSize    int    `json:"tile_size,omitempty"`
	MaxZoom     int    `json:"max_zoom,omitempty"`
}

// Datums a basemap may declare.
var basemapDatums = []string{"wgs84", "gcj02", "bd09"}

// ParseBasemap reads one basemap: a JSON object with Basemap's fields, or
// "title|url|attribution|datum" (attribution and datum optional; datum
// wgs84 by default). A url with {z}, {x} and {y} is an XYZ raster
// template, any other a MapLibre style URL.
func ParseBasemap(spec string) (Basemap, error) {
	spec = strings.TrimSpace(spec)
	var b Basemap
	if strings.HasPrefix(spec, "{") {
		dec := json.NewDecoder(strings.NewReader(spec))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil {
			return Basemap{}, fmt.Errorf("api: basemap %q: %w", spec, err)
		}
	} else {
		parts := strings.Split(spec, "|")
		if len(parts) < 2 || len(parts) > 4 {
			return Basemap{}, fmt.Errorf("api: basemap %q: want title|url|attribution|datum (attribution and datum optional) or a JSON object", spec)
		}
		b.Title, b.URL = parts[0], parts[1]
		if len(parts) > 2 {
			b.Attribution = parts[2]
		}
		if len(parts) > 3 {
			b.Datum = parts[3]
		}
	}
	return b.normalise()
}

// ParseBasemaps reads a JSON array of basemaps (PLANMAP_BASEMAPS); an
// empty string is none.
func ParseBasemaps(list string) ([]Basemap, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(list), &raw); err != nil {
		return nil, fmt.Errorf("api: basemaps: want a JSON array of objects: %w", err)
	}
	out := make([]Basemap, 0, len(raw))
	for _, r := range raw {
		b, err := ParseBasemap(string(r))
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

func (b Basemap) normalise() (Basemap, error) {
	b.Title = strings.TrimSpace(b.Title)
	b.URL = strings.TrimSpace(b.URL)
	b.Datum = strings.ToLower(strings.TrimSpace(b.Datum))
	if b.Datum == "" {
		b.Datum = "wgs84"
	}
	valid := false
	for _, d := range basemapDatums {
		valid = valid || b.Datum == d
	}
	if !valid {
		return Basemap{}, fmt.Errorf("api: basemap %q: datum %q is not one of %s", b.Title, b.Datum, strings.Join(basemapDatums, ", "))
	}
	u, err := url.Parse(strings.NewReplacer("{", "", "}", "").Replace(b.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Basemap{}, fmt.Errorf("api: basemap %q: url %q is not an http(s) URL", b.Title, b.URL)
	}
	xyz := strings.Contains(b.URL, "{z}") && strings.Contains(b.URL, "{x}") && strings.Contains(b.URL, "{y}")
	switch b.Type {
	case "":
		b.Type = "style"
		if xyz {
			b.Type = "raster"
		}
	case "raster":
		if !xyz {
			return Basemap{}, fmt.Errorf("api: basemap %q: a raster url needs {z}, {x} and {y}", b.Title)
		}
	case "style":
	default:
		return Basemap{}, fmt.Errorf("api: basemap %q: type %q is not raster or style", b.Title, b.Type)
	}
	if b.Title == "" {
		b.Title = u.Host
	}
	if b.TileSize == 0 && b.Type == "raster" {
		b.TileSize = 256
	}
	if b.TileSize < 0 || b.TileSize > 1024 || b.MaxZoom < 0 || b.MaxZoom > 24 {
		return Basemap{}, fmt.Errorf("api: basemap %q: tile_size must be 1..1024 and max_zoom 0..24", b.Title)
	}
	if b.ID == "" {
		b.ID = slug(b.Title)
	}
	return b, nil
}

// slug makes an id of a title: lower-case letters, digits and dashes, or
// "basemap" when nothing of it is left.
func slug(title string) string {
	var sb strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			sb.WriteRune(r)
			dash = false
		} else if !dash && sb.Len() > 0 {
			sb.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimSuffix(sb.String(), "-")
	if s == "" {
		return "basemap"
	}
	return s
}

// uniqueIDs gives every basemap a distinct id (a -2, -3 … suffix).
func uniqueIDs(list []Basemap) []Basemap {
	out := make([]Basemap, len(list))
	seen := map[string]int{"offline": 1}
	for i, b := range list {
		base := b.ID
		for seen[b.ID] > 0 {
			seen[base]++
			b.ID = fmt.Sprintf("%s-%d", base, seen[base])
		}
		seen[b.ID]++
		out[i] = b
	}
	return out
}

func (s *Server) routesBasemaps() {
	s.app.Get("/basemaps", s.handleBasemaps)
	for _, name := range spriteFiles {
		s.app.Get("/basemap/"+name, func(c *fiber.Ctx) error { return s.handleSprite(c, name) })
	}
	s.extraPaths = append(s.extraPaths, func() []apiPath {
		paths := []apiPath{{
			Path:      "/basemaps",
			Summary:   "The basemaps the web map offers: the offline one and those the operator configured (XYZ raster or style URL, attribution, datum wgs84, gcj02 or bd09).",
			Responses: map[string]string{mediaJSON: "{basemaps: [{id, title, type, url, attribution, datum, tile_size, max_zoom}]}"},
		}}
		for _, name := range spriteFiles {
			media := "image/png"
			if strings.HasSuffix(name, ".json") {
				media = mediaJSON
			}
			paths = append(paths, apiPath{Path: "/basemap/" + name, Summary: "The style's sprite (Maki icons, CC0, and hatching), as MapLibre reads it.",
				Responses: map[string]string{media: "sprite " + name}})
		}
		return paths
	})
}

func (s *Server) handleBasemaps(c *fiber.Ctx) error {
	if _, err := queryParams(c, []string{"f"}); err != nil {
		return err
	}
	list := []Basemap{{ID: "offline", Title: "planmap offline", Type: "offline", Datum: "wgs84",
		Attribution: "© OpenStreetMap contributors (coastline, ODbL); Natural Earth; planmap contributors"}}
	list = append(list, uniqueIDs(s.opts.Basemaps)...)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.JSON(fiber.Map{"basemaps": list})
}

// emptySprite is served when the frontend was not built: a style that
// names the sprite still loads, without icons.
var emptySprite = struct {
	json, png []byte
}{
	json: []byte("{}"),
	// a 1×1 transparent PNG
	png: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
		"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"),
}

// spriteFiles are the sprite's files under /basemap/.
var spriteFiles = []string{"sprite.json", "sprite.png", "sprite@2x.json", "sprite@2x.png"}

func (s *Server) handleSprite(c *fiber.Ctx, name string) error {
	if _, err := queryParams(c, nil); err != nil {
		return err
	}
	found, err := webAssets.build.send(c, "sprite/"+name)
	if err != nil || found {
		return err
	}
	body := emptySprite.json
	if strings.HasSuffix(name, ".png") {
		body = emptySprite.png
	}
	return sendAsset(c, name, body, `"empty-sprite"`)
}

// spriteURL is the sprite's base URL for the style, under base.
func spriteURL(base string) string {
	if !frontend.Built() {
		return ""
	}
	return base + "/basemap/sprite"
}
