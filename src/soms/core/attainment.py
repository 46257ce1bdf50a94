"""The attainment engine: which level a person holds in each element, since when, until when, and
what is missing for the next level. Pure: plain data in, plain data out, `now` passed in.

This docstring is the specification. Every rule below reads the framework's data (levels, statements,
areas, `Rules`); nothing special-cases SOMS or any level name.

Inputs
------
* `FrameworkSpec`: the levels (ordered by `rank`, each with its own validity in months or none),
  the elements, the statements (one element, one level each) and the declared areas.
* `Rules`: cumulative levels, whether a level needs all its statements, what an area is, the
  change-project rule, the standing table, and how many months before expiry a level is "refresh due".
* `validity_overrides`: an organisation's own validity per level code. A level code present in the
  mapping replaces the framework's value, `None` meaning "never expires"; an absent code keeps it.
* `JudgementRecord`s: one per judged statement per assessment, each carrying its validation date, or
  `None` when nobody allowed has validated it. **Unvalidated judgements never count**, whatever their
  kind: a self-assessment informs, it never certifies.
* `ChangeProjectRecord`s: the person's change projects (their own or their team's) with status,
  completion and validation dates and the areas they address.
* `now`: the date of the answer. Anything validated or completed after `now` is ignored, so the same
  function answers "as at" any date and is deterministic in `now`.

Rules, and why
--------------
1. **Latest validated judgement per statement wins.** A statement's standing is the judgement with
   the latest validation date (ties broken by `seq`, then by the *less* favourable judgement, so the
   answer never depends on the order of the input). A later validated "not yet" therefore withdraws an
   earlier "met": a correction or a re-assessment says what is true now.
2. **A statement is met at date t** when its latest validated judgement on or before t is "met" and
   is still within its level's validity at t. Its *evidence date* is that judgement's validation date.
3. **A level's requirements** are its statements (all of them when `level_requires_all_statements`,
   at least one otherwise) and, for the change-project rule's level, a qualifying change project.
   A level with no requirement at all is never held: nothing was shown.
4. **A qualifying change project** (at t) is completed (status completed, completed on or before t),
   validated on or before t, addresses at least `min_areas` distinct areas of the framework, and,
   when `must_address_element`, addresses the element: with `areas="elements"` the areas are element
   codes and one of them must be the element; with `areas="sub_areas"` the areas are the declared
   areas and one of them must belong to the element. Codes that are not areas of the framework are
   not counted.
5. **Validity counts from the oldest evidence that the level rests on.** A level with a validity of V
   months expires V months after the earliest evidence date among its statements (for "all"), or after
   the latest among its met statements (for "at least one"). Why the oldest and not the latest: a
   level is a claim that *every* statement was shown recently enough; re-validating one statement must
   not refresh the others. A refresher assessment re-validates them together, and then the two
   definitions agree. A completed change project is a fact that stays true and is not re-done at
   refresh, so it does not expire by itself; the level's own statements (the Senior Practitioner
   statement, in SOMS) carry the refresh.
6. **Expiry.** `expires_on` is the first day the level is no longer held (the validation date plus V
   months, clamped to the end of a shorter month). On the day of validation the level is held. It is
   "refresh due" from `refresh_due_months_before` months before `expires_on`.
7. **Cumulative levels.** When `cumulative_levels`, a level is held only if every lower level is held
   at the same time, so the held level's `expires_on` is the earliest expiry along that chain: an
   expired Foundation makes Practitioner not held. Otherwise each level stands alone and the highest
   level held is reported.
8. **Status** of an element at `now`: `expired` when a higher level than the one held now would be
   held but for expiry (`lapsed_level`, `lapsed_on` say which and when); otherwise `refresh_due` when
   the level held is in its refresh window; `held` when a level is held; `none` when nothing is. A
   lapse caused by a later "not yet" is not an expiry: the person simply does not hold the level.
9. **Since** is the first day of the unbroken run, ending at `now`, during which the person held the
   current level or a higher one. A refresher taken before expiry keeps the original date.
10. **Missing for the next level** (the level just above the one held): each statement of that level
   that is not met now, with the reason (not assessed, not met, expired), how many of them are still
   needed, and for the change-project level what a qualifying project still lacks.
11. **Overall standing**: the first row of the standing table (highest first) whose level, or a higher
   one, is held in `elements` elements ("all": every element of the framework). Refresh due counts as
   held; expired does not.
"""

from __future__ import annotations

import calendar
import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from soms.core.errors import RuleInputError

# --- inputs ----------------------------------------------------------------------------------------


class Judgement(StrEnum):
    NOT_YET = "not_yet"
    PARTLY = "partly"
    MET = "met"


# Least favourable first: on a tie the less favourable judgement wins (rule 1).
_JUDGEMENT_ORDER = {Judgement.NOT_YET: 0, Judgement.PARTLY: 1, Judgement.MET: 2}


