package api

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
)

// Editing: OGC API – Features Part 4 (Create, Replace, Update, Delete),
// history and the change feed.
//
//	POST   /collections/{id}/items               create (201, Location, ETag)
//	PUT    /collections/{id}/items/{featureId}   replace
//	PATCH  /collections/{id}/items/{featureId}   update (application/merge-patch+json, RFC 7396)
//	DELETE /collections/{id}/items/{featureId}   delete (204)
//	GET    /collections/{id}/items/{featureId}/history
//	GET    /changes?since=SEQ&limit=N
//
// Every write needs an editor's token (api/auth.go), is checked by the
// rules of planmap check, and is acknowledged once the store has made it
// durable; it is visible to every read that starts after the answer.

// Part 4 conformance classes, declared only when the store takes writes.
var editConformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
}

const (
	mediaMergePatch = "application/merge-patch+json"
	maxChangesLimit = 1000
)

func (s *Server) routesEdit() {
	s.app.Post("/collections/:collectionId/items", s.handleCreate)
	s.app.Put("/collections/:collectionId/items/:featureId", s.handleReplace)
	s.app.Patch("/collections/:collectionId/items/:featureId", s.handlePatch)
	s.app.Delete("/collections/:collectionId/items/:featureId", s.handleDelete)
	s.app.Options("/collections/:collectionId/items", s.handleOptions(false))
	s.app.Options("/collections/:collectionId/items/:featureId", s.handleOptions(true))
	s.app.Get("/collections/:collectionId/items/:featureId/history", s.handleHistory)
	s.app.Get("/changes", s.handleChanges)
	s.extraPaths = append(s.extraPaths, editPaths)
}

// allowed lists the methods that work on items (or on one feature).
func (s *Server) allowed(feature bool) string {
	methods := []string{"GET", "HEAD", "OPTIONS"}
	if s.store.Writable() == nil {
		if feature {
			methods = append(methods, "PUT", "PATCH", "DELETE")
		} else {
			methods = append(methods, "POST")
		}
	}
	return strings.Join(methods, ", ")
}

func (s *Server) handleOptions(feature bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		snap := s.state.Load()
		ls, err := snap.layer(c.Params("collectionId"))
		if err != nil {
			return err
		}
		if feature {
			if _, ok := ls.view.Lookup(c.Params("featureId")); !ok {
				return notFound("collection %s has no feature %q", ls.meta.ID, c.Params("featureId"))
			}
		}
		c.Set(fiber.HeaderAllow, s.allowed(feature))
		return c.SendStatus(fiber.StatusNoContent)
	}
}

// writable answers 405 with Allow when the store is read-only.
func (s *Server) writable(c *fiber.Ctx, feature bool) error {
	if err := s.store.Writable(); err != nil {
		c.Set(fiber.HeaderAllow, s.allowed(feature))
		return &Error{Status: fiber.StatusMethodNotAllowed, Code: "MethodNotAllowed", Description: strings.TrimPrefix(err.Error(), "data: ")}
	}
	return nil
}

// readFeatureBody decodes a GeoJSON Feature body.
func (s *Server) readFeatureBody(c *fiber.Ctx) (*geojson.Feature, error) {
	if err := requireMedia(c, "application/geo+json", "application/json"); err != nil {
		return nil, err
	}
	body := c.Body()
	if len(body) > s.opts.MaxWriteBytes {
		return nil, &Error{Status: fiber.StatusRequestEntityTooLarge, Code: "RequestTooLarge", Description: fmt.Sprintf("the body is %d bytes, at most %d", len(body), s.opts.MaxWriteBytes)}
	}
	f, err := geojson.UnmarshalFeature(body)
	if err != nil {
		return nil, badRequest("the body is not a GeoJSON Feature: %v", err)
	}
	if f.Type != "Feature" {
		return nil, badRequest("the body's type is %q, want \"Feature\"", f.Type)
	}
	return f, nil
}

func requireMedia(c *fiber.Ctx, accepted ...string) error {
	ct := c.Get(fiber.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		for _, a := range accepted {
			if strings.EqualFold(mt, a) {
				return nil
			}
		}
	}
	return &Error{Status: fiber.StatusUnsupportedMediaType, Code: "UnsupportedMediaType", Description: fmt.Sprintf("Content-Type %q; send %s", ct, strings.Join(accepted, " or "))}
}

// ifMatch reads If-Match as a version ("" when absent).
func ifMatch(c *fiber.Ctx) string {
	v := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if v == "" || v == "*" {
		return v
	}
	first, _, _ := strings.Cut(v, ",")
	first = strings.TrimPrefix(strings.TrimSpace(first), "W/")
	return strings.Trim(first, `"`)
}

