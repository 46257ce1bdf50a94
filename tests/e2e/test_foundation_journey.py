from __future__ import annotations

import pytest

from soms.frameworks.models import FrameworkVersion
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_switch_organisation_and_open_the_soms_grid(live_server, world, builtin, page):
    sign_in(page, live_server.url, "dana", PASSWORD)
    assert page.locator("h1").inner_text() == "Alpha Services"

    # With scripts on, choosing the organisation is the switch: there is no button to press.
    assert page.locator(".org-switch button").count() == 0
    page.select_option("#org-select", label="Beta Operations")
    page.wait_for_selector("text=You are now working in Beta Operations.")
    assert page.locator("h1").inner_text() == "Beta Operations"

    page.click("nav.mainnav >> text=Frameworks")
    page.click("text=Service Operating Model Skills (SOMS)")
    grid = page.locator("#framework-grid")
    grid.wait_for()
    assert grid.locator("tbody th.grid-element").count() == 7
    headers = grid.locator("thead th").all_inner_texts()
    assert [h.split("\n")[0] for h in headers[1:]] == ["Foundation", "Practitioner", "Senior Practitioner"]
    assert "Loughborough University (2016)" in page.locator(".attribution").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "soms-grid.png"), full_page=True)

    # Phone width: the grid still reads, navigation folds into a menu.
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "soms-grid-phone.png"))
    assert page.locator("label.nav-toggle-label").is_visible()


def test_the_organisation_switcher_works_without_scripts(live_server, world, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "dana", PASSWORD)
        page.select_option("#org-select", label="Beta Operations")
        # Nothing happens on selection alone; the form's own button sends it.
        assert page.locator("h1").inner_text() == "Alpha Services"
        page.click(".org-switch button")
        page.wait_for_selector("text=You are now working in Beta Operations.")
        assert page.locator("h1").inner_text() == "Beta Operations"
    finally:
        context.close()


def test_wrong_password_shows_a_generic_message(live_server, world, page):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "not the password")
    page.click("button[type=submit]")
    assert "correct username and password" in page.locator(".form-errors").inner_text()


def test_framework_of_another_organisation_is_not_found_in_the_browser(live_server, world, builtin, page):
    version = FrameworkVersion.objects.get(framework__code="soms")
    sign_in(page, live_server.url, "alice", PASSWORD)
    ok = page.goto(f"{live_server.url}/frameworks/versions/{version.pk}/")
    assert ok.status == 200
    missing = page.goto(f"{live_server.url}/frameworks/versions/{version.pk + 1000}/")
    assert missing.status == 404
    assert "not part of your current organisation" in page.content()
