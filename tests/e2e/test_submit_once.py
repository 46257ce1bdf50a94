"""A <form data-submit-once> lets one submit go (static/soms/app.js): a second one while the first is
still on its way (a double click on "Add to plan" on a slow network) is dropped and the buttons are
greyed out until the page answers. The submits that go ahead are counted, not only the actions: the
form's idempotency key would make the server add the action once anyway, so the action count alone
could not tell whether the script did its part."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from soms.insights.models import DevelopmentAction
from tests.assessments.conftest import soms_version  # noqa: F401  (fixtures)
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.insights.conftest import skilled  # noqa: F401
from tests.people.conftest import org  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

# Counts the submits that go ahead and keeps the page where it is (as a slow network would: the
# first request still on its way when the second submit comes); on window, so it runs after
# app.js's handler on document.
HOLD_SUBMITS = """() => { window.sent = 0; window.addEventListener("submit", (e) => {
  if (!e.defaultPrevented) { window.sent += 1; e.preventDefault(); } }); }"""
BUTTONS_DISABLED = "f => [...f.querySelectorAll('button[type=submit]')].every(b => b.disabled)"


def test_a_form_sent_twice_while_its_request_is_on_its_way_is_sent_once(
    live_server: Any,
    skilled: Any,  # noqa: F811
    page: Any,
) -> None:
    page.set_default_timeout(15_000)
    sam = skilled.people["E003"]
    sign_in(page, live_server.url, "alice", PASSWORD)
    page.goto(f"{live_server.url}/insights/people/{sam.pk}/")
    form = page.locator("form.suggestion").first
    title = form.locator("input[name=title]").get_attribute("value")
    assert title
    page.evaluate(HOLD_SUBMITS)
    form.locator("button[type=submit]").click()
    expect(form.locator("button[type=submit]")).to_be_disabled()
    form.evaluate("f => f.requestSubmit()")  # a second click's submit: dropped
    assert page.evaluate("() => window.sent") == 1
    assert form.evaluate(BUTTONS_DISABLED)

    # The page drawn again: its buttons work, and the form is sent (once).
    page.goto(f"{live_server.url}/insights/people/{sam.pk}/")
    form = page.locator("form.suggestion").first
    expect(form.locator("button[type=submit]")).to_be_enabled()
    form.locator("button[type=submit]").click()
    page.wait_for_url("**#plan")
    expect(page.locator("#plan table")).to_contain_text(title)
    assert DevelopmentAction.objects.filter(person=sam).count() == 1
