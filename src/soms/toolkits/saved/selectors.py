"""Reads of saved toolkit results, always inside one organisation."""

from __future__ import annotations

from django.db.models import QuerySet

from soms.tenancy.models import Membership, Organisation
from soms.tenancy.permissions import can
from soms.toolkits.models.saved import SavedResult
from soms.toolkits.saved.access import saved_result_for

__all__ = ["saved_result_can_change", "saved_result_for", "saved_results_for"]


def saved_results_for[M: SavedResult](*, model: type[M], organisation: Organisation) -> QuerySet[M]:
    return (
        model._default_manager.filter(organisation=organisation).select_related("created_by").defer("inputs")
    )


def saved_result_can_change(*, result: SavedResult, membership: Membership | None) -> bool:
    """Edit or delete: the person who saved it, or an owner or admin of its organisation."""
    return can(membership, "toolkit_result.change", result)
