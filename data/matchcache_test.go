package data

import (
	"fmt"
	"testing"
)

func TestMatchCacheEvictsLeastRecentlyUsedWithinBudget(t *testing.T) {
	list := func(n int) []Ref { return make([]Ref, n) }
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

func TestQueryKeyIgnoresOrderOfValues(t *testing.T) {
	a := Query{Equals: map[string][]string{"status": {"planned", "proposed"}, "kind": {"port"}}, YearIn: []int{2030, 2025}}
	b := Query{Equals: map[string][]string{"kind": {"port"}, "status": {"proposed", "planned"}}, YearIn: []int{2025, 2030}}
	c := Query{Equals: map[string][]string{"status": {"planned"}}}
	d := Query{Equals: map[string][]string{"status": {"planned"}}, SortBy: []SortKey{{Property: "name"}}}
	if a.Key() != b.Key() {
		t.Errorf("same selection, different keys: %q and %q", a.Key(), b.Key())
	}
	if c.Key() == d.Key() || a.Key() == c.Key() {
		t.Errorf("different selections share a key: %q %q %q", a.Key(), c.Key(), d.Key())
	}
}
