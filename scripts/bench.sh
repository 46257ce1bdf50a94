#!/usr/bin/env bash
# Every benchmark, each beside the baseline it is compared with in the same run.
source "$(dirname "$0")/env.sh"
cd "$(dirname "$0")/.."
"$UV" sync --frozen --quiet --group bench
for b in benchmarks/bench_*.py; do
    echo "== $b"
    "$UV" run --frozen --group bench python "$b" "$@"
done
# The statistical checks too slow for every test run (confidence-interval coverage).
echo "== slow tests (SOMS_SLOW_TESTS=1 pytest -m slow)"
SOMS_SLOW_TESTS=1 "$UV" run --frozen pytest -q -m slow -p no:cacheprovider tests/core
