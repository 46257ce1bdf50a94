"""The dashboard in a browser at 1280 px and on a phone (390 px): a bad filter beside a valid one
(the unit still applies, the notice names the manager id, the field keeps it), the targets of the
units and teams beneath a parent unit, and a manager's own view titled "Your people". Nothing
makes the page scroll sideways."""

from __future__ import annotations

from typing import Any

import pytest

from soms.people.models import CoverageTarget
from tests.assessments.conftest import soms_version  # noqa: F401  (fixtures)
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.insights.conftest import DC, DELIVERY, skilled  # noqa: F401
from tests.people.conftest import org  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _target(version: Any, organisation: Any, element: str, level: str, minimum: int, **where: Any) -> None:
    CoverageTarget.objects.create(
        organisation=organisation,
        element=version.elements.get(code=element),
        level=version.levels.get(code=level),
        minimum=minimum,
        **where,
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_filters_targets_and_your_people_in_the_browser(
    live_server: Any,
    skilled: Any,  # noqa: F811
    soms_version: Any,  # noqa: F811
    browser: Any,
    width: int,
) -> None:
    a, u = skilled.world.org_a, skilled.units
    _target(soms_version, a, DC, "practitioner", 1, unit=u["north"])
    _target(soms_version, a, DC, "foundation", 2, unit=u["south"])
    _target(soms_version, a, DELIVERY, "foundation", 1, team=skilled.team)
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    for who in ("alice", "priya"):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            sign_in(page, base, who, PASSWORD)
            if who == "alice":
                page.goto(f"{base}/insights/?unit={u['claims'].pk}&manager=NOPE")
                assert page.locator("h1").inner_text() == "Capability: Claims"
                notice = page.locator("#filters-left-out")
                assert "Manager" in notice.inner_text() and "NOPE" in notice.inner_text()
                assert page.input_value("#id_manager") == "NOPE"
                assert "6 people on" in page.locator("p.lead").first.inner_text()
                cover = page.locator("#targets-below")
                assert "3 targets in 3 units and teams under Claims" in cover.inner_text()
                cover.scroll_into_view_if_needed()
            else:
                page.goto(f"{base}/insights/")
                assert page.locator("h1").inner_text() == "Capability: Your people"
                assert "units you manage: North" in page.locator(".scope-note").inner_text()
            page.screenshot(path=str(ARTIFACTS / f"insights-{who}-{width}.png"), full_page=True)
            if who == "alice":
                page.locator("#targets-below").screenshot(
                    path=str(ARTIFACTS / f"insights-targets-{width}.png")
                )
            assert page.evaluate(OVERFLOW) <= 1
        finally:
            context.close()
