package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCheckBrokenFolders runs `planmap check` on the data package's broken
// fixtures: exit code 1 and every problem printed with file, feature and id.
func TestCheckBrokenFolders(t *testing.T) {
	tests := []struct {
		dir  string
		want []string
	}{
		{"spike", []string{`industrial-parks.geojson: feature 1 (id "bad-1"): polygon has a spike`}},
		{"duplicate-id-across-files", []string{`ports.geojson: feature 1 (id "shared-id"): id "shared-id" is already used by feature 0 of corridors.geojson`}},
		{"many-errors", []string{
			`feature 1 (id "bad-kind-and-year"): property "kind" is "factory"`,
			`feature 1 (id "bad-kind-and-year"): property "target_year" is 2025`,
			`feature 2 (id "bad-ring"): polygon exterior ring is clockwise`,
			`feature 3 (id "ok-1"): id "ok-1" is already used by feature 0`,
			`feature 4 (id "bad-range"): polygon exterior ring position 0`,
			`feature 4 (id "bad-range"): polygon exterior ring position 3`,
			`feature 5 (id "bad-excerpt"): property "name" must not be null`,
			`feature 5 (id "bad-excerpt"): property "source_excerpt" has 70 characters`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			dir := filepath.Join("..", "..", "data", "testdata", "broken", tt.dir)
			code := run([]string{"check", dir}, &stdout, &stderr)
			if code != 1 {
				t.Errorf("exit code %d, want 1; stderr %s", code, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("printed %d problems, want %d:\n%s", len(lines), len(tt.want), stdout.String())
			}
			for i, w := range tt.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("line %d %q lacks %q", i, lines[i], w)
				}
			}
			if want := len(tt.want); !strings.Contains(stderr.String(), fmt.Sprintf("%s: %d problem(s)", dir, want)) {
				t.Errorf("stderr %q lacks the problem count", stderr.String())
			}
		})
	}
}

// TestGenThenCheck writes a generated dataset with `planmap gen` and
// checks it with `planmap check`: one summary line per layer, exit 0.
func TestGenThenCheck(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gen")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"gen", "--features", "2000", "--seed", "3", "--out", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("gen exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "wrote 2000 features (seed 3)") {
		t.Errorf("gen output %q", stdout.String())
	}
	stdout.Reset()
	if code := run([]string{"check", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("check exit %d: %s%s", code, stdout.String(), stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	want := []string{"ok industrial-parks 700 features", "ok corridors 300 features", "ok ports 700 features", "ok enclaves 200 features",
		"ok ecological-spaces 100 features", "ok " + dir + ": 5 layers, 2000 features"}
	if len(lines) != len(want) {
		t.Fatalf("check printed %q", stdout.String())
	}
	for i, w := range want {
		if got := strings.Join(strings.Fields(lines[i]), " "); !strings.HasPrefix(got, w) {
			t.Errorf("line %q, want prefix %q", lines[i], w)
		}
	}
}

func TestGenFlags(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"gen"}, 2, "--out DIR is required"},
		{[]string{"gen", "--out", t.TempDir(), "--features", "-1"}, 2, "must not be negative"},
		{[]string{"gen", "--out", t.TempDir(), "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"check", "a", "b"}, 2, "at most one folder"},
		{[]string{"check", filepath.Join(t.TempDir(), "missing")}, 1, "no such file or directory"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := run(tt.args, &stdout, &stderr); code != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr.String(), tt.code, tt.want)
		}
	}
	// PLANMAP_FEATURES and PLANMAP_OUT work like the flags.
	out := filepath.Join(t.TempDir(), "env")
	t.Setenv("PLANMAP_FEATURES", "12")
	t.Setenv("PLANMAP_OUT", out)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"gen"}, &stdout, &stderr); code != 0 {
		t.Fatalf("gen from env: exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out, "ports.geojson")); err != nil {
		t.Error(err)
	}
}

// TestCheckDefault checks the embedded dataset (skipped until it has
// layers, except in CI).
func TestCheckDefault(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"check"}, &stdout, &stderr)
	if code != 0 && strings.Contains(stderr.String(), "no *.geojson files") && os.Getenv("CI") != "true" {
		t.Skip("the embedded dataset has no layers yet")
	}
	if code != 0 {
		t.Fatalf("planmap check of the embedded dataset: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "ok embedded: 5 layers") {
		t.Errorf("summary %q", stdout.String())
	}
}

// TestCheckConvertsDeclaredCRS: a layer whose sidecar declares GCJ-02 is
// checked in WGS 84 and reported as converted; its bbox is the WGS 84 one
// (the published GCJ-02 offset of Shanghai: −0.0043°, +0.0021°).
func TestCheckConvertsDeclaredCRS(t *testing.T) {
	dir := t.TempDir()
	layer := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[121.531541859215,31.17530398364597]},"properties":{"id":"a","name":"a"}}]}`
	if err := os.WriteFile(filepath.Join(dir, "survey.geojson"), []byte(layer), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "survey.json"), []byte(`{"title":"Survey","crs":"https://planmap.dev/def/crs/GCJ-02"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"check", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"converted to WGS 84 from https://planmap.dev/def/crs/GCJ-02", "bbox [121.527, 31.1774,"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "survey.json"), []byte(`{"crs":"EPSG:27700"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	if code := run([]string{"check", dir}, &stdout, &stderr); code != 1 || !strings.Contains(stdout.String(), "survey.json") {
		t.Errorf("unknown CRS: exit %d, output %s", code, stdout.String())
	}
}

// TestCheckHostileFolder runs `planmap check` on a folder holding a FIFO,
// a link to /dev/zero, a layer whose feature repeats "status", one with a
// byte order mark and one with a byte that is not UTF-8: it must return
// promptly and print each problem with its file, feature and reason.
func TestCheckHostileFolder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.geojson"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.geojson")); err != nil {
		t.Fatal(err)
	}
	write("dup.geojson", `{"type":"FeatureCollection","features":[`+
		`{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Point","coordinates":[120,28]}},`+"\n"+
		`{"type":"Feature","properties":{"id":"two-status","status":"planned","status":"operational"},"geometry":{"type":"Point","coordinates":[120,28]}}]}`)
	write("bom.geojson", "\xef\xbb\xbf"+`{"type":"FeatureCollection","features":[]}`)
	write("latin1.geojson", "{\"type\":\"FeatureCollection\",\n\"features\":[],\"name\":\"caf\xe9\"}")
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run([]string{"check", dir}, &stdout, &stderr) }()
	var code int
	select {
	case code = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("planmap check still running after 20 s")
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1; stderr %s", code, stderr.String())
	}
	want := []string{
		`bom.geojson: not valid GeoJSON: the file starts with a UTF-8 byte order mark (bytes EF BB BF at byte offset 0)`,
		`dup.geojson: feature 1 (id "two-status"): not a valid GeoJSON feature: property "status" appears twice; JSON readers disagree on which of the values wins`,
		`latin1.geojson: is not UTF-8 text: byte 0xE9 at byte offset 54 (line 2, column 26)`,
		`pipe.geojson: is a named pipe (FIFO), not a regular file`,
		`zero.geojson: is a symbolic link to a character device, not a regular file`,
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("printed %d problems, want %d:\n%s", len(lines), len(want), stdout.String())
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d %q does not start %q", i, lines[i], w)
		}
	}
}
