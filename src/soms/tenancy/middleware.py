from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from soms.tenancy.access import memberships_of

SESSION_KEY = "soms_organisation_id"


class CurrentOrganisationMiddleware:
    """Puts the current membership and organisation on the request.

    The current organisation is the one chosen with the switcher (kept in the session); a user
    who was removed from it, or never chose, lands in their first organisation.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.organisation = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = list(memberships_of(user))
            wanted = request.session.get(SESSION_KEY)
            chosen = next((m for m in memberships if m.organisation_id == wanted), None)
            if chosen is None and memberships:
                chosen = memberships[0]
                request.session[SESSION_KEY] = chosen.organisation_id
            request.memberships = memberships  # type: ignore[attr-defined]
            request.membership = chosen  # type: ignore[attr-defined]
            request.organisation = chosen.organisation if chosen else None  # type: ignore[attr-defined]
        return self.get_response(request)
