from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpResponse
from ninja import Field, Router, Schema

from soms.fields import MAX_ID, Id
from soms.frameworks import access
from soms.frameworks.cache import published_cached
from soms.frameworks.document import StoredDocument
from soms.frameworks.selectors import versions as selectors
from soms.ratelimits import documented, refused
from soms.tenancy.requests import ApiRequest

router = Router(tags=["frameworks"])

# A larger id than the database's keys is not "not found" but input no id can have: a 422 naming
# it, never a query that overflows (soms.fields.Id).
__all__ = ["MAX_ID", "Id", "router"]


class DraftProblemOut(Schema):
    """What keeps a draft from being a whole framework (not an error answer: a fact about the draft)."""

    loc: str
    msg: str


class VersionSummaryOut(Schema):
    id: int
    label: str
    status: str
    published_at: datetime | None
    attribution: str


class FrameworkOut(Schema):
    id: int
    code: str
    name: str
    description: str
    kind: str
    builtin: bool
    organisation_id: int | None
    versions: list[VersionSummaryOut]


class FrameworkVersionOut(Schema):
    id: int
    framework_id: int
    label: str
    status: str
    published_at: datetime | None
    attribution: str
    document: StoredDocument = Field(
        description="The version as stored. A draft may be work in progress (no levels yet, rules "
        "naming a level it no longer has); `problems` says what stops it from being exported."
    )
    problems: list[DraftProblemOut] = Field(
        description="What stops this version from being a whole framework document; empty when it is "
        "one (always, for a published version)."
    )


def _framework_out(fw: Any) -> dict[str, Any]:
    return {
        "id": fw.pk,
        "code": fw.code,
        "name": fw.name,
        "description": fw.description,
        "kind": fw.kind,
        "builtin": fw.is_builtin,
        "organisation_id": fw.organisation_id,
        "versions": list(fw.versions.all()),
    }


@router.get(
    "/frameworks", response=list[FrameworkOut], summary="Frameworks readable in the current organisation"
)
def framework_list(request: ApiRequest) -> list[dict[str, Any]]:
    frameworks = selectors.frameworks_visible_to(
        organisation=request.organisation, drafts=access.reads_drafts(request.membership)
    )
    return [_framework_out(fw) for fw in frameworks]


@router.get("/frameworks/{framework_id}", response=FrameworkOut)
def framework_detail(request: ApiRequest, framework_id: Id) -> dict[str, Any]:
    fw = access.framework_for(request.membership, framework_id)
    return _framework_out(fw)


@router.get(
    "/framework-versions/{version_id}",
    response=FrameworkVersionOut,
    summary="A whole framework version: levels, elements, statements, areas and rules",
    openapi_extra=documented("grid"),
)
def framework_version_detail(request: ApiRequest, version_id: Id) -> FrameworkVersionOut | HttpResponse:
    if (answer := refused(request, "grid")) is not None:
        return answer
    version = access.framework_version_for(request.membership, version_id)

    def build() -> FrameworkVersionOut:
        document = selectors.version_document_stored(version=version)
        return FrameworkVersionOut.model_validate(
            {
                "id": version.pk,
                "framework_id": version.framework_id,
                "label": version.label,
                "status": version.status,
                "published_at": version.published_at,
                "attribution": version.attribution,
                "document": document,
                "problems": [{"loc": loc, "msg": msg} for loc, msg in document.problems()],
            }
        )

    if not version.is_published:
        return build()
    # A published version never changes: its answer is rendered once, as Ninja renders a schema's
    # output, and then read back from the cache as bytes.
    from soms.api.router import api  # the API mounts this router: imported here, not at load

    body = published_cached(
        version, "api", lambda: api.renderer.render(request, build().model_dump(), response_status=200)
    )
    return HttpResponse(body, content_type=api.get_content_type())
