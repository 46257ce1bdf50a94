"""Demo capacity studies for Harbourside's claims line, so a newcomer sees the toolkit working.

The demand is the core's synthetic sample, and the study says so: it is not a real team's data.
"""

from __future__ import annotations

from typing import Any

from soms.toolkits.capacity import compute as capacity
from soms.toolkits.capacity import services
from soms.toolkits.capacity.schemas import ErlangInput, PlanInput
from soms.toolkits.models.capacity import CapacityStudy

PLAN_NAME = "Claims line: demand plan (synthetic sample data)"
ERLANG_NAME = "Claims line: Monday 10:00 peak half-hour"


def seed(ctx: Any) -> None:
    organisation = ctx.organisations["harbourside"]
    # Priya manages the claims team: the studies are hers, as they would be in real life.
    author = ctx.users.get("priya.raman", ctx.admin)
    existing = set(
        CapacityStudy.objects.filter(
            organisation=organisation, name__in=[PLAN_NAME, ERLANG_NAME]
        ).values_list("name", flat=True)
    )
    if PLAN_NAME not in existing:
        plan_in = PlanInput(
            source="sample",
            horizon_days=7,
            model="fourier_regression",
            service_level=0.8,
            answer_within=20,
            max_occupancy=0.85,
            shrinkage=0.3,
            patience=180,
            simulate=True,
            simulate_day=0,
            replications=30,
        )
        services.capacity_study_create(
            organisation=organisation,
            actor=author,
            name=PLAN_NAME,
            description=capacity.SAMPLE_LABEL
            + ". Forecast for the next week, staffed for 80 % of calls answered in 20 seconds "
            "with 30 % shrinkage, and the Monday simulated.",
            inp=plan_in,
        )
        ctx.notes.append(f"Capacity: saved “{PLAN_NAME}” in {organisation.name}")
    if ERLANG_NAME not in existing:
        erlang_in = ErlangInput(
            calls=190,
            interval_seconds=1800,
            aht=300,
            service_level=0.8,
            answer_within=20,
            max_occupancy=0.85,
            shrinkage=0.3,
            patience=180,
        )
        services.capacity_study_create(
            organisation=organisation,
            actor=author,
            name=ERLANG_NAME,
            description="The busiest half-hour of the sample week, with callers who give up after three minutes "
            "on average (Erlang A).",
            inp=erlang_in,
        )
        ctx.notes.append(f"Capacity: saved “{ERLANG_NAME}” in {organisation.name}")
