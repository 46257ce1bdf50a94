"""Reads of saved toolkit results, always inside one organisation."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from soms.tenancy.access import get_in_organisation
from soms.tenancy.models import Membership, Organisation
from soms.tenancy.permissions import can
from soms.toolkits.models.saved import SavedResult


def saved_results_for[M: SavedResult](*, model: type[M], organisation: Organisation) -> QuerySet[M]:
    return (
        model._default_manager.filter(organisation=organisation).select_related("created_by").defer("inputs")
    )


def saved_result_for[M: SavedResult](*, model: type[M], organisation: Organisation, result_id: Any) -> M:
    """The result if it belongs to ``organisation``; 404 (like a missing one) otherwise."""
    return get_in_organisation(
        model._default_manager.select_related("created_by", "organisation"), organisation, result_id
    )


def saved_result_can_change(*, result: SavedResult, membership: Membership | None) -> bool:
    """Edit or delete: the person who saved it, or an owner or admin of its organisation."""
    return can(membership, "saved_result.change", result)
