"""Gaps, coverage, single points of failure, specialists and distributions. Pure, and vectorised.

These answer the questions every user arrives with (issue 12): where are our gaps, who can cover
what, where does everything hang on one person. The input is what the attainment engine stored per
(person, element), never the history, so one call costs a pass over people x elements: at 50,000
people x 7 elements each function runs in milliseconds once the `Holdings` matrix is built.

Words
-----
* Levels are ordered codes, lowest first. In the matrices a level is its position + 1, and 0 is "no
  level held". "At level L" always means "at L or above".
* A person *holds* a level when the attainment engine says so; "refresh due" still holds (and is a
  warning where cover is counted); an expired level is not held (the engine already reports the
  level held after expiry, possibly a lower one).
* **Gap** of a person in an element = steps from the level held up to the level required, never
  negative (being above the requirement in one element does not offset a gap in another).
* **Required level** of a person in an element, when several role profiles apply = the highest any
  of them asks for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from soms.core.errors import RuleInputError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from soms.core.attainment import ElementAttainment

__all__ = [
    "CapabilityCover",
    "CapabilityExpectation",
    "Coverage",
    "CoverageState",
    "CoverageTarget",
    "ElementDistribution",
    "ElementGap",
    "GapSummary",
    "Holding",
    "Holdings",
    "SinglePoints",
    "Specialisation",
    "SpecialisationMatrix",
    "capability_cover",
    "coverage",
    "Rollup",
    "distribution",
    "rollup",
    "expectation_from_data",
    "gap_summary",
    "person_gaps",
    "required_levels",
    "single_points_of_failure",
    "specialisation",
    "specialisation_matrix",
]


def _rank_of(levels: Sequence[str]) -> dict[str, int]:
    if len(set(levels)) != len(levels):
        raise RuleInputError("levels", "level codes must be distinct")
    return {code: i + 1 for i, code in enumerate(levels)}


def _rank(ranks: Mapping[str, int], code: str | None, where: str) -> int:
    if code is None:
        return 0
    try:
        return ranks[code]
    except KeyError:
        raise RuleInputError(where, f"no level {code!r}") from None


# --- one person ------------------------------------------------------------------------------------


def required_levels(profiles: Iterable[Mapping[str, str]], levels: Sequence[str]) -> dict[str, str]:
    """The level a person needs per element when several role profiles apply: the highest any of them
    asks for (a person who is both an analyst and a team lead needs what each role needs)."""
    ranks = _rank_of(levels)
    out: dict[str, str] = {}
    for i, profile in enumerate(profiles):
        for element, level in profile.items():
            r = _rank(ranks, level, f"profiles[{i}].{element}")
            if element not in out or r > ranks[out[element]]:
                out[element] = level
    return out


@dataclass(frozen=True)
class ElementGap:
    element: str
    required: str | None
    attained: str | None
    gap: int  # steps short of the requirement, >= 0
    refresh_due: bool
    expired: bool

    @property
    def meets(self) -> bool:
        return self.gap == 0


@dataclass(frozen=True)
class Holding:
    """One row of the derived attainment table: the level a person holds in an element now."""

    person: str
    element: str
    level: str | None
    refresh_due: bool = False
    # A higher level lapsed by expiry (the engine's status "expired"); `level` is what is left.
    expired: bool = False

    @classmethod
    def of(cls, person: str, attained: ElementAttainment, now: date) -> Holding:
        """From the attainment engine's answer at `now`. Refresh due is read from the dates, so a level
        that is refresh due still warns when a higher one has expired (the engine's status then says
        "expired")."""
        due = attained.refresh_due_on
        refresh = attained.level is not None and due is not None and due <= now
        return cls(person, attained.element, attained.level, refresh, attained.lapsed_level is not None)


def person_gaps(
    required: Mapping[str, str],
    held: Iterable[Holding],
    levels: Sequence[str],
    elements: Sequence[str],
) -> list[ElementGap]:
    """Per element (in `elements` order): required, attained, the gap and the warnings."""
    ranks = _rank_of(levels)
    by_element = {h.element: h for h in held}
    out = []
    for element in elements:
        h = by_element.get(element)
        need = required.get(element)
        have = h.level if h else None
        gap = max(
            _rank(ranks, need, f"required.{element}") - _rank(ranks, have, f"held.{element}"),
            0,
        )
        out.append(ElementGap(element, need, have, gap, bool(h and h.refresh_due), bool(h and h.expired)))
    return out


# --- many people -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Holdings:
    """People x elements as matrices: `rank[p, e]` is the level held (0 none, i + 1 for `levels[i]`),
    `refresh_due[p, e]` and `expired[p, e]` the warnings. Build it once per question from the derived
    table (`from_rows`), or directly from arrays, and take subsets with `select`."""

    people: tuple[str, ...]
    elements: tuple[str, ...]
    levels: tuple[str, ...]
    rank: NDArray[np.int16]
    refresh_due: NDArray[np.bool_]
    expired: NDArray[np.bool_]

    def __post_init__(self) -> None:
        shape = (len(self.people), len(self.elements))
        for name in ("rank", "refresh_due", "expired"):
            if getattr(self, name).shape != shape:
                raise RuleInputError(name, f"must have shape {shape} (people x elements)")
        if self.rank.size and (self.rank.min() < 0 or self.rank.max() > len(self.levels)):
            raise RuleInputError("rank", f"must be between 0 and {len(self.levels)}")

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[Holding],
        *,
        people: Sequence[str],
        elements: Sequence[str],
        levels: Sequence[str],
    ) -> Holdings:
        """People without a row hold nothing in that element. Rows of people or elements not listed
        raise `RuleInputError`, so a filter mistake is not silently ignored."""
        ranks = _rank_of(levels)
        p_index = {p: i for i, p in enumerate(people)}
        e_index = {e: i for i, e in enumerate(elements)}
        if len(p_index) != len(people):
            raise RuleInputError("people", "people must be distinct")
        # Gather the coordinates in plain lists and assign once: per-cell numpy writes cost more
        # than the lookups (350,000 rows: about half the time). Column-wise comprehensions were no
        # faster. Callers that already hold arrays build `Holdings` directly.
        pi: list[int] = []
        ei: list[int] = []
        ri: list[int] = []
        flags: list[tuple[bool, bool]] = []
        for n, row in enumerate(rows):
            try:
                pi.append(p_index[row.person])
                ei.append(e_index[row.element])
            except KeyError:
                raise RuleInputError(
                    f"rows[{n}]", f"unknown person or element ({row.person!r}, {row.element!r})"
                ) from None
            ri.append(ranks[row.level] if row.level in ranks else _rank(ranks, row.level, f"rows[{n}].level"))
            flags.append((row.refresh_due and row.level is not None, row.expired))
        rank = np.zeros((len(people), len(elements)), dtype=np.int16)
        refresh = np.zeros(rank.shape, dtype=np.bool_)
        expired = np.zeros(rank.shape, dtype=np.bool_)
        if pi:
            at = (np.array(pi, dtype=np.intp), np.array(ei, dtype=np.intp))
            rank[at] = np.array(ri, dtype=np.int16)
            both = np.array(flags, dtype=np.bool_)
            refresh[at] = both[:, 0]
            expired[at] = both[:, 1]
        return cls(tuple(people), tuple(elements), tuple(levels), rank, refresh, expired)

    @cached_property
    def _index(self) -> dict[str, int]:
        return {p: i for i, p in enumerate(self.people)}

    @cached_property
    def _people_array(self) -> NDArray[np.object_]:
        return np.array(self.people, dtype=object)

    def names(self, rows: NDArray[np.intp]) -> tuple[str, ...]:
        """The people at the given row positions."""
        return tuple(self._people_array[rows].tolist())

    def select(self, people: Iterable[str]) -> Holdings:
        """The same matrices for a subset of people (a team, a subtree, a filter), in the given order."""
        index = self._index
        try:
            rows = np.array([index[p] for p in people], dtype=np.intp)
        except KeyError as err:
            raise RuleInputError("people", f"unknown person {err.args[0]!r}") from None
        return Holdings(
            tuple(self.people[i] for i in rows),
            self.elements,
            self.levels,
            self.rank[rows],
            self.refresh_due[rows],
            self.expired[rows],
        )

    def column(self, element: str) -> int:
        try:
            return self.elements.index(element)
        except ValueError:
            raise RuleInputError("element", f"no element {element!r}") from None

    def level_rank(self, code: str, where: str = "level") -> int:
        return _rank(_rank_of(self.levels), code, where)


@dataclass(frozen=True)
class GapSummary:
    element: str
    people: int  # people with a requirement in this element
    short: int  # of them, people below it
    steps_short: int  # sum of their gaps
    by_gap: tuple[int, ...]  # by_gap[g] = people with a gap of exactly g steps


def gap_summary(holdings: Holdings, required: NDArray[np.int16]) -> list[GapSummary]:
    """Per element, how many people fall short of what their role profiles require and by how much.
    `required` has the shape of `holdings.rank`, with 0 where a person has no requirement."""
    if required.shape != holdings.rank.shape:
        raise RuleInputError("required", f"must have shape {holdings.rank.shape} (people x elements)")
    gaps = np.clip(required - holdings.rank, 0, None)
    counted = required > 0
    out = []
    for j, element in enumerate(holdings.elements):
        g = gaps[counted[:, j], j]
        hist = np.bincount(g, minlength=len(holdings.levels) + 1) if g.size else np.zeros(1, dtype=np.int64)
        out.append(
            GapSummary(
                element,
                int(counted[:, j].sum()),
                int((g > 0).sum()),
                int(g.sum()),
                tuple(int(x) for x in hist),
            )
        )
    return out


# --- coverage against targets ----------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageTarget:
    """E.g. at least 2 people at Practitioner in demand-capacity."""

    element: str
    level: str
    minimum: int


class CoverageState(StrEnum):
    MET = "met"  # enough people hold the level, not counting anyone whose level is refresh due
    AT_RISK = "at_risk"  # met only by counting people whose level is refresh due
    SHORT = "short"  # not met even then


@dataclass(frozen=True)
class Coverage:
    target: CoverageTarget
    covered: int  # hold the level, not refresh due
    refresh_due: int  # hold it, refresh due (a warning: soon they may not)
    state: CoverageState
    missing: int  # people still needed, counting refresh-due holders

    @property
    def counted(self) -> int:
        return self.covered + self.refresh_due


def coverage(holdings: Holdings, targets: Sequence[CoverageTarget]) -> list[Coverage]:
    """Each target against the people in `holdings`. An expired level does not count (it is not held);
    a refresh-due level counts, with a warning: the state is at risk when the target is met only
    thanks to people whose level is about to lapse."""
    out = []
    for i, t in enumerate(targets):
        if t.minimum < 0:
            raise RuleInputError(f"targets[{i}].minimum", "must not be negative")
        j = holdings.column(t.element)
        held = holdings.rank[:, j] >= holdings.level_rank(t.level, f"targets[{i}].level")
        warn = int((held & holdings.refresh_due[:, j]).sum())
        covered = int(held.sum()) - warn
        if covered >= t.minimum:
            state = CoverageState.MET
        elif covered + warn >= t.minimum:
            state = CoverageState.AT_RISK
        else:
            state = CoverageState.SHORT
        out.append(Coverage(t, covered, warn, state, max(t.minimum - covered - warn, 0)))
    return out


# --- single points of failure ----------------------------------------------------------------------


@dataclass(frozen=True)
class SinglePoints:
    uncovered: tuple[str, ...]  # elements nobody holds at the required level
    sole: tuple[tuple[str, str], ...]  # (element, person): exactly one person holds it
    sole_cover: tuple[tuple[str, tuple[str, ...]], ...]  # (person, elements), most elements first


def single_points_of_failure(holdings: Holdings, required: Mapping[str, str]) -> SinglePoints:
    """For each element with a required level (a unit's target level, or the specialist level of a
    capability model): nobody holds it (uncovered), or exactly one person does (a single point of
    failure). `sole_cover` lists the people who are the only cover for one element or more, most
    first, because one person leaving would open every one of those gaps at once. Refresh due counts
    as cover here (the person can still do the work); coverage() is where it warns."""
    uncovered: list[str] = []
    sole: list[tuple[str, str]] = []
    per_person: dict[str, list[str]] = {}
    for element in holdings.elements:
        if element not in required:
            continue
        j = holdings.column(element)
        holders = np.flatnonzero(
            holdings.rank[:, j] >= holdings.level_rank(required[element], f"required.{element}")
        )
        if holders.size == 0:
            uncovered.append(element)
        elif holders.size == 1:
            person = holdings.people[int(holders[0])]
            sole.append((element, person))
            per_person.setdefault(person, []).append(element)
    ranked = sorted(per_person.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return SinglePoints(tuple(uncovered), tuple(sole), tuple((p, tuple(es)) for p, es in ranked))


# --- capability models: specialists, backups, specialisation --------------------------------------


@dataclass(frozen=True)
class CapabilityExpectation:
    """Mirrors the framework rules' expectations: how many specialists and backups each capability wants."""

    specialist_min_level: str
    specialists_wanted: int = 1
    backup_min_level: str | None = None
    backups_wanted: int = 1


