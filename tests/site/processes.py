"""`soms` run as an operator runs it, for the backup and restore tests: a process of its own, with
nothing of this test process's settings, on a data folder (and PostgreSQL database) of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres@127.0.0.1:5432"


def pg_up() -> bool:
    """Whether PostgreSQL answers on 127.0.0.1:5432."""
    try:
        import psycopg

        psycopg.connect(f"{PG}/postgres", connect_timeout=2).close()
        return True
    except Exception:
        return False


def soms_env(data: Path, db: str | None = None) -> dict[str, str]:
    """This process's environment without its SOMS and Django settings, on `data` (and `db`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOMS_", "DJANGO_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "soms.settings", "SOMS_DATA_DIR": str(data)}
    if db:
        env["SOMS_DATABASE_URL"] = db
    return env


def run_soms(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`soms ARGS…` in its own process, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "soms.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
