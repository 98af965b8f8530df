package cql2

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"
)

// The random layer: properties s (string), n (number), i (integer),
// b (boolean), d (date), ts (timestamp) and the geometry g, drawn from small
// domains so that equalities, ties, nulls, ill-typed values and touching
// geometries on an integer grid all occur.
func randomQueryables() Queryables {
	return Queryables{
		"s": {Type: TypeString}, "n": {Type: TypeNumber}, "i": {Type: TypeInteger}, "b": {Type: TypeBoolean},
		"d": {Type: TypeDate}, "ts": {Type: TypeTimestamp}, "g": {Type: TypeGeometry},
	}
}

var (
	randStrings = []string{"a", "b", "ab", "Ab", "AB", "ba", "a_b", "a%b", `a\b`, "it's", "ß", "Straße", "STRASSE", "é", "É", "", "abc", "ABC"}
	randNumbers = []float64{-2, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3, 10}
	randDates   = []string{"2020-01-01", "2020-01-02", "2020-01-03", "2019-12-31"}
	randStamps  = []string{"2020-01-01T00:00:00Z", "2020-01-02T12:30:00Z", "2020-01-03T00:00:00+08:00", "2019-12-31T23:59:59.5Z"}
)

type randomFeature struct {
	id    int
	props map[string]any
	geom  orb.Geometry
}

func (f *randomFeature) Property(name string) (any, bool) { v, ok := f.props[name]; return v, ok }
func (f *randomFeature) Geometry() orb.Geometry           { return f.geom }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func randomGridGeometry(r *rand.Rand) orb.Geometry {
	x, y := float64(r.IntN(8)), float64(r.IntN(8))
	w, h := float64(1+r.IntN(4)), float64(1+r.IntN(4))
	switch r.IntN(6) {
	case 0:
		return orb.Point{x, y}
	case 1:
		return orb.LineString{{x, y}, {x + w, y + h}}
	case 2:
		return orb.LineString{{x, y}, {x + w, y}, {x + w, y + h}}
	case 3:
		return orb.Polygon{{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}, {x, y}}}
	case 4:
		return orb.Polygon{{{x, y}, {x + w, y}, {x, y + h}, {x, y}}}
	}
	return orb.MultiPoint{{x, y}, {x + w, y + h}}
}

func randomFeatures(r *rand.Rand, n int) []*randomFeature {
	out := make([]*randomFeature, n)
	for k := range out {
		f := &randomFeature{id: k + 1, props: map[string]any{}}
		maybe := func(name string, v any) {
			switch r.IntN(10) {
			case 0: // absent
			case 1:
				f.props[name] = nil
			case 2: // a value of the wrong type counts as null
				f.props[name] = pick(r, []any{"x", 1.0, true})
			default:
				f.props[name] = v
			}
		}
		maybe("s", pick(r, randStrings))
		maybe("n", pick(r, randNumbers))
		maybe("i", float64(r.IntN(5)))
		maybe("b", r.IntN(2) == 0)
		maybe("d", pick(r, randDates))
		maybe("ts", pick(r, randStamps))
		if r.IntN(12) != 0 {
			f.geom = randomGridGeometry(r)
		}
		out[k] = f
	}
	return out
}

// gen writes one random filter in cql2-text and cql2-json at once.
type gen struct{ r *rand.Rand }

func jsonString(s string) string { return strconv.Quote(s) }
func textString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func num(f float64) string       { return strconv.FormatFloat(f, 'g', -1, 64) }
func jprop(n string) string      { return `{"property":"` + n + `"}` }
func jop(op string, args ...string) string {
	return `{"op":"` + op + `","args":[` + strings.Join(args, ",") + `]}`
}

var cmpOps = []string{"=", "<>", "<", "<=", ">", ">="}

func (g gen) numeric(depth int) (string, string) {
	switch c := g.r.IntN(6); {
	case c < 2:
		p := pick(g.r, []string{"n", "i"})
		return `"` + p + `"`, jprop(p)
	case c < 4 || depth <= 0:
		f := pick(g.r, randNumbers)
		return num(f), num(f)
	}
	op := pick(g.r, []string{"+", "-", "*", "/", "%", "div", "^"})
	at, aj := g.numeric(depth - 1)
	bt, bj := g.numeric(depth - 1)
	return "(" + at + " " + op + " " + bt + ")", jop(op, aj, bj)
}

