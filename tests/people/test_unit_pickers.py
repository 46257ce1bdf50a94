"""Unit pickers show the unit's full path, sorted by path (F29): two units called "Service desk"
in different branches must be told apart in every form that picks a unit."""

from __future__ import annotations

import re
from typing import Any

import pytest

from soms.people.models import OrgUnit as Unit
from soms.people.services.profiles import coverage_target_create
from soms.people.services.structure import team_create, unit_create
from tests.assessments.conftest import soms_version  # noqa: F401
from tests.people.conftest import Org


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return [
        re.sub(r"\s+", " ", o).strip() for o in re.findall(r"<option[^>]*>(.*?)</option>", select[1], re.S)
    ]


@pytest.fixture
def desks(org: Org) -> Org:
    w = org.world
    for branch in ("south", "north"):
        desk = unit_create(organisation=w.org_a, name="Service desk", parent=org.units[branch], actor=w.alice)
        team_create(organisation=w.org_a, name="Early shift", unit=desk, actor=w.alice)
    return org


PATHS = [
    "Finance",
    "Operations",
    "Operations / Claims",
    "Operations / Claims / North",
    "Operations / Claims / North / Service desk",
    "Operations / Claims / South",
    "Operations / Claims / South / Service desk",
]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/people/new/", "unit"),
        ("/people/", "unit"),
        ("/people/teams/new/", "unit"),
        ("/people/units/new/", "parent"),
        ("/insights/", "unit"),
    ],
)
def test_every_unit_picker_shows_full_paths_sorted_by_path(desks: Org, url: str, field: str) -> None:
    client = desks.world.client_for(desks.world.alice, desks.world.org_a)
    response = client.get(url)
    assert response.status_code == 200, url
    options = _options(response.content.decode(), field)
    assert options[1:] == PATHS, url


def test_team_pickers_say_which_unit_the_team_is_in(desks: Org) -> None:
    client = desks.world.client_for(desks.world.alice, desks.world.org_a)
    options = _options(client.get("/people/new/").content.decode(), "team")
    assert options[1:] == [
        "North desk — Operations / Claims / North",
        "Early shift — Operations / Claims / North / Service desk",
        "Early shift — Operations / Claims / South / Service desk",
    ]


def test_the_coverage_target_picker_shows_paths(desks: Org, soms_version: Any) -> None:  # noqa: F811
    client = desks.world.client_for(desks.world.alice, desks.world.org_a)
    options = _options(client.get("/people/coverage/").content.decode(), "where")
    assert options[1 : 1 + len(PATHS)] == [f"Unit: {p}" for p in PATHS]
    assert "Team: Early shift — Operations / Claims / South / Service desk" in options
    coverage_target_create(
        organisation=desks.world.org_a,
        unit=Unit.objects.get(name="Service desk", parent=desks.units["south"]),
        element=soms_version.elements.first(),
        level=soms_version.levels.first(),
        minimum=1,
        actor=desks.world.alice,
    )
    assert (
        "Unit Operations / Claims / South / Service desk" in client.get("/people/coverage/").content.decode()
    )


def test_a_manager_sees_paths_of_their_units_only(desks: Org) -> None:
    # Priya manages Claims/North: the filter lists it and below, named by full path, ancestors
    # included in the label though she may not pick them.
    client = desks.world.client_for(desks.priya, desks.world.org_a)
    options = _options(client.get("/people/").content.decode(), "unit")
    assert "Operations / Claims / North / Service desk" in options
    assert "Finance" not in options
