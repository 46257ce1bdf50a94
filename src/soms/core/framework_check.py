"""Whether a draft framework version is complete enough to publish. Pure: plain data in, problems out.

Publishing freezes a version for good (assessments will be made against it), so everything that
would make attainment ambiguous is caught here rather than discovered by an assessor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from soms.core.problems import Problem


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


def _problem(loc: tuple[str, ...], message: str) -> Problem:
    # Where the problem is, as a path an API client or a page can point at: ("levels", "expert").
    return Problem(loc, message, "publish_check")


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
        problems.append(_problem(("levels",), "Add at least one level."))
    if not elements:
        problems.append(_problem(("elements",), "Add at least one element."))
    if not statements:
        problems.append(_problem(("statements",), "Add at least one statement."))
    for rank, count in sorted(Counter(lv.rank for lv in levels).items()):
        if count > 1:
            problems.append(
                _problem(("levels", str(rank)), f"{count} levels share rank {rank}; ranks must differ.")
            )
    level_codes = {lv.code for lv in levels}
    for code in sorted(rule_levels - level_codes):
        problems.append(
            _problem(("rules",), f"The rules name level {code!r}, which this version does not have.")
        )
    if areas_mode == "sub_areas" and declared_areas == 0:
        problems.append(
            _problem(("areas",), "The rules count sub-areas for change projects, but no area is declared.")
        )
    # An empty cell would make a level held without anyone showing anything.
    filled = {(st.element, st.level) for st in statements}
    for el in elements:
        missing = [
            lv.name for lv in sorted(levels, key=lambda lv: lv.rank) if (el.code, lv.code) not in filled
        ]
        if missing:
            problems.append(
                _problem(("elements", el.code), f"{el.name} has no statement at: {', '.join(missing)}.")
            )
    return problems
