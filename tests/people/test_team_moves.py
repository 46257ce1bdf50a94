"""A person's team is part of their unit, whatever moves: moving a team moves its people with it
(one transaction, audited, their revisions moved on, the Insights rollups recounted), a team with
people cannot lose its unit, and a unit that still holds sub-units, teams or people is not
deleted; the refusal names what is left. Page, API and the HR file agree."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db.models import F

from soms.people.errors import PeopleConflict, PeopleInvalid
from soms.people.io.export import export_rows
from soms.people.io.plan import Options
from soms.people.models import OrgUnit, Person, Team
from soms.people.services.imports import check_file
from soms.people.services.structure import team_create, team_update, unit_create, unit_delete
from soms.tenancy.models import AuditLogEntry
from tests.assessments.conftest import soms_version  # noqa: F401
from tests.insights.conftest import skilled  # noqa: F401
from tests.people.conftest import Org
from tests.people.helpers import csv_bytes

pytestmark = pytest.mark.django_db

DESK = ("E005", "E007", "E008")


def _units(org: Org, *codes: str) -> set[int | None]:
    return set(Person.objects.filter(pk__in=org.ids(*codes)).values_list("unit_id", flat=True))


def test_moving_a_team_moves_its_people_with_it(org: Org) -> None:
    w, south = org.world, org.units["south"]
    revisions = dict(Person.objects.filter(pk__in=org.ids(*DESK)).values_list("pk", "revision"))
    team = team_update(team=org.team, unit=south, actor=w.alice, revision=1)
    assert team.unit_id == south.pk and _units(org, *DESK) == {south.pk}
    for pk, revision in Person.objects.filter(pk__in=org.ids(*DESK)).values_list("pk", "revision"):
        assert revision == revisions[pk] + 1  # a form read before the move is refused, not replayed
    assert _units(org, "E003", "E004") == {south.pk} and _units(org, "E006") == {org.units["finance"].pk}
    entry = AuditLogEntry.objects.get(action="team.update", object_id=str(team.pk))
    assert entry.before == {"unit": org.units["north"].pk}
    assert entry.after["unit"] == south.pk and entry.after["people_moved"] == 3
    assert sorted(entry.after["people"]) == ["E005 Nina North", "E007 Charlie Member", "E008 Noel Desk"]
    # Every person still has a team of their own unit.
    assert not Person.objects.filter(team__isnull=False).exclude(unit=F("team__unit")).exists()


def test_a_team_with_people_cannot_lose_its_unit_and_an_empty_one_can(org: Org) -> None:
    w = org.world
    with pytest.raises(PeopleInvalid) as refused:
        team_update(team=org.team, unit=None, actor=w.alice, revision=1)
    assert refused.value.field == "unit" and "3 people" in refused.value.message
    assert Team.objects.get(pk=org.team.pk).unit_id == org.units["north"].pk
    assert _units(org, *DESK) == {org.units["north"].pk}
    spare = team_create(organisation=w.org_a, name="Spare", unit=org.units["north"], actor=w.alice)
    assert team_update(team=spare, unit=None, actor=w.alice).unit is None


def test_the_page_and_the_api_move_a_team_and_its_people(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    south, finance = org.units["south"], org.units["finance"]
    saved = client.post(
        f"/people/teams/{org.team.pk}/edit/",
        {"revision": "1", "name": "North desk", "unit": str(south.pk)},
        follow=True,
    )
    assert saved.status_code == 200 and "Its 3 people moved with it to South" in saved.content.decode()
    assert _units(org, *DESK) == {south.pk}
    answer = client.patch(
        f"/api/v1/teams/{org.team.pk}",
        json.dumps({"unit_id": finance.pk, "revision": 2}),
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["unit_id"] == finance.pk
    nina = client.get(f"/api/v1/people/{org.people['E005'].pk}").json()
    assert nina["unit_id"] == finance.pk and nina["team_id"] == org.team.pk
    # No unit for a team with people: 422 on the API, the form shown again on the page; nothing written.
    answer = client.patch(
        f"/api/v1/teams/{org.team.pk}",
        json.dumps({"unit_id": None, "revision": 3}),
        content_type="application/json",
    )
    assert answer.status_code == 422 and "3 people" in answer.content.decode()
    page = client.post(
        f"/people/teams/{org.team.pk}/edit/", {"revision": "3", "name": "North desk", "unit": ""}
    )
    assert page.status_code == 400 and "3 people" in page.content.decode()
    assert Team.objects.get(pk=org.team.pk).unit_id == finance.pk and _units(org, *DESK) == {finance.pk}


def test_a_person_form_read_before_the_move_is_refused(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    noel = org.people["E008"]
    team_update(team=org.team, unit=org.units["south"], actor=w.alice)
    answer = client.patch(
        f"/api/v1/people/{noel.pk}",
        json.dumps({"job_title": "Lead", "revision": noel.revision}),
        content_type="application/json",
    )
    assert answer.status_code == 409


def test_the_export_after_a_move_reimports_unchanged(org: Org) -> None:
    w = org.world
    team_update(team=org.team, unit=org.units["south"], actor=w.alice)
    content = csv_bytes(list(export_rows(w.org_a.pk)))
    plan = check_file(organisation=w.org_a, filename="people.csv", content=content, options=Options())
    assert not plan.problems and not plan.new_teams and not plan.new_units
    assert not plan.updates and not plan.creates


def test_moving_a_team_recounts_the_insights_rollups(
    skilled: Any,  # noqa: F811
    soms_version: Any,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    from tests.insights.test_rollups import from_scratch, stored

    a = skilled.world.org_a
    with django_capture_on_commit_callbacks(execute=True):
        team_update(team=skilled.team, unit=skilled.units["finance"], actor=skilled.world.alice)
    assert stored(a.pk, soms_version) == from_scratch(a.pk, soms_version)


def test_a_unit_with_sub_units_teams_or_people_is_not_deleted_and_says_what_is_left(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    north = org.units["north"]
    answer = client.delete(f"/api/v1/org-units/{north.pk}")
    assert answer.status_code == 409
    text = answer.content.decode()
    assert "3 people" in text and "Nina North" in text and "1 team" in text and "North desk" in text
    claims = client.delete(f"/api/v1/org-units/{org.units['claims'].pk}")
    assert claims.status_code == 409 and "2 sub-units" in claims.content.decode()
    assert "North" in claims.content.decode() and "South" in claims.content.decode()
    assert OrgUnit.objects.filter(pk=north.pk).exists() and _units(org, *DESK) == {north.pk}
    with pytest.raises(PeopleConflict, match="1 person"):
        unit_delete(unit=org.units["finance"], actor=w.alice)
    empty = unit_create(organisation=w.org_a, name="Empty", actor=w.alice)
    assert client.delete(f"/api/v1/org-units/{empty.pk}").status_code == 204
    assert not OrgUnit.objects.filter(pk=empty.pk).exists()
    # Another organisation's unit answers like a missing one.
    bob = w.client_for(w.bob, w.org_b)
    assert bob.delete(f"/api/v1/org-units/{north.pk}").status_code == 404
