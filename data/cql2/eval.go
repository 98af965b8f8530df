package cql2

import (
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	sf "github.com/peterstace/simplefeatures/geom"
)

// Feature is what a filter is evaluated on. Property returns a property's
// value as encoding/json decodes it (string, float64, bool, nil; json.Number,
// Go integer types and time.Time are accepted too) and whether it is
// present. Geometry returns the feature's geometry in CRS84 (or in the CRS
// the literals were mapped to), nil if it has none; every queryable of
// [TypeGeometry] denotes it.
type Feature interface {
	Property(name string) (any, bool)
	Geometry() orb.Geometry
}

// tri is a truth value of SQL's three-valued logic.
type tri uint8

const (
	triFalse tri = iota
	triTrue
	triUnknown
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

func (t tri) not() tri {
	switch t {
	case triTrue:
		return triFalse
	case triFalse:
		return triTrue
	}
	return triUnknown
}

// value is an evaluated scalar; null marks an absent, null or ill-typed
// value (and results such as a division by zero).
type value struct {
	k    Kind
	null bool
	s    string
	n    float64
	b    tri
	t    time.Time
}

var nullValue = value{null: true}

// evalCtx evaluates one feature, converting its geometry at most once.
type evalCtx struct {
	e        *Expr
	f        Feature
	geomDone bool
	geom     orb.Geometry
	bound    orb.Bound
	sfDone   bool
	sfGeom   sf.Geometry
	sfErr    error
}

// Match reports whether the feature satisfies the filter (the filter is
// true; false and unknown do not match). It is safe for concurrent use.
func (e *Expr) Match(f Feature) bool {
	c := evalCtx{e: e, f: f}
	return c.cond(e.root) == triTrue
}

func (c *evalCtx) cond(n Node) tri {
	v := c.eval(n)
	if v.null {
		return triUnknown
	}
	return v.b
}

func boolValue(t tri) value {
	if t == triUnknown {
		return value{k: KindBool, null: true}
	}
	return value{k: KindBool, b: t}
}

func (c *evalCtx) eval(n Node) value {
	switch n := n.(type) {
	case *Literal:
		switch n.Kind {
		case KindString:
			return value{k: KindString, s: n.Str}
		case KindNumber:
			return value{k: KindNumber, n: n.Num}
		case KindBool:
			return value{k: KindBool, b: triOf(n.Bool)}
		}
		return value{k: n.Kind, t: n.Time}
	case *Property:
		return c.property(n)
	case *Call:
		return c.call(n)
	}
	return nullValue
}

func (c *evalCtx) property(n *Property) value {
	q := c.e.q[n.Name]
	k := q.Type.kind()
	if k == KindGeometry {
		if c.geometry() == nil {
			return nullValue
		}
		return value{k: KindGeometry}
	}
	raw, ok := c.f.Property(n.Name)
	if !ok || raw == nil {
		return nullValue
	}
	v, ok := convertValue(raw, k)
	if !ok {
		return nullValue
	}
	return v
}

// convertValue converts a decoded JSON value to kind k; ok is false for a
// value of another type, which then counts as null.
func convertValue(raw any, k Kind) (value, bool) {
	switch k {
	case KindString:
		s, ok := raw.(string)
		return value{k: k, s: s}, ok
	case KindBool:
		b, ok := raw.(bool)
		return value{k: k, b: triOf(b)}, ok
	case KindNumber:
		var f float64
		switch x := raw.(type) {
		case float64:
			f = x
		case float32:
			f = float64(x)
		case int:
			f = float64(x)
		case int64:
			f = float64(x)
		case int32:
			f = float64(x)
		case json.Number:
			var err error
			if f, err = x.Float64(); err != nil {
				return value{}, false
			}
		default:
			return value{}, false
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return value{}, false
		}
		return value{k: k, n: f}, true
	case KindDate, KindTimestamp:
		switch x := raw.(type) {
		case time.Time:
			return value{k: k, t: x.UTC()}, true
		case string:
			layout := time.RFC3339Nano
			if k == KindDate {
				layout = time.DateOnly
			}
			t, err := time.Parse(layout, x)
			if err != nil {
				return value{}, false
			}
			return value{k: k, t: t.UTC()}, true
		}
	}
	return value{}, false
}

func (c *evalCtx) geometry() orb.Geometry {
	if !c.geomDone {
		c.geomDone = true
		c.geom = c.f.Geometry()
		if c.geom != nil {
			c.bound = c.geom.Bound()
		}
	}
	return c.geom
}

func (c *evalCtx) sfGeometry() (sf.Geometry, error) {
	if !c.sfDone {
		c.sfDone = true
		c.sfGeom, c.sfErr = toSF(c.geometry())
	}
	return c.sfGeom, c.sfErr
}

func (c *evalCtx) call(n *Call) value {
	switch n.Op {
	case "and":
		out := triTrue
		for _, a := range n.Args {
			switch c.cond(a) {
			case triFalse:
				return boolValue(triFalse)
			case triUnknown:
				out = triUnknown
			}
		}
		return boolValue(out)
	case "or":
		out := triFalse
		for _, a := range n.Args {
			switch c.cond(a) {
			case triTrue:
				return boolValue(triTrue)
			case triUnknown:
				out = triUnknown
			}
		}
		return boolValue(out)
	case "not":
		return boolValue(c.cond(n.Args[0]).not())
	case "=", "<>", "<", "<=", ">", ">=":
		return boolValue(compare(n.Op, c.eval(n.Args[0]), c.eval(n.Args[1])))
	case "between":
		x := c.eval(n.Args[0])
		return boolValue(and3(compare(">=", x, c.eval(n.Args[1])), compare("<=", x, c.eval(n.Args[2]))))
	case "in":
		x := c.eval(n.Args[0])
		out := triFalse
		for _, it := range n.Args[1].(*List).Items {
			switch compare("=", x, c.eval(it)) {
			case triTrue:
				return boolValue(triTrue)
			case triUnknown:
				out = triUnknown
			}
		}
		return boolValue(out)
	case "isNull":
		if p, ok := n.Args[0].(*Property); ok && c.e.q[p.Name].Type == TypeGeometry {
			return boolValue(triOf(c.geometry() == nil))
		}
		return boolValue(triOf(c.eval(n.Args[0]).null))
	case "like":
		x := c.eval(n.Args[0])
		if x.null {
			return boolValue(triUnknown)
		}
		return boolValue(triOf(c.e.likes[n].match(x.s)))
	case "casei":
		x := c.eval(n.Args[0])
		if x.null {
			return x
		}
		return value{k: KindString, s: strings.ToLower(x.s)}
	case "+", "-", "*", "/", "%", "div", "^":
		a, b := c.eval(n.Args[0]), c.eval(n.Args[1])
		if a.null || b.null {
			return nullValue
		}
		r := arith(n.Op, a.n, b.n)
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return nullValue
		}
		return value{k: KindNumber, n: r}
	}
	if spatialOps[n.Op] {
		return boolValue(c.spatial(n))
	}
	return nullValue
}

