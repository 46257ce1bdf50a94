from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from soms.tenancy.access import memberships_of
from soms.tenancy.requests import SomsRequest

SESSION_KEY = "soms_organisation_id"


class CurrentOrganisationMiddleware:
    """Puts the current membership and organisation on the request.

    The current organisation is the one chosen with the switcher (kept in the session); a user
    who was removed from it, or never chose, lands in their first organisation.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Here the attributes SomsRequest describes are born; from here on the request is one.
        soms_request = cast(SomsRequest, request)
        soms_request.memberships = []
        soms_request.membership = None
        soms_request.organisation = None
        soms_request.api_token = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = list(memberships_of(user))
            wanted = request.session.get(SESSION_KEY)
            chosen = next((m for m in memberships if m.organisation_id == wanted), None)
            if chosen is None and memberships:
                chosen = memberships[0]
                request.session[SESSION_KEY] = chosen.organisation_id
            soms_request.memberships = memberships
            soms_request.membership = chosen
            soms_request.organisation = chosen.organisation if chosen else None
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Refuses a request whose declared body is larger than any upload may be, before Django reads
    (and spools to disk) a byte of it. The per-import checks stay: they give the precise message."""

    # Room for the form fields and multipart framing around the largest allowed file.
    MARGIN = 256 * 1024

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        limit = settings.SOMS_MAX_UPLOAD_BYTES + self.MARGIN
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            message = f"The request is larger than the {settings.SOMS_MAX_UPLOAD_BYTES} byte upload limit."
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class LongAddressMiddleware:
    """Answers 414 for an address longer than MAX_URL_LENGTH, naming the limit: JSON `{detail}` under
    /api/, the site's page elsewhere. gunicorn's own 414 (past its request line limit) is bare HTML,
    even to an API client; this one says what the limit is and what to do instead."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from soms.limits import MAX_URL_LENGTH

        # As sent: the path percent-encoded, the query string as it came.
        length = len(request.get_full_path())
        if length <= MAX_URL_LENGTH:
            return self.get_response(request)
        message = (
            f"The address is {length:,} characters long; at most {MAX_URL_LENGTH:,} are accepted "
            "(limit MAX_URL_LENGTH). Shorten the query string, or send long data in a request body."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=414)
        return render(request, "414.html", {"message": message}, status=414)


class PrivateAnswersMiddleware:
    """Every answer to a signed-in person or an API token is `Cache-Control: private, no-store`
    unless its view set a policy of its own: such answers show tokens, the audit log, people and
    whatever a tenant keeps, and no proxy or shared browser should keep a copy. One rule here, so
    a new page cannot forget it; a view that may be cached says so with Django's cache decorators.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if (signed_in or "HTTP_AUTHORIZATION" in request.META) and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
