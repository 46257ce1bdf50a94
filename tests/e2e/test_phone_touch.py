"""On a phone the open menu stacks under the brand in full-width rows, and every menu entry and
every tool of a draft's grid is a 44 px touch target. Measured in the browser, not by eye."""

from __future__ import annotations

import pytest

from soms.frameworks.models import FrameworkVersion
from soms.frameworks.services.authoring import framework_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

BOXES = "(sel) => [...document.querySelectorAll(sel)].filter(e => e.offsetParent).map(e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.width, b.height]; })"


def test_phone_menu_stacks_and_grid_tools_are_touch_sized(live_server, world, builtin, browser):
    soms = FrameworkVersion.objects.get(framework__code="soms")
    draft = framework_create(
        organisation=world.org_a,
        actor=world.alice,
        code="alpha",
        name="Alpha",
        description="",
        kind="skills",
        label="1",
        base=soms,
    )
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        sign_in(page, live_server.url, "alice", PASSWORD)
        page.goto(live_server.url + "/")
        page.click("label.nav-toggle-label")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "phone-menu-open.png"))
        links = page.evaluate(BOXES, ".mainnav a")
        assert len(links) >= 5
        brand = page.evaluate(BOXES, ".brand")[0]
        for left, top, width, height in links:
            assert left < 40 and width > 300, (left, width)  # a full-width row, not a side column
            assert top > brand[1] + brand[3] - 1  # under the brand, which stays at the top
            assert height >= 44, height
        page.goto(f"{live_server.url}/frameworks/versions/{draft.pk}/")
        page.screenshot(path=str(ARTIFACTS / "phone-draft-grid.png"))
        tools = page.evaluate(BOXES, ".st-tools .btn-icon")
        assert len(tools) >= 4
        assert all(w >= 44 and h >= 44 for _, _, w, h in tools), sorted(
            {(round(w), round(h)) for *_, w, h in tools}
        )
    finally:
        context.close()
