"""Historic results to a profile, in a browser: an owner checks a file of validated judgements (a dry
run), imports it, opens the person's profile from the people page (Practitioner, with dates), looks
at an earlier date (nothing held), shortens Foundation's validity for the organisation, and the
profile says "Expired" in words. Pages fit a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from soms.frameworks.models import FrameworkVersion
from soms.jobs.testing import run_queued_tasks
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.people.conftest import org  # noqa: F401  (the fixture)
from tests.people.helpers import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
HEAD = [
    "employee_id",
    "framework",
    "version",
    "statement",
    "kind",
    "judgement",
    "assessor",
    "validated_by",
    "validated_on",
]


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(ARTIFACTS / f"attainment-{name}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / f"attainment-{name}-phone.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{name}: page is {overflow}px wider than a phone screen"
    page.set_viewport_size(DESKTOP)


def test_historic_results_reach_the_profile(
    live_server: Any,
    org: Any,  # noqa: F811
    builtin: Any,
    page: Any,
    tmp_path: Path,
) -> None:
    base = live_server.url
    soms = FrameworkVersion.objects.get(framework__organisation__isnull=True, framework__code="soms")
    charlie = org.people["E007"]
    rows = [
        ["E007", "soms", "2016", code, "coach", "met", "dana", "E002", "2024-03-01"]
        for code in ("CX-F1", "CX-P1")
    ]
    history = tmp_path / "history.csv"
    history.write_bytes(csv_bytes([HEAD, *rows]))

    sign_in(page, base, "alice", PASSWORD)
    page.goto(f"{base}/assessments/import/")
    page.set_input_files("#id_file", str(history))
    page.click(".import-form button[type=submit]")
    expect(page.locator(".dry-run")).to_contain_text("nothing has been written yet")
    shoot(page, "import-dry-run")
    page.click("#import-held")  # the checked file was kept: no second upload
    expect(page.locator(".messages")).to_contain_text("Imported history.csv: 1 assessments with 2 judgements")

    page.goto(f"{base}/people/{charlie.pk}/")
    page.click("text=Attainment and history")
    levels = page.locator("tr[data-element='customer-experience']")
    expect(levels).to_contain_text("Practitioner")
    expect(levels).to_contain_text("Held")
    expect(levels).to_contain_text("1 Mar 2024")
    expect(page.locator(".chart-box.radar svg")).to_be_visible()
    shoot(page, "profile")

    page.fill("#profile-at", "2024-02-29")
    page.click("text=Show")
    expect(page.locator("tr[data-element='customer-experience']")).to_contain_text("Not held")

    page.goto(f"{base}/assessments/validity/{soms.pk}/")
    form = page.locator("form.validity-level", has_text="Foundation").first
    form.locator("input[name=months]").fill("6")
    form.locator("input[value=months]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/jobs/**")
    run_queued_tasks()
    page.goto(f"{base}/assessments/people/{charlie.pk}/profile/")
    row = page.locator("tr[data-element='customer-experience']")
    expect(row).to_contain_text("Expired")
    expect(page.locator(".profile-attention")).to_contain_text("expired on 1 Sep 2024")
    shoot(page, "profile-expired")
