#!/usr/bin/env bash
# Load test of cached vector tiles with wrk.
#
# Serves a generated dataset (default 1,000,000 features; the data folder
# is kept in $PLANMAP_BENCH_DATA, default /tmp/planmap-bench-<N>, so later
# runs skip generating it), warms 64 tiles that hold features (zooms 10 to
# 16, around the generated towns) and measures requests per second for
# them, gzip accepted, against /bench/copy of the very same URLs: the same
# server returning the same bytes (and Content-Encoding) from memory. The
# ratio tiles/copy is the figure to compare (target >= 0.80); absolute
# numbers depend on the machine and on whatever else it is doing. Rounds
# alternate to spread noise; the median of each is reported.
#
#   bench/tiles.sh [FEATURES] [SECONDS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
features=${1:-1000000}
seconds=${2:-8}
rounds=${3:-3}
bin=${PLANMAP_BIN:-bin/planmap}
data=${PLANMAP_BENCH_DATA:-/tmp/planmap-bench-$features}
. bench/lib.sh
bench_init bench/tiles.sh

if [ ! -f "$data/corridors.geojson" ]; then
  echo "generating $features features into $data"
  "$bin" gen --features "$features" --seed 1 --out "$data" >/dev/null
fi

port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
started=$(date +%s)
"$bin" serve --data "$data" --addr "127.0.0.1:$port" --bench-endpoints 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 3000); do
  curl -sf "$base/tiles.json" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "server exited:"; cat "$work/server.log"; exit 1; }
  sleep 0.2
done
curl -sf "$base/tiles.json" >/dev/null || { echo "server did not start:"; cat "$work/server.log"; exit 1; }
echo "$features generated features, served after $(( $(date +%s) - started )) s (load, index, prepare tiles)"

# 64 tiles holding features, zooms 10-16 around the generated towns; each
# fetched once from the tiles and once through the copy (which keeps it).
python3 - "$base" "$work/paths.lua" <<'PY'
import math, random, sys, urllib.request
base, out = sys.argv[1], sys.argv[2]
random.seed(7)
towns = [(120.70, 28.00), (120.65, 27.78), (120.98, 28.11), (120.57, 27.66), (120.43, 27.52),
         (118.59, 24.91), (118.55, 24.78), (118.65, 24.73), (118.39, 24.96), (119.30, 26.08)]
def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    r = math.radians(lat)
    y = int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)
    return z, x, y
def get(path):
    req = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req) as r:
        return r.status, r.read()
paths, sizes, seen = [], [], set()
while len(paths) < 64:
    lon, lat = random.choice(towns)
    z = random.randint(10, 16)
    spread = 0.2 * 2 ** (10 - z) if z > 10 else 0.2
    t = tile(lon + random.uniform(-spread, spread), lat + random.uniform(-spread, spread), z)
    if t in seen:
        continue
    seen.add(t)
    p = "/tiles/%d/%d/%d.mvt" % t
    status, body = get(p)
    if status != 200:
        continue
    get("/bench/copy" + p)
    paths.append(p)
    sizes.append(len(body))
sizes.sort()
print("  %d tiles, gzip bytes: median %d, max %d" % (len(paths), sizes[len(sizes) // 2], sizes[-1]))
with open(out, "w") as f:
    f.write("paths = {\n" + ",\n".join('"%s"' % p for p in paths) + "\n}\n")
PY
write_rotation '{["Accept-Encoding"] = "gzip"}'

echo "wrk -t2 -c32, ${seconds}s per run, $rounds rounds, medians"
tiles=() copies=()
for _ in $(seq 1 "$rounds"); do
  tiles+=("$(run "")")
  copies+=("$(run /bench/copy)")
done
mt=$(median "${tiles[@]}"); mc=$(median "${copies[@]}")
echo "  cached tiles (gzip):     ${tiles[*]} req/s (median $mt)"
echo "  same bytes from memory:  ${copies[*]} req/s (median $mc)"
awk -v a="$mt" -v b="$mc" 'BEGIN {printf "  tiles / trivial = %.2f (target >= 0.80)\n", a / b}'
