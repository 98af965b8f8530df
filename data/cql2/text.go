package cql2

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tQuoted // "double-quoted" property name
	tString
	tNumber
	tPunct
)

type token struct {
	kind tokKind
	pos  int
	end  int
	text string // identifier, string value, number text or punctuation
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of filter"
	case tString:
		return "'" + clip(t.text) + "'"
	case tQuoted:
		return `"` + clip(t.text) + `"`
	}
	return "'" + clip(t.text) + "'"
}

func clip(s string) string {
	if utf8.RuneCountInString(s) > 24 {
		r := []rune(s)
		return string(r[:24]) + "…"
	}
	return s
}

// lexer reads cql2-text tokens on demand, so a geometry literal can be
// handed to the WKT decoder as raw text.
type lexer struct {
	src  string
	pos  int
	peek *token
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		l.pos += n
	}
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool {
	return r == '_' || r == ':' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

func (l *lexer) next() (token, error) {
	if l.peek != nil {
		t := *l.peek
		l.peek = nil
		return t, nil
	}
	return l.scan()
}

func (l *lexer) look() (token, error) {
	if l.peek == nil {
		t, err := l.scan()
		if err != nil {
			return t, err
		}
		l.peek = &t
	}
	return *l.peek, nil
}

// reset moves the lexer to a byte offset, dropping any peeked token.
func (l *lexer) reset(pos int) { l.pos, l.peek = pos, nil }

func (l *lexer) scan() (token, error) {
	l.skipSpace()
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, pos: start, end: start}, nil
	}
	r, n := utf8.DecodeRuneInString(l.src[l.pos:])
	switch {
	case r == utf8.RuneError && n == 1:
		return token{}, errorf(start, "invalid UTF-8")
	case isIdentStart(r):
		l.pos += n
		for l.pos < len(l.src) {
			r, n := utf8.DecodeRuneInString(l.src[l.pos:])
			if !isIdentPart(r) {
				break
			}
			l.pos += n
		}
		return token{kind: tIdent, pos: start, end: l.pos, text: l.src[start:l.pos]}, nil
	case r == '"':
		var sb strings.Builder
		l.pos++
		for {
			i := strings.IndexByte(l.src[l.pos:], '"')
			if i < 0 {
				return token{}, errorf(start, "unterminated double-quoted property name")
			}
			sb.WriteString(l.src[l.pos : l.pos+i])
			l.pos += i + 1
			if l.pos < len(l.src) && l.src[l.pos] == '"' {
				sb.WriteByte('"')
				l.pos++
				continue
			}
			break
		}
		if sb.Len() == 0 {
			return token{}, errorf(start, "empty property name")
		}
		return token{kind: tQuoted, pos: start, end: l.pos, text: sb.String()}, nil
	case r == '\'':
		// A quote inside a string is doubled. The BNF's other escapeQuote,
		// \', is not accepted: it would make a LIKE pattern ending in an
		// escaped backslash ('a\\') unterminated.
		var sb strings.Builder
		l.pos++
		for {
			if l.pos >= len(l.src) {
				return token{}, errorf(start, "unterminated string literal")
			}
			c := l.src[l.pos]
			switch {
			case c == '\'' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '\'':
				sb.WriteByte('\'')
				l.pos += 2
				continue
			case c == '\'':
				l.pos++
				return token{kind: tString, pos: start, end: l.pos, text: sb.String()}, nil
			}
			sb.WriteByte(c)
			l.pos++
		}
	case r >= '0' && r <= '9' || r == '.' && l.pos+1 < len(l.src) && l.src[l.pos+1] >= '0' && l.src[l.pos+1] <= '9':
		l.pos = scanNumber(l.src, l.pos)
		return token{kind: tNumber, pos: start, end: l.pos, text: l.src[start:l.pos]}, nil
	}
	for _, p := range []string{"<>", "<=", ">=", "=", "<", ">", "(", ")", ",", "+", "-", "*", "/", "%", "^"} {
		if strings.HasPrefix(l.src[l.pos:], p) {
			l.pos += len(p)
			return token{kind: tPunct, pos: start, end: l.pos, text: p}, nil
		}
	}
	return token{}, errorf(start, "unexpected character %q", r)
}

