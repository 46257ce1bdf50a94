"""Whether a draft framework version is complete enough to publish. Pure: plain data in, problems out.

Publishing freezes a version for good (assessments will be made against it), so everything that
would make attainment ambiguous is caught here rather than discovered by an assessor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LevelInfo:
    code: str
    name: str
    rank: int


@dataclass(frozen=True)
class ElementInfo:
    code: str
    name: str


@dataclass(frozen=True)
class StatementInfo:
    code: str
    element: str
    level: str


@dataclass(frozen=True)
class Problem:
    # Where the problem is, as a path an API client or a page can point at: ("levels", "expert").
    loc: tuple[str, ...]
    message: str


def publish_problems(
    *,
    levels: Sequence[LevelInfo],
    elements: Sequence[ElementInfo],
    statements: Sequence[StatementInfo],
    rule_levels: set[str],
    areas_mode: str,
    declared_areas: int,
) -> list[Problem]:
    problems: list[Problem] = []
    if not levels:
        problems.append(Problem(("levels",), "Add at least one level."))
    if not elements:
        problems.append(Problem(("elements",), "Add at least one element."))
    if not statements:
        problems.append(Problem(("statements",), "Add at least one statement."))
    for rank, count in sorted(Counter(lv.rank for lv in levels).items()):
        if count > 1:
            problems.append(
                Problem(("levels", str(rank)), f"{count} levels share rank {rank}; ranks must differ.")
            )
    level_codes = {lv.code for lv in levels}
    for code in sorted(rule_levels - level_codes):
        problems.append(
            Problem(("rules",), f"The rules name level {code!r}, which this version does not have.")
        )
    if areas_mode == "sub_areas" and declared_areas == 0:
        problems.append(
            Problem(("areas",), "The rules count sub-areas for change projects, but no area is declared.")
        )
    # An empty cell would make a level held without anyone showing anything.
    filled = {(st.element, st.level) for st in statements}
    for el in elements:
        missing = [
            lv.name for lv in sorted(levels, key=lambda lv: lv.rank) if (el.code, lv.code) not in filled
        ]
        if missing:
            problems.append(
                Problem(("elements", el.code), f"{el.name} has no statement at: {', '.join(missing)}.")
            )
    return problems
