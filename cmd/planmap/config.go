package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// A configuration file sets a command's flags, one "name = value" a line,
// named as the flags are (without the dashes):
//
//	# planmap serve --config /etc/planmap.conf
//	addr = :8080
//	data = /srv/plan
//	base-url = "https://plan.example.org"
//	basemap = "OSM|https://tile.openstreetmap.org/{z}/{x}/{y}.png|© OpenStreetMap contributors"
//
// Blank lines and lines starting with # are skipped; a value may be
// double-quoted (Go string syntax) to hold leading or trailing spaces or
// a #. A flag given on the command line wins over its environment
// variable, which wins over the file, which wins over the default. An
// unknown name, a repeated one (but for repeatable flags), a line without
// "=" or a value the flag refuses is an error naming the file and line.

// parseFlagsWithConfig is parseFlags with a configuration file: the one
// the flag configFlag names (on the command line or in its environment
// variable) fills the flags neither sets. repeatable names the flags that
// may be given more than once in the file.
func parseFlagsWithConfig(fs *flag.FlagSet, args []string, stderr io.Writer, configFlag string, repeatable map[string]bool) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := setFromEnv(fs, set); err != nil {
		return err
	}
	file := fs.Lookup(configFlag).Value.String()
	if file == "" {
		return nil
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	return applyConfig(fs, f, file, set, repeatable, configFlag)
}

// setFromEnv fills from PLANMAP_<NAME> every flag not in set, and adds
// it to set.
func setFromEnv(fs *flag.FlagSet, set map[string]bool) error {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || envErr != nil {
			return
		}
		key := envName(f.Name)
		if v, ok := os.LookupEnv(key); ok {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("environment variable %s=%q: %w", key, v, err)
			}
			set[f.Name] = true
		}
	})
	return envErr
}

// envName is the environment variable of a flag.
func envName(flagName string) string {
	return "PLANMAP_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// applyConfig reads "name = value" lines from r (named file in errors)
// into the flags of fs that set does not hold. The flag named skip (the
// one naming the file) may not be set from it.
func applyConfig(fs *flag.FlagSet, r io.Reader, file string, set, repeatable map[string]bool, skip string) error {
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			return fmt.Errorf("%s:%d: %q is not a \"name = value\" line", file, n, truncateRunes(line, 60))
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		name = strings.TrimPrefix(strings.TrimPrefix(name, "-"), "-")
		fl := fs.Lookup(name)
		if name == skip {
			return fmt.Errorf("%s:%d: %s cannot be set in a config file", file, n, name)
		}
		if fl == nil {
			return fmt.Errorf("%s:%d: unknown setting %q; the settings are the flags of 'planmap %s -h', without dashes", file, n, truncateRunes(name, 60), fs.Name())
		}
		if first, ok := seen[name]; ok && !repeatable[name] {
			return fmt.Errorf("%s:%d: %s is set again (first at line %d)", file, n, name, first)
		}
		seen[name] = n
		if strings.HasPrefix(value, `"`) {
			unquoted, err := strconv.Unquote(value)
			if err != nil {
				return fmt.Errorf("%s:%d: %s: the quoted value %s is not a valid Go string", file, n, name, truncateRunes(value, 60))
			}
			value = unquoted
		}
		if set[name] {
			continue // the command line or the environment wins
		}
		if err := fs.Set(name, value); err != nil {
			return fmt.Errorf("%s:%d: %s = %q: %w", file, n, name, truncateRunes(value, 60), err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("config file %s: %w", file, err)
	}
	return nil
}

func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
