// Package pgtest starts a throwaway PostgreSQL cluster with PostGIS for
// tests: initdb into a fresh temporary folder, a server on a free TCP port
// of 127.0.0.1 (trust authentication, fsync off), stopped and deleted when
// the test ends.
//
//	c := pgtest.Start(t)          // skips without PostgreSQL/PostGIS (fails if CI=true)
//	url := c.CreateDatabase(t, "cql2") // database with the postgis extension
//	conn, _ := pgx.Connect(ctx, url)
//
// It finds the server binaries in $PGTEST_BINDIR, else the newest
// /usr/lib/postgresql/*/bin (Debian's postgresql-15), and needs the postgis
// extension in that server's share folder (Debian's postgresql-15-postgis-3).
// PostgreSQL refuses to run as root: under root the server commands run as
// the "postgres" system user through runuser. One cluster takes about a
// second to start; share it across a package's tests with a TestMain or a
// sync.Once where that matters. The cluster uses the C.UTF-8 locale and
// UTF-8 encoding.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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

// unavailable skips the test, or fails it when CI=true, naming what is
// missing.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := "pgtest: " + fmt.Sprintf(format, args...) + " (install Debian postgresql-15 and postgresql-15-postgis-3)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
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
	bin := findBinDir()
	if bin == "" {
		unavailable(t, "PostgreSQL server binaries (initdb) not found")
	}
	out, err := exec.Command(filepath.Join(bin, "pg_config"), "--sharedir").Output()
	if err != nil {
		unavailable(t, "pg_config --sharedir: %v", err)
	}
	share := strings.TrimSpace(string(out))
	if _, err := os.Stat(filepath.Join(share, "extension", "postgis.control")); err != nil {
		unavailable(t, "PostGIS extension not found in %s/extension", share)
	}
	c := &Cluster{BinDir: bin}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	c.Dir = dir
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			unavailable(t, "running as root and there is no postgres user to run the server as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			unavailable(t, "running as root and runuser is missing")
		}
		c.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	data := filepath.Join(dir, "data")
	if out, err := c.command("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8").CombinedOutput(); err != nil {
		t.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}
	for attempt := 0; ; attempt++ {
		if c.Port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off", c.Port, dir)
		out, err := c.command("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "-o", opts, "start").CombinedOutput()
		if err == nil {
			break
		}
		if attempt == 2 {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Fatalf("pgtest: pg_ctl start: %v\n%s\n%s", err, out, log)
		}
	}
	t.Cleanup(func() {
		if out, err := c.command("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop").CombinedOutput(); err != nil {
			t.Logf("pgtest: pg_ctl stop: %v\n%s", err, out)
		}
	})
	return c
}

// CreateDatabase creates a database with the postgis extension and returns
// its URL.
func (c *Cluster) CreateDatabase(t testing.TB, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	db, err := pgx.Connect(ctx, c.URL(name))
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer db.Close(ctx)
	if _, err := db.Exec(ctx, "CREATE EXTENSION postgis"); err != nil {
		t.Fatalf("pgtest: create extension postgis: %v", err)
	}
	return c.URL(name)
}
