package cql2

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Node is one node of a parsed filter. Its concrete types are [*Property],
// [*Literal], [*Geometry], [*List] and [*Call].
type Node interface {
	// Pos is the byte offset of the node in the source text.
	Pos() int
}

// Property names a queryable.
type Property struct {
	Offset int
	Name   string
}

// Kind is the type of a value in a filter.
type Kind uint8

// The kinds of values. KindNull is the kind of a value whose type is not
// known (it never reaches a type-checked tree except as the result of
// IS NULL operands).
const (
	KindNull Kind = iota
	KindString
	KindNumber
	KindBool
	KindDate
	KindTimestamp
	KindGeometry
)

func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindNumber:
		return "number"
	case KindBool:
		return "boolean"
	case KindDate:
		return "date"
	case KindTimestamp:
		return "timestamp"
	case KindGeometry:
		return "geometry"
	}
	return "null"
}

// Literal is a string, number, boolean, DATE or TIMESTAMP value. Dates and
// timestamps are held in Time, in UTC (a date at midnight).
type Literal struct {
	Offset int
	Kind   Kind
	Str    string
	Num    float64
	Bool   bool
	Time   time.Time
}

// Geometry is a geometry literal in the filter's CRS (CRS84 unless the
// caller maps it with [Expr.MapGeometries]). BBox is set for BBOX(...)
// literals, whose Geom is then a Polygon (or a MultiPolygon of two boxes when
// the box crosses the antimeridian, west > east).
type Geometry struct {
	Offset int
	Geom   orb.Geometry
	BBox   bool
}

// List is the parenthesized list of an IN predicate.
type List struct {
	Offset int
	Items  []Node
}

// Call is an operator or function applied to arguments. Op is the operator
// name as cql2-json spells it: "and", "or", "not", "=", "<>", "<", "<=", ">",
// ">=", "like", "between", "in", "isNull", "casei", "s_intersects",
// "s_contains", ..., "+", "-", "*", "/", "%", "div", "^".
type Call struct {
	Offset int
	Op     string
	Args   []Node
}

func (n *Property) Pos() int { return n.Offset }
func (n *Literal) Pos() int  { return n.Offset }
func (n *Geometry) Pos() int { return n.Offset }
func (n *List) Pos() int     { return n.Offset }
func (n *Call) Pos() int     { return n.Offset }

// Error is a parse or type error at a byte offset of the filter.
type Error struct {
	Offset int
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("cql2: at %d: %s", e.Offset, e.Msg) }

func errorf(pos int, format string, args ...any) *Error {
	return &Error{Offset: pos, Msg: fmt.Sprintf(format, args...)}
}

// Lang is a filter encoding, as the filter-lang parameter names it.
type Lang string

// The two CQL2 encodings.
const (
	Text Lang = "cql2-text"
	JSON Lang = "cql2-json"
)

// Type is the type of a queryable, as JSON Schema and the queryables
// resource of Features Part 3 name it.
type Type string

// Queryable types.
const (
	TypeString    Type = "string"
	TypeInteger   Type = "integer"
	TypeNumber    Type = "number"
	TypeBoolean   Type = "boolean"
	TypeDate      Type = "date"
	TypeTimestamp Type = "timestamp"
	TypeGeometry  Type = "geometry"
)

func (t Type) kind() Kind {
	switch t {
	case TypeString:
		return KindString
	case TypeInteger, TypeNumber:
		return KindNumber
	case TypeBoolean:
		return KindBool
	case TypeDate:
		return KindDate
	case TypeTimestamp:
		return KindTimestamp
	case TypeGeometry:
		return KindGeometry
	}
	return KindNull
}

// Queryable describes one property a filter may use. Enum, when set, lists
// the allowed values (the vocabulary); it is informative for clients and not
// enforced by the parser (an equality with a value outside it is merely
// false).
type Queryable struct {
	Type Type
	Enum []any
}

// Queryables maps property names to their description. Every property a
// filter names must be in it. A queryable of TypeGeometry denotes the
// feature's geometry ([Feature.Geometry]).
type Queryables map[string]Queryable

// Limits bound the work a filter may cause. Zero fields take the values of
// [DefaultLimits].
type Limits struct {
	MaxLength      int // bytes of filter text
	MaxDepth       int // nesting of operators, functions and parentheses
	MaxNodes       int // nodes of the tree
	MaxCoordinates int // coordinates of all geometry literals together
	MaxLikePattern int // characters of one LIKE pattern
}

// DefaultLimits are the limits used where a field of [Limits] is zero.
func DefaultLimits() Limits {
	return Limits{
		MaxLength:      64 << 10,
		MaxDepth:       48,
		MaxNodes:       4096,
		MaxCoordinates: 20000,
		MaxLikePattern: 256,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxLength <= 0 {
		l.MaxLength = d.MaxLength
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = d.MaxNodes
	}
	if l.MaxCoordinates <= 0 {
		l.MaxCoordinates = d.MaxCoordinates
	}
	if l.MaxLikePattern <= 0 {
		l.MaxLikePattern = d.MaxLikePattern
	}
	return l
}

// Parser parses filters against one layer's queryables.
type Parser struct {
	Queryables Queryables
	Limits     Limits
}

// Parse parses src in the given encoding and type-checks it against q with
// the default limits. Errors are [*Error].
func Parse(src string, lang Lang, q Queryables) (*Expr, error) {
	return Parser{Queryables: q}.Parse(src, lang)
}

// Parse parses src in the given encoding and type-checks it.
func (p Parser) Parse(src string, lang Lang) (*Expr, error) {
	lim := p.Limits.withDefaults()
	if len(src) > lim.MaxLength {
		return nil, errorf(lim.MaxLength, "filter longer than %d bytes", lim.MaxLength)
	}
	if !utf8.ValidString(src) {
		i := 0
		for i < len(src) {
			r, n := utf8.DecodeRuneInString(src[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return nil, errorf(i, "filter is not valid UTF-8")
	}
	b := &budget{lim: lim}
	var root Node
	var err error
	switch lang {
	case Text, "":
		root, err = parseText(src, b)
	case JSON:
		root, err = parseJSON(src, b)
	default:
		return nil, errorf(0, "unknown filter-lang %q (want cql2-text or cql2-json)", string(lang))
	}
	if err != nil {
		return nil, err
	}
	c := checker{q: p.Queryables, lim: lim}
	if err := c.boolean(root); err != nil {
		return nil, err
	}
	return newExpr(root, p.Queryables), nil
}

// budget counts nodes, depth and coordinates while parsing.
type budget struct {
	lim    Limits
	nodes  int
	depth  int
	coords int
}

func (b *budget) node(pos int) error {
	b.nodes++
	if b.nodes > b.lim.MaxNodes {
		return errorf(pos, "filter has more than %d nodes", b.lim.MaxNodes)
	}
	return nil
}

func (b *budget) enter(pos int) error {
	b.depth++
	if b.depth > b.lim.MaxDepth {
		return errorf(pos, "filter nested deeper than %d levels", b.lim.MaxDepth)
	}
	return nil
}

func (b *budget) leave() { b.depth-- }

func (b *budget) geometry(pos int, g orb.Geometry) error {
	b.coords += countCoords(g)
	if b.coords > b.lim.MaxCoordinates {
		return errorf(pos, "geometry literals have more than %d coordinates", b.lim.MaxCoordinates)
	}
	return nil
}
