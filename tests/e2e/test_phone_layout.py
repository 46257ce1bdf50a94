"""At a phone's width (390 px) no page is wider than the screen: wide tables scroll inside their own
box and the grid stacks into cards. Checked in the test, not only by eye (screenshots go to
test-artifacts/ for people to look at)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from soms.frameworks.models import FrameworkVersion
from soms.tenancy.models import Membership, Role
from soms.tenancy.services import api_token_create, membership_set, user_create
from soms.toolkits.kpi.services import kpi_measurement_record
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.toolkits.capacity.conftest import erlang_study, plan_study
from tests.toolkits.practice.conftest import a_kpi, saved

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


# Every chart on the screen fits its card (scaled, not scrolled), and its text reads at least
# 9 px high once scaled; charts drawn as maps (value streams: wide by nature) may scroll in their box.
CHARTS = """() => {
  const out = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    const box = svg.getBoundingClientRect();
    if (box.width === 0 || svg.closest('.tk-map')) continue;
    const card = svg.closest('.chart-box') || svg.parentElement;
    if (box.width > card.clientWidth + 1) out.push(svg.id + ' ' + svg.getAttribute('aria-label') + ': ' + Math.round(box.width) + ' px in a card of ' + card.clientWidth);
    const scale = svg.getScreenCTM().a;
    for (const t of svg.querySelectorAll('text')) {
      const size = parseFloat(getComputedStyle(t).fontSize) * scale;
      const where = t.getBoundingClientRect();
      if (where.width > 0 && size < 9) {
        out.push(svg.getAttribute('aria-label') + ': text "' + t.textContent.slice(0, 30) + '" at ' + size.toFixed(1) + ' px');
        break;
      }
      // Text running past the drawing's edge is cut off.
      if (where.width > 0 && (where.right > box.right + 1 || where.left < box.left - 1)) {
        out.push(svg.getAttribute('aria-label') + ': text "' + t.textContent.slice(0, 30) + '" runs off the edge');
        break;
      }
    }
  }
  return out.slice(0, 6);
}"""


def check(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)
    found = page.evaluate(WIDEST)
    assert found["overflow"] <= 1 and not found["offenders"], f"{name}: wider than a phone: {found}"
    charts = page.evaluate(CHARTS)
    assert not charts, f"{name}: charts do not fit or read on a phone: {charts}"
    for k, chart in enumerate(page.locator(".chart-phone svg, .tk-map svg").all()[:5]):
        if chart.is_visible():
            chart.screenshot(path=str(ARTIFACTS / f"phone-{name}-chart{k}.png"))


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
    kpi = a_kpi(world)
    for month, value in enumerate([62, 71, 76, 83, 79, 85], start=1):
        kpi_measurement_record(
            kpi=kpi,
            membership=Membership.objects.get(user=world.alice, organisation=world.org_a),
            actor=world.alice,
            period=date(2026, month, 1),
            value=value,
        )
    delivery = saved("delivery_system", world.org_a, world.alice)
    stakeholders = saved("stakeholder_map", world.org_a, world.alice)
    stream = saved("value_stream", world.org_a, world.alice)
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
            ("capacity-home", "/capacity/"),
            ("people", "/people/"),
            ("org-tree", "/people/tree/"),
            ("frameworks", "/frameworks/"),
            ("kpi", f"/kpis/{kpi.pk}/"),
            ("delivery", f"/delivery/{delivery.pk}/"),
            ("stakeholders", f"/stakeholders/{stakeholders.pk}/"),
            ("value-stream", f"/value-streams/{stream.pk}/"),
        ]:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, name
            check(page, name)
        # Results computed on the page, not only saved ones: the Erlang calculator and a plan
        # from the built-in sample.
        page.goto(live_server.url + "/capacity/erlang/")
        page.click("button:has-text('Calculate')")
        page.locator("#erlang-result .chart-phone svg").wait_for()
        check(page, "erlang-result")
        page.goto(live_server.url + "/capacity/plan/")
        page.check("input[value=sample]")
        page.click("button:has-text('Compute the plan')")
        page.locator("#staffing-chart .chart-phone svg").wait_for()
        check(page, "plan-result")
        # The open menu stacks inside the screen as well.
        toggle = page.locator("button.nav-toggle, .menu-toggle, [aria-controls]").first
        if toggle.count():
            toggle.click()
            check(page, "menu-open")
    finally:
        context.close()
