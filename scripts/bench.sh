#!/usr/bin/env bash
# Every benchmark, each beside the baseline it is compared with in the same run.
source "$(dirname "$0")/env.sh"
cd "$(dirname "$0")/.."
soms_sync --group bench
for b in benchmarks/bench_*.py; do
    echo "== $b"
    "$UV" run --frozen --group bench python "$b" "$@"
done
# Insights on PostgreSQL too when it answers (its own database, dropped and created by the run).
if "$UV" run --frozen python -c "import psycopg; psycopg.connect('postgres://postgres@127.0.0.1:5432/postgres').close()" 2>/dev/null; then
    echo "== benchmarks/bench_insights.py on PostgreSQL"
    "$UV" run --frozen --group bench python benchmarks/bench_insights.py --database-url postgres://postgres@127.0.0.1:5432/insights_bench
fi
# The checks too slow for every test run, each beside a small version that every run has: statistical
# ones (confidence-interval coverage); a 50,000-row HR import, a 20,000-statement framework import and
# 4,000- and 50,000-person rollup rebuilds in one organisation while another signs in and writes
# (SQLite); the draft grid's query count at 3,000 statements; the full regression corpus (every bad
# value for every field of every route). The whole tree, so that no test marked slow is left out.
echo "== slow tests (SOMS_SLOW_TESTS=1 pytest -m slow)"
SOMS_SLOW_TESTS=1 "$UV" run --frozen pytest -q -s -m slow -p no:cacheprovider tests
