"""Number formats for the capacity pages: a missing or unbounded value reads as a dash, not 'None'."""

from __future__ import annotations

import math
from typing import Any

from django import template

register = template.Library()


def _ok(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _number(value: Any) -> Any:
    # Shrinkage is kept as exact decimal text ("0.3"); show it like any other number.
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


@register.filter
def pct(value: Any, digits: int = 1) -> str:
    value = _number(value)
    return f"{value * 100:.{digits}f} %" if _ok(value) else "–"


@register.filter
def secs(value: Any, digits: int = 1) -> str:
    # The formulas answer "no limit" (null) when the queue grows without end.
    return f"{value:,.{digits}f} s" if _ok(value) else "unbounded"


@register.filter
def num(value: Any, digits: int = 1) -> str:
    return f"{value:,.{digits}f}" if _ok(value) else "–"


@register.filter
def minutes(seconds: Any) -> str:
    """Interval lengths as people say them: 1800 -> '30-minute'."""
    value = _number(seconds)
    return f"{value / 60:g}-minute" if _ok(value) else "–"


@register.filter
def hhmm(value: Any) -> str:
    """'2026-09-28T10:30:00' -> 'Mon 28 Sep 10:30'."""
    from datetime import datetime

    try:
        t = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return t.strftime("%a %d %b %H:%M")


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None