def expectation_from_data(data: Mapping[str, object]) -> CapabilityExpectation:
    """From the stored rules' `expectations` object (what `FrameworkRules.model_dump()` gives)."""

    def count(key: str) -> int:
        value = data.get(key, 1)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RuleInputError(f"expectations.{key}", "must be a whole number, 0 or more")
        return value

    backup = data.get("backup_min_level")
    return CapabilityExpectation(
        specialist_min_level=str(data["specialist_min_level"]),
        specialists_wanted=count("specialists_wanted"),
        backup_min_level=None if backup is None else str(backup),
        backups_wanted=count("backups_wanted"),
    )


@dataclass(frozen=True)
class CapabilityCover:
    capability: str
    specialists: tuple[str, ...]  # at or above the specialist level
    backups: tuple[str, ...]  # at or above the backup level, below the specialist level
    specialists_short: int
    backups_short: int

    @property
    def state(self) -> str:
        if not self.specialists:
            return "no specialist"
        if self.specialists_short:
            return "too few specialists"
        if self.backups_short:
            return "no backup" if not self.backups and len(self.specialists) <= 1 else "too few backups"
        return "covered"


def capability_cover(holdings: Holdings, expectation: CapabilityExpectation) -> list[CapabilityCover]:
    """Per capability (element): who the specialists and backups are and how many are missing.

    A specialist beyond the number wanted can stand in as a backup, so backups are short by
    `backups_wanted - (backups + extra specialists)`. Without a backup level only specialists count."""
    spec = holdings.level_rank(expectation.specialist_min_level, "expectations.specialist_min_level")
    backup = (
        holdings.level_rank(expectation.backup_min_level, "expectations.backup_min_level")
        if expectation.backup_min_level
        else None
    )
    if backup is not None and backup > spec:
        raise RuleInputError("expectations.backup_min_level", "must not be above the specialist level")
    if expectation.specialists_wanted < 0 or expectation.backups_wanted < 0:
        raise RuleInputError("expectations", "wanted counts must not be negative")
    out = []
    order = np.argsort(-holdings.rank, axis=0, kind="stable")  # strongest first, then input order
    for j, capability in enumerate(holdings.elements):
        ranked = order[:, j]
        levels = holdings.rank[ranked, j]
        specialists = holdings.names(ranked[levels >= spec])
        backups: tuple[str, ...] = ()
        if backup is not None:
            backups = holdings.names(ranked[(levels >= backup) & (levels < spec)])
        extra = max(len(specialists) - expectation.specialists_wanted, 0)
        out.append(
            CapabilityCover(
                capability,
                specialists,
                backups,
                max(expectation.specialists_wanted - len(specialists), 0),
                max(expectation.backups_wanted - len(backups) - extra, 0),
            )
        )
    return out


