package wfs

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
)

// MaxTransactionChanges bounds the features one transaction may change.
const MaxTransactionChanges = 10000

// transaction is a parsed Transaction request.
type transaction struct {
	version string
	actions []action
}

// action is one Insert, Update, Replace or Delete.
type action struct {
	kind     string
	handle   string
	typeName string
	srsName  string
	idgen    string
	features []*node
	props    []updateProp
	filter   *node
}

type updateProp struct {
	name  string
	value *node // nil: set to null
}

func parseTransaction(root *node, version string) (*transaction, *Exception) {
	tx := &transaction{version: version}
	for i, c := range root.Children {
		a := action{kind: c.Local, handle: c.attr("handle"), typeName: c.attr("typeName"), srsName: c.attr("srsName"), idgen: c.attr("idgen")}
		if a.handle == "" {
			a.handle = fmt.Sprintf("%s %d", c.Local, i+1)
		}
		switch c.Local {
		case "Insert":
			a.features = c.Children
			if len(a.features) == 0 {
				return tx, invalid(a.handle, "%s has no feature", a.handle)
			}
		case "Replace":
			for _, f := range c.Children {
				if f.Local == "Filter" {
					a.filter = f
				} else {
					a.features = append(a.features, f)
				}
			}
			if len(a.features) != 1 || a.filter == nil {
				return tx, invalid(a.handle, "%s needs one feature and a Filter", a.handle)
			}
			a.typeName = a.features[0].Local
		case "Update":
			for _, p := range c.Children {
				switch p.Local {
				case "Property":
					ref := p.child("ValueReference")
					if ref == nil {
						ref = p.child("Name")
					}
					if ref == nil {
						return tx, invalid(a.handle, "a Property of %s has no Name or ValueReference", a.handle)
					}
					up := updateProp{name: ref.text(), value: p.child("Value")}
					if ref.attr("action") == "remove" {
						up.value = nil
					}
					a.props = append(a.props, up)
				case "Filter":
					a.filter = p
				}
			}
			if a.typeName == "" || len(a.props) == 0 {
				return tx, invalid(a.handle, "%s needs a typeName and at least one Property", a.handle)
			}
		case "Delete":
			a.filter = c.child("Filter")
			if a.typeName == "" || a.filter == nil {
				return tx, invalid(a.handle, "%s needs a typeName and a Filter", a.handle)
			}
		case "Native":
			if c.attr("safeToIgnore") == "true" {
				continue
			}
			return tx, exception(CodeOperationNotSupported, a.handle, "Native transaction actions are not supported")
		case "LockId":
			continue
		default:
			return tx, invalid(a.handle, "<%s> is not a transaction action; use Insert, Update, Replace or Delete", c.Local)
		}
		tx.actions = append(tx.actions, a)
	}
	return tx, nil
}

// txBuilder turns a transaction's actions into one batch of changes,
// each action seeing the ones before it.
type txBuilder struct {
	s       *Service
	snap    *data.Snapshot
	tx      *transaction
	types   map[string]*featureType
	changes []data.Change
	// origin says, for each change, which action and feature made it.
	origin []string
	// pending holds the features this batch changed: nil once deleted.
	pending map[string]*geojson.Feature
	order   []string
	counts  map[string]int
	inserts []insertResult
}

type insertResult struct{ handle, layer string }

func (b *txBuilder) featureType(name, handle string) (*featureType, *Exception) {
	ft, e := b.s.lookupType(b.snap, name, b.types)
	if e != nil {
		e.Locator = handle
	}
	return ft, e
}

func (b *txBuilder) reader(srsName string) (gmlReader, *Exception) {
	r := gmlReader{crs: wgs84URN, resolve: b.s.Resolve}
	if b.tx.version == V100 {
		r.crs = crs{Name: Short4326, EPSG: 4326}
		r.lonLatOnly = true
	}
	if srsName != "" {
		c, err := parseCRS(srsName, b.s.Resolve)
		if err != nil {
			return r, invalid("srsName", "%v", err)
		}
		if r.lonLatOnly {
			c.SwapXY = false
		}
		r.crs = c
	}
	return r, nil
}

