"""Issue 11's whole journey in a browser, through the pages only: a member self-assesses with text
evidence attached to two statements and submits; a coach returns it with a reason; the member
resubmits; the coach validates; the member's profile shows Practitioner (and showed nothing while
the self-assessment waited: on its own it never certifies); a change project addressing two areas,
validated by the coach, lifts both elements to Senior Practitioner; with the organisation's validity
period set, the profile's *As at* date past it shows "Refresh due", then "Expired".

Set-up only (organisation, people, logins, the built-in framework) comes from fixtures. Every screen
is photographed at 1280 and 390 px into /tmp/journey11-shots/ (or $SOMS_SHOTS) and must fit a phone.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from soms.jobs.testing import run_queued_tasks
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.people.conftest import org  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(os.environ.get("SOMS_SHOTS", "/tmp/journey11-shots"))
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ELEMENTS = ("demand-capacity", "people-capability")  # the project's two areas


def months_after(day: date, months: int) -> date:
    n = day.month - 1 + months
    return date(day.year + n // 12, n % 12 + 1, min(day.day, 28))


def shoot(page: Any, name: str) -> None:
    """The screen at 1280 and at 390 px; on the phone nothing may be wider than the screen."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(SHOTS / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{name}: the page is {overflow}px wider than a phone screen"
    page.set_viewport_size(DESKTOP)


def level_row(page: Any, element: str) -> Any:
    return page.locator(f"tr[data-element='{element}']")


def open_my_levels(page: Any, base: str) -> None:
    page.goto(f"{base}/assessments/")
    page.click("a:has-text('My levels')")
    page.wait_for_selector("h1:has-text('attainment')")


def judge_element_met(page: Any, element_name: str) -> None:
    """Open the element's page of the form and judge every statement met (each saves itself)."""
    page.click(f".element-nav a:has-text('{element_name}')")
    expect(page.locator("h2.element-heading")).to_contain_text(element_name)
    blocks = page.locator("fieldset.statement-block")
    for i in range(blocks.count()):
        blocks.nth(i).locator("input[value=met]").check()
        expect(blocks.nth(i).locator(".saved-note")).to_be_visible()


def new_page(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, base, username, PASSWORD)
    return page


