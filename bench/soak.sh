#!/usr/bin/env bash
# Soak test: mixed load for a long time against a generated dataset,
# watching memory and goroutines.
#
# Generates FEATURES features (default 100,000; `planmap gen --seed 1`),
# serves them editable (--data, PLANMAP_WRITE_TOKEN) on a random loopback
# port and runs, for SOAK_SECONDS (default 600), three wrk loads at once:
#   reads    wrk -t2 -c16: items by bbox (45 %), tiles at zooms 4 to 14
#            (40 %) and /search (SEARCH_PCT, default 15 %: names, pinyin,
#            initials, English);
#   analysis wrk -t1 -c1: coverage and buffer of one or two corridors;
#   writes   wrk -t1 -c1: merge-patch PATCHes of ports' status with the
#            token, one every WRITE_DELAY_MS (default 500) ms.
# Every SAMPLE_SECONDS (10) it records the server's RSS (VmRSS of
# /proc/PID/status) and go_goroutines from /metrics.
#
# It fails (exit 1) on any 5xx or socket error, when memory does not level
# off (the mean RSS of the last third of the samples more than
# RSS_GROWTH_PCT, default 20, % above the middle third's), when the
# goroutines grow likewise, or when the reads' p99 latency is above
# P99_MS (default 1000 ms). ANALYSIS=0 or WRITES=0 leaves that load out
# (to tell which one costs the reads). Everything runs on 127.0.0.1 and ends with the
# script.
#
# PORT sets the port (default: a random one from 20000).
#
#   SOAK_SECONDS=120 bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
features=${FEATURES:-100000}
seconds=${SOAK_SECONDS:-600}
sample=${SAMPLE_SECONDS:-10}
p99_bound=${P99_MS:-1000}
growth=${RSS_GROWTH_PCT:-20}
write_delay=${WRITE_DELAY_MS:-500}
bin=${PLANMAP_BIN:-bin/planmap}
. bench/lib.sh
bench_init bench/soak.sh
command -v python3 >/dev/null || { echo "bench/soak.sh: python3 is needed" >&2; exit 1; }

echo "generating $features features..."
"$bin" gen --features "$features" --seed 1 --out "$work/data" >/dev/null
token=soak-$RANDOM$RANDOM
port=${PORT:-$((20000 + RANDOM % 20000))}
base="http://127.0.0.1:$port"
PLANMAP_WRITE_TOKEN=$token "$bin" serve --data "$work/data" --addr "127.0.0.1:$port" \
  --access-log=false --log-level warn --watch=false 2>"$work/server.log" >/dev/null &
server_pid=$!
for _ in $(seq 1 1200); do
  curl -sf "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "server exited:"; cat "$work/server.log"; exit 1; }
  sleep 0.1
done
curl -sf "$base/readyz" >/dev/null || { echo "server not ready:"; cat "$work/server.log"; exit 1; }

# The URLs: read from the running server so they name real features.
python3 - "$base" "$work" "${SEARCH_PCT:-15}" <<'PY'
import json, math, random, sys, urllib.parse, urllib.request
base, work = sys.argv[1], sys.argv[2]
search = float(sys.argv[3]) / 100
random.seed(14)
get = lambda p: json.load(urllib.request.urlopen(base + p))
def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return "/tiles/%d/%d/%d.mvt" % (z, x, y)
towns = [(120.70, 28.00), (120.65, 27.78), (120.98, 28.11), (120.57, 27.66), (120.43, 27.52),
         (118.59, 24.91), (118.55, 24.78), (118.65, 24.73), (118.39, 24.96), (119.30, 26.08)]
names = []
for layer in ("ports", "industrial-parks", "enclaves"):
    for f in get("/collections/%s/items?limit=200" % layer)["features"]:
        names.append((f["properties"].get("name") or "", f["properties"].get("name_en") or ""))
queries = ["温州", "泉州", "港", "wenzhou", "quanzhou", "wz", "qz", "port", "park", "Wenzhou Port", "gang", "yuanqu"]
for zh, en in random.sample(names, 40):
    if zh:
        i = random.randrange(len(zh)); queries.append(zh[i:i + random.randint(1, 4)])
    if en:
        w = en.split(); queries.append(" ".join(random.sample(w, min(len(w), 2))))
