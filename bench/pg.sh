# A throwaway PostgreSQL cluster with PostGIS for the bench scripts
# (sourced after lib.sh and bench_init, not run).
#
# pg_start: when $PLANMAP_STORE is set, uses that database as it is;
# otherwise initdb's a cluster into $work/pg (Debian postgresql-15 and
# postgresql-15-postgis-3; the newest /usr/lib/postgresql/*/bin, or
# $PGTEST_BINDIR), starts it on a free port of 127.0.0.1 with PostgreSQL's
# default durability (fsync and synchronous_commit on; $PG_OPTIONS adds
# server options), creates database "planmap" with the postgis extension,
# and stops it on exit. Sets $store_url and $pg_psql (a psql command line
# for the database). Under root the server runs as the postgres user.

pg_start() {
  pg_own=
  if [ -n "${PLANMAP_STORE:-}" ]; then
    store_url=$PLANMAP_STORE
    pg_psql=(psql -X -q -v ON_ERROR_STOP=1 -At "$store_url")
    return
  fi
  pg_bindir=${PGTEST_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
  [ -n "$pg_bindir" ] && [ -x "$pg_bindir/initdb" ] || {
    echo "PostgreSQL server binaries not found (apt-get install postgresql-15 postgresql-15-postgis-3, or set PLANMAP_STORE)" >&2; exit 1; }
  [ -f "$("$pg_bindir/pg_config" --sharedir)/extension/postgis.control" ] || {
    echo "the PostGIS extension is missing (apt-get install postgresql-15-postgis-3)" >&2; exit 1; }
  pg_dir=$work/pg
  mkdir -p "$pg_dir"
  pg_as=()
  if [ "$(id -u)" = 0 ]; then
    chmod 755 "$work"
    chown postgres: "$pg_dir"
    pg_as=(runuser -u postgres --)
  fi
  LC_ALL=C.UTF-8 "${pg_as[@]}" "$pg_bindir/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$pg_dir/initdb.log" 2>&1 || {
    cat "$pg_dir/initdb.log" >&2; exit 1; }
  pg_port=$(free_port)
  LC_ALL=C.UTF-8 "${pg_as[@]}" "$pg_bindir/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir ${PG_OPTIONS:-}" start >/dev/null || { cat "$pg_dir/log" >&2; exit 1; }
  pg_own=1
  bench_exit_hooks+=(pg_stop)
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -c "CREATE DATABASE planmap" >/dev/null
  store_url="postgres://postgres@127.0.0.1:$pg_port/planmap?sslmode=disable"
  pg_psql=(psql -X -q -v ON_ERROR_STOP=1 -At -h 127.0.0.1 -p "$pg_port" -U postgres -d planmap)
  "${pg_psql[@]}" -c "CREATE EXTENSION postgis" >/dev/null
}

pg_stop() {
  [ -n "$pg_own" ] || return 0
  "${pg_as[@]}" "$pg_bindir/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
}
