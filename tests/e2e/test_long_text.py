"""Unbroken long text wraps inside its cell: a statement of 20,000 characters without a space (old
data from before MAX_STATEMENT_LENGTH, or one at the limit) never pushes the grid's columns off the
screen, on a laptop or on a phone, on the grid and on the statement's own pages."""

from __future__ import annotations

from typing import Any

import pytest

from soms import limits
from soms.frameworks.models import FrameworkVersion, Statement
from soms.frameworks.services.authoring import (
    framework_create,
    framework_version_draft_create,
    version_publish,
)
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.test_phone_layout import WIDEST

pytestmark = pytest.mark.django_db(transaction=True)

# Every table and every column on the page stays inside the window, scroll boxes included: a
# column that can only be reached by scrolling the grid sideways is off screen too.
COLUMNS_OFF_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('table, th, td, .statement, .st-text, textarea, p')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1) out.push(el.tagName.toLowerCase() + ' ' + Math.round(box.right));
  }
  return out.slice(0, 5);
}"""


def _draft_with_long_statements(world: Any) -> tuple[FrameworkVersion, Statement]:
    soms = FrameworkVersion.objects.get(framework__code="soms")
    draft = framework_create(
        organisation=world.org_a,
        actor=world.alice,
        code="long-text",
        name="Long text",
        description="",
        kind="skills",
        label="1",
        base=soms,
    )
    # Written past the edge (as data from before the limit would be): the page must still hold it.
    Statement.objects.filter(version=draft, code="DL-P1").update(text="x" * 20_000)
    Statement.objects.filter(version=draft, code="DL-P2").update(text="y" * limits.MAX_STATEMENT_LENGTH)
    version_publish(version=draft, expected_revision=1, actor=world.alice)
    # A second version rewords the long one, so that Compare and Map statements show both.
    v2 = framework_version_draft_create(framework=draft.framework, base=draft, label="2", actor=world.alice)
    Statement.objects.filter(version=v2, code="DL-P1").update(text="z" * 20_000)
    return v2, v2.statements.get(code="DL-P1")


@pytest.mark.parametrize("width", [1280, 390])
def test_an_unbroken_statement_wraps_on_the_grid_and_its_pages(live_server, world, builtin, browser, width):
    draft, first = _draft_with_long_statements(world)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        sign_in(page, live_server.url, "alice", PASSWORD)
        for name, path in [
            ("grid", f"/frameworks/versions/{draft.pk}/"),
            ("edit", f"/frameworks/versions/{draft.pk}/statements/{first.pk}/edit/"),
            ("delete", f"/frameworks/versions/{draft.pk}/statements/{first.pk}/delete/"),
            ("compare", f"/frameworks/versions/{draft.pk}/diff/"),
            ("map", f"/frameworks/versions/{draft.pk}/mappings/"),
        ]:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, name
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"long-text-{name}-{width}.png"))
            found = page.evaluate(WIDEST)
            assert found["overflow"] <= 1 and not found["offenders"], f"{name} at {width}: {found}"
            assert page.evaluate(COLUMNS_OFF_SCREEN) == [], f"{name} at {width}"
        # The grid's level columns all start on screen.
        page.goto(f"{live_server.url}/frameworks/versions/{draft.pk}/")
        if width > 760:
            lefts = page.eval_on_selector_all(
                "#framework-grid thead th", "ths => ths.map(t => t.getBoundingClientRect().right)"
            )
            assert len(lefts) == 4 and max(lefts) <= width
    finally:
        context.close()
