"""The assessment pages: my assessments, start, the form by element (htmx and plain posts), the
conflict that keeps what was typed, the queue and the review screen, notifications."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from django.urls import reverse

from soms.assessments.models import Assessment, Judgement
from soms.notifications.models import Notification
from soms.people.models import RoleProfile, RoleRequirement
from tests.assessments.conftest import statements

pytestmark = pytest.mark.django_db

DC = "demand-capacity"


def _charlie(org: Any) -> Any:
    return org.world.client_for(org.world.charlie, org.world.org_a)


def _start(client: Any, version: Any, **extra: Any) -> Any:
    return client.post(reverse("assessment-start"), {"kind": "self", "version": version.pk, **extra})


def test_start_a_self_assessment_and_fill_it_in_without_javascript(org: Any, soms_version: Any) -> None:
    c = _charlie(org)
    page = c.get(reverse("assessment-start"))
    assert page.status_code == 200 and b"Self-assessment" in page.content
    r = _start(c, soms_version)
    assert r.status_code == 302
    a = Assessment.objects.get()
    form = c.get(r["Location"])
    assert form.status_code == 200
    # One element per page with its statements; pages for every element.
    text = form.content.decode()
    assert text.count('class="element-chip') == 7
    assert 'name="revision"' in text and "Save and next" in text
    first = form.context["page"]
    s = first.rows[0].statement
    r = c.post(
        reverse("assessment-save", args=[a.pk]),
        {
            "revision": a.revision,
            "page": 1,
            f"value-{s.pk}": "partly",
            f"comment-{s.pk}": "Some",
            "go": "next",
        },
    )
    assert r.status_code == 302 and r["Location"].endswith("?page=2")
    assert Judgement.objects.get(statement=s).value == "partly"
    # A comment without a judgement is named beside its statement; nothing is written.
    s2 = first.rows[1].statement
    r = c.post(
        reverse("assessment-save", args=[a.pk]),
        {"revision": a.revision + 1, "page": 1, f"value-{s2.pk}": "", f"comment-{s2.pk}": "typed text"},
    )
    assert (
        r.status_code == 422 and b"Choose not yet, partly or met" in r.content and b"typed text" in r.content
    )
    r = c.post(reverse("assessment-submit", args=[a.pk]))
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == "submitted"


def test_a_stale_page_save_answers_409_and_keeps_what_was_typed(org: Any, soms_version: Any) -> None:
    c = _charlie(org)
    _start(c, soms_version)
    a = Assessment.objects.get()
    page = c.get(reverse("assessment", args=[a.pk])).context["page"]
    s = page.rows[0].statement
    url = reverse("assessment-save", args=[a.pk])
    assert c.post(url, {"revision": 1, "page": 1, f"value-{s.pk}": "met"}).status_code == 302
    r = c.post(url, {"revision": 1, "page": 1, f"value-{s.pk}": "partly", f"comment-{s.pk}": "my words"})
    assert r.status_code == 409
    text = r.content.decode()
    assert "changed by charlie" in text and "my words" in text and "Stored now" in text
    assert Judgement.objects.get().value == "met"


def test_htmx_saves_one_statement_and_answers_its_fragment(org: Any, soms_version: Any) -> None:
    c = _charlie(org)
    _start(c, soms_version)
    a = Assessment.objects.get()
    page = c.get(reverse("assessment", args=[a.pk])).context["page"]
    s1, s2 = page.rows[0].statement, page.rows[1].statement
    r = c.post(
        reverse("assessment-save", args=[a.pk]),
        {"revision": 1, "page": 1, "only": str(s1.pk), f"value-{s1.pk}": "met", f"value-{s2.pk}": "partly"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    text = r.content.decode()
    assert f'id="st-{s1.pk}"' in text and f'id="st-{s2.pk}"' not in text
    assert 'id="revision" value="2" hx-swap-oob="true"' in text and "Saved" in text
    assert list(Judgement.objects.values_list("statement_id", "value")) == [(s1.pk, "met")]
    # Its *Add evidence* link comes back to the form's page, not to the save address (POST only).
    back = urllib.parse.quote(f"/assessments/{a.pk}/?page=1", safe="/")
    assert f"next={back}" in text and "save" not in text.split("next=", 1)[1].split('"', 1)[0]
    # Stale: the fragment says so, shows what is stored and keeps the choice made.
    r = c.post(
        reverse("assessment-save", args=[a.pk]),
        {
            "revision": 1,
            "page": 1,
            "only": str(s1.pk),
            f"value-{s1.pk}": "not_yet",
            f"comment-{s1.pk}": "mine",
        },
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and "Not saved" in r.content.decode() and "mine" in r.content.decode()
    assert Judgement.objects.get().value == "met"


def test_required_statements_come_first_and_are_marked(org: Any, soms_version: Any) -> None:
    profile = RoleProfile.objects.create(
        organisation=org.world.org_a, version=soms_version, code="planner", name="Planner"
    )
    element = soms_version.elements.get(code=DC)
    RoleRequirement.objects.create(
        profile=profile, element=element, level=soms_version.levels.get(code="foundation")
    )
    org.people["E007"].role_profiles.add(profile)
    c = _charlie(org)
    _start(c, soms_version)
    a = Assessment.objects.get()
    r = c.get(reverse("assessment", args=[a.pk]))
    page = r.context["page"]
    assert page.element.code == DC  # the required element's page comes first
    assert [row.required for row in page.rows][: len(statements(soms_version, DC, "foundation"))] == [
        True
    ] * len(statements(soms_version, DC, "foundation"))
    assert b"Required by role" in r.content


def test_queue_review_return_and_validate_pages(org: Any, soms_version: Any) -> None:
    c = _charlie(org)
    _start(c, soms_version)
    a = Assessment.objects.get()
    s = c.get(reverse("assessment", args=[a.pk])).context["page"].rows[0].statement
    c.post(reverse("assessment-save", args=[a.pk]), {"revision": 1, "page": 1, f"value-{s.pk}": "met"})
    c.post(reverse("assessment-submit", args=[a.pk]))
    dana = org.world.client_for(org.world.dana, org.world.org_a)
    queue = dana.get(reverse("assessment-queue"))
    assert queue.status_code == 200 and reverse("assessment-review", args=[a.pk]).encode() in queue.content
    review = dana.get(reverse("assessment-review", args=[a.pk]))
    assert b"Validate" in review.content and b"Return with reason" in review.content
    # charlie sees the screen without the buttons, and may not use them.
    own = c.get(reverse("assessment-review", args=[a.pk]))
    assert own.status_code == 200 and b"Return with reason" not in own.content
    assert c.post(reverse("assessment-validate", args=[a.pk])).status_code == 403
    r = dana.post(reverse("assessment-return", args=[a.pk]), {"reason": ""})
    assert r.status_code == 400
    r = dana.post(reverse("assessment-return", args=[a.pk]), {"reason": "Say which month"})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == "returned"
    form = c.get(reverse("assessment", args=[a.pk]))
    assert b"Say which month" in form.content and b"Resubmit" in form.content
    c.post(reverse("assessment-submit", args=[a.pk]))
    assert dana.post(reverse("assessment-validate", args=[a.pk])).status_code == 302
    a.refresh_from_db()
    assert a.status == "validated"
    # The bell: charlie was told of the return and of the validation.
    home = c.get(reverse("assessment-list"))
    assert home.context["unread_notifications"] == 2
    listing = c.get(reverse("notification-list"))
    assert b"Say which month" in listing.content
    n = Notification.objects.filter(user=org.world.charlie).first()
    assert n is not None
    r = c.post(reverse("notification-open", args=[n.pk]))
    assert r.status_code == 302 and r["Location"] == n.url
    n.refresh_from_db()
    assert n.read_at is not None
    # A validated assessment offers a correction, not a save.
    form = c.get(reverse("assessment", args=[a.pk]))
    assert b"Start a correction" in form.content and b"Save and next" not in form.content
    r = c.post(reverse("assessment-correct", args=[a.pk]))
    assert r.status_code == 302
    assert Assessment.objects.get(supersedes=a).status == "draft"


def test_my_assessments_lists_mine_and_the_ones_i_write(org: Any, soms_version: Any) -> None:
    c = _charlie(org)
    _start(c, soms_version)
    priya = org.world.client_for(org.priya, org.world.org_a)
    r = priya.post(
        reverse("assessment-start"),
        {"kind": "manager", "version": soms_version.pk, "person": org.people["E007"].pk},
    )
    assert r.status_code == 302, r.content
    listing = c.get(reverse("assessment-list"))
    assert listing.status_code == 200 and len(listing.context["about_me"].object_list) == 2
    mine = priya.get(reverse("assessment-list"))
    assert len(mine.context["written"].object_list) == 1
    # Outside priya's part of the tree: refused on the form, nothing written.
    r = priya.post(
        reverse("assessment-start"),
        {"kind": "manager", "version": soms_version.pk, "person": org.people["E006"].pk},
    )
    assert r.status_code == 400
    assert Assessment.objects.count() == 2


def test_starting_an_open_assessment_again_names_it_plainly_and_links_to_it(
    org: Any, soms_version: Any
) -> None:
    c = _charlie(org)
    first = _start(c, soms_version)
    a = Assessment.objects.get()
    again = _start(c, soms_version)
    text = again.content.decode()
    assert again.status_code == 409 and Assessment.objects.count() == 1
    assert f"an open self-assessment of {a.person} on this version (#{a.pk}, draft)" in text
    assert "self-assessment assessment" not in text
    assert f'href="{first["Location"]}"' in text
