package api

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/planmap/planmap/data/testtool"
)

// TestStyleValidates runs MapLibre's own style-spec package (the
// validator gl-style-validate uses, from frontend/node_modules) on the
// served style: no error, and every style layer's legacy filter (the form
// QGIS 3.22 reads) selects the same features as the expression in its
// metadata planmap:filter (the form the web map ANDs onto), by
// MapLibre's featureFilter.
func TestStyleValidates(t *testing.T) {
	script := filepath.Join("..", "frontend", "scripts", "check-style.mjs")
	spec := filepath.Join("..", "frontend", "node_modules", "@maplibre", "maplibre-gl-style-spec", "package.json")
	node, err := exec.LookPath("node")
	if _, statErr := os.Stat(spec); err != nil || statErr != nil {
		testtool.Missing(t, "node or @maplibre/maplibre-gl-style-spec is missing (cd frontend && npm ci): %v %v", err, statErr)
	}
	srv := defaultServer(t)
	r := get(t, srv, "/styles/default.json")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, mediaMapboxStyle) {
		t.Errorf("Content-Type %q, want %s", ct, mediaMapboxStyle)
	}
	file := filepath.Join(t.TempDir(), "style.json")
	if err := os.WriteFile(file, r.body, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, script, file).CombinedOutput()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, out)
	}
	var report struct {
		Errors     []string          `json:"errors"`
		Compared   int               `json:"compared"`
		Mismatches []json.RawMessage `json:"mismatches"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	for _, e := range report.Errors {
		t.Errorf("MapLibre style validator: %s", e)
	}
	for _, m := range report.Mismatches {
		t.Errorf("legacy filter and planmap:filter disagree: %s", m)
	}
	// A style layer may carry its filter also as an expression (metadata
	// "planmap:filter"); where it does, the two must agree.
	if strings.Contains(string(r.body), "planmap:filter") && report.Compared < 500 {
		t.Errorf("only %d filter evaluations compared", report.Compared)
	}
	// The links to the style say its type, and /styles lists it.
	var list struct {
		Styles []struct {
			ID    string     `json:"id"`
			Links []tileLink `json:"links"`
		} `json:"styles"`
	}
	if err := json.Unmarshal(get(t, srv, "/styles").body, &list); err != nil || len(list.Styles) != 1 || list.Styles[0].ID != "default" {
		t.Fatalf("/styles: %v %+v", err, list)
	}
	for _, path := range []string{"/styles", "/?f=json", "/tiles/WebMercatorQuad"} {
		var doc struct {
			Links  []tileLink                   `json:"links"`
			Styles []struct{ Links []tileLink } `json:"styles"`
		}
		if err := json.Unmarshal(get(t, srv, path).body, &doc); err != nil {
			t.Fatal(err)
		}
		links := doc.Links
		for _, s := range doc.Styles {
			links = append(links, s.Links...)
		}
		found := false
		for _, l := range links {
			if strings.HasSuffix(l.Href, "/styles/default.json") {
				found = true
				if l.Type != mediaMapboxStyle {
					t.Errorf("%s links the style as %q", path, l.Type)
				}
			}
		}
		if !found {
			t.Errorf("%s has no link to the style", path)
		}
	}
	t.Logf("%d filter evaluations agree", report.Compared)
}
