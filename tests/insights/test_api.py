"""Insights over JSON: the same numbers as the pages, paged, scoped; filters outside the scope 404."""

from __future__ import annotations

from typing import Any

import pytest

from soms.insights.models import DevelopmentAction
from tests.insights.conftest import DC

pytestmark = pytest.mark.django_db


def test_overview_gives_the_page_numbers_and_pages_people(skilled: Any, soms_version: Any) -> None:
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    r = client.get("/api/v1/insights/overview", {"limit": 3, "offset": 2})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["people"] == 8 and len(body["rows"]) == 3 and body["offset"] == 2
    gaps = {g["element"]: g for g in body["gaps"]}
    assert gaps[DC]["short"] == 7
    assert any(u["unit"].endswith("North") for u in body["units"])


def test_overview_filter_outside_the_scope_answers_like_a_missing_one(
    skilled: Any, soms_version: Any
) -> None:
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    other = client.get("/api/v1/insights/overview", {"unit": skilled.b_unit.pk})
    outside = client.get("/api/v1/insights/overview", {"unit": skilled.units["finance"].pk})
    missing = client.get("/api/v1/insights/overview", {"unit": 987654})
    assert other.status_code == outside.status_code == missing.status_code == 422
    assert "unit" in other.content.decode()
    assert other.json()["detail"][0]["loc"] == missing.json()["detail"][0]["loc"]
    assert client.get("/api/v1/insights/overview", {"unit": "x"}).status_code == 422


