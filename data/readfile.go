package data

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// DefaultMaxFileBytes is the largest layer file the loader reads when
// LoadOptions.MaxFileBytes is left at zero: 2 GiB. A file is read whole and
// then decoded, so serving one costs a few times its size in memory.
const DefaultMaxFileBytes int64 = 2 << 30

// MaxSidecarBytes is the largest sidecar (a layer's LAYER.json of title,
// licence and attribution) the loader reads.
const MaxSidecarBytes int64 = 1 << 20

func (o LoadOptions) maxFileBytes() int64 {
	if o.MaxFileBytes <= 0 {
		return DefaultMaxFileBytes
	}
	return o.MaxFileBytes
}

// fileRefused says why a file in the data folder is not read: it is not a
// regular file, or it is too large. It is reported as a Problem of the file.
type fileRefused struct{ reason string }

func (e *fileRefused) Error() string { return e.reason }

// readDataFile reads the regular file name of fsys, at most limit bytes. It
// looks before it reads: a folder, named pipe, device or socket (or a
// symbolic link to one), or a file larger than limit, is refused with a
// *fileRefused before it is opened, so a FIFO cannot block the loader and
// /dev/zero cannot fill memory. What was opened is checked again, and read
// through a bounded reader, so a file swapped or grown in between is
// caught too.
func readDataFile(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := openDataFile(fsys, name, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Read into a buffer of the file's size (and a byte more, to see it
	// grow), not one io.ReadAll doubles as it goes: at 1.5 GB that would
	// allocate and copy twice the file.
	size := int64(512)
	if st, err := f.Stat(); err == nil && st.Size() < limit {
		size = st.Size() + 1
	}
	raw, err := readAllSized(io.LimitReader(f, limit+1), size)
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) > limit {
		return nil, &fileRefused{fmt.Sprintf("grew past the %d bytes (%s) a file may be while being read", limit, formatBytes(limit))}
	}
	return raw, nil
}

// readAllSized is io.ReadAll into a buffer of size bytes to start with.
func readAllSized(r io.Reader, size int64) ([]byte, error) {
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// openDataFile opens the regular file name of fsys with readDataFile's
// checks; the caller reads at most limit bytes of it.
func openDataFile(fsys fs.FS, name string, limit int64) (fs.File, error) {
	st, err := fs.Stat(fsys, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if lst, lerr := lstat(fsys, name); lerr == nil && lst.Mode()&fs.ModeSymlink != 0 {
				return nil, &fileRefused{"is a symbolic link to a file that does not exist"}
			}
		}
		return nil, err
	}
	link := false
	if lst, err := lstat(fsys, name); err == nil && lst.Mode()&fs.ModeSymlink != 0 {
		link = true
	}
	if err := checkRegular(st, limit, link); err != nil {
		return nil, err
	}
	f, err := openNonBlocking(fsys, name)
	if err != nil {
		return nil, err
	}
	if st, err = f.Stat(); err != nil {
		f.Close()
		return nil, err
	}
	if err := checkRegular(st, limit, link); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkRegular refuses anything but a regular file of at most limit bytes.
func checkRegular(st fs.FileInfo, limit int64, link bool) error {
	what := "is"
	if link {
		what = "is a symbolic link to"
	}
	mode := st.Mode()
	var kind string
	switch {
	case mode.IsRegular():
		if st.Size() > limit {
			return &fileRefused{fmt.Sprintf("is %d bytes, larger than the %d (%s) a file may be (raise the limit with --max-file-mib)", st.Size(), limit, formatBytes(limit))}
		}
		return nil
	case mode.IsDir():
		kind = "a folder"
	case mode&fs.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO)"
	case mode&fs.ModeCharDevice != 0:
		kind = "a character device"
	case mode&fs.ModeDevice != 0:
		kind = "a block device"
	case mode&fs.ModeSocket != 0:
		kind = "a socket"
	default:
		kind = "a special file (" + mode.Type().String() + ")"
	}
	return &fileRefused{fmt.Sprintf("%s %s, not a regular file; planmap reads only regular files", what, kind)}
}

// formatBytes writes a size in the largest binary unit it fills.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// osDirFS is os.DirFS that also tells symbolic links apart and opens files
// without blocking: opening a named pipe for reading would otherwise wait
// for a writer.
type osDirFS struct {
	fs.FS
	dir string
}

func newOSDirFS(dir string) osDirFS { return osDirFS{FS: os.DirFS(dir), dir: dir} }

func (d osDirFS) path(name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return filepath.Join(d.dir, filepath.FromSlash(name)), nil
}

func (d osDirFS) Stat(name string) (fs.FileInfo, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	return os.Stat(p)
}

func (d osDirFS) lstat(name string) (fs.FileInfo, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	return os.Lstat(p)
}

func (d osDirFS) openNonBlocking(name string) (fs.File, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	return os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

func lstat(fsys fs.FS, name string) (fs.FileInfo, error) {
	if d, ok := fsys.(osDirFS); ok {
		return d.lstat(name)
	}
	return fs.Stat(fsys, name) // fs.FS has no links of its own
}

func openNonBlocking(fsys fs.FS, name string) (fs.File, error) {
	if d, ok := fsys.(osDirFS); ok {
		return d.openNonBlocking(name)
	}
	return fsys.Open(name)
}

// readRegularFile reads the regular file at path, at most limit bytes,
// with readDataFile's checks.
func readRegularFile(path string, limit int64) ([]byte, error) {
	raw, err := readDataFile(newOSDirFS(filepath.Dir(path)), filepath.Base(path), limit)
	var refused *fileRefused
	if errors.As(err, &refused) {
		return nil, fmt.Errorf("%s %s", path, refused.reason)
	}
	return raw, err
}
