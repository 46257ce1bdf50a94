"""The framework grid at the content limits, a page at a time, beside what it cost drawn whole and
beside the raw SQL read of the same statements, in the same run: read the ratios, not the seconds.

    uv run python benchmarks/bench_grid_pages.py [--repeat 3] [--statements 20000]

A fresh SQLite database in a temporary directory. Imported: a draft and a published version of
`--statements` statements (MAX_STATEMENTS) over MAX_ELEMENTS elements and MAX_LEVELS levels, and a
"crowded" draft whose statements all sit in one cell. Each request goes through Django's test client
as the organisation's owner (rate limits lifted); a published page is timed cold (cache cleared)
and warm. "Whole grid" is the drawing before paging: the same selector and template with one page
holding every element and no cap on a cell. The baselines are the raw SQL read of every statement
of the version (what any drawing of the whole grid must at least do) and `GET /api/v1/me`.
Results go to benchmarks/results/ as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def csv_framework(code: str, n: int, *, elements: int, levels: int, crowd: bool = False) -> bytes:
    rows = ["framework_code,version_label,element_code,level_code,level_rank,statement_code,statement_text"]
    if crowd:  # every element and level declared by one statement, the rest in the first cell
        rows += [f"{code},1,e{i},l{i % levels},{i % levels + 1},D{i},Declares e{i}" for i in range(elements)]
        rows += [
            f"{code},1,e0,l0,1,S{i},Statement {i} about doing the work well." for i in range(n - elements)
        ]
    else:
        rows += [
            f"{code},1,e{i % elements},l{i % levels},{i % levels + 1},S{i},Statement {i} about doing the work well."
            for i in range(n)
        ]
    return ("\n".join(rows) + "\n").encode()


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--statements", type=int, default=0, help="default: MAX_STATEMENTS")
    parser.add_argument(
        "--no-whole", action="store_true", help="skip drawing the whole grid (tens of seconds)"
    )
    args = parser.parse_args()
    os.environ["SOMS_DATA_DIR"] = tempfile.mkdtemp(prefix="grid-bench-")
    os.environ.setdefault("SOMS_ENV", "test")
    os.environ.pop("SOMS_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soms.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from soms import limits
    from soms.frameworks.models import FrameworkVersion
    from soms.frameworks.selectors import versions as selectors
    from soms.frameworks.services.exchange import framework_import
    from soms.tenancy.services import organisation_create, user_create

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SOMS_RATES = {f"grid_{w}": "100000/m" for w in ("user", "org")} | {
        k: v for k, v in getattr(settings, "SOMS_RATES", {}).items() if not k.startswith("grid_")
    }
    call_command("migrate", verbosity=0)
    n = args.statements or limits.MAX_STATEMENTS
    user = user_create(username="bench", password="bench-password-123")
    org = organisation_create(name="Bench", owner=user, actor=user)

    def imported(code: str, *, publish: bool, crowd: bool = False) -> FrameworkVersion:
        started = time.perf_counter()
        data = csv_framework(code, n, elements=limits.MAX_ELEMENTS, levels=limits.MAX_LEVELS, crowd=crowd)
        version = framework_import(
            organisation=org, actor=user, data=data, filename=f"{code}.csv", publish=publish
        )
        print(f"imported {code}: {n:,} statements in {time.perf_counter() - started:.1f} s")
        return version

    draft = imported("draft", publish=False)
    published = imported("pub", publish=True)
    crowded = imported("crowd", publish=False, crowd=True)

    client = Client()
    client.force_login(user)
    session = client.session
    session["soms_organisation_id"] = org.pk
    session.save()
    results: list[dict[str, Any]] = []

    def report(
        name: str, seconds: float, size: int | None = None, queries: int | None = None, **extra: Any
    ) -> None:
        row = {"target": name, "ms": round(seconds * 1000, 1), "bytes": size, "queries": queries, **extra}
        results.append(row)
        shown = f"{size / 1e6:7.2f} MB" if size is not None else " " * 10
        q = f"{queries:4d} queries" if queries is not None else ""
        print(f"{name:52} {shown}  {row['ms']:10.1f} ms  {q}")

    def request(url: str, *, cold: bool = False) -> tuple[int, int, int]:
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.status_code, len(response.content), len(captured.captured_queries)

    # Baselines: the raw read of every statement of the draft (SQLite, outside Django), and a
    # request that does next to nothing.
    db = sqlite3.connect(settings.DATABASES["default"]["NAME"])

    def raw() -> int:
        rows = db.execute(
            "SELECT id, element_id, level_id, code, text FROM frameworks_statement "
            'WHERE version_id = ? ORDER BY "order", id',
            (draft.pk,),
        ).fetchall()
        return len(rows)

    took, count = timed(raw, args.repeat)
    report(f"baseline: raw SQL read of the {count:,} statements", took)
    request("/api/v1/me")
    took, (_, size, queries) = timed(lambda: request("/api/v1/me"), args.repeat)
    report("baseline: GET /api/v1/me", took, size, queries)

    grid = reverse("framework-version", args=[draft.pk])
    pages = selectors.grid_pages(version=draft, level_count=limits.MAX_LEVELS)
    middle = len(pages.pages) // 2
    for label, url in (
        ("draft grid, page 1", grid),
        (f"draft grid, page {middle}", f"{grid}?page={middle}"),
        (f"draft grid, page {len(pages.pages)} (last)", f"{grid}?page={len(pages.pages)}"),
        ("draft grid, ?element= (page of the 1,500th)", f"{grid}?element={draft.elements.all()[1499].pk}"),
    ):
        took, (_, size, queries) = timed(lambda url=url: request(url), args.repeat)
        report(label, took, size, queries, pages=len(pages.pages))
    pub = reverse("framework-version", args=[published.pk])
    took, (_, size, queries) = timed(lambda: request(pub, cold=True), args.repeat)
    report("published grid, page 1, cold", took, size, queries)
    took, (_, size, queries) = timed(lambda: request(pub), args.repeat)
    report("published grid, page 1, warm", took, size, queries)
    crowd_grid = reverse("framework-version", args=[crowded.pk])
    took, (_, size, queries) = timed(lambda: request(crowd_grid), args.repeat)
    report(f"crowded draft grid ({n - limits.MAX_ELEMENTS + 1:,} in one cell), page 1", took, size, queries)
    e0 = crowded.elements.get(code="e0")
    l0 = crowded.levels.get(code="l0")
    cell = reverse("framework-cell", args=[crowded.pk, e0.pk, l0.pk])
    took, (_, size, queries) = timed(lambda: request(cell), args.repeat)
    report("crowded cell page 1", took, size, queries)
    took, (_, size, queries) = timed(lambda: request(cell + "?page=999999"), args.repeat)
    report("crowded cell, last page", took, size, queries)

    if not args.no_whole:
        # Before: every element on one page and no cap on a cell (the drawing this replaces).
        def whole() -> tuple[int, int, int]:
            saved = (
                selectors.GRID_ELEMENTS_PER_PAGE,
                selectors.GRID_STATEMENTS_PER_PAGE,
                selectors.GRID_CELL_STATEMENTS,
            )
            selectors.GRID_ELEMENTS_PER_PAGE = selectors.GRID_STATEMENTS_PER_PAGE = (
                selectors.GRID_CELL_STATEMENTS
            ) = 10**9
            try:
                return request(grid)
            finally:
                (
                    selectors.GRID_ELEMENTS_PER_PAGE,
                    selectors.GRID_STATEMENTS_PER_PAGE,
                    selectors.GRID_CELL_STATEMENTS,
                ) = saved

        took, (_, size, queries) = timed(whole, 1)
        report("before: the whole draft grid in one request (no paging, no cap)", took, size, queries)

    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"grid-pages-{stamp}.json").write_text(
        json.dumps(
            {"when": stamp, "python": platform.python_version(), "load": os.getloadavg(), "results": results},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
