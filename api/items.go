package api

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo/crs"
)

// Queryable properties: the ones items can be filtered on by equality.
var queryableProperties = []string{"kind", "status", "city", "county", "mode"}

// itemsQuery is a parsed items request.
type itemsQuery struct {
	params     []queryParam
	bboxes     []orb.Bound
	limit      int
	offset     int
	properties map[string]bool
	format     format
	// crs is the CRS of the answer's coordinates (nil: CRS84).
	crs *crs.CRS
	// query is what selects and orders the features.
	query data.Query
}

func (ls *layerState) allowedItemParams() []string {
	allowed := append([]string{"f", "bbox", "bbox-crs", "crs", "limit", "offset", "datetime", "properties", "sortby"}, filterParams...)
	if ls.propertyNames["target_year"] {
		allowed = append(allowed, "target_year")
	}
	return append(allowed, ls.queryables...)
}

// parseItemsQuery reads and checks every parameter of an items request.
func (ls *layerState) parseItemsQuery(c *fiber.Ctx) (*itemsQuery, error) {
	params, err := queryParams(c, ls.allowedItemParams())
	if err != nil {
		return nil, err
	}
	q := &itemsQuery{params: params, limit: defaultLimit}
	q.query.Equals = map[string][]string{}
	for _, p := range params {
		switch p.key {
		case "f":
			if q.format, err = negotiate(c, p.value); err != nil {
				return nil, err
			}
		case "bbox", "bbox-crs": // read together below
		case "crs":
			if q.crs, err = lookupCRS("crs", p.value); err != nil {
				return nil, err
			}
		case "limit":
			if q.limit, err = parseLimit(p.value); err != nil {
				return nil, err
			}
		case "offset":
			if q.offset, err = parseOffset(p.value); err != nil {
				return nil, err
			}
		case "datetime":
			r, err := parseDatetime(p.value)
			if err != nil {
				return nil, err
			}
			q.query.Years = &data.YearRange{From: r.from, To: r.to}
		case "target_year":
			if q.query.YearIn, err = parseYears(p.value); err != nil {
				return nil, err
			}
		case "properties":
			q.properties = map[string]bool{}
			for _, name := range strings.Split(p.value, ",") {
				name = strings.TrimSpace(name)
				if !ls.propertyNames[name] {
					return nil, badRequest("properties: %q is not a property of %s; it has %s", name, ls.meta.ID, strings.Join(sortedKeys(ls.propertyNames), ", "))
				}
				q.properties[name] = true
			}
		case "filter", "filter-lang", "filter-crs":
			// read together below
		case "sortby":
			keys, err := parseSortBy(p.value, sortedKeys(ls.propertyNames))
			if err != nil {
				return nil, err
			}
			for _, k := range keys {
				q.query.SortBy = append(q.query.SortBy, data.SortKey{Property: k.property, Descending: k.descending})
			}
		default: // a queryable
			if p.value == "" {
				return nil, badRequest("%s is empty", p.key)
			}
			values := strings.Split(p.value, ",")
			if vocab := vocabulary(ls.meta.ID, p.key); vocab != nil {
				for _, v := range values {
					if !containsString(vocab, v) {
						return nil, badRequest("%s=%q is not a value of the vocabulary: %s", p.key, v, strings.Join(vocab, ", "))
					}
				}
			}
			q.query.Equals[p.key] = values
		}
	}
	if err := ls.parseFilter(params, &q.query); err != nil {
		return nil, err
	}
	if hasParam(params, "bbox") {
		var bboxCRS *crs.CRS
		if hasParam(params, "bbox-crs") {
			if bboxCRS, err = lookupCRS("bbox-crs", paramValue(params, "bbox-crs")); err != nil {
				return nil, err
			}
		}
		var exact *orb.Bound
		if q.query.BBoxes, exact, err = parseBBoxIn(paramValue(params, "bbox"), bboxCRS); err != nil {
			return nil, err
		}
		if exact != nil {
			if err := ls.addFootprintFilter(&q.query, bboxCRS, *exact); err != nil {
				return nil, err
			}
		}
	}
	if !hasParam(params, "f") {
		if q.format, err = negotiate(c, ""); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// parseYears reads target_year=2025 or target_year=2025,2030 (any of).
func parseYears(v string) ([]int, error) {
	var years []int
	for _, part := range strings.Split(v, ",") {
		y, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || y < 0 || y > 9999 {
			return nil, badRequest("target_year must be a year or comma-separated years (2025 or 2025,2030), got %q", v)
		}
		years = append(years, y)
	}
	return years, nil
}

// targetYear reads a feature's target_year as an integer.
func targetYear(p geojson.Properties) (int, bool) { return data.TargetYear(p) }

func (s *Server) handleItems(c *fiber.Ctx) error {
	snap := s.state.Load()
	ls, err := snap.layer(c.Params("collectionId"))
	if err != nil {
		return err
	}
	q, err := ls.parseItemsQuery(c)
	if err != nil {
		return err
	}
	if notModified(c, etagFor(ls.view.Version(), c.Path(), encodeQuery(q.params), fmt.Sprint(q.format))) {
		return nil
	}
	matched, page := ls.view.SelectPage(&q.query, q.offset, q.limit, make([]data.Ref, 0, min(q.limit, 1000)))
	start := min(q.offset, matched)
	end := start + len(page)

	base := s.baseURL(c)
	itemsURL := base + "/collections/" + ls.meta.ID + "/items"
	jsonParams := withoutParam(q.params, "f")
	links := []link{
		{Href: urlWith(itemsURL, jsonParams), Rel: "self", Type: mediaGeoJSON, Title: "this page"},
		{Href: urlWith(itemsURL, withParam(jsonParams, "f", "html")), Rel: "alternate", Type: mediaHTML, Title: "this page as HTML"},
		{Href: base + "/collections/" + ls.meta.ID, Rel: "collection", Type: mediaJSON, Title: ls.meta.Title},
	}
	if q.format == formatHTML {
		links[0], links[1] = link{Href: urlWith(itemsURL, withParam(jsonParams, "f", "html")), Rel: "self", Type: mediaHTML, Title: "this page"},
			link{Href: urlWith(itemsURL, jsonParams), Rel: "alternate", Type: mediaGeoJSON, Title: "this page as GeoJSON"}
	}
	pageParams := q.params
	if hasParam(q.params, "limit") || q.limit != defaultLimit {
		pageParams = withParam(pageParams, "limit", strconv.Itoa(q.limit))
	}
	if end < matched {
		links = append(links, link{Href: urlWith(itemsURL, withParam(pageParams, "offset", strconv.Itoa(end))), Rel: "next", Type: linkType(q.format), Title: "next page"})
	}
	if start > 0 {
		prev := max(0, start-q.limit)
		links = append(links, link{Href: urlWith(itemsURL, withParam(pageParams, "offset", strconv.Itoa(prev))), Rel: "prev", Type: linkType(q.format), Title: "previous page"})
	}
	timeStamp := time.Now().UTC().Format(time.RFC3339)

	if q.format == formatHTML {
		rows := make([]htmlFeature, 0, len(page))
		for _, i := range page {
			rows = append(rows, ls.htmlFeature(i, base))
		}
		return s.renderHTML(c, "items", fiber.Map{
			"Layer": ls.meta, "Rows": rows, "Matched": matched, "Returned": len(page), "Links": links,
			"Offset": start, "Base": base, "Columns": ls.tableColumns(),
		})
	}
	// The body is appended straight into fasthttp's pooled response
	// buffer: a page can be megabytes, and a fresh buffer per request would
	// make the garbage collector rescan the whole dataset ever more often.
	resp := c.Response()
	resp.ResetBody()
	head := make([]byte, 0, 1024)
	head = append(head, `{"type":"FeatureCollection","numberMatched":`...)
	head = strconv.AppendInt(head, int64(matched), 10)
	head = append(head, `,"numberReturned":`...)
	head = strconv.AppendInt(head, int64(len(page)), 10)
	head = append(head, `,"timeStamp":`...)
	head = appendJSONString(head, timeStamp)
	head = append(head, `,"links":`...)
	head = appendLinks(head, links)
	head = append(head, `,"features":[`...)
	resp.AppendBody(head)
	var scratch []byte
	out := q.crs
	if isCRS84(out) {
		out = nil
	}
	if out != nil {
		// Transform the page before writing any of it, so a feature that
		// has no coordinates in the CRS gives a clean 400.
		bodies := make([]byte, 0, 512*len(page))
		for n, i := range page {
			if n > 0 {
				bodies = append(bodies, ',')
			}
			if bodies, err = appendFeatureIn(bodies, ls, i, out, q.properties); err != nil {
				resp.ResetBody()
				return err
			}
		}
		resp.AppendBody(bodies)
		page = nil
	}
	for n, i := range page {
		if n > 0 {
			resp.AppendBody(comma)
		}
		if q.properties == nil {
			resp.AppendBody(ls.view.Encoded(i))
			continue
		}
		scratch = propertyWriter.AppendFeature(scratch[:0], ls.view.ID(i), ls.view.Feature(i), q.properties)
		resp.AppendBody(scratch)
	}
	resp.AppendBody(closeCollection)
	c.Set(fiber.HeaderContentType, mediaGeoJSON)
	contentCRS(c, q.crs)
	return nil
}

var (
	comma           = []byte{','}
	closeCollection = []byte("]}")
)

func (s *Server) handleItem(c *fiber.Ctx) error {
	snap := s.state.Load()
	ls, err := snap.layer(c.Params("collectionId"))
	if err != nil {
		return err
	}
	params, err := queryParams(c, []string{"f", "crs"})
	if err != nil {
		return err
	}
	f, err := negotiate(c, paramValue(params, "f"))
	if err != nil {
		return err
	}
	var out *crs.CRS
	if hasParam(params, "crs") {
		if out, err = lookupCRS("crs", paramValue(params, "crs")); err != nil {
			return err
		}
	}
	id := c.Params("featureId")
	i, ok := ls.view.Lookup(id)
	if !ok {
		return notFound("collection %s has no feature %q", ls.meta.ID, id)
	}
	version := ls.view.FeatureVersion(i)
	if f == formatHTML {
		version += "-html"
	} else if !isCRS84(out) {
		version += "-" + out.Code()
	}
	if notModified(c, `"`+version+`"`) {
		return nil
	}
	base := s.baseURL(c)
	if f == formatHTML {
		self := base + "/collections/" + ls.meta.ID + "/items/" + pathEscape(id)
		return s.renderHTML(c, "item", fiber.Map{"Layer": ls.meta, "F": ls.htmlFeature(i, base), "Self": self, "Base": base})
	}
	if t := ls.itemLinks(base); t != nil && !hasParam(params, "crs") {
		// The common case, GeoJSON in CRS84: the feature's pre-encoded bytes
		// and the links, from fragments made once per layer and base URL,
		// appended straight into fasthttp's pooled body buffer.
		enc := ls.view.Encoded(i)
		idInLinks := jsonStringContent(pathEscape(id))
		resp := c.Response()
		resp.ResetBody()
		resp.AppendBody(enc[:len(enc)-1])
		resp.AppendBody(t.beforeSelf)
		resp.AppendBodyString(idInLinks)
		resp.AppendBody(t.beforeAlternate)
		resp.AppendBodyString(idInLinks)
		resp.AppendBody(t.rest)
		c.Set(fiber.HeaderContentType, mediaGeoJSON)
		c.Set(headerContentCrs, crs84ContentCrs)
		return nil
	}
	self := base + "/collections/" + ls.meta.ID + "/items/" + pathEscape(id)
	selfJSON := urlWith(self, withoutParam(params, "f"))
	links := []link{
		{Href: selfJSON, Rel: "self", Type: mediaGeoJSON, Title: "this feature"},
		{Href: self + "?f=html", Rel: "alternate", Type: mediaHTML, Title: "this feature as HTML"},
		{Href: base + "/collections/" + ls.meta.ID, Rel: "collection", Type: mediaJSON, Title: ls.meta.Title},
	}
	enc := ls.view.Encoded(i)
	if !isCRS84(out) {
		if enc, err = appendFeatureIn(nil, ls, i, out, nil); err != nil {
			return err
		}
	}
	// Splice the links into the feature object.
	b := append([]byte(nil), enc[:len(enc)-1]...)
	b = append(b, `,"links":`...)
	b = appendLinks(b, links)
	b = append(b, '}')
	c.Set(fiber.HeaderContentType, mediaGeoJSON)
	contentCRS(c, out)
	return c.Send(b)
}

// itemLinkTemplate holds the links of a single feature's GeoJSON answer
// for one layer and base URL, as JSON fragments around the two places the
// feature's id goes: beforeSelf, id, beforeAlternate, id, rest. Escaping
// JSON character by character, the fragments joined around the escaped id
// are the escaped joined string, so the answer is the one appendLinks
// writes for the same links.
type itemLinkTemplate struct {
	base                        string
	beforeSelf, beforeAlternate []byte
	rest                        []byte
}

// jsonStringContent returns s as it reads inside a JSON string: s itself
// when nothing in it needs escaping.
func jsonStringContent(s string) string {
	if jsonPlain(s) {
		return s
	}
	quoted := appendJSONString(nil, s)
	return string(quoted[1 : len(quoted)-1])
}

// jsonPlain reports whether s reads the same inside a JSON string:
// printable ASCII without quotes, backslashes or the characters the
// encoder escapes for HTML.
func jsonPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b < 0x20, b >= 0x7f, b == '"', b == '\\', b == '<', b == '>', b == '&':
			return false
		}
	}
	return true
}

