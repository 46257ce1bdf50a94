"""`soms restore` reads and checks the whole archive before it touches the database: every bad archive
is refused with its member, line and column named, and the database is left as it was.

The archives here are made to measure from this code's own tables and migrations (`Draft`), one
fault each. The checks run without a database (these tests have none: pytest-django refuses any
query), which is the point: a refused archive never reached `migrate`. The tests at the end run
`soms restore` as an operator does, on SQLite and on PostgreSQL, and count every table's rows
before and after an archive that passes the check but whose rows the database refuses.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import struct
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.migrations.loader import MigrationLoader

from soms import limits
from soms.site import backup
from tests.migrated import migrated_data_dir
from tests.site.processes import PG, pg_up, run_soms, soms_env

USER = [
    1,
    "argon2$x",
    None,
    False,
    "alice",
    "",
    "",
    "alice@example.org",
    False,
    True,
    "2026-01-05T09:00:00+00:00",
]


def _migrations() -> list[list[str]]:
    """What `migrate` records in a new database with this code, as `soms backup` lists it."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    known = {m for key, migration in graph.nodes.items() for m in (key, *migration.replaces)}
    return sorted([app, name] for app, name in known)


@dataclass
class Draft:
    """A backup archive as `soms backup` writes it, with this code's tables and migrations."""

    manifest: dict[str, Any] = field(
        default_factory=lambda: {
            "format": backup.FORMAT,
            "format_version": backup.FORMAT_VERSION,
            "created_at": "2026-12-01T10:00:00+00:00",
            "database": "sqlite",
            "migrations": _migrations(),
            "tables": {
                m._meta.label_lower: {"rows": 0, "columns": [f.attname for f in m._meta.concrete_fields]}
                for m in backup.backed_up_models()
            },
            "files": {},
        }
    )
    lines: dict[str, list[bytes]] = field(default_factory=dict)
    members: dict[str, bytes] = field(default_factory=dict)  # written as they are, after the rest
    drop: set[str] = field(default_factory=set)  # members left out

    def row(self, label: str, *values: Any, raw: bytes | None = None) -> Draft:
        line = raw if raw is not None else json.dumps(list(values)).encode() + b"\n"
        self.lines.setdefault(label, []).append(line)
        self.manifest["tables"][label]["rows"] += 1
        return self

    def file(self, name: str, content: bytes) -> Draft:
        self.manifest["files"][name] = {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        self.members[f"media/{name}"] = content
        return self

    def write(self, path: Path) -> Path:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
            if "manifest.json" not in self.members:
                z.writestr("manifest.json", json.dumps(self.manifest))
            for label in self.manifest["tables"]:
                name = f"tables/{label}.jsonl"
                if name not in self.members and name not in self.drop:
                    z.writestr(name, b"".join(self.lines.get(label, [])))
            for name, content in self.members.items():
                if name not in self.drop:
                    z.writestr(name, content)
        return path


def good() -> Draft:
    """Rows of several column types (keys, text, dates, true/false, JSON-free) and a media file."""
    return (
        Draft()
        .row("auth.group", 1, "Coaches")
        .row("auth.user", *USER)
        .row("auth.user_groups", 1, 1, 1)
        .row("sessions.session", "k" * 32, "e30=", "2026-12-31T00:00:00+00:00")
        .file("evidence/1/report.txt", b"what was done\n")
    )


def _restore(path: Path, *args: str) -> str:
    """`soms restore` in this process: the refusal's text (problems on stderr, then the error)."""
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(path), *args, stderr=err)
    return err.getvalue() + str(refused.value)


def _cd_entries(data: bytes) -> list[int]:
    """Offsets of the central directory entries of a zip file written by zipfile (no zip64)."""
    end = data.rfind(b"PK\x05\x06")
    count, _, start = struct.unpack("<HLL", data[end + 10 : end + 20])
    out, at = [], start
    for _ in range(count):
        assert data[at : at + 4] == b"PK\x01\x02"
        out.append(at)
        n, e, c = struct.unpack("<3H", data[at + 28 : at + 34])
        at += 46 + n + e + c
    return out


