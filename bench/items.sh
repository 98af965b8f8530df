#!/usr/bin/env bash
# Load test of the OGC API items endpoint with wrk.
#
# Serves a generated dataset (default 100,000 features), then measures
# requests per second for items queries (bbox, limit=100, rotating over 64
# boxes around the generated towns) and for /bench/copy of the very same
# URLs: the same server returning the same bytes from memory. The ratio
# items/copy is the figure to compare; absolute numbers depend on the
# machine and on whatever else it is doing. Rounds alternate to spread
# noise; the median of each is reported. Last, the same for one feature by
# id (64 industrial parks in turn), whose goal is 0.9 of the copy.
#
#   bench/items.sh [FEATURES] [SECONDS] [ROUNDS]     (PORT=N: serve on port N)
set -euo pipefail
cd "$(dirname "$0")/.."
features=${1:-100000}
seconds=${2:-8}
rounds=${3:-3}
bin=${PLANMAP_BIN:-bin/planmap}
. bench/lib.sh
bench_init bench/items.sh

"$bin" gen --features "$features" --seed 1 --out "$work/data" >/dev/null

# start_server FLAGS...: serve the generated data, set $base and $server_pid.
start_server() {
  [ -n "$server_pid" ] && { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; }
  local port=${PORT:-$((20000 + RANDOM % 20000))}
  "$bin" serve --data "$work/data" --addr "127.0.0.1:$port" --bench-endpoints "$@" 2>"$work/server.log" &
  server_pid=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 600); do
    curl -sf "$base/conformance" >/dev/null 2>&1 && { wait_tiles "$base" "$server_pid" "$work/server.log"; return; }
    sleep 0.1
  done
  echo "server did not start:"; cat "$work/server.log"; exit 1
}

# 64 boxes of ~0.3° around the generated towns (Wenzhou to Quanzhou).
python3 - "$work/paths.lua" <<'PY'
import random, sys
random.seed(5)
towns = [(120.70, 28.00), (120.65, 27.78), (120.98, 28.11), (120.57, 27.66), (120.43, 27.52),
         (118.59, 24.91), (118.55, 24.78), (118.65, 24.73), (118.39, 24.96), (119.30, 26.08)]
paths = []
for i in range(64):
    x, y = random.choice(towns)
    x += random.uniform(-0.1, 0.1); y += random.uniform(-0.1, 0.1)
    paths.append("/collections/industrial-parks/items?bbox=%.4f,%.4f,%.4f,%.4f&limit=100" % (x - .15, y - .15, x + .15, y + .15))
with open(sys.argv[1], "w") as f:
    f.write("paths = {\n" + ",\n".join('"%s"' % p for p in paths) + "\n}\n")
PY
write_rotation

# warm: every URL once on both sides (the copy captures its bytes then).
warm() {
  python3 - "$work/paths.lua" "$base" <<'PY'
import re, sys, urllib.request
paths = re.findall(r'"([^"]+)"', open(sys.argv[1]).read())
total = 0
for p in paths:
    body = urllib.request.urlopen(sys.argv[2] + p).read()
    urllib.request.urlopen(sys.argv[2] + "/bench/copy" + p).read()
    total += len(body)
print("  mean response: %d bytes over %d URLs" % (total // len(paths), len(paths)))
PY
}

# measure LABEL FLAGS...: rounds of items against the copy on one server.
measure() {
  local label=$1; shift
  start_server "$@"
  echo "$label"
  warm
  local items=() copies=()
  for _ in $(seq 1 "$rounds"); do
    items+=("$(run "")")
    copies+=("$(run /bench/copy)")
  done
  local mi mc
  mi=$(median "${items[@]}"); mc=$(median "${copies[@]}")
  echo "  $what: ${items[*]} req/s (median $mi)"
  echo "  same bytes from memory:  ${copies[*]} req/s (median $mc)"
  awk -v a="$mi" -v b="$mc" -v t="$target" -v w="$what" 'BEGIN {printf "  %s / same bytes = %.2f%s\n", w, a / b, t}'
}

# byid_paths: 64 industrial parks by id, spread over the layer, in place
# of the boxes (run after start_server).
byid_paths() {
  python3 - "$work/paths.lua" "$base" <<'PY'
import json, sys, urllib.request
base = sys.argv[2]
n = json.load(urllib.request.urlopen(base + "/collections/industrial-parks/items?limit=1"))["numberMatched"]
paths = []
for i in range(64):
    doc = json.load(urllib.request.urlopen(base + "/collections/industrial-parks/items?limit=1&offset=%d" % (i * (n // 64))))
    paths.append("/collections/industrial-parks/items/" + doc["features"][0]["id"])
with open(sys.argv[1], "w") as f:
    f.write("paths = {\n" + ",\n".join('"%s"' % p for p in paths) + "\n}\n")
PY
}

echo "$features generated features; wrk -t2 -c32, ${seconds}s per run, $rounds rounds, medians"
what="items (bbox, limit=100)"
target=" (target >= 0.50)"
measure "every request searches the index, counts and sorts its matches (match cache off): the figure that counts" --match-cache-mib 0
target=" (repeated queries only; not the target figure)"
measure "with the match cache (the default: a query repeated, as when a client pages through it, is searched once)"
target=" (target >= 0.90)" what="one feature by id"
start_server
byid_paths
measure "one feature by id (64 ids in turn), against the same bytes from memory"
