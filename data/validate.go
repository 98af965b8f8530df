package data

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// ValidateLayer parses one layer file and checks every rule that applies to
// it. It returns the features that parsed (nil when the file as a whole is
// unreadable) and every problem found, not only the first.
func ValidateLayer(file, layerID string, raw []byte) (*geojson.FeatureCollection, []Problem) {
	var doc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	fileProblem := func(format string, args ...any) []Problem {
		return []Problem{{File: file, Index: -1, Reason: fmt.Sprintf(format, args...)}}
	}
	if !utf8.Valid(raw) {
		return nil, fileProblem("not UTF-8 text")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&doc); err != nil {
		return nil, fileProblem("not valid GeoJSON: %s", describeJSONError(raw, err))
	}
	if doc.Type != "FeatureCollection" {
		return nil, fileProblem("type is %q, want \"FeatureCollection\"", doc.Type)
	}
	if doc.Features == nil {
		return nil, fileProblem("has no \"features\" array")
	}
	fc := geojson.NewFeatureCollection()
	fc.Features = make([]*geojson.Feature, 0, len(doc.Features))
	var problems []Problem
	seen := make(map[string]int, len(doc.Features))
	for i, rawFeature := range doc.Features {
		c := &checker{file: file, index: i}
		f, err := geojson.UnmarshalFeature(rawFeature)
		if err != nil {
			c.fail("not a valid GeoJSON feature: %v", err)
			problems = append(problems, c.problems...)
			continue
		}
		c.id = FeatureID(f)
		c.checkFeature(f, layerID)
		if prev, ok := seen[c.id]; ok && c.id != "" {
			c.fail("id %q is already used by feature %d", c.id, prev)
		} else {
			seen[c.id] = i
		}
		problems = append(problems, c.problems...)
		fc.Features = append(fc.Features, f)
	}
	return fc, problems
}

// describeJSONError turns a decoding error into a message with a line number.
func describeJSONError(raw []byte, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	offset := int64(-1)
	switch {
	case asError(err, &syn):
		offset = syn.Offset
	case asError(err, &typ):
		offset = typ.Offset
	}
	if offset < 0 || offset > int64(len(raw)) {
		return err.Error()
	}
	line := 1 + bytes.Count(raw[:offset], []byte("\n"))
	return fmt.Sprintf("line %d: %v", line, err)
}

// checker collects the problems of one feature.
type checker struct {
	file     string
	index    int
	id       string
	problems []Problem
}

func (c *checker) fail(format string, args ...any) {
	c.problems = append(c.problems, Problem{File: c.file, Index: c.index, ID: c.id, Reason: fmt.Sprintf(format, args...)})
}

func (c *checker) checkFeature(f *geojson.Feature, layerID string) {
	switch {
	case c.id == "":
		c.fail("has no string id (an \"id\" property or GeoJSON id member)")
	case !validSlug(c.id):
		c.fail("id %q is not a URL-safe slug (lowercase letters, digits, '-' and '_')", c.id)
	}
	if f.Geometry == nil {
		c.fail("has no geometry")
		return
	}
	standard := IsStandard(layerID)
	if standard {
		if types := GeometryTypes[layerID]; !contains(types, f.Geometry.GeoJSONType()) {
			c.fail("geometry is a %s; layer %s takes %s", f.Geometry.GeoJSONType(), layerID, strings.Join(types, " or "))
		}
		c.checkProperties(f.Properties, layerID)
	}
	c.checkGeometry(f.Geometry, standard)
}

// checkProperties enforces the planning layers' property schema.
func (c *checker) checkProperties(p geojson.Properties, layerID string) {
	required := append(append([]string(nil), CommonProperties...), LayerProperties[layerID]...)
	for _, key := range required {
		if _, ok := p[key]; !ok {
			c.fail("property %q is missing (use null when unknown)", key)
		}
	}
	str := func(key string, nullable bool) (string, bool) {
		v, present := p[key]
		if !present || (v == nil && nullable) {
			return "", false
		}
		s, ok := v.(string)
		if !ok {
			if v == nil {
				c.fail("property %q must not be null", key)
			} else {
				c.fail("property %q is %s, want a string", key, jsonKind(v))
			}
			return "", false
		}
		return s, true
	}
	vocab := func(key string, nullable bool, allowed []string) {
		if s, ok := str(key, nullable); ok && !contains(allowed, s) {
			c.fail("property %q is %q, want one of %s", key, s, strings.Join(allowed, ", "))
		}
	}
	if s, ok := str("name", false); ok && strings.TrimSpace(s) == "" {
		c.fail("property \"name\" is empty")
	}
	for _, key := range []string{"name_en", "city", "county", "source_doc", "placement_note"} {
		str(key, true)
	}
	vocab("kind", false, Kinds[layerID])
	vocab("status", true, Statuses)
	vocab("geometry_precision", false, Precisions)
	if s, ok := str("source_excerpt", true); ok && utf8.RuneCountInString(s) > MaxExcerptRunes {
		c.fail("property \"source_excerpt\" has %d characters, at most %d allowed", utf8.RuneCountInString(s), MaxExcerptRunes)
	}
	if v, ok := p["target_year"]; ok && v != nil {
		y, isNum := v.(float64)
		if !isNum || y != math.Trunc(y) || y < 1900 || y > 2100 {
			c.fail("property \"target_year\" is %v, want an integer year or null", v)
		}
	}
	switch layerID {
	case Corridors:
		vocab("mode", false, Modes)
	case Enclaves:
		str("home", false)
		str("host", false)
		if v, ok := p["home_point"]; ok && v != nil {
			if _, ok := HomePoint(p); !ok {
				c.fail("property \"home_point\" is %v, want [lon, lat] in range", v)
			}
		}
	}
}

// HomePoint reads an enclave's home_point property.
func HomePoint(p geojson.Properties) (orb.Point, bool) {
	arr, ok := p["home_point"].([]any)
	if !ok || len(arr) != 2 {
		return orb.Point{}, false
	}
	lon, ok1 := arr[0].(float64)
	lat, ok2 := arr[1].(float64)
	pt := orb.Point{lon, lat}
	if !ok1 || !ok2 || !pointInRange(pt) {
		return orb.Point{}, false
	}
	return pt, true
}

func jsonKind(v any) string {
	switch v.(type) {
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", v)
	}
}
