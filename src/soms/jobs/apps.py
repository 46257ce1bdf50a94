from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "soms.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