@dataclass(frozen=True)
class Specialisation:
    """How concentrated a person's capability is.

    `top_share` = the share of a person's level points that sits in their `top` strongest
    capabilities, where a capability's points are its level number on the scale (1 to 5 on the
    service management office model; 0 when nothing is held). 1.0 means everything they hold is in
    those few capabilities: a specialist. Someone with the same level in all twelve capabilities
    scores top / 12 (0.25 for the top 3): a generalist. None when they hold nothing. We chose this
    over a Gini or Herfindahl index because it reads as a sentence: "80 % of what Sam holds is in
    their three strongest capabilities".
    """

    person: str
    points: int
    top_share: float | None
    strongest: tuple[str, ...]  # their `top` strongest capabilities holding a level, strongest first
    breadth: int  # capabilities where they hold any level


@dataclass(frozen=True, eq=False)
class SpecialisationMatrix:
    """`specialisation` for a whole organisation as arrays, one entry per person of the holdings:
    points, top_share (NaN for people who hold nothing), breadth, and `strongest[i]` the element
    positions of their strongest capabilities (meaningful where the points there are above 0)."""

    points: NDArray[np.int64]
    top_share: NDArray[np.float64]
    breadth: NDArray[np.int64]
    strongest: NDArray[np.intp]


def specialisation_matrix(holdings: Holdings, top: int = 3) -> SpecialisationMatrix:
    if top < 1:
        raise RuleInputError("top", "must be at least 1")
    ranks = holdings.rank.astype(np.int64)
    totals = ranks.sum(axis=1)
    k = min(top, len(holdings.elements))
    order = np.argsort(-ranks, axis=1, kind="stable")[:, :k]
    top_points = np.take_along_axis(ranks, order, axis=1).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(totals > 0, top_points / np.maximum(totals, 1), np.nan)
    return SpecialisationMatrix(totals, share.astype(np.float64), (ranks > 0).sum(axis=1), order)


