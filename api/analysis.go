package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
)

// Corridor analysis: which targets lie within reach of which corridors.
//
//	GET /analysis/corridors  the corridors to choose from
//	GET /analysis/coverage   each target's nearest corridor, distance and
//	                         covered share, with a summary (JSON or CSV)
//	GET /analysis/buffer     the area within the distance of the corridors

// maxAnalysisDistance bounds the distance parameter, in metres: the
// geodesic code is checked to 500 km.
const maxAnalysisDistance = 500_000

// minAnalysisDistance is the shortest distance analysed, in metres
// (coverage also takes exactly 0, "touching"): the buffer's tolerances
// are fractions of the distance, and below a metre they fall under the
// coordinates' own precision; 5e-324 ran for 900 s, 1e-300 failed.
const minAnalysisDistance = 1

// maxAnalysisBody bounds a POST body of the analysis endpoints.
const maxAnalysisBody = 256 << 10

// bufferCacheEntries is how many buffers a snapshot keeps, encoded.
const bufferCacheEntries = 32

// corridorFilters are the query parameters that select corridors by a
// property, and the property each one reads.
var corridorFilters = []struct{ param, property string }{
	{"corridor_mode", "mode"},
	{"corridor_kind", "kind"},
	{"corridor_status", "status"},
}

// analysisState is a snapshot's corridors prepared for analysis, built on
// the first analysis request, and its recent buffers.
type analysisState struct {
	once sync.Once
	// layer is the corridors layer, nil when the dataset has none.
	layer *layerState
	// corridors holds every corridor of layer, in layer order.
	corridors *geo.Corridors

	mu      sync.Mutex
	buffers map[string][]byte
	order   []string // cache keys, oldest first
}

// analysisCorridors returns the snapshot's prepared corridors, preparing them on
// first use. It fails with 404 when the dataset has no corridors layer.
func (snap *snapshot) analysisCorridors() (*analysisState, error) {
	st := snap.analysis
	st.once.Do(func() {
		ls, ok := snap.byID[data.Corridors]
		if !ok {
			return
		}
		feats := ls.features()
		geoms := make([]orb.Geometry, len(feats))
		for i, f := range feats {
			geoms[i] = f.Geometry
		}
		corridors, err := geo.NewCorridors(ls.featureIDs(), geoms)
		if err != nil { // cannot happen: one id per feature
			return
		}
		st.layer, st.corridors = ls, corridors
	})
	if st.layer == nil {
		return nil, notFound("this dataset has no %q layer, so there are no corridors to analyse", data.Corridors)
	}
	return st, nil
}

func (s *Server) routesAnalysis() {
	s.app.Get("/analysis/corridors", s.handleAnalysisCorridors)
	s.app.Get("/analysis/coverage", s.handleCoverage)
	s.app.Get("/analysis/buffer", s.handleBuffer)
	// POST takes the same parameters as a JSON object, for corridor lists
	// too long for a URL.
	s.app.Post("/analysis/coverage", s.handleCoverage)
	s.app.Post("/analysis/buffer", s.handleBuffer)
	s.extraPaths = append(s.extraPaths, analysisPaths)
}