// scanNumber returns the end of the unsigned number starting at i.
func scanNumber(s string, i int) int {
	digits := func() {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	digits()
	if i < len(s) && s[i] == '.' {
		i++
		digits()
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			i = j
			digits()
		}
	}
	return i
}

// textParser is a recursive-descent parser of cql2-text (OGC 21-065r2
// Annex A, BNF), with one precedence ladder for boolean and arithmetic
// expressions; the checker rejects mixes such as (a AND b) + 1.
type textParser struct {
	lx   lexer
	b    *budget
	prev token
}

func parseText(src string, b *budget) (Node, error) {
	p := &textParser{lx: lexer{src: src}, b: b}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	t, err := p.lx.next()
	if err != nil {
		return nil, err
	}
	if t.kind != tEOF {
		return nil, errorf(t.pos, "expected AND, OR or the end of the filter, found %s", t.describe())
	}
	return n, nil
}

func (p *textParser) next() (token, error) {
	t, err := p.lx.next()
	if err == nil {
		p.prev = t
	}
	return t, err
}

func isKeyword(t token, kw string) bool { return t.kind == tIdent && strings.EqualFold(t.text, kw) }
func isPunct(t token, s string) bool    { return t.kind == tPunct && t.text == s }

// accept consumes the next token if it is the keyword (or punctuation) s.
func (p *textParser) accept(s string) (bool, error) {
	t, err := p.lx.look()
	if err != nil {
		return false, err
	}
	if isKeyword(t, s) || isPunct(t, s) {
		p.next()
		return true, nil
	}
	return false, nil
}

func (p *textParser) expect(s, what string) (token, error) {
	t, err := p.lx.look()
	if err != nil {
		return t, err
	}
	if isKeyword(t, s) || isPunct(t, s) {
		return p.next()
	}
	return t, errorf(t.pos, "expected %s after %s, found %s", what, p.prev.describe(), t.describe())
}

func (p *textParser) call(pos int, op string, args ...Node) (Node, error) {
	if err := p.b.node(pos); err != nil {
		return nil, err
	}
	return &Call{Offset: pos, Op: op, Args: args}, nil
}

// chain parses operands joined by the keyword kw into one n-ary call.
func (p *textParser) chain(kw, op string, operand func() (Node, error)) (Node, error) {
	first, err := operand()
	if err != nil {
		return nil, err
	}
	args := []Node{first}
	for {
		ok, err := p.accept(kw)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		n, err := operand()
		if err != nil {
			return nil, err
		}
		args = append(args, n)
	}
	if len(args) == 1 {
		return first, nil
	}
	return p.call(first.Pos(), op, args...)
}

func (p *textParser) or() (Node, error)  { return p.chain("OR", "or", p.and) }
func (p *textParser) and() (Node, error) { return p.chain("AND", "and", p.not) }

func (p *textParser) not() (Node, error) {
	t, err := p.lx.look()
	if err != nil {
		return nil, err
	}
	if isKeyword(t, "NOT") {
		p.next()
		if err := p.b.enter(t.pos); err != nil {
			return nil, err
		}
		n, err := p.not()
		p.b.leave()
		if err != nil {
			return nil, err
		}
		return p.call(t.pos, "not", n)
	}
	return p.predicate()
}

