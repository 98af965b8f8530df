package api

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/planmap/planmap/data"
)

// TestItemLinksFastPath checks a single feature's GeoJSON answer, written
// from link fragments cached per base URL, against what the answer must
// hold: the feature's own encoding with exactly the three links, their
// hrefs made here from the Host and the path-escaped id, for ids and a
// title that need escaping in URLs and JSON, across changing Hosts.
func TestItemLinksFastPath(t *testing.T) {
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"plain-id", "with space", "a&b<c>", `quote"back\slash`, "漳州港", "pct%41"}
	layer := ds.Layers[0]
	layer.Title = `Title <&> "quoted"`
	feats := layer.Features.Features
	if len(feats) < len(ids) {
		t.Fatalf("layer %s has %d features, want %d", layer.ID, len(feats), len(ids))
	}
	for i, id := range ids {
		feats[i].Properties["id"] = id
	}
	srv, err := New(ds, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ host, base string }{
		{"example.com", "http://example.com"},
		{"example.org:8080", "http://example.org:8080"},
		{"example.com", "http://example.com"},
	}
	for _, hc := range cases {
		for i, id := range ids {
			target := "/collections/" + layer.ID + "/items/" + url.PathEscape(id)
			res := get(t, srv, "http://"+hc.host+target)
			if res.status != 200 {
				t.Fatalf("GET %s (Host %s): %d %s", target, hc.host, res.status, res.body)
			}
			var got map[string]any
			if err := json.Unmarshal(res.body, &got); err != nil {
				t.Fatalf("GET %s: not JSON (%v): %s", target, err, res.body)
			}
			var want map[string]any
			if err := json.Unmarshal(data.EncodeFeature(id, feats[i]), &want); err != nil {
				t.Fatal(err)
			}
			self := hc.base + "/collections/" + layer.ID + "/items/" + url.PathEscape(id)
			want["links"] = []any{
				map[string]any{"href": self, "rel": "self", "type": mediaGeoJSON, "title": "this feature"},
				map[string]any{"href": self + "?f=html", "rel": "alternate", "type": mediaHTML, "title": "this feature as HTML"},
				map[string]any{"href": hc.base + "/collections/" + layer.ID, "rel": "collection", "type": mediaJSON, "title": layer.Title},
			}
			gotJSON, _ := json.Marshal(got)
			wantJSON, _ := json.Marshal(want)
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("GET %s (Host %s):\n got %s\nwant %s", target, hc.host, gotJSON, wantJSON)
			}
			if ct := res.header.Get("Content-Type"); ct != mediaGeoJSON {
				t.Errorf("GET %s: Content-Type %q", target, ct)
			}
			if cc := res.header.Get("Content-Crs"); cc != "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>" {
				t.Errorf("GET %s: Content-Crs %q", target, cc)
			}
		}
	}
}