reads = []
for i in range(400):
    r = random.random()
    x, y = random.choice(towns)
    x += random.uniform(-0.1, 0.1); y += random.uniform(-0.1, 0.1)
    if r < (1 - search) * 0.53:
        layer = random.choice(["industrial-parks", "ports", "corridors", "enclaves"])
        d = random.choice([0.05, 0.15, 0.3])
        reads.append("/collections/%s/items?bbox=%.4f,%.4f,%.4f,%.4f&limit=%d" % (layer, x - d, y - d, x + d, y + d, random.choice([10, 100])))
    elif r < 1 - search:
        reads.append(tile(x, y, random.choice([4, 6, 8, 10, 12, 14])))
    else:
        reads.append("/search?q=%s&limit=%d" % (urllib.parse.quote(random.choice(queries)), random.choice([10, 20])))
corridors = [c["id"] for c in get("/analysis/corridors")]
analysis = []
for i in range(40):
    ids = ",".join(random.sample(corridors, random.choice([1, 2])))
    if i % 2:
        analysis.append("/analysis/coverage?corridors=%s&distance=%d&targets=ports" % (ids, random.choice([1000, 5000])))
    else:
        analysis.append("/analysis/buffer?corridors=%s&distance=%d" % (ids, random.choice([500, 2000])))
ports = [f["id"] for f in get("/collections/ports/items?limit=100")["features"]]
writes = ["/collections/ports/items/%s" % urllib.parse.quote(i) for i in ports]
statuses = ["planned", "under_construction", "operational", "proposed"]
bodies = [json.dumps({"properties": {"status": s}}) for s in statuses]
def lua(name, paths, extra=""):
    with open("%s/%s.lua" % (work, name), "w") as f:
        f.write("paths = {\n" + ",\n".join(json.dumps(p) for p in paths) + "\n}\n" + extra)
lua("reads", reads); lua("analysis", analysis)
lua("writes", writes, "bodies = {\n" + ",\n".join(json.dumps(b) for b in bodies) + "\n}\n")
print("%d read URLs (%d search), %d analysis URLs, %d features written" % (len(reads), sum('/search' in p for p in reads), len(analysis), len(writes)))
PY

