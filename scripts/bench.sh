#!/usr/bin/env bash
# Every benchmark, each beside the baseline it is compared with in the same run.
source "$(dirname "$0")/env.sh"
cd "$(dirname "$0")/.."
soms_sync --group bench
for b in benchmarks/bench_*.py; do
    echo "== $b"
    "$UV" run --frozen --group bench python "$b" "$@"
done
