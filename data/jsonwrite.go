package data

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// FeatureWriter is planmap's one GeoJSON writer. It appends GeoJSON for orb features straight into a byte
// slice: coordinates with strconv's shortest round-trip formatting and
// properties in a fixed key order (the planning schema's order, then the
// rest alphabetically), so the same feature always gives the same bytes.
type FeatureWriter struct {
	// keyOrder ranks known property keys; unknown keys sort after them.
	keyOrder map[string]int
}

func NewFeatureWriter(schemaOrder []string) *FeatureWriter {
	w := &FeatureWriter{keyOrder: make(map[string]int, len(schemaOrder))}
	for i, k := range schemaOrder {
		w.keyOrder[k] = i
	}
	return w
}

// AppendFeature writes f with the given string id. When only is non-nil,
// just those property keys are written.
func (w *FeatureWriter) AppendFeature(b []byte, id string, f *geojson.Feature, only map[string]bool) []byte {
	b = append(b, `{"type":"Feature","id":`...)
	b = AppendJSONString(b, id)
	b = append(b, `,"geometry":`...)
	b = AppendGeometry(b, f.Geometry)
	b = append(b, `,"properties":`...)
	b = w.AppendProperties(b, f.Properties, only)
	return append(b, '}')
}

func (w *FeatureWriter) AppendProperties(b []byte, props geojson.Properties, only map[string]bool) []byte {
	keys := make([]string, 0, len(props))
	for k := range props {
		if only == nil || only[k] {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, iKnown := w.keyOrder[keys[i]]
		rj, jKnown := w.keyOrder[keys[j]]
		switch {
		case iKnown && jKnown:
			return ri < rj
		case iKnown != jKnown:
			return iKnown
		}
		return keys[i] < keys[j]
	})
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, k)
		b = append(b, ':')
		b = AppendValue(b, props[k])
	}
	return append(b, '}')
}

// AppendValue writes a decoded JSON value.
func AppendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return AppendJSONString(b, v)
	case float64:
		return AppendNumber(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendValue(b, e)
		}
		return append(b, ']')
	case map[string]any:
		b = append(b, '{')
		for i, k := range sortedMapKeys(v) {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSONString(b, k)
			b = append(b, ':')
			b = AppendValue(b, v[k])
		}
		return append(b, '}')
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			return append(b, "null"...)
		}
		return append(b, raw...)
	}
}

func AppendNumber(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.AppendInt(b, int64(f), 10)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// AppendJSONString writes s as a JSON string; non-ASCII text is kept as
// UTF-8, not escaped.
func AppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			// Invalid UTF-8 (user input echoed back) would make the whole
			// body invalid JSON: each bad byte becomes U+FFFD.
			if r, size := utf8.DecodeRuneInString(s[i:]); r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, `\ufffd`...)
				start = i + 1
			} else {
				i += size - 1
			}
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendPoint(b []byte, p orb.Point) []byte {
	b = append(b, '[')
	b = strconv.AppendFloat(b, p[0], 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, p[1], 'f', -1, 64)
	return append(b, ']')
}

func appendPoints(b []byte, pts []orb.Point) []byte {
	b = append(b, '[')
	for i, p := range pts {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPoint(b, p)
	}
	return append(b, ']')
}

func appendPolygon(b []byte, p orb.Polygon) []byte {
	b = append(b, '[')
	for i, r := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPoints(b, r)
	}
	return append(b, ']')
}

// AppendGeometry writes a GeoJSON geometry object (null for nil).
func AppendGeometry(b []byte, g orb.Geometry) []byte {
	switch v := g.(type) {
	case nil:
		return append(b, "null"...)
	case orb.Ring:
		g = orb.Polygon{v}
	case orb.Bound:
		g = v.ToPolygon()
	}
	b = append(b, `{"type":"`...)
	b = append(b, g.GeoJSONType()...)
	switch g := g.(type) {
	case orb.Collection:
		b = append(b, `","geometries":[`...)
		for i, m := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendGeometry(b, m)
		}
		return append(b, "]}"...)
	}
	b = append(b, `","coordinates":`...)
	switch g := g.(type) {
	case orb.Point:
		b = appendPoint(b, g)
	case orb.MultiPoint:
		b = appendPoints(b, g)
	case orb.LineString:
		b = appendPoints(b, g)
	case orb.MultiLineString:
		b = append(b, '[')
		for i, ls := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPoints(b, ls)
		}
		b = append(b, ']')
	case orb.Polygon:
		b = appendPolygon(b, g)
	case orb.MultiPolygon:
		b = append(b, '[')
		for i, p := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPolygon(b, p)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func sortedMapKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SchemaOrder is the order the planning schema's properties are written in.
var SchemaOrder = append(append([]string(nil), CommonProperties...), "mode", "home", "host", "home_point")

// EncodeFeature writes f with every property in SchemaOrder, the form
// planmap serves and stores a feature in.
func EncodeFeature(id string, f *geojson.Feature) []byte {
	return defaultWriter.AppendFeature(nil, id, f, nil)
}

var defaultWriter = NewFeatureWriter(SchemaOrder)
