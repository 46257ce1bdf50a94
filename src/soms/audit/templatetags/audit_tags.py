from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def pct(value: Any) -> str:
    """A share 0..1 as a whole percentage; a dash when there is none."""
    if value is None or value == "":
        return "–"
    try:
        return f"{100 * float(value):.0f} %"
    except (TypeError, ValueError):
        return "–"


@register.filter
def pct_number(value: Any) -> str:
    """A share as the number to type into a percentage field."""
    if value is None or value == "":
        return ""
    return f"{100 * float(value):g}"


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None
