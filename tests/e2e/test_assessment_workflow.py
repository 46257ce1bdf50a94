"""A member self-assesses (saving as they go), submits; a coach returns it with a reason; the member
resubmits; the coach validates; the member's level is derived and they were told at each step."""

from __future__ import annotations

import pytest

from soms.assessments.models import Assessment, ElementAttainment, Judgement
from soms.frameworks.models import FrameworkVersion
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.test_phone_layout import PHONE, check
from tests.people.conftest import org  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_self_assessment_returned_resubmitted_and_validated(live_server, org, builtin, browser):  # noqa: F811
    charlie_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = charlie_ctx.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, "charlie", PASSWORD)
    page.goto(live_server.url + "/assessments/")
    page.click("text=Start an assessment")
    soms = FrameworkVersion.objects.get(framework__code="soms", framework__organisation__isnull=True)
    page.select_option("#id_version", value=str(soms.pk))
    page.click(".start-form button[type=submit]")
    page.wait_for_selector("h2.element-heading")
    blocks = page.locator("fieldset.statement-block")
    # Each choice saves itself (htmx): the block answers "Saved" and the count moves on.
    for i in range(blocks.count()):
        blocks.nth(i).locator("input[value=met]").check()
        page.wait_for_selector(f"fieldset.statement-block:nth-of-type({i + 1}) .saved-note")
    blocks.nth(0).locator("textarea").fill("I mapped our customer groups with the team leads")
    page.locator("h2.element-heading").click()  # the comment saves when it loses focus
    a = Assessment.objects.get()
    for _ in range(100):
        if Judgement.objects.filter(assessment=a).exclude(comment="").exists():
            break
        page.wait_for_timeout(100)
    assert Judgement.objects.filter(assessment=a, value="met").count() == blocks.count()
    assert "team leads" in Judgement.objects.filter(assessment=a).exclude(comment="").get().comment
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "assessment-form-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    check(page, "assessment-form")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("text=Submit for review")
    page.wait_for_selector("text=Submitted for review")

    coach_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    coach = coach_ctx.new_page()
    coach.set_default_timeout(15_000)
    sign_in(coach, live_server.url, "dana", PASSWORD)
    assert coach.locator(".notification-bell .badge").inner_text() == "1"
    coach.goto(live_server.url + "/assessments/queue/")
    coach.click("a.assessment-title")
    coach.fill("#id_reason", "Add one real case for the practitioner statement")
    coach.click("text=Return with reason")
    coach.wait_for_selector("text=Returned to its assessor")

    page.reload()
    assert "Add one real case" in page.inner_text(".msg-warning")
    page.click("text=Resubmit")
    page.wait_for_selector("text=Submitted for review")

    coach.goto(live_server.url + f"/assessments/{a.pk}/review/")
    coach.set_viewport_size(PHONE)
    check(coach, "assessment-review")
    coach.click("button:has-text('Validate')")
    coach.wait_for_selector("text=attainment is updated")

    a.refresh_from_db()
    assert a.status == "validated" and a.validated_by.username == "dana"
    row = ElementAttainment.objects.get(
        person=a.person, version=a.version, element__code="customer-experience"
    )
    assert row.level is not None and row.level.code == "practitioner"  # every statement but the project one
    page.goto(live_server.url + "/notifications/")
    assert "Returned" in page.inner_text("main") and "Validated" in page.inner_text("main")
    charlie_ctx.close()
    coach_ctx.close()