func (g gen) str() (string, string) {
	if g.r.IntN(3) == 0 {
		s := pick(g.r, randStrings)
		return "CASEI(" + textString(s) + ")", jop("casei", jsonString(s))
	}
	s := pick(g.r, randStrings)
	return textString(s), jsonString(s)
}

func (g gen) strProp() (string, string) {
	if g.r.IntN(3) == 0 {
		return "CASEI(s)", jop("casei", jprop("s"))
	}
	return "s", jprop("s")
}

func (g gen) likePattern() string {
	var sb strings.Builder
	for k := g.r.IntN(5); k >= 0; k-- {
		sb.WriteString(pick(g.r, []string{"a", "b", "A", "%", "_", `\%`, `\_`, `\\`, "ß", "'"}))
	}
	return sb.String()
}

func (g gen) geometry() (string, string) {
	if g.r.IntN(4) == 0 {
		x, y := float64(g.r.IntN(9)), float64(g.r.IntN(9))
		w, h := float64(g.r.IntN(4)), float64(g.r.IntN(4))
		return fmt.Sprintf("BBOX(%s,%s,%s,%s)", num(x), num(y), num(x+w), num(y+h)),
			fmt.Sprintf(`{"bbox":[%s,%s,%s,%s]}`, num(x), num(y), num(x+w), num(y+h))
	}
	geo := randomGridGeometry(g.r)
	j, _ := geojson.NewGeometry(geo).MarshalJSON()
	return wkt.MarshalString(geo), string(j)
}

func (g gen) cond(depth int) (string, string) {
	if depth > 0 && g.r.IntN(3) == 0 {
		switch g.r.IntN(3) {
		case 0:
			t, j := g.cond(depth - 1)
			return "NOT (" + t + ")", jop("not", j)
		default:
			op := pick(g.r, []string{"AND", "OR"})
			at, aj := g.cond(depth - 1)
			bt, bj := g.cond(depth - 1)
			return "(" + at + ") " + op + " (" + bt + ")", jop(strings.ToLower(op), aj, bj)
		}
	}
	switch g.r.IntN(12) {
	case 0:
		op := pick(g.r, cmpOps)
		at, aj := g.strProp()
		bt, bj := g.str()
		return at + " " + op + " " + bt, jop(op, aj, bj)
	case 1:
		op := pick(g.r, cmpOps)
		at, aj := g.numeric(2)
		bt, bj := g.numeric(1)
		return at + " " + op + " " + bt, jop(op, aj, bj)
	case 2:
		v := g.r.IntN(2) == 0
		op := pick(g.r, []string{"=", "<>"})
		return "b " + op + " " + strconv.FormatBool(v), jop(op, jprop("b"), strconv.FormatBool(v))
	case 3:
		op := pick(g.r, cmpOps)
		p := pick(g.r, []string{"d", "ts"})
		if g.r.IntN(2) == 0 {
			v := pick(g.r, randDates)
			return p + " " + op + " DATE('" + v + "')", jop(op, jprop(p), `{"date":"`+v+`"}`)
		}
		v := pick(g.r, randStamps)
		return p + " " + op + " TIMESTAMP('" + v + "')", jop(op, jprop(p), `{"timestamp":"`+v+`"}`)
	case 4:
		pat := g.likePattern()
		at, aj := g.strProp()
		pt, pj := textString(pat), jsonString(pat)
		if g.r.IntN(3) == 0 {
			pt, pj = "CASEI("+pt+")", jop("casei", pj)
		}
		if g.r.IntN(3) == 0 {
			return at + " NOT LIKE " + pt, jop("not", jop("like", aj, pj))
		}
		return at + " LIKE " + pt, jop("like", aj, pj)
	case 5:
		at, aj := g.numeric(1)
		lo, hi := pick(g.r, randNumbers), pick(g.r, randNumbers)
		return at + " BETWEEN " + num(lo) + " AND " + num(hi), jop("between", aj, num(lo), num(hi))
	case 6:
		var ts, js []string
		for k := g.r.IntN(3); k >= 0; k-- {
			t, j := g.str()
			ts, js = append(ts, t), append(js, j)
		}
		at, aj := g.strProp()
		return at + " IN (" + strings.Join(ts, ", ") + ")", jop("in", aj, "["+strings.Join(js, ",")+"]")
	case 7:
		var ts []string
		for k := g.r.IntN(3); k >= 0; k-- {
			ts = append(ts, num(float64(g.r.IntN(5))))
		}
		return "i IN (" + strings.Join(ts, ",") + ")", jop("in", jprop("i"), "["+strings.Join(ts, ",")+"]")
	case 8:
		p := pick(g.r, []string{"s", "n", "i", "b", "d", "ts", "g"})
		if g.r.IntN(2) == 0 {
			return p + " IS NOT NULL", jop("not", jop("isNull", jprop(p)))
		}
		return p + " IS NULL", jop("isNull", jprop(p))
	case 9:
		return "d BETWEEN DATE('2020-01-01') AND TIMESTAMP('2020-01-02T12:00:00Z')",
			jop("between", jprop("d"), `{"date":"2020-01-01"}`, `{"timestamp":"2020-01-02T12:00:00Z"}`)
	}
	fn := pick(g.r, []string{"s_intersects", "s_intersects", "s_contains", "s_within", "s_disjoint", "s_equals", "s_touches", "s_crosses", "s_overlaps"})
	gt, gj := g.geometry()
	if g.r.IntN(3) == 0 {
		return strings.ToUpper(fn) + "(" + gt + ", g)", jop(fn, gj, jprop("g"))
	}
	return fn + "(g, " + gt + ")", jop(fn, jprop("g"), gj)
}

