"""Per-unit rollups: the small table the organisation and subtree dashboards read (issue 12).

`UnitRollup` holds, per organisation, version and unit, the tallies of the active people whose own
unit it is (see the model for the layout). The picture of a subtree is the sum of its units' rows,
found through the unit path in one indexed query; the organisation's is the sum of all of them.

They are derived, never edited, and kept current by the writes that can change them:

* the attainment service sends `soms.assessments.signals.attainment_written` once per call, after
  the last batch it writes, and `refresh(organisation_id, version_id, person_ids)` updates those
  people's units (the first one for an organisation and version builds them all; a recomputation
  of a large share of the organisation is one rebuild);
* the people services send `soms.people.signals.people_changed` (organisation, person ids) when a
  person is created, moves unit, becomes active or inactive, is erased or merged, or changes role
  profiles, and `organisation_changed` after a file import or a change of a role profile's
  requirements: `people_changed()` / `organisation_changed()` update on commit (a job when many);
* `soms insights rollups` (and `rebuild(...)`) rebuilds them from scratch.

`PersonTally` remembers each counted person's share as last added. Refreshing people reads their
new share from the per-person tables (people, attainment, role profiles), takes the old share off
their old units and adds the new one to their new units: the cost is that of the people refreshed
and their units' rows, never of recounting a unit (a batch of 500 people spread over 2,000 units of
an organisation of 50,000 reads 500 people, not 50,000), and the result is what a from-scratch
count gives (tests/insights/test_rollups.py checks this after random sequences of changes).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import BigIntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from soms.assessments.services.bulkwrite import insert_rows
from soms.frameworks.models import Element, FrameworkVersion, Level
from soms.insights.models import PersonTally, RollupState, UnitRollup
from soms.jobs.runner import JobContext, job
from soms.people.models import OrgUnit, Person, under_q

# Above this many people to recount, a change made in a request is recounted by a background job.
INLINE_PEOPLE = 5000
# A refresh of more people than this is done in chunks of this many (one transaction each) or, when
# they are a large share of the organisation, as one rebuild: recounting everyone in one pass reads
# and writes less than taking many people's shares off and on again.
CHUNK_PEOPLE = 2000


def width(levels: int) -> int:
    """Numbers per element in a tally row (see `UnitRollup`)."""
    return 4 * (levels + 1) + 1


def tally(
    rank: Any, refresh_due: Any, expired: Any, required: Any, group: Any, groups: int, levels: int
) -> Any:
    """Tally people × elements matrices (ranks and requirements as positions 0..levels) into
    groups: `group[i]` is person i's group (0..groups-1). Answers int64 groups × elements × width.
    Every figure is a count, so tallies add up and a person's share can be taken away again."""
    n, m = rank.shape
    ranks = levels + 1
    out = np.zeros((groups, m, width(levels)), dtype=np.int64)
    if n == 0 or m == 0:
        return out
    cell = (np.asarray(group, dtype=np.int64)[:, None] * m + np.arange(m)[None, :]).ravel()
    r = rank.astype(np.int64).ravel()
    req = required.astype(np.int64).ravel()
    size = groups * m * ranks

    def hist(index: Any, weights: Any = None) -> Any:
        return np.bincount(index, weights=weights, minlength=size).astype(np.int64).reshape(groups, m, ranks)

    out[:, :, 0:ranks] = hist(cell * ranks + r)
    out[:, :, ranks : 2 * ranks] = hist(cell * ranks + r, refresh_due.ravel())
    out[:, :, 2 * ranks : 3 * ranks] = hist(cell * ranks + np.clip(req - r, 0, None), req > 0)
    out[:, :, 3 * ranks] = (
        np.bincount(cell, weights=expired.ravel(), minlength=groups * m).astype(np.int64).reshape(groups, m)
    )
    out[:, :, 3 * ranks + 1 : 4 * ranks + 1] = hist(cell * ranks + req)
    return out