class AssessmentKind(StrEnum):
    SELF = "self"
    MANAGER = "manager"
    COACH = "coach"


class ProjectStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class LevelSpec:
    code: str
    rank: int
    # None: the level never expires. An organisation may override it (`validity_overrides`).
    validity_months: int | None = None
    name: str = ""


@dataclass(frozen=True)
class StatementSpec:
    code: str
    element: str
    level: str


@dataclass(frozen=True)
class AreaSpec:
    """A declared sub-area (used when `Rules.areas == "sub_areas"`); `element` is the element it
    belongs to, or None for an area outside every element."""

    code: str
    element: str | None = None


@dataclass(frozen=True)
class FrameworkSpec:
    levels: tuple[LevelSpec, ...]
    elements: tuple[str, ...]  # element codes, in display order
    statements: tuple[StatementSpec, ...]
    areas: tuple[AreaSpec, ...] = ()


@dataclass(frozen=True)
class ChangeProjectRule:
    level: str
    min_areas: int = 2
    must_address_element: bool = True


@dataclass(frozen=True)
class StandingRule:
    """`label` when `elements` elements ("all": every one) are at `level` or above."""

    label: str
    level: str
    elements: int | Literal["all"] = "all"


@dataclass(frozen=True)
class Rules:
    cumulative_levels: bool = True
    level_requires_all_statements: bool = True
    areas: Literal["elements", "sub_areas"] = "elements"
    change_project: ChangeProjectRule | None = None
    standing: tuple[StandingRule, ...] = ()  # highest first; the first that holds applies
    refresh_due_months_before: int = 3


@dataclass(frozen=True)
class JudgementRecord:
    statement: str
    judgement: Judgement
    # None: not validated (yet, or ever). Such a judgement is ignored by the engine.
    validated_on: date | None
    kind: AssessmentKind = AssessmentKind.COACH
    # Tie-break between judgements validated on the same day: higher is later (e.g. the row id).
    seq: int = 0


@dataclass(frozen=True)
class ChangeProjectRecord:
    id: str
    status: ProjectStatus
    areas: frozenset[str]
    completed_on: date | None = None
    validated_on: date | None = None


# --- outputs ---------------------------------------------------------------------------------------


class Status(StrEnum):
    HELD = "held"
    REFRESH_DUE = "refresh_due"
    EXPIRED = "expired"
    NONE = "none"


class MissingReason(StrEnum):
    NOT_ASSESSED = "not_assessed"  # no validated judgement at all
    NOT_MET = "not_met"  # the latest validated judgement is "partly" or "not yet"
    EXPIRED = "expired"  # met, but longer ago than the level's validity


@dataclass(frozen=True)
class MissingStatement:
    statement: str
    reason: MissingReason
    judgement: Judgement | None  # the latest validated judgement, if any
    validated_on: date | None
    expired_on: date | None = None


@dataclass(frozen=True)
class ProjectNeed:
    """What a qualifying change project still lacks for `level` in `element`."""

    level: str
    element: str
    must_address_element: bool
    min_areas: int
    best_project: str | None  # the completed, validated project closest to qualifying
    best_areas: int  # how many areas it counts
    more_areas: int  # how many more areas it would need

    def describe(self) -> str:
        where = f" that addresses {self.element}" if self.must_address_element else ""
        if self.best_project is None:
            return f"a completed, validated change project{where} and at least {self.min_areas} areas in all"
        return (
            f"a qualifying change project: {self.best_project} addresses {self.best_areas} of the "
            f"{self.min_areas} areas needed ({self.more_areas} more)"
        )


@dataclass(frozen=True)
class Missing:
    level: str
    statements: tuple[MissingStatement, ...]
    statements_needed: int  # how many of `statements` must still be met
    project: ProjectNeed | None


@dataclass(frozen=True)
class ElementAttainment:
    element: str
    level: str | None  # highest level held at `now` (refresh due counts as held)
    since: date | None
    refresh_due_on: date | None
    expires_on: date | None
    status: Status
    lapsed_level: str | None = None  # held but for expiry (status expired)
    lapsed_on: date | None = None
    next_level: str | None = None
    missing: Missing | None = None

    def as_json(self) -> dict[str, object]:
        """The shape of `soms attainment show --json` (issue 11), dates as ISO 8601 strings."""
        missing: dict[str, object] | None = None
        if self.missing is not None:
            missing = {
                "level": self.missing.level,
                "statements": [
                    {
                        "statement": m.statement,
                        "reason": m.reason.value,
                        "judgement": m.judgement.value if m.judgement else None,
                        "validated_on": _iso(m.validated_on),
                        "expired_on": _iso(m.expired_on),
                    }
                    for m in self.missing.statements
                ],
                "statements_needed": self.missing.statements_needed,
                "project": None
                if self.missing.project is None
                else {
                    "min_areas": self.missing.project.min_areas,
                    "best_project": self.missing.project.best_project,
                    "best_areas": self.missing.project.best_areas,
                    "more_areas": self.missing.project.more_areas,
                    "text": self.missing.project.describe(),
                },
            }
        return {
            "element": self.element,
            "level": self.level,
            "since": _iso(self.since),
            "refresh_due_on": _iso(self.refresh_due_on),
            "expires_on": _iso(self.expires_on),
            "status": self.status.value,
            "lapsed_level": self.lapsed_level,
            "lapsed_on": _iso(self.lapsed_on),
            "next_level": self.next_level,
            "missing": missing,
        }


