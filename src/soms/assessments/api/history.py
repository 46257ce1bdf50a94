"""Historic results in bulk over JSON: the same check and write as the page and the command line.

`POST /api/v1/history/assessments/import` and `POST /api/v1/history/projects/import` take a
multipart `file` (CSV or XLSX). Every problem comes back as the house's 422 (`{"detail": [{loc, msg, type}]}`, `loc`
`["file", "row 7, column statement"]`) and nothing is written; a clean file answers its dry-run summary (`dry_run`, the default)
or is written (200, or 202 with the recomputation jobs when it touched many people).
"""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema, Status
from ninja.files import UploadedFile
from ninja.params import functions as param

from soms.assessments.services.history_import import apply_plan, check_file
from soms.core.problems import Invalid, Problem
from soms.jobs.api import job_out
from soms.jobs.models import Job
from soms.ratelimits import documented, refused
from soms.tenancy.access import member_required, require
from soms.tenancy.requests import MemberRequest

router = Router(tags=["attainment"])


class HistoryImportOut(Schema):
    status: str  # ready | applied
    summary: dict[str, Any]
    problems: list[dict[str, Any]]
    result: dict[str, Any] | None
    jobs: list[dict[str, Any]]


def _run(
    request: MemberRequest,
    what: str,
    file: UploadedFile,
    dry_run: bool,
    sheet: str,
    framework: str = "",
    version: str = "",
) -> Status:  # type: ignore[type-arg]
    m = request.membership
    require(m, "assessment.import" if what == "assessments" else "project.import")
    if (answer := refused(request, "import")) is not None:
        return answer  # type: ignore[return-value]
    plan = check_file(
        organisation=m.organisation,
        what=what,
        filename=file.name or "upload",
        content=file.read(),
        sheet=sheet or None,
        framework=framework,
        version=version,
    )
    body: dict[str, Any] = {
        "summary": plan.summary(),
        "problems": [p.as_dict() for p in plan.problems],
        "result": None,
        "jobs": [],
    }
    if plan.problems:
        # The house's 422: one {loc, msg, type} per problem, the place as a person finds it in the file.
        raise Invalid(
            [
                Problem(
                    ("file", f"row {p.row}, column {p.column}" if p.row else f"column {p.column}"),
                    p.reason + (f" (value {p.value!r})" if p.value else ""),
                )
                for p in plan.problems
            ]
        )
    if dry_run:
        return Status(200, {**body, "status": "ready"})
    result = apply_plan(plan, organisation=m.organisation, actor=request.user)
    jobs = [job_out(j) for j in Job.objects.filter(pk__in=result["jobs"])]
    return Status(202 if jobs else 200, {**body, "status": "applied", "result": result, "jobs": jobs})


@router.post(
    "/history/assessments/import",
    response={200: HistoryImportOut, 202: HistoryImportOut},
    summary="Check historic validated judgements (CSV or XLSX); write them unless dry_run",
    openapi_extra=documented("import"),
)
@member_required
def assessments_import(
    request: MemberRequest,
    file: UploadedFile = param.File(...),  # noqa: B008
    dry_run: bool = param.Form(True),  # noqa: B008
    sheet: str = param.Form("", max_length=100),  # noqa: B008
) -> Status:  # type: ignore[type-arg]
    return _run(request, "assessments", file, dry_run, sheet)


@router.post(
    "/history/projects/import",
    response={200: HistoryImportOut, 202: HistoryImportOut},
    summary="Check historic validated change projects (CSV or XLSX); write them unless dry_run",
    openapi_extra=documented("import"),
)
@member_required
def projects_import(
    request: MemberRequest,
    file: UploadedFile = param.File(...),  # noqa: B008
    dry_run: bool = param.Form(True),  # noqa: B008
    sheet: str = param.Form("", max_length=100),  # noqa: B008
    framework: str = param.Form(
        "", max_length=80, description="Framework code for rows without a framework column"
    ),  # noqa: B008
    version: str = param.Form(
        "", max_length=40, description="Version label for rows without a version column"
    ),  # noqa: B008
) -> Status:  # type: ignore[type-arg]
    return _run(request, "projects", file, dry_run, sheet, framework, version)
