package logline_test

import (
	"log/slog"
	"os"
	"time"

	"github.com/planmap/planmap/cmd/planmap/logline"
)

// An access log written in batches at most 100 ms apart, and a main log
// whose lines go out at once, in order with the access lines.
func Example() {
	out := logline.NewWriter(os.Stdout, 64<<10, 100*time.Millisecond)
	defer out.Flush()
	noTime := &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	access := slog.New(logline.NewTextHandler(out, noTime)).With("log", "access")
	main := slog.New(logline.NewTextHandler(out.Immediate(), noTime))
	access.Info("request", "method", "GET", "path", "/collections", "status", 200, "duration_ms", 0.25)
	main.Info("planmap stopped")
	// Output:
	// level=INFO msg=request log=access method=GET path=/collections status=200 duration_ms=0.25
	// level=INFO msg="planmap stopped"
}
