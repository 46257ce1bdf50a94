"""`soms backup` and `soms restore` as an operator runs them: the demo backed up, restored into a fresh
installation, and compared table by table, row by row, file by file (SQLite and PostgreSQL, both ways)."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.migrated import migrated_data_dir
from tests.site.processes import PG, pg_up, run_soms, soms_env


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _tables(archive: Path) -> dict[str, list[object]]:
    """Every table's rows, parsed (JSON objects compare regardless of key order: jsonb reorders)."""
    with zipfile.ZipFile(archive) as z:
        manifest = json.loads(z.read("manifest.json"))
        out = {}
        for label, table in manifest["tables"].items():
            rows = [json.loads(line) for line in z.read(f"tables/{label}.jsonl").splitlines()]
            assert len(rows) == table["rows"], label
            out[label] = [dict(zip(table["columns"], row, strict=True)) for row in rows]
        return out


def _files(media: Path) -> dict[str, bytes]:
    return {p.relative_to(media).as_posix(): p.read_bytes() for p in sorted(media.rglob("*")) if p.is_file()}


@pytest.fixture
def pg_databases():
    if not pg_up():
        yield None
        return
    import psycopg

    names = [f"tasks_backup_{os.getpid()}_{i}" for i in range(2)]
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    yield [f"{PG}/{name}" for name in names]
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_demo_backs_up_and_restores_row_for_row_and_byte_for_byte(tmp_path, pg_databases):
    source = soms_env(migrated_data_dir(tmp_path / "a"))
    _ok(run_soms(source, "demo"))
    # Uploaded files, as evidence and job results will be: nested folders, binary content.
    media = tmp_path / "a" / "media"
    (media / "jobs" / "1" / "7").mkdir(parents=True)
    (media / "jobs" / "1" / "7" / "export.csv").write_bytes(b"a,b\n1,2\n")
    (media / "evidence" / "caf\u00e9 notes.bin").parent.mkdir(parents=True)
    (media / "evidence" / "caf\u00e9 notes.bin").write_bytes(bytes(range(256)) * 40)
    first = tmp_path / "a.zip"
    assert "Backed up" in _ok(run_soms(source, "backup", str(first)))
    expected_rows, expected_files = _tables(first), _files(media)
    assert expected_rows["tenancy.organisation"] and expected_rows["frameworks.statement"]

    # SQLite -> SQLite, or SQLite -> PostgreSQL -> SQLite where a PostgreSQL answers.
    hops = [("sqlite", None)] if pg_databases is None else [("postgres", pg_databases[0]), ("sqlite", None)]
    archive = first
    for i, (_, db) in enumerate(hops):
        # The first restore goes into a fresh installation, which it migrates first; a second one
        # (back to SQLite, after PostgreSQL) into a directory `soms migrate` brought up to date
        # (tests/migrated.py), which the restore migrates again to no effect: a second fresh
        # migration in this test cost 10-20 s of CPU.
        fresh = tmp_path / f"restored{i}"
        target = soms_env(fresh if i == 0 else migrated_data_dir(fresh), db)
        assert "Restored" in _ok(run_soms(target, "restore", str(archive)))
        again = tmp_path / f"restored{i}.zip"
        _ok(run_soms(target, "backup", str(again)))
        got = _tables(again)
        assert got.keys() == expected_rows.keys()
        for label in expected_rows:
            assert got[label] == expected_rows[label], (
                f"{label} differs after restore #{i} ({db or 'sqlite'})"
            )
        assert _files(tmp_path / f"restored{i}" / "media") == expected_files

        # A restored installation is a working one: new rows get new ids (PostgreSQL sequences reset).
        _ok(
            run_soms(
                target,
                "shell",
                "--no-imports",
                "-c",
                "from soms.tenancy.services import organisation_create; organisation_create(name='After restore', owner=None, actor=None)",
            )
        )
        # And a second restore into it is refused, saying why, with nothing written.
        refused = run_soms(target, "restore", str(archive))
        assert refused.returncode != 0 and "already has data" in refused.stderr
        archive = again


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    # Migrated already: a restore into a fresh directory migrates it first, which the test above does.
    env = soms_env(migrated_data_dir(tmp_path / "x"))
    bogus = tmp_path / "bogus.zip"
    with zipfile.ZipFile(bogus, "w") as z:
        z.writestr("hello.txt", "hi")
    done = run_soms(env, "restore", str(bogus))
    assert done.returncode != 0 and "not a SOMS backup" in done.stderr
    (tmp_path / "plain.txt").write_text("not a zip")
    done = run_soms(env, "restore", str(tmp_path / "plain.txt"))
    assert done.returncode != 0 and "plain.txt: is not a zip file" in done.stderr
