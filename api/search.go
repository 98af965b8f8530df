package api

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"

	"github.com/planmap/planmap/data"
)

// Search limits.
const (
	defaultSearchLimit = 10
	maxSearchLimit     = 100
	maxQueryRunes      = 100
)

// facetProperties are the properties /search/facets counts values of.
var facetProperties = []string{"kind", "status", "city", "county", "mode", "target_year"}

// searchState is a snapshot's name index and facet counts, built on first
// use so that loading a large dataset does not wait for pinyin.
type searchState struct {
	snap  *data.Snapshot
	once  sync.Once
	index atomic.Pointer[data.NameIndex]
	// from is the newest index of an earlier snapshot when this one was
	// made: its unchanged layers are reused. Dropped once built.
	from atomic.Pointer[data.NameIndex]

	facetsOnce sync.Once
	facets     []byte
}

// newSearchState makes the search state of a snapshot; prev is the
// previous snapshot's (or nil), whose name index, if built, seeds this
// one: a change indexes only the changed features (the layers' bases are
// indexed once; see data.NewSnapshotNameIndex).
func newSearchState(ds *data.Snapshot, prev *searchState) *searchState {
	st := &searchState{snap: ds}
	if prev != nil {
		from := prev.index.Load()
		if from == nil {
			from = prev.from.Load()
		}
		st.from.Store(from)
	}
	return st
}

func (st *searchState) nameIndex() *data.NameIndex {
	st.once.Do(func() {
		st.index.Store(data.NewSnapshotNameIndex(st.from.Load(), st.snap))
		st.from.Store(nil)
	})
	return st.index.Load()
}

func (s *Server) routesSearch() {
	s.app.Get("/search", s.handleSearch)
	s.app.Get("/search/facets", s.handleFacets)
	s.extraPaths = append(s.extraPaths, searchPaths)
}

