"""Invitations: record one, send its mail from a job, send it again, withdraw it, accept it.

The mail never leaves inside a request: the invitation is written with a job in the same
transaction, and the worker sends it once that commits (a mail server that is down or slow cannot
fail or hold up the page that invited). The outcome is kept on the invitation (sent, or not sent
with the reason) so the members page can show it and offer "Send again".

A send that fails for a reason that passes (`send_failure_passes`: the server down, unreachable,
timing out, or answering 4xx "try later") is tried again by a task the worker runs when it is due
(`soms.people.tasks.invitation_send_again`, scheduled with the tasks API's `run_after`), each wait
four times the one before, up to SOMS_INVITATION_SEND_ATTEMPTS sends; no worker sleeps meanwhile.
Then, or at once for a permanent refusal, it is "not sent" with the reason.

Each send makes a fresh random token and keeps only its hash: the link in the newest mail is the
one that works. A withdrawn invitation (the member was removed before accepting) and an expired
one keep their hash, so their link answers with what happened instead of a form.
"""

from __future__ import annotations

import hashlib
import secrets
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage as PythonEmailMessage
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from soms.people.errors import PeopleConflict
from soms.people.models import Invitation, InvitationSend, InvitationStatus, Person
from soms.tenancy.models import Membership, Organisation
from soms.tenancy.services import audit_log_write

# Longest line a mail may carry unencoded (RFC 5322); Django 6.1 quoted-printable-encodes any text
# with a line over 78 characters, which breaks a link that a console or a plain reader shows.
_MAX_8BIT_LINE = 998


class PlainTextEmail(EmailMessage):
    """A text mail whose body travels as itself (8bit UTF-8) whenever its lines allow it: the link
    reads the same in the console backend, in a log and in a mail client."""

    def message(self, *, policy: Any = None) -> PythonEmailMessage:
        msg = super().message() if policy is None else super().message(policy=policy)
        body = str(self.body or "")
        if not msg.is_multipart() and all(len(line) <= _MAX_8BIT_LINE for line in body.splitlines()):
            msg.set_content(body, subtype="plain", charset="utf-8", cte="8bit")
        return msg


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str) -> str:
    return settings.SOMS_BASE_URL.rstrip("/") + reverse("people-invite-accept", args=[token])


def _expiry() -> Any:
    return timezone.now() + timedelta(days=settings.SOMS_INVITATION_DAYS)


def invitation_create(
    *,
    organisation: Organisation,
    user: Any,
    email: str,
    role: str,
    actor: Any,
    person: Person | None = None,
) -> Invitation:
    """A new invitation (any earlier one still pending for this login is withdrawn), and the job
    that sends it once the caller's transaction commits."""
    with transaction.atomic():
        _withdraw_pending(organisation_id=organisation.pk, user_id=user.pk)
        invitation = Invitation.objects.create(
            organisation=organisation,
            user=user,
            email=email,
            role=role,
            person=person,
            invited_by=actor if getattr(actor, "is_authenticated", False) else None,
            expires_at=_expiry(),
        )
        _queue_send(invitation, actor=actor)
    return invitation


def _queue_send(invitation: Invitation, *, actor: Any) -> None:
    from soms.jobs.services import job_start
    from soms.people.jobs import invitation_send_job

    # Not limited by the queue caps: the invitation is already written, its mail must follow.
    job_start(
        job_function=invitation_send_job,
        organisation=invitation.organisation,
        owner=actor,
        title=f"Send the invitation to {invitation.email}",
        params={"invitation_id": invitation.pk},
        limited=False,
    )


def _withdraw_pending(*, organisation_id: int, user_id: int) -> int:
    return Invitation.objects.filter(
        organisation_id=organisation_id, user_id=user_id, status=InvitationStatus.PENDING
    ).update(status=InvitationStatus.REVOKED, answered_at=timezone.now())


def invitations_withdraw(*, membership: Membership) -> int:
    """Withdraw the member's pending invitations (they are being removed): their links stop working."""
    return _withdraw_pending(organisation_id=membership.organisation_id, user_id=membership.user_id)


def latest_invitations(*, organisation: Organisation, user_ids: list[int]) -> dict[int, Invitation]:
    """The newest invitation of each of these logins to the organisation (one query)."""
    out: dict[int, Invitation] = {}
    rows = Invitation.objects.filter(organisation=organisation, user_id__in=user_ids).order_by(
        "user_id", "-created_at", "-id"
    )
    for row in rows:
        out.setdefault(row.user_id, row)
    return out


