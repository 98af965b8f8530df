package wfs

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/cql2"
	"github.com/planmap/planmap/geo"
)

// expr is a parsed Filter Encoding predicate (FE 2.0, and FE 1.1 as WFS
// 1.1 clients send it), translated into CQL2 for the store (toCQL).
type expr interface{}

// comparison operators.
const (
	opEq = "="
	opNe = "<>"
	opLt = "<"
	opGt = ">"
	opLe = "<="
	opGe = ">="
)

var comparisonOps = map[string]string{
	"PropertyIsEqualTo": opEq, "PropertyIsNotEqualTo": opNe,
	"PropertyIsLessThan": opLt, "PropertyIsGreaterThan": opGt,
	"PropertyIsLessThanOrEqualTo": opLe, "PropertyIsGreaterThanOrEqualTo": opGe,
}

type andExpr struct{ terms []expr }
type orExpr struct{ terms []expr }
type notExpr struct{ term expr }

type cmpExpr struct {
	op, prop, lit string
	matchCase     bool
}

type likeExpr struct {
	prop, cql string
	matchCase bool
}

type betweenExpr struct{ prop, lo, hi string }
type nullExpr struct{ prop string }

type bboxExpr struct{ b orb.Bound }

// idExpr selects features by id (ResourceId, FeatureId, GmlObjectId).
type idExpr struct{ ids []string }

// queryables describes the feature type's properties for the CQL2 type
// check: JSON-valued properties are not filterable.
func (ft *featureType) queryables() cql2.Queryables {
	q := cql2.Queryables{geometryProperty: {Type: cql2.TypeGeometry}}
	for _, p := range ft.props {
		switch p.typ {
		case xsString:
			q[p.name] = cql2.Queryable{Type: cql2.TypeString}
		case xsInt, xsLong:
			q[p.name] = cql2.Queryable{Type: cql2.TypeInteger}
		case xsDouble:
			q[p.name] = cql2.Queryable{Type: cql2.TypeNumber}
		case xsBoolean:
			q[p.name] = cql2.Queryable{Type: cql2.TypeBoolean}
		}
	}
	return q
}

// toCQL translates a Filter Encoding predicate into CQL2 JSON, the form
// the store evaluates (in memory, or as SQL in a database store), with
// literals typed by the property they are compared with.
func (ft *featureType) toCQL(e expr) (any, error) {
	prop := func(name string) map[string]any { return map[string]any{"property": name} }
	op := func(name string, args ...any) map[string]any { return map[string]any{"op": name, "args": args} }
	literal := func(name, text string) (any, error) {
		p := ft.byName[name]
		if p == nil {
			return text, nil
		}
		switch p.typ {
		case xsInt, xsLong, xsDouble:
			f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("property %s is a number; the literal %q is not", name, text)
			}
			return f, nil
		case xsBoolean:
			b, err := strconv.ParseBool(strings.TrimSpace(text))
			if err != nil {
				return nil, fmt.Errorf("property %s is a boolean; the literal %q is not", name, text)
			}
			return b, nil
		case xsJSON:
			return nil, fmt.Errorf("property %s holds JSON and cannot be compared", name)
		}
		return text, nil
	}
	list := func(name string, terms []expr) (any, error) {
		args := make([]any, 0, len(terms))
		for _, t := range terms {
			a, err := ft.toCQL(t)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
		}
		if len(args) == 1 {
			return args[0], nil
		}
		return op(name, args...), nil
	}
	switch e := e.(type) {
	case *andExpr:
		return list("and", e.terms)
	case *orExpr:
		return list("or", e.terms)
	case *notExpr:
		t, err := ft.toCQL(e.term)
		if err != nil {
			return nil, err
		}
		return op("not", t), nil
	case *cmpExpr:
		v, err := literal(e.prop, e.lit)
		if err != nil {
			return nil, err
		}
		if s, ok := v.(string); ok && !e.matchCase {
			return op(e.op, op("casei", prop(e.prop)), op("casei", s)), nil
		}
		return op(e.op, prop(e.prop), v), nil
	case *likeExpr:
		if p := ft.byName[e.prop]; p != nil && p.typ != xsString {
			return nil, fmt.Errorf("PropertyIsLike needs a text property; %s is not", e.prop)
		}
		if !e.matchCase {
			return op("like", op("casei", prop(e.prop)), op("casei", e.cql)), nil
		}
		return op("like", prop(e.prop), e.cql), nil
	case *betweenExpr:
		lo, err := literal(e.prop, e.lo)
		if err != nil {
			return nil, err
		}
		hi, err := literal(e.prop, e.hi)
		if err != nil {
			return nil, err
		}
		return op("between", prop(e.prop), lo, hi), nil
	case *nullExpr:
		return op("isNull", prop(e.prop)), nil
	case *bboxExpr:
		return op("s_intersects", prop(geometryProperty), map[string]any{"bbox": []float64{e.b.Min[0], e.b.Min[1], e.b.Max[0], e.b.Max[1]}}), nil
	case *idExpr:
		ids := make([]any, len(e.ids))
		for i, id := range e.ids {
			ids[i] = id
		}
		return op("in", prop("id"), ids), nil
	}
	return nil, fmt.Errorf("cannot translate %T", e)
}

