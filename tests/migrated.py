"""Data directories set up once per test run for tests that run `soms` as real processes (`soms
worker`, `soms start`, `soms backup`, the availability tests' live servers): each test starts from
a copy.

- `migrated_data_dir(path)`: a SQLite database that `soms migrate` brought up to date on an empty
  data directory. Migrating takes 10-25 s of CPU (Django renders the model states of every
  migration); `soms migrate` on an empty data directory is still checked, here, by the first test
  that asks.
- `migrated_data_dir(path, static=True)`: the static files collected as `soms start` collects them
  (compressed, with the stamp that tells a later `soms start` they are current): another 25-30 s of
  CPU, which `soms start` would otherwise pay again in every fresh data directory.

Templates are built by whichever pytest-xdist worker asks first; the other worker waits for it
under a file lock and copies the same one (`shared_template`), so a run pays each set-up once, not
once per worker. They live in the run's temporary directory (pytest keeps the last few runs').
"""

from __future__ import annotations

import atexit
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "soms.sqlite3"

# The directory every worker of this test run shares: set by tests/conftest.py (the parent of the
# workers' own temporary directories); a process of its own outside pytest.
SHARED_ROOT: Path | None = None

COLLECT = r"""
import django
django.setup()
from soms.site.management.commands.start import collect_static
collect_static()
"""


def _shared_root() -> Path:
    global SHARED_ROOT
    if SHARED_ROOT is None:
        SHARED_ROOT = Path(tempfile.mkdtemp(prefix="soms-templates-"))
        atexit.register(shutil.rmtree, SHARED_ROOT, True)
    return SHARED_ROOT


def shared_template(name: str, build: Callable[[Path], None]) -> Path:
    """The directory `build` filled, built once per test run: the first process to ask builds it
    while any other waits on the lock, and all get the same finished directory (a build that failed
    leaves none, so the next to ask builds it again and fails the same way)."""
    root = _shared_root() / "soms-templates"
    root.mkdir(parents=True, exist_ok=True)
    done = root / name
    if not done.is_dir():
        with open(root / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not done.is_dir():
                work = root / f"{name}.building"
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir()
                build(work)
                work.rename(done)  # whole or not at all
    return done


def soms_env(data_dir: Path) -> dict[str, str]:
    """The environment of an operator's `soms` on `data_dir`: none of the test run's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOMS_", "DJANGO_"))}
    return env | {"DJANGO_SETTINGS_MODULE": "soms.settings", "SOMS_DATA_DIR": str(data_dir)}


def _run(args: list[str], data_dir: Path) -> None:
    done = subprocess.run(args, env=soms_env(data_dir), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def _migrate(template: Path) -> None:
    _run([sys.executable, "-m", "soms.cli", "migrate", "--verbosity", "0"], template)
    assert (template / DATABASE).is_file(), sorted(p.name for p in template.iterdir())


def _collect(template: Path) -> None:
    _run([sys.executable, "-c", COLLECT], template)
    assert (template / "static").is_dir(), sorted(p.name for p in template.iterdir())


def migrated_data_dir(data_dir: Path, *, static: bool = False) -> Path:
    """`data_dir` (made if missing) holding a database that `soms migrate` has just brought up to
    date, as if it had been run there, and with `static` the static files `soms start` collects;
    the rest of the directory (secret key, media) is its own."""
    data_dir.mkdir(parents=True, exist_ok=True)
    template = shared_template("migrated", _migrate)
    # With its write-ahead log, should the migrating process have left one (SQLite in WAL mode).
    for name in (DATABASE, f"{DATABASE}-wal"):
        if (template / name).exists():
            shutil.copyfile(template / name, data_dir / name)
    if static:
        collected = shared_template("collected", _collect)
        shutil.copytree(collected / "static", data_dir / "static", dirs_exist_ok=True)
    return data_dir
