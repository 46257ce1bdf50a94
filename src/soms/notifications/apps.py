from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "soms.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from soms.notifications import privacy

        privacy.connect()
