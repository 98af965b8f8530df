package wfs

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/planmap/planmap/data"
)

// result is what one query found in one layer.
type result struct {
	ft   *featureType
	refs []data.Ref
	crs  crs
	// only, when set, lists the properties to write.
	only map[string]bool
}

func (s *Service) queryCRS(name string) (crs, *Exception) {
	if name == "" {
		return wgs84URN, nil
	}
	c, err := parseCRS(name, s.Resolve)
	if err != nil {
		return crs{}, invalid("srsName", "%v", err)
	}
	return c, nil
}

// run evaluates one query.
func (s *Service) run(q query, snap *data.Snapshot, cache map[string]*featureType) ([]result, *Exception) {
	c, e := s.queryCRS(q.srsName)
	if e != nil {
		return nil, e
	}
	if len(q.typeNames) == 0 {
		// resourceId without typeNames: the ids name their layers.
		var out []result
		for _, rid := range q.ids {
			for _, v := range snap.Layers() {
				ft, e := s.lookupType(snap, xmlName(v.Meta.ID), cache)
				if e != nil {
					return nil, e
				}
				if r, ok := v.Lookup(ft.featureID(rid)); ok {
					out = append(out, result{ft: ft, refs: []data.Ref{r}, crs: c})
					break
				}
			}
		}
		return out, nil
	}
	if len(q.typeNames) > 1 {
		return nil, exception(CodeOperationNotSupported, "typeNames", "joins of several feature types are not supported; ask one type name per query")
	}
	ft, e := s.lookupType(snap, q.typeNames[0], cache)
	if e != nil {
		return nil, e
	}
	var ex expr
	switch {
	case q.filter != nil:
		p := &filterParser{ft: ft, gml: gmlReader{crs: c, resolve: s.Resolve}}
		var err error
		if ex, err = p.parse(q.filter); err != nil {
			var fe *Exception
			if errors.As(err, &fe) {
				return nil, fe
			}
			return nil, invalid("filter", "%v", err)
		}
	case q.ids != nil:
		var ids []string
		for _, rid := range q.ids {
			ids = append(ids, ft.featureID(rid))
		}
		ex = &idExpr{ids: ids}
	}
	var bboxes []orb.Bound
	if q.bbox != nil {
		bc := c
		if q.bbox.crs != "" {
			var err error
			if bc, err = parseCRS(q.bbox.crs, s.Resolve); err != nil {
				return nil, invalid("bbox", "%v", err)
			}
		}
		lo, err1 := bc.fromCRS(orb.Point{q.bbox.coords[0], q.bbox.coords[1]})
		hi, err2 := bc.fromCRS(orb.Point{q.bbox.coords[2], q.bbox.coords[3]})
		if err1 != nil || err2 != nil {
			return nil, invalid("bbox", "bbox cannot be converted from %s", bc.Name)
		}
		bboxes = []orb.Bound{orb.Bound{Min: lo, Max: lo}.Extend(hi)}
	}
	sel, err := ft.compile(ex, bboxes)
	if err != nil {
		return nil, invalid("filter", "%v", err)
	}
	for _, k := range q.sortBy {
		name, err := ft.propertyName(k.Property)
		if err != nil || name == geometryProperty {
			return nil, invalid("sortBy", "cannot sort by %q: %v", k.Property, err)
		}
		sel.query.SortBy = append(sel.query.SortBy, data.SortKey{Property: name, Descending: k.Descending})
	}
	r := result{ft: ft, crs: c}
	for _, pn := range q.propertyNames {
		if pn == "*" {
			r.only = nil // every property, as OWSLib asks with propertyName=*
			break
		}
		name, err := ft.propertyName(pn)
		if err != nil {
			return nil, invalid("propertyName", "%v", err)
		}
		if r.only == nil {
			r.only = map[string]bool{}
		}
		r.only[name] = true
	}
	r.refs = sel.refs(ft.view)
	return []result{r}, nil
}

