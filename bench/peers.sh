#!/usr/bin/env bash
# planmap on PostGIS against pg_featureserv and pg_tileserv on the same
# database, the same requests, measured with wrk in one run.
#
# Generates a dataset (`planmap gen --features N`, default 100,000),
# imports it into a throwaway PostgreSQL + PostGIS cluster (bench/pg.sh,
# PostgreSQL's default settings) or into the empty database in
# $PLANMAP_STORE, and serves that one database three ways: planmap
# (`serve --store URL`), pg_featureserv and pg_tileserv. Rounds alternate
# between the servers; the median of each figure is reported, and the
# ratio planmap / peer. The requests:
#
#   items    GET items of industrial-parks with a bbox (64 boxes of ~0.1°
#            around features, in turn) and limit=100; planmap with its match
#            cache off, so every request searches (pg_featureserv queries
#            PostgreSQL each time). The script first checks that both return
#            the same number of features for every box.
#   corridors  GET items of corridors with a bbox (64 boxes of ~0.1° around
#            corridor vertices) and limit=100, every request searching; and
#            the first such request of a freshly started server (curl's
#            time_total, a new box each round, median over the rounds).
#   feature  GET one industrial park by id (64 ids in turn). pg_featureserv
#            takes ids only from an integer primary key, and planmap keys by
#            text: it reads a copy of the table with an integer key added.
#   tiles    z6-z14 tiles around features, all five layers in each tile
#            (pg_tileserv: /public.corridors,public.enclaves,...); warm: 64
#            tiles requested over and over (planmap's tile cache serves them;
#            pg_tileserv has none and renders each from PostGIS); cold:
#            $COLD_TILES (default 2000) distinct tiles in random order, each
#            requested once (curl --parallel, 32 at a time) from a planmap
#            started afresh for the round (its cache empty, its tiles
#            prepared: it prepares them after /readyz, and start-up is
#            measured apart, below); tiles/s. Then, on the same fresh
#            planmap, per zoom in $COLD_ZOOMS (default "12 14"): up to
#            $COLD_ZOOM_TILES (default 400) distinct tiles of that zoom, none
#            requested before, all five layers; and industrial parks alone
#            (planmap's /collections/industrial-parks/tiles/WebMercatorQuad,
#            pg_tileserv's /public.industrial_parks with planmap's 7 tile
#            properties), so the high zooms are not averaged with the low;
#            each list is then fetched again from planmap's tile cache, the
#            client's own ceiling for that list.
#
# Then start-up: the time from launch until /readyz answers, for planmap
# loading the N features from PostGIS and from the GeoJSON files, median of
# 3 each, and for STARTUP_FEATURES (e.g. "100000 1000000") larger datasets
# too (each generated and imported into a database of its own).
#
# The peers are built from their source for the benchmark only, outside
# this repository (nothing of theirs is committed or vendored here):
#
#   git clone https://github.com/CrunchyData/pg_featureserv /work/peers/pg_featureserv
#   git clone https://github.com/CrunchyData/pg_tileserv   /work/peers/pg_tileserv
#   (cd /work/peers/pg_featureserv && go build -o /work/peers/bin/pg_featureserv .)
#   (cd /work/peers/pg_tileserv && go build -o /work/peers/bin/pg_tileserv .)
#
# and found in $PG_FEATURESERV and $PG_TILESERV (default
# /work/peers/bin/pg_featureserv and /work/peers/bin/pg_tileserv); a peer
# that is missing is skipped with a message. Both run as shipped (pool of
# 4 connections, no cache).
#
#   bench/peers.sh [FEATURES] [SECONDS] [ROUNDS]     (100000 8 3)
#
# Needs bin/planmap (make build), wrk, curl, python3, psql and, for the
# throwaway cluster, postgresql-15 and postgresql-15-postgis-3. Loopback
# only; everything is stopped and removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
features=${1:-100000}
seconds=${2:-8}
rounds=${3:-3}
bin=${PLANMAP_BIN:-bin/planmap}
featureserv=${PG_FEATURESERV:-/work/peers/bin/pg_featureserv}
tileserv=${PG_TILESERV:-/work/peers/bin/pg_tileserv}
startup_features=${STARTUP_FEATURES:-$features}
cold_tiles=${COLD_TILES:-2000}
cold_zooms=${COLD_ZOOMS:-12 14}
cold_zoom_tiles=${COLD_ZOOM_TILES:-400}
. bench/lib.sh
. bench/pg.sh
bench_init bench/peers.sh
[ -x "$featureserv" ] || { echo "pg_featureserv not found at $featureserv (see this script's header to build it): its figures are skipped"; featureserv=; }
[ -x "$tileserv" ] || { echo "pg_tileserv not found at $tileserv (see this script's header to build it): its figures are skipped"; tileserv=; }
pg_start

