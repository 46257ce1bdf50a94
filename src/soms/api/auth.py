from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from soms.tenancy.requests import SomsRequest
from soms.tenancy.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """`Authorization: Bearer soms_…`: a personal token, bound to one organisation."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = api_token_authenticate(token)
        if found is None:
            return None
        api_token, membership = found
        # The token, not the session, says who and where: one organisation, the token's.
        soms_request = cast(SomsRequest, request)
        soms_request.user = membership.user
        soms_request.api_token = api_token
        soms_request.membership = membership
        soms_request.memberships = [membership]
        soms_request.organisation = membership.organisation
        return membership.user


class OrganisationSessionAuth(SessionAuth):
    """The browser session (CSRF-checked on writes); works inside the organisation chosen in the UI."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # Nobody signed in: "not authenticated" (401), not a CSRF failure (403) on writes.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.user.is_authenticated:
            cast(SomsRequest, request).api_token = None
            return request.user
        return None


AUTH = [TokenAuth(), OrganisationSessionAuth()]
