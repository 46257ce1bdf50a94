"""How long the Insights rollup rebuild holds SQLite's write lock, and what another organisation's
writes wait meanwhile (issue 12, F19).

    uv run --frozen python benchmarks/bench_rollup_locks.py [--people 50000] [--teams 2000]
        [--keep DIR]

Builds the large demo organisation with its assessments and attainment (as `bench_insights.py`),
then, each while a thread of the same process writes in *another* organisation in a loop (one short
transaction per write, its own connection):

* `rollups.rebuild()` of every unit (what `soms insights rollups` and a large refresh run);
* `recompute_version()` after a real rule change (validity 36 → 30 months), which writes every
  attainment and triggers the one rollup rebuild (the rule-change recompute job).

For each: the wall time, how many write transactions it opened, the longest of them (from BEGIN
IMMEDIATE to COMMIT: the time it held the lock), and the longest write of the other organisation.
`--keep DIR` keeps the built SQLite file in DIR and reuses it (a copy is measured each time), so a
before and an after run measure the same data.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--keep", help="a directory to keep (and reuse) the built database in")
    parser.add_argument("--rebuild-only", action="store_true", help="skip the rule-change recomputation")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="rollup-locks-")
    built = Path(args.keep) / f"built-{args.people}.sqlite3" if args.keep else None
    if built is not None and built.exists():
        shutil.copy(built, Path(tmp) / "soms.sqlite3")
    os.environ["SOMS_DATA_DIR"] = tmp
    os.environ.setdefault("SOMS_ENV", "test")
    os.environ.pop("SOMS_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soms.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections, transaction
    from tests.regression.write_lock import write_transactions

    call_command("migrate", verbosity=0)
    from soms.assessments.models import ValidityOverride
    from soms.assessments.services.attainment import recompute_version
    from soms.frameworks.services.versions import builtin_frameworks_load
    from soms.insights import rollups
    from soms.insights.scale import large_assessments
    from soms.insights.selectors.picture import default_version
    from soms.people.demo import large_organisation
    from soms.tenancy.models import Organisation
    from soms.tenancy.services import organisation_create

    builtin_frameworks_load()
    t0 = time.perf_counter()
    reused = built is not None and built.exists()
    org = large_organisation(people=args.people, teams=args.teams, progress=lambda *a: None)
    version = default_version(org.pk)
    assert version is not None
    if not reused:  # (it recomputes everyone each time)
        large_assessments(org, version, history_months=0)
    print(f"{args.people:,} people ready in {time.perf_counter() - t0:.1f} s")
    other = Organisation.objects.filter(name="Other organisation").first() or organisation_create(
        name="Other organisation", owner=None, actor=None
    )
    if built is not None and not reused:
        connection.close()
        shutil.copy(Path(tmp) / "soms.sqlite3", built)

    def measured(name: str, fn: Any) -> None:
        stop = threading.Event()
        waits: list[float] = []

        def writer() -> None:
            n = 0
            while not stop.is_set():
                started = time.perf_counter()
                with transaction.atomic():
                    Organisation.objects.filter(pk=other.pk).update(name=f"Other organisation {n % 2}")
                waits.append(time.perf_counter() - started)
                n += 1
                time.sleep(0.05)
            connections.close_all()

        thread = threading.Thread(target=writer)
        thread.start()
        started, cpu0 = time.perf_counter(), time.process_time()
        with write_transactions(connection) as held:
            fn()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu0
        stop.set()
        thread.join()
        longest, where = held.longest()
        ordered = sorted(held)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        print(
            f"| {name} | {seconds:.1f} s ({cpu:.1f} s CPU) | {len(held)} | {longest * 1000:,.0f} ms ({where}); p95 "
            f"{p95 * 1000:,.0f} ms | {len(waits)} | {max(waits) * 1000:,.0f} ms |"
        )
        for place, (n, most) in sorted(held.longest_by_place().items(), key=lambda kv: -kv[1][1]):
            print(f"    {place}: {n} transactions, the longest {most * 1000:,.0f} ms")

    print(
        "| what | wall | write transactions | longest write transaction | other org's writes meanwhile "
        "| the longest of them |"
    )
    print("|---|---|---|---|---|---|")
    measured(f"rollups.rebuild() ({args.people:,} people)", lambda: rollups.rebuild(org.pk, version))
    if args.rebuild_only:
        return
    ValidityOverride.objects.filter(organisation=org, level__version=version).update(validity_months=30)
    measured(
        f"recompute_version() after validity 36 → 30 months, with its rollup rebuild ({args.people:,} people)",
        lambda: recompute_version(version, org.pk),
    )
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
