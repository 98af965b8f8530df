package tiles_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/protomaps/go-pmtiles/pmtiles"

	"github.com/planmap/planmap/api"
	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/testtool"
	"github.com/planmap/planmap/tiles"
)

func gunzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readWithGoPMTiles reads every tile of an archive with go-pmtiles, the
// reference implementation's Go library (independent of the writer):
// header, directories (leaves too) and tile data, by z/x/y.
func readWithGoPMTiles(t *testing.T, path string) (pmtiles.HeaderV3, map[string]any, map[tiles.TileID][]byte) {
	t.Helper()
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := pmtiles.DeserializeHeader(file[:pmtiles.HeaderV3LenBytes])
	if err != nil {
		t.Fatalf("go-pmtiles: %v", err)
	}
	meta, err := pmtiles.DeserializeMetadata(bytes.NewReader(file[h.MetadataOffset:h.MetadataOffset+h.MetadataLength]), h.InternalCompression)
	if err != nil {
		t.Fatalf("go-pmtiles metadata: %v", err)
	}
	got := map[tiles.TileID][]byte{}
	fetch := func(offset, length uint64) ([]byte, error) { return file[offset : offset+length], nil }
	err = pmtiles.IterateEntries(h, fetch, func(e pmtiles.EntryV3) {
		for i := uint64(0); i < uint64(e.RunLength); i++ {
			z, x, y := pmtiles.IDToZxy(e.TileID + i)
			got[tiles.TileID{Z: uint32(z), X: x, Y: y}] = file[h.TileDataOffset+e.Offset : h.TileDataOffset+e.Offset+uint64(e.Length)]
		}
	})
	if err != nil {
		t.Fatalf("go-pmtiles directories: %v", err)
	}
	return h, meta, got
}

