package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/cql2"
	"github.com/planmap/planmap/geo/crs"
)

// OGC API – Features – Part 2: Coordinate Reference Systems by Reference.
//
// Items and single features take crs (the CRS of the coordinates in the
// answer) and items take bbox-crs (the CRS of bbox), each naming one of
// the CRSs of geo/crs by URI, and say the CRS of their coordinates in a
// Content-Crs header. The store keeps CRS84, so every other CRS is a
// transformation of each answered geometry on the way out; a bbox in
// another CRS becomes the CRS84 box holding its footprint
// (crs.BoundToCRS84), and, for the CRSs where that box is larger than the
// footprint (projections, GCJ-02, BD-09), the candidates are checked
// against the box in its own CRS, so a feature is answered exactly when it
// meets the box as given (the footprint, a polygon through the densified
// edges, is ANDed to the query as a CQL2 S_INTERSECTS). Coordinates follow each CRS's axis order:
// EPSG:4326 and EPSG:4490 are latitude first, the CGCS2000 Gauss–Krüger
// CRSs northing first.

const (
	confCRS = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"
	// headerContentCrs names the CRS of a response's coordinates.
	headerContentCrs = "Content-Crs"
)

// crsRegistry is every CRS the service offers, CRS84 first.
var crsRegistry = crs.Builtin()

// lookupCRS reads a crs or bbox-crs parameter; an unknown or malformed
// one is a 400 listing the supported URIs.
func lookupCRS(param, value string) (*crs.CRS, error) {
	c, err := crsRegistry.Lookup(value)
	if err != nil {
		var ue *crs.UnsupportedError
		if errors.As(err, &ue) {
			return nil, badRequest("%s: %s CRS %q; the supported CRSs are %s", param, ue.Reason, ue.Ref, strings.Join(crsRegistry.URIs(), ", "))
		}
		return nil, badRequest("%s: %v", param, err)
	}
	return c, nil
}

// isCRS84 reports whether c leaves CRS84 coordinates unchanged.
func isCRS84(c *crs.CRS) bool { return c == nil || c.URI() == crs.CRS84URI }

// parseBBoxIn reads a bbox given in bbox-crs c: four numbers (or six with
// heights, which are ignored) in c's axis order. It returns the CRS84 boxes
// that hold its footprint and, for CRSs whose footprint is not a CRS84
// box, the box in c's own coordinates, against which candidates are
// checked exactly.
func parseBBoxIn(s string, c *crs.CRS) (boxes []orb.Bound, exact *orb.Bound, err error) {
	if isCRS84(c) {
		boxes, err = parseBBox(s)
		return boxes, nil, err
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return nil, nil, badRequest("bbox %q must have 4 numbers (or 6 with heights) in the axis order of bbox-crs %s", s, c.URI())
	}
	v := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, nil, badRequest("bbox %q: %q is not a number", s, p)
		}
		v[i] = f
	}
	lo, hi := orb.Point{v[0], v[1]}, orb.Point{v[2], v[3]}
	if len(v) == 6 {
		lo, hi = orb.Point{v[0], v[1]}, orb.Point{v[3], v[4]}
	}
	box := orb.Bound{Min: lo, Max: hi}
	out, err := c.BoundToCRS84(box)
	if err != nil {
		return nil, nil, badRequest("bbox %q in %s: %s", s, c.URI(), strings.TrimPrefix(err.Error(), "crs: "))
	}
	switch {
	case out.Min[0] > out.Max[0]: // a geographic box across the antimeridian
		boxes = []orb.Bound{
			{Min: out.Min, Max: orb.Point{180, out.Max[1]}},
			{Min: orb.Point{-180, out.Min[1]}, Max: out.Max},
		}
	default:
		boxes = []orb.Bound{out}
	}
	if c.Geographic() && (c.URI() == crs.EPSGPrefix+"4326" || c.URI() == crs.EPSGPrefix+"4490") {
		return boxes, nil, nil // only the axes are swapped: the CRS84 box is exact
	}
	return boxes, &box, nil
}

// footprintEdgeSegments is how many pieces each edge of a bbox-crs box is
// cut into on its way to CRS84: for a 200 km edge the chords then stay
// within millimetres of the transformed edge.
const footprintEdgeSegments = 64

