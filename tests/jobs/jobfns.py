"""Job functions used by the tests (the worker imports this module by name)."""

from __future__ import annotations

from soms.jobs.runner import JobContext, JobError, job
from soms.tenancy.models import Organisation


@job
def count_to(ctx: JobContext, *, n: int) -> str:
    for i in range(n):
        ctx.progress(i + 1, n, f"Counted {i + 1}")
    ctx.result_file("count.txt", "\n".join(str(i + 1) for i in range(n)), content_type="text/plain")
    return f"Counted to {n}."


@job
def rename_organisation(ctx: JobContext, *, organisation_id: int, name: str) -> str:
    # Re-fetch by id: the row may have gone while the job waited in the queue.
    org = Organisation.objects.filter(pk=organisation_id).first()
    if org is None:
        raise JobError("The organisation no longer exists.")
    Organisation.objects.filter(pk=org.pk).update(name=name)
    return "Renamed."


@job
def explode(ctx: JobContext) -> None:
    raise RuntimeError("boom")


# The tags of the `note` jobs in the order a worker ran them (this process's workers only).
RAN: list[str] = []


@job
def note(ctx: JobContext, *, tag: str) -> str:
    RAN.append(tag)
    return tag


@job
def slow_the_first_time(ctx: JobContext, *, seconds: float, n: int) -> str:
    """Long enough on its first attempt to kill its worker in the middle of it; quick afterwards."""
    import time

    if ctx.job.attempts == 1:
        ctx.progress(0, n, "Sleeping")
        time.sleep(seconds)
    return count_to(ctx, n=n)


@job
def nap(ctx: JobContext, *, seconds: float) -> str:
    import time

    time.sleep(seconds)
    return "Rested."
