package splitgzip

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/klauspost/compress/flate"
	"github.com/planmap/planmap/data/testtool"
)

// jsonLike is n bytes of text resembling a GeoJSON page: coordinates
// with six decimals, keys, some repetition.
func jsonLike(rng *rand.Rand, n int) []byte {
	b := make([]byte, 0, n+64)
	for len(b) < n {
		b = append(b, `{"type":"Feature","id":"corridor-`...)
		b = strconv.AppendInt(b, int64(rng.IntN(100000)), 10)
		b = append(b, `","geometry":{"type":"LineString","coordinates":[`...)
		for k := rng.IntN(200); k >= 0; k-- {
			b = append(b, '[')
			b = strconv.AppendFloat(b, 118+rng.Float64(), 'f', 6, 64)
			b = append(b, ',')
			b = strconv.AppendFloat(b, 24+rng.Float64(), 'f', 6, 64)
			b = append(b, "],"...)
		}
		b = append(b, `[0,0]]}},`...)
	}
	return b[:n]
}

func random(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// TestAppendReadsBack checks, over bodies of many sizes (empty, tiny,
// around the piece size, several pieces; text and incompressible bytes)
// and every piece count and several levels, that compress/gzip reads back
// exactly the body, as one member, with a correct CRC and length (the
// reader checks both at EOF).
func TestAppendReadsBack(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{0, 1, 100, MinPiece - 1, MinPiece, MinPiece + 1, 2*MinPiece - 1, 2 * MinPiece, 3*MinPiece + 7, 1 << 20, 1<<20 + 12345}
	for i := 0; i < 6; i++ {
		sizes = append(sizes, rng.IntN(5*MinPiece))
	}
	for _, size := range sizes {
		for _, kind := range []string{"json", "random"} {
			body := jsonLike(rng, size)
			if kind == "random" {
				body = random(rng, size)
			}
			for _, pieces := range []int{0, 1, 2, 3, 8} {
				for _, level := range []int{flate.BestSpeed, 5, flate.BestCompression} {
					name := fmt.Sprintf("%s-%d/pieces-%d/level-%d", kind, size, pieces, level)
					prefix := []byte("before")
					gz, err := Append(append([]byte(nil), prefix...), body, level, pieces)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if !bytes.HasPrefix(gz, prefix) {
						t.Fatalf("%s: dst's bytes were not kept", name)
					}
					r, err := gzip.NewReader(bytes.NewReader(gz[len(prefix):]))
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					r.Multistream(false)
					back, err := io.ReadAll(r)
					if err != nil {
						t.Fatalf("%s: reading back: %v", name, err)
					}
					if !bytes.Equal(back, body) {
						t.Fatalf("%s: read back %d bytes that differ from the %d written", name, len(back), len(body))
					}
					// nothing after the one member
					if rest, _ := io.ReadAll(r); len(rest) != 0 {
						t.Fatalf("%s: %d bytes after the member", name, len(rest))
					}
				}
			}
		}
	}
}

// TestAppendSize checks that the pieces cost little: a body of four
// pieces is at most 1% larger than the same body in one.
func TestAppendSize(t *testing.T) {
	body := jsonLike(rand.New(rand.NewPCG(3, 4)), 4*MinPiece)
	one, err := Append(nil, body, flate.BestSpeed, 1)
	if err != nil {
		t.Fatal(err)
	}
	four, err := Append(nil, body, flate.BestSpeed, 4)
	if err != nil {
		t.Fatal(err)
	}
	if float64(len(four)) > 1.01*float64(len(one)) {
		t.Fatalf("4 pieces: %d bytes, 1 piece: %d bytes", len(four), len(one))
	}
}

// TestAppendGzipTool checks the members with gzip(1) itself: gzip -t
// tests them and gzip -dc writes back the body.
func TestAppendGzipTool(t *testing.T) {
	tool, err := exec.LookPath("gzip")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("gzip is not installed (apt-get install gzip)")
		}
		t.Skip("gzip is not installed (apt-get install gzip)")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, size := range []int{0, 1000, 3*MinPiece + 5} {
		body := jsonLike(rng, size)
		gz, err := Append(nil, body, flate.BestSpeed, 3)
		if err != nil {
			t.Fatal(err)
		}
		path := t.TempDir() + "/body.gz"
		if err := os.WriteFile(path, gz, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(tool, "-t", path).CombinedOutput(); err != nil {
			t.Fatalf("gzip -t on %d bytes: %v: %s", size, err, out)
		}
		out, err := exec.Command(tool, "-dc", path).Output()
		if err != nil || !bytes.Equal(out, body) {
			t.Fatalf("gzip -dc on %d bytes: %d bytes back, equal %v (%v)", size, len(out), bytes.Equal(out, body), err)
		}
	}
}

func TestAppendLevel(t *testing.T) {
	for _, level := range []int{-2, -1, 0, 10} {
		if _, err := Append(nil, []byte("x"), level, 1); err == nil {
			t.Errorf("level %d: no error", level)
		}
	}
}

// BenchmarkAppend compresses a 900 KB JSON-like body (the size of a large
// corridors page) in one piece and in two; ns/op is the wall clock (two
// pieces use two cores), cpu-ns/op the CPU time of both.
//
//	go test -run '^$' -bench Append ./api/internal/splitgzip
func BenchmarkAppend(b *testing.B) {
	body := jsonLike(rand.New(rand.NewPCG(7, 8)), 900_000)
	for _, pieces := range []int{1, 2} {
		b.Run(fmt.Sprintf("pieces-%d", pieces), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			var out []byte
			start := testtool.ProcessCPU(b)
			for i := 0; i < b.N; i++ {
				var err error
				if out, err = Append(out[:0], body, flate.BestSpeed, pieces); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((testtool.ProcessCPU(b)-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(len(out))/float64(len(body)), "ratio")
		})
	}
}

// TestWarm checks that writers made ahead are used and give the same
// members as fresh ones.
func TestWarm(t *testing.T) {
	if err := Warm(flate.BestSpeed, 3); err != nil {
		t.Fatal(err)
	}
	if n := len(writers[flate.BestSpeed]); n < 3 {
		t.Fatalf("%d writers kept after Warm(3)", n)
	}
	if err := Warm(0, 1); err == nil {
		t.Fatal("Warm(level 0): no error")
	}
	body := jsonLike(rand.New(rand.NewPCG(9, 9)), 3*MinPiece)
	a, err := Append(nil, body, flate.BestSpeed, 3)
	if err != nil {
		t.Fatal(err)
	}
	for len(writers[flate.BestSpeed]) > 0 {
		<-writers[flate.BestSpeed]
	}
	b, err := Append(nil, body, flate.BestSpeed, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("kept and fresh writers write different members")
	}
}
