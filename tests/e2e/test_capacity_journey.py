"""A team lead uploads demand, reads the profile and the staffing plan, simulates a day and saves the study."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.toolkits.capacity.conftest import BAD_FILES, demand_csv

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def shoot(page: Any, name: str) -> None:
    """Full-page screenshots at desktop and phone width, for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(ARTIFACTS / f"capacity-{name}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / f"capacity-{name}-phone.png"), full_page=True)
    # Nothing may stick out sideways on a phone.
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{name}: page is {overflow}px wider than a phone screen"
    page.set_viewport_size(DESKTOP)


def test_upload_demand_see_profile_staffing_and_simulation_then_save(live_server, world, page, tmp_path):
    demand = tmp_path / "claims-line.csv"
    demand.write_text(demand_csv(days=22))
    sign_in(page, live_server.url, "alice", PASSWORD)

    page.click("nav.mainnav >> text=Capacity")
    page.wait_for_selector("h1:has-text('Demand and capacity')")
    shoot(page, "home-empty")

    page.click("text=Demand plan from your data")
    shoot(page, "plan-empty")
    page.set_input_files("#id_demand_file", str(demand))
    page.fill("#id_horizon_days", "3")
    page.click("button:has-text('Compute the plan')")

    heatmap = page.locator("#heatmap .chart-wide svg")
    heatmap.wait_for()
    assert heatmap.get_attribute("role") == "img"
    assert "Demand profile" in heatmap.get_attribute("aria-label")
    assert page.locator("#staffing-chart .chart-wide svg .bars rect").count() > 0
    assert page.locator("#forecast-chart .chart-wide svg .band").count() == 2
    assert page.locator("#backtest tbody tr").count() == 2
    assert "claims-line.csv" in page.locator(".carried").inner_text()
    shoot(page, "plan-result")

    # The simulation runs in place (htmx): the rest of the page stays as it is.
    page.fill("#id_replications", "5")
    page.click("#run-simulation")
    page.locator("#simulation-chart .chart-wide svg").wait_for()
    assert "5 times" in page.locator("#simulation").inner_text()
    assert page.locator("#sim-service-level").inner_text().endswith("%")
    assert page.locator("#heatmap .chart-wide svg").count() == 1
    assert page.locator("#id_simulate").is_checked()  # so that saving keeps the simulation

    page.fill("#id_name", "Claims line, three days")
    page.click("button:has-text('Save as study')")
    page.wait_for_selector("#study-name:has-text('Claims line, three days')")
    assert page.locator("#staffing-chart .chart-wide svg").count() == 1
    assert page.locator("#simulation-chart .chart-wide svg").count() == 1
    shoot(page, "study-plan")

    page.click("nav.mainnav >> text=Capacity")
    assert "Claims line, three days" in page.locator("#studies").inner_text()
    shoot(page, "home")


def test_erlang_calculator_recomputes_as_the_form_changes(live_server, world, page):
    sign_in(page, live_server.url, "charlie", PASSWORD)
    page.goto(f"{live_server.url}/capacity/erlang/")
    assert page.locator("#required-agents").inner_text() == "14"
    assert page.locator("#service-level").inner_text() == "88.8 %"
    assert page.locator("#asa").inner_text() == "7.8 s"
    shoot(page, "erlang")
    page.fill("#id_calls", "200")
    expect(page.locator("#required-agents")).not_to_have_text("14")
    assert int(page.locator("#required-agents").inner_text()) > 14
    page.fill("#id_aht", "0")
    page.locator("#erlang-result .form-errors").wait_for()
    assert "Average handle time" in page.locator("#erlang-result .form-errors").inner_text()
    shoot(page, "erlang-error")

    page.fill("#id_aht", "180")
    page.fill("#id_name", "Two hundred calls")
    page.click("button:has-text('Save as study')")
    page.wait_for_selector("#study-name:has-text('Two hundred calls')")
    shoot(page, "study-erlang")


def test_bad_file_lists_rows_and_the_sample_is_labelled(live_server, world, page, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_FILES["negative count"][0] + "2026-03-02T03:00,lots\n")
    sign_in(page, live_server.url, "charlie", PASSWORD)
    page.goto(f"{live_server.url}/capacity/plan/")
    page.set_input_files("#id_demand_file", str(bad))
    page.click("button:has-text('Compute the plan')")
    issues = page.locator("#csv-issues")
    issues.wait_for()
    assert "2 problems" in issues.inner_text() and "cannot be negative" in issues.inner_text()
    shoot(page, "plan-csv-errors")

    page.goto(f"{live_server.url}/capacity/plan/?source=sample")
    page.locator("#heatmap .chart-wide svg").wait_for()
    assert "Synthetic sample data" in page.locator(".sample-banner").inner_text()
    shoot(page, "plan-sample")


def test_demo_studies_open_for_a_newcomer(live_server, page):
    from soms.site.seeding import seed_demo
    from soms.toolkits.capacity.demo import PLAN_NAME

    seed_demo()
    from django.contrib.auth import get_user_model

    priya = get_user_model().objects.get(username="priya.raman")
    priya.set_password(PASSWORD)
    priya.save()
    sign_in(page, live_server.url, "priya.raman", PASSWORD)
    page.goto(f"{live_server.url}/capacity/")
    page.click(f"text={PLAN_NAME}")
    page.locator("#simulation-chart .chart-wide svg").wait_for()
    assert "Synthetic sample data" in page.locator(".sample-banner").inner_text()
    assert "Erlang A" in page.locator("#plan-result").inner_text()
    shoot(page, "study-demo-plan")