@dataclass(frozen=True)
class PersonAttainment:
    as_of: date
    elements: tuple[ElementAttainment, ...]
    standing: str | None

    def element(self, code: str) -> ElementAttainment:
        for e in self.elements:
            if e.element == code:
                return e
        raise KeyError(code)

    def levels(self) -> dict[str, str | None]:
        return {e.element: e.level for e in self.elements}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


# --- dates -----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 16)
def add_months(d: date, months: int) -> date:
    """`d` plus `months` calendar months; a day past the end of the target month becomes its last day
    (31 January + 1 month = 28 or 29 February). Past year 9999 the answer is `date.max`."""
    years, month0 = divmod(d.month - 1 + months, 12)
    year = d.year + years
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    month = month0 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _day(d: date) -> date:
    """A datetime is a date to the type checker but cannot be compared with one at run time; the
    Django layer may hand us either, so the engine reads every moment as its day."""
    return d.date() if isinstance(d, datetime) else d


# --- the engine ------------------------------------------------------------------------------------


@dataclass
class _LevelAt:
    complete: bool  # requirements shown, ignoring expiry
    expires_on: date | None  # first day no longer held (None: never), meaningful when complete
    held: bool  # complete and not expired at t


# One statement's validated history: (validated_on, seq, -order) ascending, so the last entry on or
# before t is the one that wins (rule 1).
HistoryEntry = tuple[date, int, int, Judgement]
_History = list[HistoryEntry]


