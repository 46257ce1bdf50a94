"""On a phone the people list is one card per person, every column named, nothing hidden off to
the side: it was a six-column table that scrolled inside its box, unit, team and manager out of sight."""

from __future__ import annotations

import pytest

from soms.tenancy.services import api_token_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.test_phone_layout import PHONE
from tests.people.conftest import org  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)

HIDDEN_SIDEWAYS = """() => [...document.querySelectorAll('main .table-wrap')]
  .filter(w => w.scrollWidth > w.clientWidth + 1).map(w => w.querySelector('table').className)"""


def test_the_people_list_stacks_on_a_phone(live_server, org, browser):  # noqa: F811
    ctx = browser.new_context(viewport=PHONE)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, "alice", PASSWORD)
    page.goto(live_server.url + "/people/")
    page.wait_for_selector(".people-table tbody tr")
    assert page.evaluate(HIDDEN_SIDEWAYS) == []
    first = page.locator(".people-table tbody tr").first
    assert first.locator("td[data-label=Manager]").is_visible()
    box = first.locator("td[data-label=Manager]").bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "people-list-390.png"), full_page=True)
    ctx.close()


def test_the_api_tokens_and_role_profiles_stack_on_a_phone(live_server, org, builtin, browser):  # noqa: F811
    """The token list's Revoke button sat off to the side, out of sight, on a phone."""
    api_token_create(user=org.world.alice, organisation=org.world.org_a, name="reporting script")
    ctx = browser.new_context(viewport=PHONE)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, "alice", PASSWORD)
    page.goto(live_server.url + "/account/tokens/")
    assert page.evaluate(HIDDEN_SIDEWAYS) == []
    box = page.locator("button:has-text('Revoke')").bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    page.goto(live_server.url + "/people/role-profiles/")
    page.wait_for_selector("td[data-label=Framework]")
    assert page.evaluate(HIDDEN_SIDEWAYS) == []
    ctx.close()
