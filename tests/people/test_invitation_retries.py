"""An invitation mail that fails for a reason that passes (the mail server down, a timeout, a 4xx)
is tried again by a task scheduled for later with the tasks API's run_after (no worker sleeps),
each wait four times the one before, SOMS_INVITATION_SEND_ATTEMPTS sends in all; then it is "not
sent" with the reason, as before. A permanent refusal is not retried, and "Send again" overtakes a
try still scheduled (one mail, the newest link)."""

from __future__ import annotations

import smtplib
import socket
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from soms.jobs.models import Job, JobStatus
from soms.jobs.testing import jobs_run, run_queued_tasks
from soms.people.models import Invitation, InvitationSend
from soms.people.services.invitations import send_failure_passes
from tests.people.test_invitations import LOCMEM, SMTP_DOWN, _link, _m, _path

pytestmark = pytest.mark.django_db

EMAIL = "new.person@example.org"


def _scheduled() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(status="READY", task_path__endswith="invitation_send_again"))


def _due_now() -> None:
    """Time passes: every try scheduled is due."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now() - timedelta(seconds=1))


def _invite(client: Any) -> Invitation:
    with jobs_run():
        assert client.post("/organisation/members/", {"email": EMAIL, "role": "member"}).status_code == 302
    return Invitation.objects.get(email=EMAIL)


def _waits(invitation: Invitation) -> float:
    assert invitation.next_send_at is not None
    return (invitation.next_send_at - timezone.now()).total_seconds()


def test_a_server_that_stays_down_is_tried_four_times_then_not_sent(world: Any, settings: Any) -> None:
    settings.MAILERS = SMTP_DOWN
    owner = world.client_for(world.alice, world.org_a)
    invitation = _invite(owner)
    assert invitation.send_status == InvitationSend.QUEUED and invitation.send_attempts == 1
    assert "ConnectionRefusedError" in invitation.send_error and 50 < _waits(invitation) <= 60
    [task] = _scheduled()
    assert abs((task.run_after - invitation.next_send_at).total_seconds()) < 1
    job = Job.objects.get(kind__endswith="invitation_send_job")
    assert job.status == JobStatus.DONE and "not sent yet" in job.message and "tried again at" in job.message
    page = owner.get("/organisation/members/").content.decode()
    assert "Not sent yet" in page and "ConnectionRefusedError" in page and "tried again at" in page
    assert "Send again" in page
    run_queued_tasks()  # not due yet: nothing is tried
    assert Invitation.objects.get(pk=invitation.pk).send_attempts == 1
    for attempt, wait in ((2, 240), (3, 960)):
        _due_now()
        run_queued_tasks()
        invitation.refresh_from_db()
        assert invitation.send_attempts == attempt and invitation.send_status == InvitationSend.QUEUED
        assert wait - 10 < _waits(invitation) <= wait and len(_scheduled()) == 1
    _due_now()
    run_queued_tasks()
    invitation.refresh_from_db()
    assert invitation.send_attempts == 4 and invitation.send_status == InvitationSend.FAILED
    assert "ConnectionRefusedError" in invitation.send_error and "(tried 4 times)" in invitation.send_error
    assert invitation.next_send_at is None and not _scheduled()
    page = owner.get("/organisation/members/").content.decode()
    assert "Not sent</span>" in page and "Not sent yet" not in page
    [member] = [m for m in owner.get("/api/v1/members").json() if m["email"] == EMAIL]
    assert member["invitation"]["send_status"] == "failed" and member["invitation"]["next_send_at"] is None
    assert not mail.outbox


def test_a_server_back_by_the_next_try_delivers_a_working_link(world: Any, settings: Any) -> None:
    settings.MAILERS = SMTP_DOWN
    owner = world.client_for(world.alice, world.org_a)
    invitation = _invite(owner)
    [member] = [m for m in owner.get("/api/v1/members").json() if m["email"] == EMAIL]
    assert member["invitation"]["send_status"] == "queued" and member["invitation"]["next_send_at"]
    settings.MAILERS = LOCMEM
    _due_now()
    run_queued_tasks()
    invitation.refresh_from_db()
    assert invitation.send_status == InvitationSend.SENT and invitation.send_error == ""
    assert invitation.send_attempts == 2 and invitation.next_send_at is None and len(mail.outbox) == 1
    assert b"Choose your password" in Client().get(_path(_link(mail.outbox[0].body))).content


def test_a_permanent_refusal_is_not_retried_and_a_busy_server_is(world: Any, settings: Any) -> None:
    settings.MAILERS = {"default": {"BACKEND": "tests.people.mailers.RefusingBackend"}}
    owner = world.client_for(world.alice, world.org_a)
    invitation = _invite(owner)
    assert invitation.send_status == InvitationSend.FAILED and invitation.send_attempts == 1
    assert "SMTPRecipientsRefused" in invitation.send_error and not _scheduled()
    assert Job.objects.get(kind__endswith="invitation_send_job").status == JobStatus.FAILED
    settings.MAILERS = {"default": {"BACKEND": "tests.people.mailers.BusyBackend"}}
    with jobs_run():
        resent = owner.post(f"/api/v1/members/{_m(invitation.user, world.org_a).pk}/invitation/resend")
    assert resent.status_code == 202
    invitation.refresh_from_db()
    assert invitation.send_status == InvitationSend.QUEUED and "SMTPDataError" in invitation.send_error
    assert len(_scheduled()) == 1


def test_send_again_overtakes_a_scheduled_try(world: Any, settings: Any) -> None:
    settings.MAILERS = SMTP_DOWN
    owner = world.client_for(world.alice, world.org_a)
    invitation = _invite(owner)
    assert len(_scheduled()) == 1
    settings.MAILERS = LOCMEM
    with jobs_run():
        resend = f"/organisation/members/{_m(invitation.user, world.org_a).pk}/invitation/resend/"
        assert owner.post(resend).status_code == 302
    invitation.refresh_from_db()
    assert invitation.send_status == InvitationSend.SENT and invitation.send_attempts == 2
    _due_now()
    run_queued_tasks()  # the old try finds itself overtaken: no second mail, the link stays the newest
    invitation.refresh_from_db()
    assert invitation.send_attempts == 2 and len(mail.outbox) == 1
    assert DBTaskResult.objects.get(task_path__endswith="invitation_send_again").return_value == "overtaken"
    assert b"Choose your password" in Client().get(_path(_link(mail.outbox[0].body))).content


@pytest.mark.parametrize(
    ("exc", "passes"),
    [
        (ConnectionRefusedError(111, "Connection refused"), True),
        (TimeoutError("timed out"), True),
        (socket.gaierror(-3, "Temporary failure in name resolution"), True),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), True),
        (smtplib.SMTPConnectError(554, b"no service"), True),
        (smtplib.SMTPDataError(451, b"try later"), True),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (452, b"mailbox full")}), True),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such user")}), False),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), False),
        (smtplib.SMTPSenderRefused(553, b"sender refused", "soms@localhost"), False),
        (smtplib.SMTPNotSupportedError("SMTPUTF8 not supported"), False),
        (ValueError("bad header"), False),
    ],
)
def test_which_failures_pass(exc: BaseException, passes: bool) -> None:
    assert send_failure_passes(exc) is passes
