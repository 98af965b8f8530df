package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/tiles"
)

func init() {
	commands["tiles"] = command{summary: "export a dataset's vector tiles to an MBTiles or PMTiles file", run: runTiles}
}

func runTiles(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tiles", flag.ContinueOnError)
	dir := fs.String("data", "", "dataset folder of *.geojson layers (default: the embedded dataset)")
	minZoom := fs.Int("minzoom", 0, "first zoom level to write")
	maxZoom := fs.Int("maxzoom", 14, "last zoom level to write (at most 22)")
	out := fs.String("out", "", "file to write, replaced atomically: FILE.pmtiles writes PMTiles v3, any other name MBTiles 1.3")
	layers := fs.String("layers", "", "comma-separated layers to export (default: all)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *out == "" {
		return &exitError{code: 2, err: errors.New("--out FILE.mbtiles or FILE.pmtiles is required")}
	}
	write := (*tiles.Tiler).WriteMBTiles // any other name, as before
	if strings.EqualFold(filepath.Ext(*out), ".pmtiles") {
		write = (*tiles.Tiler).WritePMTiles
	}
	if *minZoom < 0 || *maxZoom > tiles.MaxZoom || *minZoom > *maxZoom {
		return &exitError{code: 2, err: fmt.Errorf("--minzoom %d --maxzoom %d: need 0 <= minzoom <= maxzoom <= %d", *minZoom, *maxZoom, tiles.MaxZoom)}
	}
	ds, err := loadDataset(*dir, data.LoadOptions{})
	if err != nil {
		return err
	}
	start := time.Now()
	tiler, err := tiles.NewForDataset(ds, tiles.Options{})
	if err != nil {
		return err
	}
	set, err := tiler.ParseLayers(*layers)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("--layers: %s", strings.TrimPrefix(err.Error(), "tiles: "))}
	}
	fmt.Fprintf(stderr, "prepared %s (%s) in %s\n", ds.Source, ds.Version, time.Since(start).Round(time.Millisecond))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var bar *progressbar.ProgressBar
	opts := tiles.MBTilesOptions{MinZoom: *minZoom, MaxZoom: *maxZoom, Layers: set}
	if !*quiet {
		opts.Planned = func(total int) {
			bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription(fmt.Sprintf("tiles z%d–z%d", *minZoom, *maxZoom)),
				progressbar.OptionShowCount(),
				progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("tiles"),
				progressbar.OptionThrottle(200*time.Millisecond),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }),
			)
		}
		opts.Progress = func() { bar.Add(1) }
	}
	stats, err := write(tiler, ctx, *out, opts)
	if err != nil {
		return err
	}
	if bar != nil {
		bar.Finish()
	}
	fmt.Fprintf(stdout, "wrote %s: %d tiles (%d checked), %.1f MiB, zoom %d–%d, in %s\n",
		*out, stats.Written, stats.Planned, float64(stats.Bytes)/(1<<20), *minZoom, *maxZoom, time.Since(start).Round(time.Millisecond))
	return nil
}
