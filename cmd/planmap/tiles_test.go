package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/tiles"
)

func TestTilesCommand(t *testing.T) {
	dir := t.TempDir()
	if err := data.WriteDir(data.Generate(data.GenOptions{Features: 200, Seed: 2}), dir); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.mbtiles")
	var stdout, stderr strings.Builder
	if code := run([]string{"tiles", "--data", dir, "--minzoom", "3", "--maxzoom", "7", "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "wrote "+out) || !strings.Contains(stderr.String(), "tiles z3–z7") {
		t.Errorf("stdout %q stderr %q", stdout.String(), stderr.String())
	}
	db, err := sql.Open("sqlite", out)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var minZ, maxZ, n int
	if err := db.QueryRow("SELECT min(zoom_level), max(zoom_level), count(*) FROM tiles").Scan(&minZ, &maxZ, &n); err != nil {
		t.Fatal(err)
	}
	if minZ != 3 || maxZ != 7 || n < 5 {
		t.Errorf("zooms %d..%d, %d tiles", minZ, maxZ, n)
	}

	// by extension, a PMTiles archive
	pmPath := filepath.Join(t.TempDir(), "out.pmtiles")
	stdout.Reset()
	if code := run([]string{"tiles", "--data", dir, "--minzoom", "3", "--maxzoom", "7", "--out", pmPath, "--quiet"}, &stdout, &stderr); code != 0 {
		t.Fatalf("pmtiles: exit %d: %s", code, stderr.String())
	}
	pm, err := tiles.OpenPMTiles(pmPath)
	if err != nil {
		t.Fatal(err)
	}
	defer pm.Close()
	if pm.MinZoom() != 3 || pm.MaxZoom() != 7 || !strings.Contains(stdout.String(), "wrote "+pmPath) {
		t.Errorf("archive zooms %d..%d, stdout %q", pm.MinZoom(), pm.MaxZoom(), stdout.String())
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tiles", "--data", dir}, "--out"},
		{[]string{"tiles", "--data", dir, "--out", out, "--maxzoom", "23"}, "maxzoom"},
		{[]string{"tiles", "--data", dir, "--out", out, "--minzoom", "8", "--maxzoom", "7"}, "minzoom"},
		{[]string{"tiles", "--data", dir, "--out", out, "--layers", "nope"}, "unknown layer"},
	} {
		stderr.Reset()
		if code := run(tc.args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, stderr.String())
		}
	}
}