func (s *Service) getFeature(op *operation, env *Env) (*Response, *Exception) {
	if op.name == opGetPropertyValue && op.version != V200 {
		return nil, exception(CodeOperationNotSupported, "request", "GetPropertyValue is a WFS 2.0 operation")
	}
	kind, e := outputKind(op.version, op.outputFormat)
	if e != nil {
		return nil, e
	}
	cache := map[string]*featureType{}
	var results []result
	for _, q := range op.queries {
		rs, e := s.run(q, env.Snapshot, cache)
		if e != nil {
			return nil, e
		}
		results = append(results, rs...)
	}
	if op.byIDQuery {
		if len(results) == 0 {
			return nil, &Exception{Status: http.StatusNotFound, Code: "NotFound", Locator: "ID", Text: fmt.Sprintf("no feature has the id %q", op.queries[0].ids[0])}
		}
		results[0].refs = results[0].refs[:1]
	}
	total := 0
	for _, r := range results {
		total += len(r.refs)
	}
	count := op.count
	if count < 0 || count > s.CountDefault {
		count = s.CountDefault
	}
	if op.hits {
		count = 0
	}
	// Page across the queries' results, in order.
	skip, left := op.startIndex, count
	var page []result
	for _, r := range results {
		n := len(r.refs)
		if skip >= n {
			skip -= n
			continue
		}
		take := min(n-skip, left)
		if take > 0 {
			r.refs = r.refs[skip : skip+take]
			page = append(page, r)
			left -= take
		}
		skip = 0
	}
	returned := count - left
	if op.name == opGetPropertyValue {
		return s.propertyValues(op, env, page, total)
	}
	if kind == "json" {
		return s.geoJSON(op, page, total, returned), nil
	}
	if op.byIDQuery {
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
		w := &gmlWriter{b: &b, v32: true}
		r := page[0]
		w.crs = r.crs
		s.writeFeature(w, r, r.refs[0], true)
		if w.err != nil {
			return nil, exception(CodeOperationProcessingFail, "srsName", "%v", w.err)
		}
		resp := xmlResponse(b.Bytes())
		resp.ContentType = "application/gml+xml; version=3.2"
		return resp, nil
	}
	return s.gmlCollection(op, env, page, total, returned)
}

func (s *Service) gmlCollection(op *operation, env *Env, page []result, total, returned int) (*Response, *Exception) {
	var b bytes.Buffer
	v2 := op.version == V200
	ts := time.Now().UTC().Format(time.RFC3339)
	var typeNames []string
	seen := map[string]bool{}
	for _, r := range page {
		if !seen[r.ft.name] {
			seen[r.ft.name] = true
			typeNames = append(typeNames, s.qualified(r.ft))
		}
	}
	dft := env.URL + "?service=WFS&version=" + op.version + "&request=DescribeFeatureType"
	if len(typeNames) > 0 {
		dft += "&" + typeNamesParam(op.version) + "=" + url.QueryEscape(strings.Join(typeNames, ","))
	}
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	if v2 {
		fmt.Fprintf(&b, `<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:gml="%s" xmlns:%s="%s" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" timeStamp="%s" numberMatched="%d" numberReturned="%d" xsi:schemaLocation="http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd http://www.opengis.net/gml/3.2 http://schemas.opengis.net/gml/3.2.1/gml.xsd %s `,
			nsGML32, s.Prefix, s.Namespace, ts, total, returned, s.Namespace)
	} else {
		// WFS 1.1 has one count: the features returned, or with
		// resultType=hits the features matched.
		n := returned
		if op.hits {
			n = total
		}
		fmt.Fprintf(&b, `<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs" xmlns:gml="%s" xmlns:%s="%s" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" timeStamp="%s" numberOfFeatures="%d" xsi:schemaLocation="http://www.opengis.net/wfs http://schemas.opengis.net/wfs/1.1.0/wfs.xsd %s `,
			nsGML, s.Prefix, s.Namespace, ts, n, s.Namespace)
	}
	xmlEscape(&b, dft)
	b.WriteString(`">`)
	w := &gmlWriter{b: &b, v32: v2}
	for _, r := range page {
		w.crs = r.crs
		for _, ref := range r.refs {
			if v2 {
				b.WriteString("<wfs:member>")
			} else {
				b.WriteString("<gml:featureMember>")
			}
			s.writeFeature(w, r, ref, false)
			if v2 {
				b.WriteString("</wfs:member>")
			} else {
				b.WriteString("</gml:featureMember>")
			}
		}
	}
	if w.err != nil {
		return nil, exception(CodeOperationProcessingFail, "srsName", "%v", w.err)
	}
	b.WriteString("</wfs:FeatureCollection>")
	resp := xmlResponse(b.Bytes())
	if v2 {
		resp.ContentType = "application/gml+xml; version=3.2"
	} else {
		resp.ContentType = "text/xml; subtype=gml/3.1.1"
	}
	return resp, nil
}

