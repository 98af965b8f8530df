// Command planmap serves regional planning layers as an OGC API – Features
// service, vector tiles and a web map, and checks, generates and exports
// datasets.
//
//	planmap serve [--data DIR] [--addr :8080]   serve a dataset (default: the embedded one)
//	planmap check [DIR]                         validate a dataset folder
//	planmap gen --features N --seed S --out DIR write a synthetic dataset
//	planmap tiles --data DIR --out FILE.mbtiles export vector tiles to MBTiles
//
// Every flag can also be set with an environment variable PLANMAP_<FLAG>,
// upper-cased with '-' as '_' (PLANMAP_DATA, PLANMAP_ADDR, ...); a flag on the
// command line wins.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one planmap subcommand.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

// commands lists every subcommand; each file of this package adds its own in
// an init function.
var commands = map[string]command{}

// exitError carries a process exit code through a command's error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "planmap: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err := cmd.run(args[1:], stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "planmap %s: %v\n", args[0], err)
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: planmap <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-8s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w, "\nRun 'planmap <command> -h' for a command's flags. Flags can also be set as PLANMAP_<FLAG> environment variables.")
}

// parseFlags parses args into fs after filling, from the environment, every
// flag the command line does not set.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return setFromEnv(fs, set)
}