def specialisation(holdings: Holdings, top: int = 3) -> list[Specialisation]:
    """The specialisation index of every person in `holdings` (see `Specialisation`). For a whole
    organisation, `specialisation_matrix` gives the same figures as arrays without building a row
    object per person."""
    m = specialisation_matrix(holdings, top)
    out = []
    for i, person in enumerate(holdings.people):
        total = int(m.points[i])
        strongest = tuple(holdings.elements[int(j)] for j in m.strongest[i] if holdings.rank[i, int(j)] > 0)
        out.append(
            Specialisation(
                person, total, float(m.top_share[i]) if total else None, strongest, int(m.breadth[i])
            )
        )
    return out


# --- distributions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElementDistribution:
    element: str
    counts: dict[str | None, int]  # people per level held (None: no level), lowest first
    at_or_above: dict[str, int]  # people at each level or above
    refresh_due: int
    expired: int
    people: int


def distribution(holdings: Holdings) -> list[ElementDistribution]:
    """Count of people per level per element, with the warnings: a picture of the spread, since an
    average level hides a team of beginners with one expert."""
    out = []
    n_levels = len(holdings.levels)
    for j, element in enumerate(holdings.elements):
        col = holdings.rank[:, j]
        hist = (
            np.bincount(col, minlength=n_levels + 1) if col.size else np.zeros(n_levels + 1, dtype=np.int64)
        )
        counts: dict[str | None, int] = {None: int(hist[0])}
        counts.update({code: int(hist[i + 1]) for i, code in enumerate(holdings.levels)})
        cumulative = np.cumsum(hist[::-1])[::-1]
        out.append(
            ElementDistribution(
                element,
                counts,
                {code: int(cumulative[i + 1]) for i, code in enumerate(holdings.levels)},
                int(holdings.refresh_due[:, j].sum()),
                int(holdings.expired[:, j].sum()),
                len(holdings.people),
            )
        )
    return out


