from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from soms.tenancy.models import TenantOwned


class CapacityStudy(TenantOwned):
    """A saved demand-and-capacity result with the inputs that produced it.

    ``inputs`` holds everything needed to compute it again (the parameters and, for a plan, the
    demand CSV text); ``results`` is what was computed then, so evidence does not shift when the
    formulas improve. ``revision`` goes up with every change, so a stale edit can be refused.
    """

    class Kind(models.TextChoices):
        ERLANG = "erlang", "Erlang calculation"
        PLAN = "plan", "Demand plan"
        SIMULATION = "simulation", "Simulation"

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    inputs = models.JSONField()
    results = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-updated_at"], name="capstudy_org_updated")]
        verbose_name = "capacity study"
        verbose_name_plural = "capacity studies"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # The audit log links to the object's page.
        return reverse("capacity-study", args=[self.pk])
