"""People search (F16): any word of the name, without regard to case or accents, and the employee id
without regard to case, in the API's `q` and on the page alike, in a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soms.people.io.apply import import_people
from soms.people.io.plan import Options
from soms.people.io.reading import read_table
from soms.people.models import Person
from soms.people.search import search_text
from soms.people.services.persons import person_create, person_update
from tests.people.conftest import Org


def _add(org: Org, emp: str, name: str) -> Person:
    return person_create(organisation=org.world.org_a, actor=org.world.alice, employee_id=emp, name=name)


def _api_names(client: Any, q: str) -> set[str]:
    response = client.get("/api/v1/people", {"q": q})
    assert response.status_code == 200, response.content[:300]
    return {p["name"] for p in response.json()["items"]}


def test_search_text_folds_case_and_accents_and_splits_words() -> None:
    assert search_text("Anna MÜLLER") == "anna muller"
    assert search_text("  José   Núñez-García ") == "jose nunez garcia"
    assert search_text("Straße") == "strasse"
    assert search_text("ﬁona") == "fiona"


def test_surnames_accents_and_ids_are_found_by_the_api_and_the_page(org: Org) -> None:
    _add(org, "X-77a", "Anna Müller")
    _add(org, "E100", "Tom Okafor")
    _add(org, "E101", "Zoë Núñez-García")
    client = org.world.client_for(org.world.alice, org.world.org_a)
    assert _api_names(client, "muller") == {"Anna Müller"}
    assert _api_names(client, "Müller") == {"Anna Müller"}
    assert _api_names(client, "okafor") == {"Tom Okafor"}
    assert _api_names(client, "OKA") == {"Tom Okafor"}
    assert _api_names(client, "tom okafor") == {"Tom Okafor"}
    assert _api_names(client, "garcia") == {"Zoë Núñez-García"}
    assert _api_names(client, "zoe") == {"Zoë Núñez-García"}
    assert _api_names(client, "x-77A") == {"Anna Müller"}
    assert _api_names(client, "e100") == {"Tom Okafor"}
    # A word is matched from its start: "kafor" is not the start of any word.
    assert _api_names(client, "kafor") == set()
    page = client.get("/people/", {"q": "muller"}).content.decode()
    assert "Anna Müller" in page and "Tom Okafor" not in page
    page = client.get("/people/", {"q": "e101"}).content.decode()
    assert "Zoë Núñez-García" in page


def test_the_search_column_follows_a_rename_and_an_import(org: Org) -> None:
    person = _add(org, "E200", "Ann Lee")
    person_update(person=person, actor=org.world.alice, name="Ann Øster Ångström")
    person.refresh_from_db()
    assert person.search_key == "ann øster angstrom"
    content = "employee_id,name\r\nE200,Ann Brontë\r\nE201,Chloé Dubois\r\n".encode()
    plan, _ = import_people(
        organisation=org.world.org_a,
        table=read_table(content, "hr.csv"),
        options=Options(),
        actor=None,
        filename="hr.csv",
    )
    assert not plan.problems
    assert Person.objects.get(employee_id="E200").search_key == "ann bronte"
    assert Person.objects.get(employee_id="E201").search_key == "chloe dubois"
    client = org.world.client_for(org.world.alice, org.world.org_a)
    assert _api_names(client, "dubois") == {"Chloé Dubois"}


def test_a_members_search_stays_inside_their_scope(org: Org) -> None:
    client = org.world.client_for(org.world.charlie, org.world.org_a)
    assert _api_names(client, "north") == {"Nina North"}
    assert _api_names(client, "south") == set()  # Sam South is outside charlie's team


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/people/?q=okafor", "/api/v1/people?q=okafor"])
def test_a_search_costs_the_same_queries_for_many_matches_as_for_one(org: Org, url: str) -> None:
    client = org.world.client_for(org.world.alice, org.world.org_a)
    _add(org, "E300", "Tom Okafor")
    one = _queries(client, url)
    for i in range(60):
        _add(org, f"E4{i:02d}", f"Ada Okafor {i}")
    assert _queries(client, url) == one
