"""Insights reports rendered in the background, in the scope of the member who asked."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from soms.frameworks.models import FrameworkVersion
from soms.insights import reports
from soms.insights.selectors.picture import Filters
from soms.insights.selectors.scope import scope_title
from soms.jobs.runner import JobContext, JobError, job
from soms.people.models import OrgUnit, Person, RoleProfile, Team
from soms.tenancy.models import Membership

FORMATS = ("pdf", "xlsx")


def _membership(ctx: JobContext) -> Membership:
    # The report shows what its owner may see *now*: a manager moved off a unit since asking gets
    # their new scope, and a removed member gets nothing.
    m = (
        Membership.objects.filter(user=ctx.actor, organisation=ctx.organisation)
        .select_related("organisation")
        .first()
    )
    if m is None:
        raise JobError("You are no longer a member of this organisation.")
    return m


def filter_params(filters: Filters) -> dict[str, Any]:
    """The job parameters that `filters_from` reads back (plain ids, JSON-safe)."""
    return {
        "unit": filters.unit.pk if filters.unit else None,
        "team": filters.team.pk if filters.team else None,
        "role_profile": filters.role_profile,
        "location": filters.location,
        "manager": filters.manager.pk if filters.manager else None,
    }


def filters_from(params: dict[str, Any], organisation_id: int) -> Filters:
    def get(model: Any, key: str, **extra: Any) -> Any:
        pk = params.get(key)
        if pk is None:
            return None
        found = model.objects.filter(pk=pk, **extra).first()
        if found is None:
            raise JobError(f"The {key.replace('_', ' ')} of this report was deleted before it ran.")
        return found

    profile = get(RoleProfile, "role_profile")
    return Filters(
        unit=get(OrgUnit, "unit", organisation_id=organisation_id),
        team=get(Team, "team", organisation_id=organisation_id),
        role_profile=profile.pk if profile else None,
        location=str(params.get("location") or ""),
        manager=get(Person, "manager", organisation_id=organisation_id),
    )


@job
def insights_report_job(ctx: JobContext, *, version_id: int, fmt: str, filters: dict[str, Any]) -> str:
    if fmt not in FORMATS:
        raise JobError(f"Unknown report format {fmt!r}.")
    m = _membership(ctx)
    version = FrameworkVersion.objects.select_related("framework").filter(pk=version_id).first()
    if version is None:
        raise JobError("The framework version was deleted before the report ran.")
    f = filters_from(filters, m.organisation_id)
    title = scope_title(m, f)
    stamp = timezone.localdate().isoformat()
    name = "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-")[:60] or "report"
    ctx.progress(0, 3, "Reading the attainment")
    if fmt == "xlsx":
        data = reports.team_xlsx(
            m, version, f, progress=lambda done, total: ctx.progress(1, 3, f"{done} of {total} people")
        )
        ctx.result_file(f"capability-{name}-{stamp}.xlsx", data, content_type=reports.XLSX)
    else:
        html = reports.team_html(m, version, f)
        ctx.progress(2, 3, "Laying out the PDF")
        ctx.result_file(
            f"capability-{name}-{stamp}.pdf", reports.pdf_bytes(html), content_type="application/pdf"
        )
    ctx.progress(3, 3, "Done")
    return f"The {fmt.upper()} report of {title} is ready."


@job
def development_plan_job(ctx: JobContext, *, person_id: int, version_id: int) -> str:
    from soms.people.access import people_in_scope

    m = _membership(ctx)
    person = people_in_scope(m, "person.view").filter(pk=person_id).first()
    version = FrameworkVersion.objects.select_related("framework").filter(pk=version_id).first()
    if person is None or version is None:
        raise JobError("The person or the framework version is no longer there.")
    ctx.progress(1, 2, "Laying out the PDF")
    pdf = reports.pdf_bytes(reports.plan_html(m, person, version))
    ctx.result_file(
        f"development-plan-{person.employee_id}-{timezone.localdate().isoformat()}.pdf",
        pdf,
        content_type="application/pdf",
    )
    ctx.progress(2, 2, "Done")
    return f"{person.name}'s development plan is ready."
