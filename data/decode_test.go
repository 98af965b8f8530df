package data

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// orbAgreementCases are features that both our decoder and
// geojson.UnmarshalFeature (encoding/json underneath) must read to the same
// value: escapes, surrogate pairs, numbers in every notation, escaped member names, odd white space, every geometry type.
var orbAgreementCases = []string{
	`{"type":"Feature","id":7,"bbox":[1,2,3,4],"geometry":{"type":"MultiPoint","coordinates":[[1,2],[3.5,-4e2]]},` +
		`"properties":{"a":"\u00e9\n\"x\"\/","b":[1,"2",null,true,false,{"c":{}}],"d":12345678901234567890,"e":-0.0,` +
		`"f":1.5E-7,"g":0.1000000000000000055511151231257827,"h":"\ud83d\ude00","i":[],"j":-0,"k":1e+2,"l":123456.7890123456789},"extra":{"k":[1,2]}}`,
	"\n\t {\r\n \"type\" : \"Feature\" , \"geometry\" : { \"type\" : \"Point\" , \"coordinates\" : [ 120.5 , 28.25 , 10 ] } ,\n\"properties\" : { } }",
	`{"type":"Feature","geometry":null,"properties":null}`,
	`{"type":"Feature"}`,
	`{"typ\u0065":"Feature","id":"a\/b","geometry":{"type":"LineString","coordinates":[]}}`,
	`{"geometry":{"coordinates":[[[0,0],[1,0],[1,1],[0,0]],[[0.2,0.1],[0.8,0.7],[0.8,0.1],[0.2,0.1]]],"type":"Polygon"},"type":"Feature"}`,
	`{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,2],[3,2],[3,3],[2,2]]]]}}`,
	`{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[]}}`,
	`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[]}}`,
	`{"type":"Feature","geometry":{"type":"MultiLineString","coordinates":[[[1,2],[3,4]],[]]}}`,
	`{"type":"Feature","geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},` +
		`{"type":"GeometryCollection","geometries":[{"type":"LineString","coordinates":[[1,2],[3,4]]}]}]}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[-180,-90],"bbox":[-180,-90,-180,-90],"crs":null}}`,
	`{"type":"Feature","properties":{"deep":{"a":{"b":{"c":[[[[1]]]]}}},"empty":"","tab":"\t","ctl":"\u0001"}}`,
	`{"type":"Feature","geometry":{"type":"Point","coordinates":[0.000001,1E-7]},"properties":{"n":1.7976931348623157e308,"m":5e-324,"o":4.9e-324}}`,
}

// orbRejectCases are not features, for orb and for us.
var orbRejectCases = []string{
	`{"type":"Feature2"}`,
	`{"Type":"Feature"}`,
	`{"type":"Feature","geometry":{"type":"Circle","coordinates":[1,2]}}`,
	`{"type":"Feature","properties":[1]}`,
	`{"type":"Feature","properties":{"n":1e400}}`,
	`[]`,
	`"Feature"`,
}

// duplicateKeyCases repeat a member name somewhere in a feature: orb
// (encoding/json) keeps the last value; planmap refuses them, naming the
// member, since other readers keep the first.
var duplicateKeyCases = []struct{ raw, want string }{
	{`{"type":"Feature","properties":{"a":1,"a":2},"geometry":null}`, `property "a" appears twice`},
	{`{"type":"Feature","properties":{"status":"planned","name":"x","status":"operational"}}`, `property "status" appears twice`},
	{`{"type":"Feature","properties":{"st\u0061tus":1,"status":2}}`, `property "status" appears twice`},
	{`{"type":"Feature","properties":{"o":{"k":1,"k":2}}}`, `key "k" appears twice in one object inside the properties`},
	{`{"type":"Feature","properties":{},"properties":{}}`, `the feature has member "properties" twice`},
	{`{"type":"Feature","id":"a","id":"b"}`, `the feature has member "id" twice`},
	{`{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2],"coordinates":[3,4]}}`, `the geometry has member "coordinates" twice`},
	{`{"type":"Feature","geometry":{"type":"LineString","type":"Point","coordinates":[1,2]}}`, `the geometry has member "type" twice`},
	{`{"type":"Feature","extra":{"x":[{"y":1,"y":1}]}}`, `key "y" appears twice in one object`},
	{`{"type":"Feature","properties":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k3":3}}`, `property "k3" appears twice`},
	{`{"type":"Feature","a":0,"b":1,"c":2,"d":3,"e":4,"f":5,"g":6,"h":7,"i":8,"j":9,"c":2}`, `the feature has member "c" twice`},
}

