"""A recomputation writes only what changed: a person whose answer is what is stored gets no row
written at all (no standing row, no element row, no rollup refresh), whatever day it runs on, since
`computed_on` is the day the stored answer was computed, not a value compared; a person whose answer
changed is written and refreshed as before. And leaving unchanged people alone must not let an
older recomputation's late write win over a later one that found nothing to change."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soms.assessments.models import Assessment, ElementAttainment, PersonStanding, Status, ValidityOverride
from soms.assessments.services import attainment
from soms.assessments.services.attainment import recompute, recompute_version
from soms.assessments.signals import attainment_written
from soms.frameworks.models import Level
from soms.insights.models import RollupState
from tests.assessments.conftest import statements, validated

DC = "demand-capacity"
ELEMENTS = 7  # SOMS 2016
TABLES = ("assessments_personstanding", "assessments_elementattainment")
FIRST = date(2026, 2, 1)


def _writes(queries: list[dict[str, Any]]) -> list[str]:
    """The statements among `queries` that write a standing or element row (on PostgreSQL the
    upsert's COPY into its temporary table counts too: it is only ever followed by the write)."""
    out = []
    for q in queries:
        sql = q["sql"]
        verb = re.sub(r"^\d+ (times|rows): ", "", sql).lstrip().split(" ", 1)[0].upper()
        if any(t in sql for t in TABLES) and verb in ("INSERT", "UPDATE", "DELETE", "COPY"):
            out.append(sql)
    return out


class Heard:
    """The people each `attainment_written` announced (what Insights refreshes its rollups from)."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    def __call__(self, sender: Any, *, person_ids: list[int], **_: Any) -> None:
        self.calls.append(sorted(person_ids))

    @property
    def people(self) -> set[int]:
        return {p for call in self.calls for p in call}


@pytest.fixture
def heard() -> Any:
    listener = Heard()
    attainment_written.connect(listener)
    yield listener
    attainment_written.disconnect(listener)


def _everyone_founded(org: Any, version: Any) -> tuple[int, list[int]]:
    for person in org.people.values():
        validated(person, version, statements(version, DC, "foundation"), on=date(2024, 1, 10))
    org_id = org.people["E001"].organisation_id
    ids = sorted(p.pk for p in org.people.values())
    recompute_version(version, org_id, FIRST)
    return org_id, ids


def _stored(version: Any) -> dict[Any, tuple[Any, ...]]:
    out: dict[Any, tuple[Any, ...]] = {
        (pid, e): rest
        for pid, e, *rest in ElementAttainment.objects.filter(version=version).values_list(
            "person_id", "element_id", "level_id", "status", "since", "expires_on", "detail", "computed_on"
        )
    }
    for pid, *rest in PersonStanding.objects.filter(version=version).values_list(
        "person_id", "standing", "computed_on", "next_change_on", "inputs_read_at"
    ):
        out[pid] = tuple(rest)
    return out


@pytest.mark.parametrize("later", [FIRST, date(2026, 2, 2), date(2026, 5, 1)])
@pytest.mark.django_db
def test_a_recomputation_that_changes_nothing_writes_nothing(
    org: Any, soms_version: Any, heard: Heard, later: date
) -> None:
    """The same rules twice, the same day or a later one on which no date of anyone's has come:
    not one row of either table is written and no rollup refreshed; the standing still says the
    day its answer was computed."""
    org_id, ids = _everyone_founded(org, soms_version)
    assert RollupState.objects.filter(organisation_id=org_id, version=soms_version).exists()
    before = _stored(soms_version)
    heard.calls.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert recompute_version(soms_version, org_id, later) == len(ids)
    assert _writes(ctx.captured_queries) == []
    assert heard.people == set()
    assert _stored(soms_version) == before
    assert set(PersonStanding.objects.filter(version=soms_version).values_list("computed_on", flat=True)) == {
        FIRST
    }


@pytest.mark.django_db
def test_a_real_change_writes_the_people_it_changes_and_refreshes_their_rollups(
    org: Any, soms_version: Any, heard: Heard
) -> None:
    """Nina's Practitioner validated: a recomputation of everyone writes her rows alone (standing and
    the element that changed, dated today) and refreshes her share of the rollups; then a validity
    change that expires everyone's Foundation writes everyone and the rollups count it."""
    org_id, ids = _everyone_founded(org, soms_version)
    nina = org.people["E005"]
    validated(nina, soms_version, statements(soms_version, DC, "practitioner"), on=date(2026, 2, 10))
    heard.calls.clear()
    later = date(2026, 3, 1)
    with CaptureQueriesContext(connection) as ctx:
        assert recompute_version(soms_version, org_id, later) == len(ids)
    assert _writes(ctx.captured_queries)
    assert heard.calls == [[nina.pk]]
    assert dict(
        PersonStanding.objects.filter(version=soms_version).values_list("person_id", "computed_on")
    ) == {pid: later if pid == nina.pk else FIRST for pid in ids}
    rows = ElementAttainment.objects.filter(person=nina, version=soms_version)
    assert {r.element.code: r.computed_on for r in rows.select_related("element")} == {
        r.element.code: later if r.element.code == DC else FIRST for r in rows.select_related("element")
    }
    assert rows.get(element__code=DC).rank == 2
    assert _same_as_from_scratch(org_id, soms_version)

    foundation = Level.objects.get(version=soms_version, code="foundation")
    ValidityOverride.objects.create(organisation_id=org_id, level=foundation, validity_months=24)
    heard.calls.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert recompute_version(soms_version, org_id, later) == len(ids)
    writes = _writes(ctx.captured_queries)
    assert any("assessments_personstanding" in w for w in writes)
    assert any("assessments_elementattainment" in w for w in writes)
    everyone_but_nina = set(ids) - {nina.pk}
    assert everyone_but_nina <= heard.people
    statuses = ElementAttainment.objects.filter(version=soms_version, element__code=DC)
    assert set(statuses.exclude(person=nina).values_list("status", flat=True)) == {"expired"}
    assert _same_as_from_scratch(org_id, soms_version)