def invitation_resend(*, membership: Membership, actor: Any) -> Invitation:
    """Send the member's invitation again, with a fresh link valid for the full period. A member who
    has already accepted (or signed in) has nothing to accept."""
    user = membership.user
    latest = latest_invitations(organisation=membership.organisation, user_ids=[user.pk]).get(user.pk)
    if (latest is not None and latest.status == InvitationStatus.ACCEPTED) or (
        latest is None and (user.last_login is not None or user.has_usable_password())
    ):
        raise PeopleConflict(f"{user.get_username()} has already accepted the invitation.")
    person = latest.person if latest is not None else None
    with transaction.atomic():
        if latest is not None and latest.status == InvitationStatus.PENDING:
            latest.expires_at = _expiry()
            latest.send_status = InvitationSend.QUEUED
            # A retry still scheduled is overtaken by this send (it finds no try due and ends).
            latest.next_send_at = None
            latest.save(update_fields=["expires_at", "send_status", "next_send_at"])
            _queue_send(latest, actor=actor)
            invitation = latest
        else:
            invitation = invitation_create(
                organisation=membership.organisation,
                user=user,
                email=user.email or (latest.email if latest else ""),
                role=membership.role,
                actor=actor,
                person=person,
            )
        audit_log_write(
            actor=actor,
            organisation=membership.organisation,
            action="membership.invite_resend",
            obj=membership,
            after={"user": user.get_username(), "email": invitation.email},
        )
    return invitation


def _message(invitation: Invitation, link: str) -> tuple[str, str]:
    organisation = invitation.organisation
    inviter = invitation.invited_by
    who = (inviter.get_full_name() or inviter.get_username()) if inviter else "An administrator"
    user = invitation.user
    days = max(1, round((invitation.expires_at - timezone.now()).total_seconds() / 86400))
    if user.has_usable_password():
        body = (
            f"{who} added you to {organisation.name} in SOMS.\n\n"
            f"Sign in with your existing login ({user.get_username()}) to accept:\n"
            f"{link}\n\n"
            f"Then choose {organisation.name} in the organisation switcher.\n"
        )
    else:
        body = (
            f"{who} invited you to {organisation.name} in SOMS.\n\n"
            "Choose your password here (the link works once):\n"
            f"{link}\n\n"
            f"Your username is {user.get_username()}.\n"
        )
    body += f"\nThe link works for {days} day{'s' if days != 1 else ''}.\n"
    return f"You are invited to {organisation.name} in SOMS", body


def send_failure_passes(exc: BaseException) -> bool:
    """Whether a send failed for a reason that passes, so trying again later may succeed: the mail
    server refused the connection, dropped it, timed out or could not be reached, or answered with
    a 4xx ("try later"). A 5xx (an address refused, the login refused) and any other error do not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPException):
        return False  # e.g. the server lacks what the mail needs (SMTPNotSupportedError)
    # Refused, reset, unreachable, timed out, a host name not resolved (smtplib's are OSErrors too).
    return isinstance(exc, OSError)


def retry_wait(attempt: int) -> timedelta:
    """How long after the `attempt`-th send failed the next is tried: four times longer each time."""
    return timedelta(seconds=settings.SOMS_INVITATION_RETRY_SECONDS * 4 ** (attempt - 1))


def invitation_send(*, invitation: Invitation, attempt: int = 1) -> Invitation:
    """Send the invitation's mail now (the job calls this, and the retry task with `attempt` > 1): a
    fresh link, then the mail; the outcome is recorded on the invitation whatever happens. No
    transaction is held while the mail server is talked to. A failure that passes schedules the next
    try (see the module's docstring) and leaves the invitation waiting to be sent, with the reason."""
    if invitation.status != InvitationStatus.PENDING:
        return invitation
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.send_attempts += 1
    invitation.next_send_at = None
    invitation.save(update_fields=["token_hash", "send_attempts", "next_send_at"])
    subject, body = _message(invitation, invitation_link(token))
    try:
        PlainTextEmail(subject, body, None, [invitation.email]).send()
    except Exception as exc:  # any failure of any backend is the reason shown on the page
        reason = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        if send_failure_passes(exc) and attempt < settings.SOMS_INVITATION_SEND_ATTEMPTS:
            invitation.send_status = InvitationSend.QUEUED
            invitation.send_error = reason[:500]
            invitation.next_send_at = timezone.now() + retry_wait(attempt)
            invitation.save(update_fields=["send_status", "send_error", "next_send_at"])
            _schedule_retry(invitation, attempt + 1)
            return invitation
        invitation.send_status = InvitationSend.FAILED
        invitation.send_error = (reason if attempt == 1 else f"{reason} (tried {attempt} times)")[:500]
        invitation.save(update_fields=["send_status", "send_error"])
        return invitation
    invitation.send_status = InvitationSend.SENT
    invitation.send_error = ""
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["send_status", "send_error", "sent_at"])
    return invitation


