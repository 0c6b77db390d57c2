#!/usr/bin/env bash
# Run fuzz targets for a bounded time (libFuzzer in-process, no -jobs), then
# minimise each target's corpus (cargo fuzz cmin, kept in fuzz/corpus/, not
# committed).
#
#   fuzz/run-bounded.sh [--lanes K] [--runs N] [SECONDS] [TARGET...]
#
# SECONDS per target (default 240); all targets by default. --runs N stops a
# target at N executions if that comes first (issue 16: 20 min or 10 M).
# --lanes K runs K targets at a time, one per core, after one shared build.
# Prints each target's executions (libFuzzer's "Done N runs") and its
# minimised corpus size; logs are fuzz/logs/<target>.log.
set -uo pipefail
cd "$(dirname "$0")"
lanes=1
runs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --lanes) lanes=$2; shift 2 ;;
    --runs) runs=(-runs="$2"); shift 2 ;;
    *) break ;;
  esac
done
seconds=${1:-240}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(workflow shell settings compose dotenv inventory inspect verdict)
mkdir -p logs
./seed-corpora.sh >/dev/null
cargo +nightly fuzz build >logs/build.log 2>&1 || { echo "fuzz build failed: fuzz/logs/build.log" >&2; exit 1; }

run_one() { # target
  local t=$1 code
  cargo +nightly fuzz run "$t" -- -max_total_time="$seconds" "${runs[@]}" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 >"logs/$t.log" 2>&1
  code=$?
  cargo +nightly fuzz cmin "$t" >"logs/$t.cmin.log" 2>&1
  echo "$t: exit $code $(grep -E '^Done [0-9]+ runs' "logs/$t.log" | tail -1)," \
    "$(grep -E '^stat::' "logs/$t.log" | grep -E 'number_of_executed_units|average_exec_per_sec|peak_rss_mb' | tr -s ' ' | tr '\n' ' ')," \
    "corpus after cmin: $(find "corpus/$t" -type f | wc -l) files"
}

lane() { # index
  local i=0
  for t in "${targets[@]}"; do
    [ $((i % lanes)) -eq "$1" ] && run_one "$t"
    i=$((i + 1))
  done
}

for ((l = 0; l < lanes; l++)); do lane "$l" & done
wait
