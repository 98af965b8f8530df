// Package testtool finds the external programs planmap's tests compare
// against — GDAL, PROJ's cs2cs, Debian's python3 with QGIS or OWSLib —
// and decides what a missing one means: under CI=true (where .ci/run has
// installed everything) the test fails; elsewhere it is skipped with a
// message naming the Debian package to install.
package testtool

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// DebianPython is the interpreter Debian's python3-qgis and python3-owslib
// install into (a python3 earlier in PATH may be another build).
const DebianPython = "/usr/bin/python3"

// Missing fails the test under CI=true and skips it otherwise, with the
// formatted reason.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s, and CI=true requires it", msg)
	}
	t.Skipf("%s; skipping", msg)
}

// Program returns the path of the program name, or stops the test (see
// Missing) naming debianPackage, which installs it.
func Program(t testing.TB, name, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "%s is not installed (apt-get install %s)", name, debianPackage)
	}
	return path
}

// Python returns DebianPython once it can import module, or stops the test
// (see Missing) naming debianPackage. Qt modules are imported offscreen.
func Python(t testing.TB, module, debianPackage string) string {
	t.Helper()
	cmd := exec.Command(DebianPython, "-c", "import "+module)
	cmd.Env = append(os.Environ(), "QT_QPA_PLATFORM=offscreen")
	if out, err := cmd.CombinedOutput(); err != nil {
		Missing(t, "%s cannot import %s (apt-get install %s): %v %s", DebianPython, module, debianPackage, err, bytes.TrimSpace(out))
	}
	return DebianPython
}

// ProcessCPU returns the user and system CPU time the process has used so
// far, for benchmarks that report CPU per operation beside wall time (on a
// shared machine the process's CPU time is the steadier figure).
func ProcessCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("testtool: getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
