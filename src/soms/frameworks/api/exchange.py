"""API for exchanging frameworks as files: import (admins and owners) and export (any member)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.params import functions as param
from pydantic import Field

from soms import limits
from soms.api.errors import ProblemsOut, problems_answer
from soms.core.problems import Problem, path_loc
from soms.fields import Filename, Id, Input
from soms.frameworks import access, io
from soms.frameworks.selectors.versions import VersionIncomplete
from soms.frameworks.services.exchange import (
    ChoiceInvalid,
    ImportNeedsChoice,
    export_runs_in_background,
    framework_export_start,
    framework_import_read,
    framework_import_start,
    framework_import_write,
    framework_version_export,
)
from soms.jobs.api import JobOut, job_out
from soms.ratelimits import documented, refused
from soms.tenancy.access import require
from soms.tenancy.requests import ApiRequest

router = Router(tags=["framework exchange"])


class ExchangeDetailOut(Schema):
    detail: str


class ImportedOut(Schema):
    id: int
    framework_id: int
    framework_code: str
    label: str
    status: str
    statements: int
    warnings: list[str] = Field(
        default_factory=list,
        description="What was normalised or dropped to read the file (also kept in the version's notes).",
    )


class ImportQuery(Input):
    format: Literal["yaml", "json", "csv", "case"] | None = None
    publish: bool = False
    filename: Filename = ""
    import_as: Literal["version", "framework"] | None = Field(
        None,
        description=(
            "What a file that clashes becomes (the answer 409 says when it does): `version`, the next "
            "version of the organisation's framework with the file's code (`label`, or the next free "
            "label); `framework`, a new framework (`code` and `name`, or free ones derived from the "
            "file's) with identifiers of its own."
        ),
    )
    label: str | None = Field(
        None, max_length=40, description="With import_as=version: the new version's label."
    )
    code: str | None = Field(
        None, max_length=80, description="With import_as=framework: the new framework's code."
    )
    name: str | None = Field(None, max_length=200, description="With import_as=framework: its name.")


class ChoiceVersionOut(Schema):
    framework_id: int
    label: str = Field(description="A free label to send as `label` (the next after the latest).")


class ChoiceFrameworkOut(Schema):
    code: str
    name: str


class ImportChoicesOut(Schema):
    version: ChoiceVersionOut | None = Field(
        None,
        description="Send import_as=version (absent for a built-in framework: imports never change one).",
    )
    framework: ChoiceFrameworkOut = Field(description="Send import_as=framework.")


class ImportClashOut(Schema):
    detail: list[dict[str, Any]]
    choices: ImportChoicesOut


class ExportQuery(Input):
    format: Literal["yaml", "json", "csv", "case"] = "yaml"


class ImportProblemsOut(ProblemsOut):
    help: list[str] = Field(
        default_factory=list,
        description="What helps to fix the file without being a problem (for a CSV, the columns it may have).",
    )


def _problems(status: int, error: io.FrameworkImportError) -> Status[dict[str, Any]]:
    # The places are in the file that was sent.
    answer = problems_answer(status, error.within("file").problems)
    if error.help:
        answer.value["help"] = error.help
    return answer


@router.post(
    "/frameworks/import",
    response={
        201: ImportedOut,
        202: JobOut,
        403: ExchangeDetailOut,
        409: ImportClashOut,
        413: ProblemsOut,
        422: ImportProblemsOut,
    },
    summary="Import a framework file as a new framework or a new version (admins and owners)",
    description=(
        "Send the file as multipart form data (field `file`), or as the raw request body (for example "
        "`Content-Type: application/json` with a framework document or a CASE 1.1 CFPackage). The format "
        "is taken from `format`, else from the file name's extension, else from the content. The version "
        "is stored as a draft unless `publish=true`. A bad file answers 422 with every problem and its "
        "place; nothing is written. Files above the upload limit answer 413. A sound file that clashes "
        "(its framework already has a version with its label, as when an unchanged export is imported "
        "again, or it is a built-in framework) answers 409 with the reason and `choices`: send it again "
        "with `import_as=version` (optionally `label`) or `import_as=framework` (optionally `code`, `name`). "
        f"A file of more than {limits.BACKGROUND_IMPORT_STATEMENTS:,} statements is checked at once (the "
        "answers above) and written by a background job: the answer is 202 with the job, whose `url` to "
        "poll gives `result_url` (the new version's page) when its status is `done`."
    ),
    openapi_extra=documented("import"),
)
def framework_import_api(
    request: ApiRequest,
    query: Query[ImportQuery],
    file: UploadedFile | None = param.File(None),  # noqa: B008
) -> Status[dict[str, Any]] | HttpResponse:
    if (answer := refused(request, "import")) is not None:
        return answer
    membership = require(request.membership, "framework.import")
    try:
        if file is not None:
            io.check_size(file.size or 0)
            data, filename = file.read(), query.filename or file.name or ""
        elif (request.content_type or "").startswith("multipart/"):
            # The form was read for its parts, so there is no raw body to fall back on: a form
            # without a file part (`-F file=abc` sends text, `-F file=@path` a file) is a bad request.
            return problems_answer(
                422,
                [
                    Problem(
                        ("file",),
                        "no file part named 'file' in the form; send the file itself "
                        "(curl -F file=@framework.yaml), or send it as the raw request body",
                        "missing",
                    )
                ],
            )
        else:
            io.check_size(int(request.META.get("CONTENT_LENGTH") or 0))
            data, filename = request.body, query.filename
        read = framework_import_read(
            organisation=membership.organisation,
            data=data,
            filename=filename,
            format=query.format,
            import_as=query.import_as,
            label=query.label,
            code=query.code,
            name=query.name,
        )
        if read.runs_in_background:
            job = framework_import_start(
                organisation=membership.organisation,
                actor=request.user,
                read=read,
                filename=filename,
                publish=query.publish,
            )
            return Status(202, job_out(job))
        version = framework_import_write(
            organisation=membership.organisation,
            actor=request.user,
            read=read,
            filename=filename,
            publish=query.publish,
        )
    except ImportNeedsChoice as exc:
        clash = exc.clash
        return Status(
            409,
            {
                "detail": [p.as_dict() for p in exc.within("file").problems],
                "choices": {
                    "version": {"framework_id": clash.framework.pk, "label": clash.suggested_label}
                    if clash.framework is not None
                    else None,
                    "framework": {"code": clash.suggested_code, "name": clash.suggested_name},
                },
            },
        )
    except ChoiceInvalid as exc:
        return problems_answer(422, exc.within("query").problems)
    except io.FileTooLarge as exc:
        return _problems(413, exc)
    except io.FrameworkImportError as exc:
        return _problems(422, exc)
    return Status(
        201,
        {
            "id": version.pk,
            "framework_id": version.framework_id,
            "framework_code": version.framework.code,
            "label": version.label,
            "status": version.status,
            "statements": version.statements.count(),
            "warnings": version.import_warnings,
        },
    )


@router.get(
    "/framework-versions/{version_id}/export",
    summary="A framework version as a file: native YAML or JSON, CSV, or a CASE 1.1 CFPackage",
    description=(
        "A draft that is not yet a whole framework (no levels or elements, rules naming a missing level) "
        "answers 409 with every problem and its place. A version of more than "
        f"{limits.BACKGROUND_EXPORT_STATEMENTS:,} statements (or {limits.BACKGROUND_EXPORT_CHARACTERS:,} "
        "characters of statement text) whose file is not ready yet is rendered by "
        "a background job: the answer is 202 with the job; poll its `url` until `status` is `done`, then "
        "fetch its `download_url` (or ask this operation again: a published version's file is kept)."
    ),
    response={200: None, 202: JobOut, 409: ProblemsOut},
    openapi_extra=documented(
        "export",
        {
            "responses": {
                200: {
                    "description": "The file, as an attachment",
                    "content": {ct.split(";")[0]: {} for ct in io.CONTENT_TYPES.values()},
                }
            }
        },
    ),
)
def framework_version_export_api(
    request: ApiRequest, version_id: Id, query: Query[ExportQuery]
) -> HttpResponse | Status[dict[str, Any]]:
    if (answer := refused(request, "export")) is not None:
        return answer
    version = access.framework_version_for(request.membership, version_id)
    membership = request.membership
    if membership is not None and export_runs_in_background(version=version, format=query.format):
        job = framework_export_start(
            version=version, format=query.format, organisation=membership.organisation, actor=request.user
        )
        return Status(202, job_out(job))
    try:
        rendered = framework_version_export(version=version, format=query.format)
    except VersionIncomplete as exc:
        return problems_answer(409, [Problem(path_loc(loc), msg, "incomplete") for loc, msg in exc.problems])
    response = HttpResponse(rendered.content, content_type=rendered.content_type)
    response["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
    return response
