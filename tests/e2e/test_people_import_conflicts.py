"""The import page when the apply is refused: the organisation changed since the check (the new
dry run shown, with why), and an import another tab is applying; at 1280 and 390 px wide, with no
sideways scroll."""

from __future__ import annotations

import pytest

from soms.people.models import ImportStatus, PeopleImport
from soms.people.services.persons import person_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.people.helpers import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_refused_apply_says_why_on_the_page(live_server, world, page, tmp_path, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server.url, "alice", PASSWORD)
    upload = tmp_path / "hr.csv"
    upload.write_bytes(csv_bytes([["employee_id", "name"], ["N1", "New One"], ["N2", "New Two"]]))
    page.goto(f"{live_server.url}/people/import/")
    page.set_input_files("#id_file", str(upload))
    page.click("button:has-text('Check file')")
    page.wait_for_selector("text=Dry run")
    # Someone adds N1 by hand after the check.
    person_create(organisation=world.org_a, actor=world.alice, employee_id="N1", name="Typed In")
    page.click("text=Apply the import")
    page.wait_for_selector("text=changed since this file was checked")
    assert page.locator(".dry-run-counts").inner_text().split()[:2] == ["1", "to"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"import-changed-{width}.png"), full_page=True)
    record = PeopleImport.objects.latest("id")
    PeopleImport.objects.filter(pk=record.pk).update(status=ImportStatus.APPLYING)
    page.goto(f"{live_server.url}/people/imports/{record.pk}/")
    page.wait_for_selector("text=This import is being applied right now")
    assert page.locator("text=Apply the import").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / f"import-applying-{width}.png"), full_page=True)
