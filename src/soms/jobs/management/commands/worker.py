"""`soms worker`: run background jobs as they are queued, fairly across organisations, and the
Django tasks (django-tasks-db's queue) between them (soms.jobs.worker).

SIGTERM or Ctrl+C lets the job in hand finish, then exits; a second one stops at once.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from soms.jobs.worker import JobWorker


class Command(DbWorkerCommand):
    help = (
        "Run background jobs (imports, exports, reports) as they are queued, organisations in turn. "
        "SIGTERM or Ctrl+C finishes the job in hand, then exits. `soms start` runs one for you; "
        "deployments run their own."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        # Every queue by default: one worker serves a small installation whole.
        parser.set_defaults(queue_name="*", reload=False)

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        if options["reload"]:
            raise CommandError("soms worker does not reload on code changes; restart it instead")
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = JobWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()