func (b *txBuilder) add(ch data.Change, origin string) *Exception {
	if len(b.changes) >= MaxTransactionChanges {
		return invalid(origin, "a transaction may change at most %d features", MaxTransactionChanges)
	}
	b.changes = append(b.changes, ch)
	b.origin = append(b.origin, origin)
	key := ch.Layer + "\x00" + ch.ID
	if _, seen := b.pending[key]; !seen {
		b.order = append(b.order, key)
	}
	if ch.Op == data.OpDelete {
		b.pending[key] = nil
	} else if ch.ID != "" {
		b.pending[key] = ch.Feature
	}
	return nil
}

func (b *txBuilder) build() *Exception {
	for _, a := range b.tx.actions {
		var e *Exception
		switch a.kind {
		case "Insert":
			e = b.insert(a)
		case "Update":
			e = b.update(a)
		case "Replace":
			e = b.replace(a)
		case "Delete":
			e = b.delete(a)
		}
		if e != nil {
			return e
		}
	}
	return nil
}

func (b *txBuilder) insert(a action) *Exception {
	r, e := b.reader(a.srsName)
	if e != nil {
		return e
	}
	for i, fn := range a.features {
		where := fmt.Sprintf("%s, feature %d", a.handle, i+1)
		ft, e := b.featureType(fn.Local, where)
		if e != nil {
			return e
		}
		f, e := b.readFeature(ft, fn, r, where)
		if e != nil {
			return e
		}
		id := data.FeatureID(f)
		if id == "" && a.idgen == "UseExisting" {
			id = ft.featureID(fn.attr("id"))
		}
		ft.completeProperties(f.Properties)
		if e := b.add(data.Change{Op: data.OpCreate, Layer: ft.layer, ID: id, Feature: f}, where); e != nil {
			return e
		}
		b.counts["Insert"]++
		b.inserts = append(b.inserts, insertResult{handle: a.handle, layer: ft.layer})
	}
	return nil
}

// readFeature reads a feature element into a GeoJSON feature.
func (b *txBuilder) readFeature(ft *featureType, fn *node, r gmlReader, where string) (*geojson.Feature, *Exception) {
	f := &geojson.Feature{Type: "Feature", Properties: geojson.Properties{}}
	for _, c := range fn.Children {
		if c.Space == nsGML || c.Space == nsGML32 {
			continue // gml:boundedBy, gml:name, gml:description
		}
		name := c.Local
		if name == geometryProperty || (ft.byName[name] == nil && len(c.Children) > 0) {
			if len(c.Children) != 1 {
				return nil, exception(b.invalidCode(), where, "property %s must hold one GML geometry", name)
			}
			g, err := r.geometry(c.Children[0])
			if err != nil {
				return nil, exception(b.invalidCode(), where, "%s: %v", name, err)
			}
			f.Geometry = g
			continue
		}
		if ft.byName[name] == nil && ft.standard {
			return nil, exception(b.invalidCode(), where, "%s has no property %q", ft.name, name)
		}
		if c.attr("nil") == "true" {
			f.Properties[name] = nil
			continue
		}
		if name == "id" && strings.TrimSpace(c.Text) == "" {
			continue // no id: the store makes one
		}
		v, err := ft.parseValue(name, c.Text)
		if err != nil {
			return nil, exception(b.invalidCode(), where, "%v", err)
		}
		f.Properties[name] = v
	}
	return f, nil
}

func (b *txBuilder) invalidCode() string {
	if b.tx.version == V200 {
		return CodeInvalidValue
	}
	return CodeInvalidParameterValue
}

// target is a feature an Update, Replace or Delete acts on.
type target struct {
	id      string
	feature *geojson.Feature
	// version is the stored version, "" for a feature this batch changed.
	version string
}

