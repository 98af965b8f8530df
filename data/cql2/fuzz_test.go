package cql2

import (
	"encoding/json"
	"reflect"
	"testing"
)

// fuzzCheck runs everything a parsed filter offers: no panic, and the
// cql2-json this package writes parses back to the same tree.
func fuzzCheck(t *testing.T, e *Expr) {
	q := fixtureQueryables()
	for _, f := range fixtureFeatures(t) {
		e.Match(FromGeoJSON(f))
	}
	e.Bounds()
	if _, _, err := e.SQL(JSONBColumns("props", "geom")); err != nil {
		t.Fatalf("SQL: %v", err)
	}
	out, err := json.Marshal(e)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	back, err := Parse(string(out), JSON, q)
	if err != nil {
		t.Fatalf("re-parse of %s: %v", out, err)
	}
	if !reflect.DeepEqual(stripPos(e.Root()), stripPos(back.Root())) {
		t.Fatalf("round trip through %s changed the tree", out)
	}
}

func FuzzParseText(f *testing.F) {
	for _, tc := range conformanceCases() {
		f.Add(tc.text)
	}
	f.Add(`owner LIKE 'a\%b_' AND "value" NOT BETWEEN -1e3 AND .5`)
	q := fixtureQueryables()
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src, Text, q)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			return
		}
		fuzzCheck(t, e)
	})
}

func FuzzParseJSON(f *testing.F) {
	for _, tc := range conformanceCases() {
		if tc.json != "" {
			f.Add(tc.json)
		}
	}
	q := fixtureQueryables()
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src, JSON, q)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			return
		}
		fuzzCheck(t, e)
	})
}
