package postgis

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var template struct {
	sync.Mutex
	name string
}

// importedDB returns the shared cluster and a fresh database holding the
// built-in dataset, imported once into a template and copied per test.
func importedDB(t testing.TB) (*pgtest.Cluster, string) {
	t.Helper()
	c := pgtest.Shared(t)
	template.Lock()
	if template.name == "" {
		name := "planmap_template"
		if err := c.CreateTemplate(name); err != nil {
			template.Unlock()
			t.Fatal(err)
		}
		ds, err := data.Default()
		if err != nil {
			template.Unlock()
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := Import(ctx, c.URL(name), ds, ImportOptions{}); err != nil {
			template.Unlock()
			t.Fatal(err)
		}
		template.name = name
	}
	name := template.name
	template.Unlock()
	return c, c.NewDatabase(t, name)
}

// openStore opens a store on url, closed when the test ends.
func openStore(t testing.TB, url string) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, url, Options{PollInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
