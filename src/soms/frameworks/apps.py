from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "soms.frameworks"
    verbose_name = "Frameworks"
