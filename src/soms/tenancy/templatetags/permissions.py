"""`{% can "action" obj as allowed %}`: templates ask the permission table what views ask."""

from __future__ import annotations

from typing import Any

from django import template

from soms.tenancy.permissions import can as can_do

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context: template.Context, action: str, obj: Any = None) -> bool:
    """May the current member do `action` (to `obj`)? Same answer as `permissions.can`."""
    return can_do(context.get("current_membership"), action, obj)