class AttainmentEngine:
    """A framework and its rules, checked and indexed once, ready to evaluate many people.

    Building it raises `RuleInputError` for rules that name levels or elements the framework does not
    have; evaluating raises it for judgements of statements outside the framework."""

    def __init__(
        self,
        framework: FrameworkSpec,
        rules: Rules,
        validity_overrides: Mapping[str, int | None] | None = None,
    ) -> None:
        self.framework = framework
        self.rules = rules
        levels = sorted(framework.levels, key=lambda lv: lv.rank)
        codes = [lv.code for lv in levels]
        if len(set(codes)) != len(codes):
            raise RuleInputError("levels", "level codes must be distinct")
        if len({lv.rank for lv in levels}) != len(levels):
            raise RuleInputError("levels", "level ranks must be distinct")
        if len(set(framework.elements)) != len(framework.elements):
            raise RuleInputError("elements", "element codes must be distinct")
        self.levels: tuple[LevelSpec, ...] = tuple(levels)
        self._pos = {code: i for i, code in enumerate(codes)}
        overrides = dict(validity_overrides or {})
        for code in overrides:
            if code not in self._pos:
                raise RuleInputError(f"validity_overrides.{code}", "no such level in this framework")
        self._validity: list[int | None] = []
        for lv in levels:
            # A code present with None means the organisation made the level never expire.
            months = overrides.get(lv.code, lv.validity_months)
            if months is not None and months < 1:
                raise RuleInputError(
                    f"levels.{lv.code}.validity_months", "must be at least 1 month, or empty"
                )
            self._validity.append(months)
        if rules.refresh_due_months_before < 0:
            raise RuleInputError("rules.refresh_due_months_before", "must not be negative")

        element_set = set(framework.elements)
        self._cells: dict[tuple[str, int], list[str]] = defaultdict(list)
        self._statement_cell: dict[str, tuple[str, int]] = {}
        for i, st in enumerate(framework.statements):
            if st.element not in element_set:
                raise RuleInputError(f"statements[{i}].element", f"no element {st.element!r}")
            if st.level not in self._pos:
                raise RuleInputError(f"statements[{i}].level", f"no level {st.level!r}")
            if st.code in self._statement_cell:
                raise RuleInputError(f"statements[{i}].code", f"statement {st.code!r} appears twice")
            cell = (st.element, self._pos[st.level])
            self._cells[cell].append(st.code)
            self._statement_cell[st.code] = cell

        self._project_pos: int | None = None
        if rules.change_project is not None:
            if rules.change_project.level not in self._pos:
                raise RuleInputError("rules.change_project.level", f"no level {rules.change_project.level!r}")
            if rules.change_project.min_areas < 1:
                raise RuleInputError("rules.change_project.min_areas", "must be at least 1")
            self._project_pos = self._pos[rules.change_project.level]
        if rules.areas == "elements":
            self._area_element: dict[str, str | None] = {e: e for e in framework.elements}
        else:
            self._area_element = {a.code: a.element for a in framework.areas}
        self._standing: list[tuple[str, int, int | None]] = []
        for i, step in enumerate(rules.standing):
            if step.level not in self._pos:
                raise RuleInputError(f"rules.standing[{i}].level", f"no level {step.level!r}")
            count = None if step.elements == "all" else step.elements
            if count is not None and count < 0:
                raise RuleInputError(f"rules.standing[{i}].elements", "must be 'all' or a count of elements")
            self._standing.append((step.label, self._pos[step.level], count))

    # -- public ------------------------------------------------------------------------------------

    def evaluate(
        self,
        judgements: Iterable[JudgementRecord],
        projects: Iterable[ChangeProjectRecord],
        now: date,
    ) -> PersonAttainment:
        now = _day(now)
        histories, usable = self._prepare(judgements, projects, now)
        results = tuple(self._element(e, histories, usable, now) for e in self.framework.elements)
        return PersonAttainment(as_of=now, elements=results, standing=self._standing_of(results))

    def held_levels(
        self,
        judgements: Iterable[JudgementRecord],
        projects: Iterable[ChangeProjectRecord],
        now: date,
    ) -> dict[str, str | None]:
        """Per element, the level held at `now`: `evaluate(...).levels()`, without the rest of the
        evaluation (dates, what is missing, standing), which a reader showing only the level (the
        self line of a person's page) would compute for nothing."""
        now = _day(now)
        histories, usable = self._prepare(judgements, projects, now)
        return self._held_levels(histories, usable, now)

    def held_levels_of_histories(
        self,
        histories: Mapping[str, list[HistoryEntry]],
        projects: Iterable[ChangeProjectRecord],
        now: date,
    ) -> dict[str, str | None]:
        """`held_levels` for a caller that builds the validated histories itself, as
        `AttainmentBatch.evaluate_histories` takes them (`history_entry`; per statement code of this
        framework, validated on or before `now` only, in any order: the lists are sorted in place).
        The self line of a person's page reads its inputs raw and skips a record per judgement."""
        now = _day(now)
        for h in histories.values():
            h.sort()
        _, usable = self._prepare((), projects, now)
        return self._held_levels(histories, usable, now)

    def _held_levels(
        self, histories: Mapping[str, _History], usable: list[ChangeProjectRecord], now: date
    ) -> dict[str, str | None]:
        if not histories and not usable:
            # No judgement validated by `now` and no usable project: no statement is met and no
            # project qualifies, so no level's requirements are shown (rules 2-4); none is held.
            return dict.fromkeys(self.framework.elements)
        out: dict[str, str | None] = {}
        for e in self.framework.elements:
            held = self._held_pos(self._levels_at(e, histories, usable, now))
            out[e] = self.levels[held].code if held is not None else None
        return out

    def batch(self, now: date) -> AttainmentBatch:
        """An evaluator of many people at the same `now` that computes each distinct element input
        once (see `AttainmentBatch`): what a recomputation of thousands of people uses."""
        return AttainmentBatch(self, _day(now))

    def blockers(
        self,
        judgements: Iterable[JudgementRecord],
        projects: Iterable[ChangeProjectRecord],
        now: date,
        *,
        element: str,
        target: str,
    ) -> tuple[Missing, ...]:
        """What stands between the person and `target` in `element`: one `Missing` per level from the
        one above the level held up to `target` (only `target` itself when levels are not cumulative,
        since then the lower ones are not needed). Empty when `target` is held already. This is what a
        person's page shows against the level their role profiles require."""
        if element not in self.framework.elements:
            raise RuleInputError("element", f"no element {element!r}")
        if target not in self._pos:
            raise RuleInputError("target", f"no level {target!r}")
        now = _day(now)
        histories, usable = self._prepare(judgements, projects, now)
        states = self._levels_at(element, histories, usable, now)
        held = self._held_pos(states)
        goal = self._pos[target]
        if held is not None and held >= goal and (self.rules.cumulative_levels or states[goal].held):
            return ()
        if self.rules.cumulative_levels:
            positions = range(0 if held is None else held + 1, goal + 1)
        else:
            positions = range(goal, goal + 1)
        return tuple(self._missing(element, pos, histories, usable, now) for pos in positions)

    def _prepare(
        self, judgements: Iterable[JudgementRecord], projects: Iterable[ChangeProjectRecord], now: date
    ) -> tuple[dict[str, _History], list[ChangeProjectRecord]]:
        histories: dict[str, _History] = defaultdict(list)
        for i, j in enumerate(judgements):
            if j.statement not in self._statement_cell:
                raise RuleInputError(
                    f"judgements[{i}].statement", f"no statement {j.statement!r} in this framework"
                )
            # Rule: unvalidated judgements never count; nor does anything validated after `now`.
            if j.validated_on is None or _day(j.validated_on) > now:
                continue
            histories[j.statement].append(
                (_day(j.validated_on), j.seq, -_JUDGEMENT_ORDER[j.judgement], j.judgement)
            )
        for h in histories.values():
            h.sort()
        usable = []
        for p in projects:
            if p.status != ProjectStatus.COMPLETED or p.completed_on is None or p.validated_on is None:
                continue
            p = replace(p, completed_on=_day(p.completed_on), validated_on=_day(p.validated_on))
            assert p.completed_on is not None and p.validated_on is not None
            if max(p.completed_on, p.validated_on) <= now:
                usable.append(p)
        return histories, usable

    # -- one element --------------------------------------------------------------------------------

    def _element(
        self,
        element: str,
        histories: Mapping[str, _History],
        projects: Sequence[ChangeProjectRecord],
        now: date,
    ) -> ElementAttainment:
        states = self._levels_at(element, histories, projects, now)
        held = self._held_pos(states)
        complete = self._complete_pos(states)
        level = self.levels[held].code if held is not None else None
        expires_on = self._chain_expiry(states, held) if held is not None else None
        refresh_due_on = (
            add_months(expires_on, -self.rules.refresh_due_months_before) if expires_on is not None else None
        )
        lapsed_level = lapsed_on = None
        if complete is not None and (held is None or complete > held):
            lapsed_level = self.levels[complete].code
            lapsed_on = self._chain_expiry(states, complete)
        if lapsed_level is not None:
            status = Status.EXPIRED
        elif held is None:
            status = Status.NONE
        elif refresh_due_on is not None and now >= refresh_due_on:
            status = Status.REFRESH_DUE
        else:
            status = Status.HELD
        since = self._since(element, histories, projects, now, held) if held is not None else None
        next_pos = 0 if held is None else held + 1
        next_level = missing = None
        if next_pos < len(self.levels):
            next_level = self.levels[next_pos].code
            missing = self._missing(element, next_pos, histories, projects, now)
        return ElementAttainment(
            element=element,
            level=level,
            since=since,
            refresh_due_on=refresh_due_on,
            expires_on=expires_on,
            status=status,
            lapsed_level=lapsed_level,
            lapsed_on=lapsed_on,
            next_level=next_level,
            missing=missing,
        )

    def _met_on(self, history: _History | None, t: date) -> date | None:
        """The evidence date of a statement at t: the latest validated judgement on or before t, when
        it is "met" (rule 1 and 2, before expiry)."""
        if not history:
            return None
        latest = None
        for entry in history:
            if entry[0] > t:
                break
            latest = entry
        if latest is None or latest[3] != Judgement.MET:
            return None
        return latest[0]

    def _qualifies(self, project: ChangeProjectRecord, element: str) -> tuple[bool, int]:
        rule = self.rules.change_project
        assert rule is not None
        areas = {a for a in project.areas if a in self._area_element}
        addresses = any(self._area_element[a] == element for a in areas)
        ok = len(areas) >= rule.min_areas and (addresses or not rule.must_address_element)
        return ok, len(areas)

    def _project_on(self, element: str, projects: Sequence[ChangeProjectRecord], t: date) -> bool:
        for p in projects:
            assert p.completed_on is not None and p.validated_on is not None
            if max(p.completed_on, p.validated_on) <= t and self._qualifies(p, element)[0]:
                return True
        return False

    def _levels_at(
        self,
        element: str,
        histories: Mapping[str, _History],
        projects: Sequence[ChangeProjectRecord],
        t: date,
    ) -> list[_LevelAt]:
        out: list[_LevelAt] = []
        for pos in range(len(self.levels)):
            statements = self._cells.get((element, pos), [])
            months = self._validity[pos]
            dates = [self._met_on(histories.get(code), t) for code in statements]
            met = [d for d in dates if d is not None]
            if not statements:
                shown, oldest = True, None
            elif self.rules.level_requires_all_statements:
                shown = len(met) == len(statements)
                oldest = min(met) if shown else None
            else:
                shown = bool(met)
                oldest = max(met) if shown else None
            needs_project = pos == self._project_pos
            if needs_project:
                shown = shown and self._project_on(element, projects, t)
            if not statements and not needs_project:
                shown = False  # rule 3: a level with no requirement is never held
            expires = add_months(oldest, months) if (shown and oldest is not None and months) else None
            out.append(
                _LevelAt(complete=shown, expires_on=expires, held=shown and (expires is None or t < expires))
            )
        return out

    def _held_pos(self, states: Sequence[_LevelAt]) -> int | None:
        return self._top(states, held=True)

    def _complete_pos(self, states: Sequence[_LevelAt]) -> int | None:
        return self._top(states, held=False)

    def _top(self, states: Sequence[_LevelAt], *, held: bool) -> int | None:
        flags = [s.held if held else s.complete for s in states]
        if self.rules.cumulative_levels:
            top = None
            for pos, ok in enumerate(flags):
                if not ok:
                    break
                top = pos
            return top
        ok_positions = [pos for pos, ok in enumerate(flags) if ok]
        return ok_positions[-1] if ok_positions else None

    def _chain_expiry(self, states: Sequence[_LevelAt], pos: int) -> date | None:
        chain = states[: pos + 1] if self.rules.cumulative_levels else [states[pos]]
        expiries = [s.expires_on for s in chain if s.expires_on is not None]
        return min(expiries) if expiries else None

    def _since(
        self,
        element: str,
        histories: Mapping[str, _History],
        projects: Sequence[ChangeProjectRecord],
        now: date,
        held: int,
    ) -> date:
        """Rule 9. Whether a level is held changes only on a validation or completion date or on an
        expiry date, so checking those change points, latest first, finds where the run began."""
        events: set[date] = set()
        for pos in range(len(self.levels)):
            for code in self._cells.get((element, pos), []):
                for entry in histories.get(code, []):
                    events.add(entry[0])
                    if self._validity[pos]:
                        events.add(add_months(entry[0], self._validity[pos] or 0))
        for p in projects:
            assert p.completed_on is not None and p.validated_on is not None
            events.add(max(p.completed_on, p.validated_on))
        since = now
        for t in sorted((d for d in events if d <= now), reverse=True):
            top = self._held_pos(self._levels_at(element, histories, projects, t))
            if top is None or top < held:
                break
            since = t
        return since

    def _missing(
        self,
        element: str,
        pos: int,
        histories: Mapping[str, _History],
        projects: Sequence[ChangeProjectRecord],
        now: date,
    ) -> Missing:
        months = self._validity[pos]
        items: list[MissingStatement] = []
        met = 0
        for code in self._cells.get((element, pos), []):
            history = histories.get(code)
            latest = None
            for entry in history or []:
                if entry[0] > now:
                    break
                latest = entry
            if latest is None:
                items.append(MissingStatement(code, MissingReason.NOT_ASSESSED, None, None))
                continue
            on, judgement = latest[0], latest[3]
            if judgement != Judgement.MET:
                items.append(MissingStatement(code, MissingReason.NOT_MET, judgement, on))
                continue
            expired_on = add_months(on, months) if months else None
            if expired_on is not None and now >= expired_on:
                items.append(MissingStatement(code, MissingReason.EXPIRED, judgement, on, expired_on))
                continue
            met += 1
        any_one = 0 if met else min(1, len(items))
        needed = len(items) if self.rules.level_requires_all_statements else any_one
        need = None
        rule = self.rules.change_project
        if rule is not None and pos == self._project_pos and not self._project_on(element, projects, now):
            best: tuple[int, date, str] | None = None
            for p in projects:
                _, count = self._qualifies(p, element)
                addresses = any(self._area_element.get(a) == element for a in p.areas)
                if rule.must_address_element and not addresses:
                    continue
                assert p.validated_on is not None
                key = (count, p.validated_on, p.id)
                if best is None or key > best:
                    best = key
            best_areas = best[0] if best else 0
            need = ProjectNeed(
                level=self.levels[pos].code,
                element=element,
                must_address_element=rule.must_address_element,
                min_areas=rule.min_areas,
                best_project=best[2] if best else None,
                best_areas=best_areas,
                more_areas=max(rule.min_areas - best_areas, 0),
            )
        return Missing(
            level=self.levels[pos].code, statements=tuple(items), statements_needed=needed, project=need
        )

    # -- standing -----------------------------------------------------------------------------------

    def _standing_of(self, results: Sequence[ElementAttainment]) -> str | None:
        held = [self._pos[r.level] if r.level is not None else -1 for r in results]
        for label, pos, count in self._standing:
            at_or_above = sum(1 for h in held if h >= pos)
            wanted = len(held) if count is None else count
            if held and at_or_above >= wanted:
                return label
        return None


