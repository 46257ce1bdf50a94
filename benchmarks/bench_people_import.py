"""HR import of 50,000 people: our whole pipeline against a raw `bulk_create` of the same rows.

    uv run python benchmarks/bench_people_import.py [--rows 50000] [--database-url postgres://…/people_bench]

* ours: read the CSV, check every row (columns, ids, e-mails, dates, managers, cycles, units, teams,
  role profiles), plan, and write it — units, teams, people level by level down the reporting lines
  with their manager chains, role-profile links, one audit row — in one transaction.
* baseline: `Person.objects.bulk_create` of the same 50,000 rows (same text fields, no unit, team,
  manager or profile, nothing checked) in the same run, into a second organisation.
* also reported: how long our write took, how long preparing the rows before it took, and the
  longest any one of its transactions held the database (on SQLite, the one write lock every other
  organisation waits for; there the import is staged in short transactions by default).

Without --database-url it runs on a fresh SQLite file in a temporary directory; with it, on that
PostgreSQL database, which it drops and creates first (give it its own name). Results go to
benchmarks/results/ as JSON.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_rows(n: int, seed: int = 7) -> list[list[str]]:
    """A realistic organisation: divisions / departments / sections, teams in sections, a span of
    control of about 8, a tenth of people holding a role profile."""
    rnd = random.Random(seed)
    divisions = ["Operations", "Claims", "Finance", "Customer Service", "Technology"]
    units = [f"{d}/Dept {i}/Section {j}" for d in divisions for i in range(1, 7) for j in range(1, 7)]
    first = ["Ada", "Ben", "Chloe", "Dev", "Esme", "Farid", "Grace", "Hugo", "Iris", "Jon", "Kemi", "Liam"]
    last = ["Okafor", "Raman", "Smith", "Nowak", "García", "Chen", "Fischer", "Bello", "Moore", "Hughes"]
    profiles = ["om-maintainer", "om-coach", "om-implementer", "om-designer"]
    rows = [
        [
            "employee_id",
            "name",
            "email",
            "job_title",
            "manager_employee_id",
            "unit",
            "team",
            "location",
            "start_date",
            "active",
            "role_profiles",
        ]
    ]
    start = date(2010, 1, 1)
    for i in range(n):
        emp = f"E{i + 1:06d}"
        manager = "" if i == 0 else f"E{(i - 1) // 8 + 1:06d}"
        unit = units[i % len(units)]
        name = f"{rnd.choice(first)} {rnd.choice(last)} {i}"
        rows.append(
            [
                emp,
                name,
                f"person{i}@example.org",
                rnd.choice(["Handler", "Team lead", "Analyst", "Adviser"]),
                manager,
                unit,
                f"Team {i % 3 + 1}",
                rnd.choice(["Leeds", "Bristol", "Glasgow"]),
                (start + timedelta(days=rnd.randrange(5000))).isoformat(),
                "yes",
                rnd.choice(profiles) if i % 10 == 0 else "",
            ]
        )
    return rows


def prepare_database(url: str | None, data_dir: str, *, keep: bool = False) -> str:
    """Point the settings at `data_dir` (and at `url`'s PostgreSQL database, dropped and created
    afresh unless `keep` asks to reuse it when it exists)."""
    os.environ["SOMS_DATA_DIR"] = data_dir
    os.environ.setdefault("SOMS_ENV", "test")
    if url:
        import psycopg

        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not (keep and exists):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["SOMS_DATABASE_URL"] = url
        return "PostgreSQL"
    os.environ.pop("SOMS_DATABASE_URL", None)
    return "SQLite"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--database-url", help="a PostgreSQL URL with its own database name")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="people-bench-")
    backend = prepare_database(args.database_url, tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soms.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.SOMS_MAX_UPLOAD_BYTES = 100 * 1024 * 1024
    call_command("migrate", verbosity=0)
    from soms.frameworks.services.versions import builtin_frameworks_load
    from soms.people.io.apply import import_people
    from soms.people.io.plan import Options
    from soms.people.io.reading import read_table
    from soms.people.models import Person
    from soms.people.services.profiles import role_profiles_builtin_load
    from soms.tenancy.services import organisation_create

    builtin_frameworks_load()
    role_profiles_builtin_load()
    ours_org = organisation_create(name="Bench ours", owner=None, actor=None)
    raw_org = organisation_create(name="Bench raw", owner=None, actor=None)
    rows = make_rows(args.rows)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    content = buf.getvalue().encode("utf-8")

    # Baseline first, on the same fresh database, so neither side profits from the other's warm cache.
    t0 = time.perf_counter()
    Person.objects.bulk_create(
        [
            Person(
                organisation=raw_org,
                employee_id=r[0],
                name=r[1],
                name_key=r[1].lower(),
                email=r[2],
                job_title=r[3],
                location=r[7],
                start_date=date.fromisoformat(r[8]),
                active=True,
            )
            for r in rows[1:]
        ],
        batch_size=2000,
    )
    raw_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    table = read_table(content, "bench.csv")
    t_read = time.perf_counter() - t0
    timings: dict[str, float] = {}
    plan, result = import_people(
        organisation=ours_org,
        table=table,
        options=Options(),
        actor=None,
        filename="bench.csv",
        timings=timings,
    )
    ours_s = time.perf_counter() - t0
    assert not plan.problems, plan.problems[:5]
    assert result is not None and result["created"] == args.rows, result
    assert Person.objects.filter(organisation=ours_org).count() == args.rows
    deepest = Person.objects.filter(organisation=ours_org, employee_id=f"E{args.rows:06d}").get()
    assert deepest.manager is not None and len(deepest.chain) > 0

    # A second run of the same file: everything unchanged, nothing written.
    t0 = time.perf_counter()
    plan2, result2 = import_people(
        organisation=ours_org,
        table=read_table(content, "bench.csv"),
        options=Options(),
        actor=None,
        filename="bench.csv",
    )
    again_s = time.perf_counter() - t0
    assert result2 is not None and result2["unchanged"] == args.rows

    out = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "backend": backend,
        "rows": args.rows,
        "ours_seconds": round(ours_s, 2),
        "ours_read_seconds": round(t_read, 2),
        "raw_bulk_create_seconds": round(raw_s, 2),
        "ratio": round(ours_s / raw_s, 2),
        # How long the write transaction (SQLite's write lock) was held, against the baseline's
        # whole bulk_create (one transaction per batch in autocommit; its rows in one go would hold
        # the lock as long).
        "ours_prepare_seconds": round(timings["prepare"], 2),
        "ours_write_transaction_seconds": round(timings["write"], 2),
        "ours_commit_seconds": round(timings["commit"], 2),
        # Staged (SQLite by default): the short transactions before the last one, and the longest
        # any one transaction held the database (what another organisation's write may wait for).
        "ours_staged_transactions": int(timings["staged_transactions"]),
        "ours_longest_transaction_seconds": round(timings["longest_transaction"], 2),
        "ours_final_transaction_seconds": round(timings["final_transaction"], 2),
        "reimport_unchanged_seconds": round(again_s, 2),
        "units_created": result["units_created"],
        "teams_created": result["teams_created"],
    }
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / f"people_import_{backend.lower()}.json").write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))
    if ours_s > 60:
        raise SystemExit(f"too slow: {ours_s:.1f} s for {args.rows} rows (limit 60 s)")


if __name__ == "__main__":
    main()
