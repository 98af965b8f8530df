#!/usr/bin/env bash
# N planmap replicas behind nginx on one PostGIS database, checked.
#
# Creates a throwaway PostgreSQL + PostGIS cluster (bench/pg.sh; or uses
# the database in $PLANMAP_STORE as it is), imports the built-in dataset
# into it with `planmap import` (skipped when the database already has
# planmap's layers), starts N replicas (`planmap serve --store URL`) on
# free loopback ports with --trusted-proxies 127.0.0.1, writes an nginx
# configuration from docs/nginx-replicas.conf into the work folder (an
# upstream of the replicas, X-Forwarded-* headers) and runs Debian's nginx
# as a foreground child on another loopback port. Then it checks, exiting
# non-zero on the first failure:
#
#   1. identical answers: tiles z6-z14 over the data (identity and gzip),
#      tiles.json, items pages and single features, fetched from every
#      replica directly (same Host header), have the same status, ETag and
#      bytes (items' timeStamp aside) on every replica;
#   2. nginx passes the public host: links fetched through nginx name
#      nginx's address, not a replica's;
#   3. a write through nginx is served by every replica within 1 s (each
#      replica polled directly; the delay of each is printed), after which
#      check 1 holds again for the new data version;
#   4. write throughput through nginx: wrk PATCHes features for
#      $WRITE_SECONDS (default 5) over 8 connections; writes/s, with every
#      answer 2xx and every replica at the database's change sequence
#      within 1 s after (then check 1 again). Each write is a transaction
#      committed with PostgreSQL's default durability (fsync on); the
#      replicas' transactions queue on one row lock (the change sequence),
#      so more replicas do not make more writes per second.
#
# Everything listens on 127.0.0.1 only and is torn down on exit (Ctrl-C
# too): nginx, the replicas, the cluster and the work folder. HOLD=1 keeps
# the set-up running after the checks, until Ctrl-C, to try it in a
# browser.
#
#   bench/replicas.sh [N]          (default N=3)
#
# Needs bin/planmap (make build), nginx, curl, wrk, python3, psql and, for
# the throwaway cluster, postgresql-15 and postgresql-15-postgis-3.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
bin=${PLANMAP_BIN:-bin/planmap}
write_seconds=${WRITE_SECONDS:-5}
token=replicas-bench-token
. bench/lib.sh
. bench/pg.sh
command -v nginx >/dev/null || { echo "bench/replicas.sh: nginx is not installed (apt-get install nginx)" >&2; exit 1; }
bench_init bench/replicas.sh
pg_start

# The built-in dataset, unless the database serves planmap layers already.
if [ "$("${pg_psql[@]}" -c "SELECT to_regclass('planmap_layers') IS NOT NULL AND EXISTS (SELECT 1 FROM planmap_layers)" 2>/dev/null || true)" = t ]; then
  echo "the database already has planmap's layers: serving them as they are"
else
  "$bin" import --store "$store_url" | tail -1
fi

