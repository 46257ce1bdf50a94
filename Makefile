# The two commands of the README. Everything they need is installed by the scripts they call.
.PHONY: run test lint bench

run:  ## set up (uv, Python deps, database, demo data) and serve http://127.0.0.1:8000
	@bash scripts/run.sh

test:  ## lint, format check + the whole test suite (browser tests and a bounded schemathesis run included); make test ARGS="tests/core -x" for a part
	@bash scripts/test.sh $(ARGS)

lint:
	@bash -c 'source scripts/env.sh && $$UV run ruff check . && $$UV run ruff format --check . && $$UV run mypy src'

bench:  ## benchmarks beside their baselines
	@bash scripts/bench.sh
