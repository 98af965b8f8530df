package api

import (
	"bytes"
	"compress/gzip"
	"io"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/planmap/planmap/data"
)

// TestGzipLargeBodies checks the compression of large dynamic bodies
// against compress/gzip's reader: a large items page sent as gzip reads
// back as the page sent to a client without gzip (but for its timeStamp),
// for the pages made in pieces on several cores and for the small ones
// the compress middleware still makes, and brotli clients still get
// brotli.
func TestGzipLargeBodies(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs GOMAXPROCS >= 2 for the bodies made in pieces")
	}
	srv := newTestServer(t, data.Generate(data.GenOptions{Features: 6000, Seed: 3}))
	stamp := regexp.MustCompile(`"timeStamp":"[^"]*"`)
	for _, tc := range []struct {
		target string
		split  bool // large enough for pieces
	}{
		{"/collections/corridors/items?limit=5000", true},
		{"/collections/industrial-parks/items?limit=3000", true},
		{"/collections/corridors/items?limit=5000&f=html", true},
		{"/collections/corridors/items?limit=3", false},
	} {
		plain := get(t, srv, tc.target)
		if plain.status != 200 || plain.header.Get("Content-Encoding") != "" {
			t.Fatalf("%s: %d, Content-Encoding %q", tc.target, plain.status, plain.header.Get("Content-Encoding"))
		}
		if got := len(plain.body) >= 256<<10; got != tc.split {
			t.Fatalf("%s: %d bytes; the case wants a body that is large: %v", tc.target, len(plain.body), tc.split)
		}
		for _, accept := range []string{"gzip", "deflate, gzip", "gzip, deflate, br"} {
			res := get(t, srv, tc.target, "Accept-Encoding", accept)
			want := "gzip"
			if strings.Contains(accept, "br") {
				want = "br"
			}
			if res.status != 200 || res.header.Get("Content-Encoding") != want {
				t.Fatalf("%s, Accept-Encoding %q: %d, Content-Encoding %q, want %s", tc.target, accept, res.status, res.header.Get("Content-Encoding"), want)
			}
			if !strings.Contains(res.header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s, Accept-Encoding %q: Vary %q", tc.target, accept, res.header.Get("Vary"))
			}
			var r io.Reader
			if want == "br" {
				r = brotli.NewReader(bytes.NewReader(res.body))
			} else {
				zr, err := gzip.NewReader(bytes.NewReader(res.body))
				if err != nil {
					t.Fatalf("%s: %v", tc.target, err)
				}
				zr.Multistream(false)
				r = zr
				// The pieces end in sync flushes, which the one-piece
				// stream of the middleware has not.
				if split := bytes.Contains(res.body, []byte{0, 0, 0xff, 0xff}); split != tc.split {
					t.Errorf("%s: made in pieces %v, want %v", tc.target, split, tc.split)
				}
			}
			back, err := io.ReadAll(r)
			if err != nil {
				t.Fatalf("%s, Accept-Encoding %q: reading back: %v", tc.target, accept, err)
			}
			if !bytes.Equal(stamp.ReplaceAll(back, nil), stamp.ReplaceAll(plain.body, nil)) {
				t.Fatalf("%s, Accept-Encoding %q: %d bytes read back differ from the %d sent plain", tc.target, accept, len(back), len(plain.body))
			}
		}
	}
}