elapsed() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN {printf "%.2f", e - s}'; }

# dataset N: generates N features into $work/gen-N once.
dataset() {
  [ -f "$work/gen-$1/corridors.geojson" ] || "$bin" gen --features "$1" --seed 1 --out "$work/gen-$1" >/dev/null
  echo "$work/gen-$1"
}

t0=$(date +%s.%N)
dir=$(dataset "$features")
echo "generated $features features in $(elapsed "$t0") s"
t0=$(date +%s.%N)
"$bin" import --store "$store_url" "$dir" >/dev/null
echo "planmap import of $features features into PostGIS: $(elapsed "$t0") s"
# pg_featureserv takes feature ids only from an integer primary key; planmap
# keys its tables by text. For the one-feature request it reads a copy of
# the layer with an integer key added (fid), the same rows and indexes.
"${pg_psql[@]}" -c "CREATE TABLE peers_industrial_parks AS SELECT (row_number() OVER (ORDER BY id))::integer AS fid, * FROM industrial_parks;
  ALTER TABLE peers_industrial_parks ADD PRIMARY KEY (fid); CREATE INDEX ON peers_industrial_parks USING gist (geom);
  ALTER TABLE peers_industrial_parks ALTER COLUMN geom TYPE geometry(Geometry, 4326); ANALYZE" >/dev/null

# Servers. start_* set the base URL and pid; stop_all ends them.
pids=()
stop_all() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
bench_exit_hooks+=(stop_all)
planmap_pid=
start_planmap() { # start_planmap ARGS...: planmap serve ARGS on a free port
  local port
  port=$(free_port)
  "$bin" serve --addr "127.0.0.1:$port" --access-log=false --match-cache-mib 0 "$@" >/dev/null 2>"$work/planmap.log" &
  planmap_pid=$!
  pids+=("$planmap_pid")
  planmap="http://127.0.0.1:$port"
  wait_http "$planmap/readyz" "$planmap_pid" "$work/planmap.log" 6000
}
stop_planmap() {
  kill "$planmap_pid" 2>/dev/null || true
  wait "$planmap_pid" 2>/dev/null || true
}
# The peers start in well under a second and are started afresh before
# each of their runs: pg_featureserv loses a pool connection for every
# request a client abandons mid-answer (as wrk does when its time is up)
# and, its pool of 4 gone, answers nothing more.
fs_pid= ts_pid=
start_fs() {
  [ -z "$fs_pid" ] || { kill "$fs_pid" 2>/dev/null || true; wait "$fs_pid" 2>/dev/null || true; }
  local port
  port=$(free_port)
  (cd "$work" && DATABASE_URL=$store_url PGFS_SERVER_HTTPHOST=127.0.0.1 PGFS_SERVER_HTTPPORT=$port exec "$featureserv") >"$work/featureserv.log" 2>&1 &
  fs_pid=$!
  pids+=("$fs_pid")
  fs="http://127.0.0.1:$port"
  wait_http "$fs/collections.json" "$fs_pid" "$work/featureserv.log"
}
start_ts() {
  [ -z "$ts_pid" ] || { kill "$ts_pid" 2>/dev/null || true; wait "$ts_pid" 2>/dev/null || true; }
  local port
  port=$(free_port)
  (cd "$work" && DATABASE_URL=$store_url TS_HTTPHOST=127.0.0.1 TS_HTTPPORT=$port exec "$tileserv") >"$work/tileserv.log" 2>&1 &
  ts_pid=$!
  pids+=("$ts_pid")
  ts="http://127.0.0.1:$port"
  wait_http "$ts/index.json" "$ts_pid" "$work/tileserv.log"
}
[ -z "$featureserv" ] || start_fs
[ -z "$tileserv" ] || start_ts
start_planmap --store "$store_url"
wait_tiles "$planmap" "$planmap_pid" "$work/planmap.log"

