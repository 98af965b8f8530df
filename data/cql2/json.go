package cql2

import (
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/paulmach/orb/geojson"
)

// jv is a JSON value with the byte offsets it spans in the source.
type jv struct {
	pos, end int
	kind     byte // '{', '[', 's', 'n', 'b', '0' (null)
	members  []jmember
	items    []*jv
	str      string
	num      json.Number
	b        bool
}

type jmember struct {
	key string
	pos int
	val *jv
}

func (v *jv) describe() string {
	switch v.kind {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 's':
		return "a string"
	case 'n':
		return "a number"
	case 'b':
		return "a boolean"
	}
	return "null"
}

func (v *jv) member(key string) *jv {
	for _, m := range v.members {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// jsonReader builds a jv tree with encoding/json's tokenizer, tracking
// offsets and nesting.
type jsonReader struct {
	src   string
	dec   *json.Decoder
	depth int
	max   int
	count int
	maxN  int
}

// start is the offset of the next token: after the last one, past
// whitespace and separators.
func (r *jsonReader) start() int {
	i := int(r.dec.InputOffset())
	for i < len(r.src) && strings.IndexByte(" \t\r\n,:", r.src[i]) >= 0 {
		i++
	}
	return i
}

func (r *jsonReader) syntax(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return errorf(int(se.Offset), "invalid JSON: %v", se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errorf(len(r.src), "invalid JSON: unexpected end of filter")
	}
	return errorf(r.start(), "invalid JSON: %v", err)
}

func (r *jsonReader) value() (*jv, error) {
	pos := r.start()
	tok, err := r.dec.Token()
	if err != nil {
		return nil, r.syntax(err)
	}
	r.count++
	if r.count > r.maxN {
		return nil, errorf(pos, "filter has more than %d JSON values", r.maxN)
	}
	v := &jv{pos: pos}
	switch t := tok.(type) {
	case json.Delim:
		r.depth++
		if r.depth > r.max {
			return nil, errorf(pos, "filter nested deeper than %d levels", r.max)
		}
		defer func() { r.depth-- }()
		if t == '{' {
			v.kind = '{'
			for r.dec.More() {
				kpos := r.start()
				k, err := r.dec.Token()
				if err != nil {
					return nil, r.syntax(err)
				}
				key, ok := k.(string)
				if !ok {
					return nil, errorf(kpos, "invalid JSON: object key is not a string")
				}
				val, err := r.value()
				if err != nil {
					return nil, err
				}
				if v.member(key) != nil {
					return nil, errorf(kpos, "duplicate member %q", key)
				}
				v.members = append(v.members, jmember{key: key, pos: kpos, val: val})
			}
		} else {
			v.kind = '['
			for r.dec.More() {
				item, err := r.value()
				if err != nil {
					return nil, err
				}
				v.items = append(v.items, item)
			}
		}
		if _, err := r.dec.Token(); err != nil {
			return nil, r.syntax(err)
		}
	case string:
		v.kind, v.str = 's', t
	case json.Number:
		v.kind, v.num = 'n', t
	case bool:
		v.kind, v.b = 'b', t
	case nil:
		v.kind = '0'
	}
	v.end = int(r.dec.InputOffset())
	return v, nil
}

func parseJSON(src string, b *budget) (Node, error) {
	dec := json.NewDecoder(strings.NewReader(src))
	dec.UseNumber()
	// Geometry coordinates nest up to four arrays below an operator.
	r := &jsonReader{src: src, dec: dec, max: b.lim.MaxDepth + 6, maxN: b.lim.MaxNodes + b.lim.MaxCoordinates*3}
	if strings.TrimSpace(src) == "" {
		return nil, errorf(0, "empty filter")
	}
	root, err := r.value()
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errorf(r.start(), "invalid JSON: more after the filter's end")
	}
	jp := &jsonParser{src: src, b: b}
	return jp.node(root)
}

type jsonParser struct {
	src string
	b   *budget
}

var jsonOps = func() map[string]string {
	m := map[string]string{}
	for _, op := range []string{"and", "or", "not", "=", "<>", "<", "<=", ">", ">=", "like", "between", "in", "isNull", "casei", "+", "-", "*", "/", "%", "div", "^"} {
		m[strings.ToLower(op)] = op
	}
	for op := range spatialOps {
		m[op] = op
	}
	return m
}()

func (p *jsonParser) node(v *jv) (Node, error) {
	if err := p.b.node(v.pos); err != nil {
		return nil, err
	}
	switch v.kind {
	case 's':
		return &Literal{Offset: v.pos, Kind: KindString, Str: v.str}, nil
	case 'n':
		f, err := v.num.Float64()
		if err != nil {
			return nil, errorf(v.pos, "invalid number %s", v.num)
		}
		return &Literal{Offset: v.pos, Kind: KindNumber, Num: f}, nil
	case 'b':
		return &Literal{Offset: v.pos, Kind: KindBool, Bool: v.b}, nil
	case '0':
		return nil, errorf(v.pos, "null is not a CQL2 value (use the isNull operator)")
	case '[':
		return nil, errorf(v.pos, "an array is only allowed as the list of an 'in' operator (array functions are not implemented)")
	}
	if op := v.member("op"); op != nil {
		return p.call(v, op)
	}
	if prop := v.member("property"); prop != nil {
		if prop.kind != 's' || prop.str == "" {
			return nil, errorf(prop.pos, "expected a property name string, found %s", prop.describe())
		}
		return &Property{Offset: v.pos, Name: prop.str}, nil
	}
	for _, k := range []string{"date", "timestamp"} {
		if t := v.member(k); t != nil {
			if t.kind != 's' {
				return nil, errorf(t.pos, "expected a %s string, found %s", k, t.describe())
			}
			return temporalLiteral(t.pos, k == "date", t.str)
		}
	}
	if v.member("interval") != nil {
		return nil, errorf(v.pos, "intervals are not supported (temporal functions are not implemented)")
	}
	if bb := v.member("bbox"); bb != nil {
		if bb.kind != '[' {
			return nil, errorf(bb.pos, "expected an array of 4 or 6 numbers for bbox, found %s", bb.describe())
		}
		var nums []float64
		for _, it := range bb.items {
			if it.kind != 'n' {
				return nil, errorf(it.pos, "expected a number in bbox, found %s", it.describe())
			}
			f, err := it.num.Float64()
			if err != nil {
				return nil, errorf(it.pos, "invalid number %s", it.num)
			}
			nums = append(nums, f)
		}
		return bboxLiteral(v.pos, nums, p.b)
	}
	if v.member("type") != nil {
		g, err := geojson.UnmarshalGeometry([]byte(p.src[v.pos:v.end]))
		if err != nil {
			return nil, errorf(v.pos, "invalid GeoJSON geometry: %v", err)
		}
		geo := g.Geometry()
		if geo == nil {
			return nil, errorf(v.pos, "invalid GeoJSON geometry: no coordinates")
		}
		if err := checkGeometry(geo); err != nil {
			return nil, errorf(v.pos, "invalid GeoJSON geometry: %v", err)
		}
		if err := p.b.geometry(v.pos, geo); err != nil {
			return nil, err
		}
		return &Geometry{Offset: v.pos, Geom: geo}, nil
	}
	return nil, errorf(v.pos, `expected an expression object ("op", "property", "date", "timestamp", "bbox" or a GeoJSON geometry)`)
}

func (p *jsonParser) call(v, opv *jv) (Node, error) {
	if opv.kind != 's' {
		return nil, errorf(opv.pos, "expected an operator name string, found %s", opv.describe())
	}
	op, ok := jsonOps[strings.ToLower(opv.str)]
	if !ok {
		_, err := functionOp(opv.pos, opv.str)
		return nil, err
	}
	argsv := v.member("args")
	if argsv == nil {
		return nil, errorf(v.pos, "operator %q has no \"args\"", opv.str)
	}
	if argsv.kind != '[' {
		return nil, errorf(argsv.pos, "expected an array of arguments for %q, found %s", opv.str, argsv.describe())
	}
	if err := p.b.enter(v.pos); err != nil {
		return nil, err
	}
	defer p.b.leave()
	var args []Node
	for i, a := range argsv.items {
		if op == "in" && i == 1 && a.kind == '[' {
			list := &List{Offset: a.pos}
			for _, it := range a.items {
				n, err := p.node(it)
				if err != nil {
					return nil, err
				}
				list.Items = append(list.Items, n)
			}
			if len(list.Items) == 0 {
				return nil, errorf(a.pos, "empty IN list")
			}
			args = append(args, list)
			continue
		}
		n, err := p.node(a)
		if err != nil {
			return nil, err
		}
		args = append(args, n)
	}
	return &Call{Offset: v.pos, Op: op, Args: args}, nil
}
