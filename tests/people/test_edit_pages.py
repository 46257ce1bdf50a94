"""Edit pages for a team (name, unit) and a coverage target (level, number, note): revisions with
409 conflicts that keep what was typed, audited, for admins only, and another organisation's row
answers like a missing one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from soms.people.models import CoverageTarget, Team
from soms.people.services.profiles import coverage_target_create, coverage_target_update
from soms.people.services.structure import team_create, team_update
from soms.tenancy.models import AuditLogEntry
from tests.assessments.conftest import soms_version  # noqa: F401
from tests.people.conftest import Org


@pytest.fixture
def target(org: Org, soms_version: Any) -> CoverageTarget:  # noqa: F811
    w = org.world
    element = soms_version.elements.get(code="demand-capacity")
    level = soms_version.levels.order_by("rank").first()
    return coverage_target_create(
        organisation=w.org_a, unit=org.units["north"], element=element, level=level, minimum=2, actor=w.alice
    )


def test_an_admin_renames_and_moves_a_team_on_its_page(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    url = f"/people/teams/{org.team.pk}/edit/"
    page = client.get(url).content.decode()
    assert 'name="revision" value="1"' in page and 'value="North desk"' in page
    saved = client.post(url, {"revision": "1", "name": "South desk", "unit": str(org.units["south"].pk)})
    assert saved.status_code == 302 and saved["Location"] == f"/people/units/{org.units['south'].pk}/"
    team = Team.objects.get(pk=org.team.pk)
    assert (team.name, team.unit_id, team.revision) == ("South desk", org.units["south"].pk, 2)
    entry = AuditLogEntry.objects.filter(action="team.update", object_id=str(team.pk)).get()
    # Its three people moved with it (tests/people/test_team_moves.py).
    assert entry.actor == w.alice and entry.after["name"] == "South desk"
    assert entry.after["unit"] == org.units["south"].pk and entry.after["people_moved"] == 3
    # The unit's page links to the edit page.
    unit_page = client.get(f"/people/units/{org.units['south'].pk}/").content.decode()
    assert f'href="/people/teams/{team.pk}/edit/"' in unit_page


def test_a_stale_team_page_keeps_what_was_typed_and_says_what_changed(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    url = f"/people/teams/{org.team.pk}/edit/"
    team_update(team=org.team, actor=w.bob, name="Front desk", revision=1)
    stale = client.post(url, {"revision": "1", "name": "Night desk", "unit": str(org.units["north"].pk)})
    assert stale.status_code == 409
    text = stale.content.decode()
    assert "changed this while you were editing" in text and "Name: “Front desk”" in text
    assert 'value="Night desk"' in text and 'name="revision" value="2"' in text
    assert Team.objects.get(pk=org.team.pk).name == "Front desk"
    again = client.post(url, {"revision": "2", "name": "Night desk", "unit": str(org.units["north"].pk)})
    assert again.status_code == 302 and Team.objects.get(pk=org.team.pk).name == "Night desk"


def test_team_page_bad_input_names_the_field_and_writes_nothing(org: Org) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    team_create(organisation=w.org_a, name="Spare", unit=org.units["north"], actor=w.alice)
    url = f"/people/teams/{org.team.pk}/edit/"
    taken = client.post(url, {"revision": "1", "name": "spare", "unit": str(org.units["north"].pk)})
    assert taken.status_code == 400 and "already a team called" in taken.content.decode()
    foreign = client.post(url, {"revision": "1", "name": "X", "unit": str(org.b_unit.pk)})
    assert foreign.status_code == 400
    missing = client.post(url, {"name": "X"})
    assert missing.status_code == 400
    assert Team.objects.get(pk=org.team.pk).revision == 1


def test_team_edit_is_for_admins_and_inside_the_organisation(org: Org) -> None:
    w = org.world
    url = f"/people/teams/{org.team.pk}/edit/"
    for user in (w.charlie, org.priya, w.dana):
        assert w.client_for(user, w.org_a).get(url).status_code == 403
        assert w.client_for(user, w.org_a).post(url, {"revision": "1", "name": "X"}).status_code == 403
    # Bob owns organisation B: A's team is as missing to him as an id that does not exist.
    bob = w.client_for(w.bob, w.org_b)
    assert bob.get(url).status_code == 404
    assert bob.post(url, {"revision": "1", "name": "X"}).status_code == 404
    assert bob.get("/people/teams/999999/edit/").status_code == 404
    assert Team.objects.get(pk=org.team.pk).name == "North desk"


def test_an_admin_edits_a_coverage_target_on_its_page(org: Org, target: CoverageTarget) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    listing = client.get("/people/coverage/").content.decode()
    assert f'href="/people/coverage/{target.pk}/edit/"' in listing
    url = f"/people/coverage/{target.pk}/edit/"
    page = client.get(url).content.decode()
    assert "Unit Operations / Claims / North" in page and 'name="revision" value="1"' in page
    higher = target.element.version.levels.order_by("rank").last()
    saved = client.post(url, {"revision": "1", "level": str(higher.pk), "minimum": "3", "note": "two shifts"})
    assert saved.status_code == 302
    target.refresh_from_db()
    assert (target.level_id, target.minimum, target.note, target.revision) == (higher.pk, 3, "two shifts", 2)
    entry = AuditLogEntry.objects.filter(action="coverage_target.update", object_id=str(target.pk)).get()
    assert entry.actor == w.alice and entry.after["minimum"] == 3


def test_a_stale_coverage_target_page_keeps_what_was_typed(org: Org, target: CoverageTarget) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)
    url = f"/people/coverage/{target.pk}/edit/"
    coverage_target_update(target=target, actor=w.alice, minimum=5, revision=1)
    typed = {"revision": "1", "level": str(target.level_id), "minimum": "4", "note": "mine"}
    stale = client.post(url, typed)
    assert stale.status_code == 409
    text = stale.content.decode()
    assert "changed this while you were editing" in text and "At least: 5" in text
    assert 'value="mine"' in text and 'value="4"' in text and 'name="revision" value="2"' in text
    target.refresh_from_db()
    assert (target.minimum, target.note) == (5, "")
    assert client.post(url, {**typed, "revision": "2"}).status_code == 302
    target.refresh_from_db()
    assert (target.minimum, target.note, target.revision) == (4, "mine", 3)


def test_coverage_target_page_refuses_bad_input(org: Org, target: CoverageTarget, builtin: None) -> None:
    from soms.frameworks.models import Level

    w = org.world
    client = w.client_for(w.alice, w.org_a)
    url = f"/people/coverage/{target.pk}/edit/"
    other = Level.objects.exclude(version_id=target.element.version_id).first()
    bad = [
        {"revision": "1", "level": str(target.level_id), "minimum": "0"},
        {"revision": "1", "level": str(other.pk) if other else "999999", "minimum": "1"},
        {"level": str(target.level_id), "minimum": "1"},
    ]
    for data in bad:
        assert client.post(url, data).status_code == 400, data
    target.refresh_from_db()
    assert (target.minimum, target.revision) == (2, 1)


def test_coverage_target_edit_is_for_admins_and_inside_the_organisation(
    org: Org, target: CoverageTarget
) -> None:
    w = org.world
    url = f"/people/coverage/{target.pk}/edit/"
    for user in (w.charlie, org.priya, w.dana):
        assert w.client_for(user, w.org_a).get(url).status_code == 403
    bob = w.client_for(w.bob, w.org_b)
    assert bob.get(url).status_code == 404
    assert bob.post(url, {"revision": "1", "level": str(target.level_id), "minimum": "9"}).status_code == 404
    target.refresh_from_db()
    assert target.minimum == 2


def test_the_api_patches_a_team_and_a_target_with_revisions(org: Org, target: CoverageTarget) -> None:
    w = org.world
    client = w.client_for(w.alice, w.org_a)

    def patch(url: str, body: dict[str, Any]) -> Any:
        return client.patch(url, json.dumps(body), content_type="application/json")

    assert patch(f"/api/v1/teams/{org.team.pk}", {"name": "Desk", "revision": 1}).status_code == 200
    assert patch(f"/api/v1/teams/{org.team.pk}", {"name": "Desk 2", "revision": 1}).status_code == 409
    url = f"/api/v1/coverage-targets/{target.pk}"
    assert patch(url, {"minimum": 7, "revision": 1}).status_code == 200
    assert patch(url, {"minimum": 8, "revision": 1}).status_code == 409
    bob = w.client_for(w.bob, w.org_b)
    answer = bob.patch(url, json.dumps({"minimum": 1, "revision": 2}), content_type="application/json")
    assert answer.status_code == 404
