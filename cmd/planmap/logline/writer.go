// Package logline makes per-request log lines cheap: a Writer that
// gathers lines and writes them out in batches (within a set delay, when
// its buffer fills, on Flush), and a slog Handler that formats records of
// plain strings and numbers by hand, byte for byte as log/slog's
// TextHandler and JSONHandler do, handing everything else to them.
//
// A server writing one access log line per request through slog's own
// handlers to an unbuffered stderr spends a system call and slog's
// general formatting on every request; on two shared cores that was a
// tenth of the cost of answering a small request from memory.
package logline

import (
	"io"
	"sync"
	"time"
)

// Writer buffers what is written to it and writes it to the underlying
// writer in batches: at most Delay after the first byte of a batch, when
// the next write would not fit the buffer, and on Flush. Lines are never
// split (each Write is kept whole) and keep their order. It is safe for
// concurrent use.
type Writer struct {
	mu      sync.Mutex
	w       io.Writer
	buf     []byte
	size    int
	delay   time.Duration
	timer   *time.Timer
	pending bool
	err     error
}

// NewWriter returns a Writer onto w with a buffer of size bytes (at
// least 4 KiB) that writes a batch at most delay after its first byte.
func NewWriter(w io.Writer, size int, delay time.Duration) *Writer {
	size = max(size, 4<<10)
	return &Writer{w: w, size: size, delay: delay, buf: make([]byte, 0, size)}
}

// Write adds p to the buffer, writing the buffer out first when p would
// not fit and p itself straight away when it is larger than the buffer.
// It returns an error only from such a write.
func (b *Writer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf)+len(p) > b.size {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > b.size {
			return b.w.Write(p)
		}
	}
	b.buf = append(b.buf, p...)
	if !b.pending {
		b.pending = true
		if b.timer == nil {
			b.timer = time.AfterFunc(b.delay, b.timedFlush)
		} else {
			b.timer.Reset(b.delay)
		}
	}
	return len(p), nil
}

// Flush writes out what is buffered. It returns the first error of a
// write made since the last Flush, if any.
func (b *Writer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	err := b.flushLocked()
	if b.err != nil {
		err, b.err = b.err, nil
	}
	return err
}

func (b *Writer) timedFlush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.flushLocked(); err != nil && b.err == nil {
		b.err = err
	}
}

func (b *Writer) flushLocked() error {
	b.pending = false
	if b.timer != nil {
		b.timer.Stop()
	}
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// Immediate returns a writer into the same stream that writes each Write
// out at once, after whatever is buffered: for lines a reader should see
// without delay (start-up, warnings, errors), kept in order with the
// buffered ones.
func (b *Writer) Immediate() io.Writer { return immediate{b} }

type immediate struct{ b *Writer }

func (i immediate) Write(p []byte) (int, error) {
	b := i.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.flushLocked(); err != nil {
		return 0, err
	}
	return b.w.Write(p)
}
