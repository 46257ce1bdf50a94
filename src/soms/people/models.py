"""Org units, teams, people, role profiles and coverage targets of one organisation.

Two materialised paths keep "everything under X" one indexed range query on SQLite and PostgreSQL
alike, never a walk of the tree in Python:

- `OrgUnit.path` is the chain of unit ids from the root down to the unit itself;
- `Person.chain` is the chain of manager ids above a person (not the person itself), so the people
  who report to P, directly or not, are those whose chain starts with P's chain plus P's id.

Each id is written as a fixed-width run of digits. Digit-only strings sort the same way under every
collation, so a prefix is a plain B-tree range (`path >= p AND path < next(p)`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from soms import limits
from soms.people.search import MAX_LENGTH as SEARCH_MAX_LENGTH
from soms.people.search import search_text
from soms.tenancy.models import Organisation, TenantOwned, revision_field

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import ManyRelatedManager

_M = TypeVar("_M", bound=models.Model)

ID_WIDTH = 10
# A reporting line or a unit tree deeper than this is refused by the services and the import: it is
# almost certainly a data error, and it bounds the path columns.
MAX_DEPTH = limits.MAX_ORG_DEPTH


def path_segment(pk: int) -> str:
    return str(pk).zfill(ID_WIDTH)


def prefix_range(prefix: str) -> tuple[str, str]:
    """The half-open range of digit strings that start with `prefix` (itself included)."""
    head, last = prefix[:-ID_WIDTH], prefix[-ID_WIDTH:]
    return prefix, head + str(int(last) + 1).zfill(ID_WIDTH)


def under_q(field: str, prefix: str) -> Q:
    low, high = prefix_range(prefix)
    return Q(**{f"{field}__gte": low, f"{field}__lt": high})


class LiveManager(models.Manager[_M]):
    """Hides the rows a running import has staged (`staged` set) until it makes them live at once.

    A large import on SQLite writes its new units, teams and people in several short transactions,
    so that it never holds the one write lock for long (see `soms.people.io.apply`); until its last
    short transaction clears `staged`, nobody reads those rows through this manager, nor through the
    related managers Django derives from it."""

    def get_queryset(self) -> models.QuerySet[_M]:
        return super().get_queryset().filter(staged__isnull=True)


def staged_field() -> models.PositiveBigIntegerField[Any, Any]:
    # The key of the import that wrote the row and has not finished; empty for every live row.
    return models.PositiveBigIntegerField(null=True, blank=True, editable=False)


def staged_index(name: str) -> models.Index:
    # Only staged rows are indexed, so live rows cost nothing to write.
    return models.Index(fields=["staged"], condition=Q(staged__isnull=False), name=name)


class OrgUnit(TenantOwned):
    name = models.CharField(max_length=120)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=ID_WIDTH * MAX_DEPTH, db_index=True, blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    manager = models.ForeignKey(
        "Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="managed_units"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revision = revision_field()
    staged = staged_field()

    objects = LiveManager["OrgUnit"]()

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "parent", "name"], name="orgunit_unique_name"),
            models.UniqueConstraint(
                fields=["organisation", "name"], condition=Q(parent__isnull=True), name="orgunit_unique_root"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "path"], name="orgunit_org_path"),
            staged_index("orgunit_staged"),
        ]

    def __str__(self) -> str:
        return self.name

    def subtree_q(self, field: str = "path") -> Q:
        return under_q(field, self.path)


class Team(TenantOwned):
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="teams")
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    revision = revision_field()
    staged = staged_field()

    objects = LiveManager["Team"]()

    class Meta:
        ordering = ["name"]
        indexes = [staged_index("team_staged")]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "unit", "name"], name="team_unique_name"),
            models.UniqueConstraint(
                fields=["organisation", "name"], condition=Q(unit__isnull=True), name="team_unique_unitless"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Person(TenantOwned):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="people"
    )
    # The login this person had until they were removed from the organisation: accepting a new
    # invitation links that login to this record again (soms.people.services.invitations).
    former_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    employee_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    # Lower-cased name for case-insensitive, index-backed prefix search and ordering.
    name_key = models.CharField(max_length=200, editable=False)
    # The name as search matches it (soms.people.search): case-folded, accents stripped, words.
    search_key = models.CharField(max_length=SEARCH_MAX_LENGTH, editable=False, default="")
    email = models.EmailField(blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    manager = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="direct_reports"
    )
    chain = models.CharField(max_length=ID_WIDTH * MAX_DEPTH, blank=True, editable=False)
    unit = models.ForeignKey(OrgUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="people")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="people")
    location = models.CharField(max_length=200, blank=True)
    start_date = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)
    role_profiles: models.ManyToManyField[RoleProfile, Any] = models.ManyToManyField(
        "RoleProfile", blank=True, related_name="people"
    )
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = revision_field()
    staged = staged_field()

    objects = LiveManager["Person"]()

    class Meta:
        ordering = ["name_key", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "employee_id"], name="person_unique_employee_id"),
            # Ids match without regard to case (the import, the forms): no two may differ by case only.
            models.UniqueConstraint(
                "organisation", Lower("employee_id"), name="person_unique_employee_id_nocase"
            ),
            models.UniqueConstraint(
                fields=["organisation", "user"], condition=Q(user__isnull=False), name="person_unique_user"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "name_key", "id"], name="person_org_name"),
            models.Index(fields=["organisation", "search_key", "id"], name="person_org_search"),
            models.Index(fields=["organisation", "chain"], name="person_org_chain"),
            models.Index(fields=["organisation", "email"], name="person_org_email"),
            staged_index("person_staged"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.name_key = self.name.lower()
        self.search_key = search_text(self.name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def reports_prefix(self) -> str:
        return self.chain + path_segment(self.pk)

    def reports_q(self, field: str = "chain") -> Q:
        return under_q(field, self.reports_prefix)


class RoleProfile(models.Model):
    """The level per element that a role needs, for one framework version.

    Built-in profiles (organisation empty) are shared and read-only; organisations add their own."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="role_profiles", null=True, blank=True
    )
    version = models.ForeignKey("frameworks.FrameworkVersion", on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_builtin = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revision = revision_field()

    if TYPE_CHECKING:
        # The reverse side of Person.role_profiles (the stubs do not add it for a lazy reference).
        people: ManyRelatedManager[Person, Any]

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="roleprofile_unique_code"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(organisation__isnull=True), name="roleprofile_unique_builtin"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RoleRequirement(models.Model):
    profile = models.ForeignKey(RoleProfile, on_delete=models.CASCADE, related_name="requirements")
    element = models.ForeignKey("frameworks.Element", on_delete=models.CASCADE, related_name="+")
    level = models.ForeignKey("frameworks.Level", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["element__order", "element_id"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "element"], name="rolerequirement_unique_element")
        ]

    def __str__(self) -> str:
        return f"{self.profile_id}: {self.element_id} at {self.level_id}"