// targets returns the features a filter selects, as the batch so far has
// left them.
func (b *txBuilder) targets(ft *featureType, filter *node, where string) ([]target, *Exception) {
	var e expr
	if filter != nil {
		r, _ := b.reader("")
		p := &filterParser{ft: ft, gml: r}
		var err error
		if e, err = p.parse(filter); err != nil {
			var ex *Exception
			if errors.As(err, &ex) {
				ex.Locator = where
				return nil, ex
			}
			return nil, invalid(where, "filter: %v", err)
		}
	}
	sel, err := ft.compile(e, nil)
	if err != nil {
		return nil, invalid(where, "%v", err)
	}
	var out []target
	for _, ref := range sel.refs(ft.view) {
		id := ft.view.ID(ref)
		if _, changed := b.pending[ft.layer+"\x00"+id]; changed {
			continue
		}
		out = append(out, target{id: id, feature: ft.view.Feature(ref), version: ft.view.FeatureVersion(ref)})
	}
	for _, key := range b.order {
		layer, id, _ := strings.Cut(key, "\x00")
		f := b.pending[key]
		if layer != ft.layer || f == nil {
			continue
		}
		if sel.matches(f) {
			out = append(out, target{id: id, feature: f})
		}
	}
	return out, nil
}

// selected resolves what an Update or Replace action works on: its
// feature type, the reader of its geometries and the features its filter
// selects.
func (b *txBuilder) selected(a action) (*featureType, gmlReader, []target, *Exception) {
	ft, e := b.featureType(a.typeName, a.handle)
	if e != nil {
		return nil, gmlReader{}, nil, e
	}
	r, e := b.reader(a.srsName)
	if e != nil {
		return nil, gmlReader{}, nil, e
	}
	targets, e := b.targets(ft, a.filter, a.handle)
	if e != nil {
		return nil, gmlReader{}, nil, e
	}
	return ft, r, targets, nil
}

func (b *txBuilder) update(a action) *Exception {
	ft, r, targets, e := b.selected(a)
	if e != nil {
		return e
	}
	for _, t := range targets {
		f := &geojson.Feature{Type: "Feature", ID: t.feature.ID, Geometry: t.feature.Geometry, Properties: make(geojson.Properties, len(t.feature.Properties))}
		for k, v := range t.feature.Properties {
			f.Properties[k] = v
		}
		for _, p := range a.props {
			name, err := ft.propertyName(p.name)
			if err != nil {
				return exception(b.invalidCode(), a.handle, "%v", err)
			}
			if name == geometryProperty {
				if p.value == nil || len(p.value.Children) != 1 {
					return exception(b.invalidCode(), a.handle, "the geometry must be set to one GML geometry")
				}
				g, err := r.geometry(p.value.Children[0])
				if err != nil {
					return exception(b.invalidCode(), a.handle, "geometry: %v", err)
				}
				f.Geometry = g
				continue
			}
			if name == "id" {
				return exception(b.invalidCode(), a.handle, "a feature's id cannot be changed; delete it and insert another")
			}
			if p.value == nil {
				f.Properties[name] = nil
				continue
			}
			v, err := ft.parseValue(name, p.value.Text)
			if err != nil {
				return exception(b.invalidCode(), a.handle, "%v", err)
			}
			f.Properties[name] = v
		}
		where := fmt.Sprintf("%s, feature %s", a.handle, ft.gmlID(t.id))
		if e := b.add(data.Change{Op: data.OpReplace, Layer: ft.layer, ID: t.id, Feature: f, IfMatch: t.version}, where); e != nil {
			return e
		}
		b.counts["Update"]++
	}
	return nil
}

