"""A newcomer's home page: the first-run guide for their role, its steps lead somewhere, and hiding
it sticks. Screenshots at a laptop's and a phone's width go to test-artifacts/."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.test_phone_layout import WIDEST

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("username", "width"), [("alice", 1280), ("charlie", 390), ("dana", 1280)])
def test_the_guide_leads_a_newcomer_and_goes_away_when_hidden(
    live_server, world, builtin, browser, username, width
):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        sign_in(page, live_server.url, username, PASSWORD)
        guide = page.locator("section.guide")
        assert guide.is_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"guide-{username}-{width}.png"), full_page=True)
        found = page.evaluate(WIDEST)
        assert found["overflow"] <= 1 and not found["offenders"], found
        steps = guide.locator("a.guide-step")
        assert steps.count() == 3
        with page.expect_navigation():
            steps.first.click()
        assert page.url != live_server.url + "/"
        page.goto(live_server.url + "/")
        page.click("text=Hide this guide")
        page.wait_for_selector("text=Show the getting-started guide again")
        assert page.locator("section.guide").count() == 0
        page.reload()
        assert page.locator("section.guide").count() == 0
    finally:
        context.close()
