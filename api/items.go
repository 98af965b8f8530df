package api

import (
	"bytes"
	"runtime"
	"slices"
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
	// Each parameter is escaped once; every link's query and the ETag
	// are put together from the pieces (pageQuery).
	pq := newPageQuery(q.params)
	if notModified(c, etagFor(ls.view.Version(), c.Path(), pq.encode("", nil), strconv.Itoa(int(q.format)))) {
		return nil
	}
	matched, page := ls.view.SelectPage(&q.query, q.offset, q.limit, make([]data.Ref, 0, min(q.limit, 1000)))
	start := min(q.offset, matched)
	end := start + len(page)

	base := s.baseURL(c)
	itemsURL := base + "/collections/" + ls.meta.ID + "/items"
	selfJSON := urlWithQuery(itemsURL, pq.encode("f", nil))
	selfHTML := urlWithQuery(itemsURL, pq.encode("f", []queryParam{{"f", "html"}}))
	links := []link{
		{Href: selfJSON, Rel: "self", Type: mediaGeoJSON, Title: "this page"},
		{Href: selfHTML, Rel: "alternate", Type: mediaHTML, Title: "this page as HTML"},
		{Href: base + "/collections/" + ls.meta.ID, Rel: "collection", Type: mediaJSON, Title: ls.meta.Title},
	}
	if q.format == formatHTML {
		links[0], links[1] = link{Href: selfHTML, Rel: "self", Type: mediaHTML, Title: "this page"},
			link{Href: selfJSON, Rel: "alternate", Type: mediaGeoJSON, Title: "this page as GeoJSON"}
	}
	var pageSets []queryParam
	if hasParam(q.params, "limit") || q.limit != defaultLimit {
		pageSets = append(pageSets, queryParam{"limit", strconv.Itoa(q.limit)})
	}
	if end < matched {
		links = append(links, link{Href: urlWithQuery(itemsURL, pq.encode("", append(pageSets, queryParam{"offset", strconv.Itoa(end)}))), Rel: "next", Type: linkType(q.format), Title: "next page"})
	}
	if start > 0 {
		prev := max(0, start-q.limit)
		links = append(links, link{Href: urlWithQuery(itemsURL, pq.encode("", append(pageSets, queryParam{"offset", strconv.Itoa(prev)}))), Rel: "prev", Type: linkType(q.format), Title: "previous page"})
	}
	now := time.Now().UTC()

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
	out := q.crs
	if isCRS84(out) {
		out = nil
	}
	// The body is written straight into fasthttp's pooled response
	// buffer: a page can be megabytes, and a fresh buffer per request would
	// make the garbage collector rescan the whole dataset ever more often.
	// Transformed pages are made before any of it is written, so a feature
	// that has no coordinates in the CRS gives a clean 400.
	var bodies []byte
	if out != nil {
		bodies = make([]byte, 0, 512*len(page))
		for n, i := range page {
			if n > 0 {
				bodies = append(bodies, ',')
			}
			var err error
			if bodies, err = appendFeatureIn(bodies, ls, i, out, q.properties); err != nil {
				return err
			}
		}
	}
	resp := c.Response()
	resp.ResetBody()
	b := resp.SwapBody(nil)[:0]
	// Size the buffer once: the pre-encoded features are most of it.
	size := 1024 + len(bodies)
	for _, l := range links {
		size += len(l.Href) + len(l.Title) + 64
	}
	if out == nil && q.properties == nil {
		// A fresh server encodes the page's features now, on every core.
		ls.view.EncodeAll(page, runtime.GOMAXPROCS(0))
		for _, i := range page {
			size += len(ls.view.Encoded(i)) + 1
		}
	}
	b = slices.Grow(b, size)
	b = append(b, `{"type":"FeatureCollection","numberMatched":`...)
	b = strconv.AppendInt(b, int64(matched), 10)
	b = append(b, `,"numberReturned":`...)
	b = strconv.AppendInt(b, int64(len(page)), 10)
	b = append(b, `,"timeStamp":"`...) // RFC 3339 needs no escaping
	b = now.AppendFormat(b, time.RFC3339)
	b = append(b, `","links":`...)
	b = appendLinks(b, links)
	b = append(b, `,"features":[`...)
	switch {
	case out != nil:
		b = append(b, bodies...)
	case q.properties == nil:
		for n, i := range page {
			if n > 0 {
				b = append(b, ',')
			}
			b = append(b, ls.view.Encoded(i)...)
		}
	default:
		for n, i := range page {
			if n > 0 {
				b = append(b, ',')
			}
			b = propertyWriter.AppendFeature(b, ls.view.ID(i), ls.view.Feature(i), q.properties)
		}
	}
	b = append(b, "]}"...)
	resp.SwapBody(b)
	resp.Header.SetContentTypeBytes(geoJSONContentType)
	contentCRS(c, q.crs)
	return nil
}

