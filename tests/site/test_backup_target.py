"""`soms backup FILE` refuses, before it reads a row, a FILE it cannot or should not write, saying why;
and writes the archive for its owner's eyes only (it holds password hashes and sessions)."""

from __future__ import annotations

import stat
import tempfile
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.migrated import migrated_data_dir
from tests.site.processes import run_soms, soms_env


def _backup(target: Path, *args: str) -> str:
    # No `db` fixture: these are refused before any query (pytest-django would refuse it).
    with pytest.raises(CommandError) as refused:
        call_command("backup", str(target), *args)
    return str(refused.value)


def test_a_folder_is_not_a_file_name(tmp_path):
    assert "is a folder; name the archive to write" in _backup(tmp_path)
    assert "is a folder" in _backup(tmp_path, "--force")


def test_an_existing_file_is_kept_unless_forced(tmp_path):
    (tmp_path / "old.zip").write_bytes(b"last week's")
    said = _backup(tmp_path / "old.zip")
    assert "old.zip exists; choose another name or pass --force" in said
    assert (tmp_path / "old.zip").read_bytes() == b"last week's"


def test_a_missing_folder_or_a_file_as_folder_is_named(tmp_path):
    assert f"the folder {tmp_path / 'nope'} does not exist" in _backup(tmp_path / "nope" / "b.zip")
    (tmp_path / "plain").write_text("x")
    assert f"{tmp_path / 'plain'} is not a folder" in _backup(tmp_path / "plain" / "b.zip")


def test_a_backup_inside_the_media_folder_is_refused(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "jobs").mkdir(parents=True)
    assert "is inside the media folder" in _backup(tmp_path / "media" / "jobs" / "b.zip")


def test_an_unwritable_folder_is_named_with_the_reason():
    try:
        fd, name = tempfile.mkstemp(dir="/sys")
    except OSError:
        pass
    else:  # pragma: no cover - a machine whose /sys takes files
        Path(name).unlink()
        pytest.skip("/sys is writable here")
    assert _backup(Path("/sys/soms.zip")) == "cannot write in /sys: Permission denied"


def test_an_unmigrated_database_is_named_and_no_archive_is_left(tmp_path):
    done = run_soms(soms_env(tmp_path / "new"), "backup", str(tmp_path / "b.zip"))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "the database is not migrated" in done.stderr and "run `soms migrate`" in done.stderr
    assert list(tmp_path.glob("*.zip")) == [] and list(tmp_path.glob(".b.zip*")) == []


def test_force_replaces_an_archive_which_only_its_owner_can_read(tmp_path):
    env = soms_env(migrated_data_dir(tmp_path / "data"))
    target = tmp_path / "b.zip"
    target.write_bytes(b"last week's")
    refused = run_soms(env, "backup", str(target))
    assert refused.returncode == 1 and "b.zip exists" in refused.stderr
    done = run_soms(env, "backup", str(target), "--force")
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with zipfile.ZipFile(target) as z:
        assert "manifest.json" in z.namelist()


def test_a_database_that_cannot_be_reached_is_named(tmp_path):
    from tests.site.processes import PG

    env = soms_env(tmp_path / "data", f"{PG}/soms_backup_no_such_database")
    done = run_soms(env, "backup", str(tmp_path / "b.zip"))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "cannot read the database" in done.stderr
    assert list(tmp_path.glob("*.zip")) == [] and list(tmp_path.glob(".b.zip*")) == []
