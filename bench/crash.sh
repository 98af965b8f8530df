#!/usr/bin/env bash
# The long crash test: many random SIGKILL points while 8 clients write
# (cmd/planmap TestCrashLosesNoAcknowledgedWrite; `make test` runs 4).
#   bench/crash.sh [ROUNDS]   (default 50)
set -euo pipefail
cd "$(dirname "$0")/.."
PLANMAP_CRASH_ROUNDS="${1:-50}" go test -count=1 -timeout 60m -run TestCrashLosesNoAcknowledgedWrite -v ./cmd/planmap
