"""How the attainment service writes (issue 12): computed with no transaction open, then written in
short transactions of whole people (SOMS_ATTAINMENT_WRITE_ROWS rows), so that a recomputation of
every person after a rule change never holds SQLite's one write lock for long; a person whose inputs
changed meanwhile keeps what their own, later recomputation wrote; a failure half-way leaves rows
that the next recomputation completes."""

from __future__ import annotations

import math
import re
from contextlib import nullcontext
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soms.assessments.models import ElementAttainment, PersonStanding, ValidityOverride
from soms.assessments.services import attainment
from soms.assessments.services.attainment import recompute, recompute_version
from soms.assessments.signals import attainment_written
from soms.frameworks.models import Level
from tests.assessments.conftest import statements, validated
from tests.regression.write_lock import write_transactions

DC = "demand-capacity"
ELEMENTS = 7  # SOMS 2016


def _rows_per_insert(queries: list[dict[str, Any]], table: str) -> list[int]:
    """Rows of each INSERT / COPY into `table` (SQLite logs executemany as 'N times: …', COPY as
    'N rows: …')."""
    sizes = []
    for q in queries:
        sql = q["sql"]
        if table in sql and ("INSERT" in sql or "COPY" in sql) and "SELECT" not in sql.split("FROM")[0]:
            found = re.match(r"(\d+) (times|rows): ", sql)
            sizes.append(int(found.group(1)) if found else 1)
    return sizes


def _stored(version: Any) -> dict[tuple[int, str], tuple[Any, ...]]:
    return {
        (pid, code): (level, status, expires)
        for pid, code, level, status, expires in ElementAttainment.objects.filter(
            version=version
        ).values_list("person_id", "element__code", "level__code", "status", "expires_on")
    }


def _everyone_founded(org: Any, version: Any) -> list[int]:
    for person in org.people.values():
        validated(person, version, statements(version, DC, "foundation"), on=date(2024, 1, 10))
    return sorted(p.pk for p in org.people.values())


@pytest.mark.django_db(transaction=True)
def test_a_recomputation_writes_in_several_short_transactions(
    org: Any, soms_version: Any, settings: Any
) -> None:
    """At 50,000 people one transaction of 500 people's rows held SQLite's write lock up to 4.8 s.
    With SOMS_ATTAINMENT_WRITE_ROWS = 14 (two people of 7 elements), 8 people take 4 write
    transactions of at most 14 element rows each, none of which reads a judgement."""
    settings.SOMS_ATTAINMENT_WRITE_ROWS = 2 * ELEMENTS
    settings.SOMS_ATTAINMENT_WRITE_PAUSE_MS = 0
    ids = _everyone_founded(org, soms_version)
    org_id = org.people["E001"].organisation_id
    sqlite = connection.vendor == "sqlite"  # (the helper wraps SQLite's BEGIN IMMEDIATE)
    with (
        CaptureQueriesContext(connection) as ctx,
        write_transactions(connection) if sqlite else nullcontext() as held,
    ):
        assert recompute(ids, soms_version, org_id, date(2026, 2, 1)) == len(ids)
    if held is not None:
        mine = [w for w in held.where if w.endswith("attainment.py:_write")]
        assert len(mine) == math.ceil(len(ids) / 2) == 4
    sizes = _rows_per_insert(ctx.captured_queries, "assessments_elementattainment")
    assert sizes == [2 * ELEMENTS] * 4
    assert _rows_per_insert(ctx.captured_queries, "assessments_personstanding") == [2] * 4
    # The inputs were read before the first write transaction opened, not inside one.
    first_write = next(
        i for i, q in enumerate(ctx.captured_queries) if "assessments_personstanding" in q["sql"]
    )
    reads = [i for i, q in enumerate(ctx.captured_queries) if "assessments_judgement" in q["sql"]]
    assert reads and max(reads) < first_write
    assert ElementAttainment.objects.filter(version=soms_version, status="held").count() == len(ids)
    assert set(
        PersonStanding.objects.filter(version=soms_version).values_list("person_id", flat=True)
    ) == set(ids)


def test_a_validation_between_compute_and_write_wins(
    org: Any, soms_version: Any, settings: Any, monkeypatch: Any
) -> None:
    """A rule change's recomputation computes everyone first and writes later. Nina's Practitioner is
    validated after it computed her (from her Foundation alone) but before it wrote her: her own
    recomputation (what the validation runs on commit) stores Practitioner, and the older write that
    follows leaves her rows alone."""
    settings.SOMS_ATTAINMENT_WRITE_ROWS = ELEMENTS  # one person per transaction
    ids = _everyone_founded(org, soms_version)
    org_id = org.people["E001"].organisation_id
    nina = org.people["E005"]
    assert ids.index(nina.pk) > 0
    pauses = []

    def validate_nina_once(_since: float) -> None:
        pauses.append(1)
        if len(pauses) == 1:  # the first person written, Nina not yet
            validated(nina, soms_version, statements(soms_version, DC, "practitioner"), on=date(2026, 1, 20))
            recompute([nina.pk], soms_version, org_id, date(2026, 2, 1))

    monkeypatch.setattr(attainment, "_pause", validate_nina_once)
    foundation = Level.objects.get(version=soms_version, code="foundation")
    ValidityOverride.objects.create(organisation_id=org_id, level=foundation, validity_months=30)
    assert recompute(ids, soms_version, org_id, date(2026, 2, 1)) == len(ids)
    assert len(pauses) == len(ids) - 1
    row = ElementAttainment.objects.select_related("level").get(
        person=nina, version=soms_version, element__code=DC
    )
    assert row.level is not None and row.level.code == "practitioner"
    standing = PersonStanding.objects.get(person=nina, version=soms_version)
    assert standing.next_change_on == row.refresh_due_on
    # Everyone else got the rule change's rows (Foundation of 2024-01-10 valid 30 months).
    others = ElementAttainment.objects.filter(version=soms_version, element__code=DC).exclude(person=nina)
    assert set(others.values_list("expires_on", flat=True)) == {date(2026, 7, 10)}
    # And a later recomputation of Nina, with nothing changed, answers the same.
    before = _stored(soms_version)
    recompute([nina.pk], soms_version, org_id, date(2026, 2, 1))
    assert _stored(soms_version) == before


