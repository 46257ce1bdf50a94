"""Reads of KPIs, always inside one organisation, and the permission question for writing them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from soms.core import kpi as core
from soms.tenancy.access import get_in_organisation
from soms.tenancy.models import Membership, Organisation
from soms.tenancy.permissions import can
from soms.toolkits.models.saved import Kpi, KpiMeasurement


def kpi_can_manage(*, membership: Membership | None) -> bool:
    """Defining KPIs and recording their values is for the people who run the service."""
    return can(membership, "kpi.manage")


def kpis_for(*, organisation: Organisation) -> QuerySet[Kpi]:
    return Kpi.objects.filter(organisation=organisation).prefetch_related(
        Prefetch("measurements", queryset=KpiMeasurement.objects.order_by("period"))
    )


def kpi_for(*, organisation: Organisation, kpi_id: Any) -> Kpi:
    return get_in_organisation(Kpi.objects.select_related("organisation", "created_by"), organisation, kpi_id)


def kpi_measurement_for(*, kpi: Kpi, measurement_id: Any) -> KpiMeasurement:
    return get_in_organisation(KpiMeasurement.objects.filter(kpi=kpi), kpi.organisation, measurement_id)


def thresholds_of(kpi: Kpi) -> core.Thresholds:
    return core.Thresholds(core.Direction(kpi.direction), kpi.target, kpi.amber_limit)


@dataclass(frozen=True)
class KpiState:
    latest: KpiMeasurement | None
    status: core.Status
    trend: core.TrendResult
    points: list[tuple[Any, float]]


def kpi_state(kpi: Kpi) -> KpiState:
    measurements = sorted(kpi.measurements.all(), key=lambda m: m.period)
    latest = measurements[-1] if measurements else None
    t = thresholds_of(kpi)
    points = [(m.period, m.value) for m in measurements]
    return KpiState(
        latest=latest,
        status=core.status(latest.value if latest else None, t),
        trend=core.trend(points, t),
        points=points,
    )
