package api

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/testtool"
	"github.com/planmap/planmap/geo"
)

// serveForTest serves ds on a free loopback port until the test ends and
// returns its base URL.
func serveForTest(t *testing.T, ds *data.Dataset) string {
	t.Helper()
	srv, err := New(ds, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return serveOnLoopback(t, srv)
}

// serveOnLoopback serves srv on a free loopback port until the test ends
// (then shuts it down and closes it) and returns its base URL.
func serveOnLoopback(t testing.TB, srv *Server, closers ...func() error) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeListener(ctx, ln, 5*time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
		srv.Close()
		for _, c := range closers {
			c()
		}
	})
	return "http://" + ln.Addr().String()
}

func runTool(t *testing.T, name string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s\n%s", name, strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}

// TestGDALReadsEveryCollection runs GDAL's own OAPIF client against a live
// server: ogrinfo must list every layer with its feature count, and
// ogr2ogr, paging 20 at a time, must pull every feature unchanged.
func TestGDALReadsEveryCollection(t *testing.T) {
	ogrinfo := testtool.Program(t, "ogrinfo", "gdal-bin")
	ogr2ogr := testtool.Program(t, "ogr2ogr", "gdal-bin")
	def, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, ds := range []*data.Dataset{def, syntheticDataset(t, 700, 11)} {
		t.Run(ds.Source, func(t *testing.T) {
			base := serveForTest(t, ds)
			info, _ := runTool(t, ogrinfo, "-ro", "-so", "-al", "OAPIF:"+base)
			counts := map[string]int{}
			var layer string
			for _, line := range strings.Split(info, "\n") {
				if name, ok := strings.CutPrefix(line, "Layer name: "); ok {
					layer = strings.TrimSpace(name)
				}
				if n, ok := strings.CutPrefix(line, "Feature Count: "); ok {
					counts[layer], _ = strconv.Atoi(strings.TrimSpace(n))
				}
			}
			if len(counts) != len(ds.Layers) {
				t.Fatalf("ogrinfo lists %d layers, want %d:\n%s", len(counts), len(ds.Layers), info)
			}
			for _, l := range ds.Layers {
				if counts[l.ID] != len(l.Features.Features) {
					t.Errorf("ogrinfo: %s has %d features, want %d", l.ID, counts[l.ID], len(l.Features.Features))
				}
			}
			fetch := regexp.MustCompile(`Fetch\((\S+/items\S*)\)`)
			for _, l := range ds.Layers {
				out := filepath.Join(t.TempDir(), l.ID+".geojson")
				_, debug := runTool(t, ogr2ogr, "--config", "CPL_DEBUG", "ON", "-f", "GeoJSON", out, "OAPIF:"+base, l.ID, "-oo", "PAGE_SIZE=20")
				pages := 0
				for _, m := range fetch.FindAllStringSubmatch(debug, -1) {
					if !strings.Contains(m[1], "limit=20") {
						t.Errorf("ogr2ogr fetched %s, not with limit=20", m[1])
					}
					pages++
				}
				if min := (len(l.Features.Features) + 19) / 20; pages < min {
					t.Errorf("%s: ogr2ogr fetched %d item pages, expected at least %d", l.ID, pages, min)
				}
				compareWithSource(t, l, out)
			}
		})
	}
}

// TestGDALAttributeFilters runs ogrinfo -where on the queryables: GDAL
// hands equality filters on them to the server, as a CQL filter now that
// the API declares one (else as query parameters), and the counts must
// equal a brute-force count over the source.
func TestGDALAttributeFilters(t *testing.T) {
	ogrinfo := testtool.Program(t, "ogrinfo", "gdal-bin")
	ds := syntheticDataset(t, 700, 11)
	base := serveForTest(t, ds)
	fetch := regexp.MustCompile(`Fetch\((\S+/items\S*)\)`)
	for _, tc := range []struct {
		layer, where, param string
		keep                func(p map[string]any) bool
	}{
		{"polygons", "target_year = 2030", "filter=target_year = 2030", func(p map[string]any) bool { return p["target_year"] == 2030.0 }},
		{"points", "status = 'planned'", "filter=status = 'planned'", func(p map[string]any) bool { return p["status"] == "planned" }},
	} {
		want := 0
		for _, f := range ds.Layer(tc.layer).Features.Features {
			if tc.keep(f.Properties) {
				want++
			}
		}
		if want == 0 {
			t.Fatalf("%s where %s matches nothing in the source; pick another", tc.layer, tc.where)
		}
		info, debug := runTool(t, ogrinfo, "--config", "CPL_DEBUG", "ON", "-ro", "-so", "OAPIF:"+base, tc.layer, "-where", tc.where)
		pushed := false
		for _, m := range fetch.FindAllStringSubmatch(debug, -1) {
			decoded, err := url.QueryUnescape(m[1])
			pushed = pushed || (err == nil && strings.Contains(decoded, tc.param))
		}
		if !pushed {
			t.Errorf("GDAL did not pass %s to the server:\n%s", tc.param, debug)
		}
		got := -1
		for _, line := range strings.Split(info, "\n") {
			if n, ok := strings.CutPrefix(line, "Feature Count: "); ok {
				got, _ = strconv.Atoi(strings.TrimSpace(n))
			}
		}
		if got != want {
			t.Errorf("%s where %s: GDAL counts %d, the source has %d", tc.layer, tc.where, got, want)
		}
	}
}

// compareWithSource checks a GeoJSON file GDAL wrote against the layer.
func compareWithSource(t *testing.T, l *data.Layer, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	got := map[string]*geojson.Feature{}
	for _, f := range fc.Features {
		id := data.FeatureID(f)
		if got[id] != nil {
			t.Fatalf("%s: feature %s pulled twice", l.ID, id)
		}
		got[id] = f
	}
	if len(got) != len(l.Features.Features) {
		t.Fatalf("%s: ogr2ogr pulled %d features, want %d", l.ID, len(got), len(l.Features.Features))
	}
	for _, want := range l.Features.Features {
		id := data.FeatureID(want)
		f := got[id]
		if f == nil {
			t.Errorf("%s: feature %s missing", l.ID, id)
			continue
		}
		if !geometriesClose(f.Geometry, want.Geometry) {
			t.Errorf("%s/%s: geometry differs", l.ID, id)
		}
		for key, wantValue := range want.Properties {
			if !jsonEqual(f.Properties[key], wantValue) {
				t.Errorf("%s/%s: property %s = %v, want %v", l.ID, id, key, f.Properties[key], wantValue)
			}
		}
	}
}

// geometriesClose compares geometries vertex by vertex within 1e-9°.
func geometriesClose(a, b orb.Geometry) bool {
	if a.GeoJSONType() != b.GeoJSONType() {
		return false
	}
	pa, pb := geo.Vertices(a), geo.Vertices(b)
	if len(pa) != len(pb) {
		return false
	}
	for i := range pa {
		if math.Abs(pa[i][0]-pb[i][0]) > 1e-9 || math.Abs(pa[i][1]-pb[i][1]) > 1e-9 {
			return false
		}
	}
	return true
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb) || fmt.Sprint(a) == fmt.Sprint(b)
}