func analysisPaths() []apiPath {
	list := func(name, description string) apiParam {
		return apiParam{Name: name, In: "query", Style: "form", Explode: &no, Description: description,
			Schema: map[string]any{"type": "array", "items": map[string]any{"type": "string"}}}
	}
	selection := []apiParam{
		list("corridors", "Comma-separated corridor ids (see /analysis/corridors). Instead of ids, corridors can be chosen by the corridor_* filters; with neither, every corridor counts."),
		list("corridor_mode", "Only corridors whose mode is one of these (rail, road, metro, water, concept)."),
		list("corridor_kind", "Only corridors whose kind is one of these (high_speed_rail, expressway, ...)."),
		list("corridor_status", "Only corridors whose status is one of these (planned, under_construction, operational, proposed)."),
	}
	distance := apiParam{Name: "distance", In: "query", Required: true,
		Description: fmt.Sprintf("Reach of a corridor, in metres (geodesic, WGS84), from %d to %d (coverage also takes 0); a plain decimal number.", minAnalysisDistance, maxAnalysisDistance),
		Schema:      map[string]any{"type": "number", "minimum": 0, "maximum": maxAnalysisDistance}}
	return []apiPath{
		{
			Path:      "/analysis/corridors",
			Summary:   "The corridors that coverage and buffer analyses can use, in layer order.",
			Responses: map[string]string{mediaJSON: "[{id, name, name_en, kind, mode, status}]"},
		},
		{
			Path: "/analysis/coverage",
			Summary: "For every feature of the target layers: the nearest chosen corridor and the geodesic distance to it, " +
				"whether it lies within the distance (covered), and for polygons the share of its area within the distance; " +
				"with a summary by layer, kind and status and the list of uncovered ids.",
			Params: append(append([]apiParam{}, selection...),
				distance,
				list("targets", "Comma-separated layer ids to check (default: every layer but corridors)."),
				list("target_status", "Only targets whose status is one of these."),
				list("target_city", "Only targets whose city is one of these."),
				list("target_county", "Only targets whose county is one of these."),
				list("target_kind", "Only targets whose kind is one of these."),
				apiParam{Name: "f", In: "query", Description: "Response format: json (GeoJSON, the default) or csv (UTF-8 with a byte-order mark and a header row).",
					Schema: map[string]any{"type": "string", "enum": []string{"json", "csv"}}}),
			Responses: map[string]string{
				mediaGeoJSON: "GeoJSON FeatureCollection of the targets with properties layer, id, name, name_en, kind, status, covered, distance_m, nearest_corridor, nearest_corridor_name, covered_share; members summary and uncovered",
				"text/csv":   "one row per target, same columns as the GeoJSON properties",
			},
		},
		{
			Path:      "/analysis/buffer",
			Summary:   "The area within the distance of the chosen corridors, as one WGS84 Polygon or MultiPolygon (outline within 0.5 % of the distance).",
			Params:    append(append([]apiParam{}, selection...), distance),
			Responses: map[string]string{mediaGeoJSON: "GeoJSON FeatureCollection of one Feature with properties distance_m and corridors"},
		},
	}
}

// handleAnalysisCorridors lists the corridors for the coverage panel.
func (s *Server) handleAnalysisCorridors(c *fiber.Ctx) error {
	snap := s.state.Load()
	params, err := queryParams(c, []string{"f"})
	if err != nil {
		return err
	}
	if err := jsonOnly(params, c.Path()); err != nil {
		return err
	}
	if notModified(c, etagFor(snap.etag, c.Path())) {
		return nil
	}
	b := []byte{'['}
	if ls, ok := snap.byID[data.Corridors]; ok {
		for i, f := range ls.features() {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = appendJSONString(b, ls.featureIDs()[i])
			for _, k := range []string{"name", "name_en", "kind", "mode", "status"} {
				b = append(b, ',')
				b = appendJSONString(b, k)
				b = append(b, ':')
				b = appendValue(b, f.Properties[k])
			}
			b = append(b, '}')
		}
	}
	b = append(b, ']')
	c.Set(fiber.HeaderContentType, mediaJSON)
	return c.Send(b)
}

// jsonOnly rejects any f= but json (and geojson).
func jsonOnly(params []queryParam, path string) error {
	if f := paramValue(params, "f"); f != "" && f != "json" && f != "geojson" {
		return badRequest("f=%q is not a format %s offers; it answers JSON (f=json)", f, path)
	}
	return nil
}

// corridorSelection is the corridors a request chose, by position in the
// corridors layer.
type corridorSelection struct {
	positions []int
	ids       []string
}

