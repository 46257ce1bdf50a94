"""`soms worker`: run background jobs as they are queued (django-tasks-db's worker, all queues).

SIGTERM or Ctrl+C lets the job in hand finish, then exits; a second one stops at once.
"""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


class Command(DbWorkerCommand):
    help = (
        "Run background jobs (imports, exports, reports) as they are queued. SIGTERM or Ctrl+C finishes "
        "the job in hand, then exits. `soms start` runs one for you; deployments run their own."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        # Every queue by default: one worker serves a small installation whole.
        parser.set_defaults(queue_name="*", reload=False)
