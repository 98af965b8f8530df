package api

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// framingProblemReference is the straightforward reading framingProblem
// must agree with: split the block into lines, lower-case each name.
func framingProblemReference(raw []byte) string {
	var lengths []string
	chunked := false
	for _, line := range bytes.Split(raw, []byte("\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		switch strings.ToLower(string(bytes.TrimSpace(name))) {
		case "content-length":
			lengths = append(lengths, string(bytes.TrimSpace(value)))
		case "transfer-encoding":
			chunked = true
		}
	}
	for _, l := range lengths[min(1, len(lengths)):] {
		if l != lengths[0] {
			return "conflicting Content-Length headers"
		}
	}
	if chunked && len(lengths) > 0 {
		return "Content-Length given with Transfer-Encoding"
	}
	return ""
}

// TestFramingProblemRandomHeaders compares framingProblem with the
// reference on random header blocks built from repeated, re-cased and
// spaced Content-Length and Transfer-Encoding lines among others, and
// checks it allocates nothing.
func TestFramingProblemRandomHeaders(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	names := []string{"Content-Length", "content-length", "CONTENT-LENGTH", "Transfer-Encoding", "transfer-encoding", "Host", "Accept", "X-Content-Length", "Content-Lengths"}
	values := []string{"0", "12", " 12", "12 ", "13", "chunked", "", "a:b"}
	counts := map[string]int{}
	for range 20000 {
		var b strings.Builder
		for range r.IntN(6) {
			name := names[r.IntN(len(names))]
			if r.IntN(4) == 0 {
				name = " " + name + " "
			}
			b.WriteString(name + ":" + values[r.IntN(len(values))])
			if r.IntN(2) == 0 {
				b.WriteString("\r")
			}
			b.WriteString("\n")
		}
		if r.IntN(3) == 0 {
			b.WriteString("no colon line\n")
		}
		raw := []byte(b.String())
		got, want := framingProblem(raw), framingProblemReference(raw)
		if got != want {
			t.Fatalf("framingProblem(%q) = %q, reference says %q", raw, got, want)
		}
		counts[want]++
	}
	if len(counts) != 3 {
		t.Errorf("the random blocks did not reach every answer: %v", counts)
	}
	raw := []byte("Host: x\r\nContent-Length: 12\r\nAccept: */*\r\n")
	if n := testing.AllocsPerRun(100, func() { framingProblem(raw) }); n != 0 {
		t.Errorf("framingProblem allocates %v times per call", n)
	}
}