// randomFilters returns n random filters in both encodings, each checked to
// parse in both to the same tree.
func randomFilters(t testing.TB, r *rand.Rand, n int) (texts []string, exprs []*Expr) {
	q := randomQueryables()
	g := gen{r}
	for len(exprs) < n {
		text, js := g.cond(3)
		et, err := Parse(text, Text, q)
		if err != nil {
			t.Fatalf("text %s: %v", text, err)
		}
		ej, err := Parse(js, JSON, q)
		if err != nil {
			t.Fatalf("json %s: %v", js, err)
		}
		if !reflect.DeepEqual(stripPos(et.Root()), stripPos(ej.Root())) {
			t.Fatalf("text and JSON trees differ for\n%s\n%s", text, js)
		}
		texts, exprs = append(texts, text), append(exprs, et)
	}
	return texts, exprs
}

// TestRandomBounds checks Bounds against brute force: every matching
// feature's geometry intersects the box.
func TestRandomBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fs := randomFeatures(r, 300)
	texts, exprs := randomFilters(t, r, 1500)
	withBounds := 0
	for k, e := range exprs {
		b, ok := e.Bounds()
		if !ok {
			continue
		}
		withBounds++
		for _, f := range fs {
			if e.Match(f) && !f.geom.Bound().Intersects(b) {
				t.Fatalf("%s: feature %d (%v) matches but is outside Bounds %v", texts[k], f.id, f.geom, b)
			}
		}
	}
	if withBounds < 100 {
		t.Fatalf("only %d of %d random filters had bounds", withBounds, len(exprs))
	}
}

// TestLikeAgainstRegexp compares the LIKE matcher with Go's RE2 regexp
// (linear time too) on random patterns and values.
func TestLikeAgainstRegexp(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "b", "%", "_", `\%`, `\_`, `\\`, "é"}
	for k := 0; k < 20000; k++ {
		var pat strings.Builder
		for n := r.IntN(7); n > 0; n-- {
			pat.WriteString(pick(r, alphabet))
		}
		var val strings.Builder
		for n := r.IntN(7); n > 0; n-- {
			val.WriteString(pick(r, []string{"a", "b", "%", "_", `\`, "é"}))
		}
		lp, err := compileLike(pat.String(), 100)
		if err != nil {
			t.Fatalf("%q: %v", pat.String(), err)
		}
		want := likeRegexp(pat.String()).MatchString(val.String())
		if got := lp.match(val.String()); got != want {
			t.Fatalf("%q LIKE %q = %v, regexp says %v", val.String(), pat.String(), got, want)
		}
	}
}