// apply sends changes to the store and makes the result visible before
// it answers.
func (s *Server) apply(c *fiber.Ctx, feature bool, changes ...data.Change) ([]data.Applied, error) {
	if err := s.writable(c, feature); err != nil {
		return nil, err
	}
	actor, err := s.authorize(c)
	if err != nil {
		return nil, err
	}
	applied, err := s.store.Apply(c.UserContext(), actor, changes)
	if err != nil {
		return nil, s.changeError(c, err)
	}
	if err := s.refresh(); err != nil {
		return nil, err
	}
	return applied, nil
}

// changeError maps a store error to its HTTP answer.
func (s *Server) changeError(c *fiber.Ctx, err error) error {
	desc := err.Error()
	var ce *data.ChangeError
	var problems []string
	if errors.As(err, &ce) {
		desc = strings.TrimPrefix(ce.Err.Error(), "data: ")
		for _, p := range ce.Problems {
			problems = append(problems, p.Reason)
		}
		if len(problems) > 0 {
			desc = "the feature breaks the layer's rules: " + strings.Join(problems, "; ")
		}
	}
	switch {
	case errors.Is(err, data.ErrNotFound):
		return &Error{Status: fiber.StatusNotFound, Code: "NotFound", Description: desc}
	case errors.Is(err, data.ErrExists):
		return &Error{Status: fiber.StatusConflict, Code: "Conflict", Description: desc}
	case errors.Is(err, data.ErrPrecondition):
		return &Error{Status: fiber.StatusPreconditionFailed, Code: "PreconditionFailed", Description: desc}
	case errors.Is(err, data.ErrInvalid):
		return &Error{Status: fiber.StatusBadRequest, Code: "InvalidFeature", Description: desc, Problems: problems}
	case errors.Is(err, data.ErrReadOnly):
		return &Error{Status: fiber.StatusMethodNotAllowed, Code: "MethodNotAllowed", Description: desc}
	case errors.Is(err, data.ErrUnavailable):
		c.Set(fiber.HeaderRetryAfter, "5")
		return &Error{Status: fiber.StatusServiceUnavailable, Code: "ServiceUnavailable", Description: desc}
	}
	return err
}

// sendFeature answers with the stored feature, its ETag and Location.
func (s *Server) sendFeature(c *fiber.Ctx, status int, layer string, a data.Applied) error {
	self := s.baseURL(c) + "/collections/" + layer + "/items/" + pathEscape(a.ID)
	c.Set(fiber.HeaderLocation, self)
	c.Set(fiber.HeaderETag, `"`+a.Version+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, mediaGeoJSON)
	return c.Status(status).Send(data.EncodeFeature(a.ID, a.Feature))
}

func (s *Server) handleCreate(c *fiber.Ctx) error {
	layer := strings.Clone(c.Params("collectionId"))
	if _, err := s.state.Load().layer(layer); err != nil {
		return err
	}
	if err := s.writable(c, false); err != nil {
		return err
	}
	if _, err := s.authorize(c); err != nil {
		return err
	}
	f, err := s.readFeatureBody(c)
	if err != nil {
		return err
	}
	id := data.FeatureID(f)
	applied, err := s.apply(c, false, data.Change{Op: data.OpCreate, Layer: layer, ID: id, Feature: f})
	if err != nil {
		return err
	}
	return s.sendFeature(c, fiber.StatusCreated, layer, applied[0])
}

func (s *Server) handleReplace(c *fiber.Ctx) error {
	layer, id := params(c)
	if err := s.checkTarget(c, layer, id); err != nil {
		return err
	}
	f, err := s.readFeatureBody(c)
	if err != nil {
		return err
	}
	applied, err := s.apply(c, true, data.Change{Op: data.OpReplace, Layer: layer, ID: id, Feature: f, IfMatch: ifMatch(c)})
	if err != nil {
		return err
	}
	return s.sendFeature(c, fiber.StatusOK, layer, applied[0])
}

func (s *Server) handlePatch(c *fiber.Ctx) error {
	layer, id := params(c)
	if err := s.checkTarget(c, layer, id); err != nil {
		return err
	}
	if err := requireMedia(c, mediaMergePatch, "application/json"); err != nil {
		return err
	}
	body := c.Body()
	if len(body) > s.opts.MaxWriteBytes {
		return &Error{Status: fiber.StatusRequestEntityTooLarge, Code: "RequestTooLarge", Description: fmt.Sprintf("the body is %d bytes, at most %d", len(body), s.opts.MaxWriteBytes)}
	}
	applied, err := s.apply(c, true, data.Change{Op: data.OpPatch, Layer: layer, ID: id, Patch: append([]byte(nil), body...), IfMatch: ifMatch(c)})
	if err != nil {
		return err
	}
	return s.sendFeature(c, fiber.StatusOK, layer, applied[0])
}