def top_required(total: Any, levels: int) -> Any:
    """Per element of a tally, the highest level (position) anyone is required to hold, 0 for none."""
    ranks = levels + 1
    held = total[:, 3 * ranks + 2 : 4 * ranks + 1] > 0  # positions 1..levels
    if held.shape[1] == 0:
        return np.zeros(total.shape[0], dtype=np.int64)
    last = held.shape[1] - np.argmax(held[:, ::-1], axis=1)
    return np.where(held.any(axis=1), last, 0)


def combine(tallies: Any, elements: int, levels: int) -> Any:
    """The tally of several groups together (groups × elements × width → elements × width)."""
    if len(tallies) == 0:
        return np.zeros((elements, width(levels)), dtype=np.int64)
    return tallies.sum(axis=0)


def _layout(version: FrameworkVersion) -> tuple[list[Element], list[Level]]:
    return (
        list(Element.objects.filter(version=version).order_by("order", "id")),
        list(Level.objects.filter(version=version).order_by("rank")),
    )


def _active(organisation_id: int) -> Any:
    return Person.objects.filter(organisation_id=organisation_id, active=True, erased_at__isnull=True)


def _pack(rank: Any, refresh_due: Any, expired: Any, required: Any) -> Any:
    """People × elements × 4 (rank, refresh due, expired, required) as int8, as `PersonTally` keeps it."""
    return np.stack([rank, refresh_due, expired, required], axis=-1).astype(np.int8)


def _counted(
    organisation_id: int,
    version: FrameworkVersion,
    layout: tuple[list[Element], list[Level]],
    people: Any,
) -> tuple[list[tuple[int, int | None]], Any]:
    """(person id, unit id) of the counted people among `people` (a Person query), and their packed
    cells, from the per-person tables."""
    from soms.insights.selectors.picture import matrices

    elements, levels = layout
    pairs = list(people.order_by().values_list("id", "unit_id"))
    ids = [pid for pid, _ in pairs]
    rank, refresh_due, expired, required = matrices(
        organisation_id, version, ids, elements, levels, people_qs=people
    )
    return pairs, _pack(rank, refresh_due, expired, required)


def _by_unit(units: list[int | None], unit_of: list[int | None], cells: Any, levels: int) -> tuple[Any, Any]:
    """Head counts and tallies per unit of `units` for people in units `unit_of` with `cells`."""
    index = {u: g for g, u in enumerate(units)}
    group = np.fromiter((index[u] for u in unit_of), dtype=np.intp, count=len(unit_of))
    return _grouped(cells, group, len(units), levels)


def _grouped(cells: Any, group: Any, groups: int, levels: int) -> tuple[Any, Any]:
    """Head counts and tallies of `cells` per group (`group`: each row's group, 0 .. `groups` - 1)."""
    counts = tally(
        cells[:, :, 0],
        cells[:, :, 1].astype(bool),
        cells[:, :, 2].astype(bool),
        cells[:, :, 3],
        group,
        groups,
        levels,
    )
    return np.bincount(group, minlength=groups).astype(np.int64), counts


# A share's unit as the query answers it when the person has none (ids are positive).
NO_UNIT = -1


def _shares_by_unit(unit_of: Any, cells: Any, levels: int) -> tuple[list[int | None], Any, Any]:
    """Units (by id, no unit last), head counts and tallies of shares in units `unit_of` (int64,
    `NO_UNIT` for none) with `cells`, grouped with NumPy."""
    last = np.iinfo(np.int64).max
    keys, group = np.unique(np.where(unit_of == NO_UNIT, last, unit_of), return_inverse=True)
    units: list[int | None] = [None if k == last else int(k) for k in keys.tolist()]
    return units, *_grouped(cells, group, len(units), levels)


