"""`soms worker` as a real process against a real database file: a job goes in, its result comes out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.migrated import migrated_data_dir

ROOT = Path(__file__).resolve().parents[2]

QUEUE_A_JOB = """
from soms.jobs.services import job_start
from soms.tenancy.services import organisation_create
from tests.jobs.jobfns import count_to
org = organisation_create(name="Worker test", owner=None, actor=None)
job = job_start(job_function=count_to, organisation=org, owner=None, title="Count", params={"n": 4})
print(job.pk)
"""

READ_THE_JOB = """
import sys
from soms.jobs.models import Job
job = Job.objects.get(pk=int(sys.argv[1]))
print(job.status, job.progress_current, job.progress_total, job.message, job.result_file.read().decode().replace(chr(10), ","))
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOMS_", "DJANGO_"))}
    return {**env, "DJANGO_SETTINGS_MODULE": "soms.settings", "SOMS_DATA_DIR": str(tmp_path)}


def _soms(tmp_path: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "soms.cli", *args],
        env=_env(tmp_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_soms_worker_runs_a_queued_job_end_to_end(tmp_path):
    migrated_data_dir(tmp_path)
    queued = _soms(tmp_path, "shell", "--no-imports", "-c", QUEUE_A_JOB)
    assert queued.returncode == 0, queued.stderr
    job_id = queued.stdout.strip().splitlines()[-1]

    worker = _soms(tmp_path, "worker", "--batch", "--no-startup-delay", "--interval", "0")
    assert worker.returncode == 0, worker.stdout + worker.stderr

    read = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); exec(open(0).read())", job_id],
        input=READ_THE_JOB,
        env=_env(tmp_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert read.stdout.split() == ["done", "4", "4", "Counted", "to", "4.", "1,2,3,4"], read.stderr


def test_soms_worker_stops_gracefully_on_sigterm(tmp_path):
    migrated_data_dir(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "soms.cli", "worker", "--no-startup-delay", "--interval", "0.2"],
        env=_env(tmp_path),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # The worker says so once its signal handlers are in place.
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while "Starting worker" not in proc.stdout.readline():
            assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.5)  # into its polling loop
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_soms_start_runs_a_worker_beside_the_server_and_stops_it(tmp_path):
    import socket

    # Migrated and its static files collected already (`soms start` does both too, but that is not
    # what this test is about: on a busy machine a fresh migration and compressing every static file
    # took most of the two minutes the test gives the server, 30 s of CPU).
    migrated_data_dir(tmp_path, static=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "soms.cli", "start", "--no-demo", "--workers", "1", "--port", str(port)],
        env=_env(tmp_path),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        deadline = time.monotonic() + 120
        while "SOMS is running" not in server.stdout.readline():
            assert server.poll() is None and time.monotonic() < deadline
        queued = _soms(tmp_path, "shell", "--no-imports", "-c", QUEUE_A_JOB)
        job_id = queued.stdout.strip().splitlines()[-1]
        # Read from the database file itself: a `soms shell` per look cost two seconds of CPU each.
        status = ""
        while time.monotonic() < deadline:
            status = _job_row(tmp_path, job_id)[0]
            if status == "done":
                break
            time.sleep(1)
        assert status == "done"
        workers = [
            p for p in _children(server.pid) if "worker" in Path(f"/proc/{p}/cmdline").read_text().split("\0")
        ]
        assert len(workers) == 1
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        time.sleep(0.5)
        assert (
            not Path(f"/proc/{workers[0]}").exists()
            or "Z" in Path(f"/proc/{workers[0]}/stat").read_text().split()[2]
        )
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


QUEUE_A_SLOW_JOB = """
from soms.jobs.services import job_start
from soms.tenancy.services import organisation_create
from tests.jobs.jobfns import slow_the_first_time
org = organisation_create(name="Worker test", owner=None, actor=None)
job = job_start(job_function=slow_the_first_time, organisation=org, owner=None, title="Slow", params={"seconds": 600, "n": 2})
print(job.pk)
"""


def _job_row(tmp_path: Path, job_id: str) -> tuple[str, int, str]:
    import sqlite3

    with sqlite3.connect(tmp_path / "soms.sqlite3", timeout=20) as db:
        row = db.execute(
            "SELECT status, attempts, message FROM jobs_job WHERE id = ?", (int(job_id),)
        ).fetchone()
    return row


def test_a_job_whose_worker_is_killed_is_run_again_by_another_worker(tmp_path):
    migrated_data_dir(tmp_path)
    queued = _soms(tmp_path, "shell", "--no-imports", "-c", QUEUE_A_SLOW_JOB)
    assert queued.returncode == 0, queued.stderr
    job_id = queued.stdout.strip().splitlines()[-1]
    env = {**_env(tmp_path), "SOMS_JOBS_HEARTBEAT_SECONDS": "1", "SOMS_JOBS_STALE_SECONDS": "3"}
    doomed = subprocess.Popen(
        [sys.executable, "-m", "soms.cli", "worker", "--no-startup-delay", "--interval", "0.2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while _job_row(tmp_path, job_id)[0] != "running":
            assert doomed.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        time.sleep(1.5)  # a heartbeat or two
        doomed.kill()  # SIGKILL: no chance to say anything
        doomed.wait(timeout=20)
    finally:
        if doomed.poll() is None:
            doomed.kill()
            doomed.wait()
    assert _job_row(tmp_path, job_id)[:2] == ("running", 1)
    time.sleep(3.5)  # its heartbeat is now older than SOMS_JOBS_STALE_SECONDS
    rescuer = subprocess.run(
        [sys.executable, "-m", "soms.cli", "worker", "--batch", "--no-startup-delay", "--interval", "0"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rescuer.returncode == 0, rescuer.stdout + rescuer.stderr
    assert "1 queued again" in rescuer.stdout + rescuer.stderr
    assert _job_row(tmp_path, job_id) == ("done", 2, "Counted to 2.")
