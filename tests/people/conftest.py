"""A small organisation with a tree, teams and reporting lines, on top of the shared `world`.

Alpha Services (org A):
    Operations            (root)        Olivia Chief  E001
      Claims                            Priya Raman   E002 -> E001 (manages unit Claims/North)
        North   [team North desk]       Nina North    E005 -> E001, Charlie Member E007 -> E005,
                                        Noel Desk E008 -> E005 (both in North desk)
        South                           Sam South     E003 -> E002, Sue Junior E004 -> E003
    Finance              (root)         Fred Finance  E006
Beta Operations (org B) has its own unit "Operations" and person B001.

Logins: priya is a manager in A linked to E002; charlie (member) is linked to E007.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from soms.people.models import OrgUnit, Person, Team
from soms.people.services.persons import person_create
from soms.people.services.structure import team_create, unit_create
from soms.tenancy.models import Role
from soms.tenancy.services import membership_set, user_create
from tests.conftest import PASSWORD


@dataclass
class Org:
    world: Any
    priya: Any
    units: dict[str, OrgUnit]
    team: Team
    people: dict[str, Person]
    b_unit: OrgUnit
    b_person: Person

    def ids(self, *codes: str) -> set[int]:
        return {self.people[c].pk for c in codes}


@pytest.fixture
def org(world: Any) -> Org:
    a, alice = world.org_a, world.alice
    priya = user_create(username="priya", email="priya@example.org", password=PASSWORD)
    membership_set(organisation=a, user=priya, role=Role.MANAGER, actor=alice)
    ops = unit_create(organisation=a, name="Operations", actor=alice)
    claims = unit_create(organisation=a, name="Claims", parent=ops, actor=alice)
    north = unit_create(organisation=a, name="North", parent=claims, actor=alice)
    south = unit_create(organisation=a, name="South", parent=claims, actor=alice)
    finance = unit_create(organisation=a, name="Finance", actor=alice)
    desk = team_create(organisation=a, name="North desk", unit=north, actor=alice)
    p: dict[str, Person] = {}

    def add(code: str, name: str, **kw: Any) -> None:
        p[code] = person_create(organisation=a, actor=alice, employee_id=code, name=name, **kw)

    add("E001", "Olivia Chief", unit=ops)
    add("E002", "Priya Raman", unit=claims, manager=p["E001"], email="priya@example.org")
    add("E005", "Nina North", unit=north, manager=p["E001"], team=desk)
    add("E007", "Charlie Member", unit=north, manager=p["E005"], team=desk)
    add("E008", "Noel Desk", unit=north, manager=p["E005"], team=desk)
    add("E003", "Sam South", unit=south, manager=p["E002"])
    add("E004", "Sue Junior", unit=south, manager=p["E003"])
    add("E006", "Fred Finance", unit=finance)
    Person.objects.filter(pk=p["E002"].pk).update(user=priya)
    Person.objects.filter(pk=p["E007"].pk).update(user=world.charlie)
    from soms.people.services.structure import unit_update

    unit_update(unit=north, manager=p["E002"], actor=alice)
    b_unit = unit_create(organisation=world.org_b, name="Operations", actor=world.bob)
    b_person = person_create(
        organisation=world.org_b, actor=world.bob, employee_id="B001", name="Bea Beta", unit=b_unit
    )
    for person in p.values():
        person.refresh_from_db()
    return Org(
        world=world,
        priya=priya,
        units={"ops": ops, "claims": claims, "north": north, "south": south, "finance": finance},
        team=desk,
        people=p,
        b_unit=b_unit,
        b_person=b_person,
    )
