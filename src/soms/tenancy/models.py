from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse


class Role(models.TextChoices):
    """What a member may do inside one organisation. Ordered from most to least powerful."""

    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    ASSESSOR = "assessor", "Assessor / coach"
    MANAGER = "manager", "Manager"
    MEMBER = "member", "Member"


# Roles that administer the organisation (settings, audit log, members).
ADMIN_ROLES = frozenset({Role.OWNER, Role.ADMIN})


def revision_field() -> models.PositiveIntegerField[Any, Any]:
    """The revision of a row people edit (see soms.people.services.revisions): up by one with every
    change. `db_default` too, because the HR import writes rows with its own INSERT statements that
    leave the column out."""
    return models.PositiveIntegerField(default=1, db_default=1)


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TenantOwned(models.Model):
    """A row that belongs to one organisation: a non-null, indexed `organisation` on its own table,
    so every query of tenant data filters on one indexed column, never through joins.

    Reach such rows by id only through the owning app's `access.py` (which filters on this column
    and answers 404 for other organisations' rows). There is no reverse accessor on Organisation
    (`related_name="+"`): tenant data is read by filtering on the column, not by walking from the
    organisation. Built-in shared rows (built-in frameworks and role profiles, which have no
    organisation) are not tenant-owned and keep a nullable column of their own.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=True)

    class Meta:
        abstract = True


class Membership(TenantOwned):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)
    revision = revision_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique_user_org"),
        ]
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation} as {self.role}"

    def get_absolute_url(self) -> str:
        # The audit log links to the object's page.
        return reverse("members")

    @property
    def is_admin(self) -> bool:
        return self.role in ADMIN_ROLES


class ApiToken(TenantOwned):
    """A personal token for the API, bound to one organisation. Only a hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The first characters of the token, shown in lists so a person can tell tokens apart.
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditLogEntry(models.Model):
    """Who changed what, when, in which organisation. Written by services only."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="audit_log", null=True, blank=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-created_at"], name="audit_org_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class RateCount(models.Model):
    """How many requests of one rate-limit group one user or organisation made in one window
    (`soms.ratelimits`). Counted with one INSERT … ON CONFLICT per request for both counters; a
    row is useless once its window has ended and is deleted when a newer window starts."""

    # "<group>:<user|org>:<id>:<window number>", the window number being start time ÷ period.
    key = models.CharField(max_length=120, primary_key=True)
    hits = models.PositiveIntegerField()
    # When the window ends, in Unix seconds.
    expires = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"


class IdempotencyKey(TenantOwned):
    """A request's idempotency key and the answer it got (`soms.tenancy.idempotency`): the same key
    sent again by the same login in the same organisation gets that answer and changes nothing.

    Written in the transaction that does the work, so a stored key always has its answer; the
    unique constraint makes a second writer of the same key wait for the first and then read its
    answer. Kept for a day (`expires_at`), then deleted by the nightly housekeeping."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # What the key was sent to ("insights.action.create:api"): one key names one operation.
    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    # SHA-256 of the request's content, to refuse the same key with a different request.
    fingerprint = models.CharField(max_length=64)
    answer = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user", "scope", "key"], name="idempotency_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
