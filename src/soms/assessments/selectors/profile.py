"""What a person's profile shows, read once for the page, the API and `soms attainment show`.

Levels come from the stored `ElementAttainment` / `PersonStanding` rows (what every dashboard reads);
`attainment_at` answers at any date by running the engine (`services.attainment.evaluate`). History
is the person's validated assessments and change projects; the self view is the person's own
self-assessment beside the validated judgements of others, per statement (`soms.core.attainment.
confidence`, and `self_view` for the levels it would give).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import timezone

from soms.assessments.models import (
    Assessment,
    AttainmentStatus,
    ChangeProject,
    ElementAttainment,
    PersonStanding,
    ProjectMember,
    Status,
)
from soms.assessments.services.attainment import (
    engine_for,
    evaluate,
    judgements_by_person,
    projects_by_person,
    stored_detail,
)
from soms.core.attainment import Confidence, confidence, self_view
from soms.frameworks.models import Element, FrameworkVersion, Level, Statement
from soms.people.models import Person

STATUS_TEXT = {
    AttainmentStatus.HELD: "Held",
    AttainmentStatus.REFRESH_DUE: "Refresh due",
    AttainmentStatus.EXPIRED: "Expired",
    AttainmentStatus.NONE: "Not held",
}
CONFIDENCE_TEXT = {
    Confidence.OVER: "Rates themself higher",
    Confidence.UNDER: "Rates themself lower",
    Confidence.AGREES: "Agrees",
    Confidence.SELF_ONLY: "Self-assessed only",
    Confidence.VALIDATED_ONLY: "Not self-assessed",
}
MISSING_TEXT = {"not_assessed": "not assessed yet", "not_met": "not met yet", "expired": "met, but expired"}


def person_json(person: Person) -> dict[str, Any]:
    return {"id": person.pk, "employee_id": person.employee_id, "name": person.name}


def versions_of(person: Person) -> list[FrameworkVersion]:
    """The versions the person has stored attainment on, newest first."""
    ids = PersonStanding.objects.filter(person=person).values_list("version_id", flat=True)
    return list(
        FrameworkVersion.objects.filter(pk__in=ids)
        .select_related("framework")
        .order_by("-published_at", "-id")
    )


def profile_versions(person: Person) -> list[FrameworkVersion]:
    """The versions the profile page offers: those with stored attainment and those the person has
    any assessment on (a self-assessment waiting for validation shows as "not held" beside what it
    claims), newest first."""
    ids = set(PersonStanding.objects.filter(person=person).values_list("version_id", flat=True))
    ids |= set(Assessment.objects.filter(person=person).values_list("version_id", flat=True))
    return list(
        FrameworkVersion.objects.filter(pk__in=ids)
        .select_related("framework")
        .order_by("-published_at", "-id")
    )


def version_named(person: Person, framework: str, label: str) -> FrameworkVersion | None:
    """A version the person's organisation may use, by framework code and label (the organisation's
    own framework of that code before a built-in one)."""
    candidates = (
        FrameworkVersion.objects.filter(
            Q(framework__organisation_id=person.organisation_id) | Q(framework__organisation__isnull=True),
            framework__code=framework,
            label=label,
        )
        .select_related("framework")
        .order_by("framework__organisation_id")
    )
    found = sorted(candidates, key=lambda v: v.framework.organisation_id is None)
    return found[0] if found else None


@dataclass
class ElementRow:
    element: Element
    level: Level | None
    status: str
    status_text: str
    since: date | None
    refresh_due_on: date | None
    expires_on: date | None
    next_level: Level | None
    missing: list[dict[str, Any]] = field(default_factory=list)  # statements, with text and reason
    missing_project: str = ""
    statements_needed: int = 0
    lapsed_level: Level | None = None
    lapsed_on: date | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class VersionAttainment:
    version: FrameworkVersion
    standing: str
    computed_on: date | None
    elements: list[ElementRow]

    @property
    def attention(self) -> list[ElementRow]:
        return [
            e for e in self.elements if e.status in (AttainmentStatus.REFRESH_DUE, AttainmentStatus.EXPIRED)
        ]


def _rows(
    version: FrameworkVersion, details: dict[int, dict[str, Any]], elements: list[Element]
) -> list[ElementRow]:
    levels = {lv.code: lv for lv in Level.objects.filter(version=version)}
    texts = dict(Statement.objects.filter(version=version).values_list("code", "text"))
    out = []
    for el in elements:
        d = details.get(el.pk) or {"status": "none"}
        status = AttainmentStatus(d.get("status") or "none")
        missing = d.get("missing") or {}
        out.append(
            ElementRow(
                element=el,
                level=levels.get(d.get("level") or ""),
                status=status.value,
                status_text=STATUS_TEXT[status],
                since=_day(d.get("since")),
                refresh_due_on=_day(d.get("refresh_due_on")),
                expires_on=_day(d.get("expires_on")),
                next_level=levels.get(d.get("next_level") or ""),
                missing=[
                    {
                        **m,
                        "text": texts.get(m["statement"], ""),
                        "reason_text": MISSING_TEXT.get(m["reason"], m["reason"]),
                        "validated_on": _day(m.get("validated_on")),
                        "expired_on": _day(m.get("expired_on")),
                    }
                    for m in missing.get("statements", [])
                ],
                missing_project=_project_text(missing.get("project"), el),
                statements_needed=int(missing.get("statements_needed") or 0),
                lapsed_level=levels.get(d.get("lapsed_level") or ""),
                lapsed_on=_day(d.get("lapsed_on")),
                detail=d,
            )
        )
    return out


def _project_text(project: dict[str, Any] | None, element: Element) -> str:
    """The stored sentence names the element by its code (the core knows no names): "a change
    project that addresses demand-capacity". The page names it as its heading does."""
    text = str((project or {}).get("text", ""))
    return text.replace(f" addresses {element.code} and ", f" addresses {element.name} and ")


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def stored_attainment(person: Person, version: FrameworkVersion) -> VersionAttainment:
    """The stored rows (as the nightly job and the last input change left them)."""
    elements = list(Element.objects.filter(version=version).order_by("order", "id"))
    codes = {e.pk: e.code for e in elements}
    rows = {
        r.element_id: stored_detail(
            r.detail,
            element=codes.get(r.element_id, ""),
            level=r.level.code if r.level else None,
            status=r.status,
            since=r.since,
            refresh_due_on=r.refresh_due_on,
            expires_on=r.expires_on,
        )
        for r in ElementAttainment.objects.filter(person=person, version=version).select_related("level")
    }
    standing = PersonStanding.objects.filter(person=person, version=version).first()
    return VersionAttainment(
        version=version,
        standing=standing.standing if standing else "",
        computed_on=standing.computed_on if standing else None,
        elements=_rows(version, rows, elements),
    )


