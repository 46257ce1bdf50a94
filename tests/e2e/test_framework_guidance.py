"""The authoring pages that guide an author, on a desktop and on a phone: first steps on an empty
draft, a level the rules keep, changed statements first on the mapping page, and rules errors in
plain words. No page is wider than a 390 px screen."""

from __future__ import annotations

import pytest

from soms.frameworks.models import FrameworkVersion
from soms.frameworks.services.authoring import (
    framework_create,
    framework_version_draft_create,
    version_publish,
)
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def both_widths(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    for width, suffix in ((1280, ""), (390, "-phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"{name}{suffix}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    page.set_viewport_size({"width": 1280, "height": 900})


def test_guidance_pages_at_desktop_and_phone_width(live_server, world, builtin, page):
    url = live_server.url
    soms = FrameworkVersion.objects.get(framework__code="soms")
    blank = framework_create(
        organisation=world.org_a,
        actor=world.alice,
        code="blank",
        name="Blank",
        description="",
        kind="skills",
        label="1",
        base=None,
    )
    v1 = framework_create(
        organisation=world.org_a,
        actor=world.alice,
        code="alpha",
        name="Alpha",
        description="",
        kind="skills",
        label="1",
        base=soms,
    )
    version_publish(version=v1, expected_revision=1, actor=world.alice)
    v2 = framework_version_draft_create(framework=v1.framework, base=v1, label="2", actor=world.alice)
    v2.statements.filter(code="DC-F1").update(code="DC-F9")
    sign_in(page, url, "alice", PASSWORD)

    page.goto(f"{url}/frameworks/versions/{blank.pk}/")
    page.wait_for_selector("#first-steps")
    both_widths(page, "guidance-blank-framework")

    page.goto(f"{url}/frameworks/versions/{v2.pk}/edit/")
    assert page.locator("#levels .kept-by").count() >= 1
    both_widths(page, "guidance-structure-levels")

    # Opened from the older version, the mapping reads 1 -> 2, changed statements first.
    page.goto(f"{url}/frameworks/versions/{v1.pk}/mappings/")
    page.wait_for_selector("#mapping-table")
    assert "1 → 2" in page.locator("h1").inner_text()
    assert not page.locator("#mapping-same").evaluate("d => d.open")
    both_widths(page, "guidance-mappings")

    page.goto(f"{url}/frameworks/versions/{v2.pk}/rules/")
    page.fill("#id_rules", "cumulative_levels: [true\nscale_note: x")
    page.click("button:has-text('Save rules')")
    page.wait_for_selector(".field .error")
    assert "Not readable as YAML at line" in page.locator(".field .error").first.inner_text()
    both_widths(page, "guidance-rules-error")

    page.goto(f"{url}/frameworks/import/")
    bad = ARTIFACTS / "bad-columns.csv"
    bad.write_text("element,level_code,statement_code,statement_text,colour\r\ne1,b,S1,x,red\r\n")
    page.set_input_files("#id_file", str(bad))
    page.click("button:has-text('Import')")
    page.wait_for_selector("#import-help")
    both_widths(page, "guidance-import-help")
