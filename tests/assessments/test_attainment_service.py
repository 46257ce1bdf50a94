"""The attainment service: stored judgements and projects in, stored attainment out, in a fixed
number of queries whatever the number of people."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from soms.assessments.models import ElementAttainment, PersonStanding, ValidityOverride
from soms.assessments.services.attainment import (
    engine_for,
    evaluate,
    judgements_by_person,
    person_inputs,
    projects_by_person,
    recompute,
    recompute_due,
    recompute_version,
    stored_detail,
    version_index,
)
from soms.core.attainment import AssessmentKind
from soms.frameworks.models import FrameworkVersion, Level
from tests.assessments.conftest import project, statements, validated

pytestmark = pytest.mark.django_db

DC = "demand-capacity"


def _row(person: Any, version: Any, element: str = DC) -> ElementAttainment:
    return ElementAttainment.objects.select_related("level").get(
        person=person, version=version, element__code=element
    )


def test_validated_foundation_is_stored_as_held(org: Any, soms_version: Any) -> None:
    nina = org.people["E005"]
    validated(nina, soms_version, statements(soms_version, DC, "foundation"), on=date(2026, 1, 10))
    assert recompute([nina.pk], soms_version, nina.organisation_id, date(2026, 2, 1)) == 1
    row = _row(nina, soms_version)
    assert row.level is not None and row.level.code == "foundation"
    assert row.rank == 1 and row.status == "held" and row.since == date(2026, 1, 10)
    assert row.detail["next_level"] == "practitioner"
    # Every element gets a row, held or not; the standing row says what is next to change.
    assert ElementAttainment.objects.filter(person=nina, version=soms_version).count() == 7
    assert ElementAttainment.objects.filter(person=nina, version=soms_version, status="none").count() == 6
    assert PersonStanding.objects.get(person=nina, version=soms_version).standing == ""


def test_unvalidated_self_assessment_never_counts(org: Any, soms_version: Any) -> None:
    nina = org.people["E005"]
    a = validated(
        nina, soms_version, statements(soms_version, DC, "foundation"), on=date(2026, 1, 10), kind="self"
    )
    a.status, a.validated_on = "submitted", None
    a.save()
    recompute([nina.pk], soms_version, nina.organisation_id, date(2026, 2, 1))
    assert _row(nina, soms_version).status == "none"


def test_senior_practitioner_needs_a_validated_project_of_two_areas(org: Any, soms_version: Any) -> None:
    nina, sam = org.people["E005"], org.people["E003"]
    for person in (nina, sam):
        for level in ("foundation", "practitioner", "senior-practitioner"):
            validated(person, soms_version, statements(soms_version, DC, level), on=date(2026, 1, 10))
    p = project(
        nina, soms_version, [DC, "people-capability"], completed_on=date(2026, 1, 5), validated_on=None
    )
    recompute([nina.pk, sam.pk], soms_version, nina.organisation_id, date(2026, 2, 1))
    assert _row(nina, soms_version).level.code == "practitioner"  # type: ignore[union-attr]
    p.review_status, p.validated_on = "validated", date(2026, 1, 20)
    p.save()
    from soms.assessments.models import ProjectMember

    ProjectMember.objects.create(organisation_id=nina.organisation_id, project=p, person=sam)
    recompute([nina.pk, sam.pk], soms_version, nina.organisation_id, date(2026, 2, 1))
    # The owner and the named team member both count it.
    assert _row(nina, soms_version).level.code == "senior-practitioner"  # type: ignore[union-attr]
    assert _row(sam, soms_version).level.code == "senior-practitioner"  # type: ignore[union-attr]


def test_override_and_nightly_pass_move_the_level_to_refresh_due_then_expired(
    org: Any, soms_version: Any
) -> None:
    nina = org.people["E005"]
    validated(nina, soms_version, statements(soms_version, DC, "foundation"), on=date(2024, 1, 10))
    foundation = Level.objects.get(version=soms_version, code="foundation")
    ValidityOverride.objects.create(
        organisation_id=nina.organisation_id, level=foundation, validity_months=24
    )
    recompute_version(soms_version, nina.organisation_id, date(2025, 6, 1))
    row = _row(nina, soms_version)
    assert (row.status, row.expires_on, row.refresh_due_on) == ("held", date(2026, 1, 10), date(2025, 10, 10))
    assert PersonStanding.objects.get(person=nina).next_change_on == date(2025, 10, 10)
    assert recompute_due(date(2025, 9, 1)) == 0  # nothing has come due yet
    assert recompute_due(date(2025, 10, 10)) == 1
    assert _row(nina, soms_version).status == "refresh_due"
    assert recompute_due(date(2026, 1, 10)) == 1
    assert _row(nina, soms_version).status == "expired"
    # History is computed, not stored: the same person at an earlier date.
    assert (
        evaluate(nina.pk, nina.organisation_id, soms_version, date(2025, 1, 1)).element(DC).status == "held"
    )


def test_recompute_reads_in_a_fixed_number_of_queries(
    org: Any, soms_version: Any, django_assert_max_num_queries: Any
) -> None:
    people = list(org.people.values())
    for person in people:
        validated(person, soms_version, statements(soms_version, DC, "foundation"), on=date(2026, 1, 10))
    ids = [p.pk for p in people]
    # The service's own (the version compiled, the reads, and one write transaction: the people's
    # stored rows read back, the standings' compare-and-set, whose standing rows this call holds,
    # the element rows, whether a recomputation of everyone began later), and a fixed number more
    # for the Insights unit rollups it keeps current (tests/insights/test_rollups.py counts those):
    # 38 on SQLite, 42 on PostgreSQL (COPY for the upserts, the rollups' generations); fixed
    # whatever the batch holds (up to SOMS_ATTAINMENT_WRITE_ROWS rows;
    # tests/assessments/test_attainment_writes.py counts per write).
    with django_assert_max_num_queries(42):
        assert recompute(ids, soms_version, org.people["E001"].organisation_id, date(2026, 2, 1)) == len(ids)


def test_a_published_version_is_compiled_once_and_its_engine_follows_rules_and_overrides(
    org: Any, soms_version: Any, django_assert_num_queries: Any
) -> None:
    organisation_id = org.people["E005"].organisation_id
    engine, index = engine_for(organisation_id, soms_version)
    with django_assert_num_queries(1):  # the organisation's validity overrides, read every time
        again, same_index = engine_for(organisation_id, soms_version)
    assert again is engine and same_index is index
    foundation = Level.objects.get(version=soms_version, code="foundation")
    ValidityOverride.objects.create(organisation_id=organisation_id, level=foundation, validity_months=24)
    overridden, _ = engine_for(organisation_id, soms_version)
    assert overridden is not engine and overridden._validity[0] == 24
    rules = {**soms_version.rules, "refresh_due_months_before": 5}
    FrameworkVersion.objects.filter(pk=soms_version.pk).update(rules=rules)
    soms_version.refresh_from_db()
    changed, _ = engine_for(organisation_id, soms_version)
    assert changed is not overridden and changed.rules.refresh_due_months_before == 5
    # A draft can change under the same revision (fixtures, imports): it is read afresh every time.
    draft = FrameworkVersion.objects.create(framework=soms_version.framework, label="draft")
    assert version_index(draft) is not version_index(draft)


def test_the_stored_detail_holds_only_what_the_columns_do_not_and_reads_back_whole(
    org: Any, soms_version: Any
) -> None:
    nina = org.people["E005"]
    validated(nina, soms_version, statements(soms_version, DC, "foundation"), on=date(2022, 1, 10))
    validated(nina, soms_version, statements(soms_version, DC, "practitioner")[:1], on=date(2025, 3, 1))
    recompute([nina.pk], soms_version, nina.organisation_id, date(2026, 2, 1))
    expected = evaluate(nina.pk, nina.organisation_id, soms_version, date(2026, 2, 1))
    rows = ElementAttainment.objects.filter(person=nina, version=soms_version).select_related(
        "element", "level"
    )
    assert len(rows) == len(expected.elements)
    for row in rows:
        assert not {"element", "level", "status", "since", "expires_on"} & set(row.detail)
        assert None not in row.detail.values()
        whole = stored_detail(
            row.detail,
            element=row.element.code,
            level=row.level.code if row.level else None,
            status=row.status,
            since=row.since,
            refresh_due_on=row.refresh_due_on,
            expires_on=row.expires_on,
        )
        assert whole == expected.element(row.element.code).as_json()


def test_one_persons_inputs_are_what_the_batch_readers_give(org: Any, soms_version: Any) -> None:
    nina, sam = org.people["E005"], org.people["E003"]
    validated(nina, soms_version, statements(soms_version, DC, "foundation"), on=date(2025, 1, 10))
    mine = validated(nina, soms_version, statements(soms_version, DC, "practitioner"), on=date(2026, 1, 10))
    mine.status, mine.validated_on = "submitted", None
    mine.save()
    validated(sam, soms_version, statements(soms_version, DC, "foundation"), on=date(2025, 3, 1), kind="self")
    project(sam, soms_version, [DC, "people-capability"], completed_on=date(2026, 1, 5), validated_on=None)
    project(
        sam,
        soms_version,
        [DC],
        completed_on=date(2026, 1, 5),
        validated_on=date(2026, 1, 9),
        code="P2",
        members=[nina],
    )
    index = version_index(soms_version)
    for person in (nina, sam):
        for validated_only in (True, False):
            judgements, projects = person_inputs(person.pk, index, validated_only=validated_only)
            expected = judgements_by_person([person.pk], index, validated_only=validated_only)[person.pk]
            assert sorted(judgements, key=lambda j: j.seq) == sorted(expected, key=lambda j: j.seq)
            assert projects == projects_by_person([person.pk], index)[person.pk]
            assert [p.id for p in projects] == ["P2"]
            # Only self-assessments (the self line's read): the same, less the others' judgements.
            own, same = person_inputs(
                person.pk, index, validated_only=validated_only, kind=AssessmentKind.SELF
            )
            assert sorted(own, key=lambda j: j.seq) == sorted(
                (j for j in expected if j.kind == AssessmentKind.SELF), key=lambda j: j.seq
            )
            assert same == projects
    assert not person_inputs(nina.pk, index, kind=AssessmentKind.SELF)[0]
    assert person_inputs(sam.pk, index, kind=AssessmentKind.SELF)[0]
