"""Authoring in a real browser: adapt SOMS, edit a statement in place, publish, start the next
draft, reword, publish, and read the comparison — on a desktop and on a phone."""

from __future__ import annotations

import pytest
from django.db.models import F

from soms.frameworks.models import FrameworkVersion
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def shot(page, name, full_page=True):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def edit_inline(page, code, words):
    statement = page.locator(".statement", has=page.locator(".st-code", has_text=code)).first
    statement.locator("a[aria-label='Edit " + code + "']").click()
    form = page.locator("form.statement-edit")
    form.wait_for()
    form.locator("textarea[name=text]").fill(words)
    return form


def test_adapt_edit_publish_and_compare(live_server, world, builtin, page):
    url = live_server.url
    sign_in(page, url, "alice", PASSWORD)
    soms = FrameworkVersion.objects.get(framework__code="soms")

    # Adapt the built-in framework into Alpha's own.
    page.goto(f"{url}/frameworks/versions/{soms.pk}/")
    page.click("text=Adapt into a new framework")
    shot(page, "authoring-new-framework")
    page.fill("#id_name", "Alpha claims skills")
    page.fill("#id_code", "alpha-claims")
    page.click("button:has-text('Create draft')")
    page.wait_for_selector("text=its draft 1 is open")
    assert page.locator("#framework-grid tbody th.grid-element").count() == 7

    # Reword a statement in place (htmx), without leaving the grid.
    form = edit_inline(page, "CX-F1", "Knows our claimant groups and how each reaches the team.")
    shot(page, "authoring-inline-edit")
    form.locator("button:has-text('Save')").click()
    page.wait_for_selector("#framework-grid >> text=Knows our claimant groups and how each reaches the team.")
    assert page.locator("#revision-shown").inner_text() == "2"
    # The page's small forms moved on to the new revision: moving a statement is not a conflict.
    page.locator("button[aria-label='Move DL-P2 up']").click()
    page.wait_for_selector("#framework-grid")
    assert "changed by someone else" not in page.content()
    shot(page, "authoring-draft-grid")
    page.click("text=Levels, elements and areas")
    page.wait_for_selector("#elements")
    shot(page, "authoring-structure")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "authoring-structure-phone", full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("nav.crumbs >> text=Alpha claims skills 1")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "authoring-draft-grid-phone", full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Someone else saves while Alice's editor is open: she is told, and keeps what she typed.
    form = edit_inline(page, "CX-P1", "Shows real claim journeys, complaints included.")
    FrameworkVersion.objects.filter(framework__code="alpha-claims").update(revision=F("revision") + 1)
    form.locator("button:has-text('Save')").click()
    page.wait_for_selector("form.statement-edit >> text=changed by someone else")
    assert page.locator("form.statement-edit textarea[name=text]").input_value() == (
        "Shows real claim journeys, complaints included."
    )
    shot(page, "authoring-inline-conflict", full_page=False)
    page.locator("form.statement-edit button:has-text('Save')").click()
    page.wait_for_selector("#framework-grid >> text=Shows real claim journeys, complaints included.")

    # Publish version 1.
    page.click("text=Publish…")
    page.click("button:has-text('Publish 1')")
    page.wait_for_selector("text=It will not change from now on.")

    # Start version 2, reword another statement, publish it.
    page.click("text=New draft from 1")
    page.fill("#id_label", "2")
    page.click("button:has-text('Start draft')")
    page.wait_for_selector("text=Draft 2 started from 1.")
    form = edit_inline(page, "PM-F1", "Understands the claims KPIs and how they feed improvement.")
    form.locator("button:has-text('Save')").click()
    page.wait_for_selector("#framework-grid >> text=Understands the claims KPIs")
    page.click("text=Publish…")
    page.click("button:has-text('Publish 2')")
    page.wait_for_selector("text=It will not change from now on.")

    # Compare 2 with 1: the rewording shows word by word.
    page.click("text=Compare versions")
    page.wait_for_selector("#diff-table")
    assert "1 reworded" in " ".join(page.locator("#diff-counts").inner_text().split())
    row = page.locator("#diff-table tr.diff-reworded")
    assert "PM-F1" in row.inner_text() and row.locator("ins").first.inner_text() == "claims"
    shot(page, "authoring-diff")

    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "authoring-diff-phone")
    assert page.locator("#diff-table").bounding_box()["width"] <= 390


def test_mapping_page_on_a_phone(live_server, world, builtin, page):
    from soms.frameworks.services.authoring import (
        framework_create,
        framework_version_draft_create,
        version_publish,
    )

    soms = FrameworkVersion.objects.get(framework__code="soms")
    v1 = framework_create(
        organisation=world.org_a,
        actor=world.alice,
        code="a",
        name="Alpha",
        description="",
        kind="skills",
        label="1",
        base=soms,
    )
    version_publish(version=v1, expected_revision=1, actor=world.alice)
    v2 = framework_version_draft_create(framework=v1.framework, base=v1, label="2", actor=world.alice)
    v2.statements.filter(code="DC-F1").update(code="DC-F9")
    sign_in(page, live_server.url, "alice", PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/frameworks/versions/{v2.pk}/mappings/")
    page.wait_for_selector("#mapping-table")
    shot(page, "authoring-mappings-phone", full_page=False)
    page.click("button:has-text('Save mappings')")
    page.wait_for_selector("text=Saved 35 mappings from 1.")
    page.set_viewport_size({"width": 1280, "height": 900})
    shot(page, "authoring-mappings")

    # An incomplete draft says what stops it from being published; the rules read as YAML.
    v2.statements.filter(element__code="delivery", level__code="practitioner").delete()
    page.goto(f"{live_server.url}/frameworks/versions/{v2.pk}/publish/")
    assert "has no statement at: Practitioner" in page.locator("#publish-problems").inner_text()
    shot(page, "authoring-publish-blocked")
    page.goto(f"{live_server.url}/frameworks/versions/{v2.pk}/rules/")
    page.fill("#id_rules", "change_project: {level: expert}\nrefresh_due_months_before: -1")
    page.click("button:has-text('Save rules')")
    page.wait_for_selector(".field .error")
    shot(page, "authoring-rules-errors")

    # The second built-in framework shows its capabilities under their groups.
    smo = FrameworkVersion.objects.get(framework__code="smo-capability")
    page.goto(f"{live_server.url}/frameworks/versions/{smo.pk}/")
    groups = page.locator("#framework-grid tr.grid-group").all_inner_texts()
    assert [g.strip().lower() for g in groups] == ["strategic", "tactical", "operational"]
    shot(page, "smo-capability-grid", full_page=False)
