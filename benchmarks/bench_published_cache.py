"""Grid and exports of a large published framework version: drawn from the database (cold) and read
back from the cache (warm), in the same run.

    uv run python benchmarks/bench_published_cache.py [--statements 20000] [--repeat 3]

A fresh SQLite database in a temporary directory; the version is imported published (the most
statements a version may hold by default, 100 elements, 5 levels). Each request goes through
Django's test client as a signed-in member (the whole view: access check, rate limit, rendering);
"cold" clears the cache before each request, "warm" reads the entry the previous request left.
Results go to benchmarks/results/ as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def csv_framework(n: int, elements: int = 100) -> bytes:
    rows = ["framework_code,version_label,element_code,level_code,level_rank,statement_code,statement_text"]
    rows += [
        f"big,1,e{i % elements},l{i % 5},{i % 5 + 1},S{i},Statement number {i} about doing the work well"
        for i in range(n)
    ]
    return ("\n".join(rows) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["SOMS_DATA_DIR"] = tempfile.mkdtemp(prefix="cache-bench-")
    os.environ.setdefault("SOMS_ENV", "test")
    os.environ.pop("SOMS_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soms.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SOMS_RATES = {f"{g}_{w}": "100000/m" for g in ("grid", "export") for w in ("user", "org")}
    call_command("migrate", verbosity=0)
    from soms.frameworks.services.exchange import framework_import
    from soms.tenancy.services import organisation_create, user_create

    user = user_create(username="bench", password="bench-password-123")
    organisation = organisation_create(name="Bench", owner=user, actor=user)
    version = framework_import(
        organisation=organisation,
        actor=user,
        data=csv_framework(args.statements),
        filename="big.csv",
        publish=True,
    )
    client = Client()
    client.force_login(user)
    targets = {"grid": reverse("framework-version", args=[version.pk])} | {
        f"export {fmt}": reverse("framework-version-export", args=[version.pk, fmt])
        for fmt in ("yaml", "json", "csv", "case")
    }
    targets["API version"] = f"/api/v1/framework-versions/{version.pk}"
    results = []
    for name, url in targets.items():
        cold, warm, size = [], [], 0
        for _ in range(args.repeat):
            cache.clear()
            started = time.perf_counter()
            response = client.get(url)
            cold.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
            size = len(response.content)
            started = time.perf_counter()
            again = client.get(url)
            warm.append(time.perf_counter() - started)
            # Pages carry a fresh CSRF token each time; the rest is the same.
            assert abs(len(again.content) - size) < 200
        row = {
            "target": name,
            "bytes": size,
            "cold_ms": round(statistics.median(cold) * 1000, 1),
            "warm_ms": round(statistics.median(warm) * 1000, 1),
        }
        results.append(row)
        print(f"{name:12} {size / 1e6:6.1f} MB  cold {row['cold_ms']:8.1f} ms  warm {row['warm_ms']:8.1f} ms")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"published-cache-{stamp}.json").write_text(
        json.dumps(
            {
                "when": stamp,
                "statements": args.statements,
                "python": platform.python_version(),
                "load": os.getloadavg(),
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
