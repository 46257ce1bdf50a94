"""Units, teams and empty cells in an HR file follow one rule each, whatever columns the file has.

- a file with unit columns only creates units, never teams;
- a team belongs to the person's unit: a row whose person would hold a team but no unit is a
  problem on that row's team column;
- a name cannot be cleared, even with "empty cells clear the field": a problem, not a silent skip.
"""

from __future__ import annotations

import pytest

from soms.people.models import OrgUnit, Person, Team
from tests.people.conftest import Org
from tests.people.helpers import csv_bytes
from tests.people.test_import import run

pytestmark = pytest.mark.django_db


def test_a_unit_only_file_creates_units_and_no_teams(org: Org) -> None:
    a = org.world.org_a
    teams = Team.objects.filter(organisation=a).count()
    content = csv_bytes(
        [
            ["employee_id", "name", "unit"],
            ["E005", "Nina North", "Operations/Claims/East"],  # holds North desk in North
            ["E007", "Charlie Member", "Operations/Claims/East"],
            ["N1", "New Person", "Operations/Claims/East"],
        ]
    )
    plan, _ = run(a, content, dry_run=True)
    assert plan.problems == [] and plan.new_teams == [] and plan.new_units == ["Operations/Claims/East"]
    plan, result = run(a, content)
    assert result is not None and result["teams_created"] == 0
    assert Team.objects.filter(organisation=a).count() == teams
    east = OrgUnit.objects.get(organisation=a, name="East")
    moved = Person.objects.filter(organisation=a, employee_id__in=["E005", "E007", "N1"])
    assert {(p.unit_id, p.team_id) for p in moved} == {(east.pk, None)}
    # Noel stays in North desk, the team of the unit he is still in.
    assert Person.objects.get(pk=org.people["E008"].pk).team == org.team


def test_a_team_for_a_person_without_a_unit_is_a_problem_naming_the_team_column(org: Org) -> None:
    a = org.world.org_a
    before = Team.objects.count(), Person.objects.count()
    content = csv_bytes(
        [
            ["employee_id", "name", "team"],
            ["N1", "New Person", "Night shift"],  # a new person: no unit at all
            ["E003", "Sam South", "South desk"],  # Sam is in South: the team is made there
        ]
    )
    plan, _ = run(a, content)
    assert [(p.row, p.column, p.value) for p in plan.problems] == [(2, "team", "Night shift")]
    assert "unit column" in plan.problems[0].reason
    assert (Team.objects.count(), Person.objects.count()) == before
    # Clearing the unit of someone in a team while keeping the team is the same problem.
    content = csv_bytes([["employee_id", "unit", "team"], ["E005", "", "North desk"]])
    plan, _ = run(a, content, dry_run=True, clear_empty=True)
    assert [(p.row, p.column) for p in plan.problems] == [(2, "team")]
    # Clearing both is fine.
    content = csv_bytes([["employee_id", "unit", "team"], ["E005", "", ""]])
    plan, _ = run(a, content, clear_empty=True)
    assert plan.problems == []
    nina = Person.objects.get(pk=org.people["E005"].pk)
    assert (nina.unit_id, nina.team_id) == (None, None)


def test_a_team_with_its_unit_is_made_in_that_unit(org: Org) -> None:
    a = org.world.org_a
    content = csv_bytes([["employee_id", "name", "unit", "team"], ["N1", "New", "Finance", "Payables"]])
    plan, _ = run(a, content)
    assert plan.problems == [] and plan.new_teams == [("Finance", "Payables")]
    n1 = Person.objects.get(organisation=a, employee_id="N1")
    assert n1.team is not None and n1.team.unit == org.units["finance"] == n1.unit


def test_the_name_cannot_be_cleared(org: Org) -> None:
    a = org.world.org_a
    content = csv_bytes([["employee_id", "name", "location"], ["E003", "", ""]])
    # Without the option an empty name leaves it alone, as every empty cell.
    plan, _ = run(a, content, dry_run=True)
    assert plan.problems == []
    plan, _ = run(a, content, clear_empty=True)
    assert [(p.row, p.column) for p in plan.problems] == [(2, "name")]
    assert "cannot be cleared" in plan.problems[0].reason
    assert Person.objects.get(pk=org.people["E003"].pk).name == "Sam South"
