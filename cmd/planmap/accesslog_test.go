package main

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/planmap/planmap/data/storetest"
)

// TestServeAccessLogBatchedNotLost runs `planmap serve` (text and JSON
// logs) and checks its access log lines, now written in batches: every
// request's line, with the X-Request-Id it was answered with, is on
// stderr within a second of the answers, and the lines of requests
// answered just before SIGTERM are there once the process has exited.
func TestServeAccessLogBatchedNotLost(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs planmap")
	}
	bin := storetest.BuildPlanmap(t)
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			logPath := filepath.Join(t.TempDir(), "stderr.log")
			logFile, err := os.Create(logPath)
			if err != nil {
				t.Fatal(err)
			}
			defer logFile.Close()
			cmd := exec.Command(bin, "serve", "--addr", addr, "--log-format", format)
			cmd.Stderr = logFile
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
			base := "http://" + addr
			for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
				if res, err := http.Get(base + "/livez"); err == nil {
					res.Body.Close()
					break
				}
				if time.Since(start) > 60*time.Second {
					t.Fatal("planmap serve did not start")
				}
			}
			var ids []string
			request := func() {
				res, err := http.Get(base + "/collections/ports/items?limit=1")
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				ids = append(ids, res.Header.Get("X-Request-Id"))
			}
			logged := func() map[string]bool {
				raw, err := os.ReadFile(logPath)
				if err != nil {
					t.Fatal(err)
				}
				seen := map[string]bool{}
				for _, line := range strings.Split(string(raw), "\n") {
					if format == "json" {
						var rec struct {
							Log, Route string
							RequestID  string `json:"request_id"`
						}
						if json.Unmarshal([]byte(line), &rec) == nil && rec.Log == "access" {
							seen[rec.RequestID] = rec.Route == "/collections/:collectionId/items"
						}
						continue
					}
					if strings.Contains(line, " log=access ") {
						for _, f := range strings.Fields(line) {
							if id, ok := strings.CutPrefix(f, "request_id="); ok {
								seen[id] = strings.Contains(line, " route=/collections/:collectionId/items ")
							}
						}
					}
				}
				return seen
			}
			for range 50 {
				request()
			}
			answered := time.Now()
			for {
				seen := logged()
				missing := 0
				for _, id := range ids {
					if !seen[id] {
						missing++
					}
				}
				if missing == 0 {
					break
				}
				if time.Since(answered) > time.Second {
					t.Fatalf("%d of %d access lines not on stderr a second after the answers", missing, len(ids))
				}
				time.Sleep(20 * time.Millisecond)
			}
			for range 20 {
				request()
			}
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("planmap serve after SIGTERM: %v", err)
			}
			seen := logged()
			for _, id := range ids {
				if !seen[id] {
					t.Errorf("request %s answered before SIGTERM has no access line after exit", id)
				}
			}
		})
	}
}
