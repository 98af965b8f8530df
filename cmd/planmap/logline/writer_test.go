package logline

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// recorder is an io.Writer keeping each write, safe for concurrent use.
type recorder struct {
	mu     sync.Mutex
	writes [][]byte
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, append([]byte(nil), p...))
	return len(p), nil
}

func (r *recorder) joined() (string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return string(bytes.Join(r.writes, nil)), len(r.writes)
}

// TestWriterKeepsEveryLineInOrder writes random lines (some larger than
// the buffer) from several goroutines, some through Immediate, and
// checks that after Flush the output is exactly the lines in the order
// their writes returned, in fewer writes than lines.
func TestWriterKeepsEveryLineInOrder(t *testing.T) {
	var rec recorder
	w := NewWriter(&rec, 4096, time.Hour)
	var mu sync.Mutex
	var want bytes.Buffer
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 9))
			for i := range 2000 {
				line := fmt.Sprintf("g%d line %d %s\n", g, i, bytes.Repeat([]byte("x"), r.IntN(100)))
				if r.IntN(500) == 0 {
					line = fmt.Sprintf("g%d big %d %s\n", g, i, bytes.Repeat([]byte("y"), 5000))
				}
				var out interface{ Write([]byte) (int, error) } = w
				if r.IntN(50) == 0 {
					out = w.Immediate()
				}
				mu.Lock() // the order of the lines is the order of these writes
				if _, err := out.Write([]byte(line)); err != nil {
					t.Error(err)
				}
				want.WriteString(line)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	got, writes := rec.joined()
	if got != want.String() {
		t.Fatalf("output differs from the lines written (%d vs %d bytes)", len(got), want.Len())
	}
	if writes >= 8000/4 {
		t.Errorf("%d writes for 8000 lines: not batched", writes)
	}
}

// TestWriterFlushesWithinDelay checks a lone line reaches the underlying
// writer within the delay without a Flush.
func TestWriterFlushesWithinDelay(t *testing.T) {
	var rec recorder
	w := NewWriter(&rec, 64<<10, 50*time.Millisecond)
	for round := range 3 {
		start := time.Now()
		if _, err := w.Write([]byte("one line\n")); err != nil {
			t.Fatal(err)
		}
		for {
			if got, _ := rec.joined(); len(got) == 9*(round+1) {
				break
			}
			if time.Since(start) > 2*time.Second {
				t.Fatalf("round %d: the line was not written 2 s after a 50 ms delay", round)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if d := time.Since(start); d < 40*time.Millisecond {
			t.Errorf("round %d: written after %v, before the delay", round, d)
		}
	}
}