func (s *Server) handleDelete(c *fiber.Ctx) error {
	layer, id := params(c)
	if err := s.checkTarget(c, layer, id); err != nil {
		return err
	}
	if _, err := s.apply(c, true, data.Change{Op: data.OpDelete, Layer: layer, ID: id, IfMatch: ifMatch(c)}); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendStatus(fiber.StatusNoContent)
}

// params returns the collection and feature ids of the path, copied:
// fiber reuses the bytes of c.Params after the handler returns, and these
// are kept in the store and its history.
func params(c *fiber.Ctx) (layer, id string) {
	return strings.Clone(c.Params("collectionId")), strings.Clone(c.Params("featureId"))
}

// checkTarget answers 404 for an unknown collection, then 405/401/403
// before the body is read.
func (s *Server) checkTarget(c *fiber.Ctx, layer, id string) error {
	if _, err := s.state.Load().layer(layer); err != nil {
		return err
	}
	if err := s.writable(c, true); err != nil {
		return err
	}
	_, err := s.authorize(c)
	return err
}

type historyEntry struct {
	data.Revision
	Links []link `json:"links,omitempty"`
}

func (s *Server) handleHistory(c *fiber.Ctx) error {
	snap := s.state.Load()
	ls, err := snap.layer(c.Params("collectionId"))
	if err != nil {
		return err
	}
	if _, err := queryParams(c, []string{"f"}); err != nil {
		return err
	}
	id := c.Params("featureId")
	revs, err := s.store.History(c.UserContext(), ls.meta.ID, id)
	if err != nil {
		return s.changeError(c, err)
	}
	if _, exists := ls.view.Lookup(id); !exists && len(revs) == 0 {
		return notFound("collection %s has no feature %q and never had", ls.meta.ID, id)
	}
	self := s.baseURL(c) + "/collections/" + ls.meta.ID + "/items/" + pathEscape(id)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.JSON(fiber.Map{
		"id": id, "collection": ls.meta.ID, "revisions": nonNil(revs),
		"links": []link{
			{Href: self + "/history", Rel: "self", Type: mediaJSON, Title: "this feature's history"},
			{Href: self, Rel: "item", Type: mediaGeoJSON, Title: "the feature"},
		},
	})
}

func nonNil(revs []data.Revision) []data.Revision {
	if revs == nil {
		return []data.Revision{}
	}
	return revs
}

