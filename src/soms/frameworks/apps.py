from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "soms.frameworks"
    verbose_name = "Frameworks"

    def ready(self) -> None:
        # Registers the object rules of the framework actions in the permission table.
        from soms.frameworks import access  # noqa: F401