func (b *txBuilder) replace(a action) *Exception {
	ft, r, targets, e := b.selected(a)
	if e != nil {
		return e
	}
	for _, t := range targets {
		where := fmt.Sprintf("%s, feature %s", a.handle, ft.gmlID(t.id))
		f, e := b.readFeature(ft, a.features[0], r, where)
		if e != nil {
			return e
		}
		if id := data.FeatureID(f); id != "" && id != t.id {
			return exception(b.invalidCode(), where, "the replacement's id %q differs from the feature's %q", id, t.id)
		}
		ft.completeProperties(f.Properties)
		if e := b.add(data.Change{Op: data.OpReplace, Layer: ft.layer, ID: t.id, Feature: f, IfMatch: t.version}, where); e != nil {
			return e
		}
		b.counts["Replace"]++
	}
	return nil
}

func (b *txBuilder) delete(a action) *Exception {
	ft, e := b.featureType(a.typeName, a.handle)
	if e != nil {
		return e
	}
	targets, e := b.targets(ft, a.filter, a.handle)
	if e != nil {
		return e
	}
	for _, t := range targets {
		where := fmt.Sprintf("%s, feature %s", a.handle, ft.gmlID(t.id))
		if e := b.add(data.Change{Op: data.OpDelete, Layer: ft.layer, ID: t.id, IfMatch: t.version}, where); e != nil {
			return e
		}
		b.counts["Delete"]++
	}
	return nil
}

// transaction runs a Transaction: every change in one store batch, all
// or nothing.
func (s *Service) transaction(op *operation, env *Env) *Response {
	if env.Apply == nil {
		return exceptionResponse(&Exception{Status: http.StatusMethodNotAllowed, Code: CodeOperationNotSupported, Locator: "Transaction",
			Text: "this service is read-only: the data is the built-in dataset or a read-only folder"}, op.version)
	}
	if env.Authorize != nil {
		if err := env.Authorize(); err != nil {
			return exceptionResponse(asException(err), op.version)
		}
	}
	b := &txBuilder{s: s, snap: env.Snapshot, tx: op.tx, types: map[string]*featureType{}, pending: map[string]*geojson.Feature{}, counts: map[string]int{}}
	if e := b.build(); e != nil {
		return exceptionResponse(e, op.version)
	}
	var applied []data.Applied
	if len(b.changes) > 0 {
		var err error
		applied, err = env.Apply(b.changes)
		if err != nil {
			return exceptionResponse(b.applyError(err), op.version)
		}
	}
	var ids []string
	for i, ch := range b.changes {
		if ch.Op == data.OpCreate {
			ids = append(ids, applied[i].Layer+"."+applied[i].ID)
		}
	}
	return s.transactionResponse(op.version, b, ids)
}

func asException(err error) *Exception {
	var ex *Exception
	if errors.As(err, &ex) {
		return ex
	}
	return &Exception{Status: http.StatusServiceUnavailable, Code: CodeOperationProcessingFail, Text: err.Error()}
}

// applyError says which feature of the batch the store refused, and why.
func (b *txBuilder) applyError(err error) *Exception {
	var ex *Exception
	if errors.As(err, &ex) {
		return ex
	}
	var ce *data.ChangeError
	where, text := "", strings.TrimPrefix(err.Error(), "data: ")
	if errors.As(err, &ce) {
		if ce.Index >= 0 && ce.Index < len(b.origin) {
			where = b.origin[ce.Index]
		}
		text = strings.TrimPrefix(ce.Err.Error(), "data: ")
		if len(ce.Problems) > 0 {
			var reasons []string
			for _, p := range ce.Problems {
				reasons = append(reasons, p.Reason)
			}
			text = "the feature breaks the layer's rules: " + strings.Join(reasons, "; ")
		}
		text = fmt.Sprintf("%s: %s; nothing was changed", where, text)
	}
	switch {
	case errors.Is(err, data.ErrInvalid), errors.Is(err, data.ErrExists):
		return &Exception{Code: b.invalidCode(), Locator: where, Text: text}
	case errors.Is(err, data.ErrNotFound):
		return &Exception{Code: CodeInvalidParameterValue, Locator: where, Text: text}
	case errors.Is(err, data.ErrPrecondition):
		return &Exception{Status: http.StatusConflict, Code: CodeOperationProcessingFail, Locator: where, Text: text + " (the feature changed meanwhile; read it again)"}
	case errors.Is(err, data.ErrReadOnly):
		return &Exception{Status: http.StatusMethodNotAllowed, Code: CodeOperationNotSupported, Locator: "Transaction", Text: text}
	}
	return &Exception{Status: http.StatusServiceUnavailable, Code: CodeOperationProcessingFail, Locator: where, Text: text}
}