func (s *Server) handleChanges(c *fiber.Ctx) error {
	params, err := queryParams(c, []string{"since", "limit", "f"})
	if err != nil {
		return err
	}
	since, limit := int64(0), 100
	if v := paramValue(params, "since"); v != "" {
		if since, err = strconv.ParseInt(v, 10, 64); err != nil || since < 0 || !isDigits(v) {
			return badRequest("since must be a change number (0 or more), got %q", v)
		}
	}
	if v := paramValue(params, "limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxChangesLimit || !isDigits(v) {
			return badRequest("limit must be a whole number from 1 to %d, got %q", maxChangesLimit, v)
		}
		limit = n
	}
	revs, err := s.store.Changes(c.UserContext(), since, limit)
	if err != nil {
		return s.changeError(c, err)
	}
	base := s.baseURL(c)
	snap := s.state.Load()
	links := []link{{Href: fmt.Sprintf("%s/changes?since=%d&limit=%d", base, since, limit), Rel: "self", Type: mediaJSON, Title: "these changes"}}
	next := since
	if len(revs) > 0 {
		next = revs[len(revs)-1].Seq
	}
	if len(revs) == limit {
		links = append(links, link{Href: fmt.Sprintf("%s/changes?since=%d&limit=%d", base, next, limit), Rel: "next", Type: mediaJSON, Title: "later changes"})
	}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.JSON(fiber.Map{"since": since, "latest": snap.data.Seq, "next": next, "changes": nonNil(revs), "links": links})
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func editPaths() []apiPath {
	feature := []apiParam{paramCollection, paramFeature}
	return []apiPath{
		{Path: "/collections/{collectionId}/items/{featureId}/history", Summary: "Every change of one feature, oldest first: sequence number, time, token name, operation, the feature before and after.", Params: feature, Responses: map[string]string{mediaJSON: "{id, collection, revisions: [...]}"}},
		{Path: "/changes", Summary: "The dataset's changes in order after a sequence number, so a client can keep a copy in step.", Params: []apiParam{
			{Name: "since", In: "query", Description: "Only changes with a higher sequence number.", Schema: map[string]any{"type": "integer", "minimum": 0, "default": 0}},
			{Name: "limit", In: "query", Description: "Most changes returned.", Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": maxChangesLimit, "default": 100}},
		}, Responses: map[string]string{mediaJSON: "{since, latest, next, changes: [...], links}"}},
	}
}

// conformance lists the classes this server passes: Part 4's only when
// the store takes writes.
func (s *Server) conformance() []string {
	classes := append(append([]string(nil), conformanceClasses...), filterConformance()...)
	classes = append(classes, tilesConformance...)
	if s.store.Writable() == nil {
		classes = append(classes, editConformance...)
	}
	return classes
}

// addWriteOperations documents the write methods on the items and feature
// paths when the store takes writes.
func (s *Server) addWriteOperations(paths map[string]any, snap *snapshot) {
	if s.store.Writable() != nil {
		return
	}
	exception := func(description string) map[string]any {
		return map[string]any{"description": description, "content": map[string]any{mediaJSON: map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/exception"}}}}
	}
	security := []any{map[string]any{"bearer": []any{}}, map[string]any{"basic": []any{}}}
	featureBody := map[string]any{"required": true, "content": map[string]any{
		mediaGeoJSON: map[string]any{"schema": map[string]any{"$ref": "https://geojson.org/schema/Feature.json"}},
		mediaJSON:    map[string]any{"schema": map[string]any{"$ref": "https://geojson.org/schema/Feature.json"}},
	}}
	ifMatchParam := map[string]any{"name": "If-Match", "in": "header", "required": false, "schema": map[string]any{"type": "string"},
		"description": "The feature's ETag: the change is made only if the feature still has it (else 412)."}
	common := map[string]any{
		"400": exception("The feature breaks the layer's rules (every problem listed); nothing is stored."),
		"401": exception("No token, or an unknown one."),
		"403": exception("A viewer's token."),
		"404": exception("No such collection or feature."),
		"413": exception("The body is over the size limit."),
		"415": exception("Unsupported Content-Type."),
		"503": exception("The store cannot take writes now; retry after Retry-After seconds."),
	}
	with := func(extra map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range common {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	featureResponse := map[string]any{"description": "The stored feature; ETag is its new version.", "content": map[string]any{mediaGeoJSON: map[string]any{"schema": map[string]any{"type": "object"}}}}
	params := func(feature bool) []any {
		p := []any{paramCollection.doc()}
		if feature {
			p = append(p, paramFeature.doc(), ifMatchParam)
		}
		return p
	}
	addOps := func(path string, ops map[string]any) {
		entry, _ := paths[path].(map[string]any)
		if entry == nil {
			entry = map[string]any{}
			paths[path] = entry
		}
		for k, v := range ops {
			entry[k] = v
		}
	}
	itemPaths := []string{"/collections/{collectionId}/items"}
	for _, ls := range snap.layers {
		itemPaths = append(itemPaths, "/collections/"+ls.meta.ID+"/items")
	}
	for _, p := range itemPaths {
		addOps(p, map[string]any{"post": map[string]any{
			"summary": "Create a feature (Part 4). Without an id the server assigns one.", "security": security,
			"parameters": []any{}, "requestBody": featureBody,
			"responses": with(map[string]any{"201": map[string]any{"description": "Created; Location names the new feature, ETag its version.", "content": featureResponse["content"]}, "409": exception("The id is already used.")}),
		}})
	}
	addOps("/collections/{collectionId}/items/{featureId}", map[string]any{
		"put": map[string]any{"summary": "Replace a feature (Part 4).", "security": security, "parameters": params(true), "requestBody": featureBody,
			"responses": with(map[string]any{"200": featureResponse, "412": exception("If-Match names another version: nothing changed.")})},
		"patch": map[string]any{"summary": "Update a feature with an RFC 7396 JSON merge patch of its properties and geometry (Part 4).", "security": security, "parameters": params(true),
			"requestBody": map[string]any{"required": true, "content": map[string]any{mediaMergePatch: map[string]any{"schema": map[string]any{"type": "object"}}}},
			"responses":   with(map[string]any{"200": featureResponse, "412": exception("If-Match names another version: nothing changed.")})},
		"delete": map[string]any{"summary": "Delete a feature (Part 4).", "security": security, "parameters": params(true),
			"responses": with(map[string]any{"204": map[string]any{"description": "Deleted."}, "412": exception("If-Match names another version: nothing changed.")})},
	})
}

// revalidateWhenEditable makes caches ask again (with the ETag) before
// reusing a data response while the data can change: an edit must show for
// everyone on their next request, not after max-age.
func (s *Server) revalidateWhenEditable(c *fiber.Ctx) error {
	err := c.Next()
	if bytes.HasPrefix(c.Response().Header.Peek(fiber.HeaderCacheControl), []byte("public, max-age=")) && s.store.Writable() == nil {
		c.Set(fiber.HeaderCacheControl, "public, no-cache")
	}
	return err
}
