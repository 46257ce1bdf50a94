"""The worker loop behind `soms worker`: background jobs from the fair queue, and Django tasks.

django-tasks-db's worker takes its task rows first-in first-out, and a task row knows nothing of
organisations; so jobs are not tasks here: the worker takes them from the jobs table itself
(soms.jobs.queue.job_claim_next, round-robin over organisations), and between two jobs it runs one
due Django task (notification e-mails), taken the way django-tasks-db takes them. It also reclaims,
every few seconds, the jobs whose worker died.
"""

from __future__ import annotations

import random
import time
from typing import Any

from django.conf import settings
from django.db import OperationalError, close_old_connections
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from soms.jobs.queue import job_claim_next, jobs_reclaim
from soms.jobs.runner import job_run

# The logger `soms worker` prints (the command configures its handler and level).
logger = db_worker.logger


class JobWorker(db_worker.Worker):
    def __init__(self, *, with_heartbeat: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.with_heartbeat = with_heartbeat
        self._reclaimed_at: float | None = None
        # Jobs that failed unexpectedly, with what they raised (the test helper re-raises them).
        self.crashed: list[tuple[int, Exception]] = []

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 - spreads workers started together
        while self.running:
            close_old_connections()
            self.reclaim_if_due()
            ran_job = self.run_a_job()
            ran_task, looked = self.run_a_task()
            if self.batch and looked and not ran_job and not ran_task:
                logger.info("No more tasks to run for worker_id=%s - exiting gracefully.", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info(
                    "Run maximum tasks (%d) on worker=%s - exiting gracefully.",
                    self._run_tasks,
                    self.worker_id,
                )
                return
            close_old_connections()
            if self.running and not (ran_job or ran_task):
                time.sleep(self.interval)

    def reclaim_if_due(self) -> None:
        every = max(1.0, settings.SOMS_JOBS_STALE_SECONDS / 4)
        now = time.monotonic()
        if self._reclaimed_at is not None and now - self._reclaimed_at < every:
            return
        self._reclaimed_at = now
        try:
            reclaimed = jobs_reclaim()
        except OperationalError as exc:
            if not is_locked_database_exception(exc):
                raise
            return
        if reclaimed.requeued or reclaimed.failed:
            logger.warning(
                "Jobs whose worker stopped: %d queued again, %d failed", reclaimed.requeued, reclaimed.failed
            )

    def run_a_job(self) -> bool:
        """Claim the next job fairly and run it; False when none is waiting (or the database is busy)."""
        try:
            job = job_claim_next(worker_id=self.worker_id)
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return False
            raise
        if job is None:
            return False
        self.running_task = True
        try:
            job_run(job, with_heartbeat=self.with_heartbeat)
        except Exception as exc:  # failed and logged with its traceback by soms.jobs.runner.job_run
            self.crashed.append((job.pk, exc))
        finally:
            self.running_task = False
            self._run_tasks += 1
        return True

    def run_a_task(self) -> tuple[bool, bool]:
        """Run one due Django task: (ran one, looked); not looked when the database was busy."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        if not tasks.exists():
            return False, True  # looked, without taking SQLite's write lock
        try:
            with exclusive_transaction(tasks.db):
                result = tasks.get_locked()
                if result is not None:
                    result.claim(self.worker_id)  # taken: no other worker runs it
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return False, False
            raise
        if result is None:
            return False, True
        self.run_task(result)
        return True, True