// likeToCQL turns a PropertyIsLike pattern (its own wildcard, single
// character and escape) into a CQL2 LIKE pattern (%, _ and backslash).
func likeToCQL(pattern, wild, single, escape string) string {
	if wild == "" {
		wild = "*"
	}
	if single == "" {
		single = "."
	}
	if escape == "" {
		escape = "\\"
	}
	var b strings.Builder
	lit := func(r string) {
		if r == "%" || r == "_" || r == "\\" {
			b.WriteString("\\")
		}
		b.WriteString(r)
	}
	for i := 0; i < len(pattern); {
		switch {
		case strings.HasPrefix(pattern[i:], escape) && i+len(escape) < len(pattern):
			i += len(escape)
			r := pattern[i : i+runeLen(pattern[i:])]
			lit(r)
			i += len(r)
		case strings.HasPrefix(pattern[i:], wild):
			b.WriteString("%")
			i += len(wild)
		case strings.HasPrefix(pattern[i:], single):
			b.WriteString("_")
			i += len(single)
		default:
			r := pattern[i : i+runeLen(pattern[i:])]
			lit(r)
			i += len(r)
		}
	}
	return b.String()
}

func runeLen(s string) int {
	for i := range s {
		if i > 0 {
			return i
		}
	}
	return len(s)
}

// filterParser reads filter XML for one feature type.
type filterParser struct {
	ft  *featureType
	gml gmlReader
	// depth bounds nesting of logical operators.
	depth int
}

const maxFilterTerms = 10000

// parse reads a <Filter> element.
func (p *filterParser) parse(n *node) (expr, error) {
	if len(n.Children) == 0 {
		return nil, fmt.Errorf("the filter is empty")
	}
	// Several id selectors side by side are one selection.
	var ids []string
	allIDs := true
	for _, c := range n.Children {
		id, ok := idOf(c)
		if !ok {
			allIDs = false
			break
		}
		ids = append(ids, p.ft.featureID(id))
	}
	if allIDs {
		return &idExpr{ids: ids}, nil
	}
	if len(n.Children) != 1 {
		return nil, fmt.Errorf("a filter holds one predicate, got %d", len(n.Children))
	}
	return p.predicate(n.Children[0])
}

// idOf reads an id selector element.
func idOf(n *node) (string, bool) {
	switch n.Local {
	case "ResourceId":
		return n.attr("rid"), true
	case "FeatureId":
		return n.attr("fid"), true
	case "GmlObjectId":
		return n.attr("id"), true
	}
	return "", false
}

