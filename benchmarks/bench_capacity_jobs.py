"""How long a request worker is held by the largest plan and simulation, now that they run as jobs,
beside what the same computation costs inside the request (as before), in the same run.

    uv run python benchmarks/bench_capacity_jobs.py [--repeat 1]

A fresh SQLite database in a temporary directory; each request goes through Django's test client as
a signed-in member (the whole view: access check, rate limit, body parsing, the demand read and
checked, the job queued). "inline" is the same computation called directly, which is what the
request spent before; "job" is the worker running the queued job to its end. Results go to
benchmarks/results/ as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    os.environ["SOMS_DATA_DIR"] = tempfile.mkdtemp(prefix="capacity-jobs-bench-")
    os.environ.setdefault("SOMS_ENV", "test")
    os.environ.pop("SOMS_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soms.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SOMS_RATES = {f"capacity_{w}": "100000/m" for w in ("user", "org")}
    call_command("migrate", verbosity=0)
    from soms.core.capacity.sample import series_to_csv, synthetic_series
    from soms.jobs.models import Job
    from soms.jobs.runner import job_execute
    from soms.limits import MAX_INTERVALS, MAX_SIMULATED_CALLS
    from soms.tenancy.services import organisation_create, user_create
    from soms.toolkits.capacity import compute
    from soms.toolkits.capacity.schemas import PlanInput, SimulateInput

    user = user_create(username="bench", password="bench-password-123")
    organisation_create(name="Bench", owner=user, actor=user)
    client = Client()
    client.force_login(user)

    days = MAX_INTERVALS // 48
    largest = series_to_csv(synthetic_series(datetime(2020, 1, 6), days=days, seed=1))
    calls = [MAX_SIMULATED_CALLS / 500 / 48] * 48
    cases = {
        "plan, 100,000 half-hours, 28 days ahead": (
            "/api/v1/capacity/plan",
            {"csv": largest, "horizon_days": 28},
            lambda b: compute.compute_plan(PlanInput.model_validate(b)),
        ),
        "simulation, 2,000,000 simulated calls": (
            "/api/v1/capacity/simulate",
            {"calls": calls, "aht": 300, "replications": 500},
            lambda b: compute.compute_simulation(SimulateInput.model_validate(b)),
        ),
        "plan of the built-in sample (stays inline)": (
            "/api/v1/capacity/plan",
            {"source": "sample"},
            lambda b: compute.compute_plan(PlanInput.model_validate(b)),
        ),
    }
    compute.compute_plan(PlanInput(source="sample"))  # NumPy, SciPy and the sample loaded once
    rows = []
    for name, (path, body, inline) in cases.items():
        for _ in range(args.repeat):
            data = json.dumps(body)
            t = time.perf_counter()
            response = client.post(path, data, content_type="application/json")
            held = time.perf_counter() - t
            job_seconds = None
            if response.status_code == 202:
                t = time.perf_counter()
                assert job_execute(response.json()["id"]) == "done"
                job_seconds = time.perf_counter() - t
            t = time.perf_counter()
            inline(body)
            before = time.perf_counter() - t
            rows.append(
                {
                    "case": name,
                    "status": response.status_code,
                    "request_seconds": round(held, 3),
                    "inline_seconds": round(before, 3),
                    "job_seconds": None if job_seconds is None else round(job_seconds, 3),
                    "request_over_inline": round(held / before, 3),
                }
            )
            print(
                f"{name:<46} {response.status_code}  request {held:6.2f} s  inline (before) {before:6.2f} s  "
                f"ratio {held / before:5.2f}" + (f"  job {job_seconds:6.2f} s" if job_seconds else "")
            )
    assert Job.objects.count() == 2 * args.repeat

    # The read and check of the largest demand file that the plan's request still does: the
    # whole-file reading beside the row-by-row reading it replaced (kept as the fallback that words
    # the problems of a bad file), on the same text in the same run.
    from soms.core.capacity import demand

    whole_file = demand._parse_clean
    for _ in range(args.repeat):
        t = time.perf_counter()
        fast = demand.parse_demand_csv(largest)
        now = time.perf_counter() - t
        demand._parse_clean = lambda *a: None  # type: ignore[assignment]
        try:
            t = time.perf_counter()
            slow = demand.parse_demand_csv(largest)
            before = time.perf_counter() - t
        finally:
            demand._parse_clean = whole_file
        assert fast.start == slow.start and len(fast.arrivals) == len(slow.arrivals)
        rows.append(
            {
                "case": "parse_demand_csv, 100,000 rows",
                "now_seconds": round(now, 3),
                "row_by_row_seconds": round(before, 3),
                "now_over_row_by_row": round(now / before, 3),
            }
        )
        print(
            f"{'parse_demand_csv, 100,000 rows':<46}      now {now:6.2f} s  row by row (before) {before:6.2f} s  "
            f"ratio {now / before:5.2f}"
        )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"capacity-jobs-{stamp}.json").write_text(
        json.dumps(
            {
                "when": stamp,
                "machine": platform.platform(),
                "python": platform.python_version(),
                "load": os.getloadavg(),
                "rows": rows,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
