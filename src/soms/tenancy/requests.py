"""The request types every view and API function declares.

Django's `HttpRequest` knows nothing of what our middleware and API authentication put on it. These
subclasses say what is there, with real types, so that `mypy src` checks the use of it:

- `SomsRequest`: any request once `CurrentOrganisationMiddleware` (and, on the API, the
  authentication classes in `soms.api.auth`) have run. The user may be anonymous and may belong to
  no organisation.
- `ApiRequest`: any API operation's request; authentication has run, so the user is real.
- `MemberRequest`: a signed-in member working in a current organisation. Only a view behind
  `soms.tenancy.access.member_required` (or `role_required`, which implies it) may declare it: that
  decorator checks it at run time and is what makes the narrower type true.

No object of these classes is ever made: Django builds a plain `HttpRequest` and the attributes
are set on it; the classes only describe it (as healthchecks' typed API request does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django_htmx.middleware import HtmxDetails

    from soms.tenancy.models import ApiToken, Membership, Organisation


class SomsRequest(HttpRequest):
    """A request after our middleware: who is asking, in which organisation, and how."""

    user: User | AnonymousUser
    # Set by django-htmx's middleware; falsy when the request does not come from htmx.
    htmx: HtmxDetails
    # Every membership of the user (one, bound to the token, for token-authenticated API calls).
    memberships: list[Membership]
    membership: Membership | None
    organisation: Organisation | None
    # The personal API token the request authenticated with; None for the browser session.
    api_token: ApiToken | None


class ApiRequest(SomsRequest):
    """An API operation's request: Ninja's authentication (`soms.api.auth.AUTH`, on every
    operation) has let it through, so the user is signed in (by session or token)."""

    user: User


class MemberRequest(ApiRequest):
    """A signed-in user working inside their current organisation (see `member_required`)."""

    user: User
    membership: Membership
    organisation: Organisation
