//go:build unix

package data

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// finishWithin runs fn and fails the test when it has not returned after
// d: a loader that opens a FIFO blocks, one that reads /dev/zero never
// ends.
func finishWithin[T any](t *testing.T, d time.Duration, fn func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- fn() }()
	select {
	case v := <-done:
		return v
	case <-time.After(d):
		t.Fatalf("still running after %v", d)
		panic("unreachable")
	}
}

// TestLoadRefusesHostileFiles builds data folders holding a good layer
// next to something that is not a readable layer file, and checks that
// loading returns promptly with a problem naming the file and the reason.
func TestLoadRefusesHostileFiles(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "valid", "notes.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		opts  LoadOptions
		setup func(t *testing.T, dir string)
		file  string
		want  string
	}{
		{"FIFO", LoadOptions{}, func(t *testing.T, dir string) { mkfifo(t, filepath.Join(dir, "x.geojson")) },
			"x.geojson", "is a named pipe (FIFO), not a regular file"},
		{"symlink to /dev/zero", LoadOptions{}, func(t *testing.T, dir string) { symlink(t, "/dev/zero", filepath.Join(dir, "x.geojson")) },
			"x.geojson", "is a symbolic link to a character device, not a regular file"},
		{"symlink to a FIFO", LoadOptions{}, func(t *testing.T, dir string) {
			mkfifo(t, filepath.Join(dir, "pipe"))
			symlink(t, filepath.Join(dir, "pipe"), filepath.Join(dir, "x.geojson"))
		}, "x.geojson", "is a symbolic link to a named pipe (FIFO)"},
		{"device", LoadOptions{}, func(t *testing.T, dir string) {
			// Making a device node needs root; a link to one is what a
			// data folder can hold without it.
			symlink(t, "/dev/null", filepath.Join(dir, "x.geojson"))
		}, "x.geojson", "character device"},
		{"folder named x.geojson", LoadOptions{}, func(t *testing.T, dir string) {
			if err := os.Mkdir(filepath.Join(dir, "x.geojson"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, "x.geojson", "is a folder, not a regular file"},
		{"symlink to a folder", LoadOptions{}, func(t *testing.T, dir string) { symlink(t, t.TempDir(), filepath.Join(dir, "x.geojson")) },
			"x.geojson", "is a symbolic link to a folder"},
		{"dangling symlink", LoadOptions{}, func(t *testing.T, dir string) {
			symlink(t, filepath.Join(dir, "gone"), filepath.Join(dir, "x.geojson"))
		},
			"x.geojson", "is a symbolic link to a file that does not exist"},
		{"over the set limit", LoadOptions{MaxFileBytes: 1000}, func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "x.geojson"), `{"type":"FeatureCollection","features":[`+strings.Repeat(" ", 1000)+`]}`)
		}, "x.geojson", "is 1042 bytes, larger than the 1000 (1000 bytes) a file may be"},
		{"over the default limit (sparse)", LoadOptions{}, func(t *testing.T, dir string) {
			sparse(t, filepath.Join(dir, "x.geojson"), DefaultMaxFileBytes+1)
		}, "x.geojson", "is 2147483649 bytes, larger than the 2147483648 (2 GiB) a file may be"},
		{"sidecar FIFO", LoadOptions{}, func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "x.geojson"), `{"type":"FeatureCollection","features":[]}`)
			mkfifo(t, filepath.Join(dir, "x.json"))
		}, "x.json", "is a named pipe (FIFO)"},
		{"sidecar too large", LoadOptions{}, func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "x.geojson"), `{"type":"FeatureCollection","features":[]}`)
			sparse(t, filepath.Join(dir, "x.json"), MaxSidecarBytes+1)
		}, "x.json", "larger than the 1048576 (1.0 MiB) a file may be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "notes.geojson"), string(good))
			tt.setup(t, dir)
			err := finishWithin(t, 10*time.Second, func() error {
				_, err := LoadDirWith(dir, tt.opts)
				return err
			})
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("got %v, want a ValidationError", err)
			}
			if len(verr.Problems) != 1 {
				t.Fatalf("got %d problems, want 1: %v", len(verr.Problems), verr)
			}
			p := verr.Problems[0]
			if p.File != tt.file || p.Index != -1 || !strings.Contains(p.Reason, tt.want) {
				t.Errorf("got %s, want a problem of %s with %q", p, tt.file, tt.want)
			}
		})
	}
}

// TestLoadFollowsSymlinksToFiles checks that a link to a regular file is
// read like the file: refusing links would break folders assembled from
// links.
func TestLoadFollowsSymlinksToFiles(t *testing.T) {
	dir := t.TempDir()
	abs, err := filepath.Abs(filepath.Join("testdata", "valid", "notes.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	symlink(t, abs, filepath.Join(dir, "notes.geojson"))
	ds, err := LoadDirWith(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ds.Layer("notes").Features.Features); n != 2 {
		t.Errorf("notes has %d features, want 2", n)
	}
}

// TestReloadRefusesFIFO replaces a served layer file by a FIFO: the
// reload must not block, and it keeps serving the last good version.
func TestReloadRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join("testdata", "valid", "notes.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "notes.geojson"), string(good))
	s, err := OpenFiles(dir, FileOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	path := filepath.Join(dir, "notes.geojson")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, path)
	finishWithin(t, 10*time.Second, func() struct{} { s.reloadLayer("notes"); return struct{}{} })
	h := s.Health()
	if !strings.Contains(h.Problem, "notes.geojson is a named pipe (FIFO)") || !strings.Contains(h.Problem, "still serving the last good version") {
		t.Errorf("problem %q does not name the FIFO", h.Problem)
	}
	if n := s.Current().Layer("notes").Len(); n != 2 {
		t.Errorf("notes has %d features after the refused reload, want 2", n)
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, path string) {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// sparse makes a file of size bytes that takes no room on disk.
func sparse(t *testing.T, path string, size int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
}
