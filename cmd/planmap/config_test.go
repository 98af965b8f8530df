package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigPrecedence checks flag > environment > file > default for
// every combination, the file's syntax (comments, quotes, a BOM, dashes
// before names, repeatable flags) and that every mistake names the file
// and line.
func TestConfigPrecedence(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		file string // "" for no file
		want map[string]string
		err  string // substring; the file's path is checked separately
	}{
		{name: "defaults", want: map[string]string{"color": "red", "count": "1", "fast": "false", "tag": "[]"}},
		{name: "file over default", file: "color = blue\ncount=7\n  fast = true  \n",
			want: map[string]string{"color": "blue", "count": "7", "fast": "true"}},
		{name: "env over file", env: map[string]string{"PLANMAP_COLOR": "green"}, file: "color = blue\ncount = 7\n",
			want: map[string]string{"color": "green", "count": "7"}},
		{name: "flag over env over file", args: []string{"--color", "black"}, env: map[string]string{"PLANMAP_COLOR": "green", "PLANMAP_COUNT": "3"}, file: "color = blue\ncount = 7\nfast = true\n",
			want: map[string]string{"color": "black", "count": "3", "fast": "true"}},
		{name: "file named by the environment", env: map[string]string{"PLANMAP_SETTINGS": "FILE"}, file: "count = 9\n",
			want: map[string]string{"count": "9"}},
		{name: "comments, blank lines, quotes, BOM, dashes", file: "\uFEFF# a comment\n\ncolor = \" dark # blue \"\n--count = 4\n",
			want: map[string]string{"color": " dark # blue ", "count": "4"}},
		{name: "an = in the value", file: "color = a=b\n", want: map[string]string{"color": "a=b"}},
		{name: "repeatable flag", file: "tag = x\ntag = y\n", want: map[string]string{"tag": "[x y]"}},
		{name: "repeatable flag on the command line wins whole", args: []string{"--tag", "z"}, file: "tag = x\ntag = y\n", want: map[string]string{"tag": "[z]"}},
		{name: "unknown setting", file: "color = blue\n\ncolour = red\n", err: ":3: unknown setting \"colour\""},
		{name: "repeated setting", file: "count = 1\ncount = 2\n", err: ":2: count is set again (first at line 1)"},
		{name: "bad value", file: "# x\ncount = many\n", err: ":2: count = \"many\": "},
		{name: "not name = value", file: "color blue\n", err: ":1: \"color blue\" is not a \"name = value\" line"},
		{name: "bad quotes", file: "color = \"blue\n", err: ":1: color: the quoted value"},
		{name: "the file cannot name a file", file: "settings = other.conf\n", err: ":1: settings cannot be set in a config file"},
		{name: "a bad value is refused even when the flag wins", args: []string{"--count", "2"}, file: "count = \"x\n", err: ":1: count: the quoted value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{"PLANMAP_COLOR", "PLANMAP_COUNT", "PLANMAP_FAST", "PLANMAP_TAG", "PLANMAP_SETTINGS"} {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			path := filepath.Join(t.TempDir(), "planmap.conf")
			args := c.args
			if c.file != "" {
				if err := os.WriteFile(path, []byte(c.file), 0o644); err != nil {
					t.Fatal(err)
				}
				if c.env["PLANMAP_SETTINGS"] == "" {
					args = append([]string{"--settings", path}, args...)
				}
			}
			for k, v := range c.env {
				if v == "FILE" {
					v = path
				}
				t.Setenv(k, v)
			}
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.String("color", "red", "")
			fs.Int("count", 1, "")
			fs.Bool("fast", false, "")
			fs.String("settings", "", "")
			var tags []string
			fs.Func("tag", "", func(v string) error { tags = append(tags, v); return nil })
			err := parseFlagsWithConfig(fs, args, io.Discard, "settings", map[string]bool{"tag": true})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), path+":") {
					t.Fatalf("error %v, want one naming %s and holding %q", err, path, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range c.want {
				got := ""
				if name == "tag" {
					got = "[" + strings.Join(tags, " ") + "]"
				} else {
					got = fs.Lookup(name).Value.String()
				}
				if got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

// TestServeConfigFile checks that serve reads its settings from the file
// --config or PLANMAP_CONFIG names (a value it refuses shows the file's
// value reached the flag), refuses unknown names by file and line, and
// documents the file in --help.
func TestServeConfigFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.conf", "addr = 127.0.0.1:0\nlog-levle = debug\n")
	level := write("level.conf", "log-level = chatty\n")
	var out bytes.Buffer
	err := runServe([]string{"--config", bad}, io.Discard, &out)
	if err == nil || !strings.Contains(err.Error(), bad+":2: unknown setting \"log-levle\"") {
		t.Errorf("unknown setting: %v", err)
	}
	err = runServe([]string{"--config", level}, io.Discard, &out)
	if err == nil || !strings.Contains(err.Error(), `--log-level "chatty"`) {
		t.Errorf("a file's log-level did not reach the flag: %v", err)
	}
	t.Setenv("PLANMAP_CONFIG", level)
	err = runServe(nil, io.Discard, &out)
	if err == nil || !strings.Contains(err.Error(), `--log-level "chatty"`) {
		t.Errorf("PLANMAP_CONFIG's file not read: %v", err)
	}
	t.Setenv("PLANMAP_LOG_LEVEL", "loud")
	err = runServe(nil, io.Discard, &out)
	if err == nil || !strings.Contains(err.Error(), `--log-level "loud"`) {
		t.Errorf("the environment did not win over the file: %v", err)
	}
	out.Reset()
	if err := runServe([]string{"--help"}, io.Discard, &out); err == nil {
		t.Error("--help gave no flag.ErrHelp")
	}
	for _, want := range []string{"--config (env PLANMAP_CONFIG", "wins over the file", "name = value"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("serve --help lacks %q", want)
		}
	}
}
