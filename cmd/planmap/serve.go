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
	var basemaps []api.Basemap
	fs.Func("basemap", "add a basemap to the web map's switcher (repeatable): title|url|attribution|datum, or a JSON object; url an XYZ template ({z}/{x}/{y}) or a style URL; datum wgs84 (default), gcj02 or bd09. PLANMAP_BASEMAPS may hold a JSON array of them", func(v string) error {
		b, err := api.ParseBasemap(v)
		if err != nil {
			return err
		}
		basemaps = append(basemaps, b)
		return nil
	})
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	fromEnv, err := api.ParseBasemaps(os.Getenv("PLANMAP_BASEMAPS"))
	if err != nil {
		return fmt.Errorf("PLANMAP_BASEMAPS: %w", err)
	}
	basemaps = append(fromEnv, basemaps...)
	ds, err := loadDataset(*dir)
	if err != nil {
		return err
	}
	srv, err := api.New(ds, api.Options{BaseURL: *baseURL, TileCacheBytes: *cacheMiB << 20, Logger: log, BenchEndpoints: *benchEndpoints, MatchCacheBytes: matchCacheBytes(*matchCacheMiB), Basemaps: basemaps})
	if err != nil {
		return err
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
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	features := 0
	for _, l := range ds.Layers {
		features += len(l.Features.Features)
	}
	log.Info("planmap serving", "addr", *addr, "data", ds.Source, "layers", len(ds.Layers), "features", features, "version", ds.Version)
	if err := srv.Serve(ctx, *addr, *grace); err != nil {
		return err
	}
	log.Info("planmap stopped")
	return nil
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
