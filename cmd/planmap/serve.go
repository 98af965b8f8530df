package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/planmap/planmap/api"
	"github.com/planmap/planmap/cmd/planmap/logline"
	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/postgis"
	"github.com/planmap/planmap/geo/crs"
	"github.com/planmap/planmap/tiles"
)

func init() {
	commands["serve"] = command{summary: "serve a dataset over HTTP (OGC API – Features, vector tiles, web map)", run: runServe}
}

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	dir := fs.String("data", "", "dataset folder of *.geojson layers (default: the embedded dataset)")
	storeURL := fs.String("store", "", "serve from PostGIS: a postgres:// URL of a database `planmap import` loaded (default: --data or the embedded dataset)")
	addr := fs.String("addr", ":8080", "address to listen on")
	baseURL := fs.String("base-url", "", "public URL of the service for links (default: from each request)")
	cacheMiB := fs.Int64("tile-cache-mib", 256, "tile cache budget in MiB")
	benchEndpoints := fs.Bool("bench-endpoints", false, "add /bench/copy/*, the baseline for load tests (bench/*.sh)")
	matchCacheMiB := fs.Int64("match-cache-mib", 64, "per-layer cache of filtered items answers in MiB (0 turns it off)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run, loading included, to this file (for benchmarks)")
	memProfile := fs.String("memprofile", "", "write a heap profile to this file once the data is loaded and indexed (for benchmarks)")
	archive := fs.String("tiles", "", "serve /tiles from this PMTiles archive (planmap tiles --out FILE.pmtiles) instead of making them")
	grace := fs.Duration("shutdown-grace", 10*time.Second, "how long in-flight requests may run after SIGINT/SIGTERM")
	tokensFile := fs.String("tokens", "", "file of write tokens: one \"name role sha256:HEX\" a line (role editor or viewer; `planmap token` makes one)")
	writeToken := fs.String("write-token", "", "one editor token in clear, for the simple case; set it as PLANMAP_WRITE_TOKEN rather than on the command line")
	writeOrigins := fs.String("write-origins", "", "comma-separated browser origins (https://host:port) that may send writes besides the server's own")
	watch := fs.Bool("watch", true, "reload layer files another program changes in the --data folder")
	maxFileMiB := fs.Int64("max-file-mib", data.DefaultMaxFileBytes>>20, "largest layer file read from the --data folder, in MiB (larger ones are refused by name)")
	requestTimeout := fs.Duration("request-timeout", 10*time.Second, "deadline of a request's work (reads, tiles, search)")
	analysisTimeout := fs.Duration("analysis-timeout", 60*time.Second, "deadline of /analysis/coverage and /analysis/buffer")
	analysisConc := fs.Int("analysis-concurrency", 0, "analysis requests running at once (0: half the cores, at least 1)")
	tileConc := fs.Int("low-zoom-tile-concurrency", 0, "tile requests at zoom 6 and below running at once (0: the cores, at least 2)")
	itemsConc := fs.Int("large-items-concurrency", 0, "items requests with limit above 1000 running at once (0: the cores, at least 2)")
	maxBody := fs.Int("max-body-bytes", 1<<20, "largest request body outside writes (analysis POST)")
	maxGetBody := fs.Int("max-get-body-bytes", 1<<10, "largest body on GET, HEAD and OPTIONS requests")
	readBuffer := fs.Int("read-buffer-bytes", 16<<10, "largest request line plus headers")
	trusted := fs.String("trusted-proxies", "", "comma-separated addresses or CIDRs whose X-Forwarded-For/-Host/-Proto are believed (default: none)")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	accessLog := fs.Bool("access-log", true, "write one log line per request")
	fs.String("config", "", "read settings from this file: one \"flag-name = value\" a line (# comments; values may be \"quoted\")")
	var basemaps []api.Basemap
	fs.Func("basemap", "add a basemap to the web map's switcher (repeatable): title|url|attribution|datum, or a JSON object; url an XYZ template ({z}/{x}/{y}) or a style URL; datum wgs84 (default), gcj02 or bd09; PLANMAP_BASEMAPS may hold a JSON array of them", func(v string) error {
		b, err := api.ParseBasemap(v)
		if err != nil {
			return err
		}
		basemaps = append(basemaps, b)
		return nil
	})
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: planmap serve [flags]\n\n"+
			"Every flag can also be set by an environment variable (--tile-cache-mib by PLANMAP_TILE_CACHE_MIB, and so on)\n"+
			"or in the config file --config (or PLANMAP_CONFIG) names, one \"name = value\" a line named as the flags:\n"+
			"  tile-cache-mib = 512\n  base-url = \"https://plan.example.org\"\n"+
			"A flag on the command line wins over its environment variable, which wins over the file, which wins over the default.\n"+
			"Unknown names in the file are refused with the file name and line.\n\n")
		fs.VisitAll(func(f *flag.Flag) {
			env := envName(f.Name)
			def := f.DefValue
			if def == "" {
				def = `""`
			}
			fmt.Fprintf(fs.Output(), "  --%s (env %s, default %s)\n    \t%s\n", f.Name, env, def, f.Usage)
		})
	}
	if err := parseFlagsWithConfig(fs, args, stderr, "config", map[string]bool{"basemap": true}); err != nil {
		return err
	}
	// Access log lines go out in batches (at most 100 ms late, and at
	// shutdown); the main log's lines at once, in order with them.
	logOut := logline.NewWriter(stderr, 64<<10, 100*time.Millisecond)
	defer logOut.Flush()
	log, err := newLogger(logOut.Immediate(), *logFormat, *logLevel)
	if err != nil {
		return err
	}
	fromEnv, err := api.ParseBasemaps(os.Getenv("PLANMAP_BASEMAPS"))
	if err != nil {
		return fmt.Errorf("PLANMAP_BASEMAPS: %w", err)
	}
	basemaps = append(fromEnv, basemaps...)
	if *storeURL != "" && *dir != "" {
		return fmt.Errorf("give either --data or --store, not both")
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	loadStart := time.Now()
	store, err := openStore(*dir, *storeURL, *watch, log, matchCacheBytes(*matchCacheMiB), *maxFileMiB<<20)
	if err != nil {
		return err
	}
	defer store.Close()
	log.Info("planmap loaded the data", "seconds", time.Since(loadStart).Seconds(), "peak_rss_mib", peakRSSMiB())
	tokens, err := loadTokens(*tokensFile, *writeToken)
	if err != nil {
		return err
	}
	opts := api.Options{BaseURL: *baseURL, TileCacheBytes: *cacheMiB << 20, Logger: log, BenchEndpoints: *benchEndpoints,
		MatchCacheBytes: matchCacheBytes(*matchCacheMiB), Tokens: tokens, WriteOrigins: splitComma(*writeOrigins),
		RequestTimeout: *requestTimeout, AnalysisTimeout: *analysisTimeout,
		Concurrency: map[string]int{"analysis": *analysisConc, "tiles_low_zoom": *tileConc, "items_large": *itemsConc},
		MaxBody:     *maxBody, MaxGetBody: *maxGetBody, ReadBufferSize: *readBuffer, TrustedProxies: splitComma(*trusted), Basemaps: basemaps}
	if *maxGetBody == 0 {
		opts.MaxGetBody = -1
	}
	if *accessLog {
		access, err := newLogger(logOut, *logFormat, *logLevel)
		if err != nil {
			return err
		}
		opts.AccessLog = access.With("log", "access")
	}
	if *archive != "" {
		// a static archive: edits to the data do not reach its tiles
		pm, err := tiles.OpenPMTiles(*archive)
		if err != nil {
			return &exitError{code: 2, err: fmt.Errorf("--tiles: %w", err)}
		}
		defer pm.Close()
		opts.TileSource = pm
	}
	// The tiles are prepared in the background from here on (tile
	// requests wait for them: api.Server.WaitTiles), under startupGC's
	// collector settings; the heap profile is of both.
	restoreGC := startupGC()
	srv, err := api.NewWithStore(store, opts)
	if err != nil {
		restoreGC()
		return err
	}
	srv.ObserveLoad("load", time.Since(loadStart))
	log.Info("planmap indexed the data", "seconds", time.Since(loadStart).Seconds(), "peak_rss_mib", peakRSSMiB())
	defer srv.Close()
	ds := store.Current()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	tilesDone := make(chan error, 1)
	go func() {
		err := srv.WaitTiles(ctx)
		restoreGC()
		if err == nil {
			log.Info("planmap prepared the tiles", "seconds", time.Since(loadStart).Seconds(), "peak_rss_mib", peakRSSMiB())
			debug.FreeOSMemory() // the preparation's scratch
			if *memProfile != "" {
				err = writeHeapProfile(*memProfile)
			}
		}
		tilesDone <- err
	}()
	features := 0
	for _, l := range ds.Layers() {
		features += l.Len()
	}
	editing := "read-only"
	if err := store.Writable(); err == nil {
		editing = fmt.Sprintf("editable with %d token(s)", tokens.Len())
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: listening on %s: %w", *addr, err)
	}
	// Loading leaves much garbage behind (file bytes, validation and tile
	// preparation scratch): give it back to the system now rather than
	// over the next minutes, so the steady memory is what is in use.
	go debug.FreeOSMemory()
	if files, ok := store.(*data.FileStore); ok {
		files.WriteDeferredSnapshot() // for the next start, now that this one is done
	}
	log.Info("planmap serving", "addr", ln.Addr().String(), "data", ds.Source, "layers", len(ds.Layers()), "features", features, "version", ds.Version, "editing", editing)
	fmt.Fprintf(stdout, "planmap: open %s/ in a browser\n", openURL(*baseURL, ln.Addr()))
	if err := srv.ServeListener(ctx, ln, *grace); err != nil {
		return err
	}
	if err := <-tilesDone; err != nil && ctx.Err() == nil {
		return err
	}
	log.Info("planmap stopped")
	return nil
}

