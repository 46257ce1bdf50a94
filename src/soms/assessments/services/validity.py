"""An organisation's own validity periods, and recomputing attainment in the background.

`validity_set` records how long a level stays valid in one organisation (months, or never), which
changes every stored attainment of that organisation's people on the level's version: it is
recomputed by `attainment_recompute_job` (a `soms.jobs` job) started when the change commits.
`recompute_people` is what imports and carry-overs call for the people they touched: inline when they
are few, as the same job when they are many (a request never waits for thousands of people).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from soms.assessments.models import ValidityOverride
from soms.assessments.services.attainment import people_with_inputs, recompute, recompute_everyone
from soms.core.problems import Invalid
from soms.frameworks.models import FrameworkVersion, Level
from soms.jobs.models import Job
from soms.jobs.runner import JobContext, JobError, job
from soms.tenancy.audit import AuditAction
from soms.tenancy.models import Organisation
from soms.tenancy.services import audit_log_write

# Up to this many people are recomputed inside the request; more go to a job.
INLINE_RECOMPUTE = 200
MAX_VALIDITY_MONTHS = 600


@job
def attainment_recompute_job(ctx: JobContext, *, version_id: int, person_ids: list[int] | None = None) -> str:
    """Recompute stored attainment on one version: the given people, or everyone of the
    organisation with anything on it."""
    version = FrameworkVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise JobError("The framework version was deleted before the recomputation ran.")
    org_id = ctx.organisation.pk
    ids = sorted(set(person_ids)) if person_ids is not None else people_with_inputs(version, org_id)
    total = len(ids)
    ctx.progress(0, total, "Recomputing attainment")

    def progress(n: int, of: int) -> None:
        ctx.progress(n, of, f"{n:,} of {of:,} people")

    # One call: its batches share one engine and one memo of element answers, and what derives from
    # the stored rows (Insights' unit rollups) is refreshed once at the end, not after each batch.
    # Everyone: as `recompute_everyone`, which reads who they are again once it has recorded that it
    # began, and writes nothing for the people whose answer is unchanged.
    if person_ids is None:
        done = recompute_everyone(version, org_id, progress=progress)
    else:
        done = recompute(ids, version, org_id, progress=progress)
    return f"Recomputed the attainment of {done:,} people on {version.framework.name} {version.label}."


def recompute_people(
    *,
    organisation: Organisation,
    touched: dict[int, set[int]],
    actor: Any,
    title: str,
    enqueue: bool = True,
    inline_limit: int = INLINE_RECOMPUTE,
) -> list[Job]:
    """Recompute the people touched per version (version id → person ids). Few people: now, and
    answers []; many: one job per version, queued on commit (or only recorded, `enqueue=False`, for a
    command that runs it in the foreground), and answers the jobs."""
    jobs: list[Job] = []
    versions = FrameworkVersion.objects.in_bulk(list(touched))
    for version_id, ids in sorted(touched.items()):
        if not ids:
            continue
        version = versions[version_id]
        if len(ids) <= inline_limit:
            recompute(ids, version, organisation.pk)
            continue
        from soms.jobs.services import job_start

        jobs.append(
            job_start(
                job_function=attainment_recompute_job,
                organisation=organisation,
                owner=actor,
                title=f"{title}: attainment on {version.framework.name} {version.label}",
                params={"version_id": version_id, "person_ids": sorted(ids)},
                total=len(ids),
                enqueue=enqueue,
                # The consequence of a write already accepted: never refused for a full queue.
                limited=False,
            )
        )
    return jobs


def recompute_version_job(
    *, organisation: Organisation, version: FrameworkVersion, actor: Any, enqueue: bool = True
) -> Job:
    """Everyone of the organisation on `version`, as a job (after a validity change, or on demand)."""
    from soms.jobs.services import job_start

    return job_start(
        job_function=attainment_recompute_job,
        organisation=organisation,
        owner=actor,
        title=f"Recompute attainment on {version.framework.name} {version.label}",
        params={"version_id": version.pk},
        total=len(people_with_inputs(version, organisation.pk)),
        enqueue=enqueue,
    )


def validity_levels(organisation: Organisation, version: FrameworkVersion) -> list[dict[str, Any]]:
    """Each level of the version with the framework's validity and the organisation's override."""
    overrides = {
        o.level_id: o
        for o in ValidityOverride.objects.filter(organisation=organisation, level__version=version)
    }
    out = []
    for level in Level.objects.filter(version=version).order_by("rank"):
        o = overrides.get(level.pk)
        out.append(
            {
                "level": level,
                "framework_months": level.validity_months,
                "overridden": o is not None,
                "months": o.validity_months if o is not None else level.validity_months,
                "updated_at": o.updated_at if o is not None else None,
            }
        )
    return out


def _months(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid.for_field(where, "give a whole number of months, or leave it empty for never")
    if not 1 <= value <= MAX_VALIDITY_MONTHS:
        raise Invalid.for_field(where, f"must be between 1 and {MAX_VALIDITY_MONTHS} months (empty: never)")
    return value


def validity_set(
    *,
    organisation: Organisation,
    level: Level,
    months: int | None,
    inherit: bool = False,
    actor: Any,
) -> Job | None:
    """Set the organisation's validity for `level` (`months`; None: never expires), or drop the
    override (`inherit`: the framework's own value applies again). Starts the recomputation of the
    organisation's people on the level's version when anything changed; answers that job."""
    months = None if inherit else _months(months, "validity_months")
    with transaction.atomic():
        current = (
            ValidityOverride.objects.select_for_update()
            .filter(organisation=organisation, level=level)
            .first()
        )
        before = None if current is None else {"validity_months": current.validity_months}
        if inherit:
            if current is None:
                return None
            current.delete()
            after: dict[str, Any] | None = {"validity_months": level.validity_months, "inherited": True}
        else:
            if current is not None and current.validity_months == months:
                return None
            ValidityOverride.objects.update_or_create(
                organisation=organisation, level=level, defaults={"validity_months": months}
            )
            after = {"validity_months": months}
        audit_log_write(
            actor=actor,
            organisation=organisation,
            action=AuditAction.VALIDITY_OVERRIDE_SET,
            obj=level,
            before=before,
            after={**(after or {}), "level": level.code, "version": level.version_id},
        )
        return recompute_version_job(organisation=organisation, version=level.version, actor=actor)


def person_ids_of(rows: Iterable[tuple[int, int]]) -> dict[int, set[int]]:
    """(version id, person id) pairs as the `touched` mapping of `recompute_people`."""
    out: dict[int, set[int]] = {}
    for version_id, person_id in rows:
        out.setdefault(version_id, set()).add(person_id)
    return out
