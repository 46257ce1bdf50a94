"""Tenant-scoped access: the decorators that narrow the request, and the one lookup helper.

An object of another organisation answers exactly like a missing one (404), so nobody can learn
that it exists. A role that is too weak *inside your own* organisation answers 403, checked before
any lookup so that a refusal never tells whether an id exists.

Each app's `access.py` builds its helpers (`framework_version_for(membership, id, *, require=…)`)
on `get_or_not_found` and `require`; tenancy's own objects (memberships, tokens) are here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from contextlib import suppress
from functools import update_wrapper
from typing import Any, Concatenate, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest

from soms.tenancy.models import ADMIN_ROLES, ApiToken, Membership, Organisation
from soms.tenancy.permissions import can, roles_for
from soms.tenancy.requests import MemberRequest

NOT_A_MEMBER = "You are not a member of any organisation yet; ask an admin to add you"
ROLE_TOO_WEAK = "Your role in this organisation does not allow this"

# What `.get(pk=…)` raises for an id nobody could have: a missing row, text, a float, a number
# beyond the column, a malformed UUID. All of them mean "no such object", never a 500.
LOOKUP_ERRORS = (ObjectDoesNotExist, ValueError, TypeError, OverflowError, ValidationError)


class NotFound(Http404):
    pass


def get_or_not_found[M: Model](
    queryset: QuerySet[M],
    /,
    *conditions: Q,
    missing: Exception | str | None = None,
    **filters: Any,
) -> M:
    """The one object of `queryset` matching `conditions` and `filters`, or `missing` raised.

    `missing` is the exception to raise (default: `NotFound` naming the model); a string is the
    message of a `NotFound`. Pass the organisation in the filters (or a `Q` of what the member can
    see), never look an id up without it: that is what makes "not yours" answer like "missing".
    """
    try:
        return queryset.get(*conditions, **filters)
    except LOOKUP_ERRORS:
        if isinstance(missing, Exception):
            raise missing from None
        raise NotFound(missing or f"No such {queryset.model._meta.verbose_name}") from None


def get_in_organisation[M: Model](
    queryset: QuerySet[M], organisation: Any, pk: Any, *, field: str = "organisation"
) -> M:
    """Fetch `pk` from `queryset` only if it belongs to `organisation`; 404 otherwise."""
    return get_or_not_found(
        queryset,
        pk=pk,
        missing=f"No {queryset.model._meta.verbose_name} with id {pk}",
        **{field: organisation},
    )


def memberships_of(user: Any) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")


def membership_for(user: Any, organisation_id: Any) -> Membership:
    return get_or_not_found(
        memberships_of(user), organisation_id=organisation_id, missing="No such organisation"
    )


def api_token_for(user: Any, organisation: Organisation, token_id: Any) -> ApiToken:
    """One of the user's tokens of the current organisation. A token of the same user's other
    organisation is not found either: a token bound to A acts only inside A, so it must not revoke
    (or see) the user's token of B."""
    return get_or_not_found(
        ApiToken.objects.select_related("organisation"),
        pk=token_id,
        user=user,
        organisation=organisation,
        missing="No such token",
    )


def require_role(membership: Membership | None, roles: Any) -> Membership:
    if membership is None:
        raise PermissionDenied(NOT_A_MEMBER)
    if membership.role not in set(roles):
        raise PermissionDenied(ROLE_TOO_WEAK)
    return membership


def require(membership: Membership | None, action: str, obj: Any = None) -> Membership:
    """`membership` if it may do `action` (to `obj`); PermissionDenied (403) otherwise."""
    if membership is None:
        raise PermissionDenied(NOT_A_MEMBER)
    if not can(membership, action, obj):
        raise PermissionDenied(ROLE_TOO_WEAK)
    return membership


def require_admin(membership: Membership | None) -> Membership:
    return require_role(membership, ADMIN_ROLES)


# A page returns an HttpResponse; an API operation returns what Ninja serialises: hence R.
type View[**P, R] = Callable[Concatenate[HttpRequest, P], R]
type MemberView[**P, R] = Callable[Concatenate[MemberRequest, P], R]


def _wrap(wrapper: Callable[..., Any], view: Callable[..., Any]) -> None:
    """`functools.update_wrapper`, keeping `wrapper` typed as itself (not as `_Wrapped`)."""
    update_wrapper(wrapper, view)
    # Django Ninja reads a view's parameters to build its input schema, resolving string
    # annotations in the *wrapper's* module, where the view's names (its schemas) are unknown.
    # Resolved here, in the view's own module, the wrapped function reads exactly like the view.
    # An annotation naming something defined later stays a string: inspect resolves it then.
    with suppress(NameError):
        wrapper.__dict__["__signature__"] = inspect.signature(view, eval_str=True)


def member_required[**P, R](view: MemberView[P, R]) -> View[P, R]:
    """A signed-in user with a current organisation (the middleware picks it); 403 otherwise.

    The view declares `request: MemberRequest`: this check is what makes that type true. Works on
    pages (anonymous users are sent to sign in) and on API operations (Ninja's auth ran first).
    """

    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if not request.user.is_authenticated:
            # Pages only (what login_required does): on the API, authentication answered 401
            # before any operation runs.
            return cast(R, redirect_to_login(request.get_full_path()))
        if getattr(request, "membership", None) is None or getattr(request, "organisation", None) is None:
            raise PermissionDenied(NOT_A_MEMBER)
        return view(cast(MemberRequest, request), *args, **kwargs)

    _wrap(wrapper, view)
    return wrapper


def role_required[**P, R](action: str) -> Callable[[MemberView[P, R]], View[P, R]]:
    """`member_required`, and the member's role must allow `action` (see permissions.PERMISSIONS).

    Checked before the view looks anything up, so a 403 never tells whether an id exists. The
    object condition of the action, if any, is the access helper's to check once it has the object.
    """
    roles_for(action)  # an unknown action fails at import time, not at the first request

    def decorator(view: MemberView[P, R]) -> View[P, R]:
        def checked(request: MemberRequest, /, *args: P.args, **kwargs: P.kwargs) -> R:
            require(request.membership, action)
            return view(request, *args, **kwargs)

        _wrap(checked, view)
        return member_required(checked)

    return decorator


admin_required = role_required("organisation.administer")
