package storetest_test

import (
	"testing"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/storetest"
)

// openFiles makes a data folder from the built-in dataset and opens it.
func openFiles(t *testing.T, dir string, compactAfter int) data.Store {
	t.Helper()
	s, err := data.OpenFiles(dir, data.FileOptions{NoSync: true, CompactAfter: compactAfter})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func freshFolder(t *testing.T) string {
	dir := t.TempDir() + "/data"
	if err := data.InitFolder(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestFileStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) data.Store { return openFiles(t, freshFolder(t), 25) })
}

func TestFileStoreRestart(t *testing.T) {
	storetest.RunRestart(t, func(t *testing.T) func(t *testing.T) data.Store {
		dir := freshFolder(t)
		// No compaction within the run: a compacted layer file is a new
		// base, whose layer version differs from the replayed one.
		return func(t *testing.T) data.Store { return openFiles(t, dir, 1000) }
	})
}
