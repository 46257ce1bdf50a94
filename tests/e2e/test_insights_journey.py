"""Insights end to end: the owner filters the dashboard to a unit, sees the level grid, drills into a
person, adds a suggested development action and sees it in the plan, then downloads the team PDF
and XLSX through the export buttons and reads both back (heatmap title and the people in them).
At a phone's width (390 px) the dashboard is no wider than the screen."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from soms.insights.models import DevelopmentAction
from soms.jobs.testing import run_queued_tasks
from tests.assessments.conftest import soms_version  # noqa: F401  (fixtures)
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.insights.conftest import skilled  # noqa: F401
from tests.people.conftest import org  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
CLAIMS_PEOPLE = ["Priya Raman", "Nina North", "Charlie Member", "Noel Desk", "Sam South", "Sue Junior"]


def download(page: Any, button: str) -> bytes:
    page.goto(page.url.split("#")[0])
    page.click(f"form.downloads button[value={button}]")
    page.wait_for_url(re.compile(r"/jobs/\d+/"))
    run_queued_tasks()
    page.reload()
    with page.expect_download() as got:
        page.click("text=Download the result")
    return Path(got.value.path()).read_bytes()


def test_unit_dashboard_to_plan_and_reports(live_server: Any, skilled: Any, browser: Any, page: Any) -> None:  # noqa: F811
    base = live_server.url
    claims = skilled.units["claims"]
    sign_in(page, base, "alice", PASSWORD)

    # The dashboard filtered to Claims (and below): the level grid is drawn, Finance is not in it.
    page.goto(f"{base}/insights/")
    page.click("details.filters summary")
    page.select_option("select[name=unit]", str(claims.pk))
    page.click("form.insights-filter button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Claims")
    grid = page.locator(".chart-grid .chart-wide svg")
    expect(grid).to_have_count(1)
    links = page.locator("p.person-links")
    for name in CLAIMS_PEOPLE:
        expect(links).to_contain_text(name)
    expect(links).not_to_contain_text("Fred Finance")
    dashboard = page.url

    # Drill into Sam (Foundation in demand and capacity, Practitioner required): a gap, a suggestion.
    links.locator("a", has_text="Sam South").click()
    expect(page.locator("h1")).to_contain_text("Sam South")
    expect(page.locator(".radar .chart-wide svg")).to_have_count(1)
    suggestion = page.locator("form.suggestion").first
    title = suggestion.locator("input[name=title]").get_attribute("value")
    assert title
    suggestion.locator("button:has-text('Add to plan')").click()
    plan = page.locator("#plan table")
    expect(plan).to_contain_text(title)
    assert DevelopmentAction.objects.filter(person=skilled.people["E003"], title=title).exists()

    # Back to the unit: the team report as PDF and as XLSX, each through its job page.
    page.goto(dashboard)
    pdf = download(page, "pdf")
    assert pdf.startswith(b"%PDF")
    from pypdf import PdfReader

    text = re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages))
    assert "People × elements" in text
    for name in CLAIMS_PEOPLE:
        assert name in text, name
    assert "Fred Finance" not in text

    page.goto(dashboard)
    xlsx = download(page, "xlsx")
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(xlsx))
    cells = " ".join(
        str(v) for sheet in book.sheet_names for row in book.get_sheet_by_name(sheet).to_python() for v in row
    )
    for name in CLAIMS_PEOPLE:
        assert name in cells, name
    assert "Fred Finance" not in cells

    # On a phone the same dashboard fits the screen (the grid scales or scrolls inside its card).
    page.set_viewport_size(PHONE)
    page.goto(dashboard)
    expect(page.locator(".chart-grid .chart-phone svg")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "insights-dashboard-phone.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the dashboard is {overflow}px wider than a phone screen"