# The requests, from the database: boxes and ids of industrial parks,
# tiles around a sample of every layer's features.
"${pg_psql[@]}" -F ' ' -c "SELECT id, fid, ST_X(p), ST_Y(p) FROM (SELECT id, fid, ST_PointOnSurface(geom) AS p FROM peers_industrial_parks ORDER BY md5(id) LIMIT 64) s" > "$work/parks"
"${pg_psql[@]}" -F ' ' -c "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM (
  SELECT geom FROM industrial_parks UNION ALL SELECT geom FROM ports UNION ALL SELECT geom FROM corridors
  UNION ALL SELECT geom FROM enclaves UNION ALL SELECT geom FROM ecological_spaces) a ORDER BY random() LIMIT 40000) s" > "$work/points"
"${pg_psql[@]}" -F ' ' -c "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM industrial_parks ORDER BY md5(id) LIMIT 20000) s" > "$work/park-points"
"${pg_psql[@]}" -F ' ' -c "SELECT ST_X(p), ST_Y(p) FROM (SELECT (ST_DumpPoints(geom)).geom AS p FROM (SELECT geom FROM corridors ORDER BY md5(id) LIMIT 200) c) s ORDER BY md5(ST_AsText(p)) LIMIT 64 + $rounds" > "$work/corridor-points"
python3 - "$work" "$cold_tiles" "$cold_zooms" "$cold_zoom_tiles" <<'PY'
import math, random, sys
work = sys.argv[1]
random.seed(3)
parks = [l.split() for l in open(work + "/parks")]
points = [tuple(map(float, l.split())) for l in open(work + "/points")]
park_points = [tuple(map(float, l.split())) for l in open(work + "/park-points")]
corridor_points = [tuple(map(float, l.split())) for l in open(work + "/corridor-points")]
cold_zooms = [int(z) for z in sys.argv[3].split()]
cold_zoom_tiles = int(sys.argv[4])
def tile(lon, lat, z):
    n = 2 ** z
    r = math.radians(lat)
    return z, int((lon + 180) / 360 * n), int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)
def write(name, paths):
    with open("%s/%s.lua" % (work, name), "w") as f:
        f.write("paths = {\n" + ",\n".join('"%s"' % p for p in paths) + "\n}\n")
boxes = ["%.4f,%.4f,%.4f,%.4f" % (float(x) - .05, float(y) - .05, float(x) + .05, float(y) + .05) for _, _, x, y in parks]
open(work + "/boxes", "w").write("\n".join(boxes) + "\n")
write("items-planmap", ["/collections/industrial-parks/items?bbox=%s&limit=100" % b for b in boxes])
write("items-fs", ["/collections/public.industrial_parks/items.json?bbox=%s&limit=100" % b for b in boxes])
cboxes = ["%.4f,%.4f,%.4f,%.4f" % (x - .05, y - .05, x + .05, y + .05) for x, y in corridor_points]
write("corridors-planmap", ["/collections/corridors/items?bbox=%s&limit=100" % b for b in cboxes[:64]])
write("corridors-fs", ["/collections/public.corridors/items.json?bbox=%s&limit=100" % b for b in cboxes[:64]])
# one box per round, none of the 64, for the first request of a fresh server
open(work + "/corridors-first", "w").write("".join(b + "\n" for b in cboxes[64:]))
write("feature-planmap", ["/collections/industrial-parks/items/%s" % p[0] for p in parks])
write("feature-fs", ["/collections/public.peers_industrial_parks/items/%s.json" % p[1] for p in parks])
layers = "public.corridors,public.enclaves,public.ecological_spaces,public.industrial_parks,public.ports"
# warm: 64 tiles spread over z6-z14 (low zooms have few distinct tiles:
# the rest come from the higher ones).
by_zoom = {z: sorted({tile(*p, z) for p in points}) for z in range(6, 15)}
warm = []
for z in range(6, 15):
    want = (64 - len(warm)) // (15 - z)
    warm += random.sample(by_zoom[z], min(want, len(by_zoom[z])))
seen = set(warm)
cold = set()
for p in points:
    for z in range(6, 15):
        cold.add(tile(*p, z))
