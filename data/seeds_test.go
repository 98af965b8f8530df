package data

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/planmap/planmap/data/testtool"
)

// These tests check the default dataset (data/default, embedded) against
// the issue's rules and the seed documents. Set PLANMAP_DATASET_DIR to run
// them on another folder, e.g. a dataset being drawn:
//
//	PLANMAP_DATASET_DIR=/tmp/planmap-dataset/q go test -run Default ./data/
//
// Set PLANMAP_SEEDS to the seed documents' folder when it is not
// ../../shared/seeds from this package (shared/seeds next to the repo).

// defaultDataset loads the dataset under test: PLANMAP_DATASET_DIR or the
// embedded default. Until the embedded folder holds any layer, it skips
// (fails in CI).
func defaultDataset(t *testing.T) (ds *Dataset, embedded bool) {
	t.Helper()
	if dir := os.Getenv("PLANMAP_DATASET_DIR"); dir != "" {
		ds, err := LoadDir(dir)
		if err != nil {
			t.Fatalf("PLANMAP_DATASET_DIR=%s: %v", dir, err)
		}
		return ds, false
	}
	layers, _ := fs.Glob(DefaultFS(), "*.geojson")
	if len(layers) == 0 {
		t.Fatal("data/default holds no *.geojson layer")
	}
	ds, err := Default()
	if err != nil {
		t.Fatalf("embedded default dataset: %v", err)
	}
	return ds, true
}

// seedsDir finds the seed documents: PLANMAP_SEEDS, else
// ../../shared/seeds from this package's folder.
func seedsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("PLANMAP_SEEDS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "seeds")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		testtool.Missing(t, "the seed documents are not at %s (set PLANMAP_SEEDS): %v", dir, err)
	}
	return dir
}

// The property names the issue lists, written out here rather than taken
// from schema.go so that the test checks the schema code too.
var (
	issueCommonProperties = []string{"id", "name", "name_en", "kind", "status", "target_year", "city", "county",
		"source_doc", "source_excerpt", "geometry_precision", "placement_note"}
	issueLayerProperties = map[string][]string{
		"corridors": {"mode"},
		"enclaves":  {"home", "host", "home_point"},
	}
	slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	// seedFileInDoc finds the seed file name in source_doc's closing
	// parentheses: "泉州台商投资区整改报告 (001_2d7189a3ec1949a0.txt)".
	seedFileInDoc = regexp.MustCompile(`\(([0-9]{3}_[0-9a-f]{16}\.txt)\)$`)
)

// issueLayers are the planning layers issues 1 and 13 ask for, written out
// here rather than taken from the vocabulary table.
var issueLayers = []string{"industrial-parks", "corridors", "ports", "enclaves", "ecological-spaces"}

// TestDefaultDatasetLoads checks that the planning layers are there,
// ids are unique slugs across the dataset, and every feature carries
// exactly the issue's properties.
func TestDefaultDatasetLoads(t *testing.T) {
	ds, embedded := defaultDataset(t)
	total := 0
	for _, id := range issueLayers {
		l := ds.Layer(id)
		if l == nil {
			t.Errorf("layer %s is missing", id)
			continue
		}
		total += len(l.Features.Features)
		if embedded && len(l.Features.Features) == 0 {
			t.Errorf("layer %s is empty", id)
		}
	}
	if embedded && total < 100 {
		t.Errorf("the default dataset has %d features; the documents name well over a hundred places", total)
	}
	ids := map[string]string{}
	for _, l := range ds.Layers {
		if !IsStandard(l.ID) {
			continue
		}
		want := append(append([]string(nil), issueCommonProperties...), issueLayerProperties[l.ID]...)
		for i, f := range l.Features.Features {
			id, _ := f.Properties["id"].(string)
			if !slugPattern.MatchString(id) {
				t.Errorf("%s feature %d: id %q is not a lowercase slug [a-z0-9-]", l.ID, i, id)
			}
			if prev, dup := ids[id]; dup {
				t.Errorf("%s feature %d: id %q also used in %s", l.ID, i, id, prev)
			}
			ids[id] = l.ID
			for _, key := range want {
				if _, ok := f.Properties[key]; !ok {
					t.Errorf("%s %s: property %q missing", l.ID, id, key)
				}
			}
			for key := range f.Properties {
				if !contains(want, key) {
					t.Errorf("%s %s: property %q is not in the schema", l.ID, id, key)
				}
			}
		}
	}
}

