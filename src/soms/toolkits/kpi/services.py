"""Writes of KPIs and their measurements. Pages, API, CLI and demo all come through here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from soms.core import kpi as core
from soms.core.toolkit_input import Problem, ToolkitInputError, raise_if
from soms.tenancy.models import Membership, Organisation
from soms.tenancy.services import audit_log_write
from soms.toolkits.kpi.schemas import KpiIn
from soms.toolkits.kpi.selectors import kpi_can_manage
from soms.toolkits.models.saved import Kpi, KpiMeasurement

FIELDS = (
    "name",
    "formula",
    "unit",
    "direction",
    "data_source",
    "owner",
    "frequency",
    "target",
    "amber_limit",
)


class KpiConflict(Exception):
    def __init__(self, message: str, current: int | None = None) -> None:
        super().__init__(message)
        self.current = current


MANAGE_REFUSED = "Only owners, admins and managers may define KPIs and record their values"


def _require(membership: Membership | None) -> None:
    if not kpi_can_manage(membership=membership):
        raise PermissionDenied(MANAGE_REFUSED)


def _check(data: KpiIn) -> None:
    raise_if(
        core.validate_thresholds(
            core.Thresholds(core.Direction(data.direction), data.target, data.amber_limit)
        )
    )
    if not data.name.strip():
        raise ToolkitInputError([Problem(("name",), "must not be blank")])


@transaction.atomic
def kpi_create(
    *, organisation: Organisation, membership: Membership | None, actor: User | None, data: KpiIn
) -> Kpi:
    _require(membership)
    _check(data)
    values = {f: getattr(data, f) for f in FIELDS} | {"name": data.name.strip()}
    if Kpi.objects.filter(organisation=organisation, name=values["name"]).exists():
        raise KpiConflict(f"a KPI named {values['name']!r} already exists")
    try:
        with transaction.atomic():
            kpi = Kpi.objects.create(
                organisation=organisation,
                created_by=actor if actor is not None and actor.is_authenticated else None,
                **values,
            )
    except IntegrityError:
        raise KpiConflict(f"a KPI named {values['name']!r} already exists") from None
    audit_log_write(actor=actor, organisation=organisation, action="kpi.create", obj=kpi, after=values)
    return kpi


@transaction.atomic
def kpi_update(*, kpi: Kpi, membership: Membership | None, actor: User, data: KpiIn, revision: int) -> Kpi:
    _require(membership)
    _check(data)
    locked = Kpi.objects.select_for_update().get(pk=kpi.pk)
    if locked.revision != revision:
        raise KpiConflict("the KPI was changed since you read it", locked.revision)
    values = {f: getattr(data, f) for f in FIELDS} | {"name": data.name.strip()}
    before = {f: getattr(locked, f) for f in FIELDS}
    changed = {f: v for f, v in values.items() if before[f] != v}
    if not changed:
        return locked
    if (
        "name" in changed
        and Kpi.objects.filter(organisation=locked.organisation, name=values["name"]).exists()
    ):
        raise KpiConflict(f"a KPI named {values['name']!r} already exists", locked.revision)
    for f, v in changed.items():
        setattr(locked, f, v)
    locked.revision += 1
    locked.save()
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action="kpi.update",
        obj=locked,
        before={f: before[f] for f in changed},
        after=changed,
    )
    return locked


@transaction.atomic
def kpi_delete(*, kpi: Kpi, membership: Membership | None, actor: User, revision: int | None = None) -> None:
    _require(membership)
    locked = Kpi.objects.select_for_update().get(pk=kpi.pk)
    if revision is not None and locked.revision != revision:
        raise KpiConflict("the KPI was changed since you read it", locked.revision)
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action="kpi.delete",
        obj=locked,
        before={"name": locked.name},
    )
    locked.delete()


@transaction.atomic
def kpi_measurement_record(
    *,
    kpi: Kpi,
    membership: Membership | None,
    actor: User | None,
    period: date,
    value: float,
    note: str = "",
    source: str = KpiMeasurement.Source.ENTERED,
    details: dict[str, Any] | None = None,
) -> KpiMeasurement:
    """Record the value for ``period``, replacing the value recorded for the same period before."""
    _require(membership)
    existing = KpiMeasurement.objects.select_for_update().filter(kpi=kpi, period=period).first()
    before = {"period": period.isoformat(), "value": existing.value} if existing else None
    m, _ = KpiMeasurement.objects.update_or_create(
        kpi=kpi,
        period=period,
        defaults={
            "organisation": kpi.organisation,
            "value": value,
            "note": note.strip(),
            "source": source,
            "details": details,
            "recorded_by": actor if actor is not None and actor.is_authenticated else None,
        },
    )
    audit_log_write(
        actor=actor,
        organisation=kpi.organisation,
        action="kpi_measurement.record",
        obj=kpi,
        before=before,
        after={"period": period.isoformat(), "value": value, "source": source},
    )
    return m


@transaction.atomic
def kpi_measurements_import(
    *,
    kpi: Kpi,
    membership: Membership | None,
    actor: User | None,
    rows: Sequence[core.MeasurementRow],
    source: str = KpiMeasurement.Source.IMPORTED,
) -> tuple[int, int]:
    """Write validated rows in bulk (new periods created, known ones replaced); one audit row."""
    _require(membership)
    existing = {m.period: m for m in KpiMeasurement.objects.select_for_update().filter(kpi=kpi)}
    user = actor if actor is not None and actor.is_authenticated else None
    new, changed = [], []
    for r in rows:
        m = existing.get(r.period)
        if m is None:
            new.append(
                KpiMeasurement(
                    organisation=kpi.organisation, kpi=kpi, period=r.period, value=r.value, note=r.note,
                    source=source, recorded_by=user,
                )
            )  # fmt: skip
        else:
            m.value, m.note, m.source, m.recorded_by, m.details = r.value, r.note, source, user, None
            changed.append(m)
    KpiMeasurement.objects.bulk_create(new, batch_size=1000)
    KpiMeasurement.objects.bulk_update(
        changed, ["value", "note", "source", "recorded_by", "details"], batch_size=1000
    )
    audit_log_write(
        actor=actor,
        organisation=kpi.organisation,
        action="kpi_measurement.import",
        obj=kpi,
        after={"created": len(new), "replaced": len(changed)},
    )
    return len(new), len(changed)


@transaction.atomic
def kpi_measurement_delete(
    *, measurement: KpiMeasurement, membership: Membership | None, actor: User
) -> None:
    _require(membership)
    audit_log_write(
        actor=actor,
        organisation=measurement.organisation,
        action="kpi_measurement.delete",
        obj=measurement.kpi,
        before={"period": measurement.period.isoformat(), "value": measurement.value},
    )
    measurement.delete()
