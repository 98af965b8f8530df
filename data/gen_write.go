package data

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// WriteDir writes every layer of ds into dir (created when missing) as
// "<id>.geojson", one feature per line, plus a "<id>.json" sidecar with the
// layer's title, description, licence and attribution, so that LoadDir(dir)
// reads the same dataset back. Each file is written to a temporary file in
// dir, synced and renamed into place, so a reader never sees half a file.
// The bytes depend only on ds: properties are written in key order and
// coordinates in the shortest form that reads back to the same float64.
// Other files already in dir stay; write into an empty folder when old
// layers must not be loaded with the new ones.
func WriteDir(ds *Dataset, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("data: creating %s: %w", dir, err)
	}
	errs := make([]error, len(ds.Layers))
	var wg sync.WaitGroup
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, l := range ds.Layers {
		if !validSlug(l.ID) {
			errs[i] = fmt.Errorf("data: layer id %q is not a URL-safe slug", l.ID)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			errs[i] = writeLayer(dir, l)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return syncDir(dir)
}

func writeLayer(dir string, l *Layer) error {
	var features []*geojson.Feature
	if l.Features != nil {
		features = l.Features.Features
	}
	err := writeFileAtomic(dir, l.ID+".geojson", func(w io.Writer) error {
		buf := make([]byte, 0, 64<<10)
		buf = append(buf, `{"type":"FeatureCollection","features":[`...)
		for i, f := range features {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '\n')
			var err error
			if buf, err = appendFeature(buf, f); err != nil {
				return fmt.Errorf("feature %d: %w", i, err)
			}
			if len(buf) > 48<<10 {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
		buf = append(buf, "\n]}\n"...)
		_, err := w.Write(buf)
		return err
	})
	if err != nil {
		return err
	}
	if l.Title == l.ID && l.Description == "" && l.License == "" && l.Attribution == "" {
		return nil
	}
	side, err := json.MarshalIndent(struct {
		Title       string `json:"title"`
		Description string `json:"description,omitempty"`
		License     string `json:"license,omitempty"`
		Attribution string `json:"attribution,omitempty"`
	}{l.Title, l.Description, l.License, l.Attribution}, "", "  ")
	if err != nil {
		return fmt.Errorf("data: encoding sidecar of %s: %w", l.ID, err)
	}
	return writeFileAtomic(dir, l.ID+".json", func(w io.Writer) error {
		_, err := w.Write(append(side, '\n'))
		return err
	})
}

// writeFileAtomic writes name in dir through a temporary file in the same
// folder that is synced and then renamed over name.
func writeFileAtomic(dir, name string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return fmt.Errorf("data: writing %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("data: writing %s: %w", filepath.Join(dir, name), err)
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name))
}

// syncDir makes the renames in dir durable; file systems that cannot sync
// a folder are not an error.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	defer d.Close()
	_ = d.Sync()
	return nil
}

// appendFeature writes f as the one GeoJSON writer does (FeatureWriter,
// properties in the schema's order), after checking that every number in
// it can be written as JSON.
func appendFeature(b []byte, f *geojson.Feature) ([]byte, error) {
	if err := checkWritable(f.Geometry); err != nil {
		return b, err
	}
	if _, err := appendJSONValue(nil, map[string]any(f.Properties)); err != nil {
		return b, err
	}
	b = append(b, `{"type":"Feature",`...)
	if f.ID != nil {
		b = append(b, `"id":`...)
		var err error
		if b, err = appendJSONValue(b, f.ID); err != nil {
			return b, err
		}
		b = append(b, ',')
	}
	b = append(b, `"geometry":`...)
	b = AppendGeometry(b, f.Geometry)
	b = append(b, `,"properties":`...)
	if f.Properties == nil {
		b = append(b, "null"...)
	} else {
		b = defaultWriter.AppendProperties(b, f.Properties, nil)
	}
	return append(b, '}'), nil
}