func searchPaths() []apiPath {
	return []apiPath{
		{
			Path: "/search",
			Summary: "Find features by name: simplified or traditional Chinese, English, pinyin (wenzhougang) or pinyin initials (wzg), or id. " +
				"Best matches first. Each feature's geometry is a point on it (its label point) and its bbox the feature's extent; follow its links for the full feature.",
			Params: []apiParam{
				{Name: "q", In: "query", Required: true, Description: "What to look for (at most 100 characters).", Schema: map[string]any{"type": "string"}},
				{Name: "limit", In: "query", Description: "Most results returned.", Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": maxSearchLimit, "default": defaultSearchLimit}},
				{Name: "layers", In: "query", Style: "form", Explode: &no, Description: "Comma-separated layer ids to search (default: all).", Schema: map[string]any{"type": "array", "items": map[string]any{"type": "string"}}},
			},
			Responses: map[string]string{mediaGeoJSON: "GeoJSON FeatureCollection of the matches, with bbox and properties layer, id, name, name_en, kind, status, target_year, city, county, matched"},
		},
		{
			Path:      "/search/facets",
			Summary:   "For each layer: its feature count and how many features carry each value of kind, status, city, county, mode and target_year (the web map's filter choices).",
			Responses: map[string]string{mediaJSON: "{layers: {id: {count, values: {property: {value: count}}}}}"},
		},
	}
}

func (s *Server) handleSearch(c *fiber.Ctx) error {
	snap := s.state.Load()
	params, err := queryParams(c, []string{"q", "limit", "layers", "f"})
	if err != nil {
		return err
	}
	if f := paramValue(params, "f"); f != "" && f != "json" && f != "geojson" {
		return badRequest("f=%q is not a format /search offers; it answers GeoJSON (f=json)", f)
	}
	q := strings.TrimSpace(paramValue(params, "q"))
	switch {
	case !hasParam(params, "q") || q == "":
		return badRequest("q is required: the name, pinyin or id to look for")
	case len([]rune(q)) > maxQueryRunes:
		return badRequest("q is %d characters long; at most %d are searched", len([]rune(q)), maxQueryRunes)
	}
	limit := defaultSearchLimit
	if hasParam(params, "limit") {
		n, err := parseWhole(paramValue(params, "limit"))
		if err != nil || n < 1 || n > maxSearchLimit {
			return badRequest("limit=%q must be a whole number from 1 to %d", paramValue(params, "limit"), maxSearchLimit)
		}
		limit = n
	}
	var layers []string
	if hasParam(params, "layers") {
		for _, id := range strings.Split(paramValue(params, "layers"), ",") {
			if _, err := snap.layer(id); err != nil {
				return badRequest("layers: no layer %q; the layers are %s", id, strings.Join(snap.layerIDs(), ", "))
			}
			layers = append(layers, id)
		}
	}
	if notModified(c, etagFor(snap.etag, c.Path(), encodeQuery(params))) {
		return nil
	}
	hits := snap.search.nameIndex().Search(q, data.SearchOptions{Limit: limit, Layers: layers})
	base := s.baseURL(c)
	b := make([]byte, 0, 512+len(hits)*512)
	b = append(b, `{"type":"FeatureCollection","query":`...)
	b = appendJSONString(b, q)
	b = append(b, `,"numberReturned":`...)
	b = strconv.AppendInt(b, int64(len(hits)), 10)
	b = append(b, `,"features":[`...)
	for n, h := range hits {
		if n > 0 {
			b = append(b, ',')
		}
		b = appendSearchHit(b, base, h)
	}
	b = append(b, "]}"...)
	c.Set(fiber.HeaderContentType, mediaGeoJSON)
	return c.Send(b)
}

// searchHitProperties are the feature properties a search result repeats.
var searchHitProperties = []string{"id", "name", "name_en", "kind", "status", "target_year", "city", "county"}

func appendSearchHit(b []byte, base string, h data.SearchHit) []byte {
	f := h.Feature
	id := data.FeatureID(f)
	bound := f.Geometry.Bound()
	b = append(b, `{"type":"Feature","id":`...)
	b = appendJSONString(b, id)
	b = append(b, `,"bbox":[`...)
	for i, v := range []float64{bound.Min[0], bound.Min[1], bound.Max[0], bound.Max[1]} {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendNumber(b, v)
	}
	b = append(b, `],"geometry":`...)
	b = appendGeometry(b, labelPoint(f.Geometry))
	b = append(b, `,"properties":{"layer":`...)
	b = appendJSONString(b, h.Layer.ID)
	for _, k := range searchHitProperties {
		b = append(b, ',')
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendValue(b, f.Properties[k])
	}
	b = append(b, `,"geometry_type":`...)
	b = appendJSONString(b, f.Geometry.GeoJSONType())
	b = append(b, `,"matched":`...)
	b = appendJSONString(b, string(h.Field))
	self := base + "/collections/" + h.Layer.ID + "/items/" + pathEscape(id)
	b = append(b, `},"links":`...)
	b = appendLinks(b, []link{
		{Href: self, Rel: "item", Type: mediaGeoJSON, Title: "the feature"},
		{Href: self + "?f=html", Rel: "alternate", Type: mediaHTML, Title: "the feature as HTML"},
	})
	return append(b, '}')
}

// labelPoint returns a point on g: a point itself, the middle vertex of a
// line (of the longest part of a multi-line), and for areas the middle of
// the widest span inside the largest polygon along the horizontal line
// through its bounding box's middle — a point inside, even for a crescent.
func labelPoint(g orb.Geometry) orb.Point {
	switch g := g.(type) {
	case orb.Point:
		return g
	case orb.MultiPoint:
		if len(g) > 0 {
			return g[0]
		}
	case orb.LineString:
		if len(g) > 0 {
			return g[len(g)/2]
		}
	case orb.MultiLineString:
		longest := -1
		for i, l := range g {
			if longest < 0 || len(l) > len(g[longest]) {
				longest = i
			}
		}
		if longest >= 0 {
			return labelPoint(g[longest])
		}
	case orb.Polygon:
		return polygonLabelPoint(g)
	case orb.MultiPolygon:
		largest, largestArea := -1, -1.0
		for i, p := range g {
			if len(p) == 0 {
				continue
			}
			b := p[0].Bound()
			if a := (b.Max[0] - b.Min[0]) * (b.Max[1] - b.Min[1]); a > largestArea {
				largest, largestArea = i, a
			}
		}
		if largest >= 0 {
			return polygonLabelPoint(g[largest])
		}
	case orb.Collection:
		if len(g) > 0 {
			return labelPoint(g[0])
		}
	}
	return g.Bound().Center()
}

func polygonLabelPoint(p orb.Polygon) orb.Point {
	if len(p) == 0 || len(p[0]) == 0 {
		return orb.Point{}
	}
	b := p[0].Bound()
	y := (b.Min[1] + b.Max[1]) / 2
	var xs []float64
	for _, ring := range p {
		for i := 1; i < len(ring); i++ {
			a, c := ring[i-1], ring[i]
			if (a[1] > y) != (c[1] > y) {
				xs = append(xs, a[0]+(y-a[1])*(c[0]-a[0])/(c[1]-a[1]))
			}
		}
	}
	sort.Float64s(xs)
	bestX, bestWidth := b.Center()[0], -1.0
	for i := 0; i+1 < len(xs); i += 2 {
		if w := xs[i+1] - xs[i]; w > bestWidth {
			bestX, bestWidth = (xs[i]+xs[i+1])/2, w
		}
	}
	return orb.Point{bestX, y}
}

// layerIDs lists the snapshot's layer ids in order.
func (snap *snapshot) layerIDs() []string {
	ids := make([]string, 0, len(snap.layers))
	for _, ls := range snap.layers {
		ids = append(ids, ls.meta.ID)
	}
	return ids
}

func (s *Server) handleFacets(c *fiber.Ctx) error {
	snap := s.state.Load()
	if _, err := queryParams(c, []string{"f"}); err != nil {
		return err
	}
	if notModified(c, etagFor(snap.etag, c.Path())) {
		return nil
	}
	snap.search.facetsOnce.Do(func() { snap.search.facets = encodeFacets(snap.data.Dataset()) })
	c.Set(fiber.HeaderContentType, mediaJSON)
	return c.Send(snap.search.facets)
}

// encodeFacets counts, per layer, the features carrying each value of the
// facet properties (null values are counted under "null"). Values the
// vocabulary table fixes come in its order, any others after them by name.
func encodeFacets(ds *data.Dataset) []byte {
	b := []byte(`{"layers":{`)
	for li, l := range ds.Layers {
		counts := make([]map[string]int, len(facetProperties))
		for i := range counts {
			counts[i] = map[string]int{}
		}
		for _, f := range l.Features.Features {
			for i, p := range facetProperties {
				if v, present := f.Properties[p]; present {
					counts[i][facetKey(v)]++
				}
			}
		}
		if li > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, l.ID)
		b = append(b, `:{"count":`...)
		b = strconv.AppendInt(b, int64(len(l.Features.Features)), 10)
		b = append(b, `,"values":{`...)
		first := true
		for i, p := range facetProperties {
			if len(counts[i]) == 0 {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendJSONString(b, p)
			b = append(b, ":{"...)
			for n, k := range vocabularyOrder(sortedKeys(counts[i]), vocabulary(l.ID, p)) {
				if n > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, k)
				b = append(b, ':')
				b = strconv.AppendInt(b, int64(counts[i][k]), 10)
			}
			b = append(b, '}')
		}
		b = append(b, "}}"...)
	}
	return append(b, "}}"...)
}

// vocabularyOrder puts the keys that are values of vocab first, in vocab's
// order, and the others after them in their own order.
func vocabularyOrder(keys, vocab []string) []string {
	if len(vocab) == 0 {
		return keys
	}
	present := make(map[string]bool, len(keys))
	for _, k := range keys {
		present[k] = true
	}
	out := make([]string, 0, len(keys))
	for _, v := range vocab {
		if present[v] {
			out = append(out, v)
			delete(present, v)
		}
	}
	for _, k := range keys {
		if present[k] {
			out = append(out, k)
		}
	}
	return out
}

// facetKey writes a property value as a facet key: strings as they are,
// whole numbers without a decimal point, anything else as "null".
func facetKey(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return "null"
}
