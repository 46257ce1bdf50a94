"""How the API answers when something is wrong: always JSON `{"detail": …}`, the `ErrorOut` of the spec.

Bad input is a 422 whose detail lists problems `{loc, msg, type}`, wherever it was found: Ninja's own
validation, the request parser (malformed or too deeply nested JSON, numbers past 4,300 digits, NUL
characters in query and form values), or a service or the core raising `soms.core.problems.Invalid`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from ninja import Field, NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from soms.core.problems import Invalid, Problem
from soms.core.safeload import json_loads
from soms.fields import NUL_MESSAGE

log = logging.getLogger("soms.api")

# What every error answer looks like (documented once, referenced by every operation).
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
                        "required": ["loc", "msg", "type"],
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


class SomsParser(Parser):
    """Ninja's parser, made safe for any input: every fault is an `Invalid` with its place."""

    def parse_body(self, request: HttpRequest) -> Any:
        # Ninja wraps whatever this raises in a 400 "Cannot parse request body"; on_http_error
        # below finds the Invalid behind it and answers the 422 the spec documents.
        try:
            # NUL characters are left to the schemas (soms.fields.Input), which name the field.
            data = json_loads(request.body, refuse_nul=False)
        except Invalid as exc:
            # The place in the text ("line 1, column 2") is not a field: it goes into the message,
            # and the problem is the body's. A value the parser could not keep (a 5,000-digit number)
            # keeps its path in the body, so that the answer names the field.
            raise Invalid(
                p
                if p.loc and not _text_place(p.loc)
                else Problem((), f"{p.msg} at {p.location}" if p.loc else p.msg, p.type)
                for p in exc.problems
            ) from None
        if not isinstance(data, dict):
            # Every JSON body of the API is an object. Ninja's schemas read attributes from whatever
            # they are given, so `[null, null]`, `"AAA"` or `7` passed as an object with every field
            # left out: a PUT of a level's validity with `"AAA"` set it to "never expires".
            raise Invalid(
                [Problem((), f"the body must be a JSON object ({{…}}), not {_json_kind(data)}", "body_type")]
            )
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        where = "query" if data is request.GET else "form"
        for key, values in data.lists():
            if "\x00" in key or any(isinstance(v, str) and "\x00" in v for v in values):
                raise Invalid([Problem((where, key.replace("\x00", "")), NUL_MESSAGE, "string_nul")])
        return super().parse_querydict(data, list_fields, request)


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true or false"
    if value is None:
        return "null"
    return "a number"


def _text_place(loc: tuple[str | int, ...]) -> bool:
    """A place in the text of the body ("line 1, column 2"), not a path of fields."""
    return len(loc) == 1 and isinstance(loc[0], str) and loc[0].startswith("line ")


