"""The Service Audit Tool end to end: three respondents answer (one on a phone), the lead resolves a
disagreement into a consensus, records a finding and an action, closes the audit, downloads the
PDF (which holds the radar and the scoring rule) and starts a re-audit that shows the change."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from soms.audit.models import Audit
from soms.jobs.testing import run_queued_tasks
from tests.audit.helpers import builtin_template
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(ARTIFACTS / f"audit-{name}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / f"audit-{name}-phone.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{name}: page is {overflow}px wider than a phone screen"
    page.set_viewport_size(DESKTOP)


# Answers every question not answered yet: the middle of a maturity scale, "partly", 70.
FILL_REST = """(level) => {
  for (const fs of document.querySelectorAll('fieldset.sa-question')) {
    const radios = [...fs.querySelectorAll('input[type=radio]')];
    if (radios.some(r => r.checked)) continue;
    const number = fs.querySelector('input[type=number]');
    if (number) { if (!number.value) number.value = '70'; continue; }
    const want = radios.find(r => r.value === String(level)) || radios.find(r => r.value === 'partly');
    if (want) want.checked = true;
  }
}"""


def answer(page: Any, base: str, audit_id: int, cx1: str, *, level: int = 3) -> None:
    page.goto(f"{base}/audits/{audit_id}/answer/")
    page.locator("#q-CX1 label.sa-option", has_text=f"{cx1} ·").click()  # a real tap on the first question
    page.evaluate(FILL_REST, level)
    page.click("button[value=submit]")
    expect(page.locator(".messages")).to_contain_text("submitted")


def test_an_audit_from_answers_to_reaudit(live_server: Any, world: Any, browser: Any, page: Any) -> None:
    template = builtin_template()
    base = live_server.url
    sign_in(page, base, "alice", PASSWORD)

    # The lead starts the audit and adds two members besides herself.
    page.click("nav.mainnav >> text=Audits")
    page.click("text=New audit")
    page.fill("#id_title", "Claims service audit")
    page.select_option("#id_template", str(template.pk))
    page.fill("#id_date", "2026-03-02")
    page.click("button:has-text('Start the audit')")
    expect(page.locator("h1")).to_have_text("Claims service audit")
    audit_id = int(re.search(r"/audits/(\d+)/", page.url).group(1))  # type: ignore[union-attr]
    for user in (world.alice, world.charlie, world.dana):
        page.select_option("#id_user", str(user.pk))
        page.click("button:has-text('Add respondent')")
    expect(page.locator("#respondents tbody tr")).to_have_count(3)
    shoot(page, "detail")
    page.goto(f"{base}/audits/templates/{template.pk}/")
    expect(page.locator("#scoring-rule")).to_contain_text("Weighted mean")
    shoot(page, "template")

    answer(page, base, audit_id, "5")

    # Charlie answers on a phone.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    p2 = phone.new_page()
    sign_in(p2, base, "charlie", PASSWORD)
    p2.goto(f"{base}/audits/{audit_id}/answer/")
    ARTIFACTS.mkdir(exist_ok=True)
    p2.screenshot(path=str(ARTIFACTS / "audit-answer-phone-form.png"), full_page=False)
    assert p2.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1
    p2.locator("#q-CX1 label.sa-option", has_text="1 ·").tap()
    p2.evaluate(FILL_REST, 3)
    p2.click("button[value=submit]")
    expect(p2.locator(".messages")).to_contain_text("submitted")
    phone.close()

    dana = browser.new_context(viewport=DESKTOP)
    p3 = dana.new_page()
    sign_in(p3, base, "dana", PASSWORD)
    answer(p3, base, audit_id, "3")
    dana.close()

    # The lead sees CX1 first (1, 3 and 5: the widest spread), agrees the rest, and needs a reason.
    page.goto(f"{base}/audits/{audit_id}/spread/")
    first = page.locator("#spread tbody tr").first
    expect(first).to_have_attribute("data-code", "CX1")
    expect(first).to_contain_text("wide")
    shoot(page, "spread")
    page.click("button:has-text('Take the agreed answer')")
    expect(page.locator(".messages")).to_contain_text("Took the respondents' agreed answer")
    row = page.locator("#spread tbody tr[data-code=CX1]")
    row.locator("select[name=value]").select_option("3")
    row.locator("button:has-text('Record consensus')").click()
    expect(page.locator("#spread tbody tr[data-code=CX1]")).to_contain_text("say why")
    row = page.locator("#spread tbody tr[data-code=CX1]")
    row.locator("textarea[name=reason]").fill("Written down for claims handling only; the middle view holds.")
    row.locator("button:has-text('Record consensus')").click()
    expect(page.locator(".messages")).to_contain_text("Consensus on CX1 recorded")

    # A finding and an action.
    page.goto(f"{base}/audits/{audit_id}/findings/")
    page.select_option("#finding-form select[name=element]", "customer-experience")
    page.fill("#finding-form textarea[name=text]", "Customer groups are known only to the team leaders.")
    page.click("#finding-form button[type=submit]")
    expect(page.locator("#findings")).to_contain_text("Customer groups are known")
    page.fill("#action-form input[name=title]", "Write down the customer groups and their routes")
    page.select_option("#action-form select[name=element]", "customer-experience")
    page.select_option("#action-form select[name=owner]", str(world.charlie.pk))
    page.fill("#action-form input[name=due_date]", "2026-01-15")
    page.click("#action-form button[type=submit]")
    expect(page.locator("#actions")).to_contain_text("overdue")
    shoot(page, "findings")

    # Close, then the results and the PDF.
    page.goto(f"{base}/audits/{audit_id}/spread/")
    page.click("button:has-text('Close the audit')")
    expect(page.locator(".messages")).to_contain_text("The audit is closed")
    expect(page.locator("#scoring-rule")).to_contain_text("Weighted mean")
    shoot(page, "results")
    page.select_option("#export-form select[name=format]", "pdf")
    page.click("#export-form button[type=submit]")
    page.wait_for_url(re.compile(r"/jobs/\d+/"))
    run_queued_tasks()
    page.reload()
    with page.expect_download() as download:
        page.click("text=Download the result")
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    from pypdf import PdfReader

    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(data)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "How the scores are worked out" in text and "Weighted mean: each answer" in text
    assert "score per element" in text and "Customer experience" in text  # the radar's title and axes

    # A re-audit from the baseline: answered higher, it shows the change.
    page.goto(f"{base}/audits/{audit_id}/")
    page.fill("form[action$='/reaudit/'] input[name=date]", "2026-09-14")
    page.click("button:has-text('Start re-audit')")
    expect(page.locator(".messages")).to_contain_text("Re-audit")
    reaudit = Audit.objects.get(baseline_id=audit_id)
    assert reaudit.pk != audit_id
    answer(page, base, reaudit.pk, "4", level=4)
    page.goto(f"{base}/audits/{reaudit.pk}/spread/")
    page.click("button:has-text('Take the agreed answer')")
    page.goto(f"{base}/audits/{reaudit.pk}/results/")
    changes = page.locator("#changes")
    expect(changes).to_contain_text("better")
    expect(changes.locator("tr", has_text="CX1")).to_contain_text("better")
    expect(page.locator("#element-scores thead")).to_contain_text("Baseline")
    shoot(page, "reaudit-results")
    page.goto(f"{base}/audits/{reaudit.pk}/findings/")
    expect(page.locator("#findings")).to_contain_text("carried forward")
