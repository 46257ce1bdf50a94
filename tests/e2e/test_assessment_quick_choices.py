"""Choosing down a page of statements and going on at once, as a quick reader does: each choice
saves itself from the page's revision, so saves still on their way must not clash with each other
or with the page's own "Save and next" (they did: the person's own choices came back as a conflict
"changed by <themselves> since you opened it", nothing saved)."""

from __future__ import annotations

from typing import Any

import pytest

from soms.assessments.models import Assessment, Judgement
from soms.frameworks.models import FrameworkVersion
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.people.conftest import org  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)

# Every choice of the page made in one go, then "Save and next" pressed before any save has answered.
CHOOSE_ALL_AND_GO_ON = """() => {
  const radios = [...document.querySelectorAll("fieldset.statement-block input[value=met]")];
  for (const r of radios) { r.checked = true; r.dispatchEvent(new Event("change", {bubbles: true})); }
  const next = document.querySelector("button[name=go][value=next]");
  next.form.requestSubmit(next);
  return radios.length;
}"""


def start_self_assessment(browser: Any, live_server: Any) -> tuple[Any, Any]:
    """Charlie signed in at a desktop's width, on the first page of a new SOMS self-assessment."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, "charlie", PASSWORD)
    soms = FrameworkVersion.objects.get(framework__code="soms", framework__organisation__isnull=True)
    page.goto(live_server.url + "/assessments/start/")
    page.select_option("#id_version", value=str(soms.pk))
    page.click(".start-form button[type=submit]")
    page.wait_for_selector("h2.element-heading")
    return ctx, page


def test_choices_made_quickly_then_save_and_next_all_save(live_server, org, builtin, browser):  # noqa: F811
    ctx, page = start_self_assessment(browser, live_server)
    chosen = page.evaluate(CHOOSE_ALL_AND_GO_ON)
    assert chosen >= 2
    page.wait_for_url("**/assessments/*/?page=2")
    page.wait_for_selector("h2.element-heading")
    assert "Not saved" not in page.inner_text("main")
    assert "since you opened it" not in page.inner_text("main")
    a = Assessment.objects.get()
    assert Judgement.objects.filter(assessment=a, value="met").count() == chosen
    ctx.close()


def test_a_statement_changed_again_while_its_save_is_on_its_way_keeps_both_changes(
    live_server,
    org,  # noqa: F811
    builtin,
    browser,
):
    """A comment typed, then the statement's answer picked before the comment's save has answered:
    the answer came back as the block stored with the comment alone, the choice dropped."""
    ctx, page = start_self_assessment(browser, live_server)
    held: list = []
    # The first statement save is held until the second change is made.
    page.route("**/save/", lambda route: held.append(route) if not held else route.continue_())
    block = page.locator("fieldset.statement-block").first
    block.locator("textarea").fill("Seen in the March review")
    block.locator("textarea").dispatch_event("change")
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the comment's save was sent"
    block.locator("input[value=met]").check()
    page.wait_for_timeout(300)
    held[0].continue_()
    a = Assessment.objects.get()
    for _ in range(100):
        j = Judgement.objects.filter(assessment=a).first()
        if j is not None and j.value == "met" and j.comment == "Seen in the March review":
            break
        page.wait_for_timeout(100)
    j = Judgement.objects.get(assessment=a)
    assert (j.value, j.comment) == ("met", "Seen in the March review")
    page.reload()
    block = page.locator("fieldset.statement-block").first
    assert block.locator("input[value=met]").is_checked()
    assert block.locator("textarea").input_value() == "Seen in the March review"
    ctx.close()
