"""Reads for the assessment pages and API: my assessments, and an assessment laid out by element."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from soms.assessments.access import assessments_visible
from soms.assessments.models import Assessment, AssessmentEvent, Judgement
from soms.frameworks.models import Element, Level, Statement
from soms.people.models import RoleRequirement
from soms.tenancy.models import Membership


def my_assessments(membership: Membership) -> QuerySet[Assessment]:
    """Assessments of the member's own person record and those they write, newest first."""
    return (
        assessments_visible(membership)
        .filter(Q(person__user_id=membership.user_id) | Q(assessor_id=membership.user_id))
        .select_related("person", "version__framework", "assessor", "validated_by")
        .order_by("-updated_at", "-id")
    )


@dataclass
class StatementRow:
    statement: Statement
    required: bool
    judgement: Judgement | None = None


@dataclass
class ElementPage:
    element: Element
    number: int  # 1-based position in the form
    required_level: Level | None
    rows: list[StatementRow] = field(default_factory=list)

    @property
    def judged(self) -> int:
        return sum(1 for r in self.rows if r.judgement is not None)


def required_levels(assessment: Assessment) -> dict[int, Level]:
    """element id → the highest level the person's role profiles require on this version."""
    best: dict[int, Level] = {}
    for r in RoleRequirement.objects.filter(
        profile__people=assessment.person, profile__version_id=assessment.version_id
    ).select_related("level"):
        if r.element_id not in best or r.level.rank > best[r.element_id].rank:
            best[r.element_id] = r.level
    return best


def element_pages(assessment: Assessment) -> list[ElementPage]:
    """The form's pages, one per element: elements the person's role profiles require first, and in
    each the required statements (at or below the required level) first, then the others; each
    statement with its judgement, if any. A fixed number of queries."""
    required = required_levels(assessment)
    elements = list(Element.objects.filter(version_id=assessment.version_id).order_by("order", "id"))
    judgements = {j.statement_id: j for j in Judgement.objects.filter(assessment=assessment)}
    by_element: dict[int, list[Statement]] = {}
    for s in (
        Statement.objects.filter(version_id=assessment.version_id)
        .select_related("level")
        .order_by("level__rank", "order", "id")
    ):
        by_element.setdefault(s.element_id, []).append(s)
    elements.sort(key=lambda e: (e.pk not in required, e.order, e.pk))
    pages = []
    for n, e in enumerate(elements, start=1):
        level = required.get(e.pk)
        rows = [
            StatementRow(s, level is not None and s.level.rank <= level.rank, judgements.get(s.pk))
            for s in by_element.get(e.pk, [])
        ]
        rows.sort(key=lambda r: not r.required)  # stable: level order kept inside each group
        pages.append(ElementPage(e, n, level, rows))
    return pages


def events_of(assessment: Assessment) -> QuerySet[AssessmentEvent]:
    return AssessmentEvent.objects.filter(assessment=assessment).select_related("actor").order_by("at", "id")


def judgement_rows(assessment: Assessment) -> list[dict[str, Any]]:
    return [
        {
            "statement_id": j.statement_id,
            "statement": j.statement.code,
            "value": j.value,
            "comment": j.comment,
            "updated_at": j.updated_at,
        }
        for j in Judgement.objects.filter(assessment=assessment).select_related("statement")
    ]
