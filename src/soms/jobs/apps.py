from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class JobsConfig(AppConfig):
    name = "soms.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        # A migration that alters a table makes SQLite copy it, and the copy has no planner
        # statistics: after main's 0010 on people_person the team read walked the organisation's
        # 50,000 names again. Once per `migrate` (sent for this app only), like after a bulk load.
        post_migrate.connect(_statistics_after_migrate, sender=self, dispatch_uid="soms-planner-statistics")


def _statistics_after_migrate(sender: Any, using: str = "default", **_: Any) -> None:
    from django.db import connections

    from soms.jobs.maintenance import planner_statistics_refresh

    planner_statistics_refresh(connections[using])
