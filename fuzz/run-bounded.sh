#!/usr/bin/env bash
# Run every fuzz target for a bounded time, one after the other, one job
# each (libFuzzer in-process, no -jobs): `fuzz/run-bounded.sh [SECONDS] [TARGET...]` (default 240 s, all).
# Prints each target's executions (libFuzzer's "Done N runs") at the end.
set -uo pipefail
cd "$(dirname "$0")"
seconds=${1:-240}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(workflow shell settings compose dotenv inventory inspect verdict)
mkdir -p logs
./seed-corpora.sh >/dev/null
for t in "${targets[@]}"; do
  cargo +nightly fuzz run "$t" -- -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 >"logs/$t.log" 2>&1
  echo "$t: exit $? $(grep -E '^Done [0-9]+ runs' "logs/$t.log" | tail -1)"
done