def test_a_failure_half_way_keeps_what_was_written_and_the_next_run_completes_it(
    org: Any, soms_version: Any, settings: Any, monkeypatch: Any
) -> None:
    settings.SOMS_ATTAINMENT_WRITE_ROWS = 3 * ELEMENTS
    ids = _everyone_founded(org, soms_version)
    org_id = org.people["E001"].organisation_id
    recompute(ids, soms_version, org_id, date(2026, 2, 1))
    foundation = Level.objects.get(version=soms_version, code="foundation")
    ValidityOverride.objects.create(organisation_id=org_id, level=foundation, validity_months=24)
    announced: list[list[int]] = []
    progress: list[tuple[int, int]] = []

    def heard(sender: Any, *, person_ids: list[int], **_: Any) -> None:
        announced.append(list(person_ids))

    def fail(_since: float) -> None:
        raise RuntimeError("the database went away")

    attainment_written.connect(heard)
    try:
        monkeypatch.setattr(attainment, "_pause", fail)
        with pytest.raises(RuntimeError):
            recompute(
                ids, soms_version, org_id, date(2026, 2, 1), progress=lambda n, of: progress.append((n, of))
            )
        # The first three people are written (and announced, once), the others still hold the old rows.
        assert progress == [(3, len(ids))]
        assert announced == [ids[:3]]
        status = dict(
            ElementAttainment.objects.filter(version=soms_version, element__code=DC).values_list(
                "person_id", "status"
            )
        )
        assert {status[p] for p in ids[:3]} == {"expired"}  # 24 months from 2024-01-10
        assert {status[p] for p in ids[3:]} == {"held"}  # still 36 months
        monkeypatch.setattr(attainment, "_pause", lambda _since: None)
        announced.clear()
        assert recompute_version(soms_version, org_id, date(2026, 2, 1)) == len(ids)
        # The first three hold the new answer already: only the others are written and refreshed.
        assert announced == [ids[3:]]
    finally:
        attainment_written.disconnect(heard)
    assert set(
        ElementAttainment.objects.filter(version=soms_version, element__code=DC).values_list(
            "status", flat=True
        )
    ) == {"expired"}


def test_queries_per_write_transaction_are_fixed(
    org: Any, soms_version: Any, settings: Any, django_assert_num_queries: Any
) -> None:
    """Reading is a fixed number of queries per 500 people; each write transaction of a
    recomputation of named people is five (their stored rows read back: standings and element rows;
    the standings' compare-and-set, which of them this call holds, whether a recomputation of
    everyone began later), plus the element rows when any differ (none here: the same answer), plus
    its savepoint or transaction, whatever it holds."""
    ids = _everyone_founded(org, soms_version)
    org_id = org.people["E001"].organisation_id
    recompute(ids, soms_version, org_id, date(2026, 2, 1))
    counts = {}
    for people in (1, 2, 8):
        settings.SOMS_ATTAINMENT_WRITE_ROWS = people * ELEMENTS
        with CaptureQueriesContext(connection) as ctx:
            recompute(ids, soms_version, org_id, date(2026, 2, 1))
        counts[people] = len(ctx.captured_queries)
    per_write = 5 + (2 if connection.features.uses_savepoints else 0)
    if connection.vendor == "postgresql":
        per_write += 2  # the upsert: a temporary table and COPY into it before its INSERT … SELECT
    assert counts[1] - counts[8] == (8 - 1) * per_write
    assert counts[2] - counts[8] == (4 - 1) * per_write


def test_the_pause_between_writes_counts_the_computing_done_meanwhile(
    settings: Any, monkeypatch: Any
) -> None:
    """The pause lets another organisation's writer in; reading and computing the next people with no
    transaction open lets it in just as well, so only what is left of the pause is slept."""
    import time

    settings.SOMS_ATTAINMENT_WRITE_PAUSE_MS = 50
    slept: list[float] = []
    monkeypatch.setattr(attainment.time, "sleep", slept.append)
    attainment._pause(time.perf_counter() - 1.0)  # a second of computing since the last write
    assert slept == []
    attainment._pause(time.perf_counter())  # straight after a write: (nearly) all of it
    assert len(slept) == 1 and 0 < slept[0] <= 0.05
    settings.SOMS_ATTAINMENT_WRITE_PAUSE_MS = 0  # PostgreSQL's default: never
    attainment._pause(time.perf_counter())
    assert len(slept) == 1
