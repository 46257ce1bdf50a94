"""Historic imports: every bad row named, nothing written unless the whole file is clean, one
validated assessment per group, attainment recomputed, one audit row."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from soms.assessments.models import (
    Assessment,
    AssessmentEvent,
    ChangeProject,
    ElementAttainment,
    Judgement,
    ProjectMember,
    Status,
)
from soms.assessments.services.history_import import apply_plan, check_file
from soms.tenancy.models import AuditLogEntry
from tests.people.helpers import csv_bytes

HEAD = [
    "employee_id",
    "framework",
    "version",
    "statement",
    "kind",
    "judgement",
    "assessor",
    "validated_by",
    "validated_on",
]
CX = ["CX-F1"]
DL = ["DL-F1", "DL-F2"]


def rows(*body: list[str]) -> bytes:
    return csv_bytes([HEAD, *body])


def check(org: Any, content: bytes, what: str = "assessments", **kw: Any) -> Any:
    return check_file(organisation=org.world.org_a, what=what, filename="history.csv", content=content, **kw)


def test_a_clean_file_becomes_one_validated_assessment_per_group(org: Any, soms_version: Any) -> None:
    content = rows(
        ["E003", "soms", "2016", "CX-F1", "coach", "met", "dana", "E002", "2025-03-01"],
        ["E003", "soms", "2016", "DL-F1", "coach", "met", "dana", "E002", "2025-03-01"],
        ["E003", "soms", "2016", "DL-F2", "coach", "partly", "dana", "E002", "2025-03-01"],
        ["E003", "soms", "2016", "CX-F1", "self", "met", "", "dana", "2025-02-01"],
        ["E004", "soms", "2016", "CX-F1", "manager", "met", "E003", "dana", "2025-03-02"],
    )
    plan = check(org, content)
    assert plan.ok, plan.problems
    s = plan.summary()
    assert (s["assessments"], s["judgements"], s["people"]) == (3, 5, 2)
    assert not Assessment.objects.exists()  # the check writes nothing
    result = apply_plan(plan, organisation=org.world.org_a, actor=org.world.alice)
    assert result["assessments"] == 3 and result["jobs"] == []
    sam = org.people["E003"]
    coach = Assessment.objects.get(person=sam, kind="coach")
    assert coach.status == Status.VALIDATED and coach.validated_on == date(2025, 3, 1)
    assert coach.assessor == org.world.dana and coach.assessor_person is None
    assert coach.validated_by == org.priya and coach.validated_by_person == org.people["E002"]
    assert coach.imported_from.startswith("history.csv")
    assert Judgement.objects.filter(assessment=coach).count() == 3
    own = Assessment.objects.get(person=sam, kind="self")
    assert own.assessor_person == sam and own.validated_by == org.world.dana
    assert AssessmentEvent.objects.filter(assessment__person=sam, action="import").count() == 2
    # Attainment was recomputed: Foundation in customer experience, not in delivery (DL-F2 partly).
    held = dict(
        ElementAttainment.objects.filter(person=sam, version=soms_version).values_list(
            "element__code", "level__code"
        )
    )
    assert held["customer-experience"] == "foundation" and held["delivery"] is None
    entry = AuditLogEntry.objects.get(action="assessment.import")
    assert entry.after["count"] == 3 and entry.after["judgements"] == 5


def test_every_bad_row_is_named_and_nothing_is_written(org: Any, soms_version: Any) -> None:
    content = rows(
        ["E999", "soms", "2016", "CX-F1", "coach", "met", "dana", "E002", "2025-03-01"],  # unknown person
        ["B001", "soms", "2016", "CX-F1", "coach", "met", "dana", "E002", "2025-03-01"],  # other org
        ["E003", "soms", "2016", "NOPE", "coach", "met", "dana", "E002", "2025-03-01"],  # statement
        ["E003", "soms", "1999", "CX-F1", "coach", "met", "dana", "E002", "2025-03-01"],  # version
        ["E003", "soms", "2016", "CX-F1", "peer", "yes", "dana", "E002", "01/03/2025"],  # kind, value, date
        ["E003", "soms", "2016", "CX-F1", "coach", "met", "dana", "E003", "2025-03-01"],  # self-validated
        ["E003", "soms", "2016", "CX-F1", "coach", "met", "dana", "charlie", "2025-03-01"],  # a member
        ["E003", "soms", "2016", "CX-F1", "coach", "met", "dana", "dana", "2025-03-01"],  # own assessment
        ["E003", "soms", "2016", "CX-F1", "coach", "met", "nobody", "E002", "2999-01-01"],  # who, future
        ["E003", "soms", "2016", "CX-F1", "manager", "met", "", "E002", "2025-03-01"],  # no assessor
    )
    plan = check(org, content)
    found = {(p.row, p.column) for p in plan.problems}
    assert {
        (2, "employee_id"),
        (3, "employee_id"),
        (4, "statement"),
        (5, "version"),
        (6, "kind"),
        (6, "judgement"),
        (6, "validated_on"),
        (7, "validated_by"),
        (8, "validated_by"),
        (9, "validated_by"),
        (10, "assessor"),
        (10, "validated_on"),
        (11, "assessor"),
    } <= found
    reasons = {(p.row, p.column): p.reason for p in plan.problems}
    assert "themself" in reasons[(7, "validated_by")]
    assert "member" in reasons[(8, "validated_by")]
    assert plan.assessments == []
    with pytest.raises(ValueError):
        apply_plan(plan, organisation=org.world.org_a, actor=None)
    assert not Assessment.objects.exists()


def test_missing_columns_a_twice_judged_statement_and_a_second_import(org: Any, soms_version: Any) -> None:
    plan = check(org, csv_bytes([["employee_id", "statement"], ["E003", "CX-F1"]]))
    assert {p.column for p in plan.problems} >= {"framework", "judgement", "validated_on"}
    twice = rows(
        ["E003", "soms", "2016", "CX-F1", "coach", "met", "dana", "E002", "2025-03-01"],
        ["E003", "soms", "2016", "CX-F1", "coach", "partly", "dana", "E002", "2025-03-01"],
    )
    assert [(p.row, p.column) for p in check(org, twice).problems] == [(3, "statement")]
    once = rows(["E003", "soms", "2016", "CX-F1", "coach", "met", "dana", "E002", "2025-03-01"])
    apply_plan(check(org, once), organisation=org.world.org_a, actor=None)
    again = check(org, once)
    assert [(p.row, p.column) for p in again.problems] == [(2, "validated_on")]
    assert "imported before" in again.problems[0].reason
    assert Assessment.objects.count() == 1


def test_header_synonyms_and_windows_1252(org: Any, soms_version: Any) -> None:
    content = csv_bytes(
        [
            [
                "Employee Number",
                "Framework",
                "Version Label",
                "Statement Code",
                "Type",
                "Result",
                "Assessor",
                "Validator",
                "Validation Date",
                "Comment",
            ],
            ["E003", "soms", "2016", "CX-F1", "Coach", "Met", "DANA", "E002", "2025-03-01", "Réunion notes"],
        ],
        encoding="cp1252",
    )
    plan = check(org, content)
    assert plan.ok, plan.problems
    apply_plan(plan, organisation=org.world.org_a, actor=None)
    assert Judgement.objects.get().comment == "Réunion notes"


PHEAD = [
    "project",
    "title",
    "owners",
    "areas",
    "status",
    "started_on",
    "completed_on",
    "validated_by",
    "validated_on",
]


def test_projects_import_with_the_version_given_as_an_option(org: Any, soms_version: Any) -> None:
    content = csv_bytes(
        [
            PHEAD,
            [
                "CP-1",
                "Demand review",
                "E003;E004",
                "demand-capacity;people-capability",
                "completed",
                "2024-01-10",
                "2024-06-30",
                "dana",
                "2024-07-15",
            ],
        ]
    )
    assert "framework" in check(org, content, "projects").problems[0].reason
    plan = check(org, content, "projects", framework="soms", version="2016")
    assert plan.ok, plan.problems
    apply_plan(plan, organisation=org.world.org_a, actor=org.world.alice)
    project = ChangeProject.objects.get(code="CP-1")
    assert project.owner == org.people["E003"] and project.review_status == Status.VALIDATED
    assert project.validated_by == org.world.dana and project.areas == [
        "demand-capacity",
        "people-capability",
    ]
    assert list(ProjectMember.objects.values_list("person__employee_id", flat=True)) == ["E004"]
    assert AuditLogEntry.objects.filter(action="change_project.import").count() == 1


def test_bad_project_rows(org: Any, soms_version: Any) -> None:
    ChangeProject.objects.create(organisation=org.world.org_a, code="OLD", title="x", version=soms_version)
    content = csv_bytes(
        [
            [*PHEAD, "framework", "version"],
            [
                "OLD",
                "Taken",
                "E003",
                "delivery;performance",
                "completed",
                "2024-01-10",
                "2024-06-30",
                "dana",
                "2024-07-15",
                "soms",
                "2016",
            ],
            [
                "CP-2",
                "Wrong owner",
                "B001",
                "delivery;nowhere",
                "done",
                "2024-06-30",
                "2024-01-10",
                "E003",
                "2024-01-01",
                "soms",
                "2016",
            ],
            [
                "CP-3",
                "Self-validated",
                "E003",
                "delivery",
                "completed",
                "",
                "2024-01-10",
                "E003",
                "2024-02-01",
                "soms",
                "2016",
            ],
        ]
    )
    plan = check(org, content, "projects")
    found = {(p.row, p.column, p.value) for p in plan.problems}
    assert (2, "project", "OLD") in found
    assert {(3, "owners", "B001"), (3, "areas", "nowhere"), (3, "status", "done")} <= found
    assert (3, "completed_on", "2024-01-10") in found  # before started_on
    assert (4, "validated_by", "E003") in found
    assert ChangeProject.objects.count() == 1


def test_a_large_import_recomputes_in_a_job(org: Any, soms_version: Any) -> None:
    from soms.assessments.services import validity
    from soms.jobs.models import Job
    from soms.jobs.testing import jobs_run

    content = rows(
        *[
            [e, "soms", "2016", "CX-F1", "coach", "met", "dana", "E002", "2025-03-01"]
            for e in ("E003", "E004", "E005")
        ]
    )
    plan = check(org, content)
    with jobs_run():
        jobs = validity.recompute_people(
            organisation=org.world.org_a, touched=plan.people(), actor=None, title="t", inline_limit=1
        )
    assert len(jobs) == 1
    assert Job.objects.get(pk=jobs[0].pk).status == "done"
    assert ElementAttainment.objects.filter(version=soms_version).values("person").distinct().count() == 3