// selectCorridors reads corridors= or the corridor_* filters.
func selectCorridors(st *analysisState, params []queryParam) (corridorSelection, error) {
	ls := st.layer
	var sel corridorSelection
	filtered := false
	for _, f := range corridorFilters {
		filtered = filtered || hasParam(params, f.param)
	}
	if hasParam(params, "corridors") {
		if filtered {
			return sel, badRequest("choose corridors either by id (corridors=) or by the corridor_mode, corridor_kind and corridor_status filters, not both")
		}
		seen := map[int]bool{}
		ids, err := limitedList("corridors", paramValue(params, "corridors"))
		if err != nil {
			return sel, err
		}
		for _, id := range ids {
			i, ok := ls.position(id)
			if !ok {
				return sel, badRequest("unknown corridor id %q; GET /analysis/corridors lists them", id)
			}
			if !seen[i] {
				seen[i] = true
				sel.positions = append(sel.positions, i)
			}
		}
		if len(sel.positions) == 0 {
			return sel, badRequest("corridors= names no corridor; give comma-separated ids from /analysis/corridors")
		}
	} else {
		feats := ls.features()
		keep := make([]bool, len(feats))
		for i := range keep {
			keep[i] = true
		}
		var described []string
		for _, f := range corridorFilters {
			if !hasParam(params, f.param) {
				continue
			}
			values, err := limitedList(f.param, paramValue(params, f.param))
			if err != nil {
				return sel, err
			}
			if len(values) == 0 {
				return sel, badRequest("%s= is empty; give comma-separated values", f.param)
			}
			present := map[string]bool{}
			for _, feat := range feats {
				if v, ok := feat.Properties[f.property].(string); ok {
					present[v] = true
				}
			}
			for _, v := range values {
				if !present[v] {
					return sel, badRequest("%s: no corridor has %s %q; the corridors' %s values are %s",
						f.param, f.property, v, f.property, strings.Join(sortedSet(present), ", "))
				}
			}
			for i, feat := range feats {
				v, _ := feat.Properties[f.property].(string)
				keep[i] = keep[i] && slices.Contains(values, v)
			}
			described = append(described, f.param+"="+strings.Join(values, ","))
		}
		for i, k := range keep {
			if k {
				sel.positions = append(sel.positions, i)
			}
		}
		if len(sel.positions) == 0 {
			return sel, badRequest("no corridor matches %s together", strings.Join(described, " and "))
		}
	}
	for _, i := range sel.positions {
		sel.ids = append(sel.ids, ls.featureIDs()[i])
	}
	return sel, nil
}

// corridorsFor returns the prepared corridors of a selection.
func (st *analysisState) corridorsFor(sel corridorSelection) *geo.Corridors {
	if len(sel.positions) == st.corridors.Len() {
		return st.corridors // every corridor, in layer order
	}
	return st.corridors.Subset(sel.positions)
}

// parseDistance reads distance=: metres, a plain decimal from
// minAnalysisDistance to maxAnalysisDistance, or 0 when zeroAllowed.
func parseDistance(params []queryParam, zeroAllowed bool) (float64, error) {
	if !hasParam(params, "distance") {
		return 0, badRequest("distance is required: the reach of a corridor in metres, e.g. distance=5000")
	}
	raw := paramValue(params, "distance")
	d, ok := parseDecimal(strings.TrimSpace(raw))
	switch {
	case !ok:
		return 0, badRequest("distance=%q is not a number of metres (write a plain decimal, such as 5000 or 2.5e3)", truncate(raw, 80))
	case d < 0:
		return 0, badRequest("distance=%q is negative; give metres from %d to %d", raw, minAnalysisDistance, maxAnalysisDistance)
	case d == 0 && zeroAllowed:
	case d == 0:
		return 0, badRequest("distance=0: a buffer needs a distance of more than 0 m (at least %d m)", minAnalysisDistance)
	case d < minAnalysisDistance:
		return 0, badRequest("distance=%q is under %d m, the shortest distance analysed", raw, minAnalysisDistance)
	case d > maxAnalysisDistance:
		return 0, badRequest("distance=%q is over %d m (500 km), the longest distance analysed", raw, maxAnalysisDistance)
	}
	return d, nil
}

// limitedList splits a comma-separated list parameter, refusing lists of
// more than maxListValues values.
func limitedList(param, value string) ([]string, error) {
	if n := strings.Count(value, ",") + 1; n > maxListValues {
		return nil, badRequest("%s lists %d values; at most %d are taken", param, n, maxListValues)
	}
	return splitList(value), nil
}

