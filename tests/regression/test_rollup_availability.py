"""Rebuilding one organisation's Insights rollups must never stop the others (issue 12, F19).

The probe: at 50,000 people a rebuild of an organisation's rollups (after a rule change, or
`soms insights rollups`) held SQLite's write lock for 6–7 s in one transaction, so sign-ins and
writes in *other* organisations waited or failed with "database is locked". Here a real server
(gunicorn, SQLite file) serves organisation B while, in another process, organisation A (thousands
of people with attainment) rebuilds its rollups again and again (what `soms insights rollups`, a
file import or a rule-change recomputation runs). Every one of B's sign-ins and writes must succeed,
none more than a second slower than on an idle server, and no transaction of A's may hold the write
lock for a second. (`benchmarks/bench_rollup_locks.py` measures the rule-change recompute job too.)

Every test run rebuilds 500 people in small batches; 4,000 and 50,000 people are marked slow
(`make bench`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.regression.live import b_works_while, live_server

pytestmark = pytest.mark.sqlite_only

ROOT = Path(__file__).resolve().parents[2]

# Run in A's own process, as the worker would: builds A (once), then measures.
BUILD_A = r"""
import json, sys, django
django.setup()
from soms.frameworks.services.versions import builtin_frameworks_load
from soms.insights.scale import large_assessments
from soms.insights.selectors.picture import default_version
from soms.people.demo import large_organisation
builtin_frameworks_load()
org = large_organisation(people=int(sys.argv[1]), teams=int(sys.argv[1]) // 25, progress=lambda *a: None)
version = default_version(org.pk)
large_assessments(org, version, history_months=0)
print(json.dumps({"org": org.slug, "version": version.pk}))
"""

REBUILD_A = r"""
import json, sys, time, django
django.setup()
from django.db import connection
from soms.frameworks.models import FrameworkVersion
from soms.insights import rollups
from soms.tenancy.models import Organisation
from tests.regression.write_lock import write_transactions

org = Organisation.objects.get(slug=sys.argv[1])
version = FrameworkVersion.objects.get(pk=int(sys.argv[2]))
out = {}
with write_transactions(connection) as held:
    started = time.perf_counter()
    for _ in range(int(sys.argv[3])):
        out["unit_rows"] = rollups.rebuild(org.pk, version)
    out["rebuild_seconds"] = time.perf_counter() - started
out["transactions"] = len(held)
out["longest_transaction"], out["longest_where"] = held.longest()
out["by_place"] = held.longest_by_place()
print(json.dumps(out))
"""


def _env(data_dir: Path, settings: dict[str, str] | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "soms.settings",
        "SOMS_ENV": "development",
        "SOMS_DATA_DIR": str(data_dir),
        "SOMS_DATABASE_URL": "",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        **(settings or {}),
    }


def _rebuild_in_a_while_b_works(
    tmp_path: Path, people: int, rounds: int, settings: dict[str, str] | None = None
) -> dict[str, object]:
    """`settings`: environment for A's rebuilding process (its batch size)."""
    with live_server(tmp_path) as (base, tokens):
        built = subprocess.run(
            [sys.executable, "-c", BUILD_A, str(people)],
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=1200,
            check=True,
        )
        a = json.loads(built.stdout.strip().splitlines()[-1])
        result: dict[str, object] = {}

        def rebuild_in_a() -> None:
            done = subprocess.run(
                [sys.executable, "-c", REBUILD_A, a["org"], str(a["version"]), str(rounds)],
                env=_env(tmp_path, settings),
                capture_output=True,
                text=True,
                timeout=1200,
            )
            result["rc"], result["stderr"] = done.returncode, done.stderr[-3000:]
            if done.returncode == 0:
                result.update(json.loads(done.stdout.strip().splitlines()[-1]))

        b = b_works_while(base, tokens["bob"], rebuild_in_a, within=1200)

    assert result["rc"] == 0, result["stderr"]
    facts = {k: v for k, v in result.items() if k != "stderr"}
    worst = b.check(at_least=4, facts=facts)
    assert result["longest_transaction"] < 1.0, facts  # type: ignore[operator]
    # Shown with -s (make bench): how A's transactions and B's requests fared.
    print(
        f"\n{people:,} people: {rounds} rebuilds in {result['rebuild_seconds']:.1f} s, "
        f"{result['transactions']} write transactions, the longest "
        f"{result['longest_transaction'] * 1000:.0f} ms; B made {len(b.during)} requests, at most "  # type: ignore[operator]
        f"{worst:.2f} s slower than idle ({b.baseline})"
    )
    return facts


def test_a_rollup_rebuild_in_one_organisation_does_not_stall_another(tmp_path):
    """The same at a size for every run: 500 people written in batches of 50 rows (instead of
    SOMS_ROLLUP_WRITE_ROWS' 1,000), so each rebuild is many short transactions, not one."""
    facts = _rebuild_in_a_while_b_works(tmp_path, 500, rounds=3, settings={"SOMS_ROLLUP_WRITE_ROWS": "50"})
    # 500 people's tallies alone are ten batches a rebuild: one transaction each would be three.
    assert facts["transactions"] >= 3 * 10, facts  # type: ignore[operator]


@pytest.mark.slow
def test_a_4000_person_rollup_rebuild_in_one_organisation_does_not_stall_another(tmp_path):
    _rebuild_in_a_while_b_works(tmp_path, 4_000, rounds=5)


@pytest.mark.slow
def test_a_50000_person_rollup_rebuild_in_one_organisation_does_not_stall_another(tmp_path):
    """The probe's size."""
    _rebuild_in_a_while_b_works(tmp_path, 50_000, rounds=2)
