package api

import (
	"encoding/json"
	"testing"
)

// TestAnalysisStateFollowsCorridors checks that a write to another layer
// keeps the corridors prepared for analysis (the same state), while the
// coverage answer still counts the new target, and that a write to the
// corridors layer prepares them again.
func TestAnalysisStateFollowsCorridors(t *testing.T) {
	es := newEditableServer(t)
	const query = "/analysis/coverage?corridor_kind=high_speed_rail,expressway&targets=ports&distance=10000"
	targets := func() int {
		t.Helper()
		r := es.do(t, "GET", query, nil)
		if r.status != 200 {
			t.Fatalf("coverage: %d %s", r.status, r.body)
		}
		var body struct {
			Summary struct {
				Targets int `json:"targets"`
			} `json:"summary"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		return body.Summary.Targets
	}
	before := targets()
	prepared := es.srv.state.Load().analysis
	if r := es.do(t, "POST", "/collections/ports/items", newPort("分析测试港", 121.2, 28.3), headers(authEditor, geoJSON)...); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if got := targets(); got != before+1 {
		t.Errorf("after a new port, coverage counts %d targets, want %d", got, before+1)
	}
	if es.srv.state.Load().analysis != prepared {
		t.Error("a write to ports prepared the corridors again")
	}
	r := es.do(t, "GET", "/collections/corridors/items?limit=1", nil)
	var page struct {
		Features []struct {
			ID string `json:"id"`
		} `json:"features"`
	}
	if err := json.Unmarshal(r.body, &page); err != nil || len(page.Features) == 0 {
		t.Fatalf("corridors: %v %s", err, r.body)
	}
	id := page.Features[0].ID
	if r := es.do(t, "PATCH", "/collections/corridors/items/"+id, []byte(`{"properties":{"status":"planned"}}`), headers(authEditor, mergePatch)...); r.status != 200 {
		t.Fatalf("patch corridor %s: %d %s", id, r.status, r.body)
	}
	if es.srv.state.Load().analysis == prepared {
		t.Errorf("a write to corridor %s kept the corridors prepared before it", id)
	}
	targets()
}