func and3(a, b tri) tri {
	if a == triFalse || b == triFalse {
		return triFalse
	}
	if a == triUnknown || b == triUnknown {
		return triUnknown
	}
	return triTrue
}

// arith computes an arithmetic operator the way the SQL translation does,
// operation for operation in float64, so both give the same bits: % is
// a - b·trunc(a/b) and div is trunc(a/b). A zero divisor gives NaN (null).
func arith(op string, a, b float64) float64 {
	switch op {
	case "+":
		return a + b
	case "-":
		return a - b
	case "*":
		return a * b
	case "/":
		if b == 0 {
			return math.NaN()
		}
		return a / b
	case "%":
		if b == 0 {
			return math.NaN()
		}
		q := math.Trunc(a / b)
		return a - float64(b*q)
	case "div":
		if b == 0 {
			return math.NaN()
		}
		return math.Trunc(a / b)
	case "^":
		if a < 0 && b != math.Trunc(b) || a == 0 && b < 0 {
			return math.NaN()
		}
		return math.Pow(a, b)
	}
	return math.NaN()
}

func timeOf(v value) time.Time { return v.t }

func compare(op string, a, b value) tri {
	if a.null || b.null {
		return triUnknown
	}
	var c int
	switch a.k {
	case KindString:
		c = strings.Compare(a.s, b.s)
	case KindNumber:
		switch {
		case a.n < b.n:
			c = -1
		case a.n > b.n:
			c = 1
		}
	case KindBool:
		c = int(a.b) - int(b.b)
	case KindDate, KindTimestamp:
		c = timeOf(a).Compare(timeOf(b))
	default:
		return triUnknown
	}
	switch op {
	case "=":
		return triOf(c == 0)
	case "<>":
		return triOf(c != 0)
	case "<":
		return triOf(c < 0)
	case "<=":
		return triOf(c <= 0)
	case ">":
		return triOf(c > 0)
	case ">=":
		return triOf(c >= 0)
	}
	return triUnknown
}

// spatialArg returns an argument's orb bound and simplefeatures geometry.
func (c *evalCtx) spatialArg(n Node) (orb.Bound, sf.Geometry, bool) {
	if g, ok := n.(*Geometry); ok {
		lit := c.e.lits[g]
		return lit.bound, lit.sf, lit.ok
	}
	if c.geometry() == nil {
		return orb.Bound{}, sf.Geometry{}, false
	}
	g, err := c.sfGeometry()
	return c.bound, g, err == nil
}

func (c *evalCtx) spatial(n *Call) tri {
	ba, ga, ok := c.spatialArg(n.Args[0])
	if !ok {
		return triUnknown
	}
	bb, gb, ok := c.spatialArg(n.Args[1])
	if !ok {
		return triUnknown
	}
	if !ba.Intersects(bb) {
		// Disjoint envelopes: only S_DISJOINT holds.
		return triOf(n.Op == "s_disjoint")
	}
	var r bool
	var err error
	switch n.Op {
	case "s_intersects":
		r = sf.Intersects(ga, gb)
	case "s_disjoint":
		r = !sf.Intersects(ga, gb)
	case "s_contains":
		r, err = sf.Contains(ga, gb)
	case "s_within":
		r, err = sf.Within(ga, gb)
	case "s_equals":
		r, err = sf.Equals(ga, gb)
	case "s_touches":
		r, err = sf.Touches(ga, gb)
	case "s_crosses":
		r, err = sf.Crosses(ga, gb)
	case "s_overlaps":
		r, err = sf.Overlaps(ga, gb)
	}
	if err != nil {
		return triUnknown
	}
	return triOf(r)
}

// FromGeoJSON adapts an orb GeoJSON feature to [Feature].
func FromGeoJSON(f *geojson.Feature) Feature { return geojsonFeature{f} }

type geojsonFeature struct{ f *geojson.Feature }

func (g geojsonFeature) Property(name string) (any, bool) {
	v, ok := g.f.Properties[name]
	return v, ok
}

func (g geojsonFeature) Geometry() orb.Geometry { return g.f.Geometry }
