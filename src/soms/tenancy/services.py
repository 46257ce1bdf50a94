"""Writes for organisations, memberships, tokens and the audit log. Every write goes through here."""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from soms.tenancy.audit import AuditAction, object_type_label
from soms.tenancy.models import ApiToken, AuditLogEntry, Membership, Organisation, Role

TOKEN_PREFIX = "soms_"
log = logging.getLogger("soms.audit")
_KNOWN_ACTIONS = frozenset(AuditAction.values)


def audit_log_write(
    *,
    actor: User | None,
    organisation: Organisation | None,
    action: AuditAction | str,
    obj: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLogEntry:
    if action not in _KNOWN_ACTIONS:
        # Recorded all the same (an audit row is never lost to a missing label); the action-list test
        # names it so it gets one.
        log.warning("Audit action %r is not an AuditAction; add it to soms.tenancy.audit", action)
    return AuditLogEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        organisation=organisation,
        action=str(action),
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or ""),
        object_repr=str(obj)[:300] if obj is not None else "",
        before=before,
        after=after,
    )


# How many names a summary row lists; the count says how many there were in all.
SUMMARY_EXAMPLES = 20


def audit_log_summary(
    *,
    actor: User | None,
    organisation: Organisation | None,
    action: AuditAction | str,
    object_type: str,
    names: list[str],
    details: dict[str, Any] | None = None,
) -> AuditLogEntry:
    """One row for a write of many objects at once (an import of 5,000 people is one event, not 5,000)."""
    shown = names[:SUMMARY_EXAMPLES]
    more = len(names) - len(shown)
    return AuditLogEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        organisation=organisation,
        action=str(action),
        object_type=object_type,
        # "8 assessments", "1 change project" (it read "8 assessment").
        object_repr=f"{len(names)} {object_type_label(object_type, plural=len(names) != 1).lower() or 'objects'}"[
            :300
        ],
        after={
            "count": len(names),
            **(details or {}),
            "examples": shown + ([f"… and {more} more"] if more > 0 else []),
        },
    )


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def organisation_create(*, name: str, owner: User | None, actor: User | None) -> Organisation:
    organisation = Organisation.objects.create(name=name.strip(), slug=_unique_slug(name))
    audit_log_write(
        actor=actor,
        organisation=organisation,
        action="organisation.create",
        obj=organisation,
        after={"name": organisation.name},
    )
    if owner is not None:
        membership_set(organisation=organisation, user=owner, role=Role.OWNER, actor=actor)
    return organisation


@transaction.atomic
def membership_set(*, organisation: Organisation, user: User, role: str, actor: User | None) -> Membership:
    membership, created = Membership.objects.select_for_update().get_or_create(
        organisation=organisation, user=user, defaults={"role": role}
    )
    if created:
        audit_log_write(
            actor=actor,
            organisation=organisation,
            action="membership.add",
            obj=membership,
            after={"user": user.get_username(), "role": role},
        )
        return membership
    if membership.role == role:
        return membership
    before = {"role": membership.role}
    membership.role = role
    membership.revision += 1  # a members page opened before this change must not undo it
    membership.save(update_fields=["role", "revision"])
    audit_log_write(
        actor=actor,
        organisation=organisation,
        action="membership.change_role",
        obj=membership,
        before=before,
        after={"role": role},
    )
    return membership


def user_create(
    *, username: str, email: str = "", password: str | None, first_name: str = "", last_name: str = ""
) -> User:
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def _hash_token(raw: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash is enough (no need for a password KDF).
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, organisation: Organisation, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its only plain-text copy, to be shown once."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, organisation=organisation, name=name.strip(), prefix=raw[:12], token_hash=_hash_token(raw)
    )
    audit_log_write(
        actor=user,
        organisation=organisation,
        action="api_token.create",
        obj=token,
        after={"name": token.name, "prefix": token.prefix},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_log_write(
        actor=actor,
        organisation=token.organisation,
        action="api_token.revoke",
        obj=token,
        before={"active": True},
        after={"active": False},
    )
    return token


def api_token_authenticate(raw: str) -> tuple[ApiToken, Membership] | None:
    """The active token matching `raw` and its owner's membership of the token's organisation
    (with user and organisation), or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    # One query: the token with its user and organisation, and the membership of that user in that
    # organisation (the token only works while its owner still belongs there) read in the same row.
    # token_hash is unique: a slice, not .first(), which would also order by the key.
    token = next(
        iter(
            ApiToken.objects.select_related("user", "organisation")
            .filter(
                token_hash=_hash_token(raw),
                revoked_at__isnull=True,
                user__is_active=True,
                user__memberships__organisation=F("organisation"),
            )
            .annotate(
                membership_pk=F("user__memberships__pk"),
                membership_role=F("user__memberships__role"),
                membership_created_at=F("user__memberships__created_at"),
                membership_revision=F("user__memberships__revision"),
            )[:1]
        ),
        None,
    )
    if token is None:
        return None
    membership = Membership.from_db(
        token._state.db,
        ["id", "organisation_id", "user_id", "role", "created_at", "revision"],
        [
            token.membership_pk,
            token.organisation_id,
            token.user_id,
            token.membership_role,
            token.membership_created_at,
            token.membership_revision,
        ],
    )
    membership.user = token.user
    membership.organisation = token.organisation
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token, membership


@transaction.atomic
def user_password_change(*, user: User, new_password: str) -> None:
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_log_write(actor=user, organisation=None, action="user.password_change", obj=user)