def history_entry(judgement: Judgement, validated_on: date, seq: int) -> HistoryEntry:
    """One validated judgement as `AttainmentBatch.evaluate_histories` and
    `AttainmentEngine.held_levels_of_histories` take it."""
    return (_day(validated_on), seq, -_JUDGEMENT_ORDER[judgement], judgement)


class AttainmentBatch:
    """Many people against one engine at one `now`, each element's answer computed once per distinct
    input. An element's answer depends only on the validated histories of its own statements (the
    order of their entries, their dates and judgements; not the `seq` that ordered them, nor which
    person they belong to), on the usable change projects when the rules have a change-project rule,
    and on `now`. In a large organisation most people share an element's input with someone (the
    same level met on the same day by one assessment), so a recomputation of everyone evaluates far
    fewer elements than people × elements. Answers are the same objects for equal inputs: treat them
    as immutable (they are frozen). `evaluate` answers exactly what `AttainmentEngine.evaluate`
    answers for the same arguments; `tests/core/test_attainment_batch.py` checks that on random
    inputs."""

    def __init__(self, engine: AttainmentEngine, now: date) -> None:
        self.engine = engine
        self.now = now
        self._memo: dict[tuple[object, ...], ElementAttainment] = {}
        # Per element (in display order): its statements, all levels together.
        self._statements = [
            tuple(code for pos in range(len(engine.levels)) for code in engine._cells.get((e, pos), ()))
            for e in engine.framework.elements
        ]
        self.evaluated = 0  # element answers actually computed (the rest came from the memo)

    def evaluate(
        self, judgements: Iterable[JudgementRecord], projects: Iterable[ChangeProjectRecord]
    ) -> PersonAttainment:
        histories, usable = self.engine._prepare(judgements, projects, self.now)
        return self._evaluate(histories, usable)

    def history_entry(self, judgement: Judgement, validated_on: date, seq: int) -> HistoryEntry:
        """One validated judgement as `evaluate_histories` takes it."""
        return history_entry(judgement, validated_on, seq)

    def evaluate_histories(
        self, histories: Mapping[str, list[HistoryEntry]], projects: Iterable[ChangeProjectRecord]
    ) -> PersonAttainment:
        """`evaluate` for a caller that reads many people's judgements itself and skips building a
        `JudgementRecord` per judgement: per statement code (of this framework) the entries of its
        validated judgements (`history_entry`), in any order, validated on or before `now` only.
        The lists are sorted in place."""
        for h in histories.values():
            h.sort()
        _, usable = self.engine._prepare((), projects, self.now)
        return self._evaluate(histories, usable)

    def _evaluate(
        self, histories: Mapping[str, _History], usable: list[ChangeProjectRecord]
    ) -> PersonAttainment:
        engine, now, memo = self.engine, self.now, self._memo
        extra: tuple[object, ...] = tuple(usable) if engine.rules.change_project is not None else ()
        results = []
        for element, codes in zip(engine.framework.elements, self._statements, strict=True):
            key = (
                element,
                extra,
                *(tuple((h[0], h[2]) for h in histories[c]) if c in histories else None for c in codes),
            )
            found = memo.get(key)
            if found is None:
                found = memo[key] = engine._element(element, histories, usable, now)
                self.evaluated += 1
            results.append(found)
        elements = tuple(results)
        return PersonAttainment(as_of=now, elements=elements, standing=engine._standing_of(elements))


