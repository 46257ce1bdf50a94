"""Tenant-scoped lookups of jobs. Another person's job (unless you administer the organisation) and
another organisation's job answer 404, like a missing one."""

from __future__ import annotations

from typing import Any

from soms.jobs.models import Job
from soms.jobs.selectors import jobs_visible_to
from soms.tenancy.access import NotFound
from soms.tenancy.models import Membership


def job_for(membership: Membership | None, job_id: Any) -> Job:
    if membership is None:
        raise NotFound("No such job")
    try:
        return jobs_visible_to(membership=membership).get(pk=job_id)
    except (Job.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound("No such job") from None
