"""How long each write transaction of a connection holds the database (on SQLite, whose transactions
begin IMMEDIATE here, the one write lock every organisation's writes queue for).

Used by the rollup availability test and `benchmarks/bench_rollup_locks.py`: it wraps the
connection's own begin / commit / rollback, so every `transaction.atomic()` block is measured,
whoever opens it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def write_transactions(connection: Any) -> Iterator[list[float]]:
    """Yields a list that receives, as each transaction ends, the seconds it was open."""
    held: list[float] = []
    started: list[float] = []
    begin, commit, rollback = (
        connection._start_transaction_under_autocommit,
        connection._commit,
        connection._rollback,
    )

    def _begin() -> None:
        begin()
        started.append(time.perf_counter())

    def _end(fn: Any) -> Any:
        def run() -> None:
            try:
                fn()
            finally:
                if started:
                    held.append(time.perf_counter() - started.pop())

        return run

    connection._start_transaction_under_autocommit = _begin
    connection._commit = _end(commit)
    connection._rollback = _end(rollback)
    try:
        yield held
    finally:
        del connection._start_transaction_under_autocommit
        del connection._commit
        del connection._rollback