# --- per-group rollups (units x elements) ----------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Rollup:
    """Per group (unit, team, location ...) and element, in one pass over everyone:

    * `counts[g, e, r]`: people of group g holding level r in element e (r = 0: none; r = i + 1 for
      `levels[i]`), the distribution behind a heatmap cell;
    * `refresh_due[g, e]`, `expired[g, e]`: the warnings;
    * `people[g]`: the group's head count;
    * `short[g, e]`, `steps_short[g, e]`: people below their requirement and the sum of their gaps
      (zero when no requirement matrix was given).
    """

    groups: tuple[str, ...]
    elements: tuple[str, ...]
    levels: tuple[str, ...]
    counts: NDArray[np.int64]
    refresh_due: NDArray[np.int64]
    expired: NDArray[np.int64]
    people: NDArray[np.int64]
    short: NDArray[np.int64]
    steps_short: NDArray[np.int64]

    def at_or_above(self, level: str) -> NDArray[np.int64]:
        """People per group and element holding `level` or higher."""
        r = _rank(_rank_of(self.levels), level, "level")
        result: NDArray[np.int64] = self.counts[:, :, r:].sum(axis=2)
        return result

    def mean_rank(self) -> NDArray[np.float64]:
        """Mean level number per group and element (0 for none), NaN for an empty group. Shown beside
        the distribution, never instead of it."""
        ranks = np.arange(len(self.levels) + 1, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean: NDArray[np.float64] = (self.counts * ranks).sum(axis=2) / self.people[:, None]
        return mean


def rollup(
    holdings: Holdings,
    group_of: Sequence[str],
    required: NDArray[np.int16] | None = None,
) -> Rollup:
    """Roll the people of `holdings` up into groups: `group_of[i]` is the group of `holdings.people[i]`.
    Groups come in order of first appearance. `required` (people x elements, 0 for none) adds the
    gap counts. Linear in people x elements: one `bincount` per figure, whatever the number of groups."""
    n_people, n_elements = holdings.rank.shape
    if len(group_of) != n_people:
        raise RuleInputError("group_of", f"needs one group per person ({n_people}), got {len(group_of)}")
    if required is not None and required.shape != holdings.rank.shape:
        raise RuleInputError("required", f"must have shape {holdings.rank.shape} (people x elements)")
    names = tuple(dict.fromkeys(group_of))
    index = {g: i for i, g in enumerate(names)}
    g = np.fromiter((index[x] for x in group_of), dtype=np.intp, count=n_people)
    n_groups, n_ranks = len(names), len(holdings.levels) + 1
    cells = (
        g[:, None] * n_elements + np.arange(n_elements)[None, :]
    )  # (people, elements) -> group-element cell

    def per_cell(weights: NDArray[np.int64] | NDArray[np.bool_]) -> NDArray[np.int64]:
        out = np.bincount(cells.ravel(), weights=weights.ravel(), minlength=n_groups * n_elements)
        return out.astype(np.int64).reshape(n_groups, n_elements)

    flat = (cells * n_ranks + holdings.rank).ravel()
    counts = np.bincount(flat, minlength=n_groups * n_elements * n_ranks).astype(np.int64)
    if required is not None:
        gaps = np.clip(required.astype(np.int64) - holdings.rank, 0, None)
        short, steps = per_cell(gaps > 0), per_cell(gaps)
    else:
        short = steps = np.zeros((n_groups, n_elements), dtype=np.int64)
    return Rollup(
        names,
        holdings.elements,
        holdings.levels,
        counts.reshape(n_groups, n_elements, n_ranks),
        per_cell(holdings.refresh_due),
        per_cell(holdings.expired),
        np.bincount(g, minlength=n_groups).astype(np.int64),
        short,
        steps,
    )
