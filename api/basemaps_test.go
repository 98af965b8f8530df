package api

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/frontend"
)

func TestParseBasemap(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want Basemap
		err  string
	}{
		{spec: "OpenStreetMap|https://tile.example.org/{z}/{x}/{y}.png|© OpenStreetMap contributors",
			want: Basemap{ID: "openstreetmap", Title: "OpenStreetMap", Type: "raster", URL: "https://tile.example.org/{z}/{x}/{y}.png", Attribution: "© OpenStreetMap contributors", Datum: "wgs84", TileSize: 256}},
		{spec: "Gaode|http://127.0.0.1:9000/{z}/{x}/{y}.png|© AutoNavi|GCJ02",
			want: Basemap{ID: "gaode", Title: "Gaode", Type: "raster", URL: "http://127.0.0.1:9000/{z}/{x}/{y}.png", Attribution: "© AutoNavi", Datum: "gcj02", TileSize: 256}},
		{spec: "Bureau style|https://maps.example.gov.cn/style.json",
			want: Basemap{ID: "bureau-style", Title: "Bureau style", Type: "style", URL: "https://maps.example.gov.cn/style.json", Datum: "wgs84"}},
		{spec: `{"title":"天地图","url":"https://t0.example.cn/{z}/{x}/{y}?tk=KEY","attribution":"天地图","tile_size":256,"max_zoom":18}`,
			want: Basemap{ID: "basemap", Title: "天地图", Type: "raster", URL: "https://t0.example.cn/{z}/{x}/{y}?tk=KEY", Attribution: "天地图", Datum: "wgs84", TileSize: 256, MaxZoom: 18}},
		{spec: "x|ftp://example.org/{z}/{x}/{y}", err: "not an http(s) URL"},
		{spec: "x|https://example.org/{z}/{x}/{y}||utm", err: "datum"},
		{spec: "just-a-title", err: "want title|url"},
		{spec: `{"title":"x","url":"https://example.org/a.json","type":"raster"}`, err: "needs {z}"},
		{spec: `{"title":"x","url":"https://example.org/{z}/{x}/{y}","colour":"red"}`, err: "unknown field"},
		{spec: `{"title":"x","url":"https://example.org/{z}/{x}/{y}","tile_size":4096}`, err: "tile_size"},
	} {
		got, err := ParseBasemap(tc.spec)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one containing %q", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v, %v\nwant %+v", tc.spec, got, err, tc.want)
		}
	}
	list, err := ParseBasemaps(`[{"title":"A","url":"https://a.example/{z}/{x}/{y}.png"},{"title":"B","url":"https://b.example/s.json","datum":"bd09"}]`)
	if err != nil || len(list) != 2 || list[1].Datum != "bd09" || list[1].Type != "style" {
		t.Errorf("ParseBasemaps: %+v, %v", list, err)
	}
	if _, err := ParseBasemaps(`{"title":"A"}`); err == nil {
		t.Error("ParseBasemaps accepts an object")
	}
}

func TestBasemapsRoute(t *testing.T) {
	ds := data.Generate(data.GenOptions{Features: 20, Seed: 1})
	a, _ := ParseBasemap("Tiles|https://a.example/{z}/{x}/{y}.png|A|gcj02")
	b, _ := ParseBasemap("Tiles|https://b.example/{z}/{x}/{y}.png|B")
	srv, err := New(ds, Options{BaseURL: "http://planmap.test", Basemaps: []Basemap{a, b}})
	if err != nil {
		t.Fatal(err)
	}
	res := get(t, srv, "/basemaps")
	if res.status != 200 {
		t.Fatalf("/basemaps: %d %s", res.status, res.body)
	}
	var body struct{ Basemaps []Basemap }
	if err := json.Unmarshal(res.body, &body); err != nil {
		t.Fatal(err)
	}
	var ids, datums []string
	for _, bm := range body.Basemaps {
		ids, datums = append(ids, bm.ID), append(datums, bm.Datum)
	}
	if !reflect.DeepEqual(ids, []string{"offline", "tiles", "tiles-2"}) || !reflect.DeepEqual(datums, []string{"wgs84", "gcj02", "wgs84"}) {
		t.Errorf("ids %v datums %v", ids, datums)
	}
	// The sprite is served, built or not; the style names it when built.
	for _, name := range []string{"sprite.json", "sprite.png", "sprite@2x.json", "sprite@2x.png"} {
		res := get(t, srv, "/basemap/"+name)
		if res.status != 200 || len(res.body) == 0 {
			t.Errorf("/basemap/%s: %d", name, res.status)
		}
		if strings.HasSuffix(name, ".json") && !json.Valid(res.body) {
			t.Errorf("/basemap/%s is not JSON", name)
		}
	}
	if res := get(t, srv, "/basemap/sprite.svg"); res.status != 404 {
		t.Errorf("/basemap/sprite.svg: %d", res.status)
	}
	style := get(t, srv, "/styles/default.json").json(t)
	if sprite, _ := style["sprite"].(string); frontend.Built() != (sprite == "http://planmap.test/basemap/sprite") {
		t.Errorf("style sprite %q (frontend built: %v)", sprite, frontend.Built())
	}
	if frontend.Built() {
		var index map[string]map[string]any
		if err := json.Unmarshal(get(t, srv, "/basemap/sprite@2x.json").body, &index); err != nil || index["harbor"]["sdf"] != true || index["hatch"]["pixelRatio"] != 2.0 {
			t.Errorf("sprite@2x.json: %v %v", index, err)
		}
	}
}