def compute_attainment(
    *,
    framework: FrameworkSpec,
    rules: Rules,
    judgements: Iterable[JudgementRecord],
    projects: Iterable[ChangeProjectRecord] = (),
    now: date,
    validity_overrides: Mapping[str, int | None] | None = None,
) -> PersonAttainment:
    """One person's attainment at `now`. To evaluate many people against the same framework, build
    one `AttainmentEngine` and call `evaluate` for each (the framework is checked and indexed once)."""
    return AttainmentEngine(framework, rules, validity_overrides).evaluate(judgements, projects, now)


# --- the person's own view ------------------------------------------------------------------------


def self_view(
    engine: AttainmentEngine,
    judgements: Iterable[JudgementRecord],
    projects: Iterable[ChangeProjectRecord],
    now: date,
) -> PersonAttainment:
    """The levels the person's own self-assessment would give if it were all validated today: the
    "self" line beside "attained" and "required" on a person's radar. Only self judgements are read
    (validated or not, the latest by validation date, then `seq`, winning); their completed projects
    count as if validated. It certifies nothing: it exists to show over- and under-confidence."""
    return engine.evaluate(*_self_inputs(judgements, projects, now), now)


def self_levels(
    engine: AttainmentEngine,
    judgements: Iterable[JudgementRecord],
    projects: Iterable[ChangeProjectRecord],
    now: date,
) -> dict[str, str | None]:
    """`self_view(...).levels()`: per element, the level of the self line, and nothing else."""
    return engine.held_levels(*_self_inputs(judgements, projects, now), now)


