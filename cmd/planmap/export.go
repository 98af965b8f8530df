package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"syscall"

	"github.com/planmap/planmap/data/postgis"
)

func runExport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	store := fs.String("store", "", "PostgreSQL URL of the database (postgres://user:password@host:5432/db)")
	out := fs.String("out", "", "folder to write LAYER.geojson and LAYER.json files into")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *store == "" || *out == "" {
		return fmt.Errorf("give the database with --store URL and the folder with --out DIR")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ds, err := postgis.Export(ctx, *store, *out)
	if err != nil {
		return err
	}
	n := 0
	for _, l := range ds.Layers {
		n += len(l.Features.Features)
	}
	fmt.Fprintf(stdout, "exported %d layers, %d features to %s; check them with: planmap check %s\n", len(ds.Layers), n, *out, *out)
	return nil
}
