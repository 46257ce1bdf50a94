"""Every tenant table carries its organisation as a non-null, indexed column (TenantOwned)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models

from soms.tenancy.models import Organisation, TenantOwned

# Tables with an organisation column that are not tenant-owned, and why.
SHARED = {
    "frameworks.Framework": "built-in frameworks belong to no organisation (readable by all)",
    "audit.AuditTemplate": "built-in audit templates belong to no organisation (usable by all)",
    "people.RoleProfile": "built-in role profiles belong to no organisation (readable by all)",
    "tenancy.AuditLogEntry": "sign-in and system events belong to no organisation",
}
# Tenant tables still declaring the column themselves (non-null and indexed already); their owner
# moves them onto TenantOwned. Only ever remove lines.
PENDING: set[str] = set()


def _organisation_field(model: type[models.Model]) -> Any:
    for field in model._meta.get_fields():
        if isinstance(field, models.ForeignKey) and field.related_model is Organisation:
            return field
    return None


def test_every_tenant_table_is_tenant_owned() -> None:
    not_owned = []
    for model in apps.get_models():
        label = model._meta.label
        if _organisation_field(model) is None or label in SHARED or label in PENDING:
            continue
        if not issubclass(model, TenantOwned):
            not_owned.append(label)
    assert not not_owned, f"tables with an organisation that do not extend TenantOwned: {not_owned}"


def test_tenant_owned_columns_are_non_null_and_indexed() -> None:
    for model in apps.get_models():
        if issubclass(model, TenantOwned):
            field = model._meta.get_field("organisation")
            assert not field.null and field.db_index, model._meta.label


def test_the_exception_lists_name_real_tables() -> None:
    labels = {m._meta.label for m in apps.get_models()}
    assert set(SHARED) <= labels
    assert labels >= PENDING
