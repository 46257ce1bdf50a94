"""What the embedded default and the production database must each be set up to do."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.sqlite_only
@pytest.mark.django_db
def test_sqlite_enforces_foreign_keys_and_waits_for_the_writer():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 20_000


@pytest.mark.sqlite_only
def test_sqlite_default_uses_write_ahead_logging(tmp_path):
    """A real file database (tests use an in-memory one, which has no WAL): readers never block the writer."""
    import sqlite3

    from django.conf import settings

    options = settings.DATABASES["default"]["OPTIONS"]
    db = sqlite3.connect(tmp_path / "wal.sqlite3")
    db.executescript(options["init_command"])
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_postgres_is_recent_enough_and_speaks_utf8():
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_encoding")
        assert cursor.fetchone()[0] == "UTF8"
    assert connection.pg_version >= 140000
