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
# The checks too slow for every test run: statistical ones (confidence-interval coverage) and a
# 50,000-row HR import in one organisation while another signs in and writes (SQLite); the full
# regression corpus (every bad value for every field of every route).
echo "== slow tests (SOMS_SLOW_TESTS=1 pytest -m slow)"
SOMS_SLOW_TESTS=1 "$UV" run --frozen pytest -q -s -m slow -p no:cacheprovider tests/core \
    tests/regression/test_import_availability.py tests/regression/test_corpus.py
