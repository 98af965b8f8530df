package tiles

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/paulmach/orb"
)

// Tile is one encoded tile ready to serve. It is immutable: its bytes may
// be handed to any number of responses.
type Tile struct {
	// Gzip is the gzip-compressed MVT; nil for an empty tile.
	Gzip []byte
	// ETag is a strong entity tag (quoted) derived from the MVT bytes.
	ETag string
	// Size is the uncompressed size in bytes.
	Size int
}

// Empty reports whether no feature fell in the tile.
func (t *Tile) Empty() bool { return t.Size == 0 }

// Plain returns the uncompressed MVT bytes.
func (t *Tile) Plain() ([]byte, error) {
	if t.Empty() {
		return nil, nil
	}
	r, err := gzip.NewReader(bytes.NewReader(t.Gzip))
	if err != nil {
		return nil, fmt.Errorf("tiles: reading cached tile: %w", err)
	}
	out := make([]byte, 0, t.Size)
	buf := bytes.NewBuffer(out)
	if _, err := io.Copy(buf, r); err != nil {
		return nil, fmt.Errorf("tiles: reading cached tile: %w", err)
	}
	return buf.Bytes(), nil
}

// gzipper is a pooled gzip writer with the buffer it compresses into.
type gzipper struct {
	w   *gzip.Writer
	buf bytes.Buffer
}

var gzippers = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return &gzipper{w: w}
}}

// Render encodes tile z/x/y of the selected layers and compresses it.
func (t *Tiler) Render(z, x, y uint32, set LayerSet) (*Tile, error) {
	if err := CheckTile(z, x, y); err != nil {
		return nil, err
	}
	var tile *Tile
	err := t.encodeWith(z, x, y, set, func(raw []byte) (err error) {
		tile, err = NewTile(raw) // compresses straight from the encoder's buffer
		return err
	})
	return tile, err
}

// NewTile compresses raw MVT bytes (nil or empty for an empty tile).
func NewTile(raw []byte) (*Tile, error) {
	if len(raw) == 0 {
		return &Tile{}, nil
	}
	sum := sha256.Sum256(raw)
	// compressed into the pooled writer's buffer, then copied out at its
	// exact size: one allocation per tile, none of it spare capacity
	g := gzippers.Get().(*gzipper)
	defer gzippers.Put(g)
	g.buf.Reset()
	g.w.Reset(&g.buf)
	if _, err := g.w.Write(raw); err != nil {
		return nil, fmt.Errorf("tiles: compressing tile: %w", err)
	}
	if err := g.w.Close(); err != nil {
		return nil, fmt.Errorf("tiles: compressing tile: %w", err)
	}
	if g.buf.Cap() > 4<<20 { // an outsized tile's buffer is not kept
		defer func() { g.buf = bytes.Buffer{} }()
	}
	return &Tile{Gzip: bytes.Clone(g.buf.Bytes()), ETag: `"` + hex.EncodeToString(sum[:12]) + `"`, Size: len(raw)}, nil
}

// TileKey names one cached tile.
type TileKey struct {
	Version string
	Z, X, Y uint32
	Layers  LayerSet
}

// Cache keeps rendered tiles, least recently used first out, within a byte
// budget, and renders each missing tile once however many requests ask for
// it at the same time.
type Cache struct {
	budget int64

	mu       sync.Mutex
	used     int64
	entries  map[TileKey]*list.Element
	order    list.List // front: most recently used
	inflight map[TileKey]*flight
	stats    CacheStats
}

type cacheEntry struct {
	key  TileKey
	tile *Tile
	cost int64
}

type flight struct {
	done chan struct{}
	tile *Tile
	err  error
}

// CacheStats counts what a cache did.
type CacheStats struct {
	Entries               int
	Bytes                 int64
	Hits, Misses, Renders int64
}

// entryOverhead approximates the bookkeeping memory of one entry.
const entryOverhead = 192

// NewCache returns a cache holding at most budget bytes of tiles.
func NewCache(budget int64) *Cache {
	return &Cache{budget: budget, entries: map[TileKey]*list.Element{}, inflight: map[TileKey]*flight{}}
}

// Get returns the tile under key, calling render to make it when it is
// missing. Concurrent calls for one missing key share one render. Errors
// are returned to every waiting caller and not cached.
func (c *Cache) Get(key TileKey, render func() (*Tile, error)) (*Tile, error) {
	c.mu.Lock()
	if el, ok := c.entries[key]; ok {
		c.order.MoveToFront(el)
		c.stats.Hits++
		tile := el.Value.(*cacheEntry).tile
		c.mu.Unlock()
		return tile, nil
	}
	c.stats.Misses++
	if f, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		<-f.done
		return f.tile, f.err
	}
	f := &flight{done: make(chan struct{})}
	c.inflight[key] = f
	c.stats.Renders++
	c.mu.Unlock()

	func() {
		defer func() {
			if r := recover(); r != nil {
				f.err = fmt.Errorf("tiles: rendering %d/%d/%d panicked: %v", key.Z, key.X, key.Y, r)
			}
		}()
		f.tile, f.err = render()
	}()

	c.mu.Lock()
	delete(c.inflight, key)
	if f.err == nil {
		c.add(key, f.tile)
	}
	c.mu.Unlock()
	close(f.done)
	return f.tile, f.err
}

// add stores tile and evicts from the back until the budget holds.
// c.mu must be held.
func (c *Cache) add(key TileKey, tile *Tile) {
	cost := int64(len(tile.Gzip)+len(tile.ETag)+len(key.Version)) + entryOverhead
	if cost > c.budget {
		return
	}
	c.entries[key] = c.order.PushFront(&cacheEntry{key: key, tile: tile, cost: cost})
	c.used += cost
	for c.used > c.budget {
		el := c.order.Back()
		e := el.Value.(*cacheEntry)
		c.order.Remove(el)
		delete(c.entries, e.key)
		c.used -= e.cost
	}
}

// Stats returns the cache's counters.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Entries, s.Bytes = len(c.entries), c.used
	return s
}

// Carry prepares the cache for a new data version that differs from
// version from only inside the changed bounds: every tile of from whose
// area (with buffer tile units around it) meets none of them is kept as a
// tile of version to, and the others are dropped. Renders of from still
// running are cached under from, where no request for to looks. The cost
// is one pass over the cache's entries.
func (c *Cache) Carry(from, to string, changed []orb.Bound, buffer float64) (kept, dropped int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, el := range c.entries {
		if key.Version != from {
			continue
		}
		e := el.Value.(*cacheEntry)
		tb := TileBound(key.Z, key.X, key.Y, buffer)
		hit := false
		for _, b := range changed {
			if tb.Intersects(b) {
				hit = true
				break
			}
		}
		delete(c.entries, key)
		if hit {
			c.order.Remove(el)
			c.used -= e.cost
			dropped++
			continue
		}
		e.key.Version = to
		if _, exists := c.entries[e.key]; exists {
			c.order.Remove(el)
			c.used -= e.cost
			continue
		}
		c.entries[e.key] = el
		kept++
	}
	return kept, dropped
}
