"""The audit log's CSV export at 100,000 entries: what the request spends now that a job writes a
large export, beside the export streamed in the request (what it spent before) and a baseline
request (`GET /api/v1/me`), in the same run; the job's own time is the worker's.

    uv run python benchmarks/bench_audit_export.py [--entries 100000] [--repeat 2]

A fresh SQLite database in a temporary directory; Django's test client as the organisation's owner,
rate limits lifted. Results go to benchmarks/results/ as JSON.
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    os.environ["SOMS_DATA_DIR"] = tempfile.mkdtemp(prefix="audit-export-bench-")
    os.environ.setdefault("SOMS_ENV", "test")
    os.environ.pop("SOMS_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soms.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from soms.jobs.models import Job
    from soms.jobs.runner import job_execute
    from soms.tenancy.models import AuditLogEntry
    from soms.tenancy.services import organisation_create, user_create

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SOMS_RATES = {"export_user": "100000/m", "export_org": "100000/m"}
    call_command("migrate", verbosity=0)
    user = user_create(username="bench", password="bench-password-123")
    org = organisation_create(name="Bench", owner=user, actor=user)
    AuditLogEntry.objects.bulk_create(
        [
            AuditLogEntry(
                organisation=org,
                actor=user,
                action="kpi.update",
                object_type="Kpi",
                object_id=str(i),
                object_repr=f"row {i}",
                before={"i": i - 1},
                after={"i": i},
            )
            for i in range(args.entries)
        ],
        batch_size=5000,
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session["soms_organisation_id"] = org.pk
    session.save()
    url = reverse("audit-log-csv")
    results: list[dict[str, Any]] = []

    def report(name: str, times: list[float], size: int, status: int) -> None:
        row = {"target": name, "status": status, "bytes": size, "ms": [round(t * 1000, 1) for t in times]}
        results.append(row)
        shown = " / ".join(f"{t * 1000:,.0f}" for t in times)
        print(
            f"{name:58} {status} {size / 1e6:6.2f} MB  {shown} ms (median {statistics.median(times) * 1000:,.0f})"
        )

    def run(name: str, fn: Any) -> None:
        times, size, status = [], 0, 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            status, size = fn()
            times.append(time.perf_counter() - started)
        report(name, times, size, status)

    def get(path: str) -> tuple[int, int]:
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, len(body)

    client.get("/api/v1/me")
    run("baseline: GET /api/v1/me", lambda: get("/api/v1/me"))
    settings.SOMS_AUDIT_EXPORT_INLINE_ROWS = 10**9
    run(f"before: CSV of {args.entries:,} entries streamed in the request", lambda: get(url))
    settings.SOMS_AUDIT_EXPORT_INLINE_ROWS = 5_000

    def queued() -> tuple[int, int]:
        Job.objects.all().delete()  # a job still waiting would be handed back instead
        return get(url)

    run(f"after: the request that queues the job ({args.entries:,} entries)", queued)
    job = Job.objects.get()
    started = time.perf_counter()
    job_execute(job.pk)
    took = time.perf_counter() - started
    job.refresh_from_db()
    report("after: the job in the worker (not a request)", [took], job.result_file.size, 0)
    assert job.status == "done", job.message
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"audit-export-{stamp}.json").write_text(
        json.dumps(
            {"when": stamp, "python": platform.python_version(), "load": os.getloadavg(), "results": results},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