def _patch(path: Path, member: str, offset: int, fmt: str, value: int) -> Path:
    """Overwrite one field of `member`'s central directory entry (offset within the entry)."""
    data = bytearray(path.read_bytes())
    for at in _cd_entries(bytes(data)):
        n = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if data[at + 46 : at + 46 + n].decode() == member:
            struct.pack_into(fmt, data, at + offset, value)
            path.write_bytes(bytes(data))
            return path
    raise AssertionError(member)


def test_a_good_archive_passes_the_check_without_a_database(tmp_path):
    path = good().write(tmp_path / "good.zip")
    out = io.StringIO()
    call_command("restore", str(path), "--check", stdout=out)
    assert "Checked" in out.getvalue() and "4 rows" in out.getvalue() and "1 files" in out.getvalue()


def test_the_check_reports_its_progress(tmp_path):
    draft = good()
    for i in range(2, 2502):
        draft.row("auth.group", i, f"group {i}")
    seen: list[tuple[str, int, int]] = []
    checked = backup.restore_check(draft.write(tmp_path / "big.zip"), progress=lambda *a: seen.append(a))
    checked.archive.close()
    rows = [s for s in seen if s[0] == "checking rows"]
    assert rows[0] == ("checking rows", 0, 2504) and ("checking rows", 2000, 2504) in rows
    assert rows[-1] == ("checking rows", 2504, 2504) and ("checking files", 1, 1) in seen


def _bytes(content: bytes) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.write_bytes(content)
        return path

    return make


def _draft(change: Callable[[Draft], Any]) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        draft = good()
        change(draft)
        return draft.write(path)

    return make


def _manifest(change: Callable[[dict[str, Any]], Any]) -> Callable[[Path], Path]:
    return _draft(lambda d: change(d.manifest))


def _table(label: str, content: bytes, rows: int | None = None) -> Callable[[Path], Path]:
    def change(d: Draft) -> None:
        d.members[f"tables/{label}.jsonl"] = content
        if rows is not None:
            d.manifest["tables"][label]["rows"] = rows

    return _draft(change)


