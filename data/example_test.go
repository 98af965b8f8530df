package data_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/planmap/planmap/data"
)

// Load a dataset folder: one FeatureCollection per layer, the planning
// layers first.
func ExampleLoadDir() {
	ds, err := data.LoadDir(filepath.Join("testdata", "valid"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range ds.Layers {
		fmt.Printf("%s: %d features, %q\n", l.ID, len(l.Features.Features), l.Title)
	}
	// Output:
	// industrial-parks: 4 features, "industrial-parks"
	// corridors: 3 features, "corridors"
	// ports: 2 features, "Ports (test)"
	// enclaves: 2 features, "enclaves"
	// notes: 2 features, "notes"
}

// A broken dataset gives a *ValidationError listing every problem, each
// with file, feature index, id and reason.
func ExampleLoadDir_broken() {
	_, err := data.LoadDir(filepath.Join("testdata", "broken", "many-errors"))
	var verr *data.ValidationError
	if errors.As(err, &verr) {
		for _, p := range verr.Problems[:3] {
			fmt.Println(p)
		}
		fmt.Println(len(verr.Problems), "problems")
	}
	// Output:
	// industrial-parks.geojson: feature 1 (id "bad-kind-and-year"): property "kind" is "factory", want one of industrial_park, cooperation_platform, industrial_cluster, pilot_zone, innovation_base, new_district, eco_tourism_park, business_district, urban_cluster
	// industrial-parks.geojson: feature 1 (id "bad-kind-and-year"): property "target_year" is 2025, want an integer year or null
	// industrial-parks.geojson: feature 2 (id "bad-ring"): polygon exterior ring is clockwise; RFC 7946 wants exterior rings counter-clockwise
	// 8 problems
}

// Validate one layer file's bytes without a folder.
func ExampleValidateLayer() {
	raw := []byte(`{"type": "FeatureCollection", "features": [
		{"type": "Feature", "id": "a", "geometry": {"type": "Point", "coordinates": [120.65, 28.01]}, "properties": {}},
		{"type": "Feature", "id": "b", "geometry": {"type": "Point", "coordinates": [120.65]}, "properties": {}},
		{"type": "Feature", "id": "a", "geometry": {"type": "Point", "coordinates": [200, 28]}, "properties": {}}
	]}`)
	fc, problems := data.ValidateLayer("notes.geojson", "notes", raw)
	fmt.Println(len(fc.Features), "features decoded")
	for _, p := range problems {
		fmt.Println(p)
	}
	// Output:
	// 2 features decoded
	// notes.geojson: feature 1 (id "b"): not a valid GeoJSON feature: Point has a position of 1 number(s); a position is [lon, lat]
	// notes.geojson: feature 2 (id "a"): point position 0 [200 28] is out of range (longitude -180..180, latitude -90..90)
	// notes.geojson: feature 2 (id "a"): id "a" is already used by feature 0
}

// Generate a synthetic dataset, write it and load it back.
func ExampleGenerate() {
	ds := data.Generate(data.GenOptions{Features: 1000, Seed: 1})
	for _, l := range ds.Layers {
		fmt.Printf("%s: %d\n", l.ID, len(l.Features.Features))
	}
	dir, err := os.MkdirTemp("", "planmap-gen")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	if err := data.WriteDir(ds, dir); err != nil {
		fmt.Println(err)
		return
	}
	loaded, err := data.LoadDir(dir)
	fmt.Println("reloaded:", len(loaded.Layers), "layers, error:", err)
	f := loaded.Layer(data.Corridors).Features.Features[0]
	fmt.Println(f.Properties["id"], f.Properties["mode"] != nil)
	// Output:
	// industrial-parks: 350
	// corridors: 150
	// ports: 350
	// enclaves: 100
	// ecological-spaces: 50
	// reloaded: 5 layers, error: <nil>
	// corridor-0000001 true
}

func ExampleProblem() {
	p := data.Problem{File: "corridors.geojson", Index: 3, ID: "hangwen-hsr", Reason: `property "mode" is missing (use null when unknown)`}
	fmt.Println(p)
	// Output: corridors.geojson: feature 3 (id "hangwen-hsr"): property "mode" is missing (use null when unknown)
}