def _same_as_from_scratch(org_id: int, version: Any) -> bool:
    from tests.insights.test_rollups import from_scratch, stored

    return stored(org_id, version) == from_scratch(org_id, version)


@pytest.mark.django_db
def test_a_recomputation_of_a_few_people_that_changes_nothing_keeps_their_rows(
    org: Any, soms_version: Any, heard: Heard
) -> None:
    """A recomputation of named people (what a validation runs) marks that it read their inputs, so
    that an older one writing late loses to it, and writes nothing else: the element rows and the
    standing's day stay, and nothing is refreshed."""
    org_id, ids = _everyone_founded(org, soms_version)
    before = _stored(soms_version)
    heard.calls.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert recompute(ids[:3], soms_version, org_id, date(2026, 2, 2)) == 3
    writes = _writes(ctx.captured_queries)
    assert writes and all("assessments_personstanding" in w for w in writes)
    assert heard.people == set()
    after = _stored(soms_version)
    for key, value in before.items():
        if isinstance(key, int) and key in ids[:3]:
            assert after[key][:3] == value[:3] and after[key][3] > value[3]  # only inputs_read_at
        else:
            assert after[key] == value


@pytest.mark.django_db
def test_an_older_recomputation_writing_late_loses_to_a_later_one_that_changed_nothing(
    org: Any, soms_version: Any, settings: Any, monkeypatch: Any
) -> None:
    """Nina's Practitioner is validated and her own recomputation (of two people) reads it; before it
    writes her, the assessment is withdrawn and a recomputation of everyone finds her answer the
    stored Foundation, so writes nothing for her. The older call's write of Practitioner that follows
    would be wrong: it yields to the recomputation that began after it."""
    settings.SOMS_ATTAINMENT_WRITE_ROWS = ELEMENTS  # one person per transaction
    org_id, ids = _everyone_founded(org, soms_version)
    nina = org.people["E005"]
    first = ids[0] if ids[0] != nina.pk else ids[1]
    practitioner = validated(
        nina, soms_version, statements(soms_version, DC, "practitioner"), on=date(2026, 2, 10)
    )
    pauses: list[int] = []
    real_pause = attainment._pause

    def meanwhile(since: float) -> None:
        pauses.append(1)
        if len(pauses) == 1:  # the older call wrote its first person, not Nina yet
            Assessment.objects.filter(pk=practitioner.pk).update(status=Status.WITHDRAWN)
            assert recompute_version(soms_version, org_id, date(2026, 3, 1)) == len(ids)
        real_pause(since)

    monkeypatch.setattr(attainment, "_pause", meanwhile)
    recompute(sorted([first, nina.pk]), soms_version, org_id, date(2026, 3, 1))
    assert pauses
    row = ElementAttainment.objects.select_related("level").get(
        person=nina, version=soms_version, element__code=DC
    )
    assert row.level is not None and row.level.code == "foundation"
