"""Periodic jobs, run by `soms cron` (from cron or a systemd timer; see the README).

Register one in your app's `periodic.py` (found automatically)::

    from datetime import timedelta
    from soms.jobs.schedule import periodic

    @periodic(every=timedelta(days=1))
    def attainment_recompute(*, now):
        ...              # call a service; return a short sentence for the log

A periodic job is due when it never ran or its last start is at least `every` ago. `soms cron` runs
the due ones in turn, in its own process, and exits; each keeps its own transactions short.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from soms.jobs.models import PeriodicRun

log = logging.getLogger("soms.jobs")


@dataclass(frozen=True)
class Periodic:
    name: str
    every: timedelta
    fn: Callable[..., Any]


_PERIODIC: dict[str, Periodic] = {}


def periodic(*, every: timedelta) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        name = f"{fn.__module__}.{fn.__qualname__}"
        _PERIODIC[name] = Periodic(name=name, every=every, fn=fn)
        return fn

    return register


def periodic_jobs() -> list[Periodic]:
    autodiscover_modules("periodic")
    return sorted(_PERIODIC.values(), key=lambda p: p.name)


def is_due(job: Periodic, last_started_at: datetime | None, now: datetime) -> bool:
    # A minute's slack so that a daily cron line firing at the same minute every day is always due.
    return last_started_at is None or now - last_started_at >= job.every - timedelta(minutes=1)


@dataclass(frozen=True)
class Outcome:
    name: str
    ran: bool
    ok: bool
    message: str


def cron_run(*, now: datetime | None = None, force: bool = False, only: str | None = None) -> list[Outcome]:
    """Run each due periodic job once (all of them with `force`). One failing does not stop the rest."""
    outcomes = []
    for job in periodic_jobs():
        if only and only not in job.name:
            continue
        started = now or timezone.now()
        state, _ = PeriodicRun.objects.get_or_create(name=job.name)
        if not force and not is_due(job, state.last_started_at, started):
            outcomes.append(Outcome(job.name, ran=False, ok=True, message="not due"))
            continue
        PeriodicRun.objects.filter(pk=state.pk).update(last_started_at=started)
        try:
            message = str(job.fn(now=started) or "done")
            ok = True
        except Exception as exc:
            log.exception("Periodic job %s failed", job.name)
            message, ok = f"failed: {type(exc).__name__}: {exc}", False
        PeriodicRun.objects.filter(pk=state.pk).update(
            last_finished_at=timezone.now(), last_outcome=message[:500]
        )
        outcomes.append(Outcome(job.name, ran=True, ok=ok, message=message))
    return outcomes
