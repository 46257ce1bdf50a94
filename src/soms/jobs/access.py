"""Tenant-scoped lookups of jobs. Another person's job (unless you administer the organisation) and
another organisation's job answer 404, like a missing one."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from soms.jobs.models import Job
from soms.jobs.selectors import jobs_visible_to
from soms.tenancy.access import NotFound
from soms.tenancy.models import ADMIN_ROLES, Membership


def job_for(membership: Membership | None, job_id: Any) -> Job:
    if membership is None:
        raise NotFound("No such job")
    try:
        return jobs_visible_to(membership=membership).get(pk=job_id)
    except (Job.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound("No such job") from None


def job_file_refusal(membership: Membership, job: Job) -> str | None:
    """Why `membership` may not take `job`'s file, or None. The file holds what its owner's role
    could see when it was made (an admin's export of everyone, a manager's of their people): once
    the owner's role changed, it is theirs no longer, unless they now administer the organisation
    (who see everything anyway). Administrators may take any file of the organisation."""
    if job.owner_id != membership.user_id or not job.owner_role or membership.role in ADMIN_ROLES:
        return None
    if membership.role == job.owner_role:
        return None
    return (
        f"Your role changed (from {job.owner_role} to {membership.role}) since this file was made, "
        "and it holds what that role could see; start it again."
    )


def job_file_for(membership: Membership | None, job_id: Any) -> Job:
    """The job whose file `membership` may download: 404 as `job_for`, or if it has no file; 403
    when the file holds more than its owner's role now lets them see."""
    job = job_for(membership, job_id)
    if not job.result_file:
        raise Http404("This job has no file")
    assert membership is not None
    if (reason := job_file_refusal(membership, job)) is not None:
        raise PermissionDenied(reason)
    return job
