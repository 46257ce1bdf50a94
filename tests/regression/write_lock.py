"""How long each write transaction of a connection holds the database (on SQLite, whose transactions
begin IMMEDIATE here, the one write lock every organisation's writes queue for).

Used by the rollup availability test and `benchmarks/bench_rollup_locks.py`: it wraps the
connection's own begin / commit / rollback, so every `transaction.atomic()` block is measured,
whoever opens it."""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def _where() -> str:
    """The innermost frame of our own code that opened the transaction, as file:function."""
    for frame in reversed(traceback.extract_stack()[:-3]):
        if "/soms/" in frame.filename and "/django/" not in frame.filename:
            return f"{frame.filename.rsplit('/soms/', 1)[1]}:{frame.name}"
    return "?"


class Held(list[float]):
    """Seconds each transaction was open, in the order they ended; `where` beside each."""

    def __init__(self) -> None:
        super().__init__()
        self.where: list[str] = []

    def longest(self) -> tuple[float, str]:
        i = max(range(len(self)), key=self.__getitem__)
        return self[i], self.where[i]

    def longest_by_place(self) -> dict[str, tuple[int, float]]:
        """Per place: how many transactions, and the longest."""
        out: dict[str, tuple[int, float]] = {}
        for s, w in zip(self, self.where, strict=True):
            n, most = out.get(w, (0, 0.0))
            out[w] = (n + 1, max(most, s))
        return out


@contextmanager
def write_transactions(connection: Any) -> Iterator[Held]:
    """Yields a list that receives, as each transaction ends, the seconds it was open."""
    held = Held()
    started: list[tuple[float, str]] = []
    begin, commit, rollback = (
        connection._start_transaction_under_autocommit,
        connection._commit,
        connection._rollback,
    )

    def _begin() -> None:
        begin()
        started.append((time.perf_counter(), _where()))

    def _end(fn: Any) -> Any:
        def run() -> None:
            try:
                fn()
            finally:
                if started:
                    at, where = started.pop()
                    held.append(time.perf_counter() - at)
                    held.where.append(where)

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