# The replicas.
replica_pids=() replica_ports=()
stop_replicas() {
  local pid
  for pid in "${replica_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${replica_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
bench_exit_hooks+=(stop_replicas)
started=$(date +%s.%N)
for i in $(seq 1 "$n"); do
  port=$(free_port)
  PLANMAP_WRITE_TOKEN=$token "$bin" serve --store "$store_url" --addr "127.0.0.1:$port" \
    --trusted-proxies 127.0.0.1 --access-log=false 2>"$work/replica$i.log" >/dev/null &
  replica_pids+=($!) replica_ports+=("$port")
done
for i in $(seq 0 $((n - 1))); do
  wait_http "http://127.0.0.1:${replica_ports[i]}/readyz" "${replica_pids[i]}" "$work/replica$((i + 1)).log"
done
echo "$n replicas on 127.0.0.1:${replica_ports[*]} ready after $(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}') s"

# nginx, from the template.
mkdir -p "$work/nginx/tmp"
for d in body proxy fastcgi uwsgi scgi; do mkdir -p "$work/nginx/tmp/$d"; done
chmod -R a+rwx "$work/nginx/tmp"  # nginx's workers run as nobody under root
chmod 755 "$work" "$work/nginx"
nginx_port=$(free_port)
servers=$(for p in "${replica_ports[@]}"; do printf '    server 127.0.0.1:%s max_fails=1 fail_timeout=2s;\\n' "$p"; done)
sed -e "s|@WORK@|$work/nginx|g" -e "s|@LISTEN@|127.0.0.1:$nginx_port|g" -e "s|^@SERVERS@$|$servers|" \
  docs/nginx-replicas.conf > "$work/nginx/nginx.conf"
nginx -t -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>"$work/nginx/test.log" || { cat "$work/nginx/test.log" >&2; exit 1; }
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>>"$work/nginx/error.log" &
nginx_pid=$!
stop_nginx() { kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; }
bench_exit_hooks+=(stop_nginx)
front="http://127.0.0.1:$nginx_port"
wait_http "$front/readyz" "$nginx_pid" "$work/nginx/error.log"
echo "nginx on $front, upstream of the $n replicas (config: $work/nginx/nginx.conf, from docs/nginx-replicas.conf)"

# URLs to compare: tiles z6-z14 over the data, tiles.json, items, features.
python3 - "$front" > "$work/urls" <<'PY'
import json, math, sys, urllib.request
front = sys.argv[1]
def get(path):
    with urllib.request.urlopen(front + path) as r:
        return json.load(r)
def tile(lon, lat, z):
    n = 2 ** z
    r = math.radians(lat)
    return z, int((lon + 180) / 360 * n), int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)
urls = ["/tiles.json", "/collections"]
for layer in ("ports", "industrial-parks", "corridors"):
    fc = get("/collections/%s/items?limit=20" % layer)
    urls.append("/collections/%s/items?limit=20" % layer)
    for f in fc["features"][:3]:
        urls.append("/collections/%s/items/%s" % (layer, f["id"]))
        if layer == "ports":
            c = f["geometry"]["coordinates"]
            while isinstance(c[0], list):
                c = c[0]
            lon, lat = c[:2]
            for z in range(6, 15):
                urls.append("/tiles/%d/%d/%d.mvt" % tile(lon, lat, z))
print("\n".join(dict.fromkeys(urls)))
PY

