"""The Service Audit Tool: an audit of a service operation (an organisation or one unit) against the
elements of a framework version, question by question.

Template (derived from a framework version; draft → published, never changed once published; a new
version is a new draft `based_on` the old) → questions, each with its own answer set and weight.
An audit of an organisation or unit on a date → respondents who rate independently (a member, or an
invited person answering through a personal expiring link, of which only a hash is kept) → ratings;
the lead records a consensus per question (the independent ratings stay); evidence, findings,
recommendations and actions hang off elements and questions. A re-audit names its baseline.
How answers become scores is `soms.core.audit_scoring` (pure); `soms.audit.scoring` converts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from soms.tenancy.models import Organisation, TenantOwned


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Rule(models.TextChoices):
    WEIGHTED_MEAN = "weighted_mean", "Weighted mean"
    MINIMUM = "minimum", "Minimum"
    GATED = "gated", "Gated (a level counts only when all its criteria are met)"


class AuditTemplate(models.Model):
    """One version of an audit template. Versions of one template share `code` (and organisation)."""

    # NULL organisation: built into the product and usable by every organisation.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    code = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    label = models.CharField(max_length=40)
    description = models.TextField(blank=True)
    framework_version = models.ForeignKey(
        "frameworks.FrameworkVersion", on_delete=models.PROTECT, related_name="+"
    )
    rule = models.CharField(max_length=20, choices=Rule.choices, default=Rule.WEIGHTED_MEAN)
    status = models.CharField(max_length=20, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    based_on = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    is_builtin = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped on every edit of a draft: the second of two concurrent editors gets a conflict.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-is_builtin", "name", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code", "label"], name="audittemplate_unique_label"
            ),
            models.UniqueConstraint(
                fields=["code", "label"],
                condition=Q(organisation__isnull=True),
                name="audittemplate_unique_builtin_label",
            ),
        ]
        verbose_name = "audit template"

    def __str__(self) -> str:
        return f"{self.name} {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("audits-template", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == TemplateStatus.PUBLISHED


class AnswerKind(models.TextChoices):
    MATURITY = "maturity", "Maturity scale"
    YES_PARTLY_NO = "yes_partly_no", "Yes / partly / no"
    NUMBER = "number", "Number in a range"


class Question(models.Model):
    template = models.ForeignKey(AuditTemplate, on_delete=models.CASCADE, related_name="questions")
    element = models.ForeignKey("frameworks.Element", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=40)
    text = models.TextField()
    guidance = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=AnswerKind.choices, default=AnswerKind.MATURITY)
    # maturity: [{"value": 1, "label": "…", "description": "what this score looks like"}, …], lowest first
    anchors = models.JSONField(default=list, blank=True)
    minimum = models.FloatField(default=0)  # number
    maximum = models.FloatField(default=100)  # number
    higher_is_better = models.BooleanField(default=True)  # number
    steps = models.JSONField(default=list, blank=True)  # number: values that count as a whole level
    unit = models.CharField(max_length=40, blank=True)  # number
    weight = models.FloatField(default=1.0)
    allow_na = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["template", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="auditquestion_unique_code")]
        verbose_name = "audit question"

    def __str__(self) -> str:
        return f"{self.code}: {self.text[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("audits-template", args=[self.template_id])


class AuditStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Audit(TenantOwned):
    title = models.CharField(max_length=200)
    template = models.ForeignKey(AuditTemplate, on_delete=models.PROTECT, related_name="+")
    # Empty: the whole organisation.
    unit = models.ForeignKey(
        "people.OrgUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    date = models.DateField()
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=AuditStatus.choices, default=AuditStatus.OPEN)
    baseline = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reaudits"
    )
    # Element code → the target as a share of the scale (0..1).
    targets = models.JSONField(default=dict, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["organisation", "-date"], name="audit_org_date")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("audits-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == AuditStatus.OPEN

    @property
    def scope_name(self) -> str:
        return self.unit.name if self.unit_id and self.unit else "Whole organisation"


class Respondent(TenantOwned):
    """Someone who rates an audit independently: a member (`user`), or an invited person without a
    login who answers through a personal link (`token_hash`, the SHA-256 of the token; the token
    itself is shown once, when the link is made, and never stored)."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="respondents")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["audit", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "user"], condition=Q(user__isnull=False), name="respondent_unique_user"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("audits-detail", args=[self.audit_id])

    @property
    def has_submitted(self) -> bool:
        return self.submitted_at is not None

    def link_expired(self, now: dt.datetime) -> bool:
        return self.token_expires_at is not None and self.token_expires_at <= now


class Rating(TenantOwned):
    """One respondent's independent answer to one question: `value` (a rating, yes/partly/no, a
    number) or not applicable with its reason."""

    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="ratings")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    value: Any = models.JSONField(null=True, blank=True)
    not_applicable = models.BooleanField(default=False)
    reason = models.TextField(blank=True)  # why not applicable, or a comment
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["respondent", "question__order"]
        constraints = [
            models.UniqueConstraint(fields=["respondent", "question"], name="rating_unique_question"),
        ]

    def __str__(self) -> str:
        return f"{self.respondent} on {self.question.code}"


class Consensus(TenantOwned):
    """The lead's agreed answer to a question, with its reason. The independent ratings stay."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="consensus")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    value: Any = models.JSONField(null=True, blank=True)
    not_applicable = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["audit", "question__order"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "question"], name="consensus_unique_question")
        ]
        verbose_name_plural = "consensus"

    def __str__(self) -> str:
        return f"Consensus on {self.question.code}"

    def get_absolute_url(self) -> str:
        return reverse("audits-spread", args=[self.audit_id])


class Evidence(TenantOwned):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="evidence")
    element = models.ForeignKey("frameworks.Element", on_delete=models.PROTECT, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    text = models.TextField()
    link = models.URLField(max_length=500, blank=True)
    refers_to = models.DateField()  # the date the evidence describes
    expires_on = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["audit", "element__order", "-refers_to", "id"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        return reverse("audits-findings", args=[self.audit_id])

    def expired(self, today: dt.date) -> bool:
        return self.expires_on is not None and self.expires_on < today


class FindingKind(models.TextChoices):
    FINDING = "finding", "Finding"
    RECOMMENDATION = "recommendation", "Recommendation"


class FindingStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Finding(TenantOwned):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=20, choices=FindingKind.choices, default=FindingKind.FINDING)
    element = models.ForeignKey("frameworks.Element", on_delete=models.PROTECT, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    text = models.TextField()
    status = models.CharField(max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    # A finding carried into a re-audit points at the one it continues.
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["audit", "element__order", "id"]

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        return reverse("audits-findings", args=[self.audit_id])


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


FINISHED_ACTIONS = frozenset({ActionStatus.DONE, ActionStatus.CANCELLED})


class Action(TenantOwned):
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="actions")
    finding = models.ForeignKey(
        Finding, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    element = models.ForeignKey("frameworks.Element", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    kpi = models.ForeignKey(
        "toolkits.Kpi", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["audit", "due_date", "id"]
        verbose_name = "audit action"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("audits-findings", args=[self.audit_id])

    def overdue(self, today: dt.date) -> bool:
        return self.status not in FINISHED_ACTIONS and self.due_date is not None and self.due_date < today
