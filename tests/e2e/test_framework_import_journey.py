from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.frameworks.conftest import FIXTURES

pytestmark = pytest.mark.django_db(transaction=True)

BAD_CSV = (
    "element_code,element_name,level_code,level_rank,statement_code,statement_text\r\n"
    "intake,Intake,basic,1,IN-1,Logs every call\r\n"
    "intake,Intake,basic,first,IN-2,Routes calls\r\n"
    "intake,Intake,basic,1,IN-1,Twice\r\n"
)


def test_admin_imports_a_case_package_and_sees_its_grid(live_server, world, builtin, page, tmp_path):
    sign_in(page, live_server.url, "alice", PASSWORD)
    page.click("nav.mainnav >> text=Frameworks")
    page.click("text=Import framework")
    page.wait_for_selector("h1:has-text('Import framework')")

    # A broken file: every problem is listed with its place, and nothing is stored.
    bad = tmp_path / "queue-skills.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    page.set_input_files("#id_file", str(bad))
    page.click("button:has-text('Import')")
    problems = page.locator(".import-problems")
    problems.wait_for()
    text = problems.inner_text()
    assert "2 problems in queue-skills.csv" in text
    assert "row 3, column level_rank" in text and "row 4, column statement_code" in text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "framework-import-problems.png"), full_page=True)

    page.set_input_files("#id_file", str(FIXTURES / "case-servicedesk-de.json"))
    page.check("#id_publish")
    page.click("button:has-text('Import')")
    grid = page.locator("#framework-grid")
    grid.wait_for()
    assert "Kompetenzrahmen Servicedesk" in page.locator("h1").inner_text()
    assert grid.locator("tbody th.grid-element").count() == 2
    assert (
        "Imported Kompetenzrahmen Servicedesk 2025.1 as a published version"
        in page.locator(".messages").inner_text()
    )
    assert page.locator(".downloads a").all_inner_texts() == ["YAML", "JSON", "CSV", "CASE 1.1"]
    page.screenshot(path=str(ARTIFACTS / "framework-imported-grid.png"), full_page=True)

    with page.expect_download() as info:
        page.click(".downloads >> text=CSV")
    assert info.value.suggested_filename == "kompetenzrahmen-servicedesk-2025.1.csv"


def test_importing_an_export_again_offers_the_next_version(live_server, world, builtin, page, tmp_path):
    sign_in(page, live_server.url, "alice", PASSWORD)
    page.goto(f"{live_server.url}/frameworks/import/")
    page.set_input_files("#id_file", str(FIXTURES / "case-servicedesk-de.json"))
    page.click("button:has-text('Import')")
    page.locator("#framework-grid").wait_for()
    with page.expect_download() as info:
        page.click(".downloads >> text=YAML")
    exported = tmp_path / "again.yaml"
    info.value.save_as(exported)

    # The unchanged export again: no dead end, a choice.
    page.goto(f"{live_server.url}/frameworks/import/")
    page.set_input_files("#id_file", str(exported))
    page.click("button:has-text('Import')")
    page.wait_for_selector("#as-version")
    assert "already has a version '2025.1'" in page.locator("#clash-reason").inner_text()
    assert page.input_value("#id_label") == "2025.2"
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "framework-import-choose.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "framework-import-choose-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("#as-version button")
    page.locator("#framework-grid").wait_for()
    assert "2025.2" in page.locator("h1").inner_text()
