package api

import (
	"encoding/json"
	"net/url"
	"slices"
	"sort"
	"testing"

	"github.com/planmap/planmap/data"
)

// TestCoverageTargetFilters checks target_status, target_city,
// target_county and target_kind against a brute-force pass over the
// target layers' features, and the city notes: each target says whether a
// chosen corridor lies in its city, and the summary lists the cities that
// have none.
func TestCoverageTargetFilters(t *testing.T) {
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t, ds)
	for _, tc := range []url.Values{
		{"target_status": {"planned"}},
		{"target_city": {"泉州市"}},
		{"target_county": {"龙湾区,鹿城区"}},
		{"target_kind": {"port,airport"}, "target_status": {"operational,under_construction"}},
		{"target_city": {"no-such-city"}},
	} {
		q := url.Values{"corridors": {"qz-jinyu-bridge"}, "distance": {"5000"}}
		for k, v := range tc {
			q[k] = v
		}
		r := get(t, srv, "/analysis/coverage?"+q.Encode())
		if r.status != 200 {
			t.Fatalf("%v: %d %s", tc, r.status, r.body)
		}
		var body struct {
			Features []struct {
				Properties struct {
					Layer, ID       string
					City            *string `json:"city"`
					CityHasCorridor *bool   `json:"city_has_corridor"`
				} `json:"properties"`
			} `json:"features"`
			Summary struct {
				Targets               int      `json:"targets"`
				CitiesWithoutCorridor []string `json:"cities_without_corridor"`
			} `json:"summary"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		var got, want []string
		without := map[string]bool{}
		for _, f := range body.Features {
			got = append(got, f.Properties.Layer+"/"+f.Properties.ID)
			if f.Properties.City == nil || *f.Properties.City == "" {
				if f.Properties.CityHasCorridor != nil {
					t.Errorf("%v: %s has no city but city_has_corridor %v", tc, f.Properties.ID, *f.Properties.CityHasCorridor)
				}
				continue
			}
			// the one chosen corridor, 金屿大桥, lies in 泉州市
			if wantHas := *f.Properties.City == "泉州市"; f.Properties.CityHasCorridor == nil || *f.Properties.CityHasCorridor != wantHas {
				t.Errorf("%v: %s in %s: city_has_corridor %v", tc, f.Properties.ID, *f.Properties.City, f.Properties.CityHasCorridor)
			}
			if *f.Properties.City != "泉州市" {
				without[*f.Properties.City] = true
			}
		}
		for _, l := range ds.Layers {
			if l.ID == data.Corridors {
				continue
			}
			for _, f := range l.Features.Features {
				ok := true
				for _, tf := range targetFilters {
					if vals, set := tc[tf[0]]; set {
						v, _ := f.Properties[tf[1]].(string)
						ok = ok && slices.Contains(splitList(vals[0]), v)
					}
				}
				if ok {
					want = append(want, l.ID+"/"+data.FeatureID(f))
				}
			}
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) || body.Summary.Targets != len(want) {
			t.Errorf("%v: targets %v (summary %d), want %v", tc, got, body.Summary.Targets, want)
		}
		var wantWithout []string
		for c := range without {
			wantWithout = append(wantWithout, c)
		}
		sort.Strings(wantWithout)
		if !slices.Equal(body.Summary.CitiesWithoutCorridor, wantWithout) && !(len(wantWithout) == 0 && len(body.Summary.CitiesWithoutCorridor) == 0) {
			t.Errorf("%v: cities_without_corridor %v, want %v", tc, body.Summary.CitiesWithoutCorridor, wantWithout)
		}
	}
}