def test_person_and_actions_round_trip_with_conflict(skilled: Any, soms_version: Any) -> None:
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    body = client.get(f"/api/v1/insights/people/{sam.pk}").json()
    row = next(e for e in body["elements"] if e["element"] == DC)
    assert (row["required"], row["attained"], row["gap"]) == ("practitioner", "foundation", 1)
    assert any(s["element"] == DC for s in body["suggestions"])
    r = client.post(
        "/api/v1/development-actions",
        {
            "person_id": sam.pk,
            "version_id": soms_version.pk,
            "element": DC,
            "kind": "coaching",
            "title": "Coach",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    action_id = r.json()["id"]
    patch = {"status": "done", "revision": 1}
    assert (
        client.patch(
            f"/api/v1/development-actions/{action_id}", patch, content_type="application/json"
        ).status_code
        == 200
    )
    again = client.patch(f"/api/v1/development-actions/{action_id}", patch, content_type="application/json")
    assert again.status_code == 409 and again.json()["revision"] == 2  # the one to send next
    listed = client.get("/api/v1/development-actions", {"person": sam.pk}).json()
    assert listed["count"] == 1 and listed["items"][0]["status"] == "done"


def test_bad_action_input_names_the_field_and_writes_nothing(skilled: Any, soms_version: Any) -> None:
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    for payload, field in [
        ({"element": "nope"}, "element"),
        ({"kind": "holiday"}, "kind"),
        ({"title": "\x00"}, "title"),
        ({"due_on": "31/12/2026"}, "due_on"),
    ]:
        body = {
            "person_id": sam.pk,
            "version_id": soms_version.pk,
            "element": DC,
            "kind": "course",
            "title": "T",
        } | payload
        r = client.post("/api/v1/development-actions", body, content_type="application/json")
        assert r.status_code == 422, (payload, r.content)
        assert field in r.content.decode()
    assert not DevelopmentAction.objects.exists()


def test_member_cannot_plan_for_others_over_the_api(skilled: Any, soms_version: Any) -> None:
    nina = skilled.people["E005"]
    client = skilled.world.client_for(skilled.world.charlie, skilled.world.org_a)
    r = client.post(
        "/api/v1/development-actions",
        {"person_id": nina.pk, "version_id": soms_version.pk, "element": DC, "kind": "course", "title": "T"},
        content_type="application/json",
    )
    assert r.status_code == 422 and "person_id" in r.content.decode()


def _action(sam: Any, version: Any, **extra: Any) -> dict[str, Any]:
    return {
        "person_id": sam.pk,
        "version_id": version.pk,
        "element": DC,
        "kind": "course",
        "title": "T",
    } | extra


def test_a_field_the_schema_does_not_know_is_refused_by_name(skilled: Any, soms_version: Any) -> None:
    """`owner` looks settable and `units` looks like a filter: dropped in silence, the client would
    believe the action has that owner or the report covers that unit, when it covers everyone."""
    from soms.jobs.models import Job

    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    r = client.post(
        "/api/v1/development-actions",
        _action(sam, soms_version, owner="bob"),
        content_type="application/json",
    )
    assert r.status_code == 422, r.content
    assert r.json()["detail"][0]["loc"][-1] == "owner"
    assert not DevelopmentAction.objects.exists()
    jobs = Job.objects.count()
    r = client.post(
        "/api/v1/insights/reports",
        {"format": "pdf", "units": [skilled.units["finance"].pk]},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "units", r.content
    assert Job.objects.count() == jobs
    created = client.post(
        "/api/v1/development-actions", _action(sam, soms_version), content_type="application/json"
    )
    action_id = created.json()["id"]
    r = client.patch(
        f"/api/v1/development-actions/{action_id}",
        {"status": "done", "revision": 1, "title": "renamed"},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "title", r.content
    assert DevelopmentAction.objects.get(pk=action_id).status == "planned"


def test_true_is_not_an_id(skilled: Any, soms_version: Any) -> None:
    """JSON `true` is no number: read as 1 it planned for whoever holds id 1 and reported on
    version 1, neither of which the client named."""
    from soms.jobs.models import Job

    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    for field in ("person_id", "version_id"):
        r = client.post(
            "/api/v1/development-actions",
            _action(sam, soms_version, **{field: True}),
            content_type="application/json",
        )
        assert r.status_code == 422, (field, r.content)
        problem = r.json()["detail"][0]
        assert problem["loc"][-1] == field and "not true or false" in problem["msg"]
    assert not DevelopmentAction.objects.exists()
    jobs = Job.objects.count()
    r = client.post(
        "/api/v1/insights/reports", {"format": "xlsx", "version": True}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "version", r.content
    assert "not true or false" in r.json()["detail"][0]["msg"]
    assert Job.objects.count() == jobs
    created = client.post(
        "/api/v1/development-actions", _action(sam, soms_version), content_type="application/json"
    )
    r = client.patch(
        f"/api/v1/development-actions/{created.json()['id']}",
        {"status": "done", "revision": True},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "revision", r.content


def test_text_is_not_an_id(skilled: Any, soms_version: Any) -> None:
    """JSON has numbers: `"person_id": "12"` was read as 12, so a client that built its body from
    text (a page's value pasted in) was never told, and a typo in the text went unseen too."""
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    for field, value in (("person_id", str(sam.pk)), ("version_id", str(soms_version.pk))):
        r = client.post(
            "/api/v1/development-actions",
            _action(sam, soms_version, **{field: value}),
            content_type="application/json",
        )
        assert r.status_code == 422, (field, r.content)
        assert r.json()["detail"] == [
            {"loc": ["body", "payload", field], "msg": "must be a number, not text", "type": "number_type"}
        ]
    assert not DevelopmentAction.objects.exists()
    # The same value as a number is taken, and so is a form's text on the page (every form value is text).
    created = client.post(
        "/api/v1/development-actions", _action(sam, soms_version), content_type="application/json"
    )
    assert created.status_code == 201, created.content
    r = client.patch(
        f"/api/v1/development-actions/{created.json()['id']}",
        {"status": "done", "revision": "1"},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "payload", "revision"], r.content
    assert DevelopmentAction.objects.get(pk=created.json()["id"]).status == "planned"


def test_a_due_date_in_range_is_kept_and_one_outside_writes_nothing(skilled: Any, soms_version: Any) -> None:
    """0001-01-01 to 9999-12-31 were all taken as due dates; a slip of the year is now refused."""
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    r = client.post(
        "/api/v1/development-actions",
        _action(sam, soms_version, due_on="9999-12-31"),
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["detail"] == [
        {
            "loc": ["body", "payload", "due_on"],
            "msg": "must be a date between 1900-01-01 and 2100-12-31",
            "type": "date_range",
        }
    ]
    assert not DevelopmentAction.objects.exists()
    r = client.post(
        "/api/v1/development-actions",
        _action(sam, soms_version, due_on="2100-12-31"),
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["due_on"] == "2100-12-31", r.content


def test_a_key_sent_twice_is_refused_by_name(skilled: Any, soms_version: Any) -> None:
    """Python's JSON reader keeps the last of two equal keys: the client meant one of the two titles
    and could not know which one was kept."""
    import json

    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    body = json.dumps(_action(sam, soms_version))[:-1] + ', "title": "Other"}'
    r = client.post("/api/v1/development-actions", body, content_type="application/json")
    assert r.status_code == 422, r.content
    assert r.json()["detail"] == [
        {
            "loc": ["body", "payload", "title"],
            "msg": "the key 'title' appears twice in one object; send each key once",
            "type": "duplicate_key",
        }
    ]
    assert not DevelopmentAction.objects.exists()


def test_control_characters_in_an_action_are_refused_by_name(skilled: Any, soms_version: Any) -> None:
    """A bell or an escape in a title went through (the plan PDF and the page show it, a CSV or
    XLSX cannot carry it); line breaks belong in notes, not in a one-line title."""
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    for field, value in (
        ("title", "Course\x07"),
        ("title", "Two\nlines"),
        ("notes", "esc \x1b[31m"),
        ("notes", "\x85"),
    ):
        r = client.post(
            "/api/v1/development-actions",
            _action(sam, soms_version, **{field: value}),
            content_type="application/json",
        )
        assert r.status_code == 422, (field, value, r.content)
        problem = r.json()["detail"][0]
        assert problem["loc"][-1] == field and "control characters" in problem["msg"], problem
    assert not DevelopmentAction.objects.exists()
    r = client.post(
        "/api/v1/development-actions",
        _action(sam, soms_version, notes="First line\nsecond line\twith a tab"),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