def _truncated(path: Path) -> Path:
    good().write(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _sqlite_file(path: Path) -> Path:
    with sqlite3.connect(path) as db:
        db.execute("create table t (x)")
    return path


def _office(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return path


def _plain_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    return path


def _overlapping(path: Path) -> Path:
    """Two members whose entries point at the same data: how a small zip bomb unpacks to terabytes."""
    good().write(path)
    data = path.read_bytes()
    first = _cd_entries(data)[0]
    offset = struct.unpack("<L", data[first + 42 : first + 46])[0]
    return _patch(path, "tables/auth.group.jsonl", 42, "<L", offset)


def _lying_size(path: Path) -> Path:
    """A member whose listing declares fewer bytes than its data unpack to."""
    d = good()
    for i in range(2, 200):
        d.row("auth.group", i, f"group {i}")
    d.write(path)
    return _patch(path, "tables/auth.group.jsonl", 24, "<L", 100)


def _encrypted(path: Path) -> Path:
    good().write(path)
    return _patch(path, "tables/auth.group.jsonl", 8, "<H", 0x1)


def _duplicate(path: Path) -> Path:
    good().write(path)
    with pytest.warns(UserWarning), zipfile.ZipFile(path, "a") as z:
        z.writestr("tables/auth.group.jsonl", b"")
    return path


def _newer_migration(m: dict[str, Any]) -> None:
    m["migrations"].append(["people", "9999_from_the_future"])


def _member(name: str, content: bytes) -> Callable[[Path], Path]:
    return _draft(lambda d: d.members.update({name: content}))


def _without(name: str) -> Callable[[Path], Path]:
    return _draft(lambda d: d.drop.add(name))


def _newer_migration(m: dict[str, Any]) -> None:
    m["migrations"].append(["people", "9999_from_the_future"])


def _unknown_table(m: dict[str, Any]) -> None:
    m["tables"]["people.ghost"] = {"rows": 0, "columns": ["id"]}


def _outside_media(m: dict[str, Any]) -> None:
    m["files"]["../../etc/cron.d/x"] = {"size": 0, "sha256": "0" * 64}


def _group_rows(*lines: bytes, rows: int | None = None) -> Callable[[Path], Path]:
    """auth.group's member holding `lines` (the manifest counting them, or `rows`)."""

    def change(d: Draft) -> None:
        d.members["tables/auth.group.jsonl"] = b"".join(lines)
        d.manifest["tables"]["auth.group"]["rows"] = len(lines) if rows is None else rows

    return _draft(change)


def _row(label: str, values: list[Any]) -> Callable[[Path], Path]:
    """`label`'s first row replaced by `values`."""

    def change(d: Draft) -> None:
        d.lines[label][0] = json.dumps(values).encode() + b"\n"

    return _draft(change)


def _damaged_file(d: Draft) -> None:
    d.members["media/evidence/1/report.txt"] = b"what was dune\n"


def _file_size(d: Draft) -> None:
    d.manifest["files"]["evidence/1/report.txt"]["size"] = 3


G = "tables/auth.group.jsonl"
BAD: list[tuple[str, Callable[[Path], Path], str]] = [
    # What the file is
    ("empty", _bytes(b""), "bad.zip: is empty"),
    ("text", _bytes(b"hello there\n"), "bad.zip: is not a zip file"),
    ("json", _bytes(b'{"framework": {}}'), "bad.zip: is JSON text"),
    ("gzip", _bytes(b"\x1f\x8b\x08\x00rest"), "bad.zip: is a gzip file"),
    ("sqlite database", _sqlite_file, "bad.zip: is an SQLite database file"),
    ("truncated archive", _truncated, "bad.zip: is not a readable zip archive: it is cut short or damaged"),
    ("office document", _office, "manifest.json: is missing: this is an Office document"),
    ("another zip", _plain_zip, "manifest.json: is missing: this is not a SOMS backup"),
    # The archive's make-up
    (
        "members overlap",
        _overlapping,
        "manifest.json: overlaps the data of tables/auth.group.jsonl, as zip bombs do",
    ),
    ("size lies", _lying_size, f"{G}: cannot be unpacked: the archive is damaged or cut short"),
    ("encrypted", _encrypted, f"{G}: is encrypted"),
    ("member twice", _duplicate, f"{G}: appears twice in the archive"),
    ("zip bomb", _member(G, b" " * (8 * 1024 * 1024)), f"{G}: unpacks to 8,388,608 bytes from"),
    ("table member missing", _without(G), f"{G}: is missing from the archive, though the manifest lists it"),
    (
        "media member missing",
        _without("media/evidence/1/report.txt"),
        "media/evidence/1/report.txt: is missing",
    ),
    (
        "member not listed",
        _member("notes/readme.txt", b"hi"),
        "notes/readme.txt: is not part of a SOMS backup",
    ),
    # The manifest
    (
        "manifest not JSON",
        _member("manifest.json", b'{"format": '),
        "manifest.json: line 1, column 12: malformed JSON",
    ),
    (
        "manifest NUL",
        _member("manifest.json", b'{"format": "soms\\u0000"}'),
        "manifest.json: format: must not contain NUL",
    ),
    (
        "manifest key twice",
        _member("manifest.json", b'{"format": "a", "format": "b"}'),
        "the key 'format' appears twice",
    ),
    ("manifest a list", _member("manifest.json", b"[]"), "manifest.json: holds a list, not an object"),
    ("manifest not UTF-8", _member("manifest.json", b'{"format": "\xff"}'), "manifest.json: not UTF-8 text"),
    (
        "wrong format",
        _manifest(lambda m: m.update(format="case")),
        "manifest.json: names the format 'case', not 'soms-backup'",
    ),
    ("no format", _manifest(lambda m: m.pop("format")), "manifest.json: names no format"),
    (
        "newer format",
        _manifest(lambda m: m.update(format_version=2)),
        "format version 2, made by a newer SOMS",
    ),
    (
        "newer schema",
        _manifest(_newer_migration),
        "made by a newer version of SOMS: its database has 1 migration this code does not know "
        "(people.9999_from_the_future)",
    ),
    (
        "older schema",
        _manifest(lambda m: m["migrations"].pop()),
        "made by an older version of SOMS: it lacks 1 migration of this one",
    ),
    (
        "rows not a number",
        _manifest(lambda m: m["tables"]["auth.group"].update(rows="1")),
        "manifest.json: tables.auth.group.rows: Input should be a valid integer",
    ),
    (
        "rows negative",
        _manifest(lambda m: m["tables"]["auth.group"].update(rows=-1)),
        "manifest.json: tables.auth.group.rows: Input should be greater than or equal to 0",
    ),
    (
        "unknown table",
        _manifest(_unknown_table),
        "tables: its tables differ from this version's: unknown here: people.ghost",
    ),
    (
        "missing table",
        _manifest(lambda m: m["tables"].pop("auth.group")),
        "missing from the backup: auth.group",
    ),
    (
        "columns differ",
        _manifest(lambda m: m["tables"]["auth.group"].update(columns=["id", "title"])),
        "tables.auth.group.columns: the columns differ from this version's (only in the backup: ['title'], "
        "only here: ['name']",
    ),
    (
        "file outside media",
        _manifest(_outside_media),
        "names a file outside the media folder: '../../etc/cron.d/x'",
    ),
    (
        "checksum not hex",
        _manifest(lambda m: m["files"]["evidence/1/report.txt"].update(sha256="xyz")),
        "files.evidence/1/report.txt.sha256: String should match pattern",
    ),
    (
        "file size differs",
        _draft(_file_size),
        "media/evidence/1/report.txt: is 14 bytes; the manifest says 3",
    ),
    ("file damaged", _draft(_damaged_file), "media/evidence/1/report.txt: is damaged: its checksum differs"),
    # Rows
    ("row not JSON", _group_rows(b'[1, "a"]\n', b"[2, \n"), f"{G}: line 2: is not a JSON row"),
    (
        "row NaN",
        _group_rows(b'[NaN, "a"]\n'),
        f"{G}: line 1: is not a JSON row: NaN is not a number JSON allows",
    ),
    (
        "row not a list",
        _group_rows(b'{"id": 1}\n'),
        f"{G}: line 1: holds an object; a row of this table is a list of 2",
    ),
    ("row short", _group_rows(b"[1]\n"), f"{G}: line 1: holds 1 values; a row of this table is a list of 2"),
    ("row NUL byte", _group_rows(b'[1, "a\x00"]\n'), f"{G}: line 1: holds a NUL byte"),
    (
        "row NUL escape",
        _group_rows(b'[1, "a\\u0000b"]\n'),
        f"{G}: line 1, column name: holds a NUL character",
    ),
    ("row not UTF-8", _group_rows(b'[1, "\xff"]\n'), f"{G}: line 1: is not UTF-8 text (byte 5)"),
    (
        "row text for number",
        _group_rows(b'["1", "a"]\n'),
        f"{G}: line 1, column id: must be a whole number, not text",
    ),
    (
        "row true for number",
        _group_rows(b'[true, "a"]\n'),
        f"{G}: line 1, column id: must be a whole number, not true/false",
    ),
    (
        "row number out of range",
        _group_rows(b'[9223372036854775808, "a"]\n'),
        f"{G}: line 1, column id: 9223372036854775808 is outside",
    ),
    ("row null", _group_rows(b"[1, null]\n"), f"{G}: line 1, column name: must have a value"),
    (
        "row number for text",
        _group_rows(b"[1, 5]\n"),
        f"{G}: line 1, column name: must be text, not a number",
    ),
    (
        "row text too long",
        _group_rows(json.dumps([1, "x" * 151]).encode() + b"\n"),
        f"{G}: line 1, column name: is 151 characters long; this column holds at most 150",
    ),
    (
        "rows fewer than listed",
        _group_rows(b'[1, "a"]\n', rows=3),
        f"{G}: holds 1 rows; the manifest says 3: the member is cut short",
    ),
    (
        "rows more than listed",
        _group_rows(b'[1, "a"]\n', b'[2, "b"]\n', rows=1),
        f"{G}: line 2: is past the 1 rows the manifest lists",
    ),
    (
        "last row cut",
        _group_rows(b'[1, "a"]\n', b'[2, "b"]'),
        f"{G}: line 2: is cut short (the member ends inside a row)",
    ),
    (
        "row nested too deep",
        _group_rows(b"[" * 100_000 + b"]" * 100_000 + b"\n"),
        f"{G}: line 1: is nested too deeply",
    ),
    (
        "row bad date",
        _row("sessions.session", ["k" * 32, "e30=", "2026-13-45T00:00:00+00:00"]),
        "tables/sessions.session.jsonl: line 1, column expire_date: '2026-13-45T00:00:00+00:00' is not a valid datetime",
    ),
    (
        "row bad true/false",
        _row("auth.user", [*USER[:3], "no", *USER[4:]]),
        "tables/auth.user.jsonl: line 1, column is_superuser: must be true or false, not text",
    ),
    (
        "row key as text",
        _row("auth.user_groups", [1, "1", 1]),
        "tables/auth.user_groups.jsonl: line 1, column user_id: must be a whole number, not text",
    ),
]


@pytest.mark.parametrize(("make", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_archive_is_refused_naming_the_place_before_any_database_is_touched(tmp_path, make, expected):
    # No `db` fixture: pytest-django refuses every query, so a refusal here came before `migrate`.
    said = _restore(make(tmp_path / "bad.zip"))
    assert expected in said, said
    assert "nothing was restored (the database was not touched)" in said
    assert "Traceback" not in said


def test_every_problem_in_the_rows_is_listed_up_to_a_bound(tmp_path):
    lines = [b'["x", "a"]\n'] * 3 + [b'[4, "ok"]\n'] + [b"[5]\n"] * 200
    said = _restore(_group_rows(*lines)(tmp_path / "bad.zip"))
    assert f"{G}: line 1, column id" in said and f"{G}: line 3, column id" in said
    assert f"{G}: line 5: holds 1 values" in said
    assert said.count("bad.zip: ") == backup.MAX_PROBLEMS
    assert f"{backup.MAX_PROBLEMS} or more problems in" in said


def test_an_overlong_row_is_refused_without_reading_it_whole(tmp_path, monkeypatch, settings):
    settings.SOMS_MAX_UPLOAD_BYTES = 0
    monkeypatch.setattr(limits, "MAX_BACKUP_ROW_BYTES", 1000)
    said = _restore(_group_rows(json.dumps([1, "x" * 2000]).encode() + b"\n")(tmp_path / "bad.zip"))
    assert f"{G}: line 1: is longer than 1,000 bytes" in said and "MAX_BACKUP_ROW_BYTES" in said


def test_an_archive_of_too_many_members_is_refused_before_its_listing_is_read(tmp_path, monkeypatch):
    path = good().write(tmp_path / "bad.zip")
    monkeypatch.setattr(limits, "MAX_BACKUP_MEMBERS", 10)
    said = _restore(path)
    assert "bad.zip: " in said and "members: at most 10 are accepted (limit MAX_BACKUP_MEMBERS)" in said


def test_a_manifest_past_its_bound_is_refused_unread(tmp_path, monkeypatch):
    path = good().write(tmp_path / "bad.zip")
    monkeypatch.setattr(limits, "MAX_BACKUP_MANIFEST_BYTES", 100)
    said = _restore(path)
    assert "manifest.json: is " in said and "at most 100 (MAX_BACKUP_MANIFEST_BYTES)" in said


def test_a_folder_or_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        call_command("restore", str(tmp_path))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore", str(tmp_path / "nope.zip"))


def test_every_column_type_of_this_code_has_a_restore_rule():
    for model in backup.backed_up_models():
        for column in model._meta.concrete_fields:
            backup.converter(column)  # raises BackupError for a type without a rule


# --- as an operator runs it: the database as it was, on SQLite and PostgreSQL -----------------------


def _refused(done: subprocess.CompletedProcess[str], expected: str) -> None:
    assert done.returncode == 1, done.stdout + done.stderr
    assert expected in done.stderr and "Traceback" not in done.stderr, done.stderr


def _sqlite_rows(data: Path) -> dict[str, int]:
    """Every table of the installation's SQLite database and its row count ({} when it has none)."""
    path = data / "soms.sqlite3"
    if not path.exists():
        return {}
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("select name from sqlite_master where type = 'table'")]
        return {t: db.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}


def _pg_rows(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as db:
        tables = [r[0] for r in db.execute("select tablename from pg_tables where schemaname = 'public'")]
        return {t: db.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}  # type: ignore[index]


def _dangling_key(d: Draft) -> None:
    d.lines["auth.user_groups"][0] = b"[1, 99, 1]\n"  # user 99 is not in the backup


def _name_twice(d: Draft) -> None:
    d.row("auth.group", 2, "Coaches")  # auth.group's name is unique


def test_a_refused_restore_leaves_sqlite_as_it_was(tmp_path):
    newer = _manifest(_newer_migration)(tmp_path / "newer.zip")
    dangling = _draft(_dangling_key)(tmp_path / "dangling.zip")
    twice = _draft(_name_twice)(tmp_path / "twice.zip")

    # A new installation: a refused archive leaves it without a single table, as it was (before, the
    # restore migrated it first). One refused by the database itself (a key to a missing row, seen only
    # once every row is in) takes back the migration too: it ran in the same transaction.
    fresh = soms_env(tmp_path / "fresh")
    _refused(run_soms(fresh, "restore", str(newer)), "newer version of SOMS")
    assert not (tmp_path / "fresh" / "soms.sqlite3").exists()  # not even opened
    _refused(run_soms(fresh, "restore", str(dangling)), "rows of the backup refer to rows it does not hold")
    assert _sqlite_rows(tmp_path / "fresh") == {}
    assert not (tmp_path / "fresh" / "media" / "evidence").exists()

    # A migrated, empty one: every table's rows counted before and after (the restore replaces the
    # content types and permissions `migrate` wrote; a refusal puts them back).
    migrated = migrated_data_dir(tmp_path / "migrated")
    before = _sqlite_rows(migrated)
    assert before["django_content_type"] and before["auth_permission"]
    _refused(
        run_soms(soms_env(migrated), "restore", str(twice)),
        "tables/auth.group.jsonl: the database refused a row",
    )
    assert _sqlite_rows(migrated) == before

    # The files are written last, inside the transaction: one that cannot be written (here the media
    # folder is a file) takes back the rows and the migration with it.
    archive = good().write(tmp_path / "good.zip")
    (tmp_path / "fresh" / "media").write_bytes(b"not a folder")
    _refused(run_soms(fresh, "restore", str(archive)), "media/evidence/1/report.txt: cannot be written")
    assert _sqlite_rows(tmp_path / "fresh") == {}
    (tmp_path / "fresh" / "media").unlink()

    # And the installation a restore refused takes a good archive afterwards.
    done = run_soms(fresh, "restore", str(archive))
    assert done.returncode == 0, done.stderr
    rows = _sqlite_rows(tmp_path / "fresh")
    assert rows["auth_group"] == 1 and rows["auth_user_groups"] == 1 and rows["django_session"] == 1
    assert (tmp_path / "fresh" / "media" / "evidence" / "1" / "report.txt").read_bytes() == b"what was done\n"


@pytest.fixture
def pg_database():
    if not pg_up():
        pytest.skip("no PostgreSQL at 127.0.0.1:5432")
    import psycopg

    name = f"soms_restore_{os.getpid()}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG}/{name}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_refused_restore_leaves_postgresql_as_it_was(tmp_path, pg_database):
    env = soms_env(tmp_path / "data", pg_database)
    newer = _manifest(_newer_migration)(tmp_path / "newer.zip")
    dangling = _draft(_dangling_key)(tmp_path / "dangling.zip")
    _refused(run_soms(env, "restore", str(newer)), "newer version of SOMS")
    assert _pg_rows(pg_database) == {}
    # PostgreSQL's own check of the keys, at the end of the transaction that also migrated.
    _refused(run_soms(env, "restore", str(dangling)), "rows of the backup refer to rows it does not hold")
    assert _pg_rows(pg_database) == {}

    # A database that is not there is named, as the reason nothing was restored.
    missing = soms_env(tmp_path / "data", f"{pg_database}_missing")
    _refused(run_soms(missing, "restore", str(dangling)), "nothing was restored, the database is as it was")

    done = run_soms(env, "migrate", "--verbosity", "0")
    assert done.returncode == 0, done.stderr
    before = _pg_rows(pg_database)
    _refused(
        run_soms(env, "restore", str(_draft(_name_twice)(tmp_path / "twice.zip"))),
        "the database refused a row",
    )
    assert _pg_rows(pg_database) == before
