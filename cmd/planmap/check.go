package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/geo"
)

func init() {
	commands["check"] = command{summary: "validate a dataset folder (the embedded dataset when none is given)", run: runCheck}
}

// runCheck validates a dataset folder, printing every problem found (file,
// feature index, id, reason) and exiting 1 when there is any, or one
// summary line per layer when there is none.
func runCheck(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: planmap check [--max-file-mib N] [DIR]\n\nValidates every *.geojson layer in DIR (the embedded default dataset when DIR is left out).\nA layer whose sidecar (<id>.json) has \"crs\" (e.g. \"https://planmap.dev/def/crs/GCJ-02\" or \"EPSG:4549\",\npositions easting first as GDAL writes GeoJSON) is converted to WGS 84 and checked there.")
		fs.PrintDefaults()
	}
	maxFileMiB := fs.Int64("max-file-mib", data.DefaultMaxFileBytes>>20, "largest layer file read, in MiB (larger ones are refused by name)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return &exitError{code: 2, err: fmt.Errorf("at most one folder, got %d arguments", fs.NArg())}
	}
	ds, err := loadDataset(fs.Arg(0), data.LoadOptions{MaxFileBytes: *maxFileMiB << 20})
	if err != nil {
		var verr *data.ValidationError
		if errors.As(err, &verr) {
			where := fs.Arg(0)
			if where == "" {
				where = "embedded dataset"
			}
			for _, p := range verr.Problems {
				fmt.Fprintf(stdout, "%s\n", p)
			}
			return &exitError{code: 1, err: fmt.Errorf("%s: %d problem(s)", where, len(verr.Problems))}
		}
		return err
	}
	total := 0
	for _, l := range ds.Layers {
		total += len(l.Features.Features)
		converted := ""
		if l.CRS != "" {
			converted = ", converted to WGS 84 from " + l.CRS
		}
		fmt.Fprintf(stdout, "ok %-17s %6d features (%s), %d positions, bbox %s%s\n",
			l.ID, len(l.Features.Features), geometryTypeCounts(l), countPositions(l), formatBound(l), converted)
	}
	fmt.Fprintf(stdout, "ok %s: %d layers, %d features, version %s\n", ds.Source, len(ds.Layers), total, ds.Version)
	return nil
}

func geometryTypeCounts(l *data.Layer) string {
	counts := map[string]int{}
	for _, f := range l.Features.Features {
		counts[f.Geometry.GeoJSONType()]++
	}
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	sort.Strings(types)
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = fmt.Sprintf("%d %s", counts[t], t)
	}
	if len(parts) == 0 {
		return "empty"
	}
	return strings.Join(parts, ", ")
}

func countPositions(l *data.Layer) int {
	n := 0
	for _, f := range l.Features.Features {
		n += geo.VertexCount(f.Geometry)
	}
	return n
}

func formatBound(l *data.Layer) string {
	if len(l.Features.Features) == 0 {
		return "none"
	}
	b := l.Bound()
	return fmt.Sprintf("[%.6g, %.6g, %.6g, %.6g]", b.Min[0], b.Min[1], b.Max[0], b.Max[1])
}