// writeFeature writes one feature element; standalone adds the namespace
// declarations a bare feature needs.
func (s *Service) writeFeature(w *gmlWriter, r result, ref data.Ref, standalone bool) {
	b := w.b
	ft := r.ft
	id := ft.view.ID(ref)
	f := ft.view.Feature(ref)
	gid := ft.gmlID(id)
	b.WriteString("<" + s.Prefix + ":" + ft.name)
	if standalone {
		fmt.Fprintf(b, ` xmlns:gml="%s" xmlns:%s="%s"`, nsGML32, s.Prefix, s.Namespace)
	}
	b.WriteString(` gml:id="`)
	xmlEscape(b, gid)
	b.WriteString(`">`)
	for _, p := range ft.props {
		if r.only != nil && !r.only[p.name] {
			continue
		}
		v, ok := f.Properties[p.name]
		if !ok || v == nil {
			continue
		}
		b.WriteString("<" + s.Prefix + ":" + p.name + ">")
		xmlEscape(b, textValue(v))
		b.WriteString("</" + s.Prefix + ":" + p.name + ">")
	}
	if f.Geometry != nil && (r.only == nil || r.only[geometryProperty]) {
		b.WriteString("<" + s.Prefix + ":" + geometryProperty + ">")
		w.geometry(f.Geometry, gid+".geom")
		b.WriteString("</" + s.Prefix + ":" + geometryProperty + ">")
	}
	b.WriteString("</" + s.Prefix + ":" + ft.name + ">")
}

// geoJSON writes a page as a GeoJSON FeatureCollection (always lon/lat).
func (s *Service) geoJSON(op *operation, page []result, total, returned int) *Response {
	b := make([]byte, 0, 1024)
	b = append(b, `{"type":"FeatureCollection","timeStamp":"`...)
	b = append(b, time.Now().UTC().Format(time.RFC3339)...)
	b = append(b, `","numberMatched":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"numberReturned":`...)
	b = strconv.AppendInt(b, int64(returned), 10)
	b = append(b, `,"features":[`...)
	first := true
	fw := data.NewFeatureWriter(data.SchemaOrder)
	for _, r := range page {
		for _, ref := range r.refs {
			if !first {
				b = append(b, ',')
			}
			first = false
			if r.only == nil {
				b = append(b, r.ft.view.Encoded(ref)...)
				continue
			}
			f := r.ft.view.Feature(ref)
			if !r.only[geometryProperty] {
				g := *f
				g.Geometry = nil
				f = &g
			}
			b = fw.AppendFeature(b, r.ft.view.ID(ref), f, r.only)
		}
	}
	b = append(b, "]}"...)
	return &Response{Status: http.StatusOK, ContentType: "application/geo+json", Body: b}
}

// propertyValues answers GetPropertyValue: one member per feature with a
// value.
func (s *Service) propertyValues(op *operation, env *Env, page []result, total int) (*Response, *Exception) {
	var b bytes.Buffer
	var members bytes.Buffer
	w := &gmlWriter{b: &members, v32: true}
	returned := 0
	for _, r := range page {
		ref := op.valueReference
		isID := ref == "@gml:id" || ref == "@id"
		var name string
		if !isID {
			var err error
			if name, err = r.ft.propertyName(ref); err != nil {
				return nil, invalid("valueReference", "%v", err)
			}
		}
		w.crs = r.crs
		for _, fr := range r.refs {
			f := r.ft.view.Feature(fr)
			switch {
			case isID:
				members.WriteString("<wfs:member>")
				xmlEscape(&members, r.ft.gmlID(r.ft.view.ID(fr)))
			case name == geometryProperty:
				if f.Geometry == nil {
					continue
				}
				members.WriteString("<wfs:member>")
				w.geometry(f.Geometry, r.ft.gmlID(r.ft.view.ID(fr))+".geom")
			default:
				v := f.Properties[name]
				if v == nil {
					continue
				}
				members.WriteString("<wfs:member>")
				xmlEscape(&members, textValue(v))
			}
			members.WriteString("</wfs:member>")
			returned++
		}
	}
	if w.err != nil {
		return nil, exception(CodeOperationProcessingFail, "srsName", "%v", w.err)
	}
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	fmt.Fprintf(&b, `<wfs:ValueCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:gml="%s" xmlns:%s="%s" timeStamp="%s" numberMatched="%d" numberReturned="%d">`,
		nsGML32, s.Prefix, s.Namespace, time.Now().UTC().Format(time.RFC3339), total, returned)
	b.Write(members.Bytes())
	b.WriteString("</wfs:ValueCollection>")
	return xmlResponse(b.Bytes()), nil
}
