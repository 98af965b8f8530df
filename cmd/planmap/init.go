package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"

	"github.com/planmap/planmap/api"
	"github.com/planmap/planmap/data"
)

func init() {
	commands["init"] = command{summary: "copy the built-in dataset into a folder, to serve it editable with --data", run: runInit}
	commands["token"] = command{summary: "make a write token: prints the secret and its tokens-file line", run: runToken}
}

func runInit(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("init: give one folder: planmap init DIR")
	}
	dir := fs.Arg(0)
	if err := data.InitFolder(dir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "copied the built-in dataset to %s; serve it editable with: planmap serve --data %s --tokens FILE\n", dir, dir)
	return nil
}

func runToken(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	name := fs.String("name", "editor", "the token's name, recorded in the history of every change made with it")
	role := fs.String("role", api.RoleEditor, "editor (may write) or viewer")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *role != api.RoleEditor && *role != api.RoleViewer {
		return fmt.Errorf("token: --role must be editor or viewer")
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	secret := hex.EncodeToString(b[:])
	fmt.Fprintf(stdout, "secret (give it to the user; it is not stored): %s\ntokens-file line: %s %s sha256:%s\n", secret, *name, *role, api.HashSecret(secret))
	return nil
}