var comparisonOps = map[string]bool{"=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true}

func (p *textParser) predicate() (Node, error) {
	left, err := p.arith()
	if err != nil {
		return nil, err
	}
	t, err := p.lx.look()
	if err != nil {
		return nil, err
	}
	if t.kind == tPunct && comparisonOps[t.text] {
		p.next()
		right, err := p.arith()
		if err != nil {
			return nil, err
		}
		return p.call(t.pos, t.text, left, right)
	}
	if isKeyword(t, "IS") {
		p.next()
		neg, err := p.accept("NOT")
		if err != nil {
			return nil, err
		}
		if _, err := p.expect("NULL", "NULL"); err != nil {
			return nil, err
		}
		n, err := p.call(t.pos, "isNull", left)
		if err != nil || !neg {
			return n, err
		}
		return p.call(t.pos, "not", n)
	}
	negPos := -1
	if isKeyword(t, "NOT") {
		// NOT LIKE, NOT BETWEEN, NOT IN.
		p.next()
		negPos = t.pos
		if t, err = p.lx.look(); err != nil {
			return nil, err
		}
		if !isKeyword(t, "LIKE") && !isKeyword(t, "BETWEEN") && !isKeyword(t, "IN") {
			return nil, errorf(t.pos, "expected LIKE, BETWEEN or IN after NOT, found %s", t.describe())
		}
	}
	var n Node
	switch {
	case isKeyword(t, "LIKE"):
		p.next()
		pat, err := p.arith()
		if err != nil {
			return nil, err
		}
		n, err = p.call(t.pos, "like", left, pat)
		if err != nil {
			return nil, err
		}
	case isKeyword(t, "BETWEEN"):
		p.next()
		lo, err := p.arith()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect("AND", "AND"); err != nil {
			return nil, err
		}
		hi, err := p.arith()
		if err != nil {
			return nil, err
		}
		n, err = p.call(t.pos, "between", left, lo, hi)
		if err != nil {
			return nil, err
		}
	case isKeyword(t, "IN"):
		p.next()
		open, err := p.expect("(", "'(' to open the IN list")
		if err != nil {
			return nil, err
		}
		items, err := p.args(open.pos)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			return nil, errorf(open.pos, "empty IN list")
		}
		n, err = p.call(t.pos, "in", left, &List{Offset: open.pos, Items: items})
		if err != nil {
			return nil, err
		}
	default:
		return left, nil
	}
	if negPos >= 0 {
		return p.call(negPos, "not", n)
	}
	return n, nil
}

func (p *textParser) arith() (Node, error) {
	left, err := p.term()
	if err != nil {
		return nil, err
	}
	for {
		t, err := p.lx.look()
		if err != nil {
			return nil, err
		}
		if !isPunct(t, "+") && !isPunct(t, "-") {
			return left, nil
		}
		p.next()
		right, err := p.term()
		if err != nil {
			return nil, err
		}
		if left, err = p.call(t.pos, t.text, left, right); err != nil {
			return nil, err
		}
	}
}

func (p *textParser) term() (Node, error) {
	left, err := p.power()
	if err != nil {
		return nil, err
	}
	for {
		t, err := p.lx.look()
		if err != nil {
			return nil, err
		}
		op := ""
		switch {
		case isPunct(t, "*"), isPunct(t, "/"), isPunct(t, "%"):
			op = t.text
		case isKeyword(t, "DIV"):
			op = "div"
		default:
			return left, nil
		}
		p.next()
		right, err := p.power()
		if err != nil {
			return nil, err
		}
		if left, err = p.call(t.pos, op, left, right); err != nil {
			return nil, err
		}
	}
}

func (p *textParser) power() (Node, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	t, err := p.lx.look()
	if err != nil || !isPunct(t, "^") {
		return left, err
	}
	p.next()
	right, err := p.unary()
	if err != nil {
		return nil, err
	}
	return p.call(t.pos, "^", left, right)
}

func (p *textParser) unary() (Node, error) {
	t, err := p.lx.look()
	if err != nil {
		return nil, err
	}
	if !isPunct(t, "-") && !isPunct(t, "+") {
		return p.primary()
	}
	p.next()
	if err := p.b.enter(t.pos); err != nil {
		return nil, err
	}
	defer p.b.leave()
	n, err := p.unary()
	if err != nil {
		return nil, err
	}
	if t.text == "+" {
		return n, nil
	}
	if lit, ok := n.(*Literal); ok && lit.Kind == KindNumber && lit.Offset == t.end {
		// A signed numeric literal: -5.
		lit.Num, lit.Offset = -lit.Num, t.pos
		return lit, nil
	}
	// -x is -1 * x, as the standard's own example 85 writes it.
	if err := p.b.node(t.pos); err != nil {
		return nil, err
	}
	return p.call(t.pos, "*", &Literal{Offset: t.pos, Kind: KindNumber, Num: -1}, n)
}