cold = sorted(cold - seen)
random.shuffle(cold)
write("tiles-warm-planmap", ["/tiles/%d/%d/%d.mvt" % t for t in warm])
write("tiles-warm-ts", ["/%s/%d/%d/%d.pbf" % ((layers,) + t) for t in warm])
rest = cold[int(sys.argv[2]):]
cold = cold[:int(sys.argv[2])]
open(work + "/tiles-cold-planmap", "w").write("".join("/tiles/%d/%d/%d.mvt\n" % t for t in cold))
open(work + "/tiles-cold-ts", "w").write("".join("/%s/%d/%d/%d.pbf\n" % ((layers,) + t) for t in cold))
# per zoom: tiles none of the lists above requests (so a planmap that served
# them is still cold for these), all layers and industrial parks alone.
used = set(cold) | seen
park_fields = "id,name,name_en,kind,status,target_year,city"
for z in cold_zooms:
    mine = [t for t in rest if t[0] == z][:cold_zoom_tiles]
    used |= set(mine)
    open(work + "/tiles-z%d-planmap" % z, "w").write("".join("/tiles/%d/%d/%d.mvt\n" % t for t in mine))
    open(work + "/tiles-z%d-ts" % z, "w").write("".join("/%s/%d/%d/%d.pbf\n" % ((layers,) + t) for t in mine))
    ptiles = sorted({tile(*p, z) for p in park_points} - used)
    random.shuffle(ptiles)
    ptiles = ptiles[:cold_zoom_tiles]
    used |= set(ptiles)
    open(work + "/parks-z%d-planmap" % z, "w").write("".join("/collections/industrial-parks/tiles/WebMercatorQuad/%d/%d/%d\n" % (t[0], t[2], t[1]) for t in ptiles))
    open(work + "/parks-z%d-ts" % z, "w").write("".join("/public.industrial_parks/%d/%d/%d.pbf?properties=%s\n" % (t + (park_fields,)) for t in ptiles))
    print("  z%d cold: %d tiles of all layers, %d of industrial parks" % (z, len(mine), len(ptiles)))
print("requests: 64 boxes, 64 ids, 64 warm tiles (z6-z14), %d cold tiles in random order (%s)" % (
    len(cold), ", ".join("z%d: %d" % (z, sum(1 for t in cold if t[0] == z)) for z in range(6, 15))))
PY

# The wrk scripts: each thread takes every other path (no path twice in a
# pass), all of them from request 1. gzip is accepted except for single
# features (small).
for f in "$work"/*.lua; do
  headers='{["Accept-Encoding"] = "gzip"}'
  case $f in */feature-*) headers='{}' ;; esac
  cat > "${f%.lua}.wrk.lua" <<LUA