func TestDecodeFeatureRefusesDuplicateKeys(t *testing.T) {
	s := &jsonScanner{}
	for _, tt := range duplicateKeyCases {
		if _, err := geojson.UnmarshalFeature([]byte(tt.raw)); err != nil {
			t.Errorf("orb rejects %s (%v): the case shows nothing", tt.raw, err)
		}
		_, err := s.decodeFeature([]byte(tt.raw))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "disagree") {
			t.Errorf("decodeFeature(%s) = %v, want an error with %q", tt.raw, err, tt.want)
		}
	}
}

// TestDecodeFeatureMatchesOrb checks that the decoder gives exactly what
// geojson.UnmarshalFeature gives, on the cases above, on every feature of
// the valid fixtures and on a generated dataset.
func TestDecodeFeatureMatchesOrb(t *testing.T) {
	raws := append([]string(nil), orbAgreementCases...)
	files, _ := filepath.Glob(filepath.Join("testdata", "valid", "*.geojson"))
	dir := t.TempDir()
	if err := WriteDir(Generate(GenOptions{Features: 400, Seed: 9}), dir); err != nil {
		t.Fatal(err)
	}
	generated, _ := filepath.Glob(filepath.Join(dir, "*.geojson"))
	for _, file := range append(files, generated...) {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Features []json.RawMessage }
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		for _, f := range doc.Features {
			raws = append(raws, string(f))
		}
	}
	if len(raws) < 400 {
		t.Fatalf("only %d features to compare", len(raws))
	}
	s := &jsonScanner{}
	for i, raw := range raws {
		want, err := geojson.UnmarshalFeature([]byte(raw))
		if err != nil {
			t.Fatalf("case %d: orb rejects %s: %v", i, raw, err)
		}
		got, err := s.decodeFeature([]byte(raw))
		if err != nil {
			t.Fatalf("case %d: decodeFeature(%s): %v", i, raw, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("case %d: %s\n got %#v\nwant %#v", i, raw, got, want)
		}
	}
	for _, raw := range orbRejectCases {
		if _, err := geojson.UnmarshalFeature([]byte(raw)); err == nil {
			t.Errorf("orb accepts %s", raw)
		}
		if f, err := s.decodeFeature([]byte(raw)); err == nil {
			t.Errorf("decodeFeature accepts %s as %#v", raw, f)
		}
	}
}

// TestReadNumberMatchesStrconv parses random decimals in every JSON
// notation and compares the bits with strconv.ParseFloat's.
func TestReadNumberMatchesStrconv(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 4))
	digits := func(n int, leadingZeroOK bool) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			d := rng.IntN(10)
			if i == 0 && !leadingZeroOK && d == 0 {
				d = 1 + rng.IntN(9)
			}
			b.WriteByte(byte('0' + d))
		}
		return b.String()
	}
	fixed := []string{"0", "-0", "0.0", "1", "120.123456", "-117.3", "28.9", "0.000001", "9007199254740993",
		"123456789012345", "1234567890123456", "0.1", "0.30000000000000004", "1e22", "1e23", "1.7976931348623157e308",
		"4.9e-324", "2.2250738585072011e-308", "999999999999999.9", "100000000000000000000000",
		// Around the fast path's limits: 2^53 and its neighbours as digits,
		// 19 and 20 digits (where a uint64 would wrap), 22 and 23 decimals.
		"9007199254740992", "9007199254740991", "900719925474099.3", "9007199254740.993", "0.9007199254740993",
		"1234567890123456789", "12345678901234567890", "18446744073709551616", "0.0000000000000000000001",
		"0.00000000000000000000001", "-0.0000000000000000000009", "0.0000000000000000001234"}
	var cases []string
	cases = append(cases, fixed...)
	for i := 0; i < 200000; i++ {
		var b strings.Builder
		if rng.IntN(3) == 0 {
			b.WriteByte('-')
		}
		if rng.IntN(4) == 0 {
			b.WriteByte('0')
		} else {
			b.WriteString(digits(1+rng.IntN(18), false))
		}
		if rng.IntN(4) != 0 {
			b.WriteByte('.')
			b.WriteString(digits(1+rng.IntN(20), true))
		}
		if rng.IntN(8) == 0 {
			b.WriteString([]string{"e", "E", "e+", "e-", "E-"}[rng.IntN(5)])
			b.WriteString(digits(1+rng.IntN(3), true))
		}
		cases = append(cases, b.String())
	}
	for _, c := range cases {
		want, wantErr := strconv.ParseFloat(c, 64)
		s := &jsonScanner{b: []byte(c)}
		got, err := s.readNumber()
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%s: readNumber error %v, strconv error %v", c, err, wantErr)
		}
		if err == nil && math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("%s: readNumber %v (%x), strconv %v (%x)", c, got, math.Float64bits(got), want, math.Float64bits(want))
		}
		if s.i != len(c) {
			t.Fatalf("%s: read %d of %d bytes", c, s.i, len(c))
		}
	}
}

