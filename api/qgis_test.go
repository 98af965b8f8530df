package api

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/testtool"
)

// requireQGIS skips (or, under CI=true, fails) when Debian's python3-qgis
// is missing.
func requireQGIS(t *testing.T) string {
	t.Helper()
	python := testtool.Python(t, "qgis.core", "python3-qgis")
	if out, _ := exec.Command("fc-list", ":lang=zh").Output(); len(bytes.TrimSpace(out)) == 0 {
		testtool.Missing(t, "no Chinese font is installed (apt-get install fonts-noto-cjk)")
	}
	return python
}

// styleColours returns the colours the served style gives the kinds of
// the planning layers (the outputs of its ["match", ["get", "kind"], …]).
func styleColours(t *testing.T, style []byte) map[string][3]uint8 {
	t.Helper()
	var doc struct {
		Layers []struct {
			Paint map[string]any `json:"paint"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(style, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string][3]uint8{}
	for _, l := range doc.Layers {
		for _, prop := range []string{"line-color", "circle-color"} {
			m, ok := l.Paint[prop].([]any)
			if !ok || len(m) < 3 || m[0] != "match" {
				continue
			}
			for i := 3; i < len(m); i += 2 {
				if hex, ok := m[i].(string); ok && len(hex) == 7 && hex[0] == '#' {
					r, _ := strconv.ParseUint(hex[1:3], 16, 8)
					g, _ := strconv.ParseUint(hex[3:5], 16, 8)
					b, _ := strconv.ParseUint(hex[5:7], 16, 8)
					out[hex] = [3]uint8{uint8(r), uint8(g), uint8(b)}
				}
			}
		}
	}
	return out
}

// TestQGISDrawsTheServedStyle renders the Wenzhou area in QGIS 3.22
// (Debian's, headless) from the served vector tiles and style, through
// QgsVectorTileLayer and QgsMapBoxGlStyleConverter, and checks the image:
// the features are drawn in the style's kind colours, and the Chinese
// labels are placed (QGIS's labeling results) and drawn (pixels of the
// label colour). Before the style avoided the forms QGIS 3.22 cannot
// read, it drew only the background.
func TestQGISDrawsTheServedStyle(t *testing.T) {
	python := requireQGIS(t)
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	base := serveForTest(t, ds)
	out := filepath.Join(t.TempDir(), "wenzhou.png")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, filepath.Join("testdata", "qgis_render.py"), base, out, "120.3", "27.6", "121.2", "28.3", out+".nolabels.png")
	cmd.Env = append(os.Environ(), "QT_QPA_PLATFORM=offscreen", "XDG_RUNTIME_DIR="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("QGIS: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	var report struct {
		Warnings []string `json:"warnings"`
		Styles   []string `json:"styles"`
		Labels   []string `json:"labels"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &report); err != nil {
		t.Fatalf("QGIS report: %v\n%s", err, stdout.String())
	}
	for _, w := range report.Warnings {
		t.Logf("QGIS converter warning: %s", w)
	}

	// Labels: Chinese names of features in the box, Wenzhou's port among them.
	names := map[string]bool{}
	for _, l := range ds.Layers {
		for _, f := range l.Features.Features {
			if n, ok := f.Properties["name"].(string); ok {
				names[n] = true
			}
		}
	}
	distinct := map[string]bool{}
	for _, l := range report.Labels {
		if !names[l] {
			t.Errorf("QGIS placed label %q, which is no feature's name", l)
		}
		if !strings.ContainsFunc(l, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("label %q has no Chinese character", l)
		}
		distinct[l] = true
	}
	// Labels from the point layer too (ports, stations, energy sites), not
	// only from lines and polygons.
	pointLabels := 0
	for _, f := range ds.Layer("ports").Features.Features {
		if n, _ := f.Properties["name"].(string); distinct[n] {
			pointLabels++
		}
	}
	if len(distinct) < 10 || pointLabels == 0 {
		t.Errorf("QGIS placed %d distinct labels, %d of the ports layer (want ≥ 10, some of ports): %v", len(distinct), pointLabels, report.Labels)
	}

	// Pixels: the style's kind colours, and the label colour.
	img, plain := decodePNG(t, out), decodePNG(t, out+".nolabels.png")
	style := get(t, newTestServer(t, ds), "/styles/default.json").body
	colours := styleColours(t, style)
	if len(colours) < 10 {
		t.Fatalf("only %d kind colours in the style", len(colours))
	}
	near := func(c [3]uint8, r, g, b uint32) bool {
		d := func(a uint8, v uint32) int { return int(a) - int(v>>8) }
		dr, dg, db := d(c[0], r), d(c[1], g), d(c[2], b)
		return dr*dr+dg*dg+db*db <= 12*12
	}
	counts := map[string]int{}
	// Label ink: dark pixels that are there only when the labels are on
	// (the text is #263238, anti-aliased over a white halo).
	labelInk := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			for hex, c := range colours {
				if near(c, r, g, b) {
					counts[hex]++
				}
			}
			if pr, pg, pb, _ := plain.At(x, y).RGBA(); (pr != r || pg != g || pb != b) && (299*r+587*g+114*b)/1000>>8 < 110 {
				labelInk++
			}
		}
	}
	drawn := 0
	for _, n := range counts {
		if n >= 30 {
			drawn++
		}
	}
	t.Logf("%d style layers; %d distinct labels; kind colours drawn (pixels): %v; label ink %d pixels", len(report.Styles), len(distinct), counts, labelInk)
	if drawn < 5 {
		t.Errorf("only %d of the style's kind colours cover 30 pixels or more: %v", drawn, counts)
	}
	if labelInk < 500 {
		t.Errorf("only %d pixels of the label colour: the labels are not drawn", labelInk)
	}
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
