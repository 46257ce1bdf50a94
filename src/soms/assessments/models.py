"""Assessments, judgements, evidence, change projects and the attainment they lead to (issue 11).

What is stored and why:

- `Assessment`: one person, one framework version, one assessor, one kind (self, manager, coach).
  Its workflow is draft → submitted → validated, or submitted → returned (with a reason) →
  resubmitted; every step is an `AssessmentEvent` (who, when, decision, reason). `revision` is the
  optimistic-concurrency token: a save carries the revision it was read at, and the second of two
  writers gets a conflict. A validated assessment never changes; a correction is a new assessment
  whose `supersedes` names the old one.
- `Judgement`: one statement of the assessment's version judged not yet / partly / met, with a
  comment. It counts for attainment only through its assessment's `validated_on`.
- `Evidence`: text, a link, an uploaded file (stored through Django's storage API under a random
  name, served only through a permission-checked view) or a saved toolkit result. It belongs to the
  person it is evidence about, supports any number of statements (`EvidenceStatement`), and so stays
  attached across re-assessments of those statements. `refers_on` is the date the evidence is about;
  `created_at` the upload date.
- `ChangeProject`: owned by one person or by a team with named members; the areas it addresses are
  codes of its framework version's areas (element codes when the rules say areas are elements);
  validated by an assessor like an assessment.
- `ElementAttainment` / `PersonStanding`: derived rows, one per (person, version, element) and per
  (person, version), written only by `soms.assessments.services.attainment.recompute*` from the
  engine in `soms.core.attainment`. Never typed in; dashboards read these, never the history.
- `ValidityOverride`: an organisation's own validity period for a level.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from soms.tenancy.models import TenantOwned


class Kind(models.TextChoices):
    SELF = "self", "Self-assessment"
    MANAGER = "manager", "Manager"
    COACH = "coach", "Coach / assessor"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"
    VALIDATED = "validated", "Validated"
    # Closed without a decision: the person it is about was erased (nobody may review it now).
    WITHDRAWN = "withdrawn", "Withdrawn"


# Still in the workflow: what an erasure withdraws.
OPEN_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED)


class JudgementValue(models.TextChoices):
    NOT_YET = "not_yet", "Not yet"
    PARTLY = "partly", "Partly"
    MET = "met", "Met"


class Assessment(TenantOwned):
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey("frameworks.FrameworkVersion", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Who judges: a login (a coach may have no person record), a person record (a manager named in
    # a historic file may have no login), or both. At least one is set.
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assessor_person = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The last reason a reviewer gave when returning it (the history keeps every one).
    return_reason = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    # The date attainment counts from (the validation day; a historic import gives it directly).
    validated_on = models.DateField(null=True, blank=True, db_index=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    validated_by_person = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    # Set by a historic import: the batch it came from (for the audit log and for undoing by hand).
    imported_from = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status"], name="assessment_org_status"),
            models.Index(fields=["person", "version", "status"], name="assessment_person_version"),
            models.Index(fields=["assessor", "status"], name="assessment_assessor_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} assessment of {self.person} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("assessment", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in (Status.DRAFT, Status.RETURNED)


class Judgement(TenantOwned):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="judgements")
    statement = models.ForeignKey("frameworks.Statement", on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=20, choices=JudgementValue.choices)
    comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment", "statement__element__order", "statement__level__rank", "statement__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "statement"], name="judgement_unique_statement"),
        ]

    def __str__(self) -> str:
        return f"{self.statement.code}: {self.get_value_display()}"


class EventAction(models.TextChoices):
    CREATE = "create", "Started"
    SUBMIT = "submit", "Submitted"
    RETURN = "return", "Returned"
    RESUBMIT = "resubmit", "Resubmitted"
    VALIDATE = "validate", "Validated"
    SUPERSEDE = "supersede", "Superseded"
    WITHDRAW = "withdraw", "Withdrawn (the person was erased)"
    IMPORT = "import", "Imported"


class AssessmentEvent(TenantOwned):
    """One step of an assessment's or a change project's workflow, kept forever."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    project = models.ForeignKey(
        "ChangeProject", on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    action = models.CharField(max_length=20, choices=EventAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class EvidenceKind(models.TextChoices):
    TEXT = "text", "Text"
    LINK = "link", "Link"
    FILE = "file", "File"
    TOOLKIT = "toolkit", "Toolkit result"


def _evidence_path(instance: Evidence, filename: str) -> str:
    # Never the user's file name and never guessable: files are reached only through the
    # permission-checked download view, which sends the original name.
    return f"evidence/{instance.organisation_id}/{uuid.uuid4().hex}"


class Evidence(TenantOwned):
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    url = models.URLField(max_length=2000, blank=True)
    file = models.FileField(upload_to=_evidence_path, blank=True, max_length=300)
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)  # sniffed from the content
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # A saved toolkit result (soms.toolkits.saved.registry.toolkit_result_for).
    toolkit_kind = models.CharField(max_length=40, blank=True)
    toolkit_result_id = models.PositiveBigIntegerField(null=True, blank=True)
    refers_on = models.DateField(help_text="The date the evidence is about.")
    statements = models.ManyToManyField(
        "frameworks.Statement", through="EvidenceStatement", related_name="+", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-refers_on", "-id"]
        indexes = [models.Index(fields=["organisation", "person"], name="evidence_org_person")]

    def __str__(self) -> str:
        return self.title


class EvidenceStatement(TenantOwned):
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="links")
    statement = models.ForeignKey("frameworks.Statement", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evidence", "statement"], name="evidencestatement_unique"),
        ]


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class ChangeProject(TenantOwned):
    # The organisation's own reference (`project` column of `soms projects import`).
    code = models.CharField(max_length=80)
    title = models.CharField(max_length=200)
    scope = models.TextField(blank=True)
    version = models.ForeignKey("frameworks.FrameworkVersion", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        "people.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Named members of a team-owned project (the owner counts on their own).
    members = models.ManyToManyField("people.Person", through="ProjectMember", related_name="+", blank=True)
    # Area codes of `version` (element codes when the rules count elements as areas).
    areas = models.JSONField(default=list)
    status = models.CharField(max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    started_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    # Review workflow, as for assessments.
    review_status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    return_reason = models.TextField(blank=True)
    validated_on = models.DateField(null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A historic validator named by employee id may have no login (as for assessments).
    validated_by_person = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evidence = models.ManyToManyField(Evidence, related_name="+", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="changeproject_unique_code"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("change-project", args=[self.pk])


class ProjectMember(TenantOwned):
    project = models.ForeignKey(ChangeProject, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "person"], name="projectmember_unique")]


class ProjectOutcome(TenantOwned):
    """What a change project changed, ideally a KPI before and after."""

    project = models.ForeignKey(ChangeProject, on_delete=models.CASCADE, related_name="outcomes")
    description = models.CharField(max_length=300)
    kpi = models.CharField(max_length=200, blank=True)
    before = models.FloatField(null=True, blank=True)
    after = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["project", "id"]


class ValidityOverride(TenantOwned):
    """An organisation's own validity for a level: `validity_months` empty means never expires."""

    level = models.ForeignKey("frameworks.Level", on_delete=models.CASCADE, related_name="+")
    validity_months = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "level"], name="validityoverride_unique"),
        ]


