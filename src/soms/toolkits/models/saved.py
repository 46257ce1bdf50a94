"""What the value stream, delivery system and stakeholder toolkits save, and the KPI tables.

Every saved result keeps the *inputs* that produced it (enough to compute it again) and the
*results* computed then, so a result attached as evidence does not shift when the formulas
improve; ``revision`` rises with every change so that a stale edit is refused, as for capacity
studies. Each model names its ``RESULT_KIND``: with the id, that is the reference a later
assessment ``Evidence`` or change project stores to point at any toolkit result
(``soms.toolkits.results`` resolves it inside one organisation).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from soms.tenancy.models import TenantOwned


class SavedResult(TenantOwned):
    RESULT_KIND: ClassVar[str] = ""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    inputs = models.JSONField()
    results = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ValueStreamMap(SavedResult):
    """A value stream's current state and, optionally, its future state, in one time unit."""

    RESULT_KIND = "value_stream"

    class Meta(SavedResult.Meta):
        indexes = [models.Index(fields=["organisation", "-updated_at"], name="vsm_org_updated")]
        verbose_name = "value stream map"


class DeliverySystem(SavedResult):
    """Customer segments and the processes placed on the volume × variety matrix."""

    RESULT_KIND = "delivery_system"

    class Meta(SavedResult.Meta):
        indexes = [models.Index(fields=["organisation", "-updated_at"], name="delivery_org_updated")]
        verbose_name = "service delivery system"


class StakeholderMap(SavedResult):
    """Stakeholders and the four dimensions for one change; ``change_project`` names it until
    change projects exist as records, when a reference to the project joins it."""

    RESULT_KIND = "stakeholder_map"
    change_project = models.CharField(max_length=200, blank=True)

    class Meta(SavedResult.Meta):
        indexes = [models.Index(fields=["organisation", "-updated_at"], name="stakeholder_org_updated")]
        verbose_name = "stakeholder map"


class Kpi(TenantOwned):
    """A KPI's definition, target and thresholds; measurements hang off it."""

    RESULT_KIND: ClassVar[str] = "kpi"

    class Direction(models.TextChoices):
        HIGHER = "higher", "Higher is better"
        LOWER = "lower", "Lower is better"

    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        YEARLY = "yearly", "Yearly"

    name = models.CharField(max_length=200)
    formula = models.TextField(blank=True, help_text="How it is calculated, in words")
    unit = models.CharField(max_length=40, blank=True)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    data_source = models.CharField(max_length=200, blank=True)
    owner = models.CharField(max_length=200, blank=True)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    target = models.FloatField(null=True, blank=True)
    amber_limit = models.FloatField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["organisation", "name"], name="kpi_org_name")]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="kpi_unique_name")]
        verbose_name = "KPI"

    def __str__(self) -> str:
        return self.name


class KpiMeasurement(TenantOwned):
    """One value of a KPI for the period that ends on ``period``; one per KPI and period."""

    class Source(models.TextChoices):
        ENTERED = "entered", "Entered"
        IMPORTED = "imported", "Imported"
        API = "api", "API"
        CALCULATED = "calculated", "Calculated from raw data"

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="measurements")
    period = models.DateField()
    value = models.FloatField()
    note = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.ENTERED)
    # For a calculated value: the calculator, its counts and interval (NPS, CSAT, SLA, FCR).
    details = models.JSONField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kpi", "period"]
        indexes = [models.Index(fields=["organisation", "kpi", "period"], name="kpimeas_org_kpi_period")]
        constraints = [models.UniqueConstraint(fields=["kpi", "period"], name="kpimeas_unique_period")]
        verbose_name = "KPI measurement"

    def __str__(self) -> str:
        return f"{self.kpi} {self.period}: {self.value:g}"
