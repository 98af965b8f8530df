#!/usr/bin/env bash
# Runs every fuzz target of planmap's user-input parsers for a while each.
#
#   bench/fuzz.sh            # 10 minutes per target
#   FUZZTIME=1h bench/fuzz.sh
#   FUZZTIME=30s TARGETS="FuzzTilePath FuzzSearchQuery" bench/fuzz.sh
#
# A crash leaves its input under <package>/testdata/fuzz/<Target>/; commit
# it: plain `go test` then runs it as a regression case for ever. The
# targets share the machine's cores (-parallel, default 2); run it alone.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-10m}
PARALLEL=${PARALLEL:-2}
declare -A PKG=(
  [FuzzParseBBox]=./api [FuzzParseDecimal]=./api [FuzzParseDatetime]=./api [FuzzParseSortBy]=./api
  [FuzzItemsQuery]=./api [FuzzTilePath]=./api [FuzzSearchQuery]=./api [FuzzAnalysisParams]=./api
  [FuzzValidateLayer]=./data
)
TARGETS=${TARGETS:-${!PKG[*]}}
failed=0
for t in $TARGETS; do
  pkg=${PKG[$t]:?unknown target $t}
  echo "== $t ($pkg, $FUZZTIME)"
  if ! go test "$pkg" -run '^$' -fuzz "^$t\$" -fuzztime "$FUZZTIME" -parallel "$PARALLEL"; then
    echo "!! $t failed: see $pkg/testdata/fuzz/$t/" >&2
    failed=1
  fi
done
exit $failed
