package api

import (
	"fmt"
	"testing"
)

func TestMatchCacheEvictsLeastRecentlyUsedWithinBudget(t *testing.T) {
	list := func(n int) []int32 { return make([]int32, n) }
	m := newMatchCache(4 * (4*100 + 128 + 2)) // room for four 100-match entries with 2-byte keys
	for i := 0; i < 4; i++ {
		m.put(fmt.Sprintf("k%d", i), list(100))
	}
	if _, ok := m.get("k0"); !ok { // k0 becomes the most recently used
		t.Fatal("k0 evicted while the budget held")
	}
	m.put("k4", list(100)) // evicts k1, the least recently used
	if _, ok := m.get("k1"); ok {
		t.Error("k1 should have been evicted")
	}
	for _, k := range []string{"k0", "k2", "k3", "k4"} {
		if _, ok := m.get(k); !ok {
			t.Errorf("%s evicted, should be kept", k)
		}
	}
	if m.used > m.budget {
		t.Errorf("used %d over budget %d", m.used, m.budget)
	}
	m.put("huge", list(1000)) // over a quarter of the budget: not cached
	if _, ok := m.get("huge"); ok {
		t.Error("an answer over a quarter of the budget was cached")
	}
}

func TestMatchKeyIgnoresPagingAndOrderOfValues(t *testing.T) {
	srv := defaultServer(t)
	snap := srv.state.Load()
	ls, _ := snap.layer("industrial-parks")
	keys := map[string]string{}
	for _, target := range []string{
		"/collections/industrial-parks/items?status=planned,proposed&limit=5",
		"/collections/industrial-parks/items?offset=10&status=proposed,planned&f=json",
		"/collections/industrial-parks/items?status=planned",
		"/collections/industrial-parks/items?status=planned&sortby=name",
	} {
		get(t, srv, target)
		keys[target] = ""
	}
	if n := len(ls.matches.entries); n != 3 {
		t.Fatalf("%d cached selections, want 3 (the first two requests are one selection)", n)
	}
}