// args parses comma-separated expressions up to the closing parenthesis;
// the opening one is consumed.
func (p *textParser) args(open int) ([]Node, error) {
	if err := p.b.enter(open); err != nil {
		return nil, err
	}
	defer p.b.leave()
	if ok, err := p.accept(")"); ok || err != nil {
		return nil, err
	}
	var out []Node
	for {
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		out = append(out, n)
		t, err := p.lx.look()
		if err != nil {
			return nil, err
		}
		if isPunct(t, ",") {
			p.next()
			continue
		}
		if isPunct(t, ")") {
			p.next()
			return out, nil
		}
		return nil, errorf(t.pos, "expected ',' or ')' after %s, found %s", p.prev.describe(), t.describe())
	}
}

var geometryKeywords = map[string]bool{
	"POINT": true, "LINESTRING": true, "POLYGON": true, "MULTIPOINT": true,
	"MULTILINESTRING": true, "MULTIPOLYGON": true, "GEOMETRYCOLLECTION": true,
}

func (p *textParser) primary() (Node, error) {
	before := p.prev
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	if err := p.b.node(t.pos); err != nil {
		return nil, err
	}
	switch t.kind {
	case tEOF:
		if before.kind == tEOF && before.pos == 0 && before.text == "" {
			return nil, errorf(t.pos, "empty filter")
		}
		return nil, errorf(t.pos, "expected a value after %s, found end of filter", before.describe())
	case tString:
		return &Literal{Offset: t.pos, Kind: KindString, Str: t.text}, nil
	case tNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, errorf(t.pos, "invalid number %s", t.text)
		}
		return &Literal{Offset: t.pos, Kind: KindNumber, Num: f}, nil
	case tQuoted:
		return &Property{Offset: t.pos, Name: t.text}, nil
	case tPunct:
		if t.text == "(" {
			if err := p.b.enter(t.pos); err != nil {
				return nil, err
			}
			n, err := p.or()
			p.b.leave()
			if err != nil {
				return nil, err
			}
			if _, err := p.expect(")", "')'"); err != nil {
				return nil, err
			}
			return n, nil
		}
		if before.kind == tEOF && before.text == "" {
			return nil, errorf(t.pos, "expected a value, found %s", t.describe())
		}
		return nil, errorf(t.pos, "expected a value after %s, found %s", before.describe(), t.describe())
	}
	// An identifier: keyword, function or property name.
	upper := strings.ToUpper(t.text)
	switch upper {
	case "TRUE", "FALSE":
		return &Literal{Offset: t.pos, Kind: KindBool, Bool: upper == "TRUE"}, nil
	case "AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL", "DIV":
		return nil, errorf(t.pos, "expected a value after %s, found %s", before.describe(), t.describe())
	}
	if geometryKeywords[upper] {
		return p.wkt(t)
	}
	nt, err := p.lx.look()
	if err != nil {
		return nil, err
	}
	if !isPunct(nt, "(") {
		return &Property{Offset: t.pos, Name: t.text}, nil
	}
	p.next()
	switch upper {
	case "DATE", "TIMESTAMP":
		s, err := p.next()
		if err != nil {
			return nil, err
		}
		if s.kind != tString {
			return nil, errorf(s.pos, "expected a quoted %s after %s(, found %s", strings.ToLower(upper), upper, s.describe())
		}
		if _, err := p.expect(")", "')'"); err != nil {
			return nil, err
		}
		return temporalLiteral(s.pos, upper == "DATE", s.text)
	case "BBOX":
		return p.bbox(t.pos)
	}
	op, err := functionOp(t.pos, t.text)
	if err != nil {
		return nil, err
	}
	if err := p.b.enter(t.pos); err != nil {
		return nil, err
	}
	args, err := p.args(nt.pos)
	p.b.leave()
	if err != nil {
		return nil, err
	}
	return &Call{Offset: t.pos, Op: op, Args: args}, nil
}

// functionOp maps a function name (any case) to its operator name, or
// explains why it is not supported.
func functionOp(pos int, name string) (string, error) {
	lower := strings.ToLower(name)
	switch {
	case lower == "casei":
		return lower, nil
	case spatialOps[lower]:
		return lower, nil
	case lower == "accenti":
		return "", errorf(pos, "ACCENTI is not supported (accent-insensitive comparison is not implemented)")
	case strings.HasPrefix(lower, "t_") || lower == "interval":
		return "", errorf(pos, "%s is not supported (temporal functions are not implemented; compare DATE or TIMESTAMP values with <, >, BETWEEN)", name)
	case strings.HasPrefix(lower, "a_"):
		return "", errorf(pos, "%s is not supported (array functions are not implemented)", name)
	}
	return "", errorf(pos, "unknown function %s", name)
}

