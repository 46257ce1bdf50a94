"""A member adds a file as evidence for a statement, opens it and downloads it; then records a change
project with an outcome and submits it; a coach validates it. Pages checked at 1280 and 390 px."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from soms.assessments.models import ChangeProject, Evidence
from soms.frameworks.models import FrameworkVersion, Statement
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.people.conftest import org  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _fits(page: Any) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"page is {overflow}px wider than the screen"


def test_evidence_and_a_change_project(
    live_server: Any, request: Any, builtin: Any, page: Any, browser: Any, tmp_path: Path
) -> None:
    alpha = request.getfixturevalue("org")
    me = alpha.people["E007"]  # charlie's record
    version = FrameworkVersion.objects.get(framework__organisation__isnull=True, framework__code="soms")
    statement = Statement.objects.filter(
        version=version, element__code="demand-capacity", level__code="foundation"
    ).first()
    assert statement is not None
    base = live_server.url
    sign_in(page, base, "charlie", PASSWORD)

    page.goto(f"{base}/assessments/people/{me.pk}/evidence/new/?statement={statement.pk}")
    page.check("input[name=kind][value=file]")
    page.fill("#id_title", "Demand profile, January")
    page.fill("#id_refers_on", "2026-01-05")
    pdf = tmp_path / "Demand profile.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% demand profile\n")
    page.set_input_files("#id_file", str(pdf))
    assert page.is_checked(f"input[name=statements][value='{statement.pk}']")
    _shot(page, "evidence-form-1280")
    page.click("button:has-text('Add evidence')")
    page.wait_for_url("**/assessments/evidence/*/")
    assert "Demand profile.pdf" in page.inner_text("main")
    _shot(page, "evidence-detail-1280")
    with page.expect_download() as info:
        page.click("a:has-text('Demand profile.pdf')")
    assert info.value.suggested_filename == "Demand profile.pdf"
    item = Evidence.objects.get()

    page.goto(f"{base}/assessments/projects/new/")
    page.fill("#id_code", "CP-1")
    page.fill("#id_title", "Rebalance the North desk")
    page.fill("#id_owner", "E007")
    page.check("input[name=areas][value=demand-capacity]")
    page.check("input[name=areas][value=people-capability]")
    page.select_option("#id_status", "completed")
    page.fill("#id_started_on", "2025-09-01")
    page.fill("#id_completed_on", "2025-12-01")
    page.fill("#id_outcomes-0-description", "Calls answered within 20 s")
    page.fill("#id_outcomes-0-kpi", "Service level")
    page.fill("#id_outcomes-0-before", "62")
    page.fill("#id_outcomes-0-after", "81")
    page.fill("#id_outcomes-0-unit", "%")
    _shot(page, "project-form-1280")
    page.click("button:has-text('Save')")
    page.wait_for_url("**/assessments/projects/*/")
    assert "62 → 81 %" in page.inner_text("main")
    page.select_option("#attach-evidence", str(item.pk))
    page.click("button:has-text('Attach')")
    page.click("button:has-text('Submit for validation')")
    page.wait_for_selector("text=Submitted for validation.")
    _shot(page, "project-detail-1280")
    project = ChangeProject.objects.get()
    assert project.review_status == "submitted" and list(project.evidence.all()) == [item]

    # The same pages on a phone.
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    p = phone.new_page()
    sign_in(p, base, "charlie", PASSWORD)
    for name, url in (
        ("evidence-list-390", f"/assessments/people/{me.pk}/evidence/"),
        ("evidence-form-390", f"/assessments/people/{me.pk}/evidence/new/"),
        ("evidence-detail-390", f"/assessments/evidence/{item.pk}/"),
        ("project-list-390", "/assessments/projects/"),
        ("project-detail-390", f"/assessments/projects/{project.pk}/"),
        ("project-form-390", "/assessments/projects/new/"),
    ):
        p.goto(base + url)
        _fits(p)
        _shot(p, name)
    phone.close()

    # A coach reviews it on the phone and validates it.
    coach = browser.new_context(viewport={"width": 390, "height": 844})
    c = coach.new_page()
    sign_in(c, base, "dana", PASSWORD)
    c.goto(f"{base}/assessments/projects/{project.pk}/review/")
    _fits(c)
    _shot(c, "project-review-390")
    c.click("button:has-text('Validate')")
    c.wait_for_selector("text=validated.")
    coach.close()
    project.refresh_from_db()
    assert project.review_status == "validated"
