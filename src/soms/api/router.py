"""The JSON API: /api/v1/…, OpenAPI at /api/openapi.json, docs at /api/docs (assets served locally)."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from soms.api.auth import AUTH
from soms.frameworks.api import router as frameworks_router
from soms.frameworks.api_authoring import router as framework_authoring_router
from soms.frameworks.api_io import router as frameworks_io_router
from soms.tenancy.api import router as tenancy_router
from soms.toolkits.api import router as capacity_router

api = NinjaAPI(
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


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, json.JSONDecodeError):
        # Ninja answers an unparseable body with a bare 400; say where the JSON breaks instead.
        return api.create_response(
            request,
            {
                "detail": [
                    {
                        "loc": ["body"],
                        "type": "json_invalid",
                        "msg": f"Malformed JSON: {cause.msg} at line {cause.lineno} column {cause.colno}",
                    }
                ]
            },
            status=422,
        )
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


api.add_router("/v1/", tenancy_router)
# Before frameworks_router: its /frameworks/{framework_id} would otherwise swallow /frameworks/import.
api.add_router("/v1/", frameworks_io_router)
api.add_router("/v1/", frameworks_router)
api.add_router("/v1/", framework_authoring_router)
api.add_router("/v1/", capacity_router)
