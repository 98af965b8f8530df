package logline

import (
	"context"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Handler is a slog.Handler writing what slog.NewTextHandler or
// slog.NewJSONHandler would write, byte for byte, but formatting by hand
// the records whose attributes are all strings, integers and ordinary
// floats (as an access log line's are); any other record, and every
// record after WithGroup, goes to the slog handler itself. It honours
// HandlerOptions.Level; a ReplaceAttr or AddSource option sends every
// record to the slog handler.
type Handler struct {
	inner slog.Handler
	json  bool
	level slog.Leveler
	out   *lockedWriter
	// pre is the WithAttrs attributes as formatted, each with its
	// leading separator; fast is false once one of them (or a group)
	// needs slog's general formatting.
	pre  []byte
	fast bool
}

// lockedWriter serialises the writes of a Handler and its slog handler.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// NewTextHandler returns a Handler writing slog.NewTextHandler's format.
func NewTextHandler(w io.Writer, opts *slog.HandlerOptions) *Handler {
	return newHandler(w, opts, false)
}

// NewJSONHandler returns a Handler writing slog.NewJSONHandler's format.
func NewJSONHandler(w io.Writer, opts *slog.HandlerOptions) *Handler {
	return newHandler(w, opts, true)
}

func newHandler(w io.Writer, opts *slog.HandlerOptions, json bool) *Handler {
	if opts == nil {
		opts = &slog.HandlerOptions{}
	}
	out := &lockedWriter{w: w}
	h := &Handler{json: json, level: opts.Level, out: out, fast: opts.ReplaceAttr == nil && !opts.AddSource}
	if h.level == nil {
		h.level = slog.LevelInfo
	}
	if json {
		h.inner = slog.NewJSONHandler(out, opts)
	} else {
		h.inner = slog.NewTextHandler(out, opts)
	}
	return h
}

func (h *Handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	c := *h
	c.inner = h.inner.WithAttrs(attrs)
	if c.fast {
		c.pre = append([]byte(nil), h.pre...)
		for _, a := range attrs {
			var ok bool
			if c.pre, ok = h.appendAttr(c.pre, a); !ok {
				c.fast, c.pre = false, nil
				break
			}
		}
	}
	return &c
}

func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.inner = h.inner.WithGroup(name)
	c.fast, c.pre = false, nil
	return &c
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if !h.fast || r.Time.IsZero() || r.Time.Year() < 0 || r.Time.Year() >= 10000 {
		return h.inner.Handle(ctx, r)
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	b := (*bp)[:0]
	t := r.Time.Round(0)
	if h.json {
		b = append(b, `{"time":"`...)
		b = t.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","level":`...)
	} else {
		b = append(b, "time="...)
		b = appendMillis(b, t)
		b = append(b, " level="...)
	}
	b = h.appendString(b, r.Level.String())
	if h.json {
		b = append(b, `,"msg":`...)
	} else {
		b = append(b, " msg="...)
	}
	b = h.appendString(b, r.Message)
	b = append(b, h.pre...)
	ok := true
	r.Attrs(func(a slog.Attr) bool {
		b, ok = h.appendAttr(b, a)
		return ok
	})
	if !ok {
		*bp = b
		return h.inner.Handle(ctx, r)
	}
	if h.json {
		b = append(b, '}')
	}
	b = append(b, '\n')
	*bp = b
	_, err := h.out.Write(b)
	return err
}

// appendAttr appends a with its leading separator, or reports false for
// an attribute this handler leaves to slog.
func (h *Handler) appendAttr(b []byte, a slog.Attr) ([]byte, bool) {
	if a.Key == "" {
		return b, false
	}
	if h.json {
		b = append(b, ',')
	} else {
		b = append(b, ' ')
	}
	b = h.appendString(b, a.Key)
	if h.json {
		b = append(b, ':')
	} else {
		b = append(b, '=')
	}
	switch v := a.Value; v.Kind() {
	case slog.KindString:
		return h.appendString(b, v.String()), true
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10), true
	case slog.KindFloat64:
		f := v.Float64()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return b, false
		}
		if !h.json {
			return strconv.AppendFloat(b, f, 'g', -1, 64), true
		}
		// encoding/json's form: plain decimals in this range.
		if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
			return b, false
		}
		return strconv.AppendFloat(b, f, 'f', -1, 64), true
	}
	return b, false
}

func (h *Handler) appendString(b []byte, s string) []byte {
	if h.json {
		b = append(b, '"')
		b = appendJSONContent(b, s)
		return append(b, '"')
	}
	if textNeedsQuotes(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// appendMillis appends t as RFC 3339 with exactly three decimals of the
// second, truncated (slog's text handler form).
func appendMillis(b []byte, t time.Time) []byte {
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	ms := t.Nanosecond() / 1e6
	b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	return t.AppendFormat(b, "Z07:00")
}

// textNeedsQuotes says whether the text format quotes s: when it is
// empty or holds a space, '=', '"', a control character, or a rune that
// is invalid, a space or not printable.
func textNeedsQuotes(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if textQuoted[c] {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// textQuoted marks the ASCII bytes that make the text format quote a
// string: control characters, space, '=' and '"'.
var textQuoted = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = c <= ' ' || c == '=' || c == '"'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendJSONContent appends s escaped for a JSON string as slog's JSON
// handler escapes it: quote, backslash and control characters, invalid
// bytes as U+FFFD, U+2028 and U+2029 (and not <, > or &).
func appendJSONContent(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' {
				i++
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
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}
