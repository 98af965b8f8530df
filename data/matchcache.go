package data

import (
	"container/list"
	"sync"
	"sync/atomic"
)

// matchCache remembers the ordered feature positions a filtered items
// query matched, least recently used first out within a byte budget. A
// client paging through next links (GDAL, QGIS, the web map's list) asks
// the same query once per page; with the cache the index is searched and
// sorted once, and every page is a slice of the remembered list. It lives
// in a snapshot, so a new dataset version starts with an empty cache.
type matchCache struct {
	budget int64
	// hits and misses count lookups, for metrics.
	hits, misses atomic.Int64

	mu      sync.Mutex
	used    int64
	entries map[string]*list.Element
	order   list.List // front: most recently used
}

type matchEntry struct {
	key     string
	matches []Ref
}

func newMatchCache(budget int64) *matchCache {
	return &matchCache{budget: budget, entries: map[string]*list.Element{}}
}

func (m *matchCache) cost(e *matchEntry) int64 { return int64(4*len(e.matches)+len(e.key)) + 128 }

func (m *matchCache) get(key string) ([]Ref, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.entries[key]
	if !ok {
		m.misses.Add(1)
		return nil, false
	}
	m.hits.Add(1)
	m.order.MoveToFront(el)
	return el.Value.(*matchEntry).matches, true
}

func (m *matchCache) put(key string, matches []Ref) {
	e := &matchEntry{key: key, matches: matches}
	cost := m.cost(e)
	if cost > m.budget/4 {
		return // one huge answer would push out everything else
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[key]; ok {
		return
	}
	m.entries[key] = m.order.PushFront(e)
	m.used += cost
	for m.used > m.budget {
		el := m.order.Back()
		old := el.Value.(*matchEntry)
		m.order.Remove(el)
		delete(m.entries, old.key)
		m.used -= m.cost(old)
	}
}

// MatchCacheStats describes a layer view's match cache.
type MatchCacheStats struct {
	// Hits and Misses count the view's filtered selections answered from
	// the cache and computed, since the view was made.
	Hits, Misses int64
	// Entries and Bytes are what the cache holds now (Bytes as the budget
	// counts it: 4 bytes per match, the key and an overhead per entry).
	Entries int
	Bytes   int64
}

// MatchCacheStats returns the figures of the view's match cache.
func (l *LayerView) MatchCacheStats() MatchCacheStats {
	m := l.matches
	m.mu.Lock()
	defer m.mu.Unlock()
	return MatchCacheStats{Hits: m.hits.Load(), Misses: m.misses.Load(), Entries: len(m.entries), Bytes: m.used}
}