class AttainmentStatus(models.TextChoices):
    HELD = "held", "Held"
    REFRESH_DUE = "refresh_due", "Refresh due"
    EXPIRED = "expired", "Expired"
    NONE = "none", "None"


class ElementAttainment(TenantOwned):
    """Derived: the level a person holds in one element of one version. Written only by the
    attainment service; `computed_on` is the `now` of the computation that gave the row its values
    (a later one that finds the same values leaves the row, and its date, alone)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey("frameworks.FrameworkVersion", on_delete=models.CASCADE, related_name="+")
    element = models.ForeignKey("frameworks.Element", on_delete=models.CASCADE, related_name="+")
    level = models.ForeignKey(
        "frameworks.Level", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Rank of `level` (0: none), so that dashboards compare with required levels without a join.
    rank = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=20, choices=AttainmentStatus.choices, default=AttainmentStatus.NONE)
    since = models.DateField(null=True, blank=True)
    refresh_due_on = models.DateField(null=True, blank=True, db_index=True)
    expires_on = models.DateField(null=True, blank=True, db_index=True)
    # What the columns do not hold of the engine's ElementAttainment.as_json() (lapsed level, next
    # level, what is missing for it), without empty values: read it through
    # soms.assessments.services.attainment.stored_detail, which gives back the full shape.
    detail = models.JSONField(default=dict)
    computed_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "version", "element"], name="elementattainment_unique"),
        ]
        indexes = [models.Index(fields=["organisation", "version", "element"], name="attainment_org_element")]


class PersonStanding(TenantOwned):
    """Derived: a person's overall standing on one version (the rules' standing table)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey("frameworks.FrameworkVersion", on_delete=models.CASCADE, related_name="+")
    standing = models.CharField(max_length=120, blank=True)
    # The day ("computed …" on the person's page, `as_of` in the API) of the computation that last
    # changed anything of the person's stored answer on this version (standing or element rows). A
    # recomputation that finds the same answer writes nothing, so it stays that day: the answer shown
    # was computed then, and holds until an input changes or `next_change_on` comes, each of which
    # recomputes the person (as the nightly job always left people with nothing due alone).
    computed_on = models.DateField()
    # The earliest refresh-due or expiry date among the person's elements after the day it was
    # computed: the nightly job recomputes exactly the people whose next date has come.
    next_change_on = models.DateField(null=True, blank=True, db_index=True)
    # When (ns since the epoch) the recomputation that last wrote or re-read this person's rows began
    # reading its inputs: one that began earlier never replaces them (a recomputation of 50,000 people
    # computes first and writes later, and a validation's own recomputation of one person may land
    # between). A recomputation of everyone marks this once, in `AttainmentSweep`, not per person.
    inputs_read_at = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "version"], name="personstanding_unique"),
        ]