// itemLinks returns the layer's link fragments for base, made on first
// use and remade when the base URL changes (it comes from the request's
// Host, so only the last one is kept: a client cannot grow it); nil in
// the unlikely case that the layer's title holds the id marker.
func (ls *layerState) itemLinks(base string) *itemLinkTemplate {
	if t := ls.linkTemplate.Load(); t != nil && t.base == base {
		return t
	}
	const marker = "\x00id\x00"
	self := base + "/collections/" + ls.meta.ID + "/items/" + marker
	links := []link{
		{Href: self, Rel: "self", Type: mediaGeoJSON, Title: "this feature"},
		{Href: self + "?f=html", Rel: "alternate", Type: mediaHTML, Title: "this feature as HTML"},
		{Href: base + "/collections/" + ls.meta.ID, Rel: "collection", Type: mediaJSON, Title: ls.meta.Title},
	}
	b := append([]byte(`,"links":`), appendLinks(nil, links)...)
	b = append(b, '}')
	escapedMarker := appendJSONString(nil, marker)
	escapedMarker = escapedMarker[1 : len(escapedMarker)-1]
	parts := bytes.Split(b, escapedMarker)
	if len(parts) != 3 {
		return nil // the marker in the layer's title: the caller writes the links itself
	}
	t := &itemLinkTemplate{base: base, beforeSelf: parts[0], beforeAlternate: parts[1], rest: parts[2]}
	ls.linkTemplate.Store(t)
	return t
}

// propertyWriter writes features with a chosen subset of properties.
var propertyWriter = data.NewFeatureWriter(data.SchemaOrder)

func linkType(f format) string {
	if f == formatHTML {
		return mediaHTML
	}
	return mediaGeoJSON
}

func urlWith(base string, params []queryParam) string {
	if len(params) == 0 {
		return base
	}
	return base + "?" + encodeQuery(params)
}

func appendLinks(b []byte, links []link) []byte {
	b = append(b, '[')
	for i, l := range links {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"href":`...)
		b = appendJSONString(b, l.Href)
		b = append(b, `,"rel":`...)
		b = appendJSONString(b, l.Rel)
		b = append(b, `,"type":`...)
		b = appendJSONString(b, l.Type)
		if l.Title != "" {
			b = append(b, `,"title":`...)
			b = appendJSONString(b, l.Title)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}
