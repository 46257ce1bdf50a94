"""Tenant-scoped access helpers: the only way to reach tenant data by id.

An object of another organisation answers exactly like a missing one (404), so nobody can learn
that it exists. A role that is too weak *inside your own* organisation answers 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from soms.tenancy.models import ADMIN_ROLES, ApiToken, Membership, Organisation


class NotFound(Http404):
    pass


def get_in_organisation[M: Model](
    queryset: QuerySet[M], organisation: Organisation, pk: Any, *, field: str = "organisation"
) -> M:
    """Fetch `pk` from `queryset` only if it belongs to `organisation`; 404 otherwise."""
    try:
        return queryset.get(pk=pk, **{field: organisation})
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(f"No {queryset.model._meta.verbose_name} with id {pk}") from None


def memberships_of(user: Any) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")


def membership_for(user: Any, organisation_id: Any) -> Membership:
    try:
        return memberships_of(user).get(organisation_id=organisation_id)
    except (Membership.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound("No such organisation") from None


def api_token_for(user: Any, token_id: Any) -> ApiToken:
    try:
        return ApiToken.objects.select_related("organisation").get(pk=token_id, user=user)
    except (ApiToken.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound("No such token") from None


def require_role(membership: Membership | None, roles: Iterable[str]) -> Membership:
    if membership is None:
        raise PermissionDenied("You are not a member of any organisation")
    if membership.role not in set(roles):
        raise PermissionDenied("Your role in this organisation does not allow this")
    return membership


def require_admin(membership: Membership | None) -> Membership:
    return require_role(membership, ADMIN_ROLES)


View = Callable[..., HttpResponse]


def member_required(view: View) -> View:
    """A signed-in user with a current organisation (the middleware picks it)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "membership", None) is None:
            raise PermissionDenied("You are not a member of any organisation yet; ask an admin to add you")
        return view(request, *args, **kwargs)

    return wrapper


def role_required(*roles: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @member_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require_role(request.membership, roles)  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


admin_required = role_required(*ADMIN_ROLES)
