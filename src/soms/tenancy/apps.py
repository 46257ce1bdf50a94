from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "soms.tenancy"
    verbose_name = "Organisations and access"

    def ready(self) -> None:
        from soms.tenancy import checks  # noqa: F401  (registers the deploy checks)
