"""Invitations: the mail leaves from a job (a mail server that is down never fails the page), its
state shows on the members page with "Send again", the printed link is usable, a withdrawn or
expired link lets nobody in, and a member who comes back is linked to their person record again."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone

from soms import settings as soms_settings
from soms.jobs.models import Job, JobStatus
from soms.jobs.testing import jobs_run
from soms.people.models import Invitation, InvitationSend, InvitationStatus, Person
from soms.people.services.members import member_invite, member_remove, person_invite
from soms.tenancy.models import Membership, Role

pytestmark = pytest.mark.django_db

SMTP = "django.core.mail.backends.smtp.EmailBackend"
LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Nothing listens on port 1: connecting is refused at once, as with a mail server that is down.
SMTP_DOWN = {"default": {"BACKEND": SMTP, "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 5}}}
NEW_PASSWORD = "a long new passphrase 7"


def _m(user: Any, org: Any) -> Membership:
    return Membership.objects.get(user=user, organisation=org)


def _link(body: str) -> str:
    found = re.search(r"https?://[^\s/]+/invite/[A-Za-z0-9_-]+/", body)
    assert found, body
    return found.group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def _invite(world: Any, email: str, **kw: Any) -> Membership:
    with jobs_run():
        return member_invite(
            organisation=world.org_a,
            email=email,
            role=kw.pop("role", Role.MEMBER),
            actor=world.alice,
            actor_membership=_m(world.alice, world.org_a),
        )


# --- F31: the mail goes through the job queue; the request never fails because of it ---------------


def test_a_mail_server_that_is_down_never_fails_the_invite_and_the_page_offers_send_again(world, settings):
    settings.MAILERS = SMTP_DOWN
    settings.SOMS_INVITATION_SEND_ATTEMPTS = 1  # one send, no retry (see test_invitation_retries.py)
    owner = world.client_for(world.alice, world.org_a)
    with jobs_run():
        response = owner.post("/organisation/members/", {"email": "new.person@example.org", "role": "member"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(organisation=world.org_a, email="new.person@example.org")
    assert invitation.send_status == InvitationSend.FAILED
    assert "ConnectionRefusedError" in invitation.send_error and invitation.send_attempts == 1
    job = Job.objects.get(organisation=world.org_a, kind__endswith="invitation_send_job")
    assert job.status == JobStatus.FAILED and "was not sent: ConnectionRefusedError" in job.message
    page = owner.get("/organisation/members/").content.decode()
    assert "Not sent" in page and "ConnectionRefusedError" in page
    resend = f"/organisation/members/{_m(invitation.user, world.org_a).pk}/invitation/resend/"
    assert f'action="{resend}"' in page and "Send again" in page

    settings.MAILERS = LOCMEM  # the mail server is back
    with jobs_run():
        assert owner.post(resend).status_code == 302
    invitation.refresh_from_db()
    assert invitation.send_status == InvitationSend.SENT and invitation.send_error == ""
    assert invitation.send_attempts == 2 and len(mail.outbox) == 1
    assert "Sent " in owner.get("/organisation/members/").content.decode()
    # The new link lets the invitee choose a password.
    assert b"Choose your password" in Client().get(_path(_link(mail.outbox[0].body))).content


def test_the_invite_commits_before_any_mail_is_tried(world, settings):
    """Nothing is sent inside the request: without the worker no mail has left, the job waits."""
    settings.MAILERS = SMTP_DOWN
    owner = world.client_for(world.alice, world.org_a)
    response = owner.post("/organisation/members/", {"email": "later@example.org", "role": "member"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="later@example.org")
    assert invitation.send_status == InvitationSend.QUEUED and invitation.token_hash == ""
    assert Job.objects.get(kind__endswith="invitation_send_job").status == JobStatus.QUEUED
    assert "Waiting to be sent" in owner.get("/organisation/members/").content.decode()


def test_person_invite_and_api_invite_survive_a_mail_server_that_is_down(org, settings):
    settings.MAILERS = SMTP_DOWN
    settings.SOMS_INVITATION_SEND_ATTEMPTS = 1  # one send, no retry (see test_invitation_retries.py)
    world = org.world
    Person.objects.filter(pk=org.people["E003"].pk).update(email="sam.south@example.org")
    owner = world.client_for(world.alice, world.org_a)
    with jobs_run():
        page = owner.post(f"/people/{org.people['E003'].pk}/invite/")
        api = owner.post(
            "/api/v1/members",
            {"email": "api.person@example.org", "role": "member"},
            content_type="application/json",
        )
    assert page.status_code == 302 and api.status_code == 201
    assert set(Invitation.objects.values_list("send_status", flat=True)) == {InvitationSend.FAILED}


def test_production_smtp_settings_give_the_mailer_a_host_and_a_timeout(monkeypatch):
    monkeypatch.delenv("SOMS_EMAIL_TIMEOUT", raising=False)
    conf = soms_settings.mailers(SMTP)["default"]
    assert conf["OPTIONS"]["host"] == "localhost" and conf["OPTIONS"]["timeout"] == 10
    from django.utils.module_loading import import_string

    backend = import_string(conf["BACKEND"])(alias="default", **conf["OPTIONS"])
    assert backend.timeout == 10 and backend.port == 25
    # The console backend takes no SMTP options.
    assert soms_settings.mailers("django.core.mail.backends.console.EmailBackend")["default"]["OPTIONS"] == {}


# --- F13 / F14: a link that works as printed, on the configured host and port -----------------------


def test_the_console_backend_prints_the_link_as_it_is(world, settings):
    out = io.StringIO()
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.console.EmailBackend", "OPTIONS": {"stream": out}}
    }
    settings.SOMS_BASE_URL = "https://soms.claims-and-customer-operations.example.co.uk:8443"
    world.org_a.name = "Zürich Claims & Customer Operations Centre (North and South)"
    world.org_a.save()
    _invite(world, "new.person@example.org")
    printed = out.getvalue()
    assert "Content-Transfer-Encoding: 8bit" in printed
    assert "=3D" not in printed and "=\n" not in printed and "Zürich" in printed
    link = _link(printed)
    assert link.startswith("https://soms.claims-and-customer-operations.example.co.uk:8443/invite/")
    assert b"Choose your password" in Client().get(_path(link)).content


def test_the_link_takes_host_and_port_from_soms_base_url(world, settings):
    settings.SOMS_BASE_URL = "http://soms.test:8123"
    _invite(world, "new.person@example.org")
    assert _link(mail.outbox[0].body).startswith("http://soms.test:8123/invite/")


def test_soms_start_links_to_its_own_port_when_no_base_url_is_given(settings, monkeypatch):
    from soms.site.management.commands.start import base_url_default

    monkeypatch.delenv("SOMS_BASE_URL", raising=False)
    monkeypatch.setattr("os.environ", {**__import__("os").environ})
    assert base_url_default("0.0.0.0", 8123) == "http://127.0.0.1:8123"
    assert settings.SOMS_BASE_URL == "http://127.0.0.1:8123"
    import os

    assert os.environ["SOMS_BASE_URL"] == "http://127.0.0.1:8123"  # the worker beside it reads it
    os.environ["SOMS_BASE_URL"] = "https://soms.example.org"
    settings.SOMS_BASE_URL = "https://soms.example.org"
    assert base_url_default("127.0.0.1", 8123) == "https://soms.example.org"


@pytest.mark.parametrize("raw", ["soms.example.org", "ftp://soms.example.org", "http://soms:port", "http://"])
def test_a_base_url_that_cannot_make_links_is_refused_at_start_up(raw):
    with pytest.raises(ImproperlyConfigured, match="SOMS_BASE_URL"):
        soms_settings.base_url(raw)
    assert soms_settings.base_url(" http://127.0.0.1:8123/ ") == "http://127.0.0.1:8123"


# --- withdrawn and expired invitations --------------------------------------------------------------


def test_a_withdrawn_invitation_says_so_and_lets_nobody_set_a_password_or_join(world):
    m = _invite(world, "new.person@example.org")
    path = _path(_link(mail.outbox[0].body))
    user = m.user
    member_remove(membership=m, actor=world.alice, actor_membership=_m(world.alice, world.org_a))
    assert Invitation.objects.get(user=user).status == InvitationStatus.REVOKED
    client = Client()
    page = client.get(path)
    assert page.status_code == 410 and b"This invitation was withdrawn" in page.content
    assert b"new_password1" not in page.content
    posted = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert posted.status_code == 410 and b"This invitation was withdrawn" in posted.content
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert not Membership.objects.filter(user=user).exists()


def test_a_withdrawn_invitation_of_an_existing_login_does_not_let_it_join(world):
    world.charlie.email = "charlie@example.org"
    world.charlie.save()
    with jobs_run():
        member_invite(
            organisation=world.org_b,
            email="charlie@example.org",
            role=Role.MEMBER,
            actor=world.bob,
            actor_membership=_m(world.bob, world.org_b),
        )
    path = _path(_link(mail.outbox[0].body))
    member_remove(membership=_m(world.charlie, world.org_b), actor=world.bob)
    client = world.client_for(world.charlie)
    assert client.post(path).status_code == 410
    assert not Membership.objects.filter(user=world.charlie, organisation=world.org_b).exists()


def test_an_expired_invitation_says_so_and_send_again_gives_a_fresh_link(world):
    m = _invite(world, "new.person@example.org")
    old = _path(_link(mail.outbox[0].body))
    Invitation.objects.filter(user=m.user).update(expires_at=timezone.now() - timedelta(minutes=1))
    client = Client()
    page = client.get(old)
    assert page.status_code == 410 and b"This invitation has expired" in page.content
    assert client.post(old, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 410
    m.user.refresh_from_db()
    assert not m.user.has_usable_password()
    owner = world.client_for(world.alice, world.org_a)
    assert "Expired" in owner.get("/organisation/members/").content.decode()
    with jobs_run():
        owner.post(f"/organisation/members/{m.pk}/invitation/resend/")
    new = _path(_link(mail.outbox[1].body))
    assert new != old
    assert client.get(old).status_code == 404  # the older link was replaced
    done = client.post(new, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert Invitation.objects.get(user=m.user).status == InvitationStatus.ACCEPTED
    assert client.get(new).status_code == 410  # used: it works once


def test_a_link_nobody_issued_answers_404_with_a_page():
    page = Client().get("/invite/not-a-real-token/")
    assert page.status_code == 404 and b"Invitation not found" in page.content


def test_an_accepted_member_has_nothing_to_send_again(world):
    owner = world.client_for(world.alice, world.org_a)
    response = owner.post(f"/organisation/members/{_m(world.charlie, world.org_a).pk}/invitation/resend/")
    assert response.status_code == 302
    assert not Invitation.objects.exists()
    assert "already accepted" in owner.get("/organisation/members/").content.decode()


# --- F27: a member who comes back is linked to their person record again ---------------------------


def test_a_removed_member_invited_again_is_relinked_to_their_person_when_they_accept(org):
    world = org.world
    charlie_person = org.people["E007"]
    assert charlie_person.user == world.charlie
    world.charlie.email = "charlie@example.org"
    world.charlie.save()
    owner = _m(world.alice, world.org_a)
    member_remove(membership=_m(world.charlie, world.org_a), actor=world.alice, actor_membership=owner)
    charlie_person.refresh_from_db()
    assert charlie_person.user is None and charlie_person.former_user == world.charlie
    _invite(world, "charlie@example.org")
    assert "Sign in with your existing login" in mail.outbox[0].body
    path = _path(_link(mail.outbox[0].body))
    anonymous = Client().get(path)
    assert anonymous.status_code == 200 and b"Sign in to accept" in anonymous.content
    client = world.client_for(world.charlie)
    assert b"Join Alpha Services" in client.get(path).content
    assert client.post(path).status_code == 302
    charlie_person.refresh_from_db()
    assert charlie_person.user == world.charlie and charlie_person.former_user is None
    # Someone else signed in cannot accept it for them.
    assert Invitation.objects.get(user=world.charlie).status == InvitationStatus.ACCEPTED


def test_a_new_login_is_linked_to_the_one_person_with_its_email_when_it_accepts(org):
    world = org.world
    Person.objects.filter(pk=org.people["E004"].pk).update(email="Sue.Junior@example.org")
    m = _invite(world, "sue.junior@example.org")
    client = Client()
    path = _path(_link(mail.outbox[0].body))
    assert (
        client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 302
    )
    assert Person.objects.get(pk=org.people["E004"].pk).user == m.user


def test_another_login_signed_in_cannot_accept_an_existing_logins_invitation(world):
    world.charlie.email = "charlie@example.org"
    world.charlie.save()
    with jobs_run():
        member_invite(
            organisation=world.org_b, email="charlie@example.org", role=Role.MEMBER, actor=world.bob
        )
    path = _path(_link(mail.outbox[0].body))
    dana = world.client_for(world.dana)
    page = dana.get(path)
    assert (
        page.status_code == 200
        and b"Sign out" in page.content
        and b"<form" not in page.content.split(b"<main")[-1]
    )
    dana.post(path)
    assert Invitation.objects.get(user=world.charlie).status == InvitationStatus.PENDING


def test_a_person_invite_links_at_once_and_a_re_invite_withdraws_the_older_link(org):
    world = org.world
    sam = org.people["E003"]
    Person.objects.filter(pk=sam.pk).update(email="sam.south@example.org")
    sam.refresh_from_db()
    with jobs_run():
        person_invite(person=sam, actor=world.alice, actor_membership=_m(world.alice, world.org_a))
    first = Invitation.objects.get()
    assert first.person == sam and first.send_status == InvitationSend.SENT
    with jobs_run():
        person_invite(person=sam, actor=world.alice, actor_membership=_m(world.alice, world.org_a))
    first.refresh_from_db()
    assert first.status == InvitationStatus.REVOKED
    assert get_user_model().objects.filter(email="sam.south@example.org").count() == 1


def test_the_api_shows_the_invitation_state_and_sends_it_again(world, settings):
    settings.MAILERS = SMTP_DOWN
    settings.SOMS_INVITATION_SEND_ATTEMPTS = 1  # one send, no retry (see test_invitation_retries.py)
    owner = world.client_for(world.alice, world.org_a)
    with jobs_run():
        made = owner.post(
            "/api/v1/members",
            {"email": "api.person@example.org", "role": "member"},
            content_type="application/json",
        )
    assert made.status_code == 201 and made.json()["invitation"]["send_status"] == "queued"
    listed = {m["email"]: m for m in owner.get("/api/v1/members").json()}
    invitation = listed["api.person@example.org"]["invitation"]
    assert invitation["send_status"] == "failed" and "ConnectionRefusedError" in invitation["send_error"]
    assert listed["alice@example.org"]["invitation"] is None
    settings.MAILERS = LOCMEM
    with jobs_run():
        again = owner.post(f"/api/v1/members/{made.json()['id']}/invitation/resend")
    assert again.status_code == 202
    listed = {m["email"]: m for m in owner.get("/api/v1/members").json()}
    assert listed["api.person@example.org"]["invitation"]["send_status"] == "sent" and len(mail.outbox) == 1
    charlie = _m(world.charlie, world.org_a).pk
    refused = owner.post(f"/api/v1/members/{charlie}/invitation/resend")
    assert refused.status_code == 409 and "already accepted" in refused.json()["detail"]


def _members_page_queries(client: Client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/organisation/members/").status_code == 200
    return len(queries)


def test_the_members_page_reads_invitations_in_one_query_whatever_the_number_of_members(world):
    owner = world.client_for(world.alice, world.org_a)
    _invite(world, "first@example.org")
    few = _members_page_queries(owner)
    for n in range(6):
        _invite(world, f"more{n}@example.org")
    with jobs_run():  # an older, withdrawn invitation beside the newest one
        owner.post(
            f"/organisation/members/{_m(get_user_model().objects.get(email='more0@example.org'), world.org_a).pk}/invitation/resend/"
        )
    assert _members_page_queries(owner) == few
