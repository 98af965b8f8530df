# Shared by the wrk load tests (sourced, not run): tool checks, a work
# folder removed on exit with the server, and the wrk runner that rotates
# over the URLs in $work/paths.lua, straight or through /bench/copy.

# bench_init NAME: checks wrk and the binary, makes $work, cleans up on exit
# (also after Ctrl-C): the functions named in bench_exit_hooks run first,
# last added first, then $server_pid is killed and $work removed.
bench_init() {
  command -v wrk >/dev/null || { echo "$1: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
  [ -x "$bin" ] || { echo "$1: $bin not built (make build)" >&2; exit 1; }
  work=$(mktemp -d)
  server_pid=
  bench_exit_hooks=()
  trap 'bench_cleanup' EXIT
  trap 'exit 130' INT TERM
}

bench_cleanup() {
  local i
  for ((i = ${#bench_exit_hooks[@]} - 1; i >= 0; i--)); do "${bench_exit_hooks[i]}" || true; done
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  rm -rf "$work"
}

# free_port: a TCP port of 127.0.0.1 nothing listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL PID LOG [TRIES]: waits until URL answers 2xx (0.1 s apart),
# failing with LOG if the process PID exits first or time runs out.
wait_http() {
  local url=$1 pid=$2 log=$3 tries=${4:-600}
  for _ in $(seq 1 "$tries"); do
    curl -sf -o /dev/null "$url" && return 0
    kill -0 "$pid" 2>/dev/null || { echo "process $pid exited before $url answered:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$url did not answer:" >&2; cat "$log" >&2; exit 1
}

# wait_tiles BASE PID LOG [TRIES]: waits until planmap at BASE has prepared
# its tiles (/health's tiles_prepared). A server is ready once its features
# are indexed and prepares the tiles after that, in the background; a
# figure about serving (not about start-up) waits for them, so that the
# preparation neither holds its tile requests nor takes its CPU.
wait_tiles() {
  local base=$1 pid=$2 log=$3 tries=${4:-6000}
  for _ in $(seq 1 "$tries"); do
    # (a server without the field prepared its tiles before ready)
    local health
    health=$(curl -sf "$base/health" 2>/dev/null) && [[ $health != *'"tiles_prepared":false'* ]] && return 0
    kill -0 "$pid" 2>/dev/null || { echo "process $pid exited before its tiles were prepared:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$base did not prepare its tiles:" >&2; cat "$log" >&2; exit 1
}

# write_rotation [LUA-HEADERS]: the wrk script requesting $work/paths.lua's
# URLs in turn, each prefixed by $PREFIX, with the given headers table.
write_rotation() {
  local headers=${1:-nil}
  cat > "$work/rotate.lua" <<LUA
dofile("$work/paths.lua")
local prefix = os.getenv("PREFIX") or ""
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", prefix .. paths[(i % #paths) + 1], $headers)
end
LUA
}

# run PREFIX: requests per second over the rotation.
run() { PREFIX=$1 wrk -t2 -c32 -d"${seconds}s" -s "$work/rotate.lua" "$base" | awk '/Requests\/sec/ {print $2}'; }

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