class CoverageTarget(TenantOwned):
    """'At least `minimum` people at `level` or above in `element`', for one unit or one team."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    element = models.ForeignKey("frameworks.Element", on_delete=models.CASCADE, related_name="+")
    level = models.ForeignKey("frameworks.Level", on_delete=models.CASCADE, related_name="+")
    minimum = models.PositiveIntegerField(default=1)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revision = revision_field()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(unit__isnull=False, team__isnull=True) | Q(unit__isnull=True, team__isnull=False)
                ),
                name="coveragetarget_unit_xor_team",
            ),
        ]

    def __str__(self) -> str:
        where = self.team or self.unit
        return f"{where}: {self.minimum} × {self.level} in {self.element}"


class ImportStatus(models.TextChoices):
    CHECKING = "checking", "Being checked"
    INVALID = "invalid", "Has problems"
    READY = "ready", "Checked, ready to apply"
    # Claimed by one apply (a conditional UPDATE from ready): a second tab or API call is refused.
    APPLYING = "applying", "Being applied"
    APPLIED = "applied", "Applied"
    FAILED = "failed", "Failed"


class PeopleImport(TenantOwned):
    """One uploaded HR file: its check (problems, dry-run summary) and, once applied, the outcome.

    The file is kept so the check can be repeated against the current data just before applying."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    options = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.INVALID)
    problems = models.JSONField(default=list)
    summary = models.JSONField(default=dict)
    # What the dry run said it would change, and to whom at which revision (Plan.fingerprint): an
    # apply whose fresh check differs was reviewed against another organisation and is refused.
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # When the apply now under way claimed it (status applying): a claim older than
    # SOMS_IMPORT_CLAIM_SECONDS with no job running it was left by a process that died, and a later
    # apply takes it over. Each claim's time is also its token: only that applier may finish.
    claimed_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    # The background job checking or applying a large file (see soms.people.jobs), while and after it runs.
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Withdrawn"


class InvitationSend(models.TextChoices):
    QUEUED = "queued", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Not sent"


class Invitation(TenantOwned):
    """One invitation of a login to the organisation: the link it sent, whether the mail left, and
    how it ended (accepted, or withdrawn when the member is removed first).

    The link carries a random token of which only a hash is kept; each send makes a new one, so
    "Send again" retires the link sent before. The mail is sent by a job (soms.people.jobs), never
    inside the request that invited."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    role = models.CharField(max_length=20)
    # The person record the login is linked to when the invitation is accepted (person invite).
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    send_status = models.CharField(
        max_length=10, choices=InvitationSend.choices, default=InvitationSend.QUEUED
    )
    send_error = models.CharField(max_length=500, blank=True)
    send_attempts = models.PositiveIntegerField(default=0)
    # When the next automatic try of a send that failed for a passing reason is due (send_error says
    # why the last failed); None when none is scheduled. See soms.people.services.invitations.
    next_send_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "user", "status"], name="invitation_org_user")]

    def __str__(self) -> str:
        return f"Invitation of {self.email}"
