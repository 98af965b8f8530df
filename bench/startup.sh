#!/usr/bin/env bash
# Start-up time and memory of `planmap serve --data DIR` on generated data,
# from the GeoJSON files and from the binary snapshot planmap keeps beside
# them (DIR/.planmap/snapshot-*.bin).
#
# For each size N: generates N features (`planmap gen`), then, ROUNDS times
# each, and the rounds of the two sources interleaved:
#
#   geojson   the snapshot removed first, so the layers are parsed and
#             validated from the GeoJSON (and the snapshot written again);
#   snapshot  the snapshot the run before wrote, so parsing and validation
#             are skipped.
#
# Measured: the wall time from launch until /readyz answers; the process's
# peak resident memory (VmHWM from /proc/PID/status, the kernel's figure,
# not the Go heap) just after ready; the CPU time it used until ready (user
# + system, from /proc/PID/stat: steadier than the wall time on a shared
# machine); and its resident memory (VmRSS) after
# IDLE seconds of idling, the steady figure. Each is printed beside the
# GeoJSON folder's size, with the ratio memory / GeoJSON size; figures are
# medians over the rounds.
#
#   bench/startup.sh ["N1 N2 ..."] [ROUNDS] [IDLE]   ("100000 1000000" 3 30)
#
# ROUNDS applies to sizes up to 200,000; larger ones run once unless
# BIG_ROUNDS says otherwise. PORT (default 18100) is the loopback port used;
# KEEP_DATA=DIR keeps the generated folders in DIR (reused by later runs)
# instead of a temporary folder removed on exit. Needs bin/planmap (make
# build) and curl. A 1M-feature run needs several GB of free memory.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-"100000 1000000"}
rounds=${2:-3}
idle=${3:-30}
big_rounds=${BIG_ROUNDS:-1}
port=${PORT:-18100}
bin=${PLANMAP_BIN:-bin/planmap}
[ -x "$bin" ] || { echo "startup.sh: $bin not built (make build)" >&2; exit 1; }
command -v curl >/dev/null || { echo "startup.sh: curl is not installed" >&2; exit 1; }

work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
data_root=${KEEP_DATA:-$work}
mkdir -p "$data_root"

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

# measure DIR: starts the server on DIR, prints "seconds cpu_seconds peak_kb
# steady_kb tiles_seconds" (tiles_seconds: from launch until the tiles,
# prepared in the background after ready, are all prepared).
measure() {
  local dir=$1 log=$work/serve.log t0 t1 cpu peak steady
  t0=$(date +%s%N)
  "$bin" serve --data "$dir" --addr "127.0.0.1:$port" --access-log=false --watch=false >"$log" 2>&1 &
  server_pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do
    kill -0 "$server_pid" 2>/dev/null || { echo "startup.sh: the server exited:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.05
  done
  t1=$(date +%s%N)
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$server_pid/stat")
  peak=$(status_kb "$server_pid" VmHWM)
  # the tiles are prepared in the background after ready: wait for them
  for _ in $(seq 1 6000); do
    grep -q 'prepared the tiles' "$log" && break
    sleep 0.1
  done
  tiles=$(sed -n 's/.*prepared the tiles.* seconds=\([0-9.]*\).*/\1/p' "$log" | head -1)
  # the snapshot is written after ready: wait for it, then idle
  for _ in $(seq 1 6000); do
    compgen -G "$dir/.planmap/snapshot-*.bin" >/dev/null && break
    sleep 0.1
  done
  sleep "$idle"
  steady=$(status_kb "$server_pid" VmRSS)
  peak=$(( $(status_kb "$server_pid" VmHWM) > peak ? $(status_kb "$server_pid" VmHWM) : peak ))
  grep -E 'snapshot|planmap (loaded|indexed|prepared)' "$log" | sed 's/^/    /' >&2 || true
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=
  echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b - a) / 1e9}') $cpu $peak $steady ${tiles:-0}"
}

rows=()
for n in $sizes; do
  dir=$data_root/g$n
  if [ ! -f "$dir/industrial-parks.geojson" ]; then
    echo "generating $n features in $dir" >&2
    "$bin" gen --features "$n" --out "$dir" >/dev/null
  fi
  bytes=$(cat "$dir"/*.geojson "$dir"/*.json 2>/dev/null | wc -c)
  r=$rounds
  [ "$n" -gt 200000 ] && r=$big_rounds
  declare -A secs=() cpus=() peaks=() steadies=() tls=()
  for i in $(seq 1 "$r"); do
    for source in geojson snapshot; do
      [ "$source" = geojson ] && rm -f "$dir"/.planmap/snapshot-*.bin
      if [ "$source" = snapshot ] && ! compgen -G "$dir/.planmap/snapshot-*.bin" >/dev/null; then
        echo "startup.sh: no snapshot was written in $dir/.planmap" >&2; exit 1
      fi
      read -r s c p st tl < <(measure "$dir")
      echo "  N=$n $source round $i: ready ${s}s (${c} CPU s), tiles prepared ${tl}s, peak $((p / 1024)) MiB, steady $((st / 1024)) MiB" >&2
      secs[$source]+="$s "; cpus[$source]+="$c "; peaks[$source]+="$p "; steadies[$source]+="$st "; tls[$source]+="$tl "
    done
  done
  for source in geojson snapshot; do
    # shellcheck disable=SC2086
    s=$(median ${secs[$source]}); c=$(median ${cpus[$source]}); p=$(median ${peaks[$source]}); st=$(median ${steadies[$source]}); tl=$(median ${tls[$source]})
    rows+=("$(awk -v n="$n" -v src="$source" -v b="$bytes" -v s="$s" -v c="$c" -v p="$p" -v st="$st" -v tl="$tl" -v r="$r" 'BEGIN {
      mb = b / 1048576; pm = p / 1024; sm = st / 1024
      printf "| %d | %.0f MiB | %s | %.1f s | %.1f s | %.1f s | %.0f MiB | %.2f× | %.0f MiB | %.2f× | %d |", n, mb, src, s, c, tl, pm, pm / mb, sm, sm / mb, r }')")
  done
  unset secs cpus peaks steadies tls
done

echo
echo "planmap serve --data DIR start-up (idle ${idle}s before the steady figure; medians)"
echo
echo "| features | GeoJSON | from | ready | CPU to ready | tiles prepared | peak RSS | peak/GeoJSON | steady RSS | steady/GeoJSON | rounds |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