# One wrk script for the three loads: PATHS names the URL file, METHOD
# PATCH turns it into writes; statuses are counted per thread.
cat > "$work/load.lua" <<LUA
dofile(os.getenv("PATHS"))
local method = os.getenv("METHOD") or "GET"
local token = os.getenv("TOKEN") or ""
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) s5xx = 0; s4xx = 0; i = math.random(0, #paths) end
function delay() return delay_ms end
function request()
  i = i + 1
  local p = paths[(i % #paths) + 1]
  if method == "PATCH" then
    return wrk.format("PATCH", p, {["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/merge-patch+json"}, bodies[(i % #bodies) + 1])
  end
  return wrk.format("GET", p)
end
function response(status, headers, body)
  if status >= 500 then s5xx = s5xx + 1 elseif status >= 400 then s4xx = s4xx + 1 end
end
function done(summary, latency, requests)
  local a, b = 0, 0
  for _, t in ipairs(threads) do a = a + t:get("s5xx"); b = b + t:get("s4xx") end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f s5xx=%d s4xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, a, b, e.connect + e.read + e.write + e.timeout))
end
LUA

# Warm every read URL once, so the figures are of the steady state.
python3 - "$base" "$work/reads.lua" <<'PY'
import json, re, sys, urllib.request
for p in json.loads("[" + re.search(r"\{(.*)\}", open(sys.argv[2]).read(), re.S).group(1) + "]"):
    urllib.request.urlopen(sys.argv[1] + p).read()
PY

curl -s "$base/metrics" >"$work/metrics.before"
echo "soak: ${seconds}s against $features features at $base (pid $server_pid), sampling every ${sample}s"
PATHS=$work/reads.lua wrk -t2 -c16 -d"${seconds}s" --timeout 30s -s "$work/load.lua" "$base" >"$work/reads.out" 2>&1 &
reads_pid=$!
loads=reads pids=$reads_pid
if [ "${ANALYSIS:-1}" != 0 ]; then
  PATHS=$work/analysis.lua wrk -t1 -c1 -d"${seconds}s" --timeout 60s -s "$work/load.lua" "$base" >"$work/analysis.out" 2>&1 &
  loads="$loads analysis" pids="$pids $!"
fi
if [ "${WRITES:-1}" != 0 ]; then
  PATHS=$work/writes.lua METHOD=PATCH TOKEN=$token DELAY_MS=$write_delay wrk -t1 -c1 -d"${seconds}s" --timeout 30s -s "$work/load.lua" "$base" >"$work/writes.out" 2>&1 &
  loads="$loads writes" pids="$pids $!"
fi

: >"$work/samples"
start=$(date +%s)
while kill -0 "$reads_pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || echo 0)
  gor=$(curl -s --max-time 5 "$base/metrics" | awk '/^go_goroutines / {print $2}')
  t=$(( $(date +%s) - start ))
  echo "$t $rss ${gor:-0}" >>"$work/samples"
  printf '  t=%4ss  RSS %6d MiB  goroutines %s\n' "$t" $((rss / 1024)) "${gor:-?}"
  for _ in $(seq 1 "$sample"); do kill -0 "$reads_pid" 2>/dev/null || break; sleep 1; done
done
# shellcheck disable=SC2086
wait $pids || true
curl -s --max-time 10 "$base/metrics" >"$work/metrics.after" || true

# Latency per route, from the server's histograms (the soak's requests
# only: the scrape before the load is subtracted), estimated within the
# buckets as Prometheus's histogram_quantile does: for telling which kind
# of request is slow; the bound is on wrk's figures.
python3 - "$work/metrics.before" "$work/metrics.after" <<'PY' || true
import re, sys
def load(path):
    h = {}
    for line in open(path):
        m = re.match(r'planmap_http_request_duration_seconds_bucket\{(.*)\} (\S+)$', line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        key = (labels["route"], float(labels["le"]))
        h[key] = h.get(key, 0) + float(m.group(2))
    return h
before, after = load(sys.argv[1]), load(sys.argv[2])
routes = sorted({r for r, _ in after})
def quantile(q, buckets):
    total = buckets[-1][1]
    rank, lo, prev = q * total, 0.0, 0.0
    for le, n in buckets:
        if n >= rank:
            if le == float("inf"):
                return lo
            return lo + (le - lo) * ((rank - prev) / (n - prev) if n > prev else 1)
        lo, prev = le, n
    return lo
print("server-side latency by route (from /metrics buckets):")
for r in routes:
    b = sorted((le, after[(r, le)] - before.get((r, le), 0)) for rr, le in after if rr == r)
    if b[-1][1] == 0:
        continue
    print("  %-40s n=%7d  p50~%7.1f ms  p99~%7.1f ms" % (r, b[-1][1], 1000 * quantile(0.5, b), 1000 * quantile(0.99, b)))
PY

fail=0
for load in $loads; do
  line=$(grep '^RESULT' "$work/$load.out" || true)
  if [ -z "$line" ]; then echo "$load: wrk gave no result:"; cat "$work/$load.out"; fail=1; continue; fi
  echo "$load: ${line#RESULT }"
  case "$line" in *" s5xx=0 "*) ;; *) echo "FAIL: $load got 5xx answers"; fail=1 ;; esac
  case "$line" in *" socket_errors=0") ;; *) echo "FAIL: $load had socket errors"; fail=1 ;; esac
done
p99=$(grep '^RESULT' "$work/reads.out" | sed 's/.*p99_ms=\([0-9.]*\).*/\1/')
awk -v p="${p99:-1e9}" -v b="$p99_bound" 'BEGIN {exit !(p <= b)}' \
  && echo "reads p99 ${p99} ms <= ${p99_bound} ms" \
  || { echo "FAIL: reads p99 ${p99} ms above ${p99_bound} ms"; fail=1; }
# Memory and goroutines must level off: thirds of the samples compared.
awk -v g="$growth" '
  { t[NR] = $1; rss[NR] = $2; gor[NR] = $3 }
  END {
    n = NR; if (n < 6) { print "too few samples (" n ") to judge memory; run longer"; exit 0 }
    a = int(n / 3); b = int(2 * n / 3)
    for (i = a + 1; i <= b; i++) { mr += rss[i]; mg += gor[i] }; mr /= (b - a); mg /= (b - a)
    for (i = b + 1; i <= n; i++) { lr += rss[i]; lg += gor[i] }; lr /= (n - b); lg /= (n - b)
    printf "RSS mean: middle third %.0f MiB, last third %.0f MiB (%+.1f %%); goroutines %.0f -> %.0f\n", mr / 1024, lr / 1024, 100 * (lr / mr - 1), mg, lg
    bad = 0
    if (lr > mr * (1 + g / 100)) { print "FAIL: memory still growing"; bad = 1 }
    if (lg > mg * (1 + g / 100) + 10) { print "FAIL: goroutines still growing"; bad = 1 }
    exit bad
  }' "$work/samples" || fail=1
kill -0 "$server_pid" 2>/dev/null || { echo "FAIL: the server died:"; tail -20 "$work/server.log"; fail=1; }
[ -s "$work/server.log" ] && { echo "server log (last lines):"; tail -5 "$work/server.log"; }
[ "$fail" = 0 ] && echo "soak passed" || echo "soak FAILED"
exit "$fail"
