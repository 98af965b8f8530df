package data

import (
	"container/list"
	"strconv"
	"strings"
	"sync"
)

// answerCacheSize is how many answers a NameIndex keeps: the most recently
// asked. Answers are small (at most the limit's hits, each a few words).
const answerCacheSize = 1024

// answerCache is a bounded least-recently-used map of search answers.
type answerCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *answer, most recent first
	byKey map[string]*list.Element
}

type answer struct {
	key  string
	hits []SearchHit
}

func newAnswerCache(size int) *answerCache {
	return &answerCache{max: size, order: list.New(), byKey: make(map[string]*list.Element)}
}

func cacheKey(query string, limit int, layers []string) string {
	return strconv.Itoa(limit) + "\x00" + strings.Join(layers, ",") + "\x00" + query
}

func (c *answerCache) get(key string) ([]SearchHit, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*answer).hits, true
}

func (c *answerCache) put(key string, hits []SearchHit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		c.order.MoveToFront(el)
		return
	}
	c.byKey[key] = c.order.PushFront(&answer{key: key, hits: hits})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*answer).key)
	}
}
