"""Stakeholder maps and the four dimensions of service management, for a change project.

Each stakeholder is scored 1–5 for *influence* (how much they can shape or block the change) and
*interest* (how much it affects or concerns them). A score of 3 or more counts as high — on the
midline we lean to engaging more, since under-engaging a stakeholder is the costlier mistake:

- high influence, high interest → **manage closely** (involve them in decisions);
- high influence, low interest → **keep satisfied** (meet their concerns without burdening them);
- low influence, high interest → **keep informed** (regular, two-way communication);
- low influence, low interest → **monitor** (light touch; watch for changes).

The change is also assessed on the four dimensions: organisations and people; information and
technology; partners and suppliers; value streams and processes. Each gets an impact (none, low,
medium, high), notes and its risks; a dimension left unassessed is named, because the point of the
four is that none is forgotten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from soms.core.toolkit_input import Problem, raise_if

MAX_STAKEHOLDERS = 300
MAX_TEXT = 200
MAX_NOTES = 4000
HIGH_FROM = 3


class Quadrant(StrEnum):
    MANAGE_CLOSELY = "manage_closely"
    KEEP_SATISFIED = "keep_satisfied"
    KEEP_INFORMED = "keep_informed"
    MONITOR = "monitor"


QUADRANT_NAMES: Mapping[Quadrant, str] = {
    Quadrant.MANAGE_CLOSELY: "Manage closely",
    Quadrant.KEEP_SATISFIED: "Keep satisfied",
    Quadrant.KEEP_INFORMED: "Keep informed",
    Quadrant.MONITOR: "Monitor",
}

QUADRANT_ADVICE: Mapping[Quadrant, str] = {
    Quadrant.MANAGE_CLOSELY: "Involve them in decisions; meet often; agree what success looks like with them.",
    Quadrant.KEEP_SATISFIED: "Meet their concerns early and briefly; consult before the changes that touch them.",
    Quadrant.KEEP_INFORMED: "Tell them regularly what is changing and why; give them a way to raise concerns.",
    Quadrant.MONITOR: "Light touch: general updates; watch for a change in their influence or interest.",
}


class Dimension(StrEnum):
    PEOPLE = "organisations_people"
    INFORMATION = "information_technology"
    PARTNERS = "partners_suppliers"
    VALUE_STREAMS = "value_streams_processes"


DIMENSION_NAMES: Mapping[Dimension, str] = {
    Dimension.PEOPLE: "Organisations and people",
    Dimension.INFORMATION: "Information and technology",
    Dimension.PARTNERS: "Partners and suppliers",
    Dimension.VALUE_STREAMS: "Value streams and processes",
}


class Impact(StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class Stakeholder:
    name: str
    influence: int
    interest: int
    role: str = ""
    plan: str = ""  # the engagement plan


@dataclass(frozen=True)
class DimensionAssessment:
    dimension: Dimension
    impact: Impact
    notes: str = ""
    risks: tuple[str, ...] = ()


@dataclass(frozen=True)
class StakeholderMap:
    stakeholders: tuple[Stakeholder, ...]
    dimensions: tuple[DimensionAssessment, ...] = ()


@dataclass(frozen=True)
class Placed:
    name: str
    role: str
    influence: int
    interest: int
    quadrant: Quadrant
    quadrant_name: str
    plan: str
    advice: str


@dataclass(frozen=True)
class MapResult:
    placed: tuple[Placed, ...]
    by_quadrant: Mapping[Quadrant, tuple[str, ...]]
    without_plan: tuple[str, ...]  # managed-closely or keep-satisfied stakeholders with no plan yet
    dimensions: tuple[DimensionAssessment, ...]  # all four, in order; unassessed ones absent
    unassessed: tuple[Dimension, ...]
    risk_count: int


def quadrant(influence: int, interest: int) -> Quadrant:
    high_influence = influence >= HIGH_FROM
    high_interest = interest >= HIGH_FROM
    if high_influence and high_interest:
        return Quadrant.MANAGE_CLOSELY
    if high_influence:
        return Quadrant.KEEP_SATISFIED
    if high_interest:
        return Quadrant.KEEP_INFORMED
    return Quadrant.MONITOR


def validate(m: StakeholderMap) -> list[Problem]:
    problems: list[Problem] = []
    if len(m.stakeholders) > MAX_STAKEHOLDERS:
        return [Problem(("stakeholders",), f"at most {MAX_STAKEHOLDERS} stakeholders")]
    names: dict[str, int] = {}
    for i, s in enumerate(m.stakeholders):
        loc: tuple[str | int, ...] = ("stakeholders", i)
        if not s.name.strip():
            problems.append(Problem((*loc, "name"), "must not be blank"))
        elif s.name.strip().lower() in names:
            problems.append(Problem((*loc, "name"), f"{s.name!r} is already on the map"))
        names[s.name.strip().lower()] = i
        for field_name in ("influence", "interest"):
            v = getattr(s, field_name)
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 5:
                problems.append(Problem((*loc, field_name), "must be a whole number from 1 to 5"))
        if len(s.name) > MAX_TEXT or len(s.role) > MAX_TEXT:
            problems.append(Problem((*loc, "name" if len(s.name) > MAX_TEXT else "role"), "is too long"))
        if len(s.plan) > MAX_NOTES:
            problems.append(Problem((*loc, "plan"), f"at most {MAX_NOTES} characters"))
    seen: set[Dimension] = set()
    for i, d in enumerate(m.dimensions):
        loc = ("dimensions", i)
        if d.dimension not in DIMENSION_NAMES:
            problems.append(Problem((*loc, "dimension"), "is not one of the four dimensions"))
        elif d.dimension in seen:
            problems.append(Problem((*loc, "dimension"), "is assessed twice"))
        seen.add(d.dimension)
        if d.impact not in tuple(Impact):
            problems.append(Problem((*loc, "impact"), "must be none, low, medium or high"))
        if len(d.notes) > MAX_NOTES:
            problems.append(Problem((*loc, "notes"), f"at most {MAX_NOTES} characters"))
        if len(d.risks) > 50 or any(len(r) > 500 for r in d.risks):
            problems.append(Problem((*loc, "risks"), "at most 50 risks of 500 characters each"))
    return problems


def analyse(m: StakeholderMap) -> MapResult:
    raise_if(validate(m))
    placed = []
    for s in m.stakeholders:
        q = quadrant(s.influence, s.interest)
        placed.append(
            Placed(
                name=s.name,
                role=s.role,
                influence=s.influence,
                interest=s.interest,
                quadrant=q,
                quadrant_name=QUADRANT_NAMES[q],
                plan=s.plan,
                advice=QUADRANT_ADVICE[q],
            )
        )
    order = list(Dimension)
    dims = tuple(sorted(m.dimensions, key=lambda d: order.index(d.dimension)))
    assessed = {d.dimension for d in dims}
    return MapResult(
        placed=tuple(placed),
        by_quadrant={q: tuple(p.name for p in placed if p.quadrant is q) for q in Quadrant},
        without_plan=tuple(
            p.name
            for p in placed
            if p.quadrant in (Quadrant.MANAGE_CLOSELY, Quadrant.KEEP_SATISFIED) and not p.plan.strip()
        ),
        dimensions=dims,
        unassessed=tuple(d for d in order if d not in assessed),
        risk_count=sum(len(d.risks) for d in dims),
    )


def grid_positions(placed: Sequence[Placed]) -> dict[tuple[int, int], list[str]]:
    """Names at each (interest, influence) cell, so a chart can stack people who share one."""
    cells: dict[tuple[int, int], list[str]] = {}
    for p in placed:
        cells.setdefault((p.interest, p.influence), []).append(p.name)
    return cells