def _unit_rows(
    organisation_id: int,
    version: FrameworkVersion,
    units: list[int | None],
    heads: Any,
    counts: Any,
    generation: int,
) -> list[UnitRollup]:
    return [
        UnitRollup(
            organisation_id=organisation_id,
            version_id=version.pk,
            unit_id=u,
            people=int(heads[g]),
            tally=counts[g].astype("<i4").tobytes(),
            generation=generation,
        )
        for g, u in enumerate(units)
        if heads[g] > 0
    ]


def _person_rows(
    organisation_id: int,
    version: FrameworkVersion,
    pairs: list[tuple[int, int | None]],
    cells: Any,
    generation: int,
) -> list[PersonTally]:
    return [
        PersonTally(
            organisation_id=organisation_id,
            version_id=version.pk,
            person_id=pid,
            unit_id=unit,
            cells=cells[i].tobytes(),
            generation=generation,
        )
        for i, (pid, unit) in enumerate(pairs)
    ]


def _sorted_units(units: Iterable[int | None]) -> list[int | None]:
    return sorted(set(units), key=lambda u: -1 if u is None else u)


class UnitRow(NamedTuple):
    organisation_id: int
    version_id: int
    unit_id: int | None
    people: int
    tally: bytes


class PersonRow(NamedTuple):
    organisation_id: int
    version_id: int
    person_id: int
    unit_id: int | None
    cells: bytes


def _recount(
    organisation_id: int,
    version: FrameworkVersion,
    layout: tuple[list[Element], list[Level]] | None = None,
) -> tuple[list[UnitRow], list[PersonRow]]:
    """Every unit's and counted person's rows of one organisation and version, from scratch, as
    plain rows (a model instance per person costs more than writing the row)."""
    layout = layout or _layout(version)
    pairs, cells = _counted(organisation_id, version, layout, _active(organisation_id))
    if not pairs:
        return [], []
    units = _sorted_units(u for _, u in pairs)
    heads, counts = _by_unit(units, [u for _, u in pairs], cells, len(layout[1]))
    raw = cells.tobytes()
    size = cells[0].nbytes
    return (
        [
            UnitRow(organisation_id, version.pk, u, int(heads[g]), counts[g].astype("<i4").tobytes())
            for g, u in enumerate(units)
            if heads[g] > 0
        ],
        [
            PersonRow(organisation_id, version.pk, pid, unit, raw[i * size : (i + 1) * size])
            for i, (pid, unit) in enumerate(pairs)
        ],
    )