// TestPMTilesRoundTrip writes archives with WritePMTiles, reads them back
// with go-pmtiles and checks, tile for tile over every tile PlanTiles
// lists, that the archive holds exactly the non-empty tiles, each equal
// (uncompressed) to the tiler's, and that planmap's server, serving the
// archive as its tile source, answers each with the same bytes (gzip and
// identity) and 204 for the others; then that the header says clustered,
// deduplicated MVT and the metadata lists every layer.
func TestPMTilesRoundTrip(t *testing.T) {
	def, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name             string
		ds               *data.Dataset
		minZoom, maxZoom int
		leaves           bool
	}{
		{"default", def, 0, 11, false},
		{"generated", data.Generate(data.GenOptions{Features: 3000, Seed: 4}), 2, 14, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl, err := tiles.NewForDataset(tc.ds, tiles.Options{})
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "out.pmtiles")
			stats, err := tl.WritePMTiles(context.Background(), path, tiles.PMTilesOptions{MinZoom: tc.minZoom, MaxZoom: tc.maxZoom})
			if err != nil {
				t.Fatal(err)
			}
			h, meta, got := readWithGoPMTiles(t, path)
			if !h.Clustered || h.TileType != pmtiles.Mvt || h.TileCompression != pmtiles.Gzip ||
				int(h.MinZoom) != tc.minZoom || int(h.MaxZoom) != tc.maxZoom {
				t.Errorf("header %+v", h)
			}
			if int(h.AddressedTilesCount) != len(got) || len(got) != stats.Written || h.TileContentsCount > h.AddressedTilesCount {
				t.Errorf("header: %d addressed, %d contents; go-pmtiles read %d tiles; %d written", h.AddressedTilesCount, h.TileContentsCount, len(got), stats.Written)
			}
			if tc.leaves && h.LeafDirectoryLength == 0 {
				t.Errorf("%d tiles and no leaf directory: the test does not exercise leaves", len(got))
			}
			t.Logf("%d tiles, %d entries, %d distinct contents, root %d B, leaves %d B, data %d B",
				h.AddressedTilesCount, h.TileEntriesCount, h.TileContentsCount, h.RootLength, h.LeafDirectoryLength, h.TileDataLength)
			layers, _ := meta["vector_layers"].([]any)
			if len(layers) != len(tl.LayerNames()) || meta["format"] != "pbf" {
				t.Errorf("metadata: %d vector_layers for %d layers, format %v", len(layers), len(tl.LayerNames()), meta["format"])
			}

			pm, err := tiles.OpenPMTiles(path)
			if err != nil {
				t.Fatal(err)
			}
			defer pm.Close()
			srv, err := api.New(tc.ds, api.Options{TileSource: pm})
			if err != nil {
				t.Fatal(err)
			}
			get := func(id tiles.TileID, gzip bool) (int, http.Header, []byte) {
				req := httptest.NewRequest(http.MethodGet, "/tiles/"+itoa(id.Z)+"/"+itoa(id.X)+"/"+itoa(id.Y)+".mvt", nil)
				if gzip {
					req.Header.Set("Accept-Encoding", "gzip")
				}
				resp, err := srv.App().Test(req, -1)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, resp.Header, body
			}
			plan := tl.PlanTiles(tc.minZoom, tc.maxZoom, tl.AllLayers())
			nonEmpty, served := 0, 0
			for i, id := range plan {
				raw, err := tl.Encode(id.Z, id.X, id.Y, tl.AllLayers())
				if err != nil {
					t.Fatal(err)
				}
				stored, ok := got[id]
				if (raw != nil) != ok {
					t.Errorf("%v: tiler %d bytes, in the archive %v", id, len(raw), ok)
					continue
				}
				if !ok {
					if i%7 == 0 { // the server says 204 for a tile the archive lacks
						if status, _, _ := get(id, true); status != http.StatusNoContent {
							t.Errorf("%v: %d for a tile not in the archive", id, status)
						}
					}
					continue
				}
				nonEmpty++
				plain := gunzipBytes(t, stored)
				if !bytes.Equal(plain, raw) {
					t.Errorf("%v: the archive's tile differs from the tiler's", id)
				}
				if i%10 != 0 && len(plan) > 3000 {
					continue // serve a tenth of a large archive
				}
				served++
				status, header, body := get(id, true)
				if status != http.StatusOK || header.Get("Content-Encoding") != "gzip" || !bytes.Equal(body, stored) {
					t.Errorf("%v: served gzip %d %q, same bytes %v", id, status, header.Get("Content-Encoding"), bytes.Equal(body, stored))
				}
				status, _, body = get(id, false)
				if status != http.StatusOK || !bytes.Equal(body, plain) {
					t.Errorf("%v: served identity %d, same bytes %v", id, status, bytes.Equal(body, plain))
				}
			}
			if nonEmpty != len(got) || served == 0 {
				t.Errorf("%d planned non-empty tiles, %d in the archive, %d served", nonEmpty, len(got), served)
			}
			if status, _, _ := get(tiles.TileID{Z: 0}, true); status != http.StatusOK && tc.minZoom == 0 {
				t.Errorf("0/0/0: %d", status)
			}
		})
	}
}

func itoa(v uint32) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + v%10)}, b...)
		v /= 10
		if v == 0 {
			return string(b)
		}
	}
}

// TestPMTilesGDAL reports what Debian's GDAL can do with the archive: its
// PMTiles driver came in GDAL 3.8, bookworm ships 3.6, so without the
// driver the test skips, naming the version (go-pmtiles is the independent
// reader above).
func TestPMTilesGDAL(t *testing.T) {
	ogrinfo := testtool.Program(t, "ogrinfo", "gdal-bin")
	formats, err := exec.Command(ogrinfo, "--formats").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ToLower(string(formats)), "pmtiles") {
		version, _ := exec.Command(ogrinfo, "--version").Output()
		t.Skipf("%s has no PMTiles driver (GDAL 3.8 or later reads PMTiles)", strings.TrimSpace(string(version)))
	}
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	tl, err := tiles.NewForDataset(ds, tiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "out.pmtiles")
	if _, err := tl.WritePMTiles(context.Background(), path, tiles.PMTilesOptions{MinZoom: 0, MaxZoom: 8}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ogrinfo, "-ro", "-so", "-al", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	for _, l := range ds.Layers {
		if !strings.Contains(string(out), "Layer name: "+l.ID) {
			t.Errorf("GDAL does not list layer %s:\n%s", l.ID, out)
		}
	}
}
