package data

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHotReload: a layer file changed by another program is validated and
// served; a broken one keeps the last good version serving and is reported
// with file, feature and reason.
func TestHotReload(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plan")
	if err := InitFolder(dir); err != nil {
		t.Fatal(err)
	}
	s, err := OpenFiles(dir, FileOptions{Watch: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	path := filepath.Join(dir, "ports.geojson")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// An edit by "another program": rename the Port of Wenzhou.
	edited := bytes.Replace(raw, []byte(`"name":"温州港"`), []byte(`"name":"温州港（改）"`), 1)
	if bytes.Equal(edited, raw) {
		t.Fatal("fixture: the Port of Wenzhou's name was not found")
	}
	if err := os.WriteFile(path, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	name := func() string {
		lv := s.Current().Layer(Ports)
		r, ok := lv.Lookup("wenzhou-port")
		if !ok {
			return ""
		}
		n, _ := lv.Feature(r).Properties["name"].(string)
		return n
	}
	waitFor("the edited file to be served", func() bool { return name() == "温州港（改）" })
	before := s.Current()

	// A broken edit: a feature with a bad status. The last good version
	// keeps serving and health names the file, feature and reason.
	broken := bytes.Replace(edited, []byte(`"status":"operational"`), []byte(`"status":"finished"`), 1)
	if err := os.WriteFile(path, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor("the broken file to be reported", func() bool { return strings.Contains(s.Health().Problem, "finished") })
	if h := s.Health().Problem; !strings.Contains(h, "ports.geojson") || !strings.Contains(h, "status") {
		t.Errorf("problem %q does not name the file and the reason", h)
	}
	if s.Current() != before || name() != "温州港（改）" {
		t.Error("a broken file replaced the last good version")
	}
	revs, _ := s.Changes(t.Context(), 0, 10)
	if len(revs) != 1 || revs[0].Op != OpReload || revs[0].Layer != Ports {
		t.Errorf("changes after one good reload: %+v", revs)
	}
	// The reload survives a restart (the file itself is the new version,
	// and no journal entry from before it is replayed over it).
	if err := os.WriteFile(path, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := OpenFiles(dir, FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if lv := s2.Current().Layer(Ports); lv.Len() != before.Layer(Ports).Len() {
		t.Errorf("after restart %d ports, before %d", lv.Len(), before.Layer(Ports).Len())
	}
}
