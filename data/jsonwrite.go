package data

import (
	"math"
	"slices"
	"strconv"
	"sync"

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
	// Each key's rank is looked up once; the keys are usually few, so an
	// insertion sort on a stack array does (after a full sort when many).
	type rankedKey struct {
		rank int // the schema's rank, or len(keyOrder) for unknown keys
		key  string
	}
	var stack [32]rankedKey
	keys := stack[:0]
	for k := range props {
		if only == nil || only[k] {
			r, known := w.keyOrder[k]
			if !known {
				r = len(w.keyOrder)
			}
			keys = append(keys, rankedKey{r, k})
		}
	}
	less := func(a, b rankedKey) bool { return a.rank < b.rank || a.rank == b.rank && a.key < b.key }
	if len(keys) > len(stack) {
		slices.SortFunc(keys, func(a, b rankedKey) int {
			if less(a, b) {
				return -1
			}
			return 1 // keys are distinct
		})
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && less(keys[j], keys[j-1]); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, k.key)
		b = append(b, ':')
		b = AppendValue(b, props[k.key])
	}
	return append(b, '}')
}

// AppendValue writes a decoded JSON value; a value JSON cannot hold (a
// NaN, an infinity) is written as null.
func AppendValue(b []byte, v any) []byte {
	n := len(b)
	out, err := appendJSONValue(b, v)
	if err != nil {
		return append(out[:n], "null"...)
	}
	return out
}

// AppendNumber writes a number: integers without a fraction, NaN and
// infinities as null.
func AppendNumber(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.AppendInt(b, int64(f), 10)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// AppendJSONString writes s as a JSON string, non-ASCII text as UTF-8 and
// each byte of invalid UTF-8 as U+FFFD, so echoed input never breaks the
// JSON.
func AppendJSONString(b []byte, s string) []byte { return appendJSONString(b, s) }

func appendPoint(b []byte, p orb.Point) []byte {
	b = append(b, '[')
	b = appendCoordinate(b, p[0])
	b = append(b, ',')
	b = appendCoordinate(b, p[1])
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

// SchemaOrder is the order the planning schema's properties are written in.
var SchemaOrder = append(append([]string(nil), CommonProperties...), "mode", "home", "host", "home_point")

// EncodeFeature writes f with every property in SchemaOrder, the form
// planmap serves and stores a feature in.
//
// The feature is written into a pooled scratch buffer and copied out at
// its exact length: encoded features are kept for the life of a snapshot
// (LayerView.Encoded), so neither the copies of a growing slice nor its
// spare capacity are paid for each one.
func EncodeFeature(id string, f *geojson.Feature) []byte {
	scratch := encodeScratch.Get().(*[]byte)
	b := defaultWriter.AppendFeature((*scratch)[:0], id, f, nil)
	out := make([]byte, len(b))
	copy(out, b)
	if cap(b) <= maxScratch {
		*scratch = b[:0]
	}
	encodeScratch.Put(scratch)
	return out
}

// encodeScratch holds EncodeFeature's buffers; one larger than maxScratch
// (a very large feature) is not kept.
var encodeScratch = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

const maxScratch = 4 << 20

var defaultWriter = NewFeatureWriter(SchemaOrder)