// analysisParams reads the parameters of an analysis request: the query
// string for GET and HEAD; for POST, a JSON object in the body whose
// members are the same parameters, lists as arrays of strings or as
// comma-separated strings, distance as a number or string.
func analysisParams(c *fiber.Ctx, allowed []string) ([]queryParam, error) {
	if c.Method() != fiber.MethodPost {
		return queryParams(c, allowed)
	}
	if n := len(c.Context().QueryArgs().QueryString()); n > 0 {
		return nil, badRequest("a POST to %s takes its parameters in the JSON body, not the query string", c.Path())
	}
	body := c.Body()
	if len(body) > maxAnalysisBody {
		return nil, &Error{Status: fiber.StatusRequestEntityTooLarge, Code: "RequestTooLarge",
			Description: fmt.Sprintf("the body is %d bytes; at most %d are taken", len(body), maxAnalysisBody)}
	}
	if ct := strings.ToLower(c.Get(fiber.HeaderContentType)); !strings.HasPrefix(ct, mediaJSON) {
		return nil, &Error{Status: fiber.StatusUnsupportedMediaType, Code: "UnsupportedMediaType",
			Description: fmt.Sprintf("send the parameters as %s, not %q", mediaJSON, truncate(ct, 80))}
	}
	var members map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&members); err != nil || dec.More() {
		return nil, badRequest("the body is not one JSON object of parameters (%s)", truncate(fmt.Sprint(err), 120))
	}
	var params []queryParam
	for _, key := range sortedKeys(members) {
		if !containsString(allowed, key) {
			return nil, badRequest("unknown parameter %q; %s takes %s", key, c.Path(), strings.Join(allowed, ", "))
		}
		raw := members[key]
		var (
			text   string
			list   []string
			number json.Number
		)
		switch {
		case json.Unmarshal(raw, &text) == nil:
		case json.Unmarshal(raw, &list) == nil:
			for _, v := range list {
				if strings.Contains(v, ",") {
					return nil, badRequest("%s: %q holds a comma; give one value per array element", key, truncate(v, 80))
				}
			}
			if len(list) > maxListValues {
				return nil, badRequest("%s lists %d values; at most %d are taken", key, len(list), maxListValues)
			}
			text = strings.Join(list, ",")
		case json.Unmarshal(raw, &number) == nil:
			text = number.String()
		default:
			return nil, badRequest("%s must be a string, an array of strings or (distance) a number", key)
		}
		params = append(params, queryParam{key, text})
	}
	return params, nil
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func sortedSet(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// coverageTarget is one feature checked, with where it came from.
type coverageTarget struct {
	layer   *layerState
	feature *geojson.Feature
	id      string
}

func (s *Server) handleCoverage(c *fiber.Ctx) error {
	snap := s.state.Load()
	params, err := analysisParams(c, []string{"corridors", "corridor_mode", "corridor_kind", "corridor_status", "distance", "targets", "f",
		"target_status", "target_city", "target_county", "target_kind"})
	if err != nil {
		return err
	}
	asCSV := false
	switch f := paramValue(params, "f"); f {
	case "", "json", "geojson":
	case "csv":
		asCSV = true
	default:
		return badRequest("f=%q is not a format /analysis/coverage offers; use f=json (GeoJSON) or f=csv", f)
	}
	st, err := snap.analysisCorridors()
	if err != nil {
		return err
	}
	sel, err := selectCorridors(st, params)
	if err != nil {
		return err
	}
	distance, err := parseDistance(params, true)
	if err != nil {
		return err
	}
	targetLayers, err := snap.coverageLayers(params)
	if err != nil {
		return err
	}
	if notModified(c, etagFor(snap.etag, c.Path(), encodeQuery(params))) {
		return nil
	}
	if c.Method() == fiber.MethodHead {
		// The parameters are valid; the work is left to a GET.
		if asCSV {
			c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		} else {
			c.Set(fiber.HeaderContentType, mediaGeoJSON)
		}
		return nil
	}
	var targets []coverageTarget
	var geoTargets []geo.CoverageTarget
	for _, ls := range targetLayers {
		for i, f := range ls.features() {
			if !targetMatches(f.Properties, params) {
				continue
			}
			targets = append(targets, coverageTarget{layer: ls, feature: f, id: ls.featureIDs()[i]})
			kind, _ := f.Properties["kind"].(string)
			status, _ := f.Properties["status"].(string)
			geoTargets = append(geoTargets, geo.CoverageTarget{Layer: ls.meta.ID, ID: ls.featureIDs()[i], Kind: kind, Status: status, Geometry: f.Geometry})
		}
	}
	report, err := st.corridorsFor(sel).Coverage(c.UserContext(), geoTargets, geo.CoverageOptions{Distance: distance})
	if err != nil {
		return fmt.Errorf("api: coverage: %w", err)
	}
	corridorFeatures := st.layer.features()
	nearest := func(r geo.TargetCoverage) (id string, name any, ok bool) {
		if r.Nearest < 0 {
			return "", nil, false
		}
		pos := sel.positions[r.Nearest]
		return st.layer.ids[pos], corridorFeatures[pos].Properties["name"], true
	}
	if asCSV {
		body, err := coverageCSV(targets, report, nearest)
		if err != nil {
			return fmt.Errorf("api: writing coverage CSV: %w", err)
		}
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="coverage.csv"`)
		return c.Send(body)
	}
	c.Set(fiber.HeaderContentType, mediaGeoJSON)
	corridorCities := map[string]bool{}
	for _, pos := range sel.positions {
		if city, _ := corridorFeatures[pos].Properties["city"].(string); city != "" {
			corridorCities[city] = true
		}
	}
	return c.Send(coverageGeoJSON(targets, report, sel.ids, nearest, corridorCities))
}

// targetFilters are the coverage parameters that narrow the targets, each
// a comma-separated list of values of one property.
var targetFilters = [][2]string{{"target_status", "status"}, {"target_city", "city"}, {"target_county", "county"}, {"target_kind", "kind"}}

// targetMatches reports whether a target's properties pass the target_*
// filters (a property must be one of the listed values).
func targetMatches(props map[string]any, params []queryParam) bool {
	for _, f := range targetFilters {
		if !hasParam(params, f[0]) {
			continue
		}
		v, _ := props[f[1]].(string)
		if !slices.Contains(splitList(paramValue(params, f[0])), v) {
			return false
		}
	}
	return true
}

// coverageLayers reads targets=: layer ids, by default every layer but the
// corridors.
func (snap *snapshot) coverageLayers(params []queryParam) ([]*layerState, error) {
	var candidates []string
	for _, ls := range snap.layers {
		if ls.meta.ID != data.Corridors {
			candidates = append(candidates, ls.meta.ID)
		}
	}
	if !hasParam(params, "targets") {
		out := make([]*layerState, 0, len(candidates))
		for _, id := range candidates {
			out = append(out, snap.byID[id])
		}
		return out, nil
	}
	ids, err := limitedList("targets", paramValue(params, "targets"))
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, badRequest("targets= is empty; give comma-separated layer ids from %s", strings.Join(candidates, ", "))
	}
	var out []*layerState
	for _, id := range ids {
		if id == data.Corridors {
			return nil, badRequest("targets: %q holds the corridors themselves; choose target layers from %s", id, strings.Join(candidates, ", "))
		}
		ls, ok := snap.byID[id]
		if !ok {
			return nil, badRequest("targets: unknown layer %q; the target layers are %s", id, strings.Join(candidates, ", "))
		}
		if !slices.Contains(out, ls) {
			out = append(out, ls)
		}
	}
	return out, nil
}

// roundTo rounds v to the given number of decimals.
func roundTo(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

type nearestFunc func(geo.TargetCoverage) (id string, name any, ok bool)

// coverageGeoJSON writes the coverage answer; corridorCities are the cities
// of the chosen corridors, so that each target says whether its city has
// any (city_has_corridor) and the summary lists the targets' cities that
// have none (cities_without_corridor): there "not covered" may be a gap in
// the data rather than a planning finding.
func coverageGeoJSON(targets []coverageTarget, report *geo.CoverageReport, corridorIDs []string, nearest nearestFunc, corridorCities map[string]bool) []byte {
	var citiesWithout []string
	b := make([]byte, 0, 512*len(targets)+1024)
	b = append(b, `{"type":"FeatureCollection","features":[`...)
	for i, t := range targets {
		r := report.Results[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":"Feature","id":`...)
		b = appendJSONString(b, t.id)
		b = append(b, `,"geometry":`...)
		b = appendGeometry(b, t.feature.Geometry)
		b = append(b, `,"properties":{"layer":`...)
		b = appendJSONString(b, t.layer.meta.ID)
		b = append(b, `,"id":`...)
		b = appendJSONString(b, t.id)
		for _, k := range []string{"name", "name_en", "kind", "status"} {
			b = append(b, ',')
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendValue(b, t.feature.Properties[k])
		}
		b = append(b, `,"covered":`...)
		b = strconv.AppendBool(b, r.Covered)
		b = append(b, `,"distance_m":`...)
		b = appendNumber(b, roundTo(r.Distance, 1))
		b = append(b, `,"nearest_corridor":`...)
		if id, name, ok := nearest(r); ok {
			b = appendJSONString(b, id)
			b = append(b, `,"nearest_corridor_name":`...)
			b = appendValue(b, name)
		} else {
			b = append(b, `null,"nearest_corridor_name":null`...)
		}
		b = append(b, `,"covered_share":`...)
		if r.HasShare {
			b = appendNumber(b, roundTo(r.CoveredShare, 4))
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"city":`...)
		b = appendValue(b, t.feature.Properties["city"])
		b = append(b, `,"city_has_corridor":`...)
		if city, _ := t.feature.Properties["city"].(string); city != "" {
			b = strconv.AppendBool(b, corridorCities[city])
			if !corridorCities[city] && !slices.Contains(citiesWithout, city) {
				citiesWithout = append(citiesWithout, city)
			}
		} else {
			b = append(b, "null"...)
		}
		b = append(b, "}}"...)
	}
	slices.Sort(citiesWithout)
	sum := report.Summary
	b = append(b, `],"summary":{"distance_m":`...)
	b = appendNumber(b, sum.Distance)
	b = append(b, `,"corridors":`...)
	b = appendStrings(b, corridorIDs)
	b = append(b, `,"cities_without_corridor":`...)
	b = appendStrings(b, citiesWithout)
	b = append(b, `,"targets":`...)
	b = strconv.AppendInt(b, int64(sum.Targets), 10)
	b = append(b, `,"covered":`...)
	b = strconv.AppendInt(b, int64(sum.Covered), 10)
	b = append(b, `,"share":`...)
	b = appendNumber(b, roundTo(sum.Share, 4))
	for _, group := range []struct {
		name   string
		counts map[string]geo.CoverageCount
	}{{"by_layer", sum.ByLayer}, {"by_kind", sum.ByKind}, {"by_status", sum.ByStatus}} {
		b = append(b, ',')
		b = appendJSONString(b, group.name)
		b = append(b, ":{"...)
		keys := make([]string, 0, len(group.counts))
		for k := range group.counts {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			n := group.counts[k]
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, `:{"targets":`...)
			b = strconv.AppendInt(b, int64(n.Targets), 10)
			b = append(b, `,"covered":`...)
			b = strconv.AppendInt(b, int64(n.Covered), 10)
			b = append(b, `,"share":`...)
			b = appendNumber(b, roundTo(n.Share, 4))
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	b = append(b, `},"uncovered":`...)
	b = appendStrings(b, sum.Uncovered)
	return append(b, '}')
}

func appendStrings(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// coverageColumns is the CSV header: the GeoJSON properties, in order.
var coverageColumns = []string{"layer", "id", "name", "name_en", "kind", "status", "covered", "distance_m",
	"nearest_corridor", "nearest_corridor_name", "covered_share"}

// coverageCSV writes one row per target. It starts with a UTF-8 byte-order
// mark so that spreadsheet programs read the Chinese names as UTF-8; empty
// cells stand for null.
func coverageCSV(targets []coverageTarget, report *geo.CoverageReport, nearest nearestFunc) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	if err := w.Write(coverageColumns); err != nil {
		return nil, err
	}
	text := func(v any) string {
		switch v := v.(type) {
		case nil:
			return ""
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
		return fmt.Sprint(v)
	}
	number := func(v float64, decimals int) string {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(roundTo(v, decimals), 'f', -1, 64)
	}
	for i, t := range targets {
		r := report.Results[i]
		id, name, _ := nearest(r)
		share := ""
		if r.HasShare {
			share = number(r.CoveredShare, 4)
		}
		row := []string{t.layer.meta.ID, t.id, text(t.feature.Properties["name"]), text(t.feature.Properties["name_en"]),
			text(t.feature.Properties["kind"]), text(t.feature.Properties["status"]), strconv.FormatBool(r.Covered),
			number(r.Distance, 1), id, text(name), share}
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func (s *Server) handleBuffer(c *fiber.Ctx) error {
	snap := s.state.Load()
	params, err := analysisParams(c, []string{"corridors", "corridor_mode", "corridor_kind", "corridor_status", "distance", "f"})
	if err != nil {
		return err
	}
	if err := jsonOnly(params, c.Path()); err != nil {
		return err
	}
	st, err := snap.analysisCorridors()
	if err != nil {
		return err
	}
	sel, err := selectCorridors(st, params)
	if err != nil {
		return err
	}
	distance, err := parseDistance(params, false)
	if err != nil {
		return err
	}
	if notModified(c, etagFor(snap.etag, c.Path(), encodeQuery(params))) {
		return nil
	}
	key := fmt.Sprint(sel.positions, distance)
	body, ok := st.cachedBuffer(key)
	if !ok && c.Method() == fiber.MethodHead {
		// The parameters are valid; the work is left to a GET.
		c.Set(fiber.HeaderContentType, mediaGeoJSON)
		return nil
	}
	if !ok {
		feats := st.layer.features()
		lines := make([]orb.Geometry, len(sel.positions))
		for k, i := range sel.positions {
			lines[k] = feats[i].Geometry
		}
		buf, err := bufferWithin(c.UserContext(), requestSlot(c), lines, distance)
		if errors.Is(err, geo.ErrEmptyBuffer) {
			return badRequest("the chosen corridors have no geometry to buffer")
		}
		if err != nil {
			return fmt.Errorf("api: buffer of %d corridors: %w", len(lines), err)
		}
		body = bufferGeoJSON(buf, distance, sel.ids)
		st.storeBuffer(key, body)
	}
	c.Set(fiber.HeaderContentType, mediaGeoJSON)
	return c.Send(body)
}

// bufferGeoJSON writes the buffer as a FeatureCollection of one Feature,
// coordinates rounded to 7 decimals (about 1 cm).
func bufferGeoJSON(g orb.Geometry, distance float64, corridorIDs []string) []byte {
	b := make([]byte, 0, 64*1024)
	b = append(b, `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":`...)
	b = appendGeometry(b, roundGeometry(g))
	b = append(b, `,"properties":{"distance_m":`...)
	b = appendNumber(b, distance)
	b = append(b, `,"corridors":`...)
	b = appendStrings(b, corridorIDs)
	return append(b, "}}]}"...)
}

// roundGeometry rounds a buffer's coordinates to 7 decimals, dropping
// points that then repeat their predecessor.
func roundGeometry(g orb.Geometry) orb.Geometry {
	ring := func(r orb.Ring) orb.Ring {
		out := make(orb.Ring, 0, len(r))
		for _, p := range r {
			q := orb.Point{roundTo(p[0], 7), roundTo(p[1], 7)}
			if len(out) > 0 && out[len(out)-1] == q {
				continue
			}
			out = append(out, q)
		}
		return out
	}
	polygon := func(p orb.Polygon) orb.Polygon {
		out := make(orb.Polygon, 0, len(p))
		for i, r := range p {
			rr := ring(r)
			if len(rr) < 4 {
				if i == 0 {
					return nil // the outline itself collapsed
				}
				continue
			}
			out = append(out, rr)
		}
		return out
	}
	switch g := g.(type) {
	case orb.Polygon:
		return polygon(g)
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, 0, len(g))
		for _, p := range g {
			if pp := polygon(p); len(pp) > 0 {
				out = append(out, pp)
			}
		}
		return out
	}
	return g
}

func (st *analysisState) cachedBuffer(key string) ([]byte, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	b, ok := st.buffers[key]
	return b, ok
}

func (st *analysisState) storeBuffer(key string, body []byte) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.buffers == nil {
		st.buffers = map[string][]byte{}
	}
	if _, ok := st.buffers[key]; ok {
		return
	}
	if len(st.order) >= bufferCacheEntries {
		delete(st.buffers, st.order[0])
		st.order = st.order[1:]
	}
	st.buffers[key] = body
	st.order = append(st.order, key)
}

// bufferWithin runs geo.BufferContext and returns when it does or when
// ctx ends, whichever is first: one geometry's buffer or one union step
// cannot be interrupted, so at the deadline the answer goes out while the
// work finishes its current step (it checks ctx between steps), holding
// the request's concurrency slot (sl) until it has.
func bufferWithin(ctx context.Context, sl *slot, lines []orb.Geometry, distance float64) (orb.Geometry, error) {
	type result struct {
		g   orb.Geometry
		err error
	}
	done := make(chan result, 1)
	sl.detach()
	go func() {
		defer sl.finish()
		g, err := geo.BufferContext(ctx, lines, distance)
		done <- result{g, err}
	}()
	select {
	case r := <-done:
		return r.g, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
