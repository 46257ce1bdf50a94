"""Per-unit rollups: the small table the organisation and subtree dashboards read (issue 12).

`UnitRollup` holds, per organisation, version and unit, the tallies of the active people whose own
unit it is (see the model for the layout). The picture of a subtree is the sum of its units' rows,
found through the unit path in one indexed query; the organisation's is the sum of all of them.

They are derived, never edited, and kept current by the writes that can change them:

* the attainment service sends `soms.assessments.signals.attainment_written` after each batch it
  writes, and `refresh(organisation_id, version_id, person_ids)` recounts those people's units (the
  first one for an organisation and version builds them all);
* the people services send `soms.people.signals.people_changed` (organisation, unit ids) when a
  person is created, moves unit, becomes active or inactive, is erased or merged, or changes role
  profiles (the old and the new unit), and `organisation_changed` after a file import or a change
  of a role profile's requirements: `people_changed()` / `organisation_changed()` recount on commit;
* `soms insights rollups` (and `rebuild(...)`) rebuilds them from scratch.

Refreshing a unit recomputes its rows from the per-person tables (people, attainment, role
profiles) of that unit's people only, so a refresh costs what the unit holds, and the result is
always what a from-scratch build would give.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from soms.frameworks.models import Element, FrameworkVersion, Level
from soms.insights.models import RollupState, UnitRollup
from soms.jobs.runner import JobContext, job
from soms.people.models import OrgUnit, Person

# Above this many people to recount, a change made in a request is recounted by a background job.
INLINE_PEOPLE = 5000


def width(levels: int) -> int:
    """Numbers per element in a tally row (see `UnitRollup`)."""
    return 3 * (levels + 1) + 2


def tally(
    rank: Any, refresh_due: Any, expired: Any, required: Any, group: Any, groups: int, levels: int
) -> Any:
    """Tally people × elements matrices (ranks and requirements as positions 0..levels) into
    groups: `group[i]` is person i's group (0..groups-1). Answers int64 groups × elements × width."""
    n, m = rank.shape
    ranks = levels + 1
    out = np.zeros((groups, m, width(levels)), dtype=np.int64)
    if n == 0 or m == 0:
        return out
    cell = (np.asarray(group, dtype=np.int64)[:, None] * m + np.arange(m)[None, :]).ravel()
    r = rank.astype(np.int64).ravel()
    size = groups * m * ranks

    def hist(index: Any, weights: Any = None) -> Any:
        return np.bincount(index, weights=weights, minlength=size).astype(np.int64).reshape(groups, m, ranks)

    out[:, :, 0:ranks] = hist(cell * ranks + r)
    out[:, :, ranks : 2 * ranks] = hist(cell * ranks + r, refresh_due.ravel())
    req = required.astype(np.int64).ravel()
    gap = np.clip(req - r, 0, None)
    out[:, :, 2 * ranks : 3 * ranks] = hist(cell * ranks + gap, req > 0)
    out[:, :, 3 * ranks] = (
        np.bincount(cell, weights=expired.ravel(), minlength=groups * m).astype(np.int64).reshape(groups, m)
    )
    top = np.zeros((groups, m), dtype=np.int64)
    np.maximum.at(top, np.asarray(group, dtype=np.intp), required.astype(np.int64))
    out[:, :, 3 * ranks + 1] = top
    return out


def combine(tallies: Any, elements: int, levels: int) -> Any:
    """The tally of several groups together (groups × elements × width → elements × width): counts
    add up, the highest requirement is the highest of theirs."""
    if len(tallies) == 0:
        return np.zeros((elements, width(levels)), dtype=np.int64)
    total = tallies.sum(axis=0)
    total[:, -1] = tallies[:, :, -1].max(axis=0)
    return total


def _layout(version: FrameworkVersion) -> tuple[list[Element], list[Level]]:
    return (
        list(Element.objects.filter(version=version).order_by("order", "id")),
        list(Level.objects.filter(version=version).order_by("rank")),
    )


def _active(organisation_id: int) -> Any:
    return Person.objects.filter(organisation_id=organisation_id, active=True, erased_at__isnull=True)


