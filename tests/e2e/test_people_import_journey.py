from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from soms.people.models import Person
from soms.tenancy.models import Role
from soms.tenancy.services import membership_set, user_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.people.helpers import xlsx_bytes

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = ["Employee Number", "Full Name", "Line Manager", "Department", "Team", "Hire Date"]
ROWS = [
    ["A100", "Ada Director", "", "Operations", "", dt.date(2015, 1, 5)],
    ["A101", "Bo Manager", "A100", "Operations/Claims", "", dt.date(2018, 3, 1)],
    ["A102", "Cy Handler", "A101", "Operations/Claims/North", "North desk", dt.date(2021, 6, 14)],
    ["A103", "Di Handler", "A101", "Operations/Claims/North", "North desk", "31/12/2022"],  # the bad row
    ["A104", "Ed Finance", "", "Finance", "", dt.date(2020, 9, 1)],
]


def _shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_admin_imports_an_hr_workbook_and_a_manager_sees_their_subtree(
    live_server, world, builtin, page, tmp_path
):
    sign_in(page, live_server.url, "alice", PASSWORD)
    page.click("nav.mainnav >> text=People")
    page.click(".subnav >> text=Import")
    bad = tmp_path / "hr.xlsx"
    bad.write_bytes(xlsx_bytes({"Staff": [HEADER, *ROWS]}))
    page.set_input_files("#id_file", str(bad))
    page.click("button:has-text('Check file')")
    problems = page.locator(".import-problems")
    problems.wait_for()
    text = problems.inner_text()
    assert "1 problem in hr.xlsx; nothing was imported" in text
    assert "5" in text and "start_date" in text and "YYYY-MM-DD" in text  # row 5, its column and why
    _shot(page, "people-import-problems")

    with page.expect_download() as info:
        page.click("#problems-download")
    download = info.value
    assert download.suggested_filename == "hr-problems.csv"
    body = Path(download.path()).read_text(encoding="utf-8")
    assert "5,start_date,31/12/2022" in body

    fixed_rows = [*ROWS[:3], [*ROWS[3][:5], dt.date(2022, 12, 31)], ROWS[4]]
    good = tmp_path / "hr-fixed.xlsx"
    good.write_bytes(xlsx_bytes({"Staff": [HEADER, *fixed_rows]}))
    page.set_input_files("#id_file", str(good))
    page.click("button:has-text('Check file')")
    dry = page.locator(".dry-run")
    dry.wait_for()
    assert "Dry run: nothing has been written yet" in dry.inner_text()
    counts = page.locator(".dry-run-counts").inner_text()
    assert "5\nto create" in counts and "4\nnew units" in counts and "1\nnew teams" in counts
    assert Person.objects.count() == 0
    _shot(page, "people-import-dry-run")
    page.click("button:has-text('Apply the import')")
    tree = page.locator("#org-tree")
    tree.wait_for()
    assert "Imported hr-fixed.xlsx: 5 created" in page.locator(".messages").inner_text()
    rows = {r.get_attribute("data-unit"): r.inner_text() for r in tree.locator("tbody tr").all()}
    assert set(rows) == {"Operations", "Claims", "North", "Finance"}
    assert rows["Operations"].split("\t")[1:3] == ["1", "4"]  # here, and with sub-units
    _shot(page, "people-tree-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "people-tree-390")
    page.click("#org-tree >> text=North")
    page.wait_for_selector("h1:has-text('North')")
    assert "Cy Handler" in page.inner_text("main") and "Di Handler" in page.inner_text("main")
    page.click("text=Cy Handler")
    page.wait_for_selector("h1:has-text('Cy Handler')")
    assert "Ada Director" in page.locator(".manager-chain").inner_text()
    _shot(page, "people-person-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    _shot(page, "people-person-1280")

    # Bo manages nothing by title alone: link a manager login to Bo, who then sees exactly their subtree.
    bo_user = user_create(username="bo", password=PASSWORD)
    membership_set(organisation=world.org_a, user=bo_user, role=Role.MANAGER, actor=world.alice)
    Person.objects.filter(employee_id="A101").update(user=bo_user)
    page.click("summary")
    page.click("text=Sign out")
    sign_in(page, live_server.url, "bo", PASSWORD)
    page.goto(f"{live_server.url}/people/")
    names = set(page.locator(".people-table tbody td:first-child a").all_inner_texts())
    assert names == {"Bo Manager", "Cy Handler", "Di Handler"}
    _shot(page, "people-list-manager-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "people-list-manager-390")
