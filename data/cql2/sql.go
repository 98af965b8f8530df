package cql2

import (
	"fmt"
	"strings"

	"github.com/paulmach/orb/encoding/ewkb"
)

// ColumnMapper maps a queryable to the SQL expression that reads it. The
// expression must have the SQL type of the queryable: text for strings,
// double precision (or another numeric type) for integers and numbers,
// boolean, date, timestamptz, and for the geometry a PostGIS geometry in
// SRID 4326. It must yield NULL for a missing or ill-typed value, as
// [Expr.Match] treats those as null.
type ColumnMapper interface {
	Column(name string, q Queryable) (string, error)
}

// ColumnFunc adapts a function to [ColumnMapper].
type ColumnFunc func(name string, q Queryable) (string, error)

// Column calls f.
func (f ColumnFunc) Column(name string, q Queryable) (string, error) { return f(name, q) }

// QuoteIdent quotes a PostgreSQL identifier.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteLiteral quotes a PostgreSQL string constant (standard conforming
// strings, the default since PostgreSQL 9.1). Only names from the
// queryables reach it, never filter values.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TypedColumns maps every queryable to the table column of the same name
// and the geometry queryables to geomColumn; the columns must have the SQL
// types [ColumnMapper] describes.
func TypedColumns(geomColumn string) ColumnMapper {
	return ColumnFunc(func(name string, q Queryable) (string, error) {
		if q.Type == TypeGeometry {
			return QuoteIdent(geomColumn), nil
		}
		return QuoteIdent(name), nil
	})
}

// JSONBColumns maps queryables to members of the jsonb column propsColumn,
// converted to the queryable's SQL type when the JSON value has the right
// type and NULL otherwise (so a string in a number property counts as null,
// as in [Expr.Match]), and geometry queryables to geomColumn. Dates must be
// YYYY-MM-DD and timestamps RFC 3339; a string of that shape that is not a
// real date (2021-02-30) makes PostgreSQL raise an error rather than yield
// NULL.
func JSONBColumns(propsColumn, geomColumn string) ColumnMapper {
	p := QuoteIdent(propsColumn)
	return ColumnFunc(func(name string, q Queryable) (string, error) {
		member := p + "->" + quoteLiteral(name)
		text := p + "->>" + quoteLiteral(name)
		typed := func(jsonType, cast string) string {
			return fmt.Sprintf("CASE WHEN jsonb_typeof(%s) = '%s' THEN (%s)%s END", member, jsonType, text, cast)
		}
		switch q.Type {
		case TypeString:
			return typed("string", ""), nil
		case TypeInteger, TypeNumber:
			return typed("number", "::double precision"), nil
		case TypeBoolean:
			return typed("boolean", "::boolean"), nil
		case TypeDate:
			return fmt.Sprintf(`CASE WHEN jsonb_typeof(%s) = 'string' AND %s ~ '^\d{4}-\d{2}-\d{2}$' THEN (%s)::date END`, member, text, text), nil
		case TypeTimestamp:
			return fmt.Sprintf(`CASE WHEN jsonb_typeof(%s) = 'string' AND %s ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$' THEN (%s)::timestamptz END`, member, text, text), nil
		case TypeGeometry:
			return QuoteIdent(geomColumn), nil
		}
		return "", fmt.Errorf("cql2: property %q has unsupported type %q", name, q.Type)
	})
}

// SQL translates the filter into a PostgreSQL/PostGIS boolean expression
// for a WHERE clause, with placeholders $1, $2, ... for its values. Strings
// compare in the "C" collation (code point order, as Go compares them);
// CASEI is lower(), which follows the database's LC_CTYPE (use a UTF-8
// locale such as C.UTF-8 for Unicode case mapping). Division by zero gives
// NULL as in [Expr.Match]; PostgreSQL raises an error (SQLSTATE 22003) where
// float arithmetic overflows or underflows, which Match treats as null.
func (e *Expr) SQL(cols ColumnMapper) (where string, args []any, err error) {
	return e.SQLAt(cols, 1)
}

// SQLAt is [Expr.SQL] with placeholders numbered from first, to combine the
// filter with other parameters of a query.
func (e *Expr) SQLAt(cols ColumnMapper, first int) (where string, args []any, err error) {
	g := &sqlGen{e: e, cols: cols, next: first, check: checker{q: e.q, lim: DefaultLimits()}}
	s, err := g.node(e.root)
	if err != nil {
		return "", nil, err
	}
	return s, g.args, nil
}

type sqlGen struct {
	e     *Expr
	cols  ColumnMapper
	args  []any
	next  int
	check checker
}

func (g *sqlGen) param(v any, cast string) string {
	g.args = append(g.args, v)
	s := fmt.Sprintf("$%d%s", g.next, cast)
	g.next++
	return s
}

func (g *sqlGen) kind(n Node) Kind {
	k, _ := g.check.kind(n)
	return k
}

