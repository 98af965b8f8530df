package wfs

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
)

// expr is a parsed Filter Encoding predicate (FE 2.0, and FE 1.1 as WFS
// 1.1 clients send it).
type expr interface {
	match(f *geojson.Feature) bool
	key(b *strings.Builder)
}

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
	prop, pattern string
	re            *regexp.Regexp
}

type betweenExpr struct{ prop, lo, hi string }
type nullExpr struct{ prop string }

type bboxExpr struct{ b orb.Bound }

// idExpr selects features by id (ResourceId, FeatureId, GmlObjectId).
type idExpr struct{ ids []string }

func (e *andExpr) match(f *geojson.Feature) bool {
	for _, t := range e.terms {
		if !t.match(f) {
			return false
		}
	}
	return true
}

func (e *orExpr) match(f *geojson.Feature) bool {
	for _, t := range e.terms {
		if t.match(f) {
			return true
		}
	}
	return false
}

func (e *notExpr) match(f *geojson.Feature) bool { return !e.term.match(f) }

func (e *cmpExpr) match(f *geojson.Feature) bool {
	c, ok := compareLiteral(f.Properties[e.prop], e.lit, e.matchCase)
	if !ok {
		return false
	}
	switch e.op {
	case opEq:
		return c == 0
	case opNe:
		return c != 0
	case opLt:
		return c < 0
	case opGt:
		return c > 0
	case opLe:
		return c <= 0
	case opGe:
		return c >= 0
	}
	return false
}

func (e *likeExpr) match(f *geojson.Feature) bool {
	v := f.Properties[e.prop]
	if v == nil {
		return false
	}
	return e.re.MatchString(textValue(v))
}

func (e *betweenExpr) match(f *geojson.Feature) bool {
	v := f.Properties[e.prop]
	lo, ok1 := compareLiteral(v, e.lo, true)
	hi, ok2 := compareLiteral(v, e.hi, true)
	return ok1 && ok2 && lo >= 0 && hi <= 0
}

func (e *nullExpr) match(f *geojson.Feature) bool { return f.Properties[e.prop] == nil }

func (e *bboxExpr) match(f *geojson.Feature) bool {
	return f.Geometry != nil && geo.IntersectsBound(f.Geometry, e.b)
}

func (e *idExpr) match(f *geojson.Feature) bool { return slices.Contains(e.ids, data.FeatureID(f)) }

func (e *andExpr) key(b *strings.Builder) { listKey(b, "and", e.terms) }
func (e *orExpr) key(b *strings.Builder)  { listKey(b, "or", e.terms) }
func (e *notExpr) key(b *strings.Builder) {
	b.WriteString("not(")
	e.term.key(b)
	b.WriteString(")")
}
func (e *cmpExpr) key(b *strings.Builder) {
	fmt.Fprintf(b, "cmp(%q%s%q,%v)", e.prop, e.op, e.lit, e.matchCase)
}
func (e *likeExpr) key(b *strings.Builder) { fmt.Fprintf(b, "like(%q,%q)", e.prop, e.re.String()) }
func (e *betweenExpr) key(b *strings.Builder) {
	fmt.Fprintf(b, "between(%q,%q,%q)", e.prop, e.lo, e.hi)
}
func (e *nullExpr) key(b *strings.Builder) { fmt.Fprintf(b, "null(%q)", e.prop) }
func (e *bboxExpr) key(b *strings.Builder) { fmt.Fprintf(b, "bbox(%v)", e.b) }
func (e *idExpr) key(b *strings.Builder)   { fmt.Fprintf(b, "ids(%q)", e.ids) }

func listKey(b *strings.Builder, name string, terms []expr) {
	b.WriteString(name)
	b.WriteString("(")
	for i, t := range terms {
		if i > 0 {
			b.WriteString(",")
		}
		t.key(b)
	}
	b.WriteString(")")
}

// exprFilter makes an expr a data.Filter.
type exprFilter struct{ e expr }

func (f exprFilter) Match(feat *geojson.Feature) bool { return f.e.match(feat) }

func exprKey(e expr) string {
	var b strings.Builder
	e.key(&b)
	return b.String()
}

// compareLiteral compares a property value with a filter literal: as
// numbers when the value is a number and the literal reads as one, as
// booleans for booleans, else as text. ok is false when they cannot be
// compared (a null value, a number against a word).
func compareLiteral(v any, lit string, matchCase bool) (int, bool) {
	switch x := v.(type) {
	case nil:
		return 0, false
	case float64:
		y, err := strconv.ParseFloat(strings.TrimSpace(lit), 64)
		if err != nil || math.IsNaN(y) {
			return 0, false
		}
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	case bool:
		y, err := strconv.ParseBool(strings.TrimSpace(lit))
		if err != nil {
			return 0, false
		}
		if x == y {
			return 0, true
		}
		if !x {
			return -1, true
		}
		return 1, true
	}
	s := textValue(v)
	if !matchCase {
		s, lit = strings.ToLower(s), strings.ToLower(lit)
	}
	return strings.Compare(s, lit), true
}

// likePattern compiles a PropertyIsLike pattern into an anchored regular
// expression.
func likePattern(pattern, wild, single, escape string, matchCase bool) (*regexp.Regexp, error) {
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
	if !matchCase {
		b.WriteString("(?i)")
	}
	b.WriteString("^(?s:")
	for i := 0; i < len(pattern); {
		switch {
		case strings.HasPrefix(pattern[i:], escape) && i+len(escape) < len(pattern):
			i += len(escape)
			r := pattern[i : i+runeLen(pattern[i:])]
			b.WriteString(regexp.QuoteMeta(r))
			i += len(r)
		case strings.HasPrefix(pattern[i:], wild):
			b.WriteString(".*")
			i += len(wild)
		case strings.HasPrefix(pattern[i:], single):
			b.WriteString(".")
			i += len(single)
		default:
			r := pattern[i : i+runeLen(pattern[i:])]
			b.WriteString(regexp.QuoteMeta(r))
			i += len(r)
		}
	}
	b.WriteString(")$")
	return regexp.Compile(b.String())
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
		re, err := likePattern(lit, n.attr("wildCard"), n.attr("singleChar"), esc, n.attr("matchCase") != "false")
		if err != nil {
			return nil, fmt.Errorf("PropertyIsLike pattern %q: %v", lit, err)
		}
		return &likeExpr{prop: prop, pattern: lit, re: re}, nil
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
// level BBOX goes to the spatial index, ids to lookups, the rest is a
// data.Filter.
func compile(e expr, bboxes []orb.Bound) selection {
	var sel selection
	sel.query.BBoxes = bboxes
	if e == nil {
		return sel
	}
	if ids, ok := e.(*idExpr); ok {
		sel.ids, sel.byIDs = ids.ids, true
		return sel
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
	switch len(rest) {
	case 0:
	case 1:
		sel.query.Filter = exprFilter{rest[0]}
		sel.query.FilterKey = "wfs:" + exprKey(rest[0])
	default:
		a := &andExpr{terms: rest}
		sel.query.Filter = exprFilter{a}
		sel.query.FilterKey = "wfs:" + exprKey(a)
	}
	return sel
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
