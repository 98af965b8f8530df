package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/planmap/planmap/data"
)

func init() {
	commands["gen"] = command{summary: "write a synthetic dataset of the four planning layers for benchmarks", run: runGen}
}

func runGen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	features := fs.Int("features", 10000, "number of features over the four layers")
	seed := fs.Int64("seed", 1, "random seed: the same seed and --features give the same files")
	out := fs.String("out", "", "folder to write the *.geojson layers into (created when missing)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, err: fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if *out == "" {
		return &exitError{code: 2, err: errors.New("--out DIR is required")}
	}
	if *features < 0 {
		return &exitError{code: 2, err: fmt.Errorf("--features must not be negative, got %d", *features)}
	}
	start := time.Now()
	ds := data.Generate(data.GenOptions{Features: *features, Seed: *seed})
	generated := time.Since(start)
	if err := data.WriteDir(ds, *out); err != nil {
		return err
	}
	for _, l := range ds.Layers {
		fmt.Fprintf(stdout, "%-17s %9d features, %11d positions\n", l.ID, len(l.Features.Features), countPositions(l))
	}
	fmt.Fprintf(stdout, "wrote %d features (seed %d) to %s in %s (generating %s)\n",
		*features, *seed, *out, time.Since(start).Round(time.Millisecond), generated.Round(time.Millisecond))
	return nil
}
