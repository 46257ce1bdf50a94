from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "soms.audit"
    label = "audit"
    verbose_name = "Service audits"

    def ready(self) -> None:
        # Registers the object rules of the audit actions in the permission table.
        from soms.audit import access  # noqa: F401
