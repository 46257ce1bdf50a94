"""Nightly: idempotency keys past their day are deleted (`soms.tenancy.idempotency`).

Found by `soms cron` only (the job machinery sits above tenancy; nothing in tenancy imports this)."""

from __future__ import annotations

from datetime import datetime, timedelta

from soms.jobs.schedule import periodic
from soms.tenancy.idempotency import idempotency_keys_expire


@periodic(every=timedelta(days=1))
def idempotency_keys_housekeeping(*, now: datetime) -> str:
    return f"deleted {idempotency_keys_expire(now=now)} idempotency keys past their lifetime"