def _self_inputs(
    judgements: Iterable[JudgementRecord], projects: Iterable[ChangeProjectRecord], now: date
) -> tuple[list[JudgementRecord], list[ChangeProjectRecord]]:
    """The self view's inputs: the self judgements up to `now`, each as if validated (on `now` when
    not yet), and the completed projects, each as if validated on completion when not yet."""
    own = [
        replace(j, validated_on=j.validated_on or now)
        for j in judgements
        if j.kind == AssessmentKind.SELF and (j.validated_on is None or j.validated_on <= now)
    ]
    claimed = [
        replace(p, validated_on=p.validated_on or p.completed_on)
        for p in projects
        if p.status == ProjectStatus.COMPLETED and p.completed_on is not None and p.completed_on <= now
    ]
    return own, claimed


class Confidence(StrEnum):
    OVER = "over"  # the person rates themself higher than the validated judgement
    UNDER = "under"
    AGREES = "agrees"
    SELF_ONLY = "self_only"  # no validated judgement by someone else yet
    VALIDATED_ONLY = "validated_only"  # no self-assessment


@dataclass(frozen=True)
class StatementConfidence:
    statement: str
    self_judgement: Judgement | None  # the latest self-assessment, validated or not
    validated: Judgement | None  # the latest validated judgement (a validated self-assessment too)
    confidence: Confidence


