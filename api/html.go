package api

import (
	"bytes"
	"embed"
	"fmt"
	"github.com/planmap/planmap/data"
	"html/template"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages holds one parsed template set per page, each with the shared layout.
var pages = func() map[string]*template.Template {
	funcs := template.FuncMap{
		"value": func(v any) string {
			switch v := v.(type) {
			case nil:
				return "—"
			case float64:
				return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%f", v), "0"), ".")
			case []any:
				parts := make([]string, len(v))
				for i, e := range v {
					parts[i] = fmt.Sprint(e)
				}
				return "[" + strings.Join(parts, ", ") + "]"
			}
			return fmt.Sprint(v)
		},
		"add": func(a, b int) int { return a + b },
	}
	out := map[string]*template.Template{}
	for _, name := range []string{"landing", "conformance", "collections", "collection", "queryables", "items", "item", "apidoc"} {
		out[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return out
}()

// renderHTML writes one of the HTML pages.
func (s *Server) renderHTML(c *fiber.Ctx, page string, data fiber.Map) error {
	t, ok := pages[page]
	if !ok {
		return fmt.Errorf("api: no HTML page %q", page)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return fmt.Errorf("api: rendering %s: %w", page, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}

// htmlFeature is one feature prepared for an HTML page.
type htmlFeature struct {
	ID         string
	Name       string
	Href       string
	MapHref    string
	Geometry   string
	Properties []htmlProperty
}

type htmlProperty struct {
	Key   string
	Value any
}

func (ls *layerState) htmlFeature(i data.Ref, base string) htmlFeature {
	f := ls.view.Feature(i)
	id := ls.view.ID(i)
	name, _ := f.Properties["name"].(string)
	hf := htmlFeature{
		ID:       id,
		Name:     name,
		Href:     base + "/collections/" + ls.meta.ID + "/items/" + pathEscape(id),
		MapHref:  base + "/#sel=" + url.PathEscape(ls.meta.ID) + "/" + url.PathEscape(id),
		Geometry: f.Geometry.GeoJSONType(),
	}
	for _, k := range ls.sortedPropertyKeys(f.Properties) {
		hf.Properties = append(hf.Properties, htmlProperty{k, f.Properties[k]})
	}
	return hf
}

// sortedPropertyKeys lists a feature's keys in the writer's order.
func (ls *layerState) sortedPropertyKeys(p map[string]any) []string {
	keys := make([]string, 0, len(p))
	for _, k := range schemaOrder {
		if _, ok := p[k]; ok {
			keys = append(keys, k)
		}
	}
	for _, k := range sortedKeys(p) {
		if !containsString(schemaOrder, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// tableColumns are the properties shown in the items table.
func (ls *layerState) tableColumns() []string {
	var cols []string
	for _, k := range []string{"name", "name_en", "kind", "status", "target_year", "city", "county", "mode", "home"} {
		if ls.propertyNames[k] {
			cols = append(cols, k)
		}
	}
	return cols
}

func pathEscape(s string) string { return url.PathEscape(s) }
