# Shared by the wrk load tests (sourced, not run): tool checks, a work
# folder removed on exit with the server, and the wrk runner that rotates
# over the URLs in $work/paths.lua, straight or through /bench/copy.

# bench_init NAME: checks wrk and the binary, makes $work, cleans up on exit.
bench_init() {
  command -v wrk >/dev/null || { echo "$1: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
  [ -x "$bin" ] || { echo "$1: $bin not built (make build)" >&2; exit 1; }
  work=$(mktemp -d)
  server_pid=
  trap 'bench_cleanup' EXIT
}

bench_cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  rm -rf "$work"
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