def confidence(judgements: Iterable[JudgementRecord], statements: Sequence[str]) -> list[StatementConfidence]:
    """Self view beside validated view per statement (issue 11): for each of `statements` with either,
    the latest self-assessment against the latest validated judgement (a manager's or coach's, or a
    self-assessment once someone allowed validated it). Latest
    means by validation date (an unvalidated self-assessment counts as the newest), then `seq`."""
    far = date.max
    # (date, seq, -order): the latest wins, and on a full tie the less favourable, as in the engine.
    own: dict[str, tuple[date, int, int, Judgement]] = {}
    others: dict[str, tuple[date, int, int, Judgement]] = {}
    for j in judgements:
        places: list[tuple[dict[str, tuple[date, int, int, Judgement]], date]] = []
        if j.kind == AssessmentKind.SELF:
            places.append((own, j.validated_on or far))
        if j.validated_on is not None:
            # A validated self-assessment is also the validated view: someone allowed agreed to it.
            places.append((others, j.validated_on))
        for table, on in places:
            key = (on, j.seq, -_JUDGEMENT_ORDER[j.judgement], j.judgement)
            if j.statement not in table or key[:3] > table[j.statement][:3]:
                table[j.statement] = key
    out = []
    for code in statements:
        mine = own[code][3] if code in own else None
        theirs = others[code][3] if code in others else None
        if mine is None and theirs is None:
            continue
        if theirs is None:
            verdict = Confidence.SELF_ONLY
        elif mine is None:
            verdict = Confidence.VALIDATED_ONLY
        elif _JUDGEMENT_ORDER[mine] > _JUDGEMENT_ORDER[theirs]:
            verdict = Confidence.OVER
        elif _JUDGEMENT_ORDER[mine] < _JUDGEMENT_ORDER[theirs]:
            verdict = Confidence.UNDER
        else:
            verdict = Confidence.AGREES
        out.append(StatementConfidence(code, mine, theirs, verdict))
    return out


# --- from the stored rules -------------------------------------------------------------------------


def rules_from_data(data: Mapping[str, object]) -> Rules:
    """`Rules` from the stored JSON of a version's rules (what `FrameworkRules.model_dump()` gives),
    so the Django layer needs no conversion code of its own. Unknown keys are ignored here: the
    stored rules were validated when they were saved."""
    change = data.get("change_project")
    project = None
    if isinstance(change, Mapping):
        project = ChangeProjectRule(
            level=str(change["level"]),
            min_areas=_int(change.get("min_areas", 2), "rules.change_project.min_areas"),
            must_address_element=bool(change.get("must_address_element", True)),
        )
    standing: list[StandingRule] = []
    raw_standing = data.get("standing") or []
    if not isinstance(raw_standing, list):
        raise RuleInputError("rules.standing", "must be a list")
    for i, step in enumerate(raw_standing):
        if not isinstance(step, Mapping):
            raise RuleInputError(f"rules.standing[{i}]", "must be an object")
        count = step.get("elements", "all")
        standing.append(
            StandingRule(
                label=str(step["label"]),
                level=str(step["level"]),
                elements="all" if count == "all" else _int(count, f"rules.standing[{i}].elements"),
            )
        )
    areas = data.get("areas", "elements")
    if areas not in ("elements", "sub_areas"):
        raise RuleInputError("rules.areas", "must be 'elements' or 'sub_areas'")
    return Rules(
        cumulative_levels=bool(data.get("cumulative_levels", True)),
        level_requires_all_statements=bool(data.get("level_requires_all_statements", True)),
        areas="elements" if areas == "elements" else "sub_areas",
        change_project=project,
        standing=tuple(standing),
        refresh_due_months_before=_int(
            data.get("refresh_due_months_before", 3), "rules.refresh_due_months_before"
        ),
    )


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleInputError(where, "must be a whole number")
    return value


__all__ = [
    "AreaSpec",
    "AssessmentKind",
    "AttainmentBatch",
    "AttainmentEngine",
    "ChangeProjectRecord",
    "ChangeProjectRule",
    "Confidence",
    "ElementAttainment",
    "FrameworkSpec",
    "Judgement",
    "JudgementRecord",
    "LevelSpec",
    "Missing",
    "MissingReason",
    "MissingStatement",
    "PersonAttainment",
    "ProjectNeed",
    "ProjectStatus",
    "Rules",
    "StandingRule",
    "StatementConfidence",
    "StatementSpec",
    "Status",
    "add_months",
    "compute_attainment",
    "confidence",
    "rules_from_data",
    "self_levels",
    "self_view",
]