// pageQuery is an items request's parameters with each escaped once, as
// encodeQuery escapes them, for the several query strings of its links.
type pageQuery struct {
	params  []queryParam
	escaped []string // "key=value", escaped
}

func newPageQuery(params []queryParam) *pageQuery {
	pq := &pageQuery{params: params, escaped: make([]string, len(params))}
	for i := range params {
		pq.escaped[i] = encodeQuery(params[i : i+1])
	}
	return pq
}

// encode is encodeQuery of the parameters without drop (when not empty)
// and with each of sets in turn set as withParam sets it (the value
// replaced in place, or the parameter appended).
func (pq *pageQuery) encode(drop string, sets []queryParam) string {
	var sb strings.Builder
	n := 0
	for _, e := range pq.escaped {
		n += len(e) + 1
	}
	for _, p := range sets {
		n += len(p.key) + len(p.value) + 2
	}
	sb.Grow(n)
	found := 0 // bit k: sets[k] replaced a parameter
	write := func(s string) {
		if sb.Len() > 0 {
			sb.WriteByte('&')
		}
		sb.WriteString(s)
	}
	for i, p := range pq.params {
		if drop != "" && p.key == drop {
			continue
		}
		replaced := false
		for k, set := range sets {
			if set.key == p.key {
				write(encodeQuery(sets[k : k+1]))
				found |= 1 << k
				replaced = true
				break
			}
		}
		if !replaced {
			write(pq.escaped[i])
		}
	}
	for k := range sets {
		if found&(1<<k) == 0 {
			write(encodeQuery(sets[k : k+1]))
		}
	}
	return sb.String()
}

// urlWithQuery is base, with ?query when query is not empty.
func urlWithQuery(base, query string) string {
	if query == "" {
		return base
	}
	return base + "?" + query
}

func (s *Server) handleItem(c *fiber.Ctx) error {
	snap := s.state.Load()
	ls, err := snap.layer(c.Params("collectionId"))
	if err != nil {
		return err
	}
	var params []queryParam
	if len(c.Request().URI().QueryString()) > 0 {
		if params, err = queryParams(c, []string{"f", "crs"}); err != nil {
			return err
		}
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
	var tagBuf [64]byte
	tag := append(append(tagBuf[:0], '"'), ls.view.FeatureVersion(i)...)
	if f == formatHTML {
		tag = append(tag, "-html"...)
	} else if !isCRS84(out) {
		tag = append(append(tag, '-'), out.Code()...)
	}
	if notModifiedTag(c, append(tag, '"')) {
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
		resp.Header.SetContentTypeBytes(geoJSONContentType)
		contentCRS(c, nil)
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

// Header names in fasthttp's canonical form and values, for setting
// headers without normalizing them anew on every request.
var (
	geoJSONContentType   = []byte(mediaGeoJSON)
	contentCrsKey        = []byte(headerContentCrs)
	crs84ContentCrsValue = []byte(crs84ContentCrs)
)

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
