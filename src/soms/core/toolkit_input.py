"""Bad input for the practitioner toolkits' cores: the house's one problem shape, and helpers.

A problem (``soms.core.problems.Problem``) carries a location as a path — ``("steps", 2,
"waiting_time")`` for a field, ``("row", 7, "score")`` for a cell of an uploaded file — and a
sentence for a person. The cores collect *every* problem before raising ``ToolkitInputError`` (the
same ``Invalid`` every edge maps: a 422 on the API, form errors on pages, lines on the command line),
so one answer lists all that needs fixing and nothing is written.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from soms.core.problems import Invalid, Loc, Problem

ToolkitInputError = Invalid

__all__ = ["Loc", "Problem", "ToolkitInputError", "check_number", "raise_if"]


def raise_if(problems: Sequence[Problem]) -> None:
    if problems:
        raise ToolkitInputError(problems)


def check_number(
    problems: list[Problem],
    loc: Loc,
    value: float,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    what: str = "a number",
) -> bool:
    """Append a problem unless ``value`` is finite and inside the bounds; says whether it was fine."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(Problem(loc, f"must be {what}"))
        return False
    if low is not None and (value < low or (low_open and value == low)):
        problems.append(Problem(loc, f"must be {'above' if low_open else 'at least'} {low:g}"))
        return False
    if high is not None and (value > high or (high_open and value == high)):
        problems.append(Problem(loc, f"must be {'below' if high_open else 'at most'} {high:g}"))
        return False
    return True