dofile("$f")
local threads = {}
function setup(thread) thread:set("id", #threads); table.insert(threads, thread) end
function init(args) i = id - 2 end
request = function()
  i = i + 2
  return wrk.format("GET", paths[(i % #paths) + 1], $headers)
end
LUA
done

# rate BASE NAME: wrk over $work/NAME.wrk.lua (answers within 10 s count);
# sets $rate_out (requests/s) and $requests (made); fails on a non-2xx
# answer or when nothing was answered.
rate() {
  wrk -t2 -c32 -d"${seconds}s" --timeout 10s -s "$work/$2.wrk.lua" "$1" > "$work/wrk.out" 2>&1
  if grep -q 'Non-2xx' "$work/wrk.out"; then
    echo "FAIL: $2 on $1: $(grep 'Non-2xx' "$work/wrk.out")" >&2; cat "$work/wrk.out" >&2; exit 1
  fi
  requests=$(awk '/requests in/ {print $1}' "$work/wrk.out")
  if [ "${requests:-0}" = 0 ]; then
    echo "FAIL: $2 on $1:" >&2; cat "$work/wrk.out" >&2; exit 1
  fi
  if grep -q 'Socket errors' "$work/wrk.out"; then
    echo "  note: $2: $(grep 'Socket errors' "$work/wrk.out" | sed 's/^ *//') (answers slower than 10 s are not counted)"
  fi
  rate_out=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
}

# proc_cpu PID...: CPU seconds (user + system) used so far by the processes
# PID..., their reaped children included, and by their live children (the
# PostgreSQL backends of the postmaster).
proc_cpu() {
  python3 - "$@" <<'PY'
import os, sys
hz = os.sysconf("SC_CLK_TCK")
def fields(pid):
    try:
        text = open("/proc/%s/stat" % pid).read()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()
roots = set(sys.argv[1:])
ticks = 0
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    f = fields(pid)
    if f is None:
        continue
    if pid in roots:
        ticks += sum(int(x) for x in f[11:15])
    elif f[1] in roots:
        ticks += int(f[11]) + int(f[12])
print("%.3f" % (ticks / hz))
PY
}

# cold BASE NAME [PID...]: tiles/s fetching every path of $work/NAME once
# with curl, 32 in parallel over kept-alive connections; sets $rate_out, and
# $cpu_out to the server's CPU milliseconds per tile when PIDs (the server's
# processes) are given; fails on a non-2xx answer.
cold() {
  awk -v b="$1" '{printf "url = \"%s%s\"\noutput = \"/dev/null\"\n", b, $0}' "$work/$2" > "$work/curl.cfg"
  local t0 n bad c0=
  [ $# -le 2 ] || c0=$(proc_cpu "${@:3}")
  t0=$(date +%s.%N)
  curl -s --no-progress-meter -Z --parallel-max 32 -H 'Accept-Encoding: gzip' -w '%{http_code}\n' -K "$work/curl.cfg" > "$work/codes"
  rate_out=$(awk -v s="$t0" -v e="$(date +%s.%N)" -v n="$(wc -l < "$work/codes")" 'BEGIN {printf "%.1f", n / (e - s)}')
  n=$(wc -l < "$work/$2"); bad=$(grep -vc '^2' "$work/codes" || true)
  [ "$bad" = 0 ] && [ "$(wc -l < "$work/codes")" = "$n" ] || { echo "FAIL: cold $2 on $1: $bad of $n answers not 2xx" >&2; exit 1; }
  cpu_out=
  [ -z "$c0" ] || cpu_out=$(awk -v a="$c0" -v b="$(proc_cpu "${@:3}")" -v n="$n" 'BEGIN {printf "%.3f", (b - a) * 1000 / n}')
}
# The PostgreSQL server's own process (the postmaster; its backends are its
# children), when the cluster is this script's own.
postmaster=
[ -z "$pg_own" ] || postmaster=$(head -1 "$pg_dir/data/postmaster.pid")

# Same answers: both return as many features for every box; one feature
# each; the five-layer tile of each warm path is non-empty on both.
if [ -n "$featureserv" ]; then
  python3 - "$planmap" "$fs" "$work/boxes" <<'PY'
import json, sys, urllib.request
planmap, fs, boxes = sys.argv[1], sys.argv[2], open(sys.argv[3]).read().split()
diff = 0
total = 0
for b in boxes:
    a = json.load(urllib.request.urlopen("%s/collections/industrial-parks/items?bbox=%s&limit=100" % (planmap, b)))
    c = json.load(urllib.request.urlopen("%s/collections/public.industrial_parks/items.json?bbox=%s&limit=100" % (fs, b)))
    na, nc = len(a["features"]), len(c["features"])
    total += na
    if na != nc:
        diff += 1
        print("  box %s: planmap returns %d features, pg_featureserv %d" % (b, na, nc))
print("  same answers: items with bbox return %d features over 64 boxes (mean %.0f), the same count from both on %d of 64" % (total, total / 64, 64 - diff))
PY
fi

sizes() { # sizes BASE NAME: mean gzip bytes of the first 64 paths
  python3 - "$1" "$work/$2.lua" <<'PY'
import re, sys, urllib.request
paths = re.findall(r'"([^"]+)"', open(sys.argv[2]).read())[:64]
n = 0
for p in paths:
    with urllib.request.urlopen(urllib.request.Request(sys.argv[1] + p, headers={"Accept-Encoding": "gzip"})) as r:
        n += len(r.read())
print(n // len(paths))
PY
}
# Every list's first path answers 200 on its server.
for pair in "$planmap items-planmap" "$planmap feature-planmap" "$planmap tiles-warm-planmap" \
  ${featureserv:+"$fs items-fs" "$fs feature-fs"} ${tileserv:+"$ts tiles-warm-ts"}; do
  set -- $pair
  path=$(grep -m1 -o '"/[^"]*"' "$work/$2.lua" | tr -d '"')
  code=$(curl -s -o "$work/first" -w '%{http_code}' "$1$path")
  [ "$code" = 200 ] || { echo "FAIL: $1$path answers $code: $(head -c 300 "$work/first")" >&2; exit 1; }
done

echo "mean response bytes (gzip accepted): items planmap $(sizes "$planmap" items-planmap)${fs:+, pg_featureserv $(sizes "$fs" items-fs)};" \
  "warm tiles planmap $(sizes "$planmap" tiles-warm-planmap)${ts:+, pg_tileserv $(sizes "$ts" tiles-warm-ts)}"

echo "wrk -t2 -c32, ${seconds}s per run, $rounds rounds, medians (req/s)"
declare -A fig cpu
measure() { # measure KEY BASE: one run, added to the figures
  rate "$2" "$1"
  fig[$1]="${fig[$1]:-} $rate_out"
}
# first BASE PATH: curl's total time of one request, in ms.
first() {
  local code
  code=$(curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{http_code} %{time_total}' "$1$2")
  [ "${code%% *}" = 200 ] || { echo "FAIL: first request $1$2 answers ${code%% *}" >&2; exit 1; }
  awk -v t="${code#* }" 'BEGIN {printf "%.2f", t * 1000}'
}
for round in $(seq 1 "$rounds"); do
  measure items-planmap "$planmap"
  [ -z "$featureserv" ] || { start_fs; measure items-fs "$fs"; }
  measure corridors-planmap "$planmap"
  [ -z "$featureserv" ] || { start_fs; measure corridors-fs "$fs"; }
  measure feature-planmap "$planmap"
  [ -z "$featureserv" ] || { start_fs; measure feature-fs "$fs"; }
  rate "$planmap" tiles-warm-planmap # fills the tile cache
  measure tiles-warm-planmap "$planmap"
  [ -z "$tileserv" ] || { start_ts; rate "$ts" tiles-warm-ts; start_ts; measure tiles-warm-ts "$ts"; }
  # cold: a planmap started afresh, each tile requested once.
  stop_planmap
  start_planmap --store "$store_url"
  wait_tiles "$planmap" "$planmap_pid" "$work/planmap.log"
  box=$(sed -n "${round}p" "$work/corridors-first")
  fig[corridors-first-planmap]="${fig[corridors-first-planmap]:-} $(first "$planmap" "/collections/corridors/items?bbox=$box&limit=100")"
  if [ -n "$featureserv" ]; then
    start_fs
    fig[corridors-first-fs]="${fig[corridors-first-fs]:-} $(first "$fs" "/collections/public.corridors/items.json?bbox=$box&limit=100")"
  fi
  for list in tiles-cold $(for z in $cold_zooms; do echo "tiles-z$z parks-z$z"; done); do
    cold "$planmap" "$list-planmap" "$planmap_pid"
    fig[$list-planmap]="${fig[$list-planmap]:-} $rate_out"
    cpu[$list-planmap]="${cpu[$list-planmap]:-} $cpu_out"
    # the same list again, now from planmap's tile cache: the client's own
    # ceiling (curl, connections), which a cold figure cannot pass
    cold "$planmap" "$list-planmap"
    fig[$list-again]="${fig[$list-again]:-} $rate_out"
    if [ -n "$tileserv" ]; then
      start_ts
      cold "$ts" "$list-ts" "$ts_pid" $postmaster
      fig[$list-ts]="${fig[$list-ts]:-} $rate_out"
      [ -z "$cpu_out" ] || cpu[$list-ts]="${cpu[$list-ts]:-} $cpu_out"
    fi
  done
  echo "  round $round done"
done

report() { # report LABEL KEY PEER-KEY PEER-NAME
  local a b
  a=$(median ${fig[$2]})
  printf '  %-34s planmap %9.1f  [%s]\n' "$1" "$a" "${fig[$2]# }"
  if [ -n "${3:-}" ] && [ -n "${fig[$3]:-}" ]; then
    b=$(median ${fig[$3]})
    printf '  %-34s %-7s %9.1f  [%s]   planmap / %s = %.1f×\n' "" "$4" "$b" "${fig[$3]# }" "$4" "$(awk -v a="$a" -v b="$b" 'BEGIN {print a / b}')"
  fi
}
echo "results, $features features (req/s, median of $rounds; the runs in brackets)"
report "items bbox limit=100" items-planmap items-fs pg_featureserv
report "corridors bbox limit=100" corridors-planmap corridors-fs pg_featureserv
report "one feature by id" feature-planmap feature-fs pg_featureserv
report "tiles z6-z14, warm (repeated)" tiles-warm-planmap tiles-warm-ts pg_tileserv
report "tiles z6-z14, cold (distinct)" tiles-cold-planmap tiles-cold-ts pg_tileserv
for z in $cold_zooms; do
  report "tiles z$z, cold, all layers" "tiles-z$z-planmap" "tiles-z$z-ts" pg_tileserv
  report "  the same again, cached" "tiles-z$z-again"
  report "tiles z$z, cold, industrial parks" "parks-z$z-planmap" "parks-z$z-ts" pg_tileserv
  report "  the same again, cached" "parks-z$z-again"
done
# server CPU per cold tile: lower is better, so the ratio is peer / planmap
echo "server CPU per cold tile (ms; pg_tileserv's with PostgreSQL's backends), median of $rounds"
for list in tiles-cold $(for z in $cold_zooms; do echo "tiles-z$z parks-z$z"; done); do
  a=$(median ${cpu[$list-planmap]})
  if [ -n "${cpu[$list-ts]:-}" ]; then
    b=$(median ${cpu[$list-ts]})
    printf '  %-34s planmap %7.3f  pg_tileserv %7.3f   pg_tileserv / planmap = %.1f×\n' "$list" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN {print b / a}')"
  else
    printf '  %-34s planmap %7.3f\n' "$list" "$a"
  fi
done
# first request: milliseconds, lower is better, so the ratio is peer / planmap
a=$(median ${fig[corridors-first-planmap]})
printf '  %-34s planmap %9.2f ms  [%s]\n' "first corridors request (ms)" "$a" "${fig[corridors-first-planmap]# }"
if [ -n "${fig[corridors-first-fs]:-}" ]; then
  b=$(median ${fig[corridors-first-fs]})
  printf '  %-34s %-7s %9.2f ms  [%s]   pg_featureserv / planmap = %.1f×\n' "" pg_featureserv "$b" "${fig[corridors-first-fs]# }" "$(awk -v a="$a" -v b="$b" 'BEGIN {print b / a}')"
fi
stop_all

# Start-up: PostGIS against the GeoJSON files.
echo "start-up of planmap until /readyz (median of 3; the runs in brackets)"
for n in $startup_features; do
  url=$store_url
  if [ "$n" != "$features" ]; then
    if [ -z "$pg_own" ]; then
      echo "  $n features: skipped (needs the throwaway cluster, not \$PLANMAP_STORE)"
      continue
    fi
    t0=$(date +%s.%N)
    d=$(dataset "$n")
    echo "  generated $n features in $(elapsed "$t0") s"
    "${pg_psql[@]}" -c "CREATE DATABASE planmap_$n" >/dev/null
    url="postgres://postgres@127.0.0.1:$pg_port/planmap_$n?sslmode=disable"
    psql -X -q "$url" -c "CREATE EXTENSION postgis" >/dev/null
    t0=$(date +%s.%N)
    "$bin" import --store "$url" "$d" >/dev/null
    echo "  planmap import of $n features: $(elapsed "$t0") s"
  fi
  d=$(dataset "$n")
  from_pg=() from_files=()
  for _ in 1 2 3; do
    t0=$(date +%s.%N); start_planmap --store "$url"; from_pg+=("$(elapsed "$t0")"); stop_planmap
    t0=$(date +%s.%N); start_planmap --data "$d" --watch=false; from_files+=("$(elapsed "$t0")"); stop_planmap
  done
  mp=$(median "${from_pg[@]}"); mf=$(median "${from_files[@]}")
  printf '  %8d features: from PostGIS %6.2f s [%s], from GeoJSON files %6.2f s [%s]: PostGIS / files = %.2f (goal <= 2)\n' \
    "$n" "$mp" "${from_pg[*]}" "$mf" "${from_files[*]}" "$(awk -v a="$mp" -v b="$mf" 'BEGIN {print a / b}')"
done