def _insert(model: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Plain rows through one prepared statement (COPY on PostgreSQL): a rebuild writes a row per
    counted person, and model instances cost more than the database's own work."""
    with connection.cursor() as cursor:
        insert_rows(cursor, model._meta.db_table, columns, rows)


def _pause() -> None:
    # Between two of a rebuild's transactions: a writer of another organisation waiting in SQLite's
    # busy handler polls for the lock, and would miss it if the next batch took it straight back.
    if settings.SOMS_ROLLUP_WRITE_PAUSE_MS and not connection.in_atomic_block:
        time.sleep(settings.SOMS_ROLLUP_WRITE_PAUSE_MS / 1000)


def _write_in_batches(model: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """`rows` in transactions of `SOMS_ROLLUP_WRITE_ROWS` each: on SQLite each holds the one write
    lock that every organisation's sign-ins and writes queue for, so none may hold it long."""
    step = settings.SOMS_ROLLUP_WRITE_ROWS
    for start in range(0, len(rows), step):
        with transaction.atomic():
            _insert(model, columns, rows[start : start + step])
        _pause()


def _delete_in_batches(rows: Any) -> None:
    """Delete the rows of a query `SOMS_ROLLUP_WRITE_ROWS` at a time, each batch in its own short
    transaction."""
    step = settings.SOMS_ROLLUP_WRITE_ROWS
    while True:
        ids = list(rows.order_by().values_list("pk", flat=True)[:step])
        if not ids:
            return
        with transaction.atomic():
            rows.model.objects.filter(pk__in=ids).delete()
        _pause()


def _rows_of(organisation_id: int, version: FrameworkVersion) -> tuple[Any, Any]:
    return (
        UnitRollup.objects.filter(organisation_id=organisation_id, version=version),
        PersonTally.objects.filter(organisation_id=organisation_id, version=version),
    )


def _new_generation() -> int:
    # Unique without asking the database (two rebuilds at once each get their own), and a rebuild
    # begun later has a larger one: the current generation only ever grows (see `_make_current`).
    return time.time_ns()


def rebuild(organisation_id: int, version: FrameworkVersion) -> int:
    """Every unit's rows of one organisation and version from scratch; answers the unit rows written.

    Counted with no transaction open, written as a new generation in short transactions of
    `SOMS_ROLLUP_WRITE_ROWS` rows (1,000), made current in one short transaction, and the old generation
    deleted in short transactions after: at 50,000 people no transaction holds the write lock more
    than a batch's time, and readers see the old rows until the new ones are all there."""
    state = RollupState.objects.filter(organisation_id=organisation_id, version=version)
    # From here on, refreshes note whom they changed (`pending`): the count below may have read
    # those people before their change.
    state.update(building_at=timezone.now())
    generation = _new_generation()
    elements, levels = _layout(version)
    units, people = _recount(organisation_id, version, (elements, levels))
    _write_in_batches(UnitRollup, (*UnitRow._fields, "generation"), [(*row, generation) for row in units])
    _write_in_batches(PersonTally, (*PersonRow._fields, "generation"), [(*row, generation) for row in people])
    pending = _make_current(organisation_id, version, generation, len(elements), len(levels))
    unit_rows, person_rows = _rows_of(organisation_id, version)
    if pending is None:
        # A rebuild begun after this one is current already: these rows are older than its.
        _delete_in_batches(unit_rows.filter(generation=generation))
        _delete_in_batches(person_rows.filter(generation=generation))
        return len(units)
    _delete_in_batches(unit_rows.filter(generation__lt=generation))
    _delete_in_batches(person_rows.filter(generation__lt=generation))
    if pending:
        # Changed while the count ran: their share in the new rows may be from before the change.
        _refresh_in_chunks(organisation_id, version, pending)
    return len(units)


def _make_current(
    organisation_id: int, version: FrameworkVersion, generation: int, elements: int, levels: int
) -> list[int] | None:
    """Make `generation` the one readers read, in one short transaction. Answers the people refreshed
    while it was built (to refresh again), or None when a later generation is current already."""
    now = timezone.now()
    with transaction.atomic():
        state = (
            RollupState.objects.select_for_update()
            .filter(organisation_id=organisation_id, version=version)
            .first()
        )
        if state is None:
            RollupState.objects.create(
                organisation_id=organisation_id,
                version=version,
                elements=elements,
                levels=levels,
                built_at=now,
                refreshed_at=now,
                generation=generation,
            )
            return []
        if state.generation > generation:
            return None
        pending = sorted(set(state.pending or []))
        state.elements, state.levels, state.generation = elements, levels, generation
        state.built_at = state.refreshed_at = now
        state.building_at, state.pending = None, []
        state.save()
        return pending


def _refresh_in_chunks(organisation_id: int, version: FrameworkVersion, ids: list[int]) -> None:
    for start in range(0, len(ids), CHUNK_PEOPLE):
        _refresh_chunk(organisation_id, version, ids[start : start + CHUNK_PEOPLE])


def refresh_people(organisation_id: int, version: FrameworkVersion, person_ids: Iterable[int]) -> int:
    """These people's share of the rollups changed (attainment, unit, active, role profiles): take
    their old share (their `PersonTally` rows) off their old units and add the new one to their new
    units. Costs what these people and their units hold, however large the units are. Builds every
    row when the organisation's rollups of this version are not kept yet."""
    ids = sorted(set(person_ids))
    if not ids:
        return 0
    if len(ids) > CHUNK_PEOPLE:
        # Many people (a recomputation of a whole version, a large import): one rebuild when they
        # are a quarter of the organisation or more, else chunks that each cost what they hold.
        if 4 * len(ids) >= _active(organisation_id).count():
            rebuild(organisation_id, version)
        else:
            _refresh_in_chunks(organisation_id, version, ids)
        return len(ids)
    if not _refresh_chunk(organisation_id, version, ids):
        # Not kept yet: built here, with no transaction open (it writes in short ones).
        return rebuild(organisation_id, version)
    return len(ids)


def _refresh_chunk(organisation_id: int, version: FrameworkVersion, ids: list[int]) -> bool:
    """Refresh at most `CHUNK_PEOPLE` people in one transaction; False when nothing is kept yet."""
    with transaction.atomic():
        # Updating the state row locks it: two refreshes of the same organisation and version take
        # turns, so neither adds its change to rows the other is replacing.
        kept = RollupState.objects.filter(organisation_id=organisation_id, version=version)
        if not kept.update(refreshed_at=timezone.now()):
            return False
        generation, building_at, pending = kept.values_list("generation", "building_at", "pending").get()
        if building_at is not None:
            kept.update(pending=sorted(set(pending or []) | set(ids)))
        layout = _layout(version)
        n_elements, levels = len(layout[0]), len(layout[1])
        tallies = PersonTally.objects.filter(version=version, generation=generation, person_id__in=ids)
        old = list(tallies.values_list("person_id", "unit_id", "cells"))
        pairs, cells = _counted(organisation_id, version, layout, _active(organisation_id).filter(pk__in=ids))
        units = _sorted_units([u for _, u, _ in old] + [u for _, u in pairs])
        delta_heads = np.zeros(len(units), dtype=np.int64)
        delta = np.zeros((len(units), n_elements, width(levels)), dtype=np.int64)
        if pairs:
            heads, counts = _by_unit(units, [u for _, u in pairs], cells, levels)
            delta_heads += heads
            delta += counts
        if old:
            was = np.frombuffer(b"".join(bytes(c) for _, _, c in old), dtype=np.int8).reshape(
                len(old), n_elements, 4
            )
            heads, counts = _by_unit(units, [u for _, u, _ in old], was, levels)
            delta_heads -= heads
            delta -= counts
        rows = UnitRollup.objects.filter(
            organisation_id=organisation_id, version=version, generation=generation
        )
        known = [u for u in units if u is not None]
        where = Q(unit_id__in=known) | Q(unit__isnull=True) if None in units else Q(unit_id__in=known)
        index = {u: g for g, u in enumerate(units)}
        for unit_id, people, blob in rows.filter(where).values_list("unit_id", "people", "tally"):
            g = index[unit_id]
            delta_heads[g] += people
            delta[g] += np.frombuffer(bytes(blob), dtype="<i4").reshape(n_elements, width(levels))
        rows.filter(where).delete()
        UnitRollup.objects.bulk_create(
            _unit_rows(organisation_id, version, units, delta_heads, delta, generation)
        )
        tallies.delete()
        PersonTally.objects.bulk_create(
            _person_rows(organisation_id, version, pairs, cells, generation), batch_size=2000
        )
    return True


def refresh(organisation_id: int, version_id: int, person_ids: Iterable[int]) -> int:
    """After the attainment of these people on this version was written."""
    return refresh_people(organisation_id, FrameworkVersion.objects.get(pk=version_id), person_ids)


def _kept_versions(organisation_id: int) -> list[FrameworkVersion]:
    return list(
        FrameworkVersion.objects.filter(
            pk__in=RollupState.objects.filter(organisation_id=organisation_id).values("version_id")
        )
    )


def people_changed(organisation_id: int, person_ids: Iterable[int]) -> None:
    """These people changed in a way the rollups count (joined, moved unit, became active or
    inactive, were erased or merged, changed role profiles): refresh their share in every kept
    version when this transaction commits, in a background job when they are many."""
    ids = sorted(set(person_ids))
    if not ids:
        return

    def run() -> None:
        if len(ids) > INLINE_PEOPLE:
            _later(organisation_id, ids)
            return
        for version in _kept_versions(organisation_id):
            refresh_people(organisation_id, version, ids)

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


def _later(organisation_id: int, person_ids: list[int] | None) -> None:
    from soms.jobs.services import job_start
    from soms.tenancy.models import Organisation

    job_start(
        job_function=rollups_refresh_job,
        organisation=Organisation.objects.get(pk=organisation_id),
        owner=None,
        title="Recount the Insights rollups",
        params={"people": person_ids},
        limited=False,  # housekeeping after a write: never refused for a full queue
    )


@job
def rollups_refresh_job(ctx: JobContext, *, people: list[int] | None) -> str:
    versions = _kept_versions(ctx.organisation.pk)
    for k, version in enumerate(versions):
        ctx.progress(k, len(versions), f"Recounting {version}")
        if people is None:
            rebuild(ctx.organisation.pk, version)
        else:
            refresh_people(ctx.organisation.pk, version, people)
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


def _on_people(sender: Any, *, organisation_id: int, person_ids: Any, **_: Any) -> None:
    people_changed(organisation_id, person_ids)


def _on_organisation(sender: Any, *, organisation_id: int, **_: Any) -> None:
    organisation_changed(organisation_id)


@dataclass(frozen=True)
class UnitTallies:
    """What a dashboard reads: per unit (None: no unit) its head count and tallies."""

    units: list[int | None]
    people: Any  # int64[units]
    tallies: Any  # int64[units, elements, width]
    # A digest of the rows as read (units, head counts, tallies), for readers that keep what they
    # build from them: hashing the stored bytes costs half of hashing the int64 arrays.
    digest: bytes | None = None


def read(
    organisation_id: int, version: FrameworkVersion, elements: int, levels: int, unit: OrgUnit | None
) -> UnitTallies | None:
    """The rows of the whole organisation (unit None) or of `unit`'s subtree, in one query after
    the state check. None when they are not kept for this version (the caller reads per person)."""
    kept = RollupState.objects.filter(organisation_id=organisation_id, version=version)
    state = kept.first()
    if state is None or state.elements != elements or state.levels != levels:
        return None
    # The current generation named in the same query as the rows: a rebuild that makes another one
    # current between two queries (and deletes this one's rows after) cannot leave us none.
    rows = UnitRollup.objects.filter(
        organisation_id=organisation_id, version=version, generation=Subquery(kept.values("generation")[:1])
    )
    if unit is not None:
        rows = rows.filter(unit.subtree_q("unit__path"))
    found = list(rows.values_list("unit_id", "people", "tally"))
    shape = (len(found), elements, width(levels))
    if any(len(t) != 4 * elements * width(levels) for _, _, t in found):
        return None  # written for another layout: read per person until they are rebuilt
    if not found:
        return UnitTallies([], np.zeros(0, dtype=np.int64), np.zeros(shape, dtype=np.int64))
    raw = b"".join(bytes(t) for _, _, t in found)
    units: list[int | None] = [u for u, _, _ in found]
    people = [p for _, p, _ in found]
    digest = hashlib.blake2b(raw, digest_size=20)
    digest.update(repr((units, people)).encode())
    return UnitTallies(
        units,
        np.array(people, dtype=np.int64),
        np.frombuffer(raw, dtype="<i4").reshape(shape).astype(np.int64),
        digest.digest(),
    )


def read_scope(
    organisation_id: int,
    version: FrameworkVersion,
    elements: int,
    levels: int,
    *,
    unit_paths: Sequence[str],
    within: OrgUnit | None,
    others: Any,
) -> UnitTallies | None:
    """A scope that is not whole units only (a manager's people): the unit rows of the subtrees at
    `unit_paths` (units counted whole, narrowed to `within`'s subtree), plus the per-person shares
    (`PersonTally`) of `others`, a Person query of the scope's people outside those subtrees, summed
    per unit. Three queries after the state check, whatever the scope's size; None when the rollups
    are not kept for this version (the caller reads per person)."""
    kept = RollupState.objects.filter(organisation_id=organisation_id, version=version)
    state = kept.first()
    if state is None or state.elements != elements or state.levels != levels:
        return None
    current = Subquery(kept.values("generation")[:1])
    shape = (elements, width(levels))
    found: list[tuple[int | None, int, Any]] = []
    if unit_paths:
        whole = Q(pk__in=[])
        for path in unit_paths:
            whole |= under_q("unit__path", path)
        rows = UnitRollup.objects.filter(
            whole, organisation_id=organisation_id, version=version, generation=current
        )
        if within is not None:
            rows = rows.filter(within.subtree_q("unit__path"))
        for unit_id, people, blob in rows.values_list("unit_id", "people", "tally"):
            if len(blob) != 4 * elements * shape[1]:
                return None  # written for another layout: read per person until they are rebuilt
            found.append((unit_id, people, np.frombuffer(bytes(blob), dtype="<i4").reshape(shape)))
    # Written by the ORM, read from the cursor: a manager of 50,000 people reads 50,000 shares,
    # and the ORM's per-row conversions cost more than the rows.
    query = (
        PersonTally.objects.filter(
            version=version, generation=current, person_id__in=others.order_by().values("pk")
        )
        .annotate(unit=Coalesce("unit_id", Value(NO_UNIT), output_field=BigIntegerField()))
        .values_list("unit", "cells")
    )
    shares: list[tuple[int, Any]] = []
    with suppress(EmptyResultSet), connection.cursor() as cursor:
        cursor.execute(*query.query.sql_with_params())
        shares = cursor.fetchall()
    if shares:
        # Column by column, not row by row.
        unit_of, blobs = zip(*shares, strict=True)
        if set(map(len, blobs)) != {4 * elements}:
            return None
        cells = np.frombuffer(b"".join(blobs), dtype=np.int8).reshape(len(shares), elements, 4)
        units, heads, counts = _shares_by_unit(np.array(unit_of, dtype=np.int64), cells, levels)
        found += [(u, int(heads[g]), counts[g]) for g, u in enumerate(units)]
    # The per-person picture's order (units by id, no unit last), so both read the same.
    found.sort(key=lambda r: (r[0] is None, r[0] or 0))
    if not found:
        return UnitTallies([], np.zeros(0, dtype=np.int64), np.zeros((0, *shape), dtype=np.int64))
    return UnitTallies(
        [u for u, _, _ in found],
        np.array([n for _, n, _ in found], dtype=np.int64),
        np.stack([t for _, _, t in found]).astype(np.int64),
    )


def read_shares(
    organisation_id: int, version: FrameworkVersion, elements: int, levels: int, people: Any, key: str
) -> tuple[list[Any], Any] | None:
    """The per-person shares (`PersonTally`) of `people` (a Person query), each with that person's
    `key` field (their team, say): (keys, int8 people × elements × 4 cells as `PersonTally` keeps
    them), in one query after the state check; None when the rollups are not kept for this version
    (the caller reads per person). One row per person instead of one per person and element."""
    kept = RollupState.objects.filter(organisation_id=organisation_id, version=version)
    state = kept.first()
    if state is None or state.elements != elements or state.levels != levels:
        return None
    shares = list(
        PersonTally.objects.filter(
            version=version,
            generation=Subquery(kept.values("generation")[:1]),
            person_id__in=people.order_by().values("pk"),
        )
        .annotate(key=Subquery(Person.objects.filter(pk=OuterRef("person_id")).values(key)[:1]))
        .values_list("key", "cells")
    )
    if any(len(c) != 4 * elements for _, c in shares):
        return None  # written for another layout: read per person until they are rebuilt
    cells = np.frombuffer(b"".join(bytes(c) for _, c in shares), dtype=np.int8).reshape(
        len(shares), elements, 4
    )
    return [k for k, _ in shares], cells
