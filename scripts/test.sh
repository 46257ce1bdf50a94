#!/usr/bin/env bash
# README command 2: the whole suite. Installs Debian's Chromium for the browser tests when missing.
source "$(dirname "$0")/env.sh"
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "soms: installing Debian's chromium for the browser tests (one time)"
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "soms: /usr/bin/chromium is missing; install it (apt-get install chromium) for the browser tests" >&2
        exit 1
    fi
fi

soms_system_packages
soms_sync
"$UV" run --frozen ruff check .
# One formatting for the whole tree (migrations are kept as Django generated them).
"$UV" run --frozen ruff format --check .
# The whole tree (strict on soms.core; see [tool.mypy] in pyproject.toml).
"$UV" run --frozen mypy src
set +e
# Two worker processes (pytest-xdist), one per core: tests go to whichever worker is free, those
# marked xdist_group(name) all to the same one. SOMS_TEST_WORKERS=0 runs them in this process;
# pytest arguments (make test ARGS="tests/core -x", bash scripts/test.sh tests/core -x) come after
# these and win (-n 0).
# Bytecode may be written for this run (this kind of machine sets PYTHONDONTWRITEBYTECODE=1, see
# scripts/env.sh): pytest then keeps each test module as rewritten for its asserts (a .pyc in the
# __pycache__ beside it) instead of parsing and rewriting every one again in every worker, which
# took each worker about 8 s of CPU before its first test.
env -u PYTHONDONTWRITEBYTECODE "$UV" run --frozen pytest -n "${SOMS_TEST_WORKERS:-2}" --dist loadgroup "$@"
status=$?
set -e
# pytest exits 5 when it collected nothing: a suite that ran no test has not passed.
if [ "$status" = 5 ]; then
    echo "soms: pytest collected no tests" >&2
    exit 1
fi
exit "$status"
