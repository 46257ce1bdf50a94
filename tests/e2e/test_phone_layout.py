"""At a phone's width (390 px) no page is wider than the screen: wide tables scroll inside their own
box and the grid stacks into cards. Checked in the test, not only by eye (screenshots go to
test-artifacts/ for people to look at)."""

from __future__ import annotations

from typing import Any

import pytest

from soms.frameworks.models import FrameworkVersion
from soms.tenancy.models import Role
from soms.tenancy.services import api_token_create, membership_set, user_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.toolkits.capacity.conftest import erlang_study, plan_study

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
WIDEST = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    // Inside a box that scrolls sideways, an element may be as wide as it needs.
    let scrolled = false;
    for (let p = el.parentElement; p; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.overflowX === 'auto' || style.overflowX === 'scroll' || style.overflowX === 'hidden') {
        scrolled = true; break;
      }
    }
    if (!scrolled && box.width > 0 && box.right > width + 1) {
      out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : ''));
    }
  }
  return {overflow: document.documentElement.scrollWidth - width, offenders: out.slice(0, 5)};
}"""


def check(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)
    found = page.evaluate(WIDEST)
    assert found["overflow"] <= 1 and not found["offenders"], f"{name}: wider than a phone: {found}"


def test_every_everyday_page_fits_a_phone(live_server, world, builtin, browser):
    study = erlang_study(world)
    plan = plan_study(world, simulate=False)
    api_token_create(
        user=world.alice, organisation=world.org_a, name="A token with a long name for the laptop"
    )
    # Long names and addresses make the members table wider than a phone, so its role forms (with
    # visually hidden labels) have to stay inside the table's own scroll box.
    for n in range(3):
        user = user_create(
            username=f"someone.with.a.long.name{n}",
            email=f"someone.with.a.very.long.address{n}@claims-operations.example.org",
            password=PASSWORD,
        )
        membership_set(organisation=world.org_a, user=user, role=Role.MEMBER, actor=world.alice)
    soms = FrameworkVersion.objects.get(framework__code="soms")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        sign_in(page, live_server.url, "alice", PASSWORD)
        for name, path in [
            ("home", "/"),
            ("grid", f"/frameworks/versions/{soms.pk}/"),
            ("members", "/organisation/members/"),
            ("tokens", "/account/tokens/"),
            ("audit-log", "/organisation/audit-log/"),
            ("erlang-study", f"/capacity/studies/{study.pk}/"),
            ("plan-study", f"/capacity/studies/{plan.pk}/"),
        ]:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, name
            check(page, name)
        # The open menu stacks inside the screen as well.
        toggle = page.locator("button.nav-toggle, .menu-toggle, [aria-controls]").first
        if toggle.count():
            toggle.click()
            check(page, "menu-open")
    finally:
        context.close()
