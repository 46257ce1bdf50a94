"""The background job of the capacity toolkit: a plan or simulation too large to compute inside a
request (soms.limits: BACKGROUND_PLAN_INTERVALS, BACKGROUND_SIMULATED_CALLS), so that no request
worker spends seconds on one. The request has validated the inputs and read the demand; the job
computes with progress, keeps the result JSON (the synchronous answer, byte for byte the same data)
as its file, and links to a page that shows it, or saves it as a study and links to the study."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from pydantic import ValidationError as PydanticError

from soms.core.capacity import CapacityInputError, DemandCsvError
from soms.jobs.runner import JobContext, JobError, job
from soms.lazy import lazy_module
from soms.toolkits.capacity import services
from soms.toolkits.capacity.downloads import study_document
from soms.toolkits.capacity.schemas import PlanInput, SimulateInput

if TYPE_CHECKING:
    from soms.toolkits.capacity import compute as capacity
else:
    capacity = lazy_module("soms.toolkits.capacity.compute")

# The plan's steps before its simulated day, one progress unit each; each replication is one more.
_PLAN_STEPS = ["reading the demand", "profile", "forecast", "backtest", "staffing plan"]


def _progress(ctx: JobContext, inp: PlanInput | SimulateInput) -> tuple[Any, Callable[[int, int], None]]:
    """Progress listeners: plan steps first, then one unit per replication simulated."""
    before = len(_PLAN_STEPS) if isinstance(inp, PlanInput) else 0
    simulated = inp.replications if isinstance(inp, SimulateInput) or inp.simulate else 0
    total = before + simulated

    def on_step(name: str) -> None:
        if name in _PLAN_STEPS:
            ctx.progress(_PLAN_STEPS.index(name), total, f"{name.capitalize()}…")

    def on_replication(done: int, replications: int) -> None:
        ctx.progress(before + done, total, f"Simulating the day: {done} of {replications} replications")

    ctx.progress(0, total, "Starting…")
    return on_step, on_replication


@job
def capacity_compute_job(
    ctx: JobContext, *, kind: str, inputs: dict[str, Any], save_as: list[str] | None = None
) -> str:
    schema: type[PlanInput] | type[SimulateInput] = PlanInput if kind == "plan" else SimulateInput
    try:
        inp = schema.model_validate(inputs)
    except PydanticError as exc:
        # Only a change of the rules between the request and the job can get here.
        raise JobError(f"The inputs are no longer accepted: {exc.errors()[0]['msg']}") from None
    on_step, on_replication = _progress(ctx, inp)
    try:
        if save_as:
            name, description = save_as
            study = services.capacity_study_create(
                organisation=ctx.organisation,
                actor=ctx.actor,
                name=name,
                description=description,
                inp=inp,
                on_step=on_step,
                on_replication=on_replication,
            )
            results: dict[str, Any] = study.results
        elif isinstance(inp, PlanInput):
            results = capacity.compute_plan(inp, on_step=on_step, on_replication=on_replication)
        else:
            results = capacity.compute_simulation(inp, on_replication=on_replication)
    except DemandCsvError as exc:
        first = "; ".join(f"row {i.row}, column {i.column}: {i.reason}" for i in exc.issues[:5])
        raise JobError(f"The demand file has {len(exc.issues)} problem(s): {first}") from None
    except CapacityInputError as exc:
        # What only the computation finds (the simulated day of a forecast too busy for its
        # replications): the same field and reason the synchronous answer's 422 would give.
        raise JobError(f"{exc.field}: {exc.reason}") from None
    if save_as:
        # The study's own JSON download (its id, inputs and results), as GET …/download?format=json.
        document = json.dumps(study_document(study), indent=1)
        ctx.result_file(f"study-{study.pk}.json", document, content_type="application/json")
        ctx.result_link(reverse("capacity-study", args=[study.pk]), f"Open the study “{study.name}”")
        return f"Saved the study “{study.name}” (id {study.pk})."
    ctx.result_file(f"capacity-{kind}.json", json.dumps(results), content_type="application/json")
    ctx.result_link(reverse("capacity-job-result", args=[ctx.job.pk]), "Show the result")
    if isinstance(inp, PlanInput):
        return f"Computed the plan: {len(results['staffing']['agents']):,} intervals forecast and staffed."
    return f"Simulated {len(inp.calls):,} intervals {inp.replications} times."
