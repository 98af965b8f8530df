package api

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"

	"github.com/planmap/planmap/api/wfs"
	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo/crs"
)

// WFS: /wfs answers OGC Web Feature Service 2.0.0 and 1.1.0 (KVP GET and
// XML POST) over the same store as OGC API – Features, with transactions
// through the same token, rules, history and durability as Part 4 writes
// (api/wfs does the protocol; this file only moves bytes).
func (s *Server) routesWFS() {
	svc := wfs.NewService()
	svc.Limits.MaxBytes = s.opts.MaxWriteBytes
	svc.Resolve = resolveEPSG
	for _, c := range crs.Builtin().All() {
		if code, ok := strings.CutPrefix(c.Code(), "EPSG:"); ok && code != "4326" {
			svc.OtherCRS = append(svc.OtherCRS, "urn:ogc:def:crs:EPSG::"+code)
		}
	}
	handler := func(c *fiber.Ctx) error { return s.handleWFS(c, svc) }
	s.app.Get("/wfs", handler)
	s.app.Post("/wfs", handler)
	s.extraPaths = append(s.extraPaths, wfsPaths)
}

// resolveEPSG gives WFS the CRSs of geo/crs: srsName=urn:ogc:def:crs:EPSG::4549
// and the like, in GML output, BBOX and transactions.
func resolveEPSG(code int) (wfs.Projection, bool, bool) {
	c, err := crs.Builtin().Lookup(fmt.Sprintf("EPSG:%d", code))
	if err != nil {
		return nil, false, false
	}
	return wfsProjection{c}, c.NorthingFirst(), true
}

// wfsProjection adapts a geo/crs CRS to wfs.Projection, which wants
// easting first: api/wfs applies each srsName form's axis order itself.
type wfsProjection struct{ c *crs.CRS }

func (p wfsProjection) Forward(lonLat orb.Point) (orb.Point, error) {
	q, err := p.c.FromCRS84(lonLat)
	if err == nil && p.c.NorthingFirst() {
		q[0], q[1] = q[1], q[0]
	}
	return q, err
}

func (p wfsProjection) Inverse(xy orb.Point) (orb.Point, error) {
	if p.c.NorthingFirst() {
		xy[0], xy[1] = xy[1], xy[0]
	}
	return p.c.ToCRS84(xy)
}

func wfsPaths() []apiPath {
	return []apiPath{{
		Path: "/wfs",
		Summary: "OGC Web Feature Service 2.0.0 and 1.1.0 (KVP GET, XML POST): GetCapabilities, DescribeFeatureType, GetFeature (GML 3.2 / 3.1.1 or GeoJSON, " +
			"Filter Encoding 2.0, count/startIndex, resultType=hits), GetPropertyValue and, with an editor's token (HTTP Basic password or Bearer), Transaction.",
		Params: []apiParam{
			stringParam("service", "WFS"),
			stringParam("version", "2.0.0 or 1.1.0"),
			stringParam("request", "GetCapabilities, DescribeFeatureType, GetFeature, GetPropertyValue, ListStoredQueries or DescribeStoredQueries"),
			stringParam("typeNames", "Feature types, e.g. planmap:ports (typeName in 1.1.0)"),
			stringParam("srsName", "urn:ogc:def:crs:EPSG::4326 (latitude first, the default), EPSG:4326 or CRS84 (longitude first)"),
		},
		Responses: map[string]string{"application/xml": "capabilities, XML Schema, a GML feature collection or an ows:ExceptionReport", mediaGeoJSON: "features with outputFormat=application/json"},
	}}
}

func (s *Server) handleWFS(c *fiber.Ctx, svc *wfs.Service) error {
	req := &wfs.Request{}
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		req.Args = append(req.Args, wfs.KV{Key: string(k), Value: string(v)})
	})
	if c.Method() == fiber.MethodPost {
		if ct := string(c.Request().Header.ContentType()); len(ct) >= 33 && ct[:33] == "application/x-www-form-urlencoded" {
			c.Request().PostArgs().VisitAll(func(k, v []byte) {
				req.Args = append(req.Args, wfs.KV{Key: string(k), Value: string(v)})
			})
		} else {
			req.Body = append([]byte(nil), c.Body()...)
		}
	}
	snap := s.state.Load()
	env := &wfs.Env{Snapshot: snap.data, URL: s.baseURL(c) + "/wfs"}
	if s.store.Writable() == nil {
		var actor string
		env.Authorize = func() error {
			name, err := s.authorize(c)
			if err != nil {
				var apiErr *Error
				if errors.As(err, &apiErr) {
					return &wfs.Exception{Status: apiErr.Status, Code: wfs.CodeNoApplicableCode, Locator: "Transaction", Text: apiErr.Description}
				}
				return err
			}
			actor = name
			return nil
		}
		env.Apply = func(changes []data.Change) ([]data.Applied, error) {
			applied, err := s.store.Apply(c.UserContext(), actor, changes)
			if err != nil {
				return nil, err
			}
			if err := s.refresh(); err != nil {
				return nil, err
			}
			return applied, nil
		}
	}
	resp := svc.Serve(req, env)
	for k, v := range resp.Header {
		c.Set(k, v)
	}
	if c.GetRespHeader(fiber.HeaderCacheControl) == "" {
		c.Set(fiber.HeaderCacheControl, "no-cache")
	}
	c.Set(fiber.HeaderContentType, resp.ContentType)
	return c.Status(resp.Status).Send(resp.Body)
}
