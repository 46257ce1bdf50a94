"""The API, the person form and the HR import take a person's values by one set of rules
(soms.people.validation): what one refuses the others refuse, naming the field, so whatever is
stored exports and re-imports with no change."""

from __future__ import annotations

from typing import Any

import pytest

from soms.people.io.export import export_rows, to_csv_bytes
from soms.people.models import Person, Team
from soms.people.services.structure import team_create
from soms.site.seeding import seed_demo
from soms.tenancy.models import Organisation
from tests.people.conftest import Org
from tests.people.helpers import csv_bytes
from tests.people.test_import import run

pytestmark = pytest.mark.django_db


def _post(client: Any, body: dict[str, Any]) -> Any:
    return client.post("/api/v1/people", body, content_type="application/json")


def _place(answer: Any) -> list[str]:
    return [str(p["loc"][-1]) for p in answer.json()["detail"]]


def test_the_api_refuses_what_the_form_and_the_import_refuse_naming_the_field(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    south_desk = team_create(organisation=w.org_a, name="South desk", unit=org.units["south"], actor=w.alice)
    before = Person.objects.count()
    bad: list[tuple[dict[str, Any], str]] = [
        ({"email": "not-an-address"}, "email"),
        ({"email": "two@@example.org"}, "email"),
        ({"unit_id": org.units["north"].pk, "team_id": south_desk.pk}, "team_id"),
        ({"team_id": south_desk.pk}, "team_id"),  # a team, and no unit
        ({"nickname": "Bo"}, "nickname"),
        ({"name": "Bell\x07Ringer"}, "name"),
        ({"name": "Two\nLines"}, "name"),
        ({"job_title": "Lead\thandler"}, "job_title"),
        ({"location": "Le\x85eds"}, "location"),
        ({"employee_id": "N\x1b1"}, "employee_id"),
    ]
    for extra, field in bad:
        answer = _post(client, {"employee_id": "N1", "name": "New", **extra})
        assert answer.status_code == 422, (extra, answer.content)
        assert field in _place(answer), (extra, answer.json())
    assert Person.objects.count() == before
    # The same through a change of someone already there.
    sam = org.people["E003"]
    url = f"/api/v1/people/{sam.pk}"
    for body, field in [
        ({"email": "nope"}, "email"),
        ({"team_id": org.team.pk}, "team_id"),  # North desk, Sam is in South
        ({"active": True, "colour": "red"}, "colour"),
        ({"name": "Sam\x00South"}, "name"),
    ]:
        answer = client.patch(url, {**body, "revision": sam.revision}, content_type="application/json")
        assert answer.status_code == 422 and field in _place(answer), (body, answer.content)
    assert Person.objects.get(pk=sam.pk).team is None
    # The HR import refuses the same values, by row and column.
    plan, _ = run(
        w.org_a,
        csv_bytes(
            [
                ["employee_id", "name", "email", "job_title"],
                ["N1", "New", "two@@example.org", ""],
                ["N2", "Bell\x07Ringer", "", "Lead\thandler"],
            ]
        ),
        dry_run=True,
    )
    assert [(p.row, p.column) for p in plan.problems] == [(2, "email"), (3, "name"), (3, "job_title")]


def test_the_form_refuses_a_team_of_another_unit(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    sam = org.people["E003"]
    page = client.post(
        f"/people/{sam.pk}/edit/",
        {
            "revision": sam.revision,
            "employee_id": "E003",
            "name": "Sam South",
            "unit": org.units["south"].pk,
            "team": org.team.pk,
            "active": "on",
        },
    )
    assert page.status_code == 400 and "is not part of the unit" in page.content.decode()
    assert Person.objects.get(pk=sam.pk).team is None


def test_moving_someone_through_the_api_takes_them_out_of_the_old_units_team(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    noel = org.people["E008"]
    answer = client.patch(
        f"/api/v1/people/{noel.pk}",
        {"unit_id": org.units["south"].pk, "revision": noel.revision},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["team_id"] is None
    assert Team.objects.filter(name="North desk").count() == 1


def test_what_the_api_stores_exports_and_reimports_unchanged(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    made = _post(
        client,
        {
            "employee_id": " N9 ",
            "name": "  Zoë  O'Brien ",
            "email": " zoe@example.org ",
            "job_title": " Lead ",
            "location": "=Leeds",
            "unit_id": org.units["north"].pk,
            "team_id": org.team.pk,
            "manager_id": org.people["E005"].pk,
        },
    )
    assert made.status_code == 201, made.content
    assert (made.json()["name"], made.json()["email"]) == ("Zoë  O'Brien", "zoe@example.org")
    plan, _ = run(w.org_a, to_csv_bytes(export_rows(w.org_a.pk)), dry_run=True)
    assert plan.problems == [] and plan.creates == [] and plan.updates == [] and plan.new_teams == []


def test_the_demo_organisations_export_and_reimport_with_no_change() -> None:
    seed_demo()
    for org in Organisation.objects.all():
        if not Person.objects.filter(organisation=org).exists():
            continue
        plan, _ = run(org, to_csv_bytes(export_rows(org.pk)), dry_run=True)
        assert plan.problems == [], (org.name, plan.problems[:5])
        assert (len(plan.creates), len(plan.updates), plan.new_units, plan.new_teams) == (0, 0, [], []), (
            org.name
        )
        assert plan.unchanged == Person.objects.filter(organisation=org).count()
