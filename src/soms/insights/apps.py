from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "soms.insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        # Registers the development plan's object rule.
        from soms.insights import (
            access,  # noqa: F401
            privacy,
            rollups,
        )

        rollups.connect()
        privacy.connect()