// addFootprintFilter makes q also require that a feature meets the
// footprint of box (given in c) in CRS84: a polygon through the box's
// densified edges, as a CQL2 S_INTERSECTS, so the store evaluates it (in
// memory, or in SQL for a database store) along with any filter= given.
func (ls *layerState) addFootprintFilter(q *data.Query, c *crs.CRS, box orb.Bound) error {
	corners := []orb.Point{box.Min, {box.Max[0], box.Min[1]}, box.Max, {box.Min[0], box.Max[1]}}
	ring := make(orb.Ring, 0, 4*footprintEdgeSegments+1)
	for k := range corners {
		a, b := corners[k], corners[(k+1)%4]
		for i := 0; i < footprintEdgeSegments; i++ {
			t := float64(i) / footprintEdgeSegments
			p, err := c.ToCRS84(orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])})
			if err != nil {
				return badRequest("bbox in %s: %s", c.URI(), strings.TrimPrefix(err.Error(), "crs: "))
			}
			ring = append(ring, p)
		}
	}
	ring = append(ring, ring[0])
	if ring.Orientation() != orb.CCW {
		ring.Reverse()
	}
	footprint := map[string]any{"op": "s_intersects", "args": []any{
		map[string]any{"property": "geometry"},
		geojson.NewGeometry(orb.Polygon{ring}),
	}}
	var doc any = footprint
	if q.Filter != nil {
		doc = map[string]any{"op": "and", "args": []any{json.RawMessage(q.FilterKey), footprint}}
	}
	text, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	expr, err := cql2.Parse(string(text), cql2.JSON, ls.cqlQueryables())
	if err != nil {
		return fmt.Errorf("api: the bbox-crs footprint filter: %w", err)
	}
	canonical, err := expr.MarshalJSON()
	if err != nil {
		return fmt.Errorf("api: the bbox-crs footprint filter: %w", err)
	}
	q.Filter, q.FilterKey = expr, string(canonical)
	return nil
}

// contentCRS sets the Content-Crs header of a GeoJSON answer.
// crs84ContentCrs is the Content-Crs header of CRS84 answers.
const crs84ContentCrs = "<" + crs.CRS84URI + ">"

// contentCRS sets the Content-Crs header of an answer in out (nil:
// CRS84). The CRS84 header, the one most answers carry, is set from bytes
// kept in fasthttp's canonical form, without normalizing it anew.
func contentCRS(c *fiber.Ctx, out *crs.CRS) {
	if isCRS84(out) {
		c.Response().Header.SetCanonical(contentCrsKey, crs84ContentCrsValue)
		return
	}
	c.Set(headerContentCrs, "<"+out.URI()+">")
}

// appendFeatureIn writes feature r of ls with its geometry in out (not
// CRS84), keeping only the given properties when only is set.
func appendFeatureIn(b []byte, ls *layerState, r data.Ref, out *crs.CRS, only map[string]bool) ([]byte, error) {
	f := ls.view.Feature(r)
	g, err := out.GeometryFromCRS84(f.Geometry)
	if err != nil {
		return b, badRequest("crs: feature %q of %s has no coordinates in %s: %s", ls.view.ID(r), ls.meta.ID, out.URI(), strings.TrimPrefix(err.Error(), "crs: "))
	}
	clone := *f
	clone.Geometry = g
	return propertyWriter.AppendFeature(b, ls.view.ID(r), &clone, only), nil
}

// crsParams documents crs and bbox-crs in the OpenAPI document.
func crsParams() (crsParam, bboxCRSParam apiParam) {
	uris := crsRegistry.URIs()
	crsParam = apiParam{Name: "crs", In: "query",
		Description: "CRS of the coordinates in the answer (OGC API – Features Part 2), one of the URIs listed; default CRS84. EPSG:4326 and EPSG:4490 are latitude first, the CGCS2000 Gauss–Krüger CRSs (EPSG:4527–4529, 4548–4550) northing first. The Content-Crs header names the CRS of the answer.",
		Schema:      map[string]any{"type": "string", "format": "uri", "enum": uris, "default": crs.CRS84URI}}
	bboxCRSParam = apiParam{Name: "bbox-crs", In: "query",
		Description: "CRS of bbox, one of the URIs listed, its numbers in that CRS's axis order; default CRS84.",
		Schema:      map[string]any{"type": "string", "format": "uri", "enum": uris, "default": crs.CRS84URI}}
	return crsParam, bboxCRSParam
}