def attainment_at(
    person: Person, version: FrameworkVersion, at: date | None = None
) -> tuple[VersionAttainment, Any]:
    """Computed at `at` (today by default), whatever is stored. Answers the view and the engine's
    `PersonAttainment` (whose elements' `as_json()` is the `--json` shape)."""
    result = evaluate(person.pk, person.organisation_id, version, at)
    elements = list(Element.objects.filter(version=version).order_by("order", "id"))
    by_code = {e.element: e.as_json() for e in result.elements}
    details = {el.pk: by_code.get(el.code, {}) for el in elements}
    return (
        VersionAttainment(
            version=version,
            standing=result.standing or "",
            computed_on=result.as_of,
            elements=_rows(version, details, elements),
        ),
        result,
    )


def attainment_json(person: Person, result: Any) -> dict[str, Any]:
    """`{"person": …, "standing": …, "elements": [...]}`: the shape of `soms attainment show --json`."""
    return {
        "person": person_json(person),
        "standing": result.standing,
        "elements": [e.as_json() for e in result.elements],
    }


@dataclass
class SelfRow:
    statement: Statement
    self_value: str | None
    validated_value: str | None
    confidence: str
    confidence_text: str


def self_beside_validated(
    person: Person, version: FrameworkVersion, now: date | None = None
) -> dict[str, Any]:
    """Per statement the person's latest self-assessment beside the latest validated judgement of
    someone else, and the levels their self-assessment would give per element."""
    today = now or timezone.localdate()
    engine, index = engine_for(person.organisation_id, version)
    judgements = judgements_by_person([person.pk], index, validated_only=False).get(person.pk, [])
    # Drafts of managers and coaches say nothing yet; the person's own self-assessment counts as their view.
    statements = list(
        Statement.objects.filter(version=version)
        .select_related("element", "level")
        .order_by("element__order", "level__rank", "order", "id")
    )
    by_code = {s.code: s for s in statements}
    rows = [
        SelfRow(
            statement=by_code[c.statement],
            self_value=c.self_judgement.value if c.self_judgement else None,
            validated_value=c.validated.value if c.validated else None,
            confidence=c.confidence.value,
            confidence_text=CONFIDENCE_TEXT[c.confidence],
        )
        for c in confidence(judgements, [s.code for s in statements])
    ]
    projects = projects_by_person([person.pk], index).get(person.pk, [])
    own = self_view(engine, judgements, projects, today)
    return {
        "rows": rows,
        "levels": {e.element: e.level for e in own.elements},
        "over": sum(1 for r in rows if r.confidence == Confidence.OVER),
        "under": sum(1 for r in rows if r.confidence == Confidence.UNDER),
    }


def assessment_history(person: Person) -> Any:
    """Validated assessments of the person, newest first (every version)."""
    return (
        Assessment.objects.filter(person=person, status=Status.VALIDATED)
        .select_related(
            "version__framework", "assessor", "assessor_person", "validated_by", "validated_by_person"
        )
        .order_by("-validated_on", "-id")
    )


def project_history(person: Person) -> Any:
    """Change projects the person owns or is a named member of, newest first."""
    member_of = ProjectMember.objects.filter(person=person).values("project_id")
    return (
        ChangeProject.objects.filter(
            Q(owner=person) | Q(pk__in=member_of), organisation_id=person.organisation_id
        )
        .select_related("version__framework", "validated_by", "validated_by_person")
        .order_by("-completed_on", "-id")
    )


def who(user: Any, person: Any) -> str:
    """How a page names an assessor or validator: the person record, else the login."""
    if person is not None:
        return str(person.name)
    if user is not None:
        return str(user.get_full_name() or user.get_username())
    return "—"
