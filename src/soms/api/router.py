"""The JSON API: /api/v1/…, OpenAPI at /api/openapi.json, docs at /api/docs (assets served locally)."""

from __future__ import annotations

import copy
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from soms.api.auth import AUTH
from soms.api.errors import ERROR_SCHEMA, SomsParser, json_method_not_allowed
from soms.api.errors import install as install_error_handlers
from soms.assessments.api.assessments import router as assessments_router
from soms.assessments.api.attainment import router as attainment_router
from soms.assessments.api.evidence import router as evidence_router
from soms.assessments.api.history import router as history_router
from soms.assessments.api.projects import router as projects_router
from soms.assessments.services.evidence import EvidenceConflict
from soms.assessments.services.projects import ProjectConflict
from soms.audit.api import router as audit_router
from soms.audit.errors import AuditConflict
from soms.frameworks.api.authoring import router as framework_authoring_router
from soms.frameworks.api.browse import router as frameworks_router
from soms.frameworks.api.exchange import router as frameworks_io_router
from soms.insights.api.routes import router as insights_router
from soms.jobs.api import QUEUE_FULL_ANSWER
from soms.jobs.api import router as jobs_router
from soms.jobs.middleware import queue_full_response
from soms.jobs.queue import QueueFull
from soms.people.api.routes import router as people_router
from soms.people.errors import PeopleConflict
from soms.tenancy.api import router as tenancy_router
from soms.toolkits.capacity.api import router as capacity_router
from soms.toolkits.kpi.api import router as kpi_router
from soms.toolkits.saved.api import saved_router
from soms.toolkits.saved.registry import SAVED_KINDS


def _error_answers(path: str, method: str, operation: dict[str, Any]) -> dict[int, str]:
    """The error statuses an operation can give, from the rules every route follows."""
    answers = {}
    if operation.get("security"):
        answers[401] = "Not signed in and no valid API token"
        answers[403] = "Your role in this organisation does not allow this"
    if "{" in path:
        answers[404] = "Not found, or not part of your current organisation (the same answer)"
    if operation.get("parameters") or operation.get("requestBody"):
        answers[422] = "Bad input: each problem named with its place"
    if method != "get":
        answers[409] = "Conflicts with what is stored (changed by someone else, published, or taken)"
    # Any address can be too long (soms.tenancy.middleware answers it before any route does).
    answers[414] = "The address (path and query string) is longer than MAX_URL_LENGTH characters"
    return answers


class SomsAPI(NinjaAPI):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._openapi_schemas: dict[str, Any] = {}

    def _get_urls(self) -> list[Any]:
        patterns = super()._get_urls()
        for pattern in patterns:
            callback = getattr(pattern, "callback", None)
            if callback is not None:
                pattern.callback = json_method_not_allowed(callback)
        return patterns

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        # The operations are all registered when the URLs are built, so the document is the same for
        # the process's life: Ninja built it again at every request (0.3 s of CPU); it is now built
        # once per path prefix and each caller gets a copy of its own (a quarter of the cost). A
        # copy, not a JSON round trip, so that what is served is exactly what was built.
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        if path_prefix not in self._openapi_schemas:
            self._openapi_schemas[path_prefix] = self._openapi_schema_built(path_prefix)
        return copy.deepcopy(self._openapi_schemas[path_prefix])

    def _openapi_schema_built(self, path_prefix: str) -> Any:
        # Ninja documents only the success answers a route declares; every route here also gives
        # the house's error answers, so the spec says so and clients can rely on one error shape.
        schema = super().get_openapi_schema(path_prefix=path_prefix)
        schema.setdefault("components", {}).setdefault("schemas", {})["ErrorOut"] = ERROR_SCHEMA
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                responses = _status_keys_as_text(operation.setdefault("responses", {}))
                operation["responses"] = responses
                for status, text in _error_answers(path, method, operation).items():
                    responses.setdefault(str(status), {"description": text, "content": ref})
                if "202" in responses:
                    # It starts a background job, refused while too many wait (soms.jobs.queue).
                    responses.setdefault("429", QUEUE_FULL_ANSWER)
        return schema


def _status_keys_as_text(responses: dict[Any, Any]) -> dict[str, Any]:
    """Ninja keys an operation's answers by int and `openapi_extra` may key them by text: in JSON
    both become "200", a duplicated key that Swagger UI refuses. One key per status, the
    `openapi_extra` part laid over Ninja's own."""
    merged: dict[str, Any] = {}
    for status, answer in sorted(responses.items(), key=lambda item: isinstance(item[0], str)):
        key = str(status)
        merged[key] = _deep_merge(merged[key], answer) if key in merged else answer
    return dict(sorted(merged.items()))


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = (
            _deep_merge(out[key], value)
            if isinstance(out.get(key), dict) and isinstance(value, dict)
            else value
        )
    return out


api = SomsAPI(
    title="SOMS API",
    version="1",
    description=(
        "Service Operating Model Skills. Authenticate with a personal API token "
        "(`Authorization: Bearer soms_…`, made on the API tokens page; bound to one organisation) or with "
        "the browser session. Objects of other organisations answer 404, exactly like missing ones."
    ),
    auth=AUTH,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    parser=SomsParser(),
)


install_error_handlers(api)


@api.exception_handler(QueueFull)
def on_queue_full(request: HttpRequest, exc: QueueFull) -> HttpResponse:
    # The organisation or the person already has as many jobs waiting as they may (the limit named).
    return queue_full_response(request, exc)


@api.exception_handler(PeopleConflict)
def on_people_conflict(request: HttpRequest, exc: PeopleConflict) -> HttpResponse:
    # Well formed, but it clashes with what is stored (the last owner, an import applied twice, a
    # stale revision: then the current one comes along, so the client can read again and retry).
    body: dict[str, Any] = {"detail": str(exc)}
    current = getattr(exc, "current", None)
    if current is not None:
        body["revision"] = current
    return api.create_response(request, body, status=409)


@api.exception_handler(AuditConflict)
def on_audit_conflict(request: HttpRequest, exc: AuditConflict) -> HttpResponse:
    # A closed audit, answers already submitted, a published template, a stale revision.
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(EvidenceConflict)
def on_evidence_conflict(request: HttpRequest, exc: EvidenceConflict) -> HttpResponse:
    # Kept: a validated assessment or change project relies on the evidence.
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(ProjectConflict)
def on_project_conflict(request: HttpRequest, exc: ProjectConflict) -> HttpResponse:
    # Changed since it was read (with the current revision), validated, under review, or the code is taken.
    body: dict[str, Any] = {"detail": str(exc)}
    if exc.current is not None:
        body["revision"] = exc.current
    return api.create_response(request, body, status=409)


api.add_router("/v1/", tenancy_router)
# Before frameworks_router: its /frameworks/{framework_id} would otherwise swallow /frameworks/import.
api.add_router("/v1/", frameworks_io_router)
api.add_router("/v1/", frameworks_router)
api.add_router("/v1/", framework_authoring_router)
api.add_router("/v1/", capacity_router)
api.add_router("/v1/", jobs_router)
for _kind in SAVED_KINDS.values():
    api.add_router("/v1/", saved_router(_kind))
api.add_router("/v1/", kpi_router)
api.add_router("/v1/", people_router)
api.add_router("/v1/", attainment_router)
api.add_router("/v1/", history_router)
api.add_router("/v1/", audit_router)
api.add_router("/v1/", assessments_router)
api.add_router("/v1/", evidence_router)
api.add_router("/v1/", projects_router)
api.add_router("/v1/", insights_router)
