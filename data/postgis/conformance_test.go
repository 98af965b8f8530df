package postgis

import (
	"testing"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/storetest"
)

// TestConformance runs the store conformance suite on a fresh database
// per case.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) data.Store {
		c, db := importedDB(t)
		return openStore(t, c.URL(db))
	})
}

// TestRestart: a store opened again on the database (a replica starting
// later) serves exactly what the first acknowledged, versions included.
func TestRestart(t *testing.T) {
	storetest.RunRestart(t, func(t *testing.T) func(t *testing.T) data.Store {
		c, db := importedDB(t)
		return func(t *testing.T) data.Store { return openStore(t, c.URL(db)) }
	})
}
