"""Toolkit results by id, inside the member's organisation, and who may change them.

Any member reads and saves results; the person who saved one, or an owner or admin, may change or
delete it (`capacity_study.change`, `saved_result.change`: object rules below). KPIs are defined
and measured by the people who run the service (`kpi.manage`). Another organisation's result
answers 404 exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from soms.tenancy.access import get_in_organisation, require
from soms.tenancy.models import Membership
from soms.tenancy.permissions import can, object_rule
from soms.toolkits.models.capacity import CapacityStudy
from soms.toolkits.models.saved import SavedResult


def capacity_study_for(
    membership: Membership | None, study_id: Any, *, action: str = "capacity_study.read"
) -> CapacityStudy:
    member = require(membership, action)
    return get_in_organisation(
        CapacityStudy.objects.select_related("created_by", "organisation"), member.organisation_id, study_id
    )


def saved_result_for[M: SavedResult](
    membership: Membership | None, model: type[M], result_id: Any, *, action: str = "saved_result.read"
) -> M:
    member = require(membership, action)
    return get_in_organisation(
        model._default_manager.select_related("created_by", "organisation"), member.organisation_id, result_id
    )


def _author_or_admin(membership: Membership, obj: Any, any_action: str) -> bool:
    if membership.organisation_id != obj.organisation_id:
        return False
    return can(membership, any_action) or (
        obj.created_by_id is not None and obj.created_by_id == membership.user_id
    )


@object_rule("capacity_study.change")
def _may_change_study(membership: Membership, study: CapacityStudy) -> bool:
    """Its author, or an owner or admin of its organisation."""
    return _author_or_admin(membership, study, "capacity_study.change_any")


@object_rule("saved_result.change")
def _may_change_result(membership: Membership, result: SavedResult) -> bool:
    """Its author, or an owner or admin of its organisation."""
    return _author_or_admin(membership, result, "saved_result.change_any")
