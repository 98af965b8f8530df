package tiles

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCacheRendersOnceForConcurrentRequests(t *testing.T) {
	c := NewCache(1 << 20)
	var renders atomic.Int32
	release := make(chan struct{})
	render := func() (*Tile, error) {
		renders.Add(1)
		<-release
		return NewTile([]byte("tile bytes"))
	}
	key := TileKey{"v1", 10, 1, 2, 3}
	const clients = 20
	got := make([]*Tile, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tile, err := c.Get(key, render)
			if err != nil {
				t.Error(err)
			}
			got[i] = tile
		}()
	}
	time.Sleep(50 * time.Millisecond) // let every client reach the cache
	close(release)
	wg.Wait()
	if n := renders.Load(); n != 1 {
		t.Fatalf("%d renders for %d concurrent requests of one cold tile, want 1", n, clients)
	}
	for _, tile := range got {
		if tile != got[0] {
			t.Fatal("clients got different tiles")
		}
	}
	if s := c.Stats(); s.Renders != 1 || s.Hits+s.Misses != clients {
		t.Errorf("stats %+v", s)
	}
}

func TestCacheKeepsWithinBudgetLeastRecentlyUsedOut(t *testing.T) {
	tile := func(n int) *Tile { return &Tile{Gzip: bytes.Repeat([]byte{1}, n), ETag: `"x"`, Size: n} }
	const size = 1000
	cost := int64(size+3+2) + entryOverhead // gzip, ETag, version "v1"
	c := NewCache(3 * cost)
	key := func(i uint32) TileKey { return TileKey{"v1", 5, i, 0, 1} }
	renders := 0
	get := func(i uint32) {
		if _, err := c.Get(key(i), func() (*Tile, error) { renders++; return tile(size), nil }); err != nil {
			t.Fatal(err)
		}
	}
	get(1)
	get(2)
	get(3)
	get(1) // 1 is now the most recently used
	get(4) // evicts 2
	if s := c.Stats(); s.Bytes > 3*cost || s.Entries != 3 {
		t.Fatalf("stats %+v over budget %d", s, 3*cost)
	}
	renders = 0
	get(1)
	get(3)
	get(4)
	if renders != 0 {
		t.Errorf("%d of the three most recent tiles were evicted", renders)
	}
	get(2)
	if renders != 1 {
		t.Error("the least recently used tile was kept")
	}
	huge := NewCache(100)
	if _, err := huge.Get(key(9), func() (*Tile, error) { return tile(size), nil }); err != nil {
		t.Fatal(err)
	}
	if huge.Stats().Entries != 0 {
		t.Error("a tile bigger than the budget was cached")
	}
}

func TestCacheDoesNotKeepErrors(t *testing.T) {
	c := NewCache(1 << 20)
	fail := errors.New("boom")
	calls := 0
	for range 2 {
		_, err := c.Get(TileKey{Version: "v"}, func() (*Tile, error) { calls++; return nil, fail })
		if !errors.Is(err, fail) {
			t.Fatalf("error %v", err)
		}
	}
	if calls != 2 {
		t.Errorf("render called %d times, want 2 (errors are not cached)", calls)
	}
	_, err := c.Get(TileKey{Version: "p"}, func() (*Tile, error) { panic("render bug") })
	if err == nil {
		t.Error("a panicking render gave no error")
	}
}

func TestNewTile(t *testing.T) {
	raw := bytes.Repeat([]byte("planmap "), 100)
	tile, err := NewTile(raw)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(tile.Gzip)) // the standard library's reader
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, raw) {
		t.Fatalf("gzip does not round-trip: %v", err)
	}
	if p, err := tile.Plain(); err != nil || !bytes.Equal(p, raw) {
		t.Fatalf("Plain does not round-trip: %v", err)
	}
	sum := sha256.Sum256(raw)
	if want := `"` + hex.EncodeToString(sum[:12]) + `"`; tile.ETag != want || tile.Size != len(raw) || tile.Empty() {
		t.Errorf("tile %q size %d", tile.ETag, tile.Size)
	}
	other, _ := NewTile(append(raw, '!'))
	if other.ETag == tile.ETag {
		t.Error("different content, same ETag")
	}
	empty, _ := NewTile(nil)
	if !empty.Empty() || empty.Gzip != nil {
		t.Error("empty tile not empty")
	}
}