// TestDefaultDatasetGeometry checks what the validator cannot know about
// the default dataset: the precision vocabulary used (nothing here is
// surveyed), the positions in the right part of the world (a swapped
// lon/lat lands elsewhere), and enclaves linked to a home.
func TestDefaultDatasetGeometry(t *testing.T) {
	ds, _ := defaultDataset(t)
	// Every feature lies in China and reaches into the east coast from
	// Jiangsu to Fujian; long routes (the Yiwu–Xinjiang–Europe railway)
	// may run far inland.
	china := orb.Bound{Min: orb.Point{73, 18}, Max: orb.Point{135, 54}}
	region := orb.Bound{Min: orb.Point{115, 22}, Max: orb.Point{123.5, 35}}
	for _, l := range ds.Layers {
		if !IsStandard(l.ID) {
			continue
		}
		for _, f := range l.Features.Features {
			id := FeatureID(f)
			if p := f.Properties["geometry_precision"]; p != "approximate" && p != "schematic" {
				t.Errorf("%s %s: geometry_precision %v, want approximate or schematic", l.ID, id, p)
			}
			if b := f.Geometry.Bound(); !china.Contains(b.Min) || !china.Contains(b.Max) || !b.Intersects(region) {
				t.Errorf("%s %s: bound %v is not in China's east coast region", l.ID, id, b)
			}
			if y, ok := f.Properties["target_year"].(float64); ok && (y != math.Trunc(y) || y < 2000 || y > 2050) {
				t.Errorf("%s %s: target_year %v", l.ID, id, y)
			}
			if l.ID == Enclaves {
				home, ok := HomePoint(f.Properties)
				if !ok || !region.Contains(home) {
					t.Errorf("enclave %s: home_point %v, want [lon, lat] of the home county", id, f.Properties["home_point"])
				}
				for _, key := range []string{"home", "host"} {
					if s, _ := f.Properties[key].(string); strings.TrimSpace(s) == "" {
						t.Errorf("enclave %s: %s is empty", id, key)
					}
				}
			}
		}
	}
}

// TestDefaultExcerptsInSeeds checks that every feature's source_excerpt
// occurs verbatim in the seed document its source_doc names.
func TestDefaultExcerptsInSeeds(t *testing.T) {
	ds, _ := defaultDataset(t)
	dir := seedsDir(t)
	texts := map[string]string{}
	seedText := func(name string) (string, error) {
		if text, ok := texts[name]; ok {
			return text, nil
		}
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", err
		}
		texts[name] = string(raw)
		return texts[name], nil
	}
	checked := 0
	perLayer := map[string]int{}
	for _, l := range ds.Layers {
		if !IsStandard(l.ID) {
			continue
		}
		for _, f := range l.Features.Features {
			id := FeatureID(f)
			doc, _ := f.Properties["source_doc"].(string)
			m := seedFileInDoc.FindStringSubmatch(doc)
			if m == nil {
				t.Errorf("%s %s: source_doc %q does not end with the seed file name in parentheses", l.ID, id, doc)
				continue
			}
			text, err := seedText(m[1])
			if errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s %s: source_doc names %s, which is not in %s", l.ID, id, m[1], dir)
				continue
			} else if err != nil {
				t.Fatal(err)
			}
			excerpt, ok := f.Properties["source_excerpt"].(string)
			switch {
			case !ok || strings.TrimSpace(excerpt) == "":
				t.Errorf("%s %s: no source_excerpt", l.ID, id)
			case utf8.RuneCountInString(excerpt) > MaxExcerptRunes:
				t.Errorf("%s %s: source_excerpt has %d characters, at most %d", l.ID, id, utf8.RuneCountInString(excerpt), MaxExcerptRunes)
			case !strings.Contains(text, excerpt):
				t.Errorf("%s %s: source_excerpt %q is not in %s verbatim", l.ID, id, excerpt, m[1])
			default:
				checked++
				perLayer[l.ID]++
			}
		}
	}
	for _, id := range issueLayers {
		if l := ds.Layer(id); l != nil && perLayer[id] != len(l.Features.Features) {
			t.Errorf("%s: %d of %d excerpts found verbatim", id, perLayer[id], len(l.Features.Features))
		}
	}
	t.Logf("%d excerpts found verbatim in %d seed documents (by layer: %v)", checked, len(texts), perLayer)
}

// TestDefaultCoveragePerSeed lists, for each seed document, the entities the
// dataset draws from it (run with -v to read them), so a reader can see how
// much of each document the map shows. Every document must have entities,
// and every feature's source_doc must name one of the seed documents.
func TestDefaultCoveragePerSeed(t *testing.T) {
	ds, _ := defaultDataset(t)
	dir := seedsDir(t)
	seeds, err := filepath.Glob(filepath.Join(dir, "[0-9][0-9][0-9]_*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(seeds) != 5 {
		t.Fatalf("%d seed documents in %s, want the five", len(seeds), dir)
	}
	byDoc := map[string][]string{}
	for _, s := range seeds {
		byDoc[filepath.Base(s)] = nil
	}
	for _, l := range ds.Layers {
		if !IsStandard(l.ID) {
			continue
		}
		for _, f := range l.Features.Features {
			doc, _ := f.Properties["source_doc"].(string)
			m := seedFileInDoc.FindStringSubmatch(doc)
			if m == nil {
				t.Errorf("%s %s: source_doc %q names no seed file", l.ID, FeatureID(f), doc)
				continue
			}
			if _, ok := byDoc[m[1]]; !ok {
				t.Errorf("%s %s: source_doc names %s, which is not one of the five seed documents", l.ID, FeatureID(f), m[1])
				continue
			}
			name, _ := f.Properties["name"].(string)
			byDoc[m[1]] = append(byDoc[m[1]], fmt.Sprintf("%s/%s %s (%v)", l.ID, FeatureID(f), name, f.Properties["kind"]))
		}
	}
	for _, s := range seeds {
		doc := filepath.Base(s)
		entities := byDoc[doc]
		t.Logf("%s: %d entities", doc, len(entities))
		for _, e := range entities {
			t.Logf("    %s", e)
		}
		if len(entities) == 0 {
			t.Errorf("%s: the dataset draws no entity from it", doc)
		}
	}
}
