from django.apps import AppConfig


class ToolkitsConfig(AppConfig):
    name = "soms.toolkits"
    verbose_name = "Practitioner toolkits"
