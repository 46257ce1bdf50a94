"""Carry-over to a newer version (dates kept, history kept, what to re-assess), validity overrides
(recomputed in a job), and the profile's reading of stored and computed attainment."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from soms.assessments.models import Assessment, ElementAttainment, Judgement, PersonStanding, ValidityOverride
from soms.assessments.selectors.profile import (
    attainment_at,
    attainment_json,
    self_beside_validated,
    stored_attainment,
)
from soms.assessments.services import carryover, validity
from soms.assessments.services.attainment import recompute
from soms.core.problems import Invalid
from soms.frameworks.models import Level, Statement, StatementMapping
from soms.frameworks.services.authoring import framework_create, version_publish
from soms.jobs.testing import jobs_run
from tests.assessments.conftest import statements, validated


def new_version(org: Any, soms: Any, *, publish: bool = True) -> Any:
    """soms adapted into org A as 'soms-a' 2026: CX-F1 reworded, DL-F1 + DL-F2 merged into DL-F1,
    a new CX-F2; everything else the same."""
    a = org.world.org_a
    v = framework_create(
        organisation=a,
        actor=org.world.alice,
        code="soms-a",
        name="SOMS (A)",
        description="",
        kind="skills",
        label="2026",
        base=soms,
    )
    old = {s.code: s for s in Statement.objects.filter(version=soms)}
    new = {s.code: s for s in Statement.objects.filter(version=v)}
    cx_f1 = new["CX-F1"]
    Statement.objects.create(
        version=v, element=cx_f1.element, level=cx_f1.level, code="CX-F2", text="New", order=9
    )
    new["DL-F2"].delete()
    for code, target in new.items():
        if code == "DL-F2":
            continue
        kind = "reworded" if code == "CX-F1" else "same"
        StatementMapping.objects.create(
            to_version=v, from_statement=old[code], to_statement=target, kind=kind
        )
    StatementMapping.objects.create(
        to_version=v, from_statement=old["DL-F2"], to_statement=new["DL-F1"], kind="merged"
    )
    v.refresh_from_db()
    if publish:
        version_publish(version=v, expected_revision=v.revision, actor=org.world.alice)
        v.refresh_from_db()
    return v


def test_carry_over_keeps_dates_and_history_and_lists_what_to_reassess(org: Any, soms_version: Any) -> None:
    sam = org.people["E003"]
    first = validated(
        sam,
        soms_version,
        statements(soms_version, "customer-experience", "foundation"),
        on=date(2024, 1, 5),
        validator=org.world.dana,
    )
    validated(
        sam,
        soms_version,
        {**{s: "met" for s in statements(soms_version, "delivery", "foundation")}},
        on=date(2024, 3, 1),
        validator=org.priya,
    )
    recompute([sam.pk], soms_version, org.world.org_a.pk)
    target = new_version(org, soms_version)
    plan = carryover.plan_carry_over(organisation=org.world.org_a, source=soms_version, target=target)
    s = plan.summary()
    assert s["people"] == 1 and s["assessments"] == 2
    item = s["items"][0]
    assert set(item["carried_statements"]) == {"CX-F1", "DL-F1"}
    assert "CX-F2" in item["to_reassess"] and item["reasons"]["CX-F2"] == "New in this version."
    assert not Assessment.objects.filter(version=target).exists()  # a plan writes nothing

    result = carryover.apply_carry_over(plan, organisation=org.world.org_a, actor=org.world.alice)
    assert (result["people"], result["assessments"], result["judgements"]) == (1, 2, 2)
    carried = Assessment.objects.filter(version=target, person=sam).order_by("validated_on")
    assert [a.validated_on for a in carried] == [date(2024, 1, 5), date(2024, 3, 1)]
    assert carried[0].assessor == first.assessor and carried[0].validated_by == org.world.dana
    assert carried[0].imported_from == carryover.marker(soms_version)
    # DL-F1 (merged from DL-F1 and DL-F2) carries with the earliest date of its sources.
    dl = Judgement.objects.get(assessment__version=target, statement__code="DL-F1")
    assert "DL-F1, DL-F2" in dl.comment and dl.assessment.validated_on == date(2024, 3, 1)
    levels = dict(
        ElementAttainment.objects.filter(person=sam, version=target).values_list(
            "element__code", "level__code"
        )
    )
    assert levels["delivery"] == "foundation"
    assert levels["customer-experience"] is None  # CX-F2 is new: to re-assess
    # The old version's attainment stays, and a second run carries nothing more.
    assert PersonStanding.objects.filter(person=sam, version=soms_version).exists()
    again = carryover.plan_carry_over(organisation=org.world.org_a, source=soms_version, target=target)
    assert again.summary()["already"] == 1
    assert carryover.apply_carry_over(again, organisation=org.world.org_a, actor=None)["judgements"] == 0


def test_carry_over_refuses_drafts_the_same_version_and_unmapped_versions(
    org: Any, soms_version: Any
) -> None:
    draft = new_version(org, soms_version, publish=False)
    a = org.world.org_a
    with pytest.raises(Invalid, match="draft"):
        carryover.plan_carry_over(organisation=a, source=soms_version, target=draft)
    with pytest.raises(Invalid, match="different"):
        carryover.plan_carry_over(organisation=a, source=soms_version, target=soms_version)
    StatementMapping.objects.filter(to_version=draft).delete()
    version_publish(version=draft, expected_revision=draft.revision, actor=org.world.alice)
    with pytest.raises(Invalid, match="no statement mappings"):
        carryover.plan_carry_over(organisation=a, source=soms_version, target=draft)
    assert carryover.version_by_name(a, "soms:2016", "from") == soms_version
    with pytest.raises(Invalid):
        carryover.version_by_name(a, "soms-2016", "from")


def test_a_validity_override_recomputes_the_organisation_in_a_job(org: Any, soms_version: Any) -> None:
    sam = org.people["E003"]
    validated(
        sam,
        soms_version,
        statements(soms_version, "customer-experience", "foundation"),
        on=date(2020, 1, 1),
        validator=org.world.dana,
    )
    recompute([sam.pk], soms_version, org.world.org_a.pk)
    row = ElementAttainment.objects.get(person=sam, element__code="customer-experience")
    assert row.status == "held" and row.expires_on is None
    foundation = Level.objects.get(version=soms_version, code="foundation")
    with jobs_run():
        job = validity.validity_set(
            organisation=org.world.org_a, level=foundation, months=24, actor=org.world.alice
        )
    assert job is not None
    row = ElementAttainment.objects.get(person=sam, element__code="customer-experience")
    assert row.status == "expired" or row.level_id is None
    assert row.detail["lapsed_level"] == "foundation" and row.detail["lapsed_on"] == "2022-01-01"
    # Setting the same value again changes nothing; inheriting drops the override.
    assert (
        validity.validity_set(organisation=org.world.org_a, level=foundation, months=24, actor=None) is None
    )
    with jobs_run():
        validity.validity_set(
            organisation=org.world.org_a, level=foundation, months=None, inherit=True, actor=None
        )
    assert not ValidityOverride.objects.exists()
    row = ElementAttainment.objects.get(person=sam, element__code="customer-experience")
    assert row.status == "held"
    with pytest.raises(Invalid):
        validity.validity_set(organisation=org.world.org_a, level=foundation, months=0, actor=None)


def test_profile_reads_stored_rows_answers_at_any_date_and_compares_self_with_validated(
    org: Any, soms_version: Any
) -> None:
    sam = org.people["E003"]
    cx = statements(soms_version, "customer-experience", "foundation") + statements(
        soms_version, "customer-experience", "practitioner"
    )
    validated(
        sam, soms_version, {cx[0]: "met", cx[1]: "partly"}, on=date(2024, 5, 1), validator=org.world.dana
    )
    # His own (unvalidated) self-assessment rates both met.
    Assessment.objects.create(
        organisation=org.world.org_a, person=sam, version=soms_version, kind="self", status="submitted"
    )
    own = Assessment.objects.filter(kind="self").get()
    Judgement.objects.bulk_create(
        Judgement(organisation=org.world.org_a, assessment=own, statement=s, value="met") for s in cx
    )
    recompute([sam.pk], soms_version, org.world.org_a.pk)
    stored = stored_attainment(sam, soms_version)
    row = next(e for e in stored.elements if e.element.code == "customer-experience")
    assert row.level is not None and row.level.code == "foundation" and row.status == "held"
    assert row.next_level is not None and row.next_level.code == "practitioner"
    assert [m["statement"] for m in row.missing] == [cx[1].code] and row.missing[0][
        "reason_text"
    ] == "not met yet"
    _, before = attainment_at(sam, soms_version, date(2024, 4, 30))
    data = attainment_json(sam, before)
    assert data["person"]["employee_id"] == "E003" and set(data) == {"person", "standing", "elements"}
    assert next(e for e in data["elements"] if e["element"] == "customer-experience")["status"] == "none"
    view = self_beside_validated(sam, soms_version)
    by_code = {r.statement.code: r.confidence for r in view["rows"]}
    assert by_code == {cx[0].code: "agrees", cx[1].code: "over"}
    assert view["levels"]["customer-experience"] == "practitioner" and view["over"] == 1
