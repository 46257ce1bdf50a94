"""At a phone's width (390 px) the pages of the layout walk-through fit the screen without anything
scrolling sideways inside them: the units × elements heatmap and the specialisation heatmap are
drawn to fit their card, the tables that used to scroll stack into cards, the toolkit editor's row
cards line up with the page, and the controls a thumb taps are at least 40 px high. Measured in the
browser; screenshots go to test-artifacts/ for people to look at."""

from __future__ import annotations

from typing import Any

import pytest

from tests.assessments.conftest import soms_version  # noqa: F401  (fixtures)
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.insights.conftest import skilled, smo  # noqa: F401
from tests.people.conftest import org  # noqa: F401
from tests.toolkits.practice.conftest import a_kpi, saved

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
# How far the page is wider than the screen, and every box that scrolls sideways inside it (the
# people × elements grid may: it has a column per element, each a level's short name).
FIT = """() => {
  const scrolled = [...document.querySelectorAll('.table-wrap, .chart-box')]
    .filter(e => e.getBoundingClientRect().width > 0 && !e.matches('.chart-grid'))
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => (e.closest('[id]') || e).id + ' ' + e.className + ': ' + e.scrollWidth + ' px in ' + e.clientWidth);
  return {overflow: document.documentElement.scrollWidth - window.innerWidth, scrolled};
}"""
# Controls shorter than a thumb: buttons, selects, boxes to type in, and the labels that carry a
# radio button or a checkbox (the label is what is tapped).
SMALL = """() => [...document.querySelectorAll(
    '.page button, .page select, .page input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]), '
    + '.page label:has(> input[type=radio]), .page label:has(> input[type=checkbox])')]
  .filter(e => e.getBoundingClientRect().width > 0)
  .map(e => [e.tagName.toLowerCase() + ' ' + (e.textContent || e.name || '').trim().slice(0, 30), Math.round(e.getBoundingClientRect().height)])
  .filter(([, h]) => h < 40)"""


def fits(page: Any, url: str, name: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, name
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-fit-{name}.png"), full_page=True)
    found = page.evaluate(FIT)
    assert found["overflow"] <= 1, f"{name}: the page is {found['overflow']} px wider than the phone"
    assert not found["scrolled"], f"{name}: boxes scroll sideways on a phone: {found['scrolled']}"
    small = page.evaluate(SMALL)
    assert not small, f"{name}: controls under 40 px high: {small[:6]}"


def test_the_walked_pages_fit_a_phone_without_sideways_scrolling(
    live_server: Any,
    skilled: Any,  # noqa: F811
    smo: Any,  # noqa: F811
    soms_version: Any,  # noqa: F811
    browser: Any,
) -> None:
    world = skilled.world
    kpi = a_kpi(world)
    stakeholders = saved("stakeholder_map", world.org_a, world.alice)
    profile = world.org_a.role_profiles.get(code="analyst")
    base = live_server.url
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        sign_in(page, base, "alice", PASSWORD)
        # The units × elements heatmap and its table (they scrolled in their card).
        fits(page, f"{base}/insights/?version={soms_version.pk}&show=units", "insights-units")
        assert page.locator("#units-grid .chart-phone svg").is_visible()
        # The capability model's specialisation heatmap.
        fits(page, f"{base}/insights/?version={smo.pk}&show=units", "insights-specialisation")
        assert page.locator("#specialisation .chart-phone svg").is_visible()
        fits(page, f"{base}/frameworks/", "frameworks")
        fits(page, f"{base}/kpis/", "kpis")
        assert kpi.name in page.locator("#kpis").inner_text()
        fits(page, f"{base}/audits/templates/", "audit-templates")
        # The role profile's editor: one full-size select per element.
        fits(page, f"{base}/people/role-profiles/{profile.pk}/", "role-profile")
        # Validity periods: each radio's line is its tap target.
        fits(page, f"{base}/assessments/validity/{soms_version.pk}/", "validity")
        # The stakeholder map's editor: its row cards start where the page's text starts.
        fits(page, f"{base}/stakeholders/{stakeholders.pk}/edit/", "stakeholders-edit")
        heading = page.locator("h1").bounding_box()
        rows = [box for box in (row.bounding_box() for row in page.locator(".tk-row").all()) if box]
        assert heading is not None and rows
        assert all(abs(box["x"] - heading["x"]) <= 1 for box in rows), (heading["x"], [b["x"] for b in rows])
    finally:
        context.close()
