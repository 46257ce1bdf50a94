"""The audit API: a whole audit through JSON, and bad input answered 4xx with its place named."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from soms.audit.models import Rating
from soms.jobs.testing import jobs_run
from tests.audit.helpers import builtin_template, typical

pytestmark = pytest.mark.django_db


def _j(client: Client, method: str, url: str, body: Any = None) -> Any:
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(client, method)(url, **kwargs)


def test_an_audit_through_the_api(world: Any) -> None:
    template = builtin_template()
    alice = world.client_for(world.alice, world.org_a)
    listed = alice.get("/api/v1/audit-templates").json()
    assert any(t["builtin"] and t["code"] == "soms-service-audit" for t in listed)
    detail = alice.get(f"/api/v1/audit-templates/{template.pk}").json()
    questions = detail["questions"]
    assert len({q["element"] for q in questions}) == 7
    made = _j(
        alice,
        "post",
        "/api/v1/audits",
        {"template_id": template.pk, "title": "API audit", "date": "2026-04-01"},
    )
    assert made.status_code == 201, made.content
    audit_id = made.json()["id"]
    for user in (world.alice, world.charlie):
        assert (
            _j(alice, "post", f"/api/v1/audits/{audit_id}/respondents", {"user_id": user.pk}).status_code
            == 201
        )
    again = _j(alice, "post", f"/api/v1/audits/{audit_id}/respondents", {"user_id": world.charlie.pk})
    assert again.status_code == 409
    invited = _j(
        alice, "post", f"/api/v1/audits/{audit_id}/respondents", {"name": "Pat Visitor", "days": 3}
    ).json()
    token = invited["link"].rstrip("/").rsplit("/", 1)[1]

    class Q:
        def __init__(self, d: dict[str, Any]) -> None:
            self.kind = d["kind"]

    answers = [{"question_id": q["id"], "value": typical(Q(q), 3)} for q in questions]  # type: ignore[arg-type]
    charlie = world.client_for(world.charlie, world.org_a)
    bad = answers[:-1] + [{"question_id": questions[0]["id"], "value": 42}]
    refused = _j(charlie, "put", f"/api/v1/audits/{audit_id}/my-answers", {"answers": bad})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][:3] == ["body", "payload", "answers"]
    assert not Rating.objects.filter(respondent__audit_id=audit_id).exists()
    wide = [dict(a) for a in answers]
    wide[0]["value"] = 1
    assert (
        _j(charlie, "post", f"/api/v1/audits/{audit_id}/my-answers/submit", {"answers": wide}).status_code
        == 200
    )
    late = _j(charlie, "put", f"/api/v1/audits/{audit_id}/my-answers", {"answers": answers})
    assert late.status_code == 409
    top = dict(answers[0], value=5)
    assert (
        _j(
            alice, "post", f"/api/v1/audits/{audit_id}/my-answers/submit", {"answers": [top, *answers[1:]]}
        ).status_code
        == 200
    )
    anon = Client()
    assert anon.get(f"/api/v1/audit-links/{token}").status_code == 200
    assert _j(anon, "post", f"/api/v1/audit-links/{token}/submit", {"answers": answers}).status_code == 200
    assert anon.get("/api/v1/audit-links/sa_nobody").status_code == 404
    spread = alice.get(f"/api/v1/audits/{audit_id}/spread").json()
    assert spread[0]["code"] == questions[0]["code"] and spread[0]["wide"]
    assert charlie.get(f"/api/v1/audits/{audit_id}/spread").status_code == 403
    agreed = _j(alice, "post", f"/api/v1/audits/{audit_id}/consensus-agreed").json()["agreed"]
    assert agreed == len(questions) - 1
    url = f"/api/v1/audits/{audit_id}/consensus/{questions[0]['id']}"
    no_reason = _j(alice, "put", url, {"value": 3})
    assert no_reason.status_code == 422 and no_reason.json()["detail"][0]["loc"] == [
        "body",
        "payload",
        "reason",
    ]
    assert _j(alice, "put", url, {"value": 3, "reason": "The middle of three views"}).status_code == 200
    finding = _j(
        alice,
        "post",
        f"/api/v1/audits/{audit_id}/findings",
        {"element": "customer-experience", "text": "Groups unclear"},
    ).json()
    action = _j(
        alice,
        "post",
        f"/api/v1/audits/{audit_id}/actions",
        {
            "element": "customer-experience",
            "title": "Write the groups down",
            "finding_id": finding["id"],
            "due_date": "2020-01-01",
        },
    )
    assert action.status_code == 201 and action.json()["overdue"]
    assert _j(alice, "post", f"/api/v1/audits/{audit_id}/close").status_code == 200
    assert anon.get(f"/api/v1/audit-links/{token}").status_code == 410
    doc = alice.get(f"/api/v1/audits/{audit_id}").json()
    assert doc["rule_text"].startswith("Weighted mean") and len(doc["elements"]) == 7
    with jobs_run():
        job = _j(alice, "post", f"/api/v1/audits/{audit_id}/reports", {"format": "xlsx"})
    assert job.status_code == 202
    re = _j(alice, "post", f"/api/v1/audits/{audit_id}/reaudit", {"date": "2026-10-01"})
    assert re.status_code == 201 and re.json()["baseline_id"] == audit_id
    cmp = alice.get(f"/api/v1/audits/{re.json()['id']}/comparison").json()
    assert cmp["baseline_id"] == audit_id and cmp["questions"][0]["direction"] == "no longer rated"


@pytest.mark.parametrize(
    "body",
    [
        {"template_id": 999999, "title": "x", "date": "2026-01-01"},
        {"title": "x", "date": "2026-01-01"},
        {"template_id": 1, "title": "   ", "date": "2026-01-01"},
        {"template_id": 1, "title": "x", "date": "yesterday"},
    ],
)
def test_a_bad_audit_is_refused_with_its_field(world: Any, body: dict[str, Any]) -> None:
    builtin_template()
    answer = _j(world.client_for(world.alice, world.org_a), "post", "/api/v1/audits", body)
    assert answer.status_code == 422, answer.content
    assert answer.json()["detail"][0]["loc"][0] == "body"
