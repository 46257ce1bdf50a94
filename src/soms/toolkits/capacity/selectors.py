"""Reads of capacity studies, always inside one organisation."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from soms.tenancy.access import get_in_organisation
from soms.tenancy.models import Membership, Organisation
from soms.tenancy.permissions import can
from soms.toolkits.models.capacity import CapacityStudy


def capacity_studies_for(*, organisation: Organisation) -> QuerySet[CapacityStudy]:
    # The list never needs the (large) inputs and results.
    return (
        CapacityStudy.objects.filter(organisation=organisation)
        .select_related("created_by")
        .defer("inputs", "results")
    )


def capacity_study_for(*, organisation: Organisation, study_id: Any) -> CapacityStudy:
    """The study if it belongs to ``organisation``; 404 (like a missing one) otherwise."""
    return get_in_organisation(
        CapacityStudy.objects.select_related("created_by", "organisation"), organisation, study_id
    )


def capacity_study_can_change(*, study: CapacityStudy, membership: Membership | None) -> bool:
    """Rename or delete: the person who made it, or an owner or admin of its organisation."""
    return can(membership, "capacity_study.change", study)