def _recount(
    organisation_id: int,
    version: FrameworkVersion,
    unit_ids: set[int | None] | None,
    layout: tuple[list[Element], list[Level]] | None = None,
) -> list[UnitRollup]:
    """The rows of these units (all units when None), computed from the per-person tables."""
    from soms.insights.selectors.picture import matrices

    elements, levels = layout or _layout(version)
    people = _active(organisation_id)
    if unit_ids is not None:
        q = Q(unit_id__in=[u for u in unit_ids if u is not None])
        if None in unit_ids:
            q |= Q(unit__isnull=True)
        people = people.filter(q)
    pairs = list(people.order_by().values_list("id", "unit_id"))
    if not pairs:
        return []
    ids = [pid for pid, _ in pairs]
    rank, refresh_due, expired, required = matrices(
        organisation_id, version, ids, elements, levels, people_qs=people
    )
    units = sorted({u for _, u in pairs}, key=lambda u: -1 if u is None else u)
    index = {u: g for g, u in enumerate(units)}
    group = np.fromiter((index[u] for _, u in pairs), dtype=np.intp, count=len(pairs))
    counts = tally(rank, refresh_due, expired, required, group, len(units), len(levels))
    heads = np.bincount(group, minlength=len(units))
    return [
        UnitRollup(
            organisation_id=organisation_id,
            version_id=version.pk,
            unit_id=u,
            people=int(heads[g]),
            tally=counts[g].astype("<i4").tobytes(),
        )
        for g, u in enumerate(units)
    ]


def _state(organisation_id: int, version: FrameworkVersion, elements: int, levels: int) -> RollupState:
    now = timezone.now()
    state, _ = RollupState.objects.update_or_create(
        organisation_id=organisation_id,
        version=version,
        defaults={"elements": elements, "levels": levels, "built_at": now, "refreshed_at": now},
    )
    return state


def rebuild(organisation_id: int, version: FrameworkVersion) -> int:
    """Every unit's rows of one organisation and version from scratch; answers the rows written."""
    elements, levels = _layout(version)
    rows = _recount(organisation_id, version, None, (elements, levels))
    with transaction.atomic():
        _state(organisation_id, version, len(elements), len(levels))
        UnitRollup.objects.filter(organisation_id=organisation_id, version=version).delete()
        UnitRollup.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def refresh_units(organisation_id: int, version: FrameworkVersion, unit_ids: Iterable[int | None]) -> int:
    """Recount these units (None: the people with no unit) of one organisation and version."""
    units = set(unit_ids)
    if not units:
        return 0
    with transaction.atomic():
        # Updating the state row locks it: two refreshes of the same organisation and version take
        # turns, so neither writes rows the other has just replaced.
        if not RollupState.objects.filter(organisation_id=organisation_id, version=version).update(
            refreshed_at=timezone.now()
        ):
            return rebuild(organisation_id, version)
        rows = _recount(organisation_id, version, units)
        stale = UnitRollup.objects.filter(
            organisation_id=organisation_id,
            version=version,
            unit_id__in=[u for u in units if u is not None],
        )
        if None in units:
            stale = stale | UnitRollup.objects.filter(
                organisation_id=organisation_id, version=version, unit__isnull=True
            )
        stale.delete()
        UnitRollup.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def refresh(organisation_id: int, version_id: int, person_ids: Iterable[int]) -> int:
    """After the attainment of these people on this version was written: recount their units.
    The first call for an organisation and version builds every unit's rows."""
    version = FrameworkVersion.objects.get(pk=version_id)
    units = set(
        Person.objects.filter(organisation_id=organisation_id, pk__in=list(person_ids)).values_list(
            "unit_id", flat=True
        )
    )
    return refresh_units(organisation_id, version, units)


def _kept_versions(organisation_id: int) -> list[FrameworkVersion]:
    return list(
        FrameworkVersion.objects.filter(
            pk__in=RollupState.objects.filter(organisation_id=organisation_id).values("version_id")
        )
    )


