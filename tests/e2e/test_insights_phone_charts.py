"""At a phone's width (390 px) every chart of Insights and of a person's gaps page shows its text at
11 px or more, measured in the browser: the font size of each visible SVG text times the scale
its drawing is shown at. A drawing too wide for the screen scrolls inside its card, never the page."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from soms.insights.services.snapshots import snapshot_organisation
from soms.people.models import CoverageTarget
from tests.assessments.conftest import soms_version  # noqa: F401  (fixtures)
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.insights.conftest import DC, skilled, smo  # noqa: F401
from tests.people.conftest import org  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

# Per visible chart: its class path, how many texts it has, and the smallest rendered text size.
SIZES = """() => [...document.querySelectorAll('.chart-box svg')].filter(s => s.getBoundingClientRect().width > 0).map(s => {
  const scale = s.getBoundingClientRect().width / s.viewBox.baseVal.width;
  const sizes = [...s.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
  return [s.getAttribute('aria-label'), sizes.length, Math.min(...sizes)];
})"""
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# Per visible chart: the texts drawn (partly) outside the drawing, and pairs of texts that overlap;
# `named` checks only the title and the texts that carry a <title> (shortened element names).
CLASHES = """(named) => [...document.querySelectorAll('.chart-box svg')].filter(s => s.getBoundingClientRect().width > 0).map(s => {
  const vb = s.viewBox.baseVal;
  const texts = [...s.querySelectorAll('text')].filter(t => t.getBBox().width > 0)
    .filter(t => !named || t.querySelector('title') || t.getAttribute('font-weight') === '600');
  const outside = texts.filter(t => { const b = t.getBBox(); return b.x < vb.x - 0.5 || b.x + b.width > vb.x + vb.width + 0.5; })
    .map(t => t.textContent.trim());
  const boxes = texts.map(t => t.getBoundingClientRect());
  const clash = [];
  for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
    const a = boxes[i], b = boxes[j];
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left), h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 1 && h > 1) clash.push([texts[i].textContent.trim(), texts[j].textContent.trim()]);
  }
  return [s.getAttribute('aria-label'), outside, clash];
})"""


def check(page: Any, url: str, shot: str, at_least: int, *, tidy: str = "") -> None:
    page.goto(url)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    charts = page.evaluate(SIZES)
    assert len(charts) >= at_least, charts
    small = [(label, round(size, 1)) for label, count, size in charts if count and round(size, 1) < 11]
    assert not small, f"chart text under 11 px at 390 px: {small}"
    assert page.evaluate(OVERFLOW) <= 1
    if tidy:  # "all": every text inside its drawing and clear of the others; "named": titles and names
        untidy = [c for c in page.evaluate(CLASHES, tidy == "named") if c[1] or c[2]]
        assert not untidy, f"chart text outside its drawing or over another text at 390 px: {untidy}"


def test_insights_charts_are_readable_on_a_phone(
    live_server: Any,
    skilled: Any,  # noqa: F811
    smo: Any,  # noqa: F811
    soms_version: Any,  # noqa: F811
    browser: Any,
) -> None:
    a = skilled.world.org_a
    claims = skilled.units["claims"]
    CoverageTarget.objects.create(
        organisation=a,
        unit=claims,
        element=soms_version.elements.get(code=DC),
        level=soms_version.levels.get(code="foundation"),
        minimum=2,
    )
    snapshot_organisation(a.pk, date(2026, 1, 1))
    snapshot_organisation(a.pk, date(2026, 2, 1))
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(20_000)
    base = live_server.url
    try:
        sign_in(page, base, "alice", PASSWORD)
        # Claims: the level grid, the units under it, cover against targets, the trend.
        check(
            page,
            f"{base}/insights/?version={soms_version.pk}&unit={claims.pk}",
            "insights-charts-phone.png",
            3,
            tidy="named",  # the grid's and the heatmap's column names, each title
        )
        # The whole organisation, units × elements among them.
        check(
            page,
            f"{base}/insights/?version={soms_version.pk}&show=units",
            "insights-units-phone.png",
            2,
            tidy="named",
        )
        # The capability model: the specialisation chart as well.
        check(page, f"{base}/insights/?version={smo.pk}", "insights-smo-phone.png", 2)
        sam = skilled.people["E003"]
        check(
            page,
            f"{base}/insights/people/{sam.pk}/?version={soms_version.pk}",
            "insights-person-phone.png",
            1,
            tidy="all",  # the radar: ring names beside the top spoke, element names around it
        )
    finally:
        context.close()
