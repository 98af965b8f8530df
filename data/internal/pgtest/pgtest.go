// Package pgtest starts a throwaway PostgreSQL cluster with PostGIS for
// tests: initdb into a fresh temporary folder, a server on a free TCP port
// of 127.0.0.1 (trust authentication, fsync off), stopped and deleted when
// the test ends.
//
//	c := pgtest.Start(t)               // skips without PostgreSQL/PostGIS (fails if CI=true)
//	url := c.CreateDatabase(t, "cql2") // database with the postgis extension
//	conn, _ := pgx.Connect(ctx, url)
//
// Tests that only need databases share one cluster per test binary with
// Shared (and pgtest.Main as TestMain's body, which removes it); NewDatabase
// makes a database per test, optionally as a copy of a template database,
// dropped when the test ends. A test of its own cluster may stop and start
// the server (StopServer, StartServer) to see what a client does while the
// database is down; the port stays the same.
//
// It finds the server binaries in $PGTEST_BINDIR, else the newest
// /usr/lib/postgresql/*/bin (Debian's postgresql-15), and needs the postgis
// extension in that server's share folder (Debian's postgresql-15-postgis-3).
// PostgreSQL refuses to run as root: under root the server commands run as
// the "postgres" system user through runuser. One cluster takes about a
// second to start. The cluster uses the C.UTF-8 locale and UTF-8 encoding.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/planmap/planmap/data/testtool"
)

// Cluster is a running throwaway server.
type Cluster struct {
	Dir    string // temporary folder holding data, socket and log
	Port   int
	BinDir string
	asUser []string // runuser prefix under root
}

// URL returns the connection URL of a database of the cluster.
func (c *Cluster) URL(database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, database)
}

// LibpqArgs are the key=value connection arguments of a database (for
// psql, ogr2ogr's PG: driver and other libpq clients).
func (c *Cluster) LibpqArgs(database string) string {
	return fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=%s", c.Port, database)
}

// errUnavailable says what the machine lacks to run a cluster.
type errUnavailable struct{ msg string }

func (e *errUnavailable) Error() string {
	return "pgtest: " + e.msg + " (install Debian postgresql-15 and postgresql-15-postgis-3)"
}

// unavailable skips the test, or fails it when CI=true, naming what is
// missing.
func unavailable(t testing.TB, err error) {
	t.Helper()
	testtool.Missing(t, "%v", err)
}

