from django.apps import AppConfig


class ToolkitsConfig(AppConfig):
    name = "soms.toolkits"
    verbose_name = "Practitioner toolkits"

    def ready(self) -> None:
        # Registers the object rules of the toolkit actions in the permission table.
        from soms.toolkits import access  # noqa: F401
