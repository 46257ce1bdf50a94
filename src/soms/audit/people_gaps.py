"""From a finding to people (issue item 6): who in the audit's scope has the largest gap in the
finding's element, and development actions for them in one step.

Gap = the level a person's role profiles require in the element minus the level they hold (from the
attainment table the assessments app keeps; a level that expired counts as none), on the audit's
framework version. The people are those of the audited unit and everything under it (the whole
organisation for an organisation-wide audit); teams are ranked by the sum of their people's gaps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max

from soms.assessments.models import AttainmentStatus, ElementAttainment
from soms.audit.models import Audit, Finding
from soms.people.models import Person, RoleRequirement


@dataclass(frozen=True)
class PersonGap:
    person: Person
    required: int
    held: int

    @property
    def gap(self) -> int:
        return self.required - self.held


@dataclass(frozen=True)
class TeamGap:
    name: str
    people: int
    total: int


def _people(audit: Audit) -> Any:
    people = Person.objects.filter(organisation_id=audit.organisation_id, active=True, erased_at__isnull=True)
    if audit.unit_id and audit.unit is not None:
        people = people.filter(unit__path__startswith=audit.unit.path)
    return people


def largest_gaps(audit: Audit, finding: Finding, *, limit: int = 5) -> tuple[list[PersonGap], list[TeamGap]]:
    version_id = audit.template.framework_version_id
    people = _people(audit)
    required = dict(
        RoleRequirement.objects.filter(
            element_id=finding.element_id, profile__people__in=people, profile__version_id=version_id
        )
        .values("profile__people")
        .annotate(rank=Max("level__rank"))
        .values_list("profile__people", "rank")
    )
    if not required:
        return [], []
    held = dict(
        ElementAttainment.objects.filter(
            organisation_id=audit.organisation_id,
            version_id=version_id,
            element_id=finding.element_id,
            person_id__in=list(required),
            status__in=[AttainmentStatus.HELD, AttainmentStatus.REFRESH_DUE],
        ).values_list("person_id", "rank")
    )
    gaps = [(pid, req, held.get(pid, 0)) for pid, req in required.items() if req > held.get(pid, 0)]
    by_id = {p.pk: p for p in Person.objects.filter(pk__in=[g[0] for g in gaps]).select_related("team")}
    rows = [PersonGap(by_id[pid], req, h) for pid, req, h in gaps]
    rows.sort(key=lambda r: (-r.gap, r.person.name))
    teams: dict[str, list[int]] = {}
    for r in rows:
        if r.person.team is not None:
            teams.setdefault(r.person.team.name, []).append(r.gap)
    team_rows = sorted(
        (TeamGap(n, len(g), sum(g)) for n, g in teams.items()), key=lambda t: (-t.total, t.name)
    )
    return rows[:limit], team_rows[:3]


@transaction.atomic
def development_actions_for(
    *,
    audit: Audit,
    finding: Finding,
    actor: Any,
    kind: str = "coaching",
    due_on: dt.date | None = None,
    limit: int = 5,
) -> int:
    """One development action per person with the largest gaps (source "audit"); a person who has
    an open one for this finding already gets none again."""
    from soms.insights.models import OPEN_STATUSES, DevelopmentAction
    from soms.insights.services.plans import action_create

    people, _ = largest_gaps(audit, finding, limit=limit)
    # On one line: a finding is written over several, a development action's title holds none.
    title = " ".join(f"Audit finding ({finding.element.name}): {finding.text}".split())[:200]
    made = 0
    for row in people:
        if DevelopmentAction.objects.filter(
            organisation_id=audit.organisation_id,
            person=row.person,
            element_id=finding.element_id,
            source="audit",
            title=title,
            status__in=OPEN_STATUSES,
        ).exists():
            continue
        action_create(
            actor=actor,
            person=row.person,
            version=audit.template.framework_version,
            element=finding.element,
            kind=kind,
            title=title,
            notes=f"From the audit “{audit.title}” ({audit.date:%d %b %Y}).",
            due_on=due_on,
            source="audit",
        )
        made += 1
    return made
