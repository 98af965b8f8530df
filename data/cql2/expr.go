package cql2

import (
	"encoding/json"
	"math"
	"sort"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	sf "github.com/peterstace/simplefeatures/geom"
)

// Expr is a parsed, type-checked filter. It is immutable and safe for
// concurrent use.
type Expr struct {
	root  Node
	q     Queryables
	likes map[*Call]*likePattern
	lits  map[*Geometry]literalGeom
}

type literalGeom struct {
	bound orb.Bound
	sf    sf.Geometry
	ok    bool
}

func newExpr(root Node, q Queryables) *Expr {
	e := &Expr{root: root, q: q, likes: map[*Call]*likePattern{}, lits: map[*Geometry]literalGeom{}}
	walk(root, func(n Node) {
		switch n := n.(type) {
		case *Call:
			if n.Op == "like" {
				pat, _ := likePatternText(n.Args[1])
				e.likes[n], _ = compileLike(pat, math.MaxInt)
			}
		case *Geometry:
			g, err := toSF(n.Geom)
			e.lits[n] = literalGeom{bound: n.Geom.Bound(), sf: g, ok: err == nil}
		}
	})
	return e
}

// walk calls fn on every node of the tree, parents first.
func walk(n Node, fn func(Node)) {
	fn(n)
	switch n := n.(type) {
	case *Call:
		for _, a := range n.Args {
			walk(a, fn)
		}
	case *List:
		for _, it := range n.Items {
			walk(it, fn)
		}
	}
}

// Root returns the root of the syntax tree. The tree must not be changed.
func (e *Expr) Root() Node { return e.root }

// Properties returns the sorted names of the properties the filter uses.
func (e *Expr) Properties() []string {
	seen := map[string]bool{}
	walk(e.root, func(n Node) {
		if p, ok := n.(*Property); ok {
			seen[p.Name] = true
		}
	})
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// MapGeometries returns a copy of the filter whose geometry literals have
// been mapped through fn, e.g. transformed from the filter-crs to CRS84. fn
// receives a copy it may change in place. BBOX literals reach fn as
// polygons.
func (e *Expr) MapGeometries(fn func(orb.Geometry) orb.Geometry) *Expr {
	return newExpr(mapNode(e.root, fn), e.q)
}

func mapNode(n Node, fn func(orb.Geometry) orb.Geometry) Node {
	switch n := n.(type) {
	case *Geometry:
		c := *n
		c.Geom = fn(orb.Clone(n.Geom))
		c.BBox = false // no longer a box in general
		return &c
	case *Call:
		c := *n
		c.Args = make([]Node, len(n.Args))
		for i, a := range n.Args {
			c.Args[i] = mapNode(a, fn)
		}
		return &c
	case *List:
		c := *n
		c.Items = make([]Node, len(n.Items))
		for i, it := range n.Items {
			c.Items[i] = mapNode(it, fn)
		}
		return &c
	}
	return n
}

// Bounds returns a box that the geometry of every matching feature
// intersects, so a store can ask its spatial index first; ok is false when
// the filter does not confine the geometry. It comes from spatial
// predicates other than S_DISJOINT between the geometry and a literal,
// reached through AND (the smallest box of any operand) and OR (the union
// of all operands' boxes, if each has one).
func (e *Expr) Bounds() (orb.Bound, bool) { return e.bounds(e.root) }

func (e *Expr) bounds(n Node) (orb.Bound, bool) {
	c, ok := n.(*Call)
	if !ok {
		return orb.Bound{}, false
	}
	switch {
	case c.Op == "and":
		var best orb.Bound
		found := false
		for _, a := range c.Args {
			if b, ok := e.bounds(a); ok && (!found || area(b) < area(best)) {
				best, found = b, true
			}
		}
		return best, found
	case c.Op == "or":
		var u orb.Bound
		for i, a := range c.Args {
			b, ok := e.bounds(a)
			if !ok {
				return orb.Bound{}, false
			}
			if i == 0 {
				u = b
			} else {
				u = u.Union(b)
			}
		}
		return u, true
	case spatialOps[c.Op] && c.Op != "s_disjoint":
		var lit *Geometry
		prop := false
		for _, a := range c.Args {
			switch a := a.(type) {
			case *Geometry:
				lit = a
			case *Property:
				prop = true
			}
		}
		if lit != nil && prop {
			return lit.Geom.Bound(), true
		}
	}
	return orb.Bound{}, false
}

func area(b orb.Bound) float64 { return (b.Max[0] - b.Min[0]) * (b.Max[1] - b.Min[1]) }

// MarshalJSON encodes the filter in cql2-json.
func (e *Expr) MarshalJSON() ([]byte, error) { return json.Marshal(jsonOf(e.root)) }

func jsonOf(n Node) any {
	switch n := n.(type) {
	case *Property:
		return map[string]any{"property": n.Name}
	case *Literal:
		switch n.Kind {
		case KindString:
			return n.Str
		case KindNumber:
			return n.Num
		case KindBool:
			return n.Bool
		case KindDate:
			return map[string]any{"date": n.Time.Format(time.DateOnly)}
		}
		return map[string]any{"timestamp": n.Time.Format(time.RFC3339Nano)}
	case *Geometry:
		if n.BBox {
			b := n.Geom.Bound()
			var parts []orb.Geometry
			switch g := n.Geom.(type) {
			case orb.MultiPolygon:
				parts = []orb.Geometry{g[0], g[1]}
			case orb.Collection:
				parts = g
			}
			if len(parts) == 2 {
				// Antimeridian box: west of the first part, east of the second.
				b1, b2 := parts[0].Bound(), parts[1].Bound()
				return map[string]any{"bbox": []float64{b1.Min[0], b1.Min[1], b2.Max[0], b1.Max[1]}}
			}
			return map[string]any{"bbox": []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}}
		}
		return geojson.NewGeometry(n.Geom)
	case *List:
		out := make([]any, len(n.Items))
		for i, it := range n.Items {
			out[i] = jsonOf(it)
		}
		return out
	case *Call:
		args := make([]any, len(n.Args))
		for i, a := range n.Args {
			args[i] = jsonOf(a)
		}
		return map[string]any{"op": n.Op, "args": args}
	}
	return nil
}
