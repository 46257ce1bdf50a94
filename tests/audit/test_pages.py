"""The audit pages, through the test client: the journey a lead and respondents take."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from soms.audit.models import Audit, Consensus, Rating, Respondent
from soms.audit.services import audits as svc
from soms.jobs.models import Job
from soms.jobs.testing import jobs_run
from tests.audit.helpers import answer_all, builtin_template, make_audit, questions

pytestmark = pytest.mark.django_db


def test_lists_and_template_pages(world: Any) -> None:
    builtin_template()
    client = world.client_for(world.charlie, world.org_a)
    page = client.get(reverse("audits-templates"))
    assert page.status_code == 200 and "SOMS service audit" in page.content.decode()
    t = builtin_template()
    page = client.get(reverse("audits-template", args=[t.pk]))
    text = page.content.decode()
    assert "Weighted mean" in text and "Customer experience" in text and ">Publish<" not in text
    assert client.get(reverse("audits-index")).status_code == 200
    assert client.get(reverse("audits-new")).status_code == 403


def test_create_an_audit_and_answer_it_from_the_pages(world: Any) -> None:
    t = builtin_template()
    lead = world.client_for(world.alice, world.org_a)
    page = lead.post(
        reverse("audits-new"),
        {"title": "Spring audit", "template": t.pk, "date": "2026-03-01", "lead": world.alice.pk},
    )
    assert page.status_code == 302
    audit = Audit.objects.get(title="Spring audit")
    assert (
        lead.post(reverse("audits-respondent-add", args=[audit.pk]), {"user": world.charlie.pk}).status_code
        == 302
    )
    invited = lead.post(
        reverse("audits-respondent-invite", args=[audit.pk]), {"name": "Pat Visitor", "days": 7}
    )
    link = re.search(r"/audits/respond/(sa_[A-Za-z0-9_-]+)/", invited.content.decode())
    assert link, "the personal link is shown once"
    member = world.client_for(world.charlie, world.org_a)
    qs = questions(audit)
    bad = {f"q{q.pk}": "3" for q in qs if q.kind == "maturity"} | {f"q{qs[0].pk}": "9", "action": "submit"}
    page = member.post(reverse("audits-answer", args=[audit.pk]), bad)
    assert page.status_code == 400 and "must be between 1 and 5" in page.content.decode()
    # On a long page the message says which question and links to it.
    assert f'marked below: <a href="#q-{qs[0].code}">{qs[0].code}</a>.' in page.content.decode()
    assert f'id="q-{qs[0].code}"' in page.content.decode()
    assert not Rating.objects.filter(respondent__audit=audit).exists()
    good = {f"q{q.pk}": {"maturity": "3", "yes_partly_no": "partly", "number": "70"}[q.kind] for q in qs} | {
        "action": "submit"
    }
    assert member.post(reverse("audits-answer", args=[audit.pk]), good).status_code == 302
    assert Respondent.objects.get(audit=audit, user=world.charlie).submitted_at is not None
    again = member.post(reverse("audits-answer", args=[audit.pk]), good)
    assert again.status_code == 409 and "can no longer change" in again.content.decode()
    # The invited person answers without signing in.
    from django.test import Client

    anon = Client()
    url = reverse("audits-respond-link", args=[link.group(1)])
    assert anon.get(url).status_code == 200
    assert anon.post(url, good).status_code == 302
    assert anon.get(reverse("audits-respond-link", args=["sa_wrong"])).status_code == 404
    # The lead's spread view, then consensus and close.
    page = lead.get(reverse("audits-spread", args=[audit.pk]))
    assert page.status_code == 200 and "Pat Visitor" in page.content.decode()
    assert lead.post(reverse("audits-consensus-agreed", args=[audit.pk])).status_code == 302
    assert Consensus.objects.filter(audit=audit).count() == len(qs)
    assert lead.post(reverse("audits-close", args=[audit.pk])).status_code == 302
    page = lead.get(reverse("audits-results", args=[audit.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and 'id="scoring-rule"' in text and "<svg" in text
    expired = anon.get(url)
    assert expired.status_code == 410


def test_wide_disagreement_needs_a_reason_on_the_spread_page(world: Any) -> None:
    audit = make_audit(world.org_a, world.alice)
    rs = [svc.respondent_add(audit=audit, user=u, actor=world.alice) for u in (world.alice, world.charlie)]
    answer_all(rs[0], audit, 3, {"CX1": 1})
    answer_all(rs[1], audit, 3, {"CX1": 5})
    cx1 = next(q for q in questions(audit) if q.code == "CX1")
    lead = world.client_for(world.alice, world.org_a)
    page = lead.post(reverse("audits-consensus", args=[audit.pk, cx1.pk]), {"value": "3", "reason": ""})
    assert page.status_code == 400 and "say why" in page.content.decode()
    assert not Consensus.objects.filter(audit=audit).exists()
    ok = lead.post(
        reverse("audits-consensus", args=[audit.pk, cx1.pk]),
        {"value": "3", "reason": "Evidence shows a middle way"},
    )
    assert ok.status_code == 302


def test_findings_actions_and_reports(world: Any) -> None:
    audit = make_audit(world.org_a, world.alice)
    lead = world.client_for(world.alice, world.org_a)
    assert (
        lead.post(
            reverse("audits-finding-add", args=[audit.pk]),
            {"kind": "finding", "element": "delivery", "text": "No map"},
        ).status_code
        == 302
    )
    assert (
        lead.post(
            reverse("audits-action-add", args=[audit.pk]),
            {"element": "delivery", "title": "Map it", "due_date": "2020-01-01", "owner": world.charlie.pk},
        ).status_code
        == 302
    )
    assert (
        lead.post(
            reverse("audits-evidence-add", args=[audit.pk]),
            {"element": "delivery", "text": "Old map", "refers_to": "2025-01-01", "expires_on": "2025-06-01"},
        ).status_code
        == 302
    )
    page = lead.get(reverse("audits-findings", args=[audit.pk]))
    text = page.content.decode()
    assert "overdue" in text and "expired" in text and "No map" in text
    bad = lead.post(reverse("audits-action-add", args=[audit.pk]), {"element": "nowhere", "title": "x"})
    assert bad.status_code == 400
    for fmt in ("json", "xlsx", "pdf"):
        with jobs_run():
            answer = lead.post(reverse("audits-export", args=[audit.pk]), {"format": fmt})
        assert answer.status_code == 302
        job = Job.objects.order_by("-id").first()
        assert job is not None and job.status == "done", job.message if job else None
        data = job.result_file.read()
        if fmt == "pdf":
            assert data.startswith(b"%PDF")
        elif fmt == "json":
            assert b"rule_text" in data
        else:
            assert data[:2] == b"PK"
