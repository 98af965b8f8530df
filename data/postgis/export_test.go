package postgis

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/planmap/planmap/data"
)

// TestExport: export writes back the dataset the import read, file for
// file, and a folder planmap check accepts; changes made since are in it.
func TestExport(t *testing.T) {
	c, db := importedDB(t)
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Export(ctx, c.URL(db), dir); err != nil {
		t.Fatal(err)
	}
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ds.Layers {
		got, err := os.ReadFile(filepath.Join(dir, l.ID+".geojson"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data.EncodeLayerFile(l)) {
			t.Fatalf("%s.geojson differs from the imported layer", l.ID)
		}
	}
	back, err := data.LoadDir(dir)
	if err != nil {
		t.Fatalf("the exported folder does not load: %v", err)
	}
	for i, l := range back.Layers {
		if l.Title != ds.Layers[i].Title || l.License != ds.Layers[i].License || l.Description != ds.Layers[i].Description {
			t.Fatalf("%s: metadata lost: %+v", l.ID, l)
		}
	}
	s := openStore(t, c.URL(db))
	id := s.Current().Layer(data.Ports).ID(0)
	if _, err := s.Apply(ctx, "t", []data.Change{{Op: data.OpPatch, Layer: data.Ports, ID: id, Patch: json.RawMessage(`{"properties":{"name":"exported"}}`)}}); err != nil {
		t.Fatal(err)
	}
	dir2 := t.TempDir()
	if _, err := Export(ctx, c.URL(db), dir2); err != nil {
		t.Fatal(err)
	}
	back, err = data.LoadDir(dir2)
	if err != nil {
		t.Fatal(err)
	}
	if name := back.Layer(data.Ports).Features.Features[0].Properties["name"]; name != "exported" {
		t.Fatalf("the exported change reads %v", name)
	}
}
