package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/planmap/planmap/data"
	"github.com/planmap/planmap/data/storetest"
)

const crashToken = "crash-secret"

// TestCrashLosesNoAcknowledgedWrite kills a real planmap serve with
// SIGKILL at a random moment while 8 clients send writes, restarts it, and
// checks that every write answered 2xx is there with exactly its content,
// that a write in flight at the kill is either wholly there or wholly
// absent, and that planmap check passes on the folder. PLANMAP_CRASH_ROUNDS
// sets how many kill points to try (bench/crash.sh runs many).
func TestCrashLosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	rounds := 4
	if v, err := strconv.Atoi(os.Getenv("PLANMAP_CRASH_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	bin := storetest.BuildPlanmap(t)
	dir := filepath.Join(t.TempDir(), "plan")
	if err := data.InitFolder(dir); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	// The truth accumulates across rounds: each round kills the server,
	// restarts it on the same folder and checks everything acknowledged
	// so far.
	truth := storetest.NewTruth()
	for round := 0; round < rounds; round++ {
		killAfter := time.Duration(50+rng.IntN(1500)) * time.Millisecond
		t.Logf("round %d: kill after %v", round, killAfter)
		srv := storetest.StartServe(t, bin, crashToken, "--data", dir, "--watch=false")
		var wg sync.WaitGroup
		ctx, cancel := context.WithCancel(context.Background())
		for client := 0; client < 8; client++ {
			wg.Add(1)
			seed := rng.Uint64()
			go func() {
				defer wg.Done()
				storetest.Writer{Base: srv.Base, Token: crashToken, Name: fmt.Sprintf("crash-r%dc%d", round, client), Max: 125, Seed: seed}.Run(ctx, truth)
			}()
		}
		time.Sleep(killAfter)
		srv.Kill()
		cancel()
		wg.Wait()

		srv = storetest.StartServe(t, bin, crashToken, "--data", dir, "--watch=false")
		truth.Verify(t, "restarted server", srv.Base)
		srv.Kill()
		if out, err := exec.Command(bin, "check", dir).CombinedOutput(); err != nil {
			t.Fatalf("round %d: planmap check fails after the crash: %v\n%s", round, err, out)
		}
	}
	if truth.Acked() == 0 {
		t.Fatal("no write was acknowledged; the test proved nothing")
	}
	t.Logf("%d writes acknowledged over %d rounds, all present after SIGKILL", truth.Acked(), rounds)
}
