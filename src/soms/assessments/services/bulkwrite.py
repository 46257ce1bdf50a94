"""Writing many derived or generated rows quickly, on both databases, without model instances.

* `insert_rows`: fresh rows. SQLite runs one prepared INSERT for all of them (`executemany` is a C
  loop over one compiled statement); PostgreSQL streams them through COPY, since psycopg renders and
  sends a whole statement per row under `executemany` (30 s for 350,000 rows on this machine, where
  COPY takes a few).
* `upsert_rows`: rows keyed by a unique constraint, written in place and only where a value differs,
  so a recomputation that changes little writes little: `INSERT … ON CONFLICT DO UPDATE … WHERE`,
  prepared once and run per row on SQLite; on PostgreSQL the rows are COPYed into a temporary
  table and moved by one `INSERT … SELECT`. Optionally only over an older row (`newer`).

Run inside the caller's transaction. Values are in the database's types (`connection.ops.adapt_*`),
JSON as its text.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def ids_condition(ids: Sequence[int]) -> tuple[str, list[Any]]:
    """The condition that an id column (written before it) is one of `ids`, and its parameters. On
    PostgreSQL one array parameter: psycopg parses a query again on every run when it is too long
    for its cache, as one of hundreds of placeholders is, and writes each id into it (a fifth of the
    CPU of a recomputation of 50,000 people); elsewhere the ids as placeholders."""
    if connection.vendor == "postgresql":
        return "= ANY(%s::bigint[])", [list(ids)]
    return f"IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _copy(cursor: Any, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Stream `rows` through psycopg's COPY (Django's cursor wrapper has none); logged like any
    statement when queries are being recorded (tests, DEBUG)."""
    started = time.perf_counter()
    with cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": f"{len(rows)} rows: {sql}", "time": f"{time.perf_counter() - started:.3f}"}
        )


def insert_rows(cursor: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    if not rows:
        return
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    if connection.vendor == "postgresql":
        _copy(cursor, f"COPY {qn(table)} ({names}) FROM STDIN", rows)
        return
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {qn(table)} ({names}) VALUES ({marks})", rows)


def upsert_rows(
    cursor: Any,
    model: type[models.Model],
    columns: Sequence[str],
    key: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    newer: str | None = None,
    ignore: Sequence[str] = (),
) -> None:
    """`columns` are column names of `model`'s table; `key` those of one of its unique constraints.
    With `newer` (one of `columns`), a stored row is replaced only by a row whose `newer` is larger
    (and then whatever else it holds): a compare-and-set that a writer which read its inputs earlier
    loses, even against a transaction still open (PostgreSQL re-checks against the committed row).
    Columns in `ignore` are written with a row that differs elsewhere, but a difference in them alone
    leaves the stored row alone (the day a derived row was computed, say)."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    names = ", ".join(qn(c) for c in columns)
    changing = [c for c in columns if c not in key]
    compared = [c for c in changing if c not in ignore]
    conflict = (
        f"ON CONFLICT ({', '.join(qn(c) for c in key)}) DO UPDATE SET "
        + ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in changing)
        + " WHERE "
    )
    if newer is not None:
        conflict += f"{table}.{qn(newer)} < excluded.{qn(newer)} AND "
    if connection.vendor == "postgresql":
        # COPY into a temporary table of the same columns (psycopg formats COPY rows in C), then one
        # INSERT … SELECT. The table is the session's, made once per connection and set of columns
        # and emptied at every commit (a recomputation writes in hundreds of short transactions: a
        # table created and dropped in each was catalogue writes in each); emptied first as well for
        # a caller that runs several of these inside one outer transaction.
        digest = hashlib.blake2s(" ".join(columns).encode(), digest_size=4).hexdigest()
        incoming = qn(f"incoming_{model._meta.db_table}_{digest}"[-63:])
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {incoming} ON COMMIT DELETE ROWS AS "
            f"SELECT {names} FROM {table} WITH NO DATA; DELETE FROM pg_temp.{incoming}"
        )
        _copy(cursor, f"COPY {incoming} ({names}) FROM STDIN", rows)
        mine = ", ".join(f"{table}.{qn(c)}" for c in compared)
        theirs = ", ".join(f"excluded.{qn(c)}" for c in compared)
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {incoming} "
            + conflict
            + f"({mine}) IS DISTINCT FROM ({theirs})"
        )
        return
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(
        f"INSERT INTO {table} ({names}) VALUES ({marks}) "
        + conflict
        + "("
        + " OR ".join(f"{table}.{qn(c)} IS NOT excluded.{qn(c)}" for c in compared)
        + ")",
        rows,
    )