// notJSONReported says whether ValidateLayer reported a file as not JSON.
func notJSONReported(problems []Problem) bool {
	for _, p := range problems {
		if p.Index < 0 && strings.HasPrefix(p.Reason, "not valid GeoJSON") {
			return true
		}
	}
	return false
}

// mutate changes raw a little: a byte replaced by one that matters to
// JSON, deleted, inserted or a span duplicated.
func mutate(rng *rand.Rand, raw []byte) []byte {
	const significant = "{}[],:\"\\ 0123456789.eE+-tfnulrsax\n"
	m := append([]byte(nil), raw...)
	for k := 1 + rng.IntN(2); k > 0; k-- {
		i := rng.IntN(len(m))
		switch rng.IntN(4) {
		case 0:
			m[i] = significant[rng.IntN(len(significant))]
		case 1:
			m = slices.Delete(m, i, i+1)
		case 2:
			m = slices.Insert(m, i, significant[rng.IntN(len(significant))])
		default:
			j := min(len(m), i+1+rng.IntN(12))
			m = slices.Insert(m, j, slices.Clone(m[i:j])...)
		}
		if len(m) == 0 {
			return m
		}
	}
	return m
}

// TestSyntaxAgreesWithEncodingJSON mutates valid files thousands of times
// and checks that ValidateLayer calls a file "not valid GeoJSON" exactly
// when encoding/json's json.Valid rejects it, and never panics.
func TestSyntaxAgreesWithEncodingJSON(t *testing.T) {
	var corpus [][]byte
	for _, name := range []string{"industrial-parks", "corridors", "enclaves", "notes"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "valid", name+".geojson"))
		if err != nil {
			t.Fatal(err)
		}
		corpus = append(corpus, raw)
	}
	corpus = append(corpus, []byte(`{"type":"FeatureCollection","features":[`+strings.Join(orbAgreementCases, ",")+`]}`))
	rng := rand.New(rand.NewPCG(5, 8))
	counts := [2]int{}
	for i := 0; i < 6000; i++ {
		m := mutate(rng, corpus[i%len(corpus)])
		if !utf8.Valid(m) {
			continue
		}
		valid := json.Valid(m)
		_, problems := ValidateLayer("x.geojson", IndustrialParks, m)
		if reported := notJSONReported(problems); reported == valid {
			t.Fatalf("json.Valid = %v but not-JSON reported = %v for:\n%q\nproblems: %v", valid, reported, m, problems)
		}
		if valid {
			counts[1]++
		} else {
			counts[0]++
		}
	}
	t.Logf("%d mutants still JSON, %d not", counts[1], counts[0])
	if counts[0] < 1000 || counts[1] < 500 {
		t.Errorf("mutants too one-sided: %v", counts)
	}
}

// FuzzValidateLayer checks the same agreement with encoding/json on
// arbitrary input (go test -fuzz FuzzValidateLayer ./data/), and that the
// validator never panics.
func FuzzValidateLayer(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*", "*.geojson"))
	valid, _ := filepath.Glob(filepath.Join("testdata", "valid", "*.geojson"))
	for _, file := range append(files, valid...) {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("\xef\xbb\xbf{\"type\":\"FeatureCollection\",\"features\":[]}"))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1,"a":2},"geometry":null}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, problems := ValidateLayer("x.geojson", Corridors, raw)
		if !utf8.Valid(raw) {
			return
		}
		if reported := notJSONReported(problems); reported == json.Valid(raw) {
			t.Fatalf("json.Valid = %v but not-JSON reported = %v; problems %v", json.Valid(raw), reported, problems)
		}
	})
}

