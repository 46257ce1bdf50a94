"""A freshly migrated SQLite database for tests that run `soms` as real processes (`soms worker`,
`soms backup`): `soms migrate` runs once per test process into a template data directory, and each
test starts from a copy of its database file. Migrating takes 15-25 s of CPU (Django renders the
model states of every migration), which these tests paid once each; what they check starts after it.
`soms migrate` on an empty data directory is still checked, here, by the first test that asks.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "soms.sqlite3"

_TEMPLATE: Path | None = None


def _template() -> Path:
    global _TEMPLATE
    if _TEMPLATE is None:
        template = Path(tempfile.mkdtemp(prefix="soms-migrated-"))
        atexit.register(shutil.rmtree, template, True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SOMS_", "DJANGO_"))}
        env |= {"DJANGO_SETTINGS_MODULE": "soms.settings", "SOMS_DATA_DIR": str(template)}
        done = subprocess.run(
            [sys.executable, "-m", "soms.cli", "migrate", "--verbosity", "0"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert (template / DATABASE).is_file(), sorted(p.name for p in template.iterdir())
        _TEMPLATE = template
    return _TEMPLATE


def migrated_data_dir(data_dir: Path) -> Path:
    """`data_dir` (made if missing) holding a database that `soms migrate` has just brought up to
    date, as if it had been run there; the rest of the directory (secret key, media) is its own."""
    data_dir.mkdir(parents=True, exist_ok=True)
    template = _template()
    # With its write-ahead log, should the migrating process have left one (SQLite in WAL mode).
    for name in (DATABASE, f"{DATABASE}-wal"):
        if (template / name).exists():
            shutil.copyfile(template / name, data_dir / name)
    return data_dir
