package cql2

import (
	"strings"
)

// checker type-checks a tree against the queryables.
type checker struct {
	q   Queryables
	lim Limits
}

func describeNode(n Node) string {
	switch n := n.(type) {
	case *Property:
		return "property " + n.Name
	case *Literal:
		return n.Kind.String() + " literal"
	case *Geometry:
		return "geometry literal"
	case *List:
		return "list"
	case *Call:
		return opName(n.Op)
	}
	return "expression"
}

func opName(op string) string {
	switch op {
	case "and", "or", "not", "like", "between", "in", "div":
		return strings.ToUpper(op)
	case "isNull":
		return "IS NULL"
	case "casei":
		return "CASEI()"
	}
	if spatialOps[op] {
		return strings.ToUpper(op) + "()"
	}
	return "'" + op + "'"
}

func (c *checker) boolean(n Node) error {
	k, err := c.kind(n)
	if err != nil {
		return err
	}
	if k != KindBool {
		return errorf(n.Pos(), "expected a condition, found %s (of type %s)", describeNode(n), k)
	}
	return nil
}

func (c *checker) arity(n *Call, want int) error {
	if len(n.Args) != want {
		return errorf(n.Pos(), "%s takes %d arguments, got %d", opName(n.Op), want, len(n.Args))
	}
	return nil
}

func comparable(a, b Kind) bool {
	if a == b {
		return a != KindGeometry && a != KindNull
	}
	return (a == KindDate || a == KindTimestamp) && (b == KindDate || b == KindTimestamp)
}

func orderable(k Kind) bool {
	return k == KindString || k == KindNumber || k == KindDate || k == KindTimestamp
}

func (c *checker) kind(n Node) (Kind, error) {
	switch n := n.(type) {
	case *Property:
		q, ok := c.q[n.Name]
		if !ok {
			return 0, errorf(n.Offset, "unknown property %q (see the collection's queryables)", n.Name)
		}
		k := q.Type.kind()
		if k == KindNull {
			return 0, errorf(n.Offset, "property %q has unsupported type %q", n.Name, q.Type)
		}
		return k, nil
	case *Literal:
		return n.Kind, nil
	case *Geometry:
		return KindGeometry, nil
	case *List:
		return 0, errorf(n.Offset, "a list is only allowed after IN")
	case *Call:
		return c.call(n)
	}
	return 0, errorf(0, "unknown node %T", n)
}

