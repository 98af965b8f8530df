package cql2

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestParseErrors(t *testing.T) {
	q := fixtureQueryables()
	deep := strings.Repeat("(", 100) + "floors > 1" + strings.Repeat(")", 100)
	many := "floors IN (" + strings.Repeat("1,", 5000) + "1)"
	cases := []struct {
		lang Lang
		src  string
		at   int
		msg  string
	}{
		{Text, "floors > 5 AND x = )", 19, "expected a value after '=', found ')'"},
		{Text, "floors = ", 9, "expected a value after '=', found end of filter"},
		{Text, "", 0, "empty filter"},
		{Text, "floors > 5 floors", 11, "expected AND, OR or the end of the filter, found 'floors'"},
		{Text, "nope = 1", 0, `unknown property "nope"`},
		{Text, "owner = 5", 8, "cannot compare property owner (string) with number literal (number)"},
		{Text, "floors LIKE 'a%'", 0, "LIKE needs a string"},
		{Text, "owner LIKE 'a\\'", 11, "ends with the escape character"},
		{Text, "owner LIKE '" + strings.Repeat("%a", 200) + "'", 11, "longer than 256"},
		{Text, "owner = 'abc", 8, "unterminated string literal"},
		{Text, "swimming_pool < true", 0, "boolean values have no order"},
		{Text, "floors + 1", 0, "expected a condition"},
		{Text, "S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1)))", 23, "polygon ring doesn't have enough points"},
		{Text, "S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 1)))", 23, "not closed"},
		{Text, "S_INTERSECTS(geometry, POINT(1))", 23, "invalid geometry literal"},
		{Text, "S_INTERSECTS(geometry, BBOX(0, 1, 2))", 23, "BBOX takes 4 or 6 numbers"},
		{Text, "S_INTERSECTS(floors, POINT(1 2))", 13, "needs geometries"},
		{Text, "updated > DATE('2020-13-01')", 15, "invalid DATE"},
		{Text, "floors NOT = 1", 11, "expected LIKE, BETWEEN or IN after NOT"},
		{Text, deep, 48, "nested deeper than 48"},
		{Text, many, 0, "more than 4096 nodes"},
		{Text, strings.Repeat(" ", 70000), 65536, "longer than 65536 bytes"},
		{JSON, `{"op":"=","args":[{"property":"floors"}]}`, 0, "'=' takes 2 arguments, got 1"},
		{JSON, `{"op":"=","args":[{"property":"floors"},"x"]}`, 40, "cannot compare property floors (number) with string literal"},
		{JSON, `{"op":"=","args":[{"property":"floors"},`, 40, "invalid JSON"},
		{JSON, `{"op":"like","args":[{"property":"owner"},null]}`, 42, "null is not a CQL2 value"},
		{JSON, `{"op":"t_before","args":[]}`, 6, "temporal functions are not implemented"},
		{JSON, `{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}]}`, 53, "ring has 3 points"},
		{JSON, strings.Repeat(`{"op":"not","args":[`, 60) + `true` + strings.Repeat(`]}`, 60), 0, "nested deeper than"},
		{"xml", "a", 0, "unknown filter-lang"},
	}
	for _, tc := range cases {
		_, err := Parse(tc.src, tc.lang, q)
		if err == nil {
			t.Errorf("%.60s: parsed, want error %q", tc.src, tc.msg)
			continue
		}
		var pe *Error
		if !asError(err, &pe) {
			t.Errorf("%.60s: error %T %v is not *Error", tc.src, err, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "cql2: at ") {
			t.Errorf("%.60s: error %q, want it to contain %q", tc.src, err, tc.msg)
		}
		if tc.at != 0 && pe.Offset != tc.at {
			t.Errorf("%.60s: error at %d, want %d (%v)", tc.src, pe.Offset, tc.at, err)
		}
	}
}

// The message the brief of the API promises, byte for byte.
func TestErrorMessage(t *testing.T) {
	_, err := Parse("floors > 5 AND x =)", Text, Queryables{"floors": {Type: TypeInteger}, "x": {Type: TypeNumber}})
	if got, want := err.Error(), "cql2: at 18: expected a value after '=', found ')'"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestKeywordsCaseInsensitive(t *testing.T) {
	q := fixtureQueryables()
	fs := fixtureFeatures(t)
	a, err := Parse(`floors > 5 and NOT owner like 'Mike%' Or s_intersects(geometry, bbox(-6,-6,6,6)) AND value between 1 and 30`, Text, q)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(`floors > 5 AND NOT owner LIKE 'Mike%' OR S_INTERSECTS(geometry, BBOX(-6,-6,6,6)) AND value BETWEEN 1 AND 30`, Text, q)
	if err != nil {
		t.Fatal(err)
	}
	if ga, gb := matchIDs(a, fs), matchIDs(b, fs); strings.Join(ga, ",") != strings.Join(gb, ",") || strings.Join(ga, ",") != "f2,f3,f5" {
		t.Fatalf("lower case %v, upper case %v, want f2,f3,f5", ga, gb)
	}
}

func TestMapGeometries(t *testing.T) {
	q := fixtureQueryables()
	fs := fixtureFeatures(t)
	// The literal is given shifted by +1000 in x, as a filter-crs would; the
	// caller's transformation brings it back.
	e, err := Parse(`S_INTERSECTS(geometry, BBOX(995, -6, 1006, 6))`, Text, q)
	if err != nil {
		t.Fatal(err)
	}
	if got := matchIDs(e, fs); len(got) != 0 {
		t.Fatalf("before mapping matched %v", got)
	}
	m := e.MapGeometries(func(g orb.Geometry) orb.Geometry {
		p := g.(orb.Polygon)
		for _, r := range p {
			for i := range r {
				r[i][0] -= 1000
			}
		}
		return p
	})
	if got := matchIDs(m, fs); strings.Join(got, ",") != "f3,f4" {
		t.Fatalf("after mapping matched %v, want f3,f4", got)
	}
	if b, _ := e.Bounds(); b.Min[0] != 995 {
		t.Fatalf("mapping changed the original: %v", b)
	}
	if b, ok := m.Bounds(); !ok || b.Min[0] != -5 || b.Max[0] != 6 {
		t.Fatalf("mapped bounds %v %v", b, ok)
	}
}

func TestBoundsShapes(t *testing.T) {
	q := fixtureQueryables()
	cases := []struct {
		src  string
		want orb.Bound
		ok   bool
	}{
		{`S_INTERSECTS(geometry, BBOX(0,0,10,10)) AND S_WITHIN(geometry, BBOX(1,1,2,2))`, orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{2, 2}}, true},
		{`S_INTERSECTS(geometry, BBOX(0,0,1,1)) OR S_INTERSECTS(geometry, POINT(5 6))`, orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{5, 6}}, true},
		{`S_INTERSECTS(geometry, BBOX(0,0,1,1)) OR floors > 1`, orb.Bound{}, false},
		{`NOT S_INTERSECTS(geometry, BBOX(0,0,1,1))`, orb.Bound{}, false},
		{`S_DISJOINT(geometry, BBOX(0,0,1,1))`, orb.Bound{}, false},
		{`floors > 1 AND S_CONTAINS(geometry, POINT(3 4))`, orb.Bound{Min: orb.Point{3, 4}, Max: orb.Point{3, 4}}, true},
	}
	for _, tc := range cases {
		e, err := Parse(tc.src, Text, q)
		if err != nil {
			t.Fatal(err)
		}
		if b, ok := e.Bounds(); ok != tc.ok || b != tc.want {
			t.Errorf("%s: Bounds %v %v, want %v %v", tc.src, b, ok, tc.want, tc.ok)
		}
	}
}

func TestSQLText(t *testing.T) {
	q := fixtureQueryables()
	e, err := Parse(`owner LIKE 'Mi%' AND floors IN (1, 2) AND S_INTERSECTS(geometry, BBOX(0,0,1,1)) AND value IS NULL`, Text, q)
	if err != nil {
		t.Fatal(err)
	}
	where, args, err := e.SQLAt(TypedColumns("geom"), 3)
	if err != nil {
		t.Fatal(err)
	}
	want := `((("owner") LIKE $3::text) AND (("floors") IN ($4::double precision, $5::double precision)) AND ST_Intersects(("geom"), ST_GeomFromEWKB($6::bytea)) AND (("value") IS NULL))`
	if where != want || len(args) != 4 || args[0] != "Mi%" {
		t.Fatalf("got\n%s %v\nwant\n%s", where, args, want)
	}
	// No value ever reaches the SQL text.
	e, _ = Parse(`owner = 'x''); DROP TABLE t; --'`, Text, q)
	where, args, _ = e.SQL(JSONBColumns("props", "geom"))
	if strings.Contains(where, "DROP") || args[0] != "x'); DROP TABLE t; --" {
		t.Fatalf("value interpolated: %s %v", where, args)
	}
}
