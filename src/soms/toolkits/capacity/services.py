"""Writes of capacity studies. Pages, API, CLI and demo all come through here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction

from soms.lazy import lazy_module
from soms.tenancy.models import Membership, Organisation
from soms.tenancy.services import audit_log_write
from soms.toolkits.capacity.schemas import ErlangInput, PlanInput, SimulateInput
from soms.toolkits.capacity.selectors import capacity_study_can_change
from soms.toolkits.models.capacity import CapacityStudy

if TYPE_CHECKING:
    from soms.jobs.models import Job
    from soms.toolkits.capacity import compute as capacity
    from soms.toolkits.capacity.compute import PlanRead
else:
    # NumPy and SciPy load at the first computation, not when the URLs (or a command) are imported.
    capacity = lazy_module("soms.toolkits.capacity.compute")


class StudyConflict(Exception):
    """The study changed since the caller read it; ``current`` is its revision now."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the study was changed by someone else (now at revision {current})")
        self.current = current


def _require_change(study: CapacityStudy, membership: Membership | None) -> None:
    if not capacity_study_can_change(study=study, membership=membership):
        raise PermissionDenied("Only the person who saved this study, or an owner or admin, may change it")


StudyInput = ErlangInput | PlanInput | SimulateInput


def capacity_study_create(
    *,
    organisation: Organisation,
    actor: User | None,
    name: str,
    inp: StudyInput,
    description: str = "",
    on_step: Callable[[str], None] | None = None,
    on_replication: Callable[[int, int], None] | None = None,
    read: PlanRead | None = None,
) -> CapacityStudy:
    """Compute a study from validated inputs and save it with what it keeps to be recomputed.

    The results are always computed here, so a study saved from a page, the API, the CLI, the demo
    or a background job is the same study. Raises ``CapacityInputError`` (nothing saved) when the
    core refuses the input. The computation runs before the transaction: it can take seconds, and
    SQLite has one write lock. ``on_step``/``on_replication`` report progress (``compute_plan``).
    """
    if isinstance(inp, PlanInput):
        kind = CapacityStudy.Kind.PLAN
        results = capacity.compute_plan(inp, on_step=on_step, on_replication=on_replication, read=read)
        inputs = capacity.plan_inputs(inp)
        if inp.source == "sample" and not description.strip():
            description = capacity.SAMPLE_LABEL
    elif isinstance(inp, ErlangInput):
        kind = CapacityStudy.Kind.ERLANG
        results = capacity.compute_erlang(inp)
        inputs = inp.model_dump(mode="json")
    else:
        kind = CapacityStudy.Kind.SIMULATION
        results = capacity.compute_simulation(inp, on_replication=on_replication)
        # JSON mode: a simulation's start is a datetime, which the JSON column stores as ISO text.
        inputs = inp.model_dump(mode="json")
    return _study_save(
        organisation=organisation,
        actor=actor,
        name=name,
        description=description,
        kind=kind,
        inputs=inputs,
        results=results,
    )


def capacity_study_create_from_job(
    *, job: Job, actor: User | None, name: str, description: str = ""
) -> CapacityStudy:
    """Save what a finished background computation (capacity_compute_job) found, as a study.

    The job computed its results with the same functions from the inputs it keeps, so this is the
    study capacity_study_create would save, without spending the seconds again. The caller has
    checked that the member may see the job (soms.jobs.access.job_for)."""
    import json

    kind = job.params["kind"]
    inputs = job.params["inputs"]
    with job.result_file.open("rb") as f:
        results = json.load(f)
    if kind == "plan" and inputs.get("source") == "sample" and not description.strip():
        description = capacity.SAMPLE_LABEL
    return _study_save(
        organisation=job.organisation,
        actor=actor,
        name=name,
        description=description,
        kind=CapacityStudy.Kind.PLAN if kind == "plan" else CapacityStudy.Kind.SIMULATION,
        inputs=inputs,
        results=results,
    )


