package tiles

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/paulmach/orb"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/testtool"
)

// ogrCounts runs ogrinfo -so -al and returns each layer's feature count.
func ogrCounts(t *testing.T, ogrinfo string, args ...string) map[string]int {
	t.Helper()
	out, err := exec.Command(ogrinfo, append([]string{"-ro", "-so", "-al"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo %v: %v\n%s", args, err, out)
	}
	counts := map[string]int{}
	re := regexp.MustCompile(`(?m)^Layer name: (\S+)\s*$(?:\n.*?)*?^Feature Count: (\d+)`)
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		n, _ := strconv.Atoi(m[2])
		counts[m[1]] = n
	}
	if len(counts) == 0 {
		t.Fatalf("ogrinfo listed no layers:\n%s", out)
	}
	return counts
}

// expectedCounts is, per layer, the number of source features, for the
// enclave links the number of enclaves with a home point and for the labels
// the number of polygon and point features.
func expectedCounts(ds *data.Dataset) map[string]int {
	want := map[string]int{}
	for _, l := range ds.Layers {
		want[l.ID] = len(l.Features.Features)
		for _, f := range l.Features.Features {
			switch f.Geometry.(type) {
			case orb.Point, orb.MultiPoint, orb.Polygon, orb.MultiPolygon:
				want[Labels]++
			}
		}
		if l.ID == data.Enclaves {
			for _, f := range l.Features.Features {
				if _, ok := data.HomePoint(f.Properties); ok {
					want[EnclaveLinks]++
				}
			}
		}
	}
	return want
}

// TestMBTilesReadByGDAL exports zoom 0–5 of a generated dataset, which at
// zoom 5 fits in a single tile, and checks with GDAL's MBTiles driver that
// the file holds every layer with every source feature, and with SQLite
// that rows are in TMS order and hold the tiles' gzip bytes, and the
// metadata the TileJSON fields.
func TestMBTilesReadByGDAL(t *testing.T) {
	ds := generated(t, 400, testSeed)
	tl := newTiler(t, ds, Options{})
	dir := t.TempDir()
	path := filepath.Join(dir, "planmap.mbtiles")
	planned := 0
	stats, err := tl.WriteMBTiles(context.Background(), path, MBTilesOptions{MinZoom: 0, MaxZoom: 5, Planned: func(n int) { planned = n }})
	if err != nil {
		t.Fatal(err)
	}
	if stats.PerZoom[5] != 1 || planned != stats.Planned {
		t.Fatalf("stats %+v: the data should fit one zoom-5 tile", stats)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	meta := map[string]string{}
	rows, err := db.Query("SELECT name, value FROM metadata")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		meta[k] = v
	}
	rows.Close()
	for _, k := range []string{"name", "format", "bounds", "center", "minzoom", "maxzoom", "json", "attribution"} {
		if meta[k] == "" {
			t.Errorf("metadata %s missing", k)
		}
	}
	var js struct {
		VectorLayers []VectorLayer `json:"vector_layers"`
	}
	if meta["format"] != "pbf" || meta["minzoom"] != "0" || meta["maxzoom"] != "5" || json.Unmarshal([]byte(meta["json"]), &js) != nil || len(js.VectorLayers) != len(tl.LayerNames()) {
		t.Errorf("metadata %v", meta)
	}
	tiles, err := db.Query("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for tiles.Next() {
		var z, x, row uint32
		var blob []byte
		if err := tiles.Scan(&z, &x, &row, &blob); err != nil {
			t.Fatal(err)
		}
		y := 1<<z - 1 - row // TMS rows count from the south
		want, err := tl.Render(z, x, y, tl.AllLayers())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(blob, want.Gzip) {
			t.Errorf("row %d/%d/%d does not hold tile %d/%d/%d", z, x, row, z, x, y)
		}
		n++
	}
	tiles.Close()
	if n != stats.Written {
		t.Errorf("%d rows, %d written", n, stats.Written)
	}

	ogrinfo := testtool.Program(t, "ogrinfo", "gdal-bin")
	got := ogrCounts(t, ogrinfo, "-oo", "ZOOM_LEVEL=5", path)
	t.Logf("GDAL MBTiles driver: %v", got)
	for layer, want := range expectedCounts(ds) {
		if got[layer] != want {
			t.Errorf("GDAL reads %d features in %s, want %d (all: %v)", got[layer], layer, want, got)
		}
	}
}

// TestTileReadByGDAL writes one tile as z/x/y.pbf, the layout GDAL's MVT
// driver takes its georeferencing from, and checks GDAL sees every layer
// and feature.
func TestTileReadByGDAL(t *testing.T) {
	ogrinfo := testtool.Program(t, "ogrinfo", "gdal-bin")
	ds := generated(t, 400, testSeed)
	tl := newTiler(t, ds, Options{})
	raw, err := tl.Encode(5, 26, 13, tl.AllLayers())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "5", "26")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "13.pbf")
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	got := ogrCounts(t, ogrinfo, file)
	t.Logf("GDAL MVT driver: %v", got)
	want := expectedCounts(ds)
	for layer, n := range want {
		if got[layer] != n {
			t.Errorf("GDAL reads %d features in %s, want %d", got[layer], layer, n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("GDAL lists layers %v, want %v", got, want)
	}
}
