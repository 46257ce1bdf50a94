"""Test helpers: run the jobs a test queued, in the test's own process and transaction."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from unittest.mock import patch


def run_queued_tasks(*, max_runs: int | None = None) -> int:
    """Run the waiting jobs and tasks with the real worker loop (soms.jobs.worker, no signal handlers
    and no heartbeat thread), `max_runs` of them at most; fail loudly on a failed task. Returns how
    many ran."""
    from django_tasks_db.models import DBTaskResult

    from soms.jobs import worker as worker_loop
    from soms.jobs.worker import JobWorker

    before = set(DBTaskResult.objects.failed().values_list("pk", flat=True))
    worker = JobWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_runs,
        worker_id="test-worker",
        excluded_queue_names=[],
        with_heartbeat=False,
    )
    # The worker loop calls close_old_connections() as a long-running process must; inside a test's
    # transaction Django sees the connection's autocommit differ from its setting and closes it,
    # which on PostgreSQL ends the test's transaction ("the connection is closed"). The test's
    # connection is the one the worker must use, so it stays open here.
    with patch.object(worker_loop, "close_old_connections", lambda **kwargs: None):
        worker.run()
    for job_id, exc in worker.crashed:
        trace = "".join(traceback.format_exception(exc))
        raise AssertionError(f"job {job_id} failed unexpectedly:\n{trace}") from exc
    failed = DBTaskResult.objects.failed().exclude(pk__in=before)
    for result in failed:
        errors = result.task_result.errors
        raise AssertionError(f"task {result.task_path} failed:\n{errors[-1].traceback if errors else ''}")
    return worker._run_tasks


@contextmanager
def jobs_run() -> Iterator[None]:
    """`with jobs_run(): client.post(...)` — what the request queued has run when the block ends.

    Tests run inside a transaction that never commits, so on-commit callbacks (which queue tasks)
    are captured and run here, then the worker drains the queue of jobs and tasks.
    """
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        yield
    run_queued_tasks()