@transaction.atomic
def _study_save(
    *,
    organisation: Organisation,
    actor: User | None,
    name: str,
    description: str,
    kind: str,
    inputs: dict[str, Any],
    results: dict[str, Any],
) -> CapacityStudy:
    study = CapacityStudy.objects.create(
        organisation=organisation,
        name=name.strip(),
        description=description.strip(),
        kind=kind,
        inputs=inputs,
        results=results,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_log_write(
        actor=actor,
        organisation=organisation,
        action="capacity_study.create",
        obj=study,
        after={"name": study.name, "kind": kind},
    )
    return study


@transaction.atomic
def capacity_study_rename(
    *,
    study: CapacityStudy,
    membership: Membership | None,
    actor: User,
    name: str,
    revision: int,
) -> CapacityStudy:
    """Rename if ``revision`` is still current; ``StudyConflict`` if someone changed it meanwhile."""
    _require_change(study, membership)
    locked = CapacityStudy.objects.select_for_update().get(pk=study.pk)
    if locked.revision != revision:
        raise StudyConflict(locked.revision)
    name = name.strip()
    if locked.name == name:
        return locked
    before = {"name": locked.name, "revision": locked.revision}
    locked.name = name
    locked.revision += 1
    locked.save(update_fields=["name", "revision", "updated_at"])
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action="capacity_study.rename",
        obj=locked,
        before=before,
        after={"name": name, "revision": locked.revision},
    )
    return locked


@transaction.atomic
def capacity_study_delete(
    *,
    study: CapacityStudy,
    membership: Membership | None,
    actor: User,
    revision: int | None = None,
) -> None:
    """Delete; with ``revision`` given, only if nobody changed the study since it was read."""
    _require_change(study, membership)
    locked = CapacityStudy.objects.select_for_update().get(pk=study.pk)
    if revision is not None and locked.revision != revision:
        raise StudyConflict(locked.revision)
    audit_log_write(
        actor=actor,
        organisation=locked.organisation,
        action="capacity_study.delete",
        obj=locked,
        before={"name": locked.name, "kind": locked.kind, "revision": locked.revision},
    )
    locked.delete()


def capacity_compute_runs_in_background(inp: StudyInput, read: PlanRead | None = None) -> bool:
    """A plan or simulation beyond the thresholds of soms.limits (BACKGROUND_PLAN_INTERVALS,
    BACKGROUND_SIMULATED_CALLS) is computed by a job; an Erlang calculation never is."""
    if isinstance(inp, PlanInput):
        return (read or capacity.plan_read(inp)).runs_in_background
    if isinstance(inp, SimulateInput):
        return capacity.simulation_runs_in_background(inp)
    return False


def capacity_compute_start(
    *,
    organisation: Organisation,
    actor: User | None,
    inp: PlanInput | SimulateInput,
    save_as: tuple[str, str] | None = None,
    enqueue: bool = True,
) -> Job:
    """Queue a large plan or simulation (validated, its demand read) as a background job.

    The job keeps the result JSON (the same as the synchronous answer) as its file and links to a
    page that shows it; with ``save_as`` (name, description) it saves a study instead, and links to it.
    """
    from soms.jobs.services import job_start
    from soms.toolkits.capacity.jobs import capacity_compute_job

    if isinstance(inp, PlanInput):
        kind, inputs = "plan", capacity.plan_inputs(inp)
        what = "demand plan" + (" with a simulated day" if inp.simulate else "")
    else:
        kind, inputs = "simulation", inp.model_dump(mode="json")
        what = f"simulation of {len(inp.calls):,} intervals × {inp.replications} replications"
    title = f"Save the study “{save_as[0].strip()}”" if save_as else f"Compute a {what}"
    return job_start(
        job_function=capacity_compute_job,
        organisation=organisation,
        owner=actor,
        title=title,
        params={
            "kind": kind,
            "inputs": inputs,
            "save_as": list(save_as) if save_as else None,
        },
        enqueue=enqueue,
    )