// checkWritable reports a coordinate JSON cannot hold.
func checkWritable(g orb.Geometry) error {
	var bad error
	var walk func(g orb.Geometry)
	points := func(pts []orb.Point) {
		for _, p := range pts {
			if !finite(p[0]) || !finite(p[1]) {
				bad = fmt.Errorf("coordinate %v is not finite, which JSON cannot hold", p)
			}
		}
	}
	walk = func(g orb.Geometry) {
		switch g := g.(type) {
		case orb.Point:
			points([]orb.Point{g})
		case orb.MultiPoint:
			points(g)
		case orb.LineString:
			points(g)
		case orb.Ring:
			points(g)
		case orb.MultiLineString:
			for _, l := range g {
				points(l)
			}
		case orb.Polygon:
			for _, r := range g {
				points(r)
			}
		case orb.MultiPolygon:
			for _, p := range g {
				for _, r := range p {
					points(r)
				}
			}
		case orb.Collection:
			for _, m := range g {
				walk(m)
			}
		}
	}
	walk(g)
	return bad
}

// appendCoordinate writes v in the shortest decimal form that reads back as
// v. Values with at most six decimals (every planning-layer coordinate) take
// a fast path: when k/1e6 == v for the integer k nearest v*1e6, the
// decimal k/10^6 reads back as that same correctly rounded quotient.
func appendCoordinate(b []byte, v float64) []byte {
	if v != 0 && math.Abs(v) < 1e9 {
		if k := math.Round(v * 1e6); k/1e6 == v {
			return appendMicros(b, int64(k))
		}
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// digitPairs holds "00" to "99", for writing two digits at a time.
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// appendMicros writes k millionths in decimal: the integer part, then
// the fraction's digits without trailing zeros (none when it is whole).
// It writes in place, from the last digit back.
func appendMicros(b []byte, k int64) []byte {
	u := uint64(k)
	if k < 0 {
		u = uint64(-k)
	}
	whole, frac := u/1e6, u%1e6
	fracDigits := 0 // leading zeros included
	if frac != 0 {
		fracDigits = 6
		for frac%10 == 0 {
			frac /= 10
			fracDigits--
		}
	}
	n := 1
	for w := whole; w >= 10; w /= 10 {
		n++
	}
	if k < 0 {
		n++
	}
	if fracDigits > 0 {
		n += 1 + fracDigits
	}
	b = slices.Grow(b, n)
	i := len(b) + n
	b = b[:i]
	if fracDigits > 0 {
		for ; fracDigits >= 2; fracDigits -= 2 {
			d := frac % 100 * 2
			i -= 2
			b[i], b[i+1] = digitPairs[d], digitPairs[d+1]
			frac /= 100
		}
		if fracDigits == 1 {
			i--
			b[i] = byte('0' + frac)
		}
		i--
		b[i] = '.'
	}
	for whole >= 100 {
		d := whole % 100 * 2
		i -= 2
		b[i], b[i+1] = digitPairs[d], digitPairs[d+1]
		whole /= 100
	}
	if whole >= 10 {
		d := whole * 2
		i -= 2
		b[i], b[i+1] = digitPairs[d], digitPairs[d+1]
	} else {
		i--
		b[i] = byte('0' + whole)
	}
	if k < 0 {
		b[i-1] = '-'
	}
	return b
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// appendJSONValue writes the JSON types properties decode to (and Go ints)
// itself; anything else goes through encoding/json.
func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case float64:
		if !finite(v) {
			return b, fmt.Errorf("number %v cannot be written as JSON", v)
		}
		if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
			return strconv.AppendFloat(b, v, 'e', -1, 64), nil
		}
		return strconv.AppendFloat(b, v, 'f', -1, 64), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSONValue(b, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendJSONValue(b, v[k]); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case geojson.Properties:
		return appendJSONValue(b, map[string]any(v))
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, raw...), nil
}

// appendJSONString writes s as a JSON string, escaping what JSON requires
// (and U+2028/U+2029, as encoding/json does); invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
