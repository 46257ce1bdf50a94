from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "soms.insights"
    verbose_name = "Insights"
