"""Test helpers: run the jobs a test queued, in the test's own process and transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest.mock import patch


def run_queued_tasks() -> int:
    """Run every queued task with the real worker loop (no signal handlers); fail loudly on a failure."""
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    before = set(DBTaskResult.objects.failed().values_list("pk", flat=True))
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    # The worker loop calls close_old_connections() as a long-running process must; inside a test's
    # transaction Django sees the connection's autocommit differ from its setting and closes it,
    # which on PostgreSQL ends the test's transaction ("the connection is closed"). The test's
    # connection is the one the worker must use, so it stays open here.
    with patch.object(db_worker, "close_old_connections", lambda **kwargs: None):
        worker.run()
    failed = DBTaskResult.objects.failed().exclude(pk__in=before)
    for result in failed:
        errors = result.task_result.errors
        raise AssertionError(f"task {result.task_path} failed:\n{errors[-1].traceback if errors else ''}")
    return worker._run_tasks


@contextmanager
def jobs_run() -> Iterator[None]:
    """`with jobs_run(): client.post(...)` — what the request queued has run when the block ends.

    Tests run inside a transaction that never commits, so on-commit callbacks (which queue the
    tasks) are captured and run here, then the worker drains the queue.
    """
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        yield
    run_queued_tasks()
