package tiles

import (
	"html"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/planmap/planmap/data"
)

// VectorLayer describes one MVT layer, as TileJSON's vector_layers and the
// MBTiles metadata "json" entry list them.
type VectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description,omitempty"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
}

// TileJSON is a TileJSON 3.0.0 document.
type TileJSON struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	Version      string        `json:"version"`
	Attribution  string        `json:"attribution,omitempty"`
	Scheme       string        `json:"scheme"`
	Tiles        []string      `json:"tiles"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
	Bounds       [4]float64    `json:"bounds"`
	Center       [3]float64    `json:"center"`
	VectorLayers []VectorLayer `json:"vector_layers"`
}

// declaredFields are the tile properties each kind of layer carries by the
// planning schema (the vocabulary table's layers and their properties),
// whether or not the data has any value for them yet.
func declaredFields(name string) []string {
	if name == Labels {
		return []string{"id", "name", "name_en", "kind", "status", "target_year", "city", "mode", "home", "host", "layer", "shape"}
	}
	if name == EnclaveLinks {
		name = data.Enclaves
	}
	terms := data.Vocabulary().Layer(name)
	if terms == nil {
		return nil
	}
	fields := []string{"id", "name", "name_en", "kind", "status", "target_year", "city"}
	for _, p := range terms.Properties {
		if slices.Contains(propertyKeys, p) {
			fields = append(fields, p)
		}
	}
	return fields
}

// VectorLayers describes every layer in tile order.
func (t *Tiler) VectorLayers() []VectorLayer {
	out := make([]VectorLayer, 0, len(t.layers))
	for _, l := range t.layers {
		fields := map[string]string{}
		for _, k := range declaredFields(l.name) {
			fields[k] = "String"
			if k == "target_year" {
				fields[k] = "Number"
			}
		}
		maps.Copy(fields, l.fields)
		desc := ""
		if l.meta != nil {
			desc = l.meta.Title
			if l.meta.Description != "" {
				desc += ": " + l.meta.Description
			}
		} else if l.name == EnclaveLinks {
			desc = "Derived: a line from each enclave to its home county's seat (home_point), with the enclave's properties."
		} else if l.name == Labels {
			desc = "Derived: one label point per polygon and point feature (a point on its largest polygon), with its properties, its layer and its shape; label polygons from here to label each once."
		}
		out = append(out, VectorLayer{ID: l.name, Description: desc, MinZoom: t.opts.MinZoom, MaxZoom: t.opts.MaxZoom, Fields: fields})
	}
	return out
}

// Attribution joins the distinct attributions of the layers' sidecars,
// HTML-escaped as TileJSON wants.
func (t *Tiler) Attribution() string {
	var parts []string
	for _, l := range t.layers {
		if l.meta == nil || strings.TrimSpace(l.meta.Attribution) == "" {
			continue
		}
		if a := html.EscapeString(strings.TrimSpace(l.meta.Attribution)); !slices.Contains(parts, a) {
			parts = append(parts, a)
		}
	}
	return strings.Join(parts, "; ")
}

// defaultBound is what TileJSON advertises for a dataset without features:
// the Wenzhou–Quanzhou region.
var defaultBound = [4]float64{117.3, 24.3, 121.9, 28.9}

// BoundsAndCenter returns the data's bounds [west, south, east, north] and
// a center [lon, lat, zoom]: the middle of the places (see Tiler.focus), at
// the zoom where they fit in one tile.
func (t *Tiler) BoundsAndCenter() ([4]float64, [3]float64) {
	b := defaultBound
	if bound, ok := t.Bound(); ok {
		b = [4]float64{bound.Min[0], bound.Min[1], bound.Max[0], bound.Max[1]}
	}
	for i := range b {
		b[i] = math.Round(b[i]*1e6) / 1e6
	}
	f := b
	if _, ok := t.Bound(); ok {
		f = [4]float64{t.focus.Min[0], t.focus.Min[1], t.focus.Max[0], t.focus.Max[1]}
	}
	x0, x1 := mercatorX(f[0]), mercatorX(f[2])
	y0, y1 := mercatorY(f[3]), mercatorY(f[1])
	span := math.Max(x1-x0, y1-y0)
	zoom := float64(t.opts.MaxZoom)
	if span > 0 {
		zoom = math.Floor(-math.Log2(span))
	}
	zoom = math.Max(float64(t.opts.MinZoom), math.Min(float64(t.opts.MaxZoom), zoom))
	cx := lonFromX((x0 + x1) / 2)
	cy := latFromY((y0 + y1) / 2)
	return b, [3]float64{math.Round(cx*1e6) / 1e6, math.Round(cy*1e6) / 1e6, zoom}
}

// TileJSON describes the tiles served under tileURL, a template with
// {z}, {x} and {y}.
func (t *Tiler) TileJSON(tileURL string) TileJSON {
	bounds, center := t.BoundsAndCenter()
	return TileJSON{
		TileJSON:     "3.0.0",
		Name:         "planmap",
		Description:  "Regional planning layers of Wenzhou and Quanzhou: " + strings.Join(t.LayerNames(), ", "),
		Version:      "1.0.0",
		Attribution:  t.Attribution(),
		Scheme:       "xyz",
		Tiles:        []string{tileURL},
		MinZoom:      t.opts.MinZoom,
		MaxZoom:      t.opts.MaxZoom,
		Bounds:       bounds,
		Center:       center,
		VectorLayers: t.VectorLayers(),
	}
}
