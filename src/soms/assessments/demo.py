"""Demo assessments: Harbourside's people at every SOMS level, with the workflow's other states.

Validated history goes through the historic import (`services.history_import`), as a real
organisation's file would, with dates counted back from today so that the states stay true
whenever the demo is seeded:

- Olivia Grant (HS001): Practitioner everywhere and Senior Practitioner in customer experience and
  delivery (a completed, validated change project addressing both): standing Practitioner.
- Lena Fischer (HS014): Senior Practitioner in demand & capacity and people capability (project).
- Priya Raman (HS002): Practitioner in four elements, Foundation in the rest; Marcus Bell (HS003):
  Foundation everywhere; Ravi Shah (HS009): Foundation in two elements.
- Ellie Porter (HS006): Practitioner in delivery **refresh due** (validated 22 months ago; Harbourside
  holds Practitioner valid for 24 months, refresh due 3 months before).
- Hannah Cole (HS008): Practitioner in performance **expired** (26 months ago); Foundation still held.
- Workflow: tom.okafor has a draft self-assessment; sam.hughes's submitted self-assessment waits in
  grace.liu's queue; priya.raman's manager assessment of Josh Reid was returned by grace with a
  reason; her assessment of Kate Dunn was returned, corrected and resubmitted (also in the queue).

Northgate gets two people with Foundation. Idempotent: an organisation that has assessments is left alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from soms.assessments.models import (
    Assessment,
    AssessmentEvent,
    EventAction,
    Judgement,
    Kind,
    Status,
    ValidityOverride,
)
from soms.assessments.services.history_import import apply_plan, plan_assessments, plan_projects
from soms.core.attainment import add_months
from soms.frameworks.models import FrameworkVersion, Level, Statement
from soms.people.io.reading import Table
from soms.people.models import Person

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
PROJECT_HEAD = [
    "project",
    "title",
    "owners",
    "areas",
    "status",
    "started_on",
    "completed_on",
    "validated_by",
    "validated_on",
    "scope",
]
LEVELS = ("foundation", "practitioner", "senior-practitioner")
ELEMENTS = (
    "customer-experience",
    "delivery",
    "process-context",
    "people-capability",
    "demand-capacity",
    "performance",
    "strategy-governance",
)
# Harbourside's own validity (months): the built-in SOMS levels never expire by themselves.
VALIDITY = {"foundation": 36, "practitioner": 24, "senior-practitioner": 24}

# (employee id, {element: level}, months ago validated, assessor, validator)
HARBOURSIDE: list[tuple[str, dict[str, str], int, str, str]] = [
    ("HS001", {e: "practitioner" for e in ELEMENTS}, 8, "grace.liu", "lena.fischer"),
    (
        "HS001",
        {"customer-experience": "senior-practitioner", "delivery": "senior-practitioner"},
        4,
        "grace.liu",
        "lena.fischer",
    ),
    (
        "HS014",
        {"demand-capacity": "senior-practitioner", "people-capability": "senior-practitioner"},
        6,
        "grace.liu",
        "admin",
    ),
    ("HS014", {e: "foundation" for e in ELEMENTS[:3]}, 6, "grace.liu", "admin"),
    (
        "HS002",
        {
            **{e: "practitioner" for e in ELEMENTS[:4]},
            **{e: "foundation" for e in ELEMENTS[4:]},
        },
        11,
        "grace.liu",
        "lena.fischer",
    ),
    ("HS003", {e: "foundation" for e in ELEMENTS}, 10, "HS002", "grace.liu"),
    (
        "HS006",
        {"delivery": "practitioner", "customer-experience": "foundation"},
        22,
        "grace.liu",
        "priya.raman",
    ),
    (
        "HS008",
        {"performance": "practitioner", "demand-capacity": "foundation"},
        26,
        "grace.liu",
        "priya.raman",
    ),
    ("HS009", {"customer-experience": "foundation", "delivery": "foundation"}, 5, "HS008", "grace.liu"),
]
# (project, title, owners, areas, months ago completed, validator, scope)
PROJECTS = [
    (
        "HS-CP-01",
        "Claims first-contact redesign",
        "HS001",
        "customer-experience;delivery",
        5,
        "lena.fischer",
        "Redesigned the first notification of loss call flow and the handoff to handlers.",
    ),
    (
        "HS-CP-02",
        "Capacity plan and skills matrix for Motor South",
        "HS014;HS008",
        "demand-capacity;people-capability",
        7,
        "admin",
        "Forecast-driven rota and a cross-skilling plan for the peak season.",
    ),
]
NORTHGATE: list[tuple[str, dict[str, str], int, str, str]] = [
    ("NG001", {"customer-experience": "foundation", "performance": "foundation"}, 9, "grace.liu", "admin"),
    ("NG003", {"demand-capacity": "foundation"}, 3, "grace.liu", "aisha.bello"),
]


def _ago(today: dt.date, months: int) -> str:
    return add_months(today, -months).isoformat()


def _statement_rows(
    version: FrameworkVersion, plan: list[tuple[str, dict[str, str], int, str, str]], today: dt.date
) -> list[tuple[int, list[str]]]:
    codes: dict[tuple[str, str], list[str]] = {}
    for code, element, level in Statement.objects.filter(version=version).values_list(
        "code", "element__code", "level__code"
    ):
        codes.setdefault((element, level), []).append(code)
    rows = []
    n = 2
    for emp, levels, months, assessor, validator in plan:
        for element, top in levels.items():
            for level in LEVELS[: LEVELS.index(top) + 1]:
                for code in sorted(codes.get((element, level), [])):
                    rows.append(
                        (
                            n,
                            [
                                emp,
                                "soms",
                                version.label,
                                code,
                                "coach",
                                "met",
                                assessor,
                                validator,
                                _ago(today, months),
                            ],
                        )
                    )
                    n += 1
    return rows


def _import(ctx: Any, organisation: Any, table: Table, what: str, version: FrameworkVersion) -> None:
    if what == "assessments":
        plan = plan_assessments(organisation, table, filename="demo-history.csv")
    else:
        plan = plan_projects(
            organisation, table, filename="demo-projects.csv", framework="soms", version=version.label
        )
    assert plan.ok, [p.as_dict() for p in plan.problems[:5]]
    apply_plan(plan, organisation=organisation, actor=None)


def _workflow(organisation: Any, version: FrameworkVersion, users: dict[str, Any], today: dt.date) -> None:
    """Assessments still moving: a draft, a submitted one, a returned one and a resubmitted one."""
    people = {p.employee_id: p for p in Person.objects.filter(organisation=organisation)}
    statements = {
        s.code: s
        for s in Statement.objects.filter(
            version=version, element__code__in=["customer-experience", "delivery"]
        )
    }
    grace, priya = users["grace.liu"], users["priya.raman"]
    now = timezone.now()

    def make(
        emp: str,
        kind: str,
        assessor: Any,
        status: str,
        values: dict[str, str],
        steps: list[tuple[str, Any, str, int]],
    ) -> Assessment:
        a = Assessment.objects.create(
            organisation=organisation,
            person=people[emp],
            version=version,
            kind=kind,
            assessor=assessor,
            status=status,
            created_by=assessor,
            submitted_at=now - dt.timedelta(days=2) if status != Status.DRAFT else None,
            return_reason=next((r for act, _, r, _ in reversed(steps) if act == EventAction.RETURN), ""),
        )
        Judgement.objects.bulk_create(
            Judgement(
                organisation=organisation,
                assessment=a,
                statement=statements[c],
                value=v,
                comment=comment_for(v),
            )
            for c, v in values.items()
        )
        for action, actor, reason, days in steps:
            event = AssessmentEvent.objects.create(
                organisation=organisation, assessment=a, action=action, actor=actor, reason=reason
            )
            AssessmentEvent.objects.filter(pk=event.pk).update(at=now - dt.timedelta(days=days))
        return a

    make(
        "HS004",
        Kind.SELF,
        users["tom.okafor"],
        Status.DRAFT,
        {"CX-F1": "met", "CX-P1": "partly"},
        [(EventAction.CREATE, users["tom.okafor"], "", 1)],
    )
    make(
        "HS005",
        Kind.SELF,
        users["sam.hughes"],
        Status.SUBMITTED,
        {"CX-F1": "met", "DL-F1": "met", "DL-F2": "partly"},
        [(EventAction.CREATE, users["sam.hughes"], "", 6), (EventAction.SUBMIT, users["sam.hughes"], "", 2)],
    )
    make(
        "HS007",
        Kind.MANAGER,
        priya,
        Status.RETURNED,
        {"CX-F1": "met", "CX-P1": "met"},
        [
            (EventAction.CREATE, priya, "", 9),
            (EventAction.SUBMIT, priya, "", 8),
            (
                EventAction.RETURN,
                grace,
                "CX-P1 needs real cases: attach two complaint reviews Josh handled, or judge it partly.",
                5,
            ),
        ],
    )
    make(
        "HS010",
        Kind.MANAGER,
        priya,
        Status.SUBMITTED,
        {"DL-F1": "met", "DL-F2": "met"},
        [
            (EventAction.CREATE, priya, "", 12),
            (EventAction.SUBMIT, priya, "", 11),
            (
                EventAction.RETURN,
                grace,
                "DL-F2 has no evidence yet: add the value-stream walk-through Kate ran.",
                7,
            ),
            (EventAction.RESUBMIT, priya, "Added the walk-through notes as evidence.", 3),
        ],
    )


def comment_for(value: str) -> str:
    return {"met": "Seen in day-to-day work.", "partly": "Some of it, not yet on my own."}.get(value, "")


def seed(ctx: Any) -> None:
    version = FrameworkVersion.objects.filter(
        framework__organisation__isnull=True, framework__code="soms"
    ).first()
    if version is None:
        return
    today = timezone.localdate()
    made = 0
    for key, plan in (("harbourside", HARBOURSIDE), ("northgate", NORTHGATE)):
        organisation = ctx.organisations[key]
        if Assessment.objects.filter(organisation=organisation).exists():
            continue
        if not Person.objects.filter(organisation=organisation).exists():
            continue
        if key == "harbourside":
            levels = Level.objects.filter(version=version)
            ValidityOverride.objects.bulk_create(
                [
                    ValidityOverride(organisation=organisation, level=lv, validity_months=VALIDITY[lv.code])
                    for lv in levels
                    if lv.code in VALIDITY
                ]
            )
            projects = [
                (
                    n,
                    [
                        code,
                        title,
                        owners,
                        areas,
                        "completed",
                        _ago(today, months + 6),
                        _ago(today, months),
                        validator,
                        _ago(today, months - 1),
                        scope,
                    ],
                )
                for n, (code, title, owners, areas, months, validator, scope) in enumerate(PROJECTS, start=2)
            ]
            _import(ctx, organisation, Table(headers=PROJECT_HEAD, rows=projects), "projects", version)
        _import(
            ctx,
            organisation,
            Table(headers=HEAD, rows=_statement_rows(version, plan, today)),
            "assessments",
            version,
        )
        if key == "harbourside":
            _workflow(organisation, version, ctx.users, today)
        made += 1
    if made:
        ctx.notes.append(
            "Assessments: Harbourside's people hold SOMS levels up to Senior Practitioner (one refresh due, one "
            "expired); tom.okafor has a draft self-assessment and grace.liu has two assessments waiting for review"
        )
