"""Request paths any member can make slow, measured at the content limits of soms/limits.py, beside
a baseline request (`GET /api/v1/me`) in the same run: read the ratios, not the seconds.

    uv run python benchmarks/bench_limits_paths.py [--repeat 2] [--audit-rows 100000]

A fresh SQLite database in a temporary directory. Three versions are imported: a published one
and a draft at MAX_STATEMENTS (20,000 statements over 2,000 elements and 20 levels, the element and
level limits), and a draft at BACKGROUND_EXPORT_STATEMENTS (2,000, the most an export renders in the
request) whose statements are MAX_STATEMENT_LENGTH characters long. The audit log gets
`--audit-rows` entries. Each request goes through Django's test client as the organisation's owner
(access check, rate limit — lifted here —, rendering), the cache cleared before a "cold" request;
a streamed answer is read to its end. Results go to benchmarks/results/ as JSON.
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


def csv_framework(code: str, n: int, *, elements: int, levels: int, text_length: int) -> bytes:
    rows = ["framework_code,version_label,element_code,level_code,level_rank,statement_code,statement_text"]
    for i in range(n):
        text = f"Statement {i} about doing the work well. "
        text = (text * (text_length // len(text) + 1))[:text_length].strip()
        rows.append(f'{code},1,e{i % elements},l{i % levels},{i % levels + 1},S{i},"{text}"')
    return ("\n".join(rows) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--audit-rows", type=int, default=100_000)
    args = parser.parse_args()
    os.environ["SOMS_DATA_DIR"] = tempfile.mkdtemp(prefix="limits-bench-")
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

    from soms import limits

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SOMS_RATES = {
        f"{g}_{w}": "100000/m" for g in ("grid", "export", "import", "capacity") for w in ("user", "org")
    }
    call_command("migrate", verbosity=0)
    from soms.frameworks.services.exchange import framework_import
    from soms.tenancy.models import AuditLogEntry
    from soms.tenancy.services import organisation_create, user_create

    user = user_create(username="bench", password="bench-password-123")
    org = organisation_create(name="Bench", owner=user, actor=user)

    def imported(code: str, n: int, *, elements: int, levels: int, text_length: int, publish: bool) -> int:
        started = time.perf_counter()
        data = csv_framework(code, n, elements=elements, levels=levels, text_length=text_length)
        version = framework_import(
            organisation=org, actor=user, data=data, filename=f"{code}.csv", publish=publish
        )
        print(
            f"imported {code}: {n:,} statements, {len(data) / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s"
        )
        return version.pk

    biggest = dict(
        n=limits.MAX_STATEMENTS, elements=limits.MAX_ELEMENTS, levels=limits.MAX_LEVELS, text_length=120
    )
    published = imported("pub", **biggest, publish=True)
    draft = imported("draft", **biggest, publish=False)
    inline = imported(
        "inline",
        limits.BACKGROUND_EXPORT_STATEMENTS,
        elements=200,
        levels=limits.MAX_LEVELS,
        text_length=limits.MAX_STATEMENT_LENGTH,
        publish=False,
    )
    # The largest draft whose export still renders in the request (BACKGROUND_EXPORT_CHARACTERS).
    edge = imported(
        "edge",
        limits.BACKGROUND_EXPORT_CHARACTERS // limits.MAX_STATEMENT_LENGTH,
        elements=100,
        levels=limits.MAX_LEVELS,
        text_length=limits.MAX_STATEMENT_LENGTH,
        publish=False,
    )
    started = time.perf_counter()
    AuditLogEntry.objects.bulk_create(
        [
            AuditLogEntry(
                organisation=org,
                actor=user,
                action="bench.event",
                object_type="row",
                object_id=str(i),
                object_repr=f"row {i}",
                after={"i": i},
            )
            for i in range(args.audit_rows)
        ],
        batch_size=5000,
    )
    print(f"audit log: {args.audit_rows:,} entries in {time.perf_counter() - started:.1f} s")

    client = Client()
    client.force_login(user)
    session = client.session
    session["soms_organisation_id"] = org.pk
    session.save()
    targets: dict[str, str] = {
        "baseline GET /api/v1/me": "/api/v1/me",
        "grid, published 20,000": reverse("framework-version", args=[published]),
        "grid, draft 20,000": reverse("framework-version", args=[draft]),
        "API version doc, published 20,000": f"/api/v1/framework-versions/{published}",
        "API version doc, draft 20,000": f"/api/v1/framework-versions/{draft}",
    }
    for fmt in ("csv", "case", "yaml", "json"):
        targets[f"export {fmt}, draft 2,000 x 4,000 chars"] = reverse(
            "framework-version-export", args=[inline, fmt]
        )
    for fmt in ("csv", "case", "yaml", "json"):
        targets[f"export {fmt}, draft 500 x 4,000 chars"] = reverse(
            "framework-version-export", args=[edge, fmt]
        )
    targets[f"audit log CSV, {args.audit_rows:,} entries"] = reverse("audit-log-csv")
    targets["audit log page"] = reverse("audit-log")
    results = []
    for name, url in targets.items():
        cold, warm, size, status = [], [], 0, 0
        for _ in range(args.repeat):
            cache.clear()
            started = time.perf_counter()
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            cold.append(time.perf_counter() - started)
            status, size = response.status_code, len(body)
            started = time.perf_counter()
            again = client.get(url)
            _ = b"".join(again.streaming_content) if again.streaming else again.content
            warm.append(time.perf_counter() - started)
        row = {
            "target": name,
            "status": status,
            "bytes": size,
            "cold_ms": round(statistics.median(cold) * 1000, 1),
            "warm_ms": round(statistics.median(warm) * 1000, 1),
        }
        results.append(row)
        print(
            f"{name:44} {status} {size / 1e6:7.2f} MB  cold {row['cold_ms']:9.1f} ms  warm {row['warm_ms']:9.1f} ms"
        )
    # What the export job itself spends (in the worker, not in a request) on the 8 MB draft.
    from soms.frameworks.models import FrameworkVersion
    from soms.frameworks.services.exchange import framework_version_export

    version = FrameworkVersion.objects.get(pk=inline)
    for fmt in ("csv", "case", "yaml", "json"):
        started = time.perf_counter()
        rendered = framework_version_export(version=version, format=fmt)
        took = round((time.perf_counter() - started) * 1000, 1)
        results.append(
            {
                "target": f"export job render {fmt}, 2,000 x 4,000 chars",
                "bytes": len(rendered.content),
                "ms": took,
            }
        )
        print(
            f"{'export job render ' + fmt + ', 2,000 x 4,000 chars':44}     {len(rendered.content) / 1e6:7.2f} MB  {took:9.1f} ms"
        )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"limits-paths-{stamp}.json").write_text(
        json.dumps(
            {"when": stamp, "python": platform.python_version(), "load": os.getloadavg(), "results": results},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
