"""The JSON API: /api/v1/…, OpenAPI at /api/openapi.json, docs at /api/docs (assets served locally)."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from soms.api.auth import AUTH
from soms.frameworks.api.authoring import router as framework_authoring_router
from soms.frameworks.api.browse import router as frameworks_router
from soms.frameworks.api.exchange import router as frameworks_io_router
from soms.people.api.routes import router as people_router
from soms.people.errors import PeopleConflict, PeopleInvalid
from soms.tenancy.api import router as tenancy_router
from soms.toolkits.capacity.api import router as capacity_router
from soms.toolkits.kpi.api import router as kpi_router
from soms.toolkits.saved.api import saved_router
from soms.toolkits.saved.registry import SAVED_KINDS

log = logging.getLogger("soms.api")

ERROR_SCHEMA: dict[str, Any] = {
    "title": "ErrorOut",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "description": "A sentence, or one entry per problem with where it is (`loc`) and what is wrong.",
            "anyOf": [
                {"type": "string"},
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["msg"],
                        "properties": {
                            "loc": {
                                "type": "array",
                                "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                            },
                            "msg": {"type": "string"},
                            "type": {"type": "string"},
                        },
                    },
                },
            ],
        }
    },
}


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
    return answers


class SomsAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        # Ninja documents only the success answers a route declares; every route here also gives
        # the house's error answers, so the spec says so and clients can rely on one error shape.
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["ErrorOut"] = ERROR_SCHEMA
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                responses = _status_keys_as_text(operation.setdefault("responses", {}))
                operation["responses"] = responses
                for status, text in _error_answers(path, method, operation).items():
                    responses.setdefault(str(status), {"description": text, "content": ref})
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
)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(PeopleInvalid)
def on_people_invalid(request: HttpRequest, exc: PeopleInvalid) -> HttpResponse:
    # A rule that needs stored data (a taken employee id, a manager cycle) names its field like a schema does.
    return api.create_response(
        request,
        {"detail": [{"loc": ["body", exc.field], "msg": exc.message, "type": "value_error"}]},
        status=422,
    )


@api.exception_handler(PeopleConflict)
def on_people_conflict(request: HttpRequest, exc: PeopleConflict) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # One answer for "missing" and "not yours".
    return api.create_response(request, {"detail": "Not found"}, status=404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": f"The request body is larger than the {settings.SOMS_MAX_UPLOAD_BYTES} byte limit"},
        status=413,
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Authentication required: send a personal API token or sign in"}, status=401
    )


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # API clients get JSON even when we fail; the traceback goes to the log, not to the client.
    log.exception("Unhandled error in %s %s", request.method, request.path)
    return api.create_response(
        request,
        {"detail": "The server failed to handle this request; the error has been logged."},
        status=500,
    )


def _body_error(request: HttpRequest, msg: str, kind: str) -> HttpResponse:
    return api.create_response(request, {"detail": [{"loc": ["body"], "type": kind, "msg": msg}]}, status=422)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    # Ninja answers an unparseable body with a bare 400; say what is wrong with it instead.
    if isinstance(cause, json.JSONDecodeError):
        msg = f"Malformed JSON: {cause.msg} at line {cause.lineno} column {cause.colno}"
        return _body_error(request, msg, "json_invalid")
    if isinstance(cause, UnicodeDecodeError):
        return _body_error(request, f"The body is not UTF-8 text (byte {cause.start})", "unicode_invalid")
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


api.add_router("/v1/", tenancy_router)
# Before frameworks_router: its /frameworks/{framework_id} would otherwise swallow /frameworks/import.
api.add_router("/v1/", frameworks_io_router)
api.add_router("/v1/", frameworks_router)
api.add_router("/v1/", framework_authoring_router)
api.add_router("/v1/", capacity_router)
for _kind in SAVED_KINDS.values():
    api.add_router("/v1/", saved_router(_kind))
api.add_router("/v1/", kpi_router)
api.add_router("/v1/", people_router)
