"""People whose team is outside their unit (what moving a team left behind before team moves took
their people along): the nightly report lists them per organisation, `soms people team-units`
lists them, and `--fix` moves each to their team's unit, audited, revision on; another
organisation's people are neither listed under it nor moved."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from soms.people.models import Person, Team
from soms.people.periodic import people_team_units_report
from soms.people.services.consistency import people_team_unit_repair, people_team_unit_report
from soms.people.services.structure import team_create
from soms.tenancy.models import AuditLogEntry
from tests.people.conftest import Org

pytestmark = pytest.mark.django_db

DESK = ("E005", "E007", "E008")


def _old_team_move(org: Org) -> None:
    """What team_update did before 8bd24d0: the team moved to South, its people stayed in North."""
    Team.objects.filter(pk=org.team.pk).update(unit=org.units["south"])


def _misplace_in_b(org: Org) -> Team:
    w = org.world
    from soms.people.services.structure import unit_create

    other = unit_create(organisation=w.org_b, name="Sales", actor=w.bob)
    team = team_create(organisation=w.org_b, name="Desk", unit=org.b_unit, actor=w.bob)
    Person.objects.filter(pk=org.b_person.pk).update(team=team)
    Team.objects.filter(pk=team.pk).update(unit=other)
    return team


def test_the_nightly_report_lists_them_per_organisation(org: Org) -> None:
    assert people_team_units_report(now=timezone.now()) == "no person's team is outside their unit"
    _old_team_move(org)
    _misplace_in_b(org)
    report = people_team_unit_report()
    assert {r.employee_id for r in report[org.world.org_a.pk]} == set(DESK)
    assert [r.employee_id for r in report[org.world.org_b.pk]] == ["B001"]
    line = people_team_units_report(now=timezone.now())
    assert f"{org.world.org_a.slug}: 3 (" in line and f"{org.world.org_b.slug}: 1 (" in line
    assert "E005 Nina North: in North, team North desk is in South" in line
    assert "soms people team-units --org SLUG --fix" in line


def test_fix_moves_each_to_their_team_unit_audited_and_revision_on(org: Org) -> None:
    w, south = org.world, org.units["south"]
    _old_team_move(org)
    b_team = _misplace_in_b(org)
    revisions = dict(Person.objects.filter(pk__in=org.ids(*DESK)).values_list("pk", "revision"))
    listed = StringIO()
    call_command("people", "team-units", stdout=listed)
    assert "3 people whose team is outside their unit" in listed.getvalue()
    assert "B001 Bea Beta" in listed.getvalue()
    assert set(Person.objects.filter(pk__in=org.ids(*DESK)).values_list("unit_id", flat=True)) == {
        org.units["north"].pk
    }  # listing wrote nothing

    out = StringIO()
    call_command("people", "team-units", "--org", w.org_a.slug, "--fix", stdout=out)
    assert "moved 3 people to their team's unit" in out.getvalue()
    for pk, unit_id, revision in Person.objects.filter(pk__in=org.ids(*DESK)).values_list(
        "pk", "unit_id", "revision"
    ):
        assert unit_id == south.pk and revision == revisions[pk] + 1
    audits = AuditLogEntry.objects.filter(organisation=w.org_a, action="person.update", object_type="Person")
    moved = {int(a.object_id): a for a in audits if (a.after or {}).get("reason", "").startswith("moved to")}
    assert set(moved) == org.ids(*DESK)
    for a in moved.values():
        assert a.actor is None and a.before == {"unit": org.units["north"].pk} and a.after["unit"] == south.pk
    # The other organisation's person is still listed, untouched.
    report = people_team_unit_report()
    assert w.org_a.pk not in report and [r.employee_id for r in report[w.org_b.pk]] == ["B001"]
    b_team.refresh_from_db()
    assert Person.objects.get(pk=org.b_person.pk).unit_id == org.b_unit.pk != b_team.unit_id
    # Again: nothing left to move.
    assert people_team_unit_repair(organisation=w.org_a) == []


def test_a_team_without_a_unit_is_listed_but_not_moved(org: Org) -> None:
    w = org.world
    Team.objects.filter(pk=org.team.pk).update(unit=None)
    rows = people_team_unit_report(w.org_a)[w.org_a.pk]
    assert {r.employee_id for r in rows} == set(DESK) and not any(r.fixable for r in rows)
    assert "has no unit (choose one by hand)" in rows[0].describe()
    assert people_team_unit_repair(organisation=w.org_a) == []
    assert set(Person.objects.filter(pk__in=org.ids(*DESK)).values_list("unit_id", flat=True)) == {
        org.units["north"].pk
    }


def test_fix_needs_one_organisation(org: Org) -> None:
    with pytest.raises(CommandError, match="--org SLUG"):
        call_command("people", "team-units", "--fix")
    with pytest.raises(CommandError, match="No organisation with slug"):
        call_command("people", "team-units", "--org", "nope", "--fix")