func (g *sqlGen) node(n Node) (string, error) {
	switch n := n.(type) {
	case *Literal:
		switch n.Kind {
		case KindString:
			return g.param(n.Str, "::text"), nil
		case KindNumber:
			return g.param(n.Num, "::double precision"), nil
		case KindBool:
			return g.param(n.Bool, "::boolean"), nil
		case KindDate:
			return g.param(n.Time, "::date"), nil
		}
		return g.param(n.Time, "::timestamptz"), nil
	case *Property:
		col, err := g.cols.Column(n.Name, g.e.q[n.Name])
		if err != nil {
			return "", err
		}
		return "(" + col + ")", nil
	case *Geometry:
		data, err := ewkb.Marshal(n.Geom, 4326)
		if err != nil {
			return "", fmt.Errorf("cql2: encoding geometry literal at %d: %w", n.Offset, err)
		}
		return "ST_GeomFromEWKB(" + g.param(data, "::bytea") + ")", nil
	case *Call:
		return g.call(n)
	}
	return "", fmt.Errorf("cql2: cannot translate %T to SQL", n)
}

func (g *sqlGen) all(ns []Node) ([]string, error) {
	out := make([]string, len(ns))
	for i, n := range ns {
		s, err := g.node(n)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// comparable returns the operands as SQL of one type: strings in the "C"
// collation, dates promoted to UTC timestamps when mixed with timestamps.
func (g *sqlGen) comparable(ns []Node) ([]string, error) {
	ss, err := g.all(ns)
	if err != nil {
		return nil, err
	}
	kinds := make([]Kind, len(ns))
	anyTimestamp := false
	for i, n := range ns {
		kinds[i] = g.kind(n)
		anyTimestamp = anyTimestamp || kinds[i] == KindTimestamp
	}
	for i := range ss {
		switch {
		case kinds[i] == KindString:
			ss[i] = "(" + ss[i] + ` COLLATE "C")`
		case kinds[i] == KindDate && anyTimestamp:
			ss[i] = "((" + ss[i] + ")::timestamp AT TIME ZONE 'UTC')"
		}
	}
	return ss, nil
}

var sqlSpatial = map[string]string{
	"s_intersects": "ST_Intersects", "s_contains": "ST_Contains", "s_within": "ST_Within",
	"s_disjoint": "ST_Disjoint", "s_equals": "ST_Equals", "s_touches": "ST_Touches",
	"s_crosses": "ST_Crosses", "s_overlaps": "ST_Overlaps",
}

func (g *sqlGen) call(n *Call) (string, error) {
	switch n.Op {
	case "and", "or":
		ss, err := g.all(n.Args)
		if err != nil {
			return "", err
		}
		return "(" + strings.Join(ss, " "+strings.ToUpper(n.Op)+" ") + ")", nil
	case "not":
		s, err := g.node(n.Args[0])
		return "(NOT " + s + ")", err
	case "=", "<>", "<", "<=", ">", ">=":
		ss, err := g.comparable(n.Args)
		if err != nil {
			return "", err
		}
		return "(" + ss[0] + " " + n.Op + " " + ss[1] + ")", nil
	case "between":
		ss, err := g.comparable(n.Args)
		if err != nil {
			return "", err
		}
		return "(" + ss[0] + " BETWEEN " + ss[1] + " AND " + ss[2] + ")", nil
	case "in":
		ss, err := g.comparable(append([]Node{n.Args[0]}, n.Args[1].(*List).Items...))
		if err != nil {
			return "", err
		}
		return "(" + ss[0] + " IN (" + strings.Join(ss[1:], ", ") + "))", nil
	case "isNull":
		s, err := g.node(n.Args[0])
		return "(" + s + " IS NULL)", err
	case "like":
		x, err := g.node(n.Args[0])
		if err != nil {
			return "", err
		}
		pat, err := g.node(n.Args[1])
		if err != nil {
			return "", err
		}
		// Backslash is PostgreSQL's default LIKE escape, as in CQL2.
		return "(" + x + " LIKE " + pat + ")", nil
	case "casei":
		s, err := g.node(n.Args[0])
		return "lower(" + s + ")", err
	case "+", "-", "*", "/", "%", "div", "^":
		ss, err := g.all(n.Args)
		if err != nil {
			return "", err
		}
		a, b := "("+ss[0]+")::double precision", "("+ss[1]+")::double precision"
		switch n.Op {
		case "/":
			return "(" + a + " / NULLIF(" + b + ", 0))", nil
		case "%":
			return "(" + a + " - " + b + " * trunc(" + a + " / NULLIF(" + b + ", 0)))", nil
		case "div":
			return "trunc(" + a + " / NULLIF(" + b + ", 0))", nil
		case "^":
			return "(CASE WHEN " + a + " < 0 AND " + b + " <> trunc(" + b + ") OR " + a + " = 0 AND " + b + " < 0 THEN NULL ELSE power(" + a + ", " + b + ") END)", nil
		}
		return "(" + a + " " + n.Op + " " + b + ")", nil
	}
	if fn, ok := sqlSpatial[n.Op]; ok {
		ss, err := g.all(n.Args)
		if err != nil {
			return "", err
		}
		return fn + "(" + ss[0] + ", " + ss[1] + ")", nil
	}
	return "", fmt.Errorf("cql2: cannot translate %s to SQL", n.Op)
}
