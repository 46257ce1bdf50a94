"""People whose team is outside their unit, and their repair.

A team is part of one unit and its people are in that unit (soms.people.validation.team_problem);
since team_update moves a team's people with it that holds for every write, but moving a team
before then left its people behind in the old unit. `people_team_unit_report` lists such people per
organisation (the nightly report, `soms people team-units`); `people_team_unit_repair` moves each to
their team's unit (`soms people team-units --fix`), one audit row per person, revision on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Q

from soms.people.models import Person, Team
from soms.people.signals import people_changed
from soms.tenancy.models import Organisation
from soms.tenancy.services import audit_log_write

# What the audit row and the report say about a repaired person.
REASON = "moved to their team's unit: their team had been moved to another unit without them"


@dataclass(frozen=True)
class Misplaced:
    person_id: int
    employee_id: str
    name: str
    unit_id: int | None
    unit: str
    team_id: int
    team: str
    team_unit_id: int | None
    team_unit: str

    @property
    def fixable(self) -> bool:
        """A team without a unit has nowhere to move its people to: someone has to choose."""
        return self.team_unit_id is not None

    def describe(self) -> str:
        where = self.unit or "no unit"
        if not self.fixable:
            return f"{self.employee_id} {self.name}: in {where}, team {self.team} has no unit (choose one by hand)"
        return f"{self.employee_id} {self.name}: in {where}, team {self.team} is in {self.team_unit}"


def _misplaced() -> Any:
    """Live people with a team whose unit is not theirs (either side may be empty)."""
    return (
        Person.objects.filter(team__isnull=False)
        .filter(
            ~Q(unit_id=F("team__unit_id"))
            | Q(unit__isnull=True, team__unit__isnull=False)
            | Q(unit__isnull=False, team__unit__isnull=True)
        )
        .order_by("organisation_id", "name_key", "pk")
    )


def people_team_unit_report(organisation: Organisation | None = None) -> dict[int, list[Misplaced]]:
    """Per organisation id, the people whose team is outside their unit."""
    qs = _misplaced()
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    out: dict[int, list[Misplaced]] = defaultdict(list)
    for row in qs.values(
        "pk",
        "organisation_id",
        "employee_id",
        "name",
        "unit_id",
        "unit__name",
        "team_id",
        "team__name",
        "team__unit_id",
        "team__unit__name",
    ):
        out[row["organisation_id"]].append(
            Misplaced(
                person_id=row["pk"],
                employee_id=row["employee_id"],
                name=row["name"],
                unit_id=row["unit_id"],
                unit=row["unit__name"] or "",
                team_id=row["team_id"],
                team=row["team__name"],
                team_unit_id=row["team__unit_id"],
                team_unit=row["team__unit__name"] or "",
            )
        )
    return dict(out)


def people_team_unit_summary(report: dict[int, list[Misplaced]], *, shown: int = 5) -> str:
    """One sentence for the nightly log: how many per organisation, with their first names."""
    if not report:
        return "no person's team is outside their unit"
    slugs = dict(Organisation.objects.filter(pk__in=report).values_list("pk", "slug"))
    parts = []
    for org_id, rows in sorted(report.items(), key=lambda kv: slugs.get(kv[0], "")):
        names = "; ".join(r.describe() for r in rows[:shown])
        more = f"; and {len(rows) - shown} more" if len(rows) > shown else ""
        parts.append(f"{slugs.get(org_id, org_id)}: {len(rows)} ({names}{more})")
    return (
        "people whose team is outside their unit (repair: soms people team-units --org SLUG --fix): "
        + " | ".join(parts)
    )


@transaction.atomic
def people_team_unit_repair(*, organisation: Organisation, actor: Any = None) -> list[Misplaced]:
    """Move each person of `organisation` whose team is outside their unit to the team's unit, in
    one transaction: their revision goes on (a form read before is refused, not replayed), each is
    audited as a person change, and their rollups are recounted. People whose team has no unit are
    left (there is nowhere to move them); they stay in the report. Answers who was moved."""
    # The teams first, then their people: the order every person write and team move locks in.
    rows = [r for r in people_team_unit_report(organisation).get(organisation.pk, []) if r.fixable]
    if not rows:
        return []
    teams = dict(
        Team.objects.select_for_update()
        .filter(pk__in={r.team_id for r in rows})
        .order_by("pk")
        .values_list("pk", "unit_id")
    )
    locked = set(
        Person.objects.select_for_update()
        .filter(pk__in=[r.person_id for r in rows])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # Read again under the locks: only those still misplaced, to the team's unit as it is now.
    current = {
        r.person_id: r
        for r in people_team_unit_report(organisation).get(organisation.pk, [])
        if r.fixable and r.person_id in locked and teams.get(r.team_id) == r.team_unit_id
    }
    by_unit: dict[int, list[int]] = defaultdict(list)
    for r in current.values():
        assert r.team_unit_id is not None  # fixable
        by_unit[r.team_unit_id].append(r.person_id)
    for unit_id, ids in by_unit.items():
        Person.objects.filter(pk__in=ids).update(unit_id=unit_id, revision=F("revision") + 1)
    moved = sorted(current.values(), key=lambda r: (r.name.lower(), r.person_id))
    people = Person.objects.in_bulk([r.person_id for r in moved])
    for r in moved:
        audit_log_write(
            actor=actor,
            organisation=organisation,
            action="person.update",
            obj=people[r.person_id],
            before={"unit": r.unit_id},
            after={"unit": r.team_unit_id, "reason": REASON},
        )
    people_changed.send(None, organisation_id=organisation.pk, person_ids=[r.person_id for r in moved])
    return moved
