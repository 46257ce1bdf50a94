"""A practitioner maps a three-step value stream with a rework loop and reads its figures, then
records a KPI against its target and watches it turn amber, then green."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(ARTIFACTS / f"toolkits-{name}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / f"toolkits-{name}-phone.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{name}: page is {overflow}px wider than a phone screen"
    page.set_viewport_size(DESKTOP)


def step(page: Any, i: int, name: str, process: str, waiting: str, ca: str) -> None:
    page.fill(f"#id_steps-{i}-name", name)
    page.fill(f"#id_steps-{i}-process_time", process)
    page.fill(f"#id_steps-{i}-waiting_time", waiting)
    page.fill(f"#id_steps-{i}-complete_accurate_pct", ca)


def test_value_stream_with_rework_then_kpi_amber_then_green(live_server, world, page):
    sign_in(page, live_server.url, "alice", PASSWORD)

    page.click("nav.mainnav >> text=Value streams")
    page.click("text=New value stream map")
    step(page, 0, "Receive", "10", "0", "90")
    page.select_option("#id_steps-0-office", "front")
    step(page, 1, "Assess", "20", "30", "80")
    step(page, 2, "Pay", "5", "60", "95")
    page.fill("#id_rework-0-from_step", "3")
    page.fill("#id_rework-0-to_step", "2")
    page.fill("#id_rework-0-share_pct", "20")
    page.click("button:has-text('Calculate')")  # htmx swaps the preview in place
    figures = page.locator("#current-state")
    expect(figures.locator("[data-figure=lead_time]")).to_have_text("153.8 minutes")
    expect(figures.locator("[data-figure=pce]")).to_have_text("26.8 %")
    expect(figures.locator("[data-figure=rolled_ca]")).to_have_text("68.4 %")
    assert page.locator("#current-state svg .rework path").count() == 1
    shoot(page, "vsm-preview")

    page.fill("#id_name", "Claims: current state")
    page.click("button:has-text('Save')")
    page.wait_for_selector("h1#result-name:has-text('Claims: current state')")
    expect(page.locator("[data-figure=lead_time]").first).to_have_text("153.8 minutes")
    shoot(page, "vsm-saved")

    page.click("nav.mainnav >> text=KPIs")
    page.click("text=New KPI")
    page.fill("#id_name", "Claims paid within 10 days")
    page.fill("#id_unit", "%")
    page.fill("#id_target", "80")
    page.fill("#id_amber_limit", "70")
    page.click("#kpi-form button[type=submit]")
    page.wait_for_selector("h1#kpi-name")
    expect(page.locator("#kpi-status")).to_have_text("no status")

    page.fill("#id_period", "2026-01-31")
    page.fill("#id_value", "74")
    page.click("#record-form button[type=submit]")
    expect(page.locator("#kpi-status")).to_have_text("amber")
    page.fill("#id_period", "2026-02-28")
    page.fill("#id_value", "83")
    page.click("#record-form button[type=submit]")
    expect(page.locator("#kpi-status")).to_have_text("green")
    expect(page.locator("#kpi-trend")).to_have_text("improving")
    assert page.locator("#kpi-live .chart-wide svg circle.status-green").count() == 1
    shoot(page, "kpi")
