from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "soms.notifications"
    label = "notifications"
    verbose_name = "Notifications"