func (c *checker) call(n *Call) (Kind, error) {
	switch n.Op {
	case "and", "or":
		if len(n.Args) < 2 {
			return 0, errorf(n.Offset, "%s takes at least 2 arguments, got %d", opName(n.Op), len(n.Args))
		}
		for _, a := range n.Args {
			if err := c.boolean(a); err != nil {
				return 0, err
			}
		}
		return KindBool, nil
	case "not":
		if err := c.arity(n, 1); err != nil {
			return 0, err
		}
		return KindBool, c.boolean(n.Args[0])
	case "=", "<>", "<", "<=", ">", ">=":
		if err := c.arity(n, 2); err != nil {
			return 0, err
		}
		a, b, err := c.pair(n.Args[0], n.Args[1])
		if err != nil {
			return 0, err
		}
		if !comparable(a, b) {
			return 0, errorf(n.Args[1].Pos(), "cannot compare %s (%s) with %s (%s)", describeNode(n.Args[0]), a, describeNode(n.Args[1]), b)
		}
		if n.Op != "=" && n.Op != "<>" && !orderable(a) {
			return 0, errorf(n.Offset, "%s values have no order: use = or <>", a)
		}
		return KindBool, nil
	case "between":
		if err := c.arity(n, 3); err != nil {
			return 0, err
		}
		a, err := c.kind(n.Args[0])
		if err != nil {
			return 0, err
		}
		if !orderable(a) {
			return 0, errorf(n.Args[0].Pos(), "BETWEEN needs a number, string, date or timestamp, found %s (%s)", describeNode(n.Args[0]), a)
		}
		if err := c.comparableWith(n.Args[0], a, n.Args[1:]); err != nil {
			return 0, err
		}
		return KindBool, nil
	case "in":
		if err := c.arity(n, 2); err != nil {
			return 0, err
		}
		a, err := c.kind(n.Args[0])
		if err != nil {
			return 0, err
		}
		list, ok := n.Args[1].(*List)
		if !ok {
			return 0, errorf(n.Args[1].Pos(), "expected a list after IN, found %s", describeNode(n.Args[1]))
		}
		if err := c.comparableWith(n.Args[0], a, list.Items); err != nil {
			return 0, err
		}
		return KindBool, nil
	case "like":
		if err := c.arity(n, 2); err != nil {
			return 0, err
		}
		a, err := c.kind(n.Args[0])
		if err != nil {
			return 0, err
		}
		if a != KindString {
			return 0, errorf(n.Args[0].Pos(), "LIKE needs a string, found %s (%s)", describeNode(n.Args[0]), a)
		}
		pat, ok := likePatternText(n.Args[1])
		if !ok {
			return 0, errorf(n.Args[1].Pos(), "expected a string literal (or CASEI of one) as the LIKE pattern, found %s", describeNode(n.Args[1]))
		}
		if _, err := compileLike(pat, c.lim.MaxLikePattern); err != nil {
			return 0, errorf(n.Args[1].Pos(), "%v", err)
		}
		return KindBool, nil
	case "isNull":
		if err := c.arity(n, 1); err != nil {
			return 0, err
		}
		_, err := c.kind(n.Args[0])
		return KindBool, err
	case "casei":
		if err := c.arity(n, 1); err != nil {
			return 0, err
		}
		a, err := c.kind(n.Args[0])
		if err != nil {
			return 0, err
		}
		if a != KindString {
			return 0, errorf(n.Args[0].Pos(), "CASEI needs a string, found %s (%s)", describeNode(n.Args[0]), a)
		}
		return KindString, nil
	case "+", "-", "*", "/", "%", "div", "^":
		if err := c.arity(n, 2); err != nil {
			return 0, err
		}
		if err := c.allOfKind(n.Args, KindNumber, "arithmetic "+opName(n.Op)+" needs numbers"); err != nil {
			return 0, err
		}
		return KindNumber, nil
	}
	if spatialOps[n.Op] {
		if err := c.arity(n, 2); err != nil {
			return 0, err
		}
		if err := c.allOfKind(n.Args, KindGeometry, opName(n.Op)+" needs geometries"); err != nil {
			return 0, err
		}
		return KindBool, nil
	}
	return 0, errorf(n.Offset, "unknown operator %q", n.Op)
}

func (c *checker) pair(a, b Node) (Kind, Kind, error) {
	ka, err := c.kind(a)
	if err != nil {
		return 0, 0, err
	}
	kb, err := c.kind(b)
	return ka, kb, err
}

// likePatternText returns the pattern of a LIKE: a string literal, or CASEI
// of one (lowered).
func likePatternText(n Node) (string, bool) {
	switch n := n.(type) {
	case *Literal:
		return n.Str, n.Kind == KindString
	case *Call:
		if n.Op == "casei" && len(n.Args) == 1 {
			if s, ok := likePatternText(n.Args[0]); ok {
				return strings.ToLower(s), true
			}
		}
	}
	return "", false
}

// comparableWith checks that every one of items can be compared with
// first, of kind a (BETWEEN's bounds, IN's list).
func (c *checker) comparableWith(first Node, a Kind, items []Node) error {
	for _, it := range items {
		k, err := c.kind(it)
		if err != nil {
			return err
		}
		if !comparable(a, k) {
			return errorf(it.Pos(), "cannot compare %s (%s) with %s (%s)", describeNode(first), a, describeNode(it), k)
		}
	}
	return nil
}

// allOfKind checks that every one of args is of kind want; need says
// what the operator needs, for the error ("… needs numbers, found …").
func (c *checker) allOfKind(args []Node, want Kind, need string) error {
	for _, x := range args {
		k, err := c.kind(x)
		if err != nil {
			return err
		}
		if k != want {
			return errorf(x.Pos(), "%s, found %s (%s)", need, describeNode(x), k)
		}
	}
	return nil
}