class SelfLine(TenantOwned):
    """Derived, and kept by its reader: a person's self line on one published version (per element,
    the level their own self-assessments would give if validated; what a person's page draws beside
    "attained"), with what it was computed from. `line` holds `levels`, `judged` (any self judgement
    at all), `until` (the first day time alone could change it: a self judgement's validity running
    out, or a dated input coming due) and `inputs`, the fingerprint of everything it read: the
    person's self-assessments (id, revision, status, validation day), their validated change projects
    (id, revision, status, dates), the organisation's validity overrides and the version's revision.
    Every change of a judgement bumps its assessment's revision (and every change of a project, its
    own), so a reader that finds the same fingerprint before `until` has the same answer, and one that
    does not computes it and stores it again: no writer has to remember this table, and a reader that
    raced a writer stores an answer no later fingerprint matches (see
    `soms.assessments.services.attainment.self_line`)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey("frameworks.FrameworkVersion", on_delete=models.CASCADE, related_name="+")
    line = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "version"], name="selfline_unique"),
        ]


class AttainmentSweep(TenantOwned):
    """When (ns since the epoch) the latest recomputation of everyone of the organisation on a version
    began reading: any recomputation that began earlier yields to it (writes no more), since it covers
    every person that one could write, read later. It is what lets a recomputation of everyone leave
    the people whose answer is unchanged alone: without it, an older call writing late could replace
    a row that the later one found right and did not touch (see `services.attainment`)."""

    version = models.ForeignKey("frameworks.FrameworkVersion", on_delete=models.CASCADE, related_name="+")
    read_at = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "version"], name="attainmentsweep_unique"),
        ]


class HistoryImport(TenantOwned):
    """A historic-results file that passed its dry run, held so that importing it needs no second
    upload: the page checks it again against the current data just before writing. Deleted once
    imported; held files older than a day are cleared."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    what = models.CharField(max_length=20)  # "assessments" or "projects"
    filename = models.CharField(max_length=255, blank=True)
    sheet = models.CharField(max_length=100, blank=True)
    # Whose areas a projects file names, for rows without framework and version columns.
    framework = models.CharField(max_length=100, blank=True)
    version = models.CharField(max_length=100, blank=True)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename or f"history import {self.pk}"
