"""Who may change what on the framework pages, decided in one place for every template."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


def _is_admin(context: template.Context) -> bool:
    membership = context.get("current_membership")
    return bool(membership is not None and membership.is_admin)


@register.simple_tag(takes_context=True)
def can_author(context: template.Context, version: Any) -> bool:
    """Edit controls show on a draft of the current organisation's own framework, for its admins."""
    organisation = context.get("current_organisation")
    return (
        _is_admin(context)
        and not version.is_published
        and organisation is not None
        and version.framework.organisation_id == organisation.pk
    )


@register.simple_tag(takes_context=True)
def can_adapt(context: template.Context, version: Any) -> bool:
    """Admins may start from any published version they can read (built-in or their own)."""
    return _is_admin(context) and version.is_published
