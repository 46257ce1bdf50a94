from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from soms.people.errors import PeopleInvalid, StaleRevision
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


def changed_by(obj: Any) -> str:
    """Who wrote the latest audited change of `obj` ("someone else" when the log does not say, e.g.
    an HR import, which writes one summary row for the whole file)."""
    from soms.tenancy.models import AuditLogEntry

    entry = (
        AuditLogEntry.objects.filter(
            organisation_id=obj.organisation_id, object_type=type(obj).__name__, object_id=str(obj.pk)
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    if entry is None or entry.actor is None:
        return "Someone else"
    return entry.actor.get_full_name() or entry.actor.get_username()


def conflict_error(form: Any, exc: StaleRevision, obj: Any, differences: list[str]) -> None:
    """Explain a stale save above the form, which still holds what the user typed (now based on the
    current revision, so saving again goes through): who changed it and what is stored now."""
    form.add_error(None, conflict_text(exc, obj, differences))


def conflict_text(exc: StaleRevision, obj: Any, differences: list[str]) -> str:
    text = (
        f"{changed_by(obj)} changed this while you were editing (revision {exc.expected} → {exc.current}), "
        "so nothing was saved. Your values are still in the form: check them and save again."
    )
    if differences:
        text += " Stored now, different from your values: " + "; ".join(differences) + "."
    return text


def shown(value: Any) -> str:
    """A stored value as the conflict message quotes it."""
    if value in (None, "", [], ()):
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set):
        return ", ".join(sorted(str(v) for v in value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return f"“{value}”"
