"""In a browser, at 1280 and 390 px: the search finds a surname typed without its accent, the unit
picker shows full paths, a team and a coverage target are edited on their pages, and a stale save
shows the conflict with the typed values; no page scrolls sideways."""

from __future__ import annotations

import pytest

from soms.people.services.persons import person_create
from soms.people.services.profiles import builtin_soms_version, coverage_target_create
from soms.people.services.structure import team_create, team_update, unit_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert page.evaluate(OVERFLOW) <= 0, name


@pytest.mark.parametrize("width", [1280, 390])
def test_search_pickers_and_edit_pages(live_server, world, builtin, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    a, alice = world.org_a, world.alice
    ops = unit_create(organisation=a, name="Operations", actor=alice)
    desks = []
    for branch in ("North", "South"):
        parent = unit_create(organisation=a, name=branch, parent=ops, actor=alice)
        desks.append(unit_create(organisation=a, name="Service desk", parent=parent, actor=alice))
    person_create(organisation=a, actor=alice, employee_id="E1", name="Anna Müller", unit=desks[0])
    person_create(organisation=a, actor=alice, employee_id="E2", name="Tom Okafor", unit=desks[1])
    team = team_create(organisation=a, name="Early shift", unit=desks[0], actor=alice)
    version = builtin_soms_version()
    target = coverage_target_create(
        organisation=a,
        unit=desks[1],
        element=version.elements.get(code="demand-capacity"),
        level=version.levels.order_by("rank").first(),
        minimum=2,
        actor=alice,
    )
    sign_in(page, live_server.url, "alice", PASSWORD)

    page.goto(f"{live_server.url}/people/?q=muller")
    assert page.locator("text=Anna Müller").count() >= 1 and page.locator("text=Tom Okafor").count() == 0
    labels = page.locator("select[name=unit] option").all_inner_texts()
    assert "Operations / North / Service desk" in labels and "Operations / South / Service desk" in labels
    _shot(page, f"people-search-{width}")

    page.goto(f"{live_server.url}/people/teams/{team.pk}/edit/")
    page.fill("#id_name", "Late shift")
    team_update(team=team, actor=world.bob, name="Day shift", revision=1)  # someone else, meanwhile
    page.click("form.card button[type=submit]")
    assert page.locator("text=changed this while you were editing").count() == 1
    assert page.input_value("#id_name") == "Late shift"
    _shot(page, f"team-edit-conflict-{width}")
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/people/units/{desks[0].pk}/")
    assert page.locator("text=Saved team Late shift").count() == 1

    page.goto(f"{live_server.url}/people/coverage/")
    _shot(page, f"coverage-list-{width}")
    page.goto(f"{live_server.url}/people/coverage/{target.pk}/edit/")
    page.fill("#id_minimum", "3")
    _shot(page, f"coverage-edit-{width}")
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/people/coverage/")
    target.refresh_from_db()
    assert target.minimum == 3
