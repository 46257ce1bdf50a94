"""Tenant-scoped lookups of saved toolkit results, and who may change one."""

from __future__ import annotations

from typing import Any

from soms.tenancy.access import get_in_organisation
from soms.tenancy.models import Membership, Organisation
from soms.tenancy.permissions import object_rule
from soms.toolkits.models.saved import SavedResult


@object_rule("toolkit_result.change")
def _author_or_admin(membership: Membership, result: Any) -> bool:
    if membership.organisation_id != result.organisation_id:
        return False
    return membership.is_admin or (
        result.created_by_id is not None and result.created_by_id == membership.user_id
    )


def saved_result_for[M: SavedResult](*, model: type[M], organisation: Organisation, result_id: Any) -> M:
    """The result if it belongs to ``organisation``; 404 (like a missing one) otherwise."""
    return get_in_organisation(
        model._default_manager.select_related("created_by", "organisation"), organisation, result_id
    )