def _schedule_retry(invitation: Invitation, attempt: int) -> None:
    from soms.people.tasks import invitation_send_again

    due = invitation.next_send_at
    assert due is not None
    # The database task backend writes the task's row beside the invitation's: no on_commit needed.
    invitation_send_again.using(run_after=due).enqueue(
        invitation_id=invitation.pk, attempt=attempt, due=due.isoformat()
    )


def invitation_send_due(*, invitation_id: int, attempt: int, due: str) -> Invitation | None:
    """The retry task's part: send again if this try is still the one due (not overtaken by "Send
    again", a new invitation, a withdrawal or an answer). Answers the invitation when it was tried."""
    invitation = (
        Invitation.objects.select_related("organisation", "user", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if (
        invitation is None
        or invitation.status != InvitationStatus.PENDING
        or invitation.send_status != InvitationSend.QUEUED
        or invitation.next_send_at is None
        or invitation.next_send_at != datetime.fromisoformat(due)
    ):
        return None
    return invitation_send(invitation=invitation, attempt=attempt)


def invitation_for_token(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("organisation", "user").filter(token_hash=token_hash(token)).first()
    )


def invitation_state(invitation: Invitation) -> str:
    """pending, accepted, revoked or expired: what the link answers."""
    if invitation.status != InvitationStatus.PENDING:
        return str(invitation.status)
    if invitation.expires_at <= timezone.now():
        return "expired"
    if not Membership.objects.filter(
        organisation_id=invitation.organisation_id, user_id=invitation.user_id
    ).exists():
        return "revoked"  # the member was removed some other way (a shell, an older version)
    return "pending"


class InvitationClosed(PeopleConflict):
    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: Any, password: str | None = None) -> Person | None:
    """Accept the invitation as `user` (its login): set the password when one is chosen, and link the
    login to its person record. Answers the person linked, if any. Raises InvitationClosed when the
    invitation was withdrawn, has expired or was used meanwhile."""
    invitation = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
    state = invitation_state(invitation)
    if state != "pending":
        raise InvitationClosed(state)
    if user.pk != invitation.user_id:
        raise PeopleConflict("This invitation is for another login.")
    if password is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
    # Only this send's token can be used again to learn what happened; it can never accept twice.
    invitation.status = InvitationStatus.ACCEPTED
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    person = _relink_person(invitation, user)
    audit_log_write(
        actor=user,
        organisation=invitation.organisation,
        action="user.invite_accept",
        obj=user,
        after={"invitation": invitation.pk, "person": person.pk if person else None},
    )
    return person


def _relink_person(invitation: Invitation, user: Any) -> Person | None:
    """Link the login to its person record in the organisation: the one the invitation named, else
    the record this login was linked to before it was removed, else the one record with the login's
    e-mail address. Nothing changes when the login already has a record there."""
    organisation_id = invitation.organisation_id
    if Person.objects.filter(organisation_id=organisation_id, user=user).exists():
        return None
    free = Person.objects.filter(organisation_id=organisation_id, user=None, erased_at=None)
    person = free.filter(pk=invitation.person_id).first() if invitation.person_id else None
    if person is None:
        person = free.filter(former_user=user).order_by("id").first()
    if person is None and user.email:
        same_email = list(free.filter(email__iexact=user.email).order_by("id")[:2])
        person = same_email[0] if len(same_email) == 1 else None
    if person is None:
        return None
    person.user = user
    person.former_user = None
    person.save(update_fields=["user", "former_user"])
    audit_log_write(
        actor=user,
        organisation=invitation.organisation,
        action="person.update",
        obj=person,
        after={"user": user.get_username()},
    )
    return person