func findBinDir() string {
	if d := os.Getenv("PGTEST_BINDIR"); d != "" {
		return d
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	full := append(append([]string{}, c.asUser...), filepath.Join(c.BinDir, name))
	full = append(full, args...)
	cmd := exec.Command(full[0], full[1:]...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	return cmd
}

// Start initializes and starts a cluster, stopped and removed by
// t.Cleanup.
func Start(t testing.TB) *Cluster {
	t.Helper()
	c, err := NewCluster()
	var un *errUnavailable
	if errors.As(err, &un) {
		unavailable(t, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Destroy)
	return c
}

// NewCluster initializes and starts a cluster outside any test; Destroy
// stops and removes it. The error is an *errUnavailable when the machine
// lacks PostgreSQL or PostGIS.
func NewCluster() (*Cluster, error) {
	bin := findBinDir()
	if bin == "" {
		return nil, &errUnavailable{"PostgreSQL server binaries (initdb) not found"}
	}
	out, err := exec.Command(filepath.Join(bin, "pg_config"), "--sharedir").Output()
	if err != nil {
		return nil, &errUnavailable{fmt.Sprintf("pg_config --sharedir: %v", err)}
	}
	share := strings.TrimSpace(string(out))
	if _, err := os.Stat(filepath.Join(share, "extension", "postgis.control")); err != nil {
		return nil, &errUnavailable{fmt.Sprintf("PostGIS extension not found in %s/extension", share)}
	}
	c := &Cluster{BinDir: bin}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c.Dir = dir
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, &errUnavailable{"running as root and there is no postgres user to run the server as"}
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: %w", err)
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			os.RemoveAll(dir)
			return nil, &errUnavailable{"running as root and runuser is missing"}
		}
		c.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	if out, err := c.command("initdb", "-D", c.dataDir(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
	}
	for attempt := 0; ; attempt++ {
		if c.Port, err = freePort(); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: %w", err)
		}
		err := c.StartServer()
		if err == nil {
			return c, nil
		}
		if attempt == 2 {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

func (c *Cluster) dataDir() string { return filepath.Join(c.Dir, "data") }

// StartServer starts the cluster's server (again, after StopServer), on
// the same port.
func (c *Cluster) StartServer() error {
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off", c.Port, c.Dir)
	out, err := c.command("pg_ctl", "-D", c.dataDir(), "-l", filepath.Join(c.Dir, "log"), "-w", "-t", "60", "-o", opts, "start").CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.Dir, "log"))
		return fmt.Errorf("pgtest: pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	return nil
}

// StopServer stops the server, fast: open sessions are ended at once.
func (c *Cluster) StopServer() error {
	if out, err := c.command("pg_ctl", "-D", c.dataDir(), "-m", "fast", "-w", "-t", "60", "stop").CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: pg_ctl stop: %v\n%s", err, out)
	}
	return nil
}

// Destroy stops the server and removes the cluster's folder.
func (c *Cluster) Destroy() {
	_ = c.command("pg_ctl", "-D", c.dataDir(), "-m", "immediate", "-w", "stop").Run()
	os.RemoveAll(c.Dir)
}

var shared struct {
	sync.Mutex
	c   *Cluster
	err error
}

// Shared returns the test binary's shared cluster, starting it on first
// use. Use Main as TestMain's body so it is removed at the end.
func Shared(t testing.TB) *Cluster {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if shared.c == nil && shared.err == nil {
		shared.c, shared.err = NewCluster()
	}
	var un *errUnavailable
	if errors.As(shared.err, &un) {
		unavailable(t, shared.err)
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.c
}

// Main runs the tests, then removes the shared cluster if one was started.
func Main(m *testing.M) {
	code := m.Run()
	shared.Lock()
	if shared.c != nil {
		shared.c.Destroy()
	}
	shared.Unlock()
	os.Exit(code)
}

// CreateDatabase creates a database with the postgis extension and returns
// its URL.
func (c *Cluster) CreateDatabase(t testing.TB, name string) string {
	t.Helper()
	if err := c.createDatabase(name, ""); err != nil {
		t.Fatal(err)
	}
	return c.URL(name)
}

// createDatabase creates a database with PostGIS, as a copy of
// template when it is not empty (a database no session is connected to).
func (c *Cluster) createDatabase(name, template string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("pgtest: connect: %w", err)
	}
	defer conn.Close(ctx)
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("pgtest: %s: %w", sql, err)
	}
	if template != "" {
		return nil
	}
	db, err := pgx.Connect(ctx, c.URL(name))
	if err != nil {
		return fmt.Errorf("pgtest: connect: %w", err)
	}
	defer db.Close(ctx)
	if _, err := db.Exec(ctx, "CREATE EXTENSION postgis"); err != nil {
		return fmt.Errorf("pgtest: create extension postgis: %w", err)
	}
	return nil
}

// CreateTemplate creates a database with PostGIS outside any test, for
// NewDatabase to copy; fill it, then close every session to it.
func (c *Cluster) CreateTemplate(name string) error { return c.createDatabase(name, "") }

var dbCounter struct {
	sync.Mutex
	n int
}

// NewDatabase creates a database with PostGIS — a copy of template when it
// is not empty — dropped when the test ends, and returns its name.
func (c *Cluster) NewDatabase(t testing.TB, template string) string {
	t.Helper()
	dbCounter.Lock()
	dbCounter.n++
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbCounter.n)
	dbCounter.Unlock()
	if err := c.createDatabase(name, template); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	return name
}

// Psql runs SQL in a database with psql and returns its unaligned,
// tuples-only output.
func (c *Cluster) Psql(database, sql string) (string, error) {
	cmd := exec.Command("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", strconv.Itoa(c.Port),
		"-U", "postgres", "-d", database, "-At", "-c", sql)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("pgtest: psql: %v: %s", err, out)
	}
	return string(out), nil
}
