"""The error the practitioner toolkits' cores raise for bad input, and helpers to build it.

Every problem carries a location as a path (``("steps", 2, "waiting_time")`` for a field,
``("row", 7, "score")`` for a cell of an uploaded file) and a sentence for a person. The edges
(forms, API, CLI) turn these into their own error shapes without having to re-validate, and the
cores collect *every* problem before raising, so one answer lists all that needs fixing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    loc: Loc
    message: str

    def __str__(self) -> str:
        where = ".".join(str(part) for part in self.loc)
        return f"{where}: {self.message}" if where else self.message


class ToolkitInputError(ValueError):
    """Bad input for a toolkit calculation; ``problems`` lists every one that was found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("ToolkitInputError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems[:20]))


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