var spatialOps = map[string]bool{
	"s_intersects": true, "s_contains": true, "s_within": true, "s_disjoint": true,
	"s_equals": true, "s_touches": true, "s_crosses": true, "s_overlaps": true,
}

func temporalLiteral(pos int, date bool, s string) (Node, error) {
	if date {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, errorf(pos, "invalid DATE %q: want YYYY-MM-DD", s)
		}
		return &Literal{Offset: pos, Kind: KindDate, Time: t}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, errorf(pos, "invalid TIMESTAMP %q: want RFC 3339, e.g. 2012-08-10T05:30:00Z", s)
	}
	return &Literal{Offset: pos, Kind: KindTimestamp, Time: t.UTC()}, nil
}

// bbox parses the numbers of BBOX( after the parenthesis.
func (p *textParser) bbox(pos int) (Node, error) {
	var nums []float64
	for {
		t, err := p.next()
		if err != nil {
			return nil, err
		}
		sign := 1.0
		if isPunct(t, "-") || isPunct(t, "+") {
			if t.text == "-" {
				sign = -1
			}
			if t, err = p.next(); err != nil {
				return nil, err
			}
		}
		if t.kind != tNumber {
			return nil, errorf(t.pos, "expected a number in BBOX, found %s", t.describe())
		}
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, errorf(t.pos, "invalid number %s", t.text)
		}
		nums = append(nums, sign*f)
		if t, err = p.next(); err != nil {
			return nil, err
		}
		if isPunct(t, ")") {
			break
		}
		if !isPunct(t, ",") || len(nums) == 6 {
			return nil, errorf(t.pos, "expected ',' or ')' in BBOX, found %s", t.describe())
		}
	}
	return bboxLiteral(pos, nums, p.b)
}

// wkt hands the raw text of a geometry literal, from its keyword to the
// parenthesis closing it (or EMPTY), to go-geom's WKT decoder.
func (p *textParser) wkt(kw token) (Node, error) {
	src := p.lx.src
	i := kw.end
	// Optional dimension marker and EMPTY.
	for {
		for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
			i++
		}
		j := i
		for j < len(src) && (src[j] >= 'A' && src[j] <= 'Z' || src[j] >= 'a' && src[j] <= 'z') {
			j++
		}
		word := strings.ToUpper(src[i:j])
		if word == "Z" || word == "M" || word == "ZM" {
			i = j
			continue
		}
		if word == "EMPTY" {
			i = j
			return p.decodeWKT(kw.pos, src[kw.pos:i], i)
		}
		break
	}
	if i >= len(src) || src[i] != '(' {
		return nil, errorf(i, "expected '(' after %s, found %s", strings.ToUpper(kw.text), describeAt(src, i))
	}
	depth := 0
	for ; i < len(src); i++ {
		switch src[i] {
		case '(':
			depth++
			if depth > p.b.lim.MaxDepth {
				return nil, errorf(i, "geometry nested deeper than %d levels", p.b.lim.MaxDepth)
			}
		case ')':
			depth--
		}
		if depth == 0 {
			return p.decodeWKT(kw.pos, src[kw.pos:i+1], i+1)
		}
	}
	return nil, errorf(kw.pos, "unterminated %s literal: missing ')'", strings.ToUpper(kw.text))
}

func describeAt(src string, i int) string {
	if i >= len(src) {
		return "end of filter"
	}
	r, _ := utf8.DecodeRuneInString(src[i:])
	return fmt.Sprintf("'%c'", r)
}

func (p *textParser) decodeWKT(pos int, text string, end int) (Node, error) {
	g, err := wktGeometry(pos, text)
	if err != nil {
		return nil, err
	}
	if err := p.b.geometry(pos, g); err != nil {
		return nil, err
	}
	p.lx.reset(end)
	p.prev = token{kind: tPunct, pos: end - 1, end: end, text: ")"}
	return &Geometry{Offset: pos, Geom: g}, nil
}
