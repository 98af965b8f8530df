package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