def people_changed(organisation_id: int, unit_ids: Iterable[int | None]) -> None:
    """People of these units changed in a way the rollups count (joined, left, moved between these
    units, became active or inactive, changed role profiles): recount the units of every kept
    version when this transaction commits, in a background job when they hold many people."""
    units = sorted(set(unit_ids), key=lambda u: -1 if u is None else u)
    if not units:
        return

    def run() -> None:
        versions = _kept_versions(organisation_id)
        if not versions:
            return
        q = Q(unit_id__in=[u for u in units if u is not None])
        if None in units:
            q |= Q(unit__isnull=True)
        if _active(organisation_id).filter(q).count() > INLINE_PEOPLE:
            _later(organisation_id, units)
            return
        for version in versions:
            refresh_units(organisation_id, version, units)

    transaction.on_commit(run)


def organisation_changed(organisation_id: int) -> None:
    """Many people may have changed (a file import, a role profile's requirements): rebuild every
    kept version when this transaction commits, in a background job for a large organisation."""

    def run() -> None:
        if not RollupState.objects.filter(organisation_id=organisation_id).exists():
            return
        if _active(organisation_id).count() > INLINE_PEOPLE:
            _later(organisation_id, None)
            return
        for version in _kept_versions(organisation_id):
            rebuild(organisation_id, version)

    transaction.on_commit(run)


def _later(organisation_id: int, units: list[int | None] | None) -> None:
    from soms.jobs.services import job_start
    from soms.tenancy.models import Organisation

    job_start(
        job_function=rollups_refresh_job,
        organisation=Organisation.objects.get(pk=organisation_id),
        owner=None,
        title="Recount the Insights rollups",
        params={"units": units},
    )


@job
def rollups_refresh_job(ctx: JobContext, *, units: list[int | None] | None) -> str:
    versions = _kept_versions(ctx.organisation.pk)
    for k, version in enumerate(versions):
        ctx.progress(k, len(versions), f"Recounting {version}")
        if units is None:
            rebuild(ctx.organisation.pk, version)
        else:
            refresh_units(ctx.organisation.pk, version, units)
    ctx.progress(len(versions), len(versions), "Done")
    return f"Recounted the rollups of {len(versions)} framework version(s)."


def connect() -> None:
    """Listen to the writes below Insights that change what the rollups count."""
    from soms.assessments.signals import attainment_written
    from soms.people.signals import organisation_changed as org_signal
    from soms.people.signals import people_changed as people_signal

    attainment_written.connect(_on_attainment, dispatch_uid="insights-rollups-attainment")
    people_signal.connect(_on_people, dispatch_uid="insights-rollups-people")
    org_signal.connect(_on_organisation, dispatch_uid="insights-rollups-organisation")


def _on_attainment(sender: Any, *, organisation_id: int, version_id: int, person_ids: Any, **_: Any) -> None:
    refresh(organisation_id, version_id, person_ids)


def _on_people(sender: Any, *, organisation_id: int, unit_ids: Any, **_: Any) -> None:
    people_changed(organisation_id, unit_ids)


def _on_organisation(sender: Any, *, organisation_id: int, **_: Any) -> None:
    organisation_changed(organisation_id)


@dataclass(frozen=True)
class UnitTallies:
    """What a dashboard reads: per unit (None: no unit) its head count and tallies."""

    units: list[int | None]
    people: Any  # int64[units]
    tallies: Any  # int64[units, elements, width]


def read(
    organisation_id: int, version: FrameworkVersion, elements: int, levels: int, unit: OrgUnit | None
) -> UnitTallies | None:
    """The rows of the whole organisation (unit None) or of `unit`'s subtree, in one query after
    the state check. None when they are not kept for this version (the caller reads per person)."""
    state = RollupState.objects.filter(organisation_id=organisation_id, version=version).first()
    if state is None or state.elements != elements or state.levels != levels:
        return None
    rows = UnitRollup.objects.filter(organisation_id=organisation_id, version=version)
    if unit is not None:
        rows = rows.filter(unit.subtree_q("unit__path"))
    found = list(rows.values_list("unit_id", "people", "tally"))
    shape = (len(found), elements, width(levels))
    if not found:
        return UnitTallies([], np.zeros(0, dtype=np.int64), np.zeros(shape, dtype=np.int64))
    data = np.frombuffer(b"".join(bytes(t) for _, _, t in found), dtype="<i4").reshape(shape)
    return UnitTallies(
        [u for u, _, _ in found],
        np.array([p for _, p, _ in found], dtype=np.int64),
        data.astype(np.int64),
    )