// transactionResponse writes the answer of the version the transaction
// was sent in.
func (s *Service) transactionResponse(version string, b *txBuilder, ids []string) *Response {
	var w bytes.Buffer
	w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	switch version {
	case V100:
		w.WriteString(`<wfs:WFS_TransactionResponse xmlns:wfs="http://www.opengis.net/wfs" xmlns:ogc="http://www.opengis.net/ogc" version="1.0.0">`)
		if len(ids) > 0 {
			w.WriteString(`<wfs:InsertResult>`)
			for _, id := range ids {
				w.WriteString(`<ogc:FeatureId fid="`)
				xmlEscape(&w, id)
				w.WriteString(`"/>`)
			}
			w.WriteString(`</wfs:InsertResult>`)
		}
		w.WriteString(`<wfs:TransactionResult><wfs:Status><wfs:SUCCESS/></wfs:Status></wfs:TransactionResult></wfs:WFS_TransactionResponse>`)
	case V110:
		w.WriteString(`<wfs:TransactionResponse xmlns:wfs="http://www.opengis.net/wfs" xmlns:ogc="http://www.opengis.net/ogc" version="1.1.0"><wfs:TransactionSummary>`)
		fmt.Fprintf(&w, `<wfs:totalInserted>%d</wfs:totalInserted><wfs:totalUpdated>%d</wfs:totalUpdated><wfs:totalDeleted>%d</wfs:totalDeleted>`,
			b.counts["Insert"], b.counts["Update"]+b.counts["Replace"], b.counts["Delete"])
		w.WriteString(`</wfs:TransactionSummary>`)
		b.insertResults(&w, ids, `ogc:FeatureId`, `fid`)
		w.WriteString(`</wfs:TransactionResponse>`)
	default:
		w.WriteString(`<wfs:TransactionResponse xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:fes="http://www.opengis.net/fes/2.0" version="2.0.0"><wfs:TransactionSummary>`)
		fmt.Fprintf(&w, `<wfs:totalInserted>%d</wfs:totalInserted><wfs:totalUpdated>%d</wfs:totalUpdated><wfs:totalReplaced>%d</wfs:totalReplaced><wfs:totalDeleted>%d</wfs:totalDeleted>`,
			b.counts["Insert"], b.counts["Update"], b.counts["Replace"], b.counts["Delete"])
		w.WriteString(`</wfs:TransactionSummary>`)
		b.insertResults(&w, ids, `fes:ResourceId`, `rid`)
		w.WriteString(`</wfs:TransactionResponse>`)
	}
	return &Response{Status: http.StatusOK, ContentType: "application/xml; charset=utf-8", Body: w.Bytes(), Header: map[string]string{"Cache-Control": "no-store"}}
}

// insertResults writes the ids given to the inserted features, each under
// its action's handle, as idElement (ogc:FeatureId in 1.1, fes:ResourceId
// in 2.0) with the id in idAttribute.
func (b *txBuilder) insertResults(w *bytes.Buffer, ids []string, idElement, idAttribute string) {
	if len(ids) == 0 {
		return
	}
	w.WriteString(`<wfs:InsertResults>`)
	for i, id := range ids {
		w.WriteString(`<wfs:Feature handle="`)
		xmlEscape(w, b.inserts[i].handle)
		w.WriteString(`"><` + idElement + ` ` + idAttribute + `="`)
		xmlEscape(w, id)
		w.WriteString(`"/></wfs:Feature>`)
	}
	w.WriteString(`</wfs:InsertResults>`)
}