func (p *filterParser) predicate(n *node) (expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 32 {
		return nil, fmt.Errorf("the filter nests deeper than 32")
	}
	if op, ok := comparisonOps[n.Local]; ok {
		prop, lit, err := p.propertyAndLiteral(n)
		if err != nil {
			return nil, err
		}
		return &cmpExpr{op: op, prop: prop, lit: lit, matchCase: n.attr("matchCase") != "false"}, nil
	}
	switch n.Local {
	case "And", "Or":
		if len(n.Children) == 0 || len(n.Children) > maxFilterTerms {
			return nil, fmt.Errorf("%s needs 1 to %d operands", n.Local, maxFilterTerms)
		}
		var terms []expr
		for _, c := range n.Children {
			t, err := p.predicate(c)
			if err != nil {
				return nil, err
			}
			terms = append(terms, t)
		}
		if n.Local == "And" {
			return &andExpr{terms: terms}, nil
		}
		return &orExpr{terms: terms}, nil
	case "Not":
		if len(n.Children) != 1 {
			return nil, fmt.Errorf("Not needs one operand")
		}
		t, err := p.predicate(n.Children[0])
		if err != nil {
			return nil, err
		}
		return &notExpr{term: t}, nil
	case "PropertyIsLike":
		prop, lit, err := p.propertyAndLiteral(n)
		if err != nil {
			return nil, err
		}
		esc := n.attr("escapeChar")
		if esc == "" {
			esc = n.attr("escape")
		}
		if len(lit) > 1000 {
			return nil, fmt.Errorf("the PropertyIsLike pattern is longer than 1000 bytes")
		}
		return &likeExpr{prop: prop, cql: likeToCQL(lit, n.attr("wildCard"), n.attr("singleChar"), esc), matchCase: n.attr("matchCase") != "false"}, nil
	case "PropertyIsBetween":
		var prop string
		var lo, hi *node
		for _, c := range n.Children {
			switch c.Local {
			case "ValueReference", "PropertyName":
				name, err := p.scalarProperty(c.text())
				if err != nil {
					return nil, err
				}
				prop = name
			case "LowerBoundary":
				lo = c.child("Literal")
			case "UpperBoundary":
				hi = c.child("Literal")
			}
		}
		if prop == "" || lo == nil || hi == nil {
			return nil, fmt.Errorf("PropertyIsBetween needs a property, and a Literal in LowerBoundary and UpperBoundary")
		}
		return &betweenExpr{prop: prop, lo: lo.text(), hi: hi.text()}, nil
	case "PropertyIsNull", "PropertyIsNil":
		ref := n.child("ValueReference")
		if ref == nil {
			ref = n.child("PropertyName")
		}
		if ref == nil {
			return nil, fmt.Errorf("%s needs a property", n.Local)
		}
		name, err := p.scalarProperty(ref.text())
		if err != nil {
			return nil, err
		}
		return &nullExpr{prop: name}, nil
	case "BBOX":
		for _, c := range n.Children {
			switch c.Local {
			case "ValueReference", "PropertyName":
				if name, err := p.ft.propertyName(c.text()); err != nil || name != geometryProperty {
					return nil, fmt.Errorf("BBOX applies to the geometry, not %q", c.text())
				}
			case "Envelope", "Box":
				b, err := p.gml.envelope(c)
				if err != nil {
					return nil, fmt.Errorf("BBOX: %v", err)
				}
				return &bboxExpr{b: b}, nil
			}
		}
		return nil, fmt.Errorf("BBOX needs a gml:Envelope")
	case "ResourceId", "FeatureId", "GmlObjectId":
		id, _ := idOf(n)
		return &idExpr{ids: []string{p.ft.featureID(id)}}, nil
	}
	return nil, &Exception{Code: CodeInvalidParameterValue, Locator: "filter",
		Text: fmt.Sprintf("filter operator %s is not supported; the Filter_Capabilities list what is", n.Local)}
}

func (p *filterParser) scalarProperty(ref string) (string, error) {
	name, err := p.ft.propertyName(ref)
	if err != nil {
		return "", err
	}
	if name == geometryProperty {
		return "", fmt.Errorf("the geometry cannot be compared with a literal; use BBOX")
	}
	return name, nil
}

