from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from soms.people.errors import PeopleInvalid
from soms.tenancy.models import Membership


def membership(request: HttpRequest) -> Membership:
    m = getattr(request, "membership", None)
    if m is None:
        raise PermissionDenied("You are not a member of any organisation yet; ask an admin to add you")
    return m  # type: ignore[no-any-return]


def form_error(form: Any, exc: PeopleInvalid) -> None:
    """Put a service's complaint on the field it names (or on the form)."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)
