package postgis

import (
	"bytes"
	"testing"

	"github.com/planmap/planmap/data"
)

// TestImportRoundTrip: the built-in dataset imported and loaded back gives
// every feature byte for byte, in the file's order, with the same
// versions.
func TestImportRoundTrip(t *testing.T) {
	c, db := importedDB(t)
	s := openStore(t, c.URL(db))
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	snap := s.Current()
	if got, want := snap.LayerIDs(), len(ds.Layers); len(got) != want {
		t.Fatalf("layers %v, want %d", got, want)
	}
	for _, want := range ds.Layers {
		lv := snap.Layer(want.ID)
		if lv == nil {
			t.Fatalf("no layer %s", want.ID)
		}
		if lv.Len() != len(want.Features.Features) {
			t.Fatalf("%s: %d features, want %d", want.ID, lv.Len(), len(want.Features.Features))
		}
		if lv.Meta.Title != want.Title || lv.Meta.License != want.License || lv.Meta.Attribution != want.Attribution {
			t.Errorf("%s: metadata %q %q %q", want.ID, lv.Meta.Title, lv.Meta.License, lv.Meta.Attribution)
		}
		for i, f := range want.Features.Features {
			id := data.FeatureID(f)
			enc := data.EncodeFeature(id, f)
			r := lv.At(i)
			if lv.ID(r) != id {
				t.Fatalf("%s: feature %d is %s, want %s", want.ID, i, lv.ID(r), id)
			}
			if !bytes.Equal(lv.Encoded(r), enc) {
				t.Fatalf("%s/%s differs:\n got %s\nwant %s", want.ID, id, lv.Encoded(r), enc)
			}
		}
	}
	out, err := c.Psql(db, "SELECT count(*) FROM industrial_parks WHERE planmap_version IS NULL")
	if err != nil || out != "0\n" {
		t.Errorf("rows without a version: %q %v", out, err)
	}
}
