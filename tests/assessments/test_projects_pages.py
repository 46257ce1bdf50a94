"""Change-project pages and API: create with outcomes, edit conflicts keep what was typed, review."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from soms.assessments.models import ChangeProject, ElementAttainment
from tests.assessments.conftest import statements, validated

pytestmark = pytest.mark.django_db

DC, PC = "demand-capacity", "people-capability"


def client(world: Any, user: Any) -> Client:
    return world.client_for(user, world.org_a)


def form(version: Any, **kw: Any) -> dict[str, Any]:
    data = {
        "code": "CP-7",
        "title": "Rebalance the desk",
        "scope": "North desk",
        "version": version.pk,
        "owner": "E007",
        "members": "",
        "areas": [DC, PC],
        "status": "completed",
        "started_on": "2025-09-01",
        "completed_on": "2025-12-01",
        "outcomes-TOTAL_FORMS": 2,
        "outcomes-INITIAL_FORMS": 0,
        "outcomes-0-description": "Calls answered in 20 s",
        "outcomes-0-kpi": "service level",
        "outcomes-0-before": "62",
        "outcomes-0-after": "81",
        "outcomes-0-unit": "%",
    }
    return data | kw


def test_create_edit_conflict_and_review_on_pages(org: Any, soms_version: Any) -> None:
    world = org.world
    me = org.people["E007"]
    for level in ("foundation", "practitioner", "senior-practitioner"):
        validated(me, soms_version, statements(soms_version, DC, level), on=date(2025, 12, 10))
    c = client(world, world.charlie)
    page = c.get(reverse("change-project-new"))
    assert page.status_code == 200 and "Customer experience" in page.content.decode()
    answer = c.post(reverse("change-project-new"), form(soms_version))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    p = ChangeProject.objects.get()
    detail = c.get(reverse("change-project", args=[p.pk])).content.decode()
    assert "62 → 81 %" in detail and "Demand and capacity" in detail
    # Bad input: dates in the wrong order, an unknown owner: named, nothing written.
    bad = c.post(
        reverse("change-project-edit", args=[p.pk]),
        form(soms_version, started_on="2026-01-01", owner="B001", revision=1),
    )
    assert bad.status_code == 422
    text = bad.content.decode()
    assert "no person with employee id &#x27;B001&#x27;" in text
    # Two editors: the second, with a stale revision, gets a conflict and keeps what they typed.
    assert (
        c.post(
            reverse("change-project-edit", args=[p.pk]), form(soms_version, title="First", revision=1)
        ).status_code
        == 302
    )
    stale = c.post(
        reverse("change-project-edit", args=[p.pk]), form(soms_version, title="Second take", revision=1)
    )
    assert stale.status_code == 409
    assert (
        "Someone changed this project" in stale.content.decode()
        and 'value="Second take"' in stale.content.decode()
    )
    p.refresh_from_db()
    assert p.title == "First"
    assert c.post(reverse("change-project-submit", args=[p.pk]), {"revision": p.revision}).status_code == 302
    queue = client(world, world.dana).get(reverse("assessment-queue")).content.decode()
    assert "1 change project waiting for validation" in queue
    p.refresh_from_db()
    assert p.review_status == "submitted"
    # charlie (a member, and its owner) may not review; dana (assessor) returns, then validates.
    assert c.get(reverse("change-project-review", args=[p.pk])).status_code == 403
    d = client(world, world.dana)
    assert (
        d.post(
            reverse("change-project-review", args=[p.pk]), {"decision": "return", "reason": ""}
        ).status_code
        == 422
    )
    assert (
        d.post(
            reverse("change-project-review", args=[p.pk]), {"decision": "return", "reason": "Add the KPI"}
        ).status_code
        == 302
    )
    assert c.post(reverse("change-project-submit", args=[p.pk])).status_code == 302
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert (
            d.post(reverse("change-project-review", args=[p.pk]), {"decision": "validate"}).status_code == 302
        )
    p.refresh_from_db()
    assert p.review_status == "validated" and p.validated_by == world.dana
    row = ElementAttainment.objects.select_related("level").get(
        person=me, version=soms_version, element__code=DC
    )
    assert row.level is not None and row.level.code == "senior-practitioner"
    # A validated project: the edit page refuses with a clear message.
    late = c.post(
        reverse("change-project-edit", args=[p.pk]), form(soms_version, title="Late", revision=p.revision)
    )
    assert late.status_code == 409 and "never changes" in late.content.decode()


def test_unknown_area_and_wrong_dates_are_named(org: Any, soms_version: Any) -> None:
    c = client(org.world, org.world.alice)
    answer = c.post(
        reverse("change-project-new"), form(soms_version, started_on="2026-01-01", areas=[DC, "made-up"])
    )
    assert answer.status_code == 422
    text = answer.content.decode()
    assert "Select a valid choice" in text or "not an area" in text
    answer = c.post(reverse("change-project-new"), form(soms_version, started_on="2026-01-01"))
    assert answer.status_code == 422 and "before it started" in answer.content.decode()
    assert not ChangeProject.objects.exists()


def test_api_create_conflict_and_review(org: Any, soms_version: Any) -> None:
    world = org.world
    me = org.people["E007"]
    c = client(world, world.charlie)
    body = {
        "code": "CP-9",
        "title": "Desk rebalance",
        "version_id": soms_version.pk,
        "owner_id": me.pk,
        "areas": [DC, PC],
        "status": "completed",
        "started_on": "2025-09-01",
        "completed_on": "2025-12-01",
        "outcomes": [
            {"description": "Answered in 20 s", "kpi": "SL", "before": 62, "after": 81, "unit": "%"}
        ],
    }
    made = c.post("/api/v1/change-projects", body, content_type="application/json")
    assert made.status_code == 201, made.content
    pid = made.json()["id"]
    assert made.json()["outcomes"][0]["after"] == 81
    taken = c.post("/api/v1/change-projects", body, content_type="application/json")
    assert taken.status_code == 409
    foreign = c.post(
        "/api/v1/change-projects",
        body | {"code": "X", "owner_id": org.b_person.pk},
        content_type="application/json",
    )
    assert foreign.status_code == 422 and foreign.json()["detail"][0]["loc"] == [
        "body",
        "payload",
        "owner_id",
    ]
    order = c.put(
        f"/api/v1/change-projects/{pid}",
        body | {"started_on": "2026-01-01", "revision": 1},
        content_type="application/json",
    )
    assert order.status_code == 422 and order.json()["detail"][0]["loc"] == [
        "body",
        "payload",
        "completed_on",
    ]
    ok = c.put(
        f"/api/v1/change-projects/{pid}",
        body | {"title": "A", "revision": 1},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["revision"] == 2
    stale = c.put(
        f"/api/v1/change-projects/{pid}",
        body | {"title": "B", "revision": 1},
        content_type="application/json",
    )
    assert stale.status_code == 409 and stale.json()["revision"] == 2
    assert (
        c.post(f"/api/v1/change-projects/{pid}/submit", {}, content_type="application/json").status_code
        == 200
    )
    assert (
        c.post(f"/api/v1/change-projects/{pid}/validate", {}, content_type="application/json").status_code
        == 403
    )
    d = client(world, world.dana)
    back = d.post(
        f"/api/v1/change-projects/{pid}/return", {"reason": "More"}, content_type="application/json"
    )
    assert back.status_code == 200 and back.json()["review_status"] == "returned"
    assert (
        c.post(f"/api/v1/change-projects/{pid}/submit", {}, content_type="application/json").status_code
        == 200
    )
    done = d.post(
        f"/api/v1/change-projects/{pid}/validate", {"revision": 99}, content_type="application/json"
    )
    assert done.status_code == 409
    done = d.post(f"/api/v1/change-projects/{pid}/validate", {}, content_type="application/json")
    assert done.status_code == 200 and done.json()["review_status"] == "validated"
    assert [e["action"] for e in done.json()["events"]] == [
        "create",
        "submit",
        "return",
        "resubmit",
        "validate",
    ]
    listed = c.get("/api/v1/change-projects?review_status=validated").json()
    assert [p["id"] for p in listed] == [pid]


def test_date_fields_show_their_dates_in_the_browsers_date_picker(org: Any, soms_version: Any) -> None:
    """A date input shows only an ISO value: in the British format the edit page showed the
    project's dates empty (saving it would clear them) and the evidence form no default date."""
    c = client(org.world, org.world.charlie)
    assert c.post(reverse("change-project-new"), form(soms_version)).status_code == 302
    p = ChangeProject.objects.get()
    edit = c.get(reverse("change-project-edit", args=[p.pk])).content.decode()
    assert 'value="2025-09-01"' in edit and 'value="2025-12-01"' in edit
    evidence = c.get(reverse("evidence-new", args=[org.people["E007"].pk])).content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in evidence


def test_add_a_row_adds_an_empty_outcome_row_without_a_script(org: Any, soms_version: Any) -> None:
    """The button used an inline onclick, which the policy blocks: it added nothing."""
    c = client(org.world, org.world.charlie)
    page = c.post(reverse("change-project-new"), form(soms_version, _reload="row")).content.decode()
    assert 'name="outcomes-TOTAL_FORMS" value="3"' in page
    assert 'value="Calls answered in 20 s"' in page  # what was typed stays
    assert 'name="outcomes-2-description"' in page
    assert ChangeProject.objects.count() == 0