// openStore opens the PostGIS database at url, or the data folder as an
// editable file store, or the embedded dataset read-only when both are
// empty.
func openStore(dir, url string, watch bool, log *slog.Logger, matchBudget, maxFileBytes int64) (data.Store, error) {
	if url != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		return postgis.Open(ctx, url, postgis.Options{MatchCacheBytes: matchBudget, Logger: log})
	}
	opts := data.FileOptions{MatchCacheBytes: matchBudget, Logger: log, Watch: watch, Converter: crs.FileConverter, MaxFileBytes: maxFileBytes,
		DeferBinarySnapshot: true}
	if dir == "" {
		return data.OpenEmbedded(opts)
	}
	return data.OpenFiles(dir, opts)
}

// tilesGCPercent is the collector's target (GOGC) while the tiles are
// prepared in the background after ready: the preparation allocates
// gigabytes at 1M features on top of the loaded data, and at the default
// 100 the heap may grow to twice what is live before a collection, which
// made the process's peak nearly twice its steady memory. At 10 the peak
// stays within a tenth of what is live (at 1M generated features, some
// 350 MiB below the peak at 25), for more collector work off the ready
// path.
const tilesGCPercent = 10

// startupGC sets the collector's target for the tile preparation, unless
// GOGC is set in the environment, and holds the heap to a soft memory
// limit just above what is live while the tiles are prepared (unless
// GOMEMLIMIT is set), and returns what puts both back.
//
// At GOGC 10 the heap may grow a tenth above what is live before a
// collection, and the runtime keeps a tenth above that of freed memory
// before it returns it to the system: at 1M generated features, the
// preparation's peak RSS was some 700 MiB above the live heap. A memory
// limit makes the runtime return what it frees at once instead: the limit
// follows the live heap (liveSlack above it, measured after each
// collection), so that it never makes the collector run more often than
// GOGC 10 does.
func startupGC() (restore func()) {
	restoreGC := func() {}
	if os.Getenv("GOGC") == "" {
		prev := debug.SetGCPercent(tilesGCPercent)
		restoreGC = func() { debug.SetGCPercent(prev) }
	}
	if os.Getenv("GOMEMLIMIT") != "" {
		return restoreGC
	}
	prevLimit := debug.SetMemoryLimit(-1)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if live := sample[0].Value.Uint64(); live > 0 {
				debug.SetMemoryLimit(int64(live + live*liveSlackPercent/100 + liveSlackBytes))
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		close(stop)
		<-stopped
		debug.SetMemoryLimit(prevLimit)
		restoreGC()
	}
}

