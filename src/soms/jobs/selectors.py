from __future__ import annotations

from django.db.models import QuerySet

from soms.jobs.models import Job
from soms.tenancy.models import Membership


def jobs_visible_to(*, membership: Membership) -> QuerySet[Job]:
    """A member sees the jobs they started; owners and admins see every job of the organisation."""
    jobs = Job.objects.filter(organisation_id=membership.organisation_id).select_related("owner")
    if membership.is_admin:
        return jobs
    return jobs.filter(owner_id=membership.user_id)
