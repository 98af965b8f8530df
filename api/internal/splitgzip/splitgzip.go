// Package splitgzip compresses a large body into one gzip member on
// several goroutines at once.
//
// The body is cut into pieces, each compressed by its own deflate writer;
// every piece but the last ends with a sync flush (an empty stored block,
// so the next piece starts on a byte boundary) and the last with the final
// block. Deflate lets a stream's blocks refer back to earlier data but
// does not require it, so the pieces joined are one valid deflate stream:
// a piece only loses the matches it could have found in the one before.
// The member's CRC-32 and length are those of the whole body, so any gzip
// reader reads back exactly the body.
package splitgzip

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// MinPiece is the smallest piece worth a goroutine of its own: smaller
// bodies are compressed in one piece.
const MinPiece = 128 << 10

// Append appends the gzip member of src to dst, compressed at the given
// flate level (flate.BestSpeed to flate.BestCompression) in up to pieces
// pieces of at least MinPiece bytes, all but the first on goroutines of
// their own.
func Append(dst, src []byte, level, pieces int) ([]byte, error) {
	if level < flate.BestSpeed || level > flate.BestCompression {
		return dst, fmt.Errorf("splitgzip: level %d is not between %d and %d", level, flate.BestSpeed, flate.BestCompression)
	}
	n := max(1, min(pieces, len(src)/MinPiece))
	size := len(src) / n
	var (
		wg   sync.WaitGroup
		outs = make([]*[]byte, n)
		errs = make([]error, n)
	)
	for i := 1; i < n; i++ {
		piece := src[i*size:]
		if i < n-1 {
			piece = piece[:size]
		}
		outs[i] = bufferPool.Get().(*[]byte)
		wg.Add(1)
		go func() {
			defer wg.Done()
			*outs[i], errs[i] = compress((*outs[i])[:0], piece, level, i == n-1)
		}()
	}
	var xfl byte // the header's extra flags, as compress/gzip sets them
	switch level {
	case flate.BestSpeed:
		xfl = 4
	case flate.BestCompression:
		xfl = 2
	}
	dst = append(dst, 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255)
	dst, errs[0] = compress(dst, src[:size], level, n == 1)
	sum := crc32.ChecksumIEEE(src)
	wg.Wait()
	for i := 1; i < n; i++ {
		dst = append(dst, *outs[i]...)
		if cap(*outs[i]) <= maxPooled {
			bufferPool.Put(outs[i])
		}
	}
	for _, err := range errs {
		if err != nil {
			return dst, err
		}
	}
	dst = binary.LittleEndian.AppendUint32(dst, sum)
	return binary.LittleEndian.AppendUint32(dst, uint32(len(src))), nil
}

// compress appends piece's deflate blocks to dst, ending with the final
// block when last, else with a sync flush.
func compress(dst, piece []byte, level int, last bool) ([]byte, error) {
	out := &appender{b: dst}
	var w *flate.Writer
	select {
	case w = <-writers[level]:
	default:
	}
	if w == nil {
		var err error
		if w, err = flate.NewWriter(out, level); err != nil {
			return dst, fmt.Errorf("splitgzip: %w", err)
		}
	} else {
		w.Reset(out)
	}
	_, err := w.Write(piece)
	if err == nil {
		if last {
			err = w.Close()
		} else {
			err = w.Flush()
		}
	}
	w.Reset(nil)
	select {
	case writers[level] <- w:
	default: // enough kept
	}
	if err != nil {
		return out.b, fmt.Errorf("splitgzip: %w", err)
	}
	return out.b, nil
}

// appender is an io.Writer appending to a byte slice.
type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

// Warm makes n deflate writers of the level (at most KeptWriters; the
// first request of a fresh process then need not make them, some 800 KiB
// each at flate.BestSpeed). They are kept for the life of the process.
func Warm(level, n int) error {
	if level < flate.BestSpeed || level > flate.BestCompression {
		return fmt.Errorf("splitgzip: level %d is not between %d and %d", level, flate.BestSpeed, flate.BestCompression)
	}
	for i := 0; i < min(n, KeptWriters); i++ {
		w, err := flate.NewWriter(io.Discard, level)
		if err != nil {
			return fmt.Errorf("splitgzip: %w", err)
		}
		w.Reset(nil)
		select {
		case writers[level] <- w:
		default:
			return nil
		}
	}
	return nil
}

// KeptWriters is how many idle deflate writers are kept of each level.
const KeptWriters = 8

var (
	// writers keeps idle deflate writers by level: each holds several
	// hundred KiB of tables, too much to make per request. Unlike a
	// sync.Pool's, they outlive garbage collections, so a server's
	// first large answer finds the ones made at start-up (Warm).
	writers = func() (w [flate.BestCompression + 1]chan *flate.Writer) {
		for i := range w {
			w[i] = make(chan *flate.Writer, KeptWriters)
		}
		return w
	}()
	// bufferPool keeps the later pieces' output buffers; one grown past
	// maxPooled is dropped.
	bufferPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}
)

const maxPooled = 8 << 20