// The soft memory limit while the tiles are prepared: the live heap plus
// liveSlackPercent of it and liveSlackBytes (for stacks and the runtime's
// own memory), above GOGC 10's target so that the collector's pace is
// still GOGC's and the limit mostly makes freed memory go back at once.
const (
	liveSlackPercent = 15
	liveSlackBytes   = 64 << 20
)

// peakRSSMiB is the process's peak resident memory so far (VmHWM), or -1
// where /proc does not say.
func peakRSSMiB() int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), &kb); err == nil {
				return kb >> 10
			}
		}
	}
	return -1
}

// writeHeapProfile writes the live heap (after a collection) to file.
func writeHeapProfile(file string) error {
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	return nil
}

// loadTokens reads the tokens file and adds the one given in clear.
func loadTokens(file, secret string) (*api.Tokens, error) {
	tokens := &api.Tokens{}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("tokens: %w", err)
		}
		defer f.Close()
		if tokens, err = api.ParseTokens(f); err != nil {
			return nil, fmt.Errorf("tokens: %s: %w", file, err)
		}
	}
	if secret != "" {
		tokens.AddSecret("PLANMAP_WRITE_TOKEN", api.RoleEditor, secret)
	}
	return tokens, nil
}

func splitComma(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// loadDataset loads dir, or the embedded dataset when dir is empty.
func loadDataset(dir string, opts data.LoadOptions) (*data.Dataset, error) {
	if dir == "" {
		ds, err := data.Default()
		if err != nil {
			return nil, fmt.Errorf("embedded dataset: %w", err)
		}
		return ds, nil
	}
	opts.Converter = crs.FileConverter
	return data.LoadDirWith(dir, opts)
}

// matchCacheBytes turns the --match-cache-mib flag into api.Options'
// convention, where 0 means the default and a negative value means off.
func matchCacheBytes(mib int64) int64 {
	if mib <= 0 {
		return -1
	}
	return mib << 20
}

// newLogger builds the server's logger from --log-format and --log-level.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("serve: --log-level %q: use debug, info, warn or error", level)
	}
	hopts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(logline.NewTextHandler(w, hopts)), nil
	case "json":
		return slog.New(logline.NewJSONHandler(w, hopts)), nil
	}
	return nil, fmt.Errorf("serve: --log-format %q: use text or json", format)
}

// openURL is the address to print: the base URL when set, else the
// listener's address with a wildcard host shown as localhost.
func openURL(baseURL string, addr net.Addr) string {
	if baseURL != "" {
		return strings.TrimSuffix(baseURL, "/")
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
