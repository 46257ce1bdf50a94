"""A big scope on the dashboard: units × elements by default (one row per child unit, to drill
into), and the people × elements grid paged on the server with its page size stated; a page past
the end or not a number is a friendly note, never an error."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from soms.people.demo import large_organisation
from soms.people.models import OrgUnit
from soms.tenancy.models import Role
from soms.tenancy.services import membership_set
from tests.assessments.conftest import soms_version  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def big(world: Any, soms_version: Any) -> Any:  # noqa: F811
    org = large_organisation(people=450, teams=9, progress=lambda *a: None)
    membership_set(organisation=org, user=world.alice, role=Role.ADMIN, actor=None)
    return world.client_for(world.alice, org), org


def test_units_first_then_people_a_page_at_a_time(big: Any) -> None:
    client, org = big
    html = client.get(reverse("insights-dashboard")).content.decode()
    assert (
        'id="units-grid"' in html and 'class="chart-box chart-units"' in html
    )  # drawn to fit a phone: no scroll box
    assert 'id="people-grid"' not in html and "chart-grid" not in html  # 450 rows wait behind a link
    assert "200 people a page" in html and 'id="show-people"' in html
    # Every person sits under Division 1/Department 1: the rows are its nine sections.
    sections = set(re.findall(r'href="\?unit=(\d+)">Section (\d+)<', html))
    assert len(sections) == 9
    section = OrgUnit.objects.get(organisation=org, name="Section 4")
    assert f'href="?unit={section.pk}">Section 4<' in html

    html = client.get(reverse("insights-dashboard"), {"show": "people", "page": 3}).content.decode()
    assert 'id="people-grid"' in html and "People 401–450 of 450 by name, 200 a page (page 3 of 3)" in html
    assert html.count("insights/people/") >= 50 and 'rel="prev"' in html and 'rel="next"' not in html

    # A unit drilled into with few enough people shows its people straight away.
    html = client.get(reverse("insights-dashboard"), {"unit": section.pk}).content.decode()
    assert 'id="people-grid"' in html and "All 50 people." in html


def test_pages_past_the_end_or_not_numbers_are_notes(big: Any) -> None:
    client, _ = big
    r = client.get(reverse("insights-dashboard"), {"show": "people", "page": 99})
    assert r.status_code == 200
    html = r.content.decode()
    assert "There are 3 pages of people; this is the last." in html and "People 401–450" in html
    for bad in ("abc", "0", "-4", "9" * 30):
        r = client.get(reverse("insights-dashboard"), {"page": bad})
        assert r.status_code == 200 and "this is the first page" in r.content.decode(), bad
    r = client.get(reverse("insights-dashboard"), {"units_page": 7})
    assert r.status_code == 200 and "There is only one page of units; here it is." in r.content.decode()


def test_the_api_gives_the_child_units(big: Any) -> None:
    client, _ = big
    data = client.get("/api/v1/insights/overview").json()
    rows = data["child_units"]["rows"]
    assert data["child_units"]["parent"] == "Department 1"
    assert [r["unit"] for r in rows] == [f"Section {n}" for n in range(1, 10)]
    assert sum(r["people"] for r in rows) == data["people"] == 450
