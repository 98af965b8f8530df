package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/planmap/planmap/api"
	"github.com/planmap/planmap/data"
)

func init() {
	commands["serve"] = command{summary: "serve a dataset over HTTP (OGC API – Features, vector tiles, web map)", run: runServe}
}

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	dir := fs.String("data", "", "dataset folder of *.geojson layers (default: the embedded dataset)")
	addr := fs.String("addr", ":8080", "address to listen on")
	baseURL := fs.String("base-url", "", "public URL of the service for links (default: from each request)")
	cacheMiB := fs.Int64("tile-cache-mib", 256, "tile cache budget in MiB")
	benchEndpoints := fs.Bool("bench-endpoints", false, "add /bench/copy/*, the baseline for load tests (bench/*.sh)")
	matchCacheMiB := fs.Int64("match-cache-mib", 64, "per-layer cache of filtered items answers in MiB (0 turns it off)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file (for benchmarks)")
	grace := fs.Duration("shutdown-grace", 10*time.Second, "how long in-flight requests may run after SIGINT/SIGTERM")
	tokensFile := fs.String("tokens", "", "file of write tokens: one \"name role sha256:HEX\" a line (role editor or viewer; `planmap token` makes one)")
	writeToken := fs.String("write-token", "", "one editor token in clear, for the simple case; set it as PLANMAP_WRITE_TOKEN rather than on the command line")
	writeOrigins := fs.String("write-origins", "", "comma-separated browser origins (https://host:port) that may send writes besides the server's own")
	watch := fs.Bool("watch", true, "reload layer files another program changes in the --data folder")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	store, err := openStore(*dir, *watch, log, matchCacheBytes(*matchCacheMiB))
	if err != nil {
		return err
	}
	defer store.Close()
	tokens, err := loadTokens(*tokensFile, *writeToken)
	if err != nil {
		return err
	}
	srv, err := api.NewWithStore(store, api.Options{BaseURL: *baseURL, TileCacheBytes: *cacheMiB << 20, Logger: log, BenchEndpoints: *benchEndpoints,
		MatchCacheBytes: matchCacheBytes(*matchCacheMiB), Tokens: tokens, WriteOrigins: splitComma(*writeOrigins)})
	if err != nil {
		return err
	}
	defer srv.Close()
	ds := store.Current()
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
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	features := 0
	for _, l := range ds.Layers() {
		features += l.Len()
	}
	editing := "read-only"
	if err := store.Writable(); err == nil {
		editing = fmt.Sprintf("editable with %d token(s)", tokens.Len())
	}
	log.Info("planmap serving", "addr", *addr, "data", ds.Source, "layers", len(ds.Layers()), "features", features, "version", ds.Version, "editing", editing)
	if err := srv.Serve(ctx, *addr, *grace); err != nil {
		return err
	}
	log.Info("planmap stopped")
	return nil
}

// openStore opens the data folder as an editable file store, or the
// embedded dataset read-only when dir is empty.
func openStore(dir string, watch bool, log *slog.Logger, matchBudget int64) (data.Store, error) {
	opts := data.FileOptions{MatchCacheBytes: matchBudget, Logger: log, Watch: watch}
	if dir == "" {
		return data.OpenEmbedded(opts)
	}
	return data.OpenFiles(dir, opts)
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
func loadDataset(dir string) (*data.Dataset, error) {
	if dir == "" {
		ds, err := data.Default()
		if err != nil {
			return nil, fmt.Errorf("embedded dataset: %w", err)
		}
		return ds, nil
	}
	return data.LoadDir(dir)
}

// matchCacheBytes turns the --match-cache-mib flag into api.Options'
// convention, where 0 means the default and a negative value means off.
func matchCacheBytes(mib int64) int64 {
	if mib <= 0 {
		return -1
	}
	return mib << 20
}