// propertyAndLiteral reads a binary comparison's operands.
func (p *filterParser) propertyAndLiteral(n *node) (string, string, error) {
	var prop, lit string
	var haveProp, haveLit bool
	for _, c := range n.Children {
		switch c.Local {
		case "ValueReference", "PropertyName":
			if haveProp {
				return "", "", fmt.Errorf("%s compares a property with a literal, not two properties", n.Local)
			}
			name, err := p.scalarProperty(c.text())
			if err != nil {
				return "", "", err
			}
			prop, haveProp = name, true
		case "Literal":
			lit, haveLit = c.Text, true
		case "Function", "Add", "Sub", "Mul", "Div":
			return "", "", &Exception{Code: CodeInvalidParameterValue, Locator: "filter", Text: fmt.Sprintf("%s in a filter is not supported", c.Local)}
		}
	}
	if !haveProp || !haveLit {
		return "", "", fmt.Errorf("%s needs a property and a Literal", n.Local)
	}
	return prop, lit, nil
}

// featureID turns a gml:id or resource id ("ports.wenzhou-port") back
// into the feature's id.
func (ft *featureType) featureID(rid string) string {
	if id, ok := strings.CutPrefix(rid, ft.layer+"."); ok {
		return id
	}
	return rid
}

// gmlID is the gml:id of a feature: the layer id, a dot and the feature id.
func (ft *featureType) gmlID(id string) string { return ft.layer + "." + id }

// selection is what one query asks of one layer.
type selection struct {
	// ids, when set, are the only features wanted (in the order of the
	// layer).
	ids   []string
	byIDs bool
	query data.Query
}

// compile turns a filter (nil: everything) into a store query: a top
// level BBOX goes to the spatial index, ids to lookups, the rest to a CQL2
// expression the store evaluates.
func (ft *featureType) compile(e expr, bboxes []orb.Bound) (selection, error) {
	var sel selection
	sel.query.BBoxes = bboxes
	if e == nil {
		return sel, nil
	}
	if ids, ok := e.(*idExpr); ok {
		sel.ids, sel.byIDs = ids.ids, true
		return sel, nil
	}
	terms := []expr{e}
	if and, ok := e.(*andExpr); ok {
		terms = and.terms
	}
	var rest []expr
	for _, t := range terms {
		if b, ok := t.(*bboxExpr); ok && sel.query.BBoxes == nil {
			sel.query.BBoxes = []orb.Bound{b.b}
			continue
		}
		rest = append(rest, t)
	}
	if len(rest) == 0 {
		return sel, nil
	}
	var rem expr = &andExpr{terms: rest}
	if len(rest) == 1 {
		rem = rest[0]
	}
	doc, err := ft.toCQL(rem)
	if err != nil {
		return sel, err
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return sel, err
	}
	x, err := cql2.Parse(string(raw), cql2.JSON, ft.queryables())
	if err != nil {
		return sel, fmt.Errorf("the filter: %v", strings.TrimPrefix(err.Error(), "cql2: "))
	}
	sel.query.Filter = x
	sel.query.FilterKey = "wfs:" + string(raw)
	return sel, nil
}

// matches reports whether a feature (one a transaction changed, which the
// layer view does not hold yet) is one the selection picks.
func (sel *selection) matches(f *geojson.Feature) bool {
	if sel.byIDs && !slices.Contains(sel.ids, data.FeatureID(f)) {
		return false
	}
	if sel.query.BBoxes != nil {
		hit := false
		for _, b := range sel.query.BBoxes {
			hit = hit || (f.Geometry != nil && geo.IntersectsBound(f.Geometry, b))
		}
		if !hit {
			return false
		}
	}
	return sel.query.Filter == nil || sel.query.Filter.Match(cql2.FromGeoJSON(f))
}

// refs returns the refs a selection picks from v: in the layer's order
// (or the query's sortBy), or for ids in the order they were asked.
func (sel *selection) refs(v *data.LayerView) []data.Ref {
	if sel.byIDs {
		var refs []data.Ref
		seen := map[data.Ref]bool{}
		for _, id := range sel.ids {
			r, ok := v.Lookup(id)
			if !ok || seen[r] {
				continue
			}
			f := v.Feature(r)
			if sel.query.BBoxes != nil {
				hit := false
				for _, b := range sel.query.BBoxes {
					hit = hit || (f.Geometry != nil && geo.IntersectsBound(f.Geometry, b))
				}
				if !hit {
					continue
				}
			}
			seen[r] = true
			refs = append(refs, r)
		}
		return refs
	}
	if !sel.query.Selects() {
		return v.Refs()
	}
	return v.Select(&sel.query)
}
