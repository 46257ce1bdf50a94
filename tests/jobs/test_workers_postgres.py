"""Several `soms worker` processes on one PostgreSQL database: every job runs exactly once, and no
organisation runs more jobs at once than its share (SKIP LOCKED claims, soms.jobs.queue)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from soms.jobs.models import Job, JobStatus
from soms.jobs.services import job_start
from tests.jobs.jobfns import nap

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    user, password = db.get("USER") or "", db.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def test_three_workers_run_each_job_once_and_keep_each_organisation_to_its_share(world, tmp_path):
    for org, owner in ((world.org_a, world.alice), (world.org_b, world.bob)):
        for i in range(6):
            job_start(
                job_function=nap, organisation=org, owner=owner, title=f"Nap {i}", params={"seconds": 0.4}
            )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOMS_", "DJANGO_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "soms.settings",
        "SOMS_DATA_DIR": str(tmp_path),
        "SOMS_DATABASE_URL": _database_url(),
        "SOMS_JOBS_RUNNING_PER_ORGANISATION": "1",
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "soms.cli", "worker", "--no-startup-delay", "--interval", "0.1"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(3)
    ]
    try:
        deadline = time.monotonic() + 240
        while Job.objects.exclude(status=JobStatus.DONE).exists():
            assert all(w.poll() is None for w in workers) and time.monotonic() < deadline
            time.sleep(0.3)
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait()
    jobs = list(Job.objects.order_by("started_at"))
    assert len(jobs) == 12 and all(j.attempts == 1 and j.message == "Rested." for j in jobs)
    for org in (world.org_a, world.org_b):
        runs = [(j.started_at, j.finished_at) for j in jobs if j.organisation_id == org.pk]
        for (_, finished), (started, _) in zip(runs, runs[1:], strict=False):
            assert finished <= started, "two jobs of one organisation ran at once"