// TestDecodePositionsAcrossBlocks decodes random lines with one scanner,
// so their positions share blocks and rings outgrow what is left of one
// (some longer than a whole block), and compares every feature with
// geojson.UnmarshalFeature's, once as it is decoded and again at the end,
// which catches a ring written over by a later one.
func TestDecodePositionsAcrossBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 8))
	s := &jsonScanner{}
	var got, want []*geojson.Feature
	for i := range 200 {
		var b strings.Builder
		b.WriteString(`{"type":"Feature","properties":null,"geometry":{"type":"MultiLineString","coordinates":[`)
		for line := range 1 + rng.IntN(3) {
			if line > 0 {
				b.WriteByte(',')
			}
			n := rng.IntN(12)
			if rng.IntN(8) == 0 {
				n = positionBlock/2 + rng.IntN(2*positionBlock)
			}
			b.WriteByte('[')
			for k := range n {
				if k > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "[%.6f,%.6f]", rng.Float64()*360-180, rng.Float64()*180-90)
			}
			b.WriteByte(']')
		}
		b.WriteString(`]}}`)
		raw := []byte(b.String())
		w, err := geojson.UnmarshalFeature(raw)
		if err != nil {
			t.Fatal(err)
		}
		g, err := s.decodeFeature(raw)
		if err != nil {
			t.Fatalf("feature %d: %v", i, err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("feature %d differs from orb's", i)
		}
		got, want = append(got, g), append(want, w)
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("feature %d changed after later features were decoded", i)
		}
		for _, line := range got[i].Geometry.(orb.MultiLineString) {
			if cap(line) != len(line) {
				t.Fatalf("feature %d: a line of %d positions has capacity %d", i, len(line), cap(line))
			}
		}
	}
}

// TestDecodeGuessedMembersMatchOrb decodes, with one scanner, features
// whose members and property values repeat those of the feature before in
// part (the same names in the same or another order, escaped names and
// values, other types where a string was, nested objects, repeated names)
// and compares each with geojson.UnmarshalFeature's reading, or its
// refusal of a repeated name with encoding/json's reading of it.
func TestDecodeGuessedMembersMatchOrb(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 40))
	keys := []string{"id", "name", "kind", "status", `st\u0061tus`, "city", "a", "b"}
	values := []string{`"x"`, `"y"`, `"\u0078"`, `"park"`, `"x\ny"`, `12.5`, `null`, `true`, `{"kind":"x","name":"y"}`, `["x"]`}
	s := &jsonScanner{}
	dups := 0
	for i := range 3000 {
		n := rng.IntN(len(keys) + 1)
		perm := rng.Perm(len(keys))
		if rng.IntN(3) > 0 {
			slices.Sort(perm) // the usual case: the same order
		}
		var props []string
		for _, k := range perm[:n] {
			props = append(props, `"`+keys[k]+`":`+values[rng.IntN(len(values))])
		}
		if n > 0 && rng.IntN(20) == 0 {
			props = append(props, props[rng.IntN(n)]) // a name twice
		}
		memberOrder := []string{`"type":"Feature"`, `"geometry":{"type":"Point","coordinates":[1,2]}`, `"properties":{` + strings.Join(props, ",") + `}`}
		if rng.IntN(4) == 0 {
			memberOrder[0], memberOrder[2] = memberOrder[2], memberOrder[0]
		}
		raw := []byte("{" + strings.Join(memberOrder, ",") + "}")
		got, err := s.decodeFeature(raw)
		// encoding/json keeps the last of repeated names; decodeFeature
		// refuses them.
		var generic map[string]any
		if jerr := json.Unmarshal(raw, &generic); jerr != nil {
			t.Fatalf("case %d: encoding/json refuses %s: %v", i, raw, jerr)
		}
		pairs := len(props)
		distinct := len(generic["properties"].(map[string]any))
		if distinct < pairs {
			dups++
			if err == nil {
				t.Fatalf("case %d: %s: a repeated property name accepted", i, raw)
			}
			continue
		}
		if err != nil {
			t.Fatalf("case %d: decodeFeature(%s): %v", i, raw, err)
		}
		want, err := geojson.UnmarshalFeature(raw)
		if err != nil {
			t.Fatalf("case %d: orb refuses %s: %v", i, raw, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: %s\n got %#v\nwant %#v", i, raw, got.Properties, want.Properties)
		}
	}
	if dups == 0 {
		t.Fatal("no repeated names drawn")
	}
}