def test_a_member_earns_keeps_and_loses_a_level(
    live_server: Any,
    org: Any,  # noqa: F811
    builtin: Any,
    browser: Any,
) -> None:
    base = live_server.url
    today = date.today()
    member = new_page(browser, base, "charlie")  # a member, linked to Charlie Member (E007)
    coach = new_page(browser, base, "dana")  # an assessor (coach) of the organisation
    admin = new_page(browser, base, "alice")  # the owner

    # --- the member self-assesses, with evidence -------------------------------------------------
    member.goto(f"{base}/assessments/")
    shoot(member, "01-my-assessments")
    member.click("text=Start an assessment")
    member.select_option("#id_version", label="Service Operating Model Skills (SOMS) 2016")
    shoot(member, "02-start")
    member.click(".start-form button[type=submit]")
    member.wait_for_selector("h2.element-heading")
    judge_element_met(member, "Demand and capacity management")
    first = member.locator("fieldset.statement-block").first
    first.locator("textarea").fill("I built the North desk's weekly demand profile with the team")
    member.locator("h2.element-heading").click()  # the comment saves when it loses focus
    shoot(member, "03-assessment-form")
    # Evidence for the first statement, ticked for the second as well: one item, two statements.
    first.locator("a:has-text('Add evidence')").click()
    member.wait_for_selector("#id_title")
    member.check("input[name=kind][value=text]")
    member.fill("#id_title", "Demand profile notes")
    member.fill("#id_text", "Arrivals per half hour for six weeks, peaks on Monday mornings.")
    ticked = member.locator("input[name=statements]:checked")
    expect(ticked).to_have_count(1)
    dc_boxes = member.locator("label.choice", has_text="DC-").locator("input[name=statements]")
    for i in range(dc_boxes.count()):
        dc_boxes.nth(i).check()
    shoot(member, "04-evidence-form")
    member.click("button:has-text('Add evidence')")
    member.wait_for_selector("h2.element-heading")  # back on the form, where it was
    expect(member.locator("fieldset.statement-block").first).to_contain_text("Demand profile notes")
    expect(member.locator("fieldset.statement-block").nth(1)).to_contain_text("Demand profile notes")
    judge_element_met(member, "People capability")
    member.click("text=Submit for review")
    member.wait_for_selector("text=Submitted for review")
    shoot(member, "05-submitted")

    # A submitted self-assessment certifies nothing: the profile holds no level yet.
    open_my_levels(member, base)
    for element in ELEMENTS:
        expect(level_row(member, element)).to_contain_text("Not held")
    shoot(member, "06-profile-before-validation")

    # --- the coach returns it with a reason ------------------------------------------------------
    coach.goto(f"{base}/assessments/queue/")
    shoot(coach, "07-review-queue")
    coach.click("a.assessment-title")
    expect(coach.locator("main")).to_contain_text("Demand profile notes")  # evidence beside statements
    shoot(coach, "08-review")
    coach.fill("#id_reason", "Add a real case for the people capability practitioner statement")
    coach.click("text=Return with reason")
    coach.wait_for_selector("text=Returned to its assessor")

    # --- the member reads the reason and resubmits -----------------------------------------------
    member.goto(f"{base}/assessments/")
    member.locator("a", has_text="Self-assessment").first.click()
    expect(member.locator(".msg-warning")).to_contain_text("Add a real case")
    shoot(member, "09-returned")
    member.click("text=Resubmit")
    member.wait_for_selector("text=Submitted for review")

    # --- the coach validates ---------------------------------------------------------------------
    coach.goto(f"{base}/assessments/queue/")
    coach.click("a.assessment-title")
    coach.click("button:has-text('Validate')")
    coach.wait_for_selector("text=attainment is updated")
    shoot(coach, "10-validated")

    open_my_levels(member, base)
    for element in ELEMENTS:
        row = level_row(member, element)
        expect(row).to_contain_text("Practitioner")
        expect(row).not_to_contain_text("Senior Practitioner")
        expect(row).to_contain_text("Held")
    expect(level_row(member, "customer-experience")).to_contain_text("Not held")
    # What is next says so: a qualifying change project.
    expect(member.locator("main")).to_contain_text("Demand and capacity management: for Senior Practitioner")
    expect(member.locator("main")).to_contain_text(
        "A completed, validated change project that addresses Demand and capacity management and"
    )
    shoot(member, "11-profile-practitioner")

    # --- a change project addressing both areas, validated, lifts both to Senior Practitioner ------
    member.click("nav.mainnav a:has-text('Change projects')")
    member.click("text=New change project")
    member.fill("#id_code", "CP-NORTH")
    member.fill("#id_title", "Rebalance the North desk")
    member.fill("#id_owner", "E007")
    for element in ELEMENTS:
        member.check(f"input[name=areas][value={element}]")
    member.select_option("#id_status", "completed")
    member.fill("#id_started_on", months_after(today, -4).isoformat())
    member.fill("#id_completed_on", (today - timedelta(days=7)).isoformat())
    member.fill("#id_outcomes-0-description", "Calls answered within 20 s")
    member.fill("#id_outcomes-0-kpi", "Service level")
    member.fill("#id_outcomes-0-before", "62")
    member.fill("#id_outcomes-0-after", "81")
    member.fill("#id_outcomes-0-unit", "%")
    shoot(member, "12-project-form")
    member.click("button:has-text('Save')")
    member.wait_for_url("**/assessments/projects/*/")
    member.click("button:has-text('Submit for validation')")
    member.wait_for_selector("text=Submitted for validation.")
    shoot(member, "13-project-submitted")

    coach.goto(f"{base}/assessments/queue/")  # the queue says a project waits, and links to it
    coach.click("a:has-text('1 change project waiting for validation')")
    coach.click("a:has-text('Rebalance the North desk')")
    coach.click("a:has-text('Review')")
    shoot(coach, "14-project-review")
    coach.click("button:has-text('Validate')")
    coach.wait_for_selector("text=validated.")

    open_my_levels(member, base)
    for element in ELEMENTS:
        expect(level_row(member, element)).to_contain_text("Senior Practitioner")
        expect(level_row(member, element)).to_contain_text("Held")
    shoot(member, "15-profile-senior")

    # --- validity: the organisation gives Senior Practitioner 24 months ----------------------------
    admin.goto(f"{base}/assessments/validity/")
    admin.click("a:has-text('2016')")
    form = admin.locator("form.validity-level", has_text="Senior Practitioner").first
    form.locator("input[name=months]").fill("24")
    form.locator("input[value=months]").check()
    shoot(admin, "16-validity")
    form.locator("button[type=submit]").click()
    admin.wait_for_url("**/jobs/**")
    run_queued_tasks()

    # The clock moves on, through the profile's date control: refresh due, then expired.
    open_my_levels(member, base)
    # Valid for 24 months from the validation (today), refresh due its last 3 (the rules' data).
    member.fill("#profile-at", months_after(today, 23).isoformat())
    member.click("button:has-text('Show')")
    for element in ELEMENTS:
        expect(level_row(member, element)).to_contain_text("Refresh due")
    expect(member.locator(".profile-attention")).to_contain_text("Refresh due")
    shoot(member, "17-profile-refresh-due")
    member.fill("#profile-at", months_after(today, 25).isoformat())
    member.click("button:has-text('Show')")
    for element in ELEMENTS:
        row = level_row(member, element)
        expect(row).to_contain_text("Expired")
        expect(row).to_contain_text("Practitioner")  # the level below stays held
    expect(member.locator(".profile-attention")).to_contain_text("Expired")
    shoot(member, "18-profile-expired")
