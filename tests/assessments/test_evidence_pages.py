"""Evidence pages and API: adding each kind, the download's headers, no public path to files, the
include beside a statement, and who may do what."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from soms.assessments.models import Evidence
from soms.assessments.services.evidence import EvidenceData, evidence_by_statement, evidence_create
from soms.limits import MAX_EVIDENCE_BYTES
from soms.tenancy.models import Membership
from tests.assessments.conftest import statements

pytestmark = pytest.mark.django_db

DC = "demand-capacity"
PDF = b"%PDF-1.4\n%fake but signed\n"


def client(world: Any, user: Any) -> Client:
    return world.client_for(user, world.org_a)


def test_member_adds_a_file_for_a_statement_and_downloads_it(org: Any, soms_version: Any) -> None:
    world, me = org.world, org.people["E007"]
    s = statements(soms_version, DC, "foundation")[0]
    c = client(world, world.charlie)
    form = c.get(reverse("evidence-new", args=[me.pk]) + f"?statement={s.pk}")
    assert form.status_code == 200
    assert re.search(rf'value="{s.pk}"\s+checked', form.content.decode())
    answer = c.post(
        reverse("evidence-new", args=[me.pk]),
        {
            "kind": "file",
            "title": "Demand profile",
            "refers_on": "2026-01-05",
            "statements": [s.pk],
            "file": SimpleUploadedFile("profile.pdf", PDF, content_type="text/html"),
        },
    )
    assert answer.status_code == 302, answer.content[:500]
    item = Evidence.objects.get()
    assert item.content_type == "application/pdf" and list(item.statements.all()) == [s]
    detail = c.get(reverse("evidence-detail", args=[item.pk]))
    assert detail.status_code == 200 and item.sha256 in detail.content.decode()
    download = c.get(reverse("evidence-download", args=[item.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="profile.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-store"
    # The stored name is nowhere on the pages, and no route serves the media directory.
    assert item.file.name not in detail.content.decode()
    assert c.get("/media/" + item.file.name).status_code == 404
    assert c.get("/static/../media/" + item.file.name).status_code == 404
    assert not settings.MEDIA_URL or settings.MEDIA_URL in ("/", "")
    assert not str(settings.MEDIA_ROOT).startswith(str(settings.STATIC_ROOT))


def test_refused_file_and_future_date_show_on_the_form(org: Any) -> None:
    world, me = org.world, org.people["E007"]
    c = client(world, world.charlie)
    answer = c.post(
        reverse("evidence-new", args=[me.pk]),
        {
            "kind": "file",
            "title": "CV",
            "refers_on": "2099-01-01",
            "file": SimpleUploadedFile("cv.pdf", b"MZ\x90\x00"),
        },
    )
    assert answer.status_code == 422
    text = answer.content.decode()
    assert "told by their content" in text and "future" in text
    assert not Evidence.objects.exists()


def test_someone_elses_evidence_is_not_shown_to_a_member(org: Any) -> None:
    world = org.world
    nina = org.people["E005"]  # charlie's manager: charlie sees her name only
    m = Membership.objects.get(organisation=world.org_a, user=world.alice)
    item = evidence_create(
        membership=m,
        actor=world.alice,
        person=nina,
        data=EvidenceData(kind="text", title="Private", refers_on=date(2026, 1, 1), text="x"),
    )
    c = client(world, world.charlie)
    assert c.get(reverse("evidence-detail", args=[item.pk])).status_code == 404
    assert c.get(reverse("evidence-new", args=[nina.pk])).status_code in (403, 404)
    # priya manages the Claims subtree: she sees it, but adds evidence only about herself or people she assesses.
    p = client(world, org.priya)
    assert p.get(reverse("evidence-detail", args=[item.pk])).status_code == 200
    assert p.get(reverse("evidence-new", args=[nina.pk])).status_code == 403


def test_the_include_lists_evidence_with_an_add_link(org: Any, soms_version: Any, rf: Any) -> None:
    from django.template.loader import render_to_string

    world, me = org.world, org.people["E007"]
    s = statements(soms_version, DC, "foundation")[0]
    m = Membership.objects.get(organisation=world.org_a, user=world.charlie)
    item = evidence_create(
        membership=m,
        actor=world.charlie,
        person=me,
        data=EvidenceData(
            kind="link",
            title="Dashboard",
            refers_on=date(2026, 1, 1),
            url="https://example.org/d",
            statement_ids=[s.pk],
        ),
    )
    request = rf.get("/assessments/x/")
    request.user = world.charlie
    html = render_to_string(
        "assessments/_evidence_for_statement.html",
        {"person": me, "statement": s, "membership": m, "request": request},
    )
    assert "Dashboard" in html and reverse("evidence-detail", args=[item.pk]) in html
    assert f"{reverse('evidence-new', args=[me.pk])}?statement={s.pk}" in html
    assert 'rel="noopener noreferrer nofollow"' in html
    # A page showing many statements hands the items over in one query.
    ready = evidence_by_statement(m, me, [s.pk])
    assert [e.pk for e in ready[s.pk]] == [item.pk]
    other = statements(soms_version, DC, "practitioner")[0]
    html = render_to_string(
        "assessments/_evidence_for_statement.html",
        {
            "person": me,
            "statement": other,
            "membership": m,
            "request": request,
            "evidence_by_statement": ready,
        },
    )
    assert "No evidence for this statement yet" in html


def test_api_multipart_upload_read_download_and_limits(org: Any, soms_version: Any, settings: Any) -> None:
    world, me = org.world, org.people["E007"]
    s = statements(soms_version, DC, "foundation")
    c = client(world, world.charlie)
    answer = c.post(
        "/api/v1/evidence",
        {
            "person_id": me.pk,
            "kind": "file",
            "refers_on": "2026-01-05",
            "title": "Deck",
            "statement_ids": [s[0].pk, s[1].pk],
            "file": SimpleUploadedFile("deck.png", b"\x89PNG\r\n\x1a\nrest"),
        },
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["content_type"] == "image/png" and len(body["statements"]) == 2 and body["deletable"]
    got = c.get(f"/api/v1/evidence/{body['id']}/download")
    assert got.status_code == 200 and got["X-Content-Type-Options"] == "nosniff"
    assert got["Content-Disposition"].startswith("attachment")
    listed = c.get(f"/api/v1/evidence?person_id={me.pk}&statement_id={s[1].pk}").json()
    assert [e["id"] for e in listed] == [body["id"]]
    # Bad input: named places, nothing written.
    bad = c.post(
        "/api/v1/evidence",
        {
            "person_id": me.pk,
            "kind": "link",
            "refers_on": "2026-01-05",
            "title": "x",
            "url": "javascript:alert(1)",
        },
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["form", "url"]
    big = c.post(
        "/api/v1/evidence",
        {
            "person_id": me.pk,
            "kind": "file",
            "refers_on": "2026-01-05",
            "title": "big",
            "file": SimpleUploadedFile("big.txt", b"a" * (MAX_EVIDENCE_BYTES + 1)),
        },
    )
    assert big.status_code in (413, 422)
    other = c.post(
        "/api/v1/evidence",
        {"person_id": org.b_person.pk, "kind": "text", "refers_on": "2026-01-05", "title": "x", "text": "y"},
    )
    assert other.status_code == 422 and other.json()["detail"][0]["loc"] == ["form", "person_id"]
    unknown = c.post(
        "/api/v1/evidence",
        {
            "person_id": me.pk,
            "kind": "text",
            "refers_on": "2026-01-05",
            "title": "x",
            "text": "y",
            "colour": "red",
        },
    )
    assert unknown.status_code == 422
    assert Evidence.objects.count() == 1
    # Detach, then delete.
    assert c.delete(f"/api/v1/evidence/{body['id']}/statements/{s[1].pk}").status_code == 204
    assert c.delete(f"/api/v1/evidence/{body['id']}").status_code == 204
    assert not Evidence.objects.exists()


def test_a_reviewer_sees_the_evidence_beside_what_waits_in_their_queue(org: Any, soms_version: Any) -> None:
    """A coach reviews anyone's submitted self-assessment; the evidence beside its statements and
    behind its links was hidden from them (they are neither its assessor nor see the person)."""
    from soms.assessments.models import Assessment, ChangeProject, Judgement

    world = org.world
    charlie = org.people["E007"]
    s = statements(soms_version, DC, "foundation")[0]
    mine = Membership.objects.get(organisation=world.org_a, user=world.charlie)
    item = evidence_create(
        membership=mine,
        actor=world.charlie,
        person=charlie,
        data=EvidenceData(
            kind="text", title="Demand notes", refers_on=date(2026, 1, 1), text="x", statement_ids=[s.pk]
        ),
    )
    a = Assessment.objects.create(
        organisation=world.org_a, person=charlie, version=soms_version, kind="self", assessor=world.charlie
    )
    Judgement.objects.create(organisation=world.org_a, assessment=a, statement=s, value="met")
    coach = client(world, world.dana)
    detail = reverse("evidence-detail", args=[item.pk])
    assert coach.get(detail).status_code == 404  # a draft is nobody else's business
    a.status = "submitted"
    a.save()
    review = coach.get(reverse("assessment-review", args=[a.pk]))
    assert review.status_code == 200 and "Demand notes" in review.content.decode()
    assert coach.get(detail).status_code == 200
    # A change project waiting for review: the coach opens the evidence attached to it.
    other = evidence_create(
        membership=mine,
        actor=world.charlie,
        person=charlie,
        data=EvidenceData(kind="text", title="Project notes", refers_on=date(2026, 1, 1), text="y"),
    )
    p = ChangeProject.objects.create(
        organisation=world.org_a,
        code="CP-9",
        title="North desk",
        version=soms_version,
        owner=charlie,
        areas=[DC],
        status="completed",
        completed_on=date(2026, 1, 5),
        review_status="submitted",
    )
    p.evidence.add(other)
    assert coach.get(reverse("evidence-detail", args=[other.pk])).status_code == 200
    p.review_status = "draft"
    p.save()
    a.status = "draft"
    a.save()
    assert coach.get(reverse("evidence-detail", args=[other.pk])).status_code == 404