# same_everywhere LABEL: check 1 over $work/urls.
same_everywhere() {
  local url enc i sig first count=0
  local last=
  while read -r url; do
    last=$url
    for enc in identity gzip; do
      [ "$enc" = gzip ] && [[ $url != /tiles/* ]] && continue
      first=
      for i in $(seq 0 $((n - 1))); do
        sig=$(curl -s -H 'Host: map.example' -H "Accept-Encoding: $enc" -D "$work/h" -o "$work/b" -w '%{http_code}' \
          "http://127.0.0.1:${replica_ports[i]}$url")
        sig="$sig $(grep -i '^etag:' "$work/h" | tr -d '\r' | cut -d' ' -f2) $(sed -e 's/"timeStamp":"[^"]*"//' "$work/b" | sha256sum | cut -c1-16)"
        if [ -z "$first" ]; then
          first=$sig
        elif [ "$sig" != "$first" ]; then
          echo "FAIL: $url ($enc): replica 1 answers $first, replica $((i + 1)) answers $sig" >&2
          exit 1
        fi
      done
      count=$((count + 1))
    done
  done < "$work/urls"
  echo "  $1: $count answers (status, ETag, bytes) identical on all $n replicas, the last: $last → $first"
}

echo "1. identical answers for the same data version"
same_everywhere "data version $(curl -s "$front/health" | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["version"])')"

echo "2. the public host through nginx"
self=$(curl -s "$front/collections" | python3 -c 'import json, sys; print(next(l["href"] for l in json.load(sys.stdin)["links"] if l["rel"] == "self"))')
case "$self" in
  "$front"/*) echo "  links name nginx's address: $self" ;;
  *) echo "FAIL: a link through nginx names $self, not $front" >&2; exit 1 ;;
esac

echo "3. a write through nginx reaches every replica"
python3 - "$front" "$token" "${replica_ports[@]}" <<'PY'
import json, sys, time, urllib.request
front, token, ports = sys.argv[1], sys.argv[2], sys.argv[3:]
fc = json.load(urllib.request.urlopen(front + "/collections/ports/items?limit=1"))
fid = fc["features"][0]["id"]
name = "replicas.sh %d" % time.time_ns()
req = urllib.request.Request(front + "/collections/ports/items/" + fid, method="PATCH",
    data=json.dumps({"properties": {"name": name}}).encode(),
    headers={"Content-Type": "application/merge-patch+json", "Authorization": "Bearer " + token})
with urllib.request.urlopen(req) as r:
    etag = r.headers["ETag"]
acked = time.monotonic()
print("  PATCH %s through nginx: %s" % (fid, etag))
pending = set(ports)
seen = {}
while pending and time.monotonic() - acked < 1.0:
    for p in sorted(pending):
        with urllib.request.urlopen("http://127.0.0.1:%s/collections/ports/items/%s" % (p, fid)) as r:
            body = json.load(r)
            if r.headers["ETag"] == etag and body["properties"]["name"] == name:
                seen[p] = time.monotonic() - acked
                pending.discard(p)
    time.sleep(0.002)
for p in ports:
    if p in seen:
        print("  replica 127.0.0.1:%s serves it %.1f ms after the acknowledgement" % (p, seen[p] * 1000))
if pending:
    sys.exit("FAIL: replicas %s do not serve the write 1 s after it was acknowledged" % ", ".join(sorted(pending)))
PY
same_everywhere "new data version $(curl -s "$front/health" | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["version"])')"

echo "4. write throughput through nginx (wrk, 8 connections, ${write_seconds}s, PATCH of 40 industrial parks in turn)"
curl -s "$front/collections/industrial-parks/items?limit=40" | python3 -c '
import json, sys
ids = [f["id"] for f in json.load(sys.stdin)["features"]]
print("paths = {\n" + ",\n".join("\"/collections/industrial-parks/items/%s\"" % i for i in ids) + "\n}")' > "$work/paths.lua"
cat > "$work/patch.lua" <<LUA
dofile("$work/paths.lua")
local i = 0
request = function()
  i = i + 1
  local body = '{"properties":{"name":"wrk write ' .. i .. '"}}'
  return wrk.format("PATCH", paths[(i % #paths) + 1], {["Content-Type"] = "application/merge-patch+json",
    ["Authorization"] = "Bearer $token"}, body)
end
LUA
wrk -t2 -c8 -d"${write_seconds}s" -s "$work/patch.lua" "$front" > "$work/wrk.out"
rate=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
if grep -q 'Non-2xx' "$work/wrk.out"; then
  echo "FAIL: $(grep 'Non-2xx' "$work/wrk.out")" >&2; exit 1
fi
echo "  $rate writes/s, all 2xx ($(awk '/requests in/ {print $1}' "$work/wrk.out") writes; latency $(awk '/Latency/ {print "mean " $2 ", max " $4}' "$work/wrk.out"))"
# wrk stops with writes in flight, which nginx and the replicas finish.
sleep 0.5
seq_db=$("${pg_psql[@]}" -c "SELECT seq FROM planmap_state")
python3 - "$seq_db" "${replica_ports[@]}" <<'PY'
import json, sys, time, urllib.request
seq, ports = int(sys.argv[1]), sys.argv[2:]
start = time.monotonic()
for p in ports:
    while True:
        latest = json.load(urllib.request.urlopen("http://127.0.0.1:%s/changes?since=0&limit=1" % p))["latest"]
        if latest == seq:
            break
        if time.monotonic() - start > 1.0:
            sys.exit("FAIL: replica %s is at change %d, the database at %d, 1 s after the writes" % (p, latest, seq))
        time.sleep(0.005)
print("  every replica at the database's change %d within %.0f ms" % (seq, (time.monotonic() - start) * 1000))
PY
same_everywhere "after the writes, data version $(curl -s "$front/health" | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["version"])')"

echo "all checks passed"
if [ "${HOLD:-}" = 1 ]; then
  echo "HOLD=1: open $front/ (writes: Authorization: Bearer $token); Ctrl-C tears everything down"
  wait "$nginx_pid"
fi