def problem_dicts(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic's error dicts as problems: loc as a list, msg, type, and any plain extra field
    (a CSV problem's row and column); never the input echoed back or Python objects in `ctx`."""
    out = []
    for err in errors:
        entry: dict[str, Any] = {
            "loc": [p if isinstance(p, int) else str(p) for p in err.get("loc", ())],
            "msg": str(err.get("msg", "")).removeprefix("Value error, "),
            "type": str(err.get("type", "value_error")),
        }
        for key, value in err.items():
            if key not in {"loc", "msg", "type", "input", "ctx", "url"} and isinstance(value, str | int):
                entry[key] = value
        out.append(entry)
    return out


# The first part of every `loc` the API answers: where in the request the client put the value.
PLACES = frozenset({"body", "query", "path", "form", "file", "header", "cookie"})


def placed(request: HttpRequest, problems: list[Problem]) -> list[Problem]:
    """Problems rooted where the client sent the value. A service names a field as it knows it
    (`["unit"]`, `["person_id"]`); the client needs `["body", "payload", "unit"]` or
    `["query", "person_id"]`, the place the OpenAPI document describes. A problem about the stored
    object the path names (an audit's missing consensus, sent nowhere in the request) is placed
    under that path parameter; with no path parameter, under the body it would have been sent in."""
    if all(p.loc and p.loc[0] in PLACES for p in problems):
        return problems
    body: Any = None
    if request.content_type == "application/json" and request.body:
        try:
            body = json_loads(request.body, refuse_nul=False)
        except Invalid:
            body = None
    form: Any = {}
    files: Any = {}
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        # A body that cannot be read as a form holds no field a problem could be placed in.
        with contextlib.suppress(MultiPartParserError, SuspiciousOperation):
            form, files = request.POST, request.FILES
    path_params = list((request.resolver_match.kwargs if request.resolver_match else {}).keys())
    out = []
    for p in problems:
        head = p.loc[0] if p.loc else None
        if head in PLACES:
            out.append(p)
        elif head is None:
            out.append(p.within("body") if request.body else p)
        elif head in request.GET:
            out.append(p.within("query"))
        elif head in form or head in files:
            out.append(p.within("form"))
        elif isinstance(body, dict) and head in body:
            out.append(p.within("body", "payload"))
        elif head in path_params:
            out.append(p.within("path"))
        elif path_params:
            out.append(p.within("path", path_params[-1]))
        else:
            out.append(p.within("body", "payload") if body is not None else p.within("query"))
    return out


def invalid_response(api: NinjaAPI, request: HttpRequest, problems: list[Problem]) -> HttpResponse:
    return api.create_response(
        request, {"detail": [p.as_dict() for p in placed(request, problems)]}, status=422
    )


def install(api: NinjaAPI) -> None:
    """The exception handlers: one per kind of failure, each answering ErrorOut."""

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return api.create_response(request, {"detail": problem_dicts(exc.errors)}, status=422)

    @api.exception_handler(Invalid)
    def on_invalid(request: HttpRequest, exc: Invalid) -> HttpResponse:
        return invalid_response(api, request, exc.problems)

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

    @api.exception_handler(MultiPartParserError)
    def on_unreadable_form(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        # Django raises it when request.POST / request.FILES is first read (by Ninja, for a form or a
        # file parameter, or by a view reading an upload): a multipart body with no boundary, a
        # broken one, or parts that end early. The body is what is wrong, and the client is told so.
        return invalid_response(
            api, request, [Problem(("body",), f"The form body could not be read: {exc}", "multipart")]
        )

    @api.exception_handler(SuspiciousOperation)
    def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # Django's own limits on a form body (more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS, more
        # files than DATA_UPLOAD_MAX_NUMBER_FILES): bad input, not a failure of ours. (A body past
        # the byte limit is a RequestDataTooBig, answered 413 above.)
        if isinstance(exc, TooManyFieldsSent):
            msg = f"The form has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields"
        elif isinstance(exc, TooManyFilesSent):
            msg = f"The form has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files"
        else:
            msg = str(exc) or "The request could not be read"
        return invalid_response(api, request, [Problem(("body",), msg, "form_limit")])

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

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        cause = exc.__cause__
        if isinstance(cause, Invalid):
            # The body could not be read (see SomsParser): the problems are placed in the body, a
            # field's under the name Ninja gives every body parameter (`payload`, as its own
            # validation errors are).
            return invalid_response(
                api,
                request,
                [p.within("body", "payload") if p.loc else p.within("body") for p in cause.problems],
            )
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


def json_method_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Ninja answers a method a path does not have with Django's HTML 405; the API answers JSON."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            answer = JsonResponse(
                {"detail": f"{request.method} is not allowed here; this path answers {allowed}"}, status=405
            )
            answer["Allow"] = allowed
            return answer
        return response

    return wrapped


def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """A path under /api/ that no operation has: JSON `{detail}` like every API answer, not the
    site's HTML 404 page."""
    response = JsonResponse(
        {"detail": f"No API operation at {request.path}; the operations are listed at /api/openapi.json"},
        status=404,
    )
    response["Cache-Control"] = "private, no-store"
    return response


class ProblemOut(Schema):
    loc: list[str | int] = Field(description="Where: a path of names and indexes, or a place in a file")
    msg: str
    type: str


class ProblemsOut(Schema):
    detail: list[ProblemOut]


def problems_answer(status: int, problems: list[Problem]) -> Status[dict[str, Any]]:
    return Status(status, {"detail": [p.as_dict() for p in problems]})
