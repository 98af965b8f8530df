package logline

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// randomString mixes what the text and JSON formats treat specially:
// spaces, '=', quotes, backslashes, control bytes, DEL, invalid UTF-8,
// non-printing and space runes, U+2028/9, HTML characters, plain text.
func randomString(r *rand.Rand) string {
	pieces := []string{"", "a", "GET", "/collections/x/items/7", " ", "=", `"`, `\`, "\n", "\t", "\r", "\x00", "\x1f", "\x7f",
		"\xff", "\xc3", "é", "中文", "\u00a0", "\u2028", "\u2029", "\u200b", "<", ">", "&", "🗺", "x=y", "-", "1.5"}
	var b strings.Builder
	for range r.IntN(5) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func randomFloat(r *rand.Rand) float64 {
	switch r.IntN(8) {
	case 0:
		return 0
	case 1:
		return float64(r.IntN(100000)) / 1000
	case 2:
		return math.Copysign(0, -1)
	case 3:
		return r.NormFloat64() * math.Pow(10, float64(r.IntN(50)-25))
	case 4:
		return math.Inf(1)
	case 5:
		return math.NaN()
	case 6:
		return 1e21
	}
	return r.Float64()
}

// randomAttr is mostly the kinds the fast path takes, sometimes others
// (which it must hand to slog).
func randomAttr(r *rand.Rand) slog.Attr {
	key := randomString(r)
	if r.IntN(3) > 0 {
		key = []string{"request_id", "status", "duration_ms", "path", "log"}[r.IntN(5)]
	}
	switch r.IntN(10) {
	case 0, 1, 2, 3:
		return slog.String(key, randomString(r))
	case 4, 5:
		return slog.Int(key, r.IntN(2000)-1000)
	case 6, 7:
		return slog.Float64(key, randomFloat(r))
	case 8:
		return slog.Bool(key, r.IntN(2) == 0)
	}
	return slog.Duration(key, time.Duration(r.Int64N(1e12)))
}

// TestHandlerMatchesSlog writes random records through Handler and through
// slog's own handler, text and JSON, with random WithAttrs and sometimes a
// group or a level below the handler's, and checks the bytes are equal.
func TestHandlerMatchesSlog(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("X", -(3*3600 + 30*60))}
	fastLines := 0
	for i := range 20000 {
		json := i%2 == 0
		opts := &slog.HandlerOptions{Level: slog.Level(r.IntN(3)*4 - 4)}
		var got, want bytes.Buffer
		var h, ref slog.Handler
		if json {
			h, ref = NewJSONHandler(&got, opts), slog.NewJSONHandler(&want, opts)
		} else {
			h, ref = NewTextHandler(&got, opts), slog.NewTextHandler(&want, opts)
		}
		if r.IntN(2) == 0 {
			pre := []slog.Attr{randomAttr(r)}
			h, ref = h.WithAttrs(pre), ref.WithAttrs(pre)
		}
		if r.IntN(10) == 0 {
			h, ref = h.WithGroup("g"), ref.WithGroup("g")
		}
		when := time.Unix(r.Int64N(4e9), r.Int64N(1e9)).In(zones[r.IntN(len(zones))])
		if r.IntN(20) == 0 {
			when = time.Time{}
		}
		level := slog.Level(r.IntN(4)*4 - 4)
		rec := slog.NewRecord(when, level, randomString(r), 0)
		for range r.IntN(9) {
			rec.AddAttrs(randomAttr(r))
		}
		logger, refLogger := slog.New(h), slog.New(ref)
		if h.Enabled(context.Background(), level) != ref.Enabled(context.Background(), level) {
			t.Fatalf("Enabled(%v) differs from slog's", level)
		}
		if h.Enabled(context.Background(), level) {
			if err := logger.Handler().Handle(context.Background(), rec.Clone()); err != nil {
				t.Fatal(err)
			}
			if err := refLogger.Handler().Handle(context.Background(), rec.Clone()); err != nil {
				t.Fatal(err)
			}
		}
		if got.String() != want.String() {
			t.Fatalf("record %d (json %v):\n got %q\nwant %q", i, json, got.String(), want.String())
		}
		if got.Len() > 0 {
			fastLines++
		}
	}
	if fastLines < 5000 {
		t.Errorf("only %d records written; the test hardly compares anything", fastLines)
	}
}

// TestHandlerFastPathAllocs checks that an access-log-like line costs no
// allocation once warm (slog's own handler allocates for its state).
func TestHandlerFastPathAllocs(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(NewTextHandler(&buf, nil)).With("log", "access")
	n := testing.AllocsPerRun(200, func() {
		buf.Reset()
		logger.LogAttrs(context.Background(), slog.LevelInfo, "request",
			slog.String("request_id", "5b2f"), slog.String("method", "GET"), slog.String("route", "/collections/:collectionId/items/:featureId"),
			slog.String("path", "/collections/ports/items/p1"), slog.Int("status", 200))
	})
	if n > 0 {
		t.Errorf("%v allocations per line", n)
	}
}

func BenchmarkAccessLine(b *testing.B) {
	for _, tt := range []struct {
		name string
		h    slog.Handler
	}{
		{"slog.TextHandler", slog.NewTextHandler(discard{}, nil)},
		{"logline.TextHandler", NewTextHandler(discard{}, nil)},
		{"slog.JSONHandler", slog.NewJSONHandler(discard{}, nil)},
		{"logline.JSONHandler", NewJSONHandler(discard{}, nil)},
	} {
		b.Run(tt.name, func(b *testing.B) {
			logger := slog.New(tt.h).With("log", "access")
			b.ReportAllocs()
			for range b.N {
				logger.LogAttrs(context.Background(), slog.LevelInfo, "request",
					slog.String("request_id", "5b2f31c2-7c3a-4d0e-9d8e-0a1b2c3d4e5f"), slog.String("method", "GET"),
					slog.String("route", "/collections/:collectionId/items/:featureId"), slog.String("path", "/collections/industrial-parks/items/ip-000123"),
					slog.Int("status", 200), slog.Int("bytes", 1834), slog.Float64("duration_ms", 0.052), slog.String("client", "127.0.0.1"))
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
