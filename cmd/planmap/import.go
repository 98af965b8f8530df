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

func init() {
	commands["import"] = command{summary: "load a dataset folder (or the built-in one) into PostGIS, or adopt existing tables", run: runImport}
	commands["export"] = command{summary: "write the layers a PostGIS database serves as a GeoJSON dataset folder", run: runExport}
}

func runImport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	store := fs.String("store", "", "PostgreSQL URL of the database (postgres://user:password@host:5432/db)")
	schema := fs.String("schema", "public", "schema for the layer tables")
	replace := fs.Bool("replace", false, "drop and reload layers the database already has")
	adopt := fs.String("adopt", "", "JSON file naming tables made by other programs (ogr2ogr, shp2pgsql, QGIS) to serve; with no DIR only these are registered")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: planmap import --store URL [--replace] [DIR]\n       planmap import --store URL --adopt CONFIG.json")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *store == "" {
		return fmt.Errorf("give the database with --store URL (or PLANMAP_STORE)")
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("give at most one dataset folder")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if *adopt == "" || fs.NArg() == 1 {
		ds, err := loadDataset(fs.Arg(0))
		if err != nil {
			return err
		}
		if err := postgis.Import(ctx, *store, ds, postgis.ImportOptions{Schema: *schema, Replace: *replace}); err != nil {
			return err
		}
		n := 0
		for _, l := range ds.Layers {
			n += len(l.Features.Features)
			fmt.Fprintf(stdout, "imported layer %s: %d features into table %s.%s\n", l.ID, len(l.Features.Features), *schema, postgis.TableName(l.ID))
		}
		fmt.Fprintf(stdout, "imported %d layers, %d features from %s; serve them with: planmap serve --store URL\n", len(ds.Layers), n, ds.Source)
	}
	if *adopt != "" {
		cfg, err := postgis.ReadAdoptConfig(*adopt)
		if err != nil {
			return err
		}
		if err := postgis.Adopt(ctx, *store, cfg, *replace); err != nil {
			return err
		}
		for _, l := range cfg.Layers {
			fmt.Fprintf(stdout, "adopted table %s as layer %s\n", l.Table, l.Layer)
		}
	}
	return nil
}
