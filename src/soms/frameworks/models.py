"""A framework is data: elements x levels x statements, plus areas and the rules that say how
attainment is derived. An assessment is always against one version; a published version never changes.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from soms.tenancy.models import Organisation, TenantOwned


class FrameworkKind(models.TextChoices):
    SKILLS = "skills", "Skills framework"
    CAPABILITY = "capability", "Capability model"


class Framework(models.Model):
    # NULL organisation: built into the product and readable by every organisation.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="frameworks"
    )
    code = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=FrameworkKind.choices, default=FrameworkKind.SKILLS)
    is_builtin = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_builtin", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="framework_unique_org_code"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(organisation__isnull=True), name="framework_unique_builtin_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # The audit log links to the object's page.
        return reverse("framework-detail", args=[self.pk])


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class FrameworkVersion(models.Model):
    # Not a column: set by framework_import on the version it returns, saying what was normalised
    # or dropped to read the file (the version's notes keep the same sentences).
    import_warnings: list[str] = []

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="versions")
    label = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    attribution = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)
    # Validated by soms.frameworks.rules.FrameworkRules before it is stored.
    rules = models.JSONField(default=dict)
    based_on = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Stable identifiers for exchange formats (CASE CFDocument/CFItem identifiers): kept on import so
    # export -> import -> export gives the same package.
    uuid = models.UUIDField(default=uuid.uuid4, db_index=True)
    # Associations to items outside this framework (e.g. CASE exactMatchOf to another package),
    # kept as references: [{"type": ..., "origin": <code or uuid>, "destination": {...}}].
    external_associations = models.JSONField(default=list, blank=True)
    # Format-specific metadata carried through import/export (e.g. CASE document creator, licence).
    source_meta = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped on every edit of a draft: the second of two concurrent editors gets a conflict.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["framework", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "label"], name="frameworkversion_unique_label"),
        ]

    def __str__(self) -> str:
        return f"{self.framework.name} {self.label}"

    def get_absolute_url(self) -> str:
        # The audit log links to the object's page.
        return reverse("framework-version", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED


class Level(models.Model):
    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="levels")
    code = models.SlugField(max_length=80)
    name = models.CharField(max_length=120)
    rank = models.PositiveSmallIntegerField(help_text="1 is the lowest level.")
    description = models.TextField(blank=True)
    validity_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="After this many months the level must be refreshed; empty: never."
    )
    uuid = models.UUIDField(default=uuid.uuid4, db_index=True)

    class Meta:
        ordering = ["version", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="level_unique_code"),
            models.UniqueConstraint(fields=["version", "rank"], name="level_unique_rank"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # The audit log links to the object's page.
        return reverse("framework-version", args=[self.version_id])


class Element(models.Model):
    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="elements")
    code = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # Optional grouping label (e.g. strategic / tactical / operational in a capability model).
    group = models.CharField(max_length=120, blank=True)
    order = models.PositiveIntegerField(default=0)
    item_type = models.CharField(max_length=120, blank=True)
    uuid = models.UUIDField(default=uuid.uuid4, db_index=True)

    class Meta:
        ordering = ["version", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="element_unique_code")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # The audit log links to the object's page.
        return reverse("framework-version", args=[self.version_id])


class Area(models.Model):
    """What a change project can address. By default a framework's areas are its elements; a
    framework may instead declare sub-areas inside elements (rules.areas = "sub_areas")."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="areas")
    code = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    element = models.ForeignKey(
        Element, on_delete=models.CASCADE, null=True, blank=True, related_name="areas"
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="area_unique_code")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # The audit log links to the object's page.
        return reverse("framework-version", args=[self.version_id])


class Statement(models.Model):
    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="statements")
    element = models.ForeignKey(Element, on_delete=models.CASCADE, related_name="statements")
    level = models.ForeignKey(Level, on_delete=models.CASCADE, related_name="statements")
    code = models.CharField(max_length=80)
    text = models.TextField()
    order = models.PositiveIntegerField(default=0)
    areas = models.ManyToManyField(Area, blank=True, related_name="statements")
    # Deeper hierarchies (e.g. imported CASE trees): a statement may sit under another statement.
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    item_type = models.CharField(max_length=120, blank=True)
    uuid = models.UUIDField(default=uuid.uuid4, db_index=True)

    class Meta:
        ordering = ["version", "element__order", "level__rank", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="statement_unique_code")]

    def __str__(self) -> str:
        return f"{self.code}: {self.text[:60]}"

    def get_absolute_url(self) -> str:
        # The audit log links to the object's page.
        return reverse("framework-version", args=[self.version_id])


class MappingKind(models.TextChoices):
    SAME = "same", "Unchanged"
    REWORDED = "reworded", "Reworded"
    MOVED = "moved", "Moved"
    SPLIT = "split", "Split"
    MERGED = "merged", "Merged"
    REMOVED = "removed", "Removed (no successor)"


class StatementMapping(models.Model):
    """An author's statement that a statement of an older version lives on in a newer one, so that
    attainment can be carried over. `to_statement` empty: the statement has no successor."""

    to_version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="mappings_in")
    from_statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="mappings_out")
    to_statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, null=True, blank=True, related_name="mappings_from"
    )
    kind = models.CharField(max_length=20, choices=MappingKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["to_version", "from_statement__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["to_version", "from_statement", "to_statement"], name="mapping_unique_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_statement.code} -> {self.to_statement.code if self.to_statement else '(none)'}"


class FrameworkImport(TenantOwned):
    """An uploaded framework file held while the person who sent it chooses what it becomes (the
    next version of a framework, or a new framework): the choice page needs no second upload.
    Deleted once imported; pending ones older than a day are cleared."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(max_length=255, blank=True)
    format = models.CharField(max_length=10, blank=True)
    publish = models.BooleanField(default=False)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename or f"framework import {self.pk}"
