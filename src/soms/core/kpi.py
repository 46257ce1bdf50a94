"""KPIs: status against a target, trend, and the calculators that turn raw data into a measurement.

Status. A KPI says which direction is better. A value that meets the *target* (at or above it
when higher is better, at or below when lower is better) is green; one that misses the target but
is no worse than the *amber limit* is amber; anything worse is red. Without an amber limit a KPI
is green or red.

Trend. A least-squares line through the last measurements (by date); the change it shows across
them, read in the KPI's direction, is *improving* or *worsening*, or *steady* when it moves less
than 1 % of the mean level (or of the target's size when the level is near zero).

NPS. Each 0–10 answer is a promoter (9–10, scored +1), a passive (7–8, 0) or a detractor (0–6,
−1); NPS = 100 × (promoters − detractors) / all responses, so it lies in −100…100. Its confidence
interval is the normal (Wald) interval of that mean: the per-response score has variance
``p + d − (p − d)²`` (p, d the promoter and detractor shares, a trinomial), so the standard error
of NPS is ``100 × √((p + d − (p − d)²) / n)``. It is clipped to −100…100; with few responses (under
30) or all answers in one group it says less than it seems, and the result says so.

CSAT. The share of answers at or above the "satisfied" point of the scale (4–5 on 1–5 by
default), with a Wilson score interval.

SLA attainment. A ticket meets its SLA when it was resolved within the target for its priority,
counted in calendar time or, given a business calendar, in business time only. A ticket still
open counts as missed once its target has already passed at ``now``, and is left out while it
still can make it.

First-contact resolution. Resolved cases that needed exactly one contact, over all resolved cases.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from soms.core.dates import parse_day
from soms.core.toolkit_input import Problem, ToolkitInputError, check_number, raise_if

MAX_RESPONSES = 1_000_000
MAX_TICKETS = 200_000
MAX_TICKET_SPAN_DAYS = 3_660


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Status(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"  # no measurement, or no target


class Trend(StrEnum):
    IMPROVING = "improving"
    WORSENING = "worsening"
    STEADY = "steady"
    UNKNOWN = "unknown"  # fewer than two measurements


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


@dataclass(frozen=True)
class Thresholds:
    direction: Direction
    target: float | None = None
    amber_limit: float | None = None


def validate_thresholds(t: Thresholds) -> list[Problem]:
    problems: list[Problem] = []
    for name in ("target", "amber_limit"):
        value = getattr(t, name)
        if value is not None:
            check_number(problems, (name,), value, low=-1e15, high=1e15)
    if problems:
        return problems
    if t.amber_limit is not None and t.target is None:
        problems.append(Problem(("amber_limit",), "needs a target"))
    elif t.amber_limit is not None and t.target is not None:
        if t.direction is Direction.HIGHER and t.amber_limit > t.target:
            problems.append(Problem(("amber_limit",), "must be at or below the target when higher is better"))
        if t.direction is Direction.LOWER and t.amber_limit < t.target:
            problems.append(Problem(("amber_limit",), "must be at or above the target when lower is better"))
    return problems


def status(value: float | None, t: Thresholds) -> Status:
    if value is None or t.target is None or not math.isfinite(value):
        return Status.NONE
    sign = 1.0 if t.direction is Direction.HIGHER else -1.0
    if sign * (value - t.target) >= 0:
        return Status.GREEN
    if t.amber_limit is not None and sign * (value - t.amber_limit) >= 0:
        return Status.AMBER
    return Status.RED


@dataclass(frozen=True)
class TrendResult:
    trend: Trend
    slope_per_day: float | None
    change: float | None  # fitted change across the points used


def trend(
    points: Sequence[tuple[date, float]], t: Thresholds, *, window: int = 6, steady_fraction: float = 0.01
) -> TrendResult:
    recent = sorted(points)[-window:]
    if len(recent) < 2:
        return TrendResult(Trend.UNKNOWN, None, None)
    xs = [float((d - recent[0][0]).days) for d, _ in recent]
    ys = [v for _, v in recent]
    if max(xs) == min(xs):
        return TrendResult(Trend.UNKNOWN, None, None)
    slope, _ = statistics.linear_regression(xs, ys)
    change = slope * (xs[-1] - xs[0])
    scale = abs(statistics.fmean(ys))
    if scale < 1e-9 and t.target is not None:
        scale = abs(t.target)
    if abs(change) <= steady_fraction * scale or abs(change) < 1e-12:
        return TrendResult(Trend.STEADY, slope, change)
    better = (change > 0) == (t.direction is Direction.HIGHER)
    return TrendResult(Trend.IMPROVING if better else Trend.WORSENING, slope, change)


# --- NPS ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NpsResult:
    nps: float
    responses: int
    promoters: int
    passives: int
    detractors: int
    low: float
    high: float
    confidence: float
    standard_error: float
    caution: str = ""


def z_for(confidence: float) -> float:
    return statistics.NormalDist().inv_cdf(0.5 + confidence / 2.0)


def nps_from_counts(promoters: int, passives: int, detractors: int, *, confidence: float = 0.95) -> NpsResult:
    problems: list[Problem] = []
    for name, value in (("promoters", promoters), ("passives", passives), ("detractors", detractors)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(Problem((name,), "must be a whole number, zero or more"))
    check_number(problems, ("confidence",), confidence, low=0.5, high=0.999)
    raise_if(problems)
    n = promoters + passives + detractors
    if n == 0:
        raise ToolkitInputError([Problem(("responses",), "there are no responses")])
    p, d = promoters / n, detractors / n
    score = 100.0 * (p - d)
    variance = max(p + d - (p - d) ** 2, 0.0)
    se = 100.0 * math.sqrt(variance / n)
    half = z_for(confidence) * se
    caution = ""
    if n < 30:
        caution = f"only {n} responses: the interval is rough"
    elif variance == 0:
        caution = "every response is in one group: the interval cannot show the uncertainty"
    return NpsResult(
        nps=score,
        responses=n,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        low=max(score - half, -100.0),
        high=min(score + half, 100.0),
        confidence=confidence,
        standard_error=se,
        caution=caution,
    )


def nps(scores: Sequence[int], *, confidence: float = 0.95) -> NpsResult:
    problems: list[Problem] = []
    if len(scores) > MAX_RESPONSES:
        raise ToolkitInputError([Problem(("responses",), f"at most {MAX_RESPONSES:,} responses")])
    for i, s in enumerate(scores):
        if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= 10:
            problems.append(Problem(("responses", i), "must be a whole number from 0 to 10"))
    raise_if(problems[:100])
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return nps_from_counts(promoters, len(scores) - promoters - detractors, detractors, confidence=confidence)


# --- CSAT -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsatScale:
    lowest: int = 1
    highest: int = 5
    satisfied_from: int = 4


@dataclass(frozen=True)
class CsatResult:
    csat: float
    responses: int
    satisfied: int
    low: float
    high: float
    confidence: float
    scale: CsatScale


def validate_csat_scale(scale: CsatScale) -> list[Problem]:
    problems: list[Problem] = []
    for name in ("lowest", "highest", "satisfied_from"):
        v = getattr(scale, name)
        if isinstance(v, bool) or not isinstance(v, int) or not -1000 <= v <= 1000:
            problems.append(Problem(("scale", name), "must be a whole number from -1000 to 1000"))
    if problems:
        return problems
    if scale.highest <= scale.lowest:
        problems.append(Problem(("scale", "highest"), "must be above the lowest point"))
    elif not scale.lowest < scale.satisfied_from <= scale.highest:
        problems.append(
            Problem(("scale", "satisfied_from"), "must lie above the lowest point, up to the highest")
        )
    return problems


def wilson(successes: int, n: int, confidence: float) -> tuple[float, float]:
    z = z_for(confidence)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(centre - half, 0.0), min(centre + half, 1.0)


def csat(scores: Sequence[int], scale: CsatScale = CsatScale(), *, confidence: float = 0.95) -> CsatResult:
    problems = validate_csat_scale(scale)
    check_number(problems, ("confidence",), confidence, low=0.5, high=0.999)
    raise_if(problems)
    if len(scores) > MAX_RESPONSES:
        raise ToolkitInputError([Problem(("responses",), f"at most {MAX_RESPONSES:,} responses")])
    for i, s in enumerate(scores):
        if isinstance(s, bool) or not isinstance(s, int) or not scale.lowest <= s <= scale.highest:
            problems.append(
                Problem(("responses", i), f"must be a whole number from {scale.lowest} to {scale.highest}")
            )
    raise_if(problems[:100])
    if not scores:
        raise ToolkitInputError([Problem(("responses",), "there are no responses")])
    satisfied = sum(1 for s in scores if s >= scale.satisfied_from)
    low, high = wilson(satisfied, len(scores), confidence)
    return CsatResult(
        csat=100.0 * satisfied / len(scores),
        responses=len(scores),
        satisfied=satisfied,
        low=100.0 * low,
        high=100.0 * high,
        confidence=confidence,
        scale=scale,
    )


# --- SLA attainment --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ticket:
    ref: str
    priority: str
    opened: datetime
    resolved: datetime | None = None


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours, the same on every working day (weekday numbers, Monday = 0), minus holidays."""

    opens: time = time(9, 0)
    closes: time = time(17, 0)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: frozenset[date] = frozenset()


@dataclass(frozen=True)
class PriorityAttainment:
    priority: str
    target_hours: float
    met: int
    missed: int
    pending: int  # still open and still within target
    attainment: float | None
    median_hours: float | None


@dataclass(frozen=True)
class SlaResult:
    met: int
    missed: int
    pending: int
    attainment: float | None
    business_hours: bool
    by_priority: tuple[PriorityAttainment, ...]
    breaches: tuple[str, ...] = field(default=())  # refs of missed tickets, first 50


def validate_calendar(cal: BusinessCalendar) -> list[Problem]:
    problems: list[Problem] = []
    if cal.closes <= cal.opens:
        problems.append(Problem(("calendar", "closes"), "must be after the opening time"))
    if not cal.weekdays or any(d not in range(7) for d in cal.weekdays):
        problems.append(Problem(("calendar", "weekdays"), "needs at least one day, Monday = 0 … Sunday = 6"))
    return problems


class _BusinessClock:
    """Business seconds between two instants in O(1) after one pass over the days they span."""

    def __init__(self, cal: BusinessCalendar, first: date, last: date) -> None:
        self.cal = cal
        self.first = first
        self.open_s = cal.opens.hour * 3600 + cal.opens.minute * 60 + cal.opens.second
        self.close_s = cal.closes.hour * 3600 + cal.closes.minute * 60 + cal.closes.second
        self.cumulative = [0.0]
        day = first
        while day <= last:
            self.cumulative.append(self.cumulative[-1] + (self.close_s - self.open_s) * self._works(day))
            day += timedelta(days=1)

    def _works(self, day: date) -> int:
        return int(day.weekday() in self.cal.weekdays and day not in self.cal.holidays)

    def at(self, moment: datetime) -> float:
        """Business seconds from the start of the first day to ``moment``."""
        day = moment.date()
        offset = (day - self.first).days
        seconds = moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6
        inside = min(max(seconds, self.open_s), self.close_s) - self.open_s
        return self.cumulative[offset] + inside * self._works(day)

    def between(self, start: datetime, end: datetime) -> float:
        return self.at(end) - self.at(start)


def sla_attainment(
    tickets: Sequence[Ticket],
    targets_hours: Mapping[str, float],
    *,
    now: datetime,
    calendar: BusinessCalendar | None = None,
) -> SlaResult:
    problems: list[Problem] = []
    if not targets_hours:
        problems.append(Problem(("targets",), "give a target for at least one priority"))
    for name, hours in targets_hours.items():
        check_number(problems, ("targets", name), hours, low=0, high=24 * MAX_TICKET_SPAN_DAYS, low_open=True)
    if calendar is not None:
        problems += validate_calendar(calendar)
    if len(tickets) > MAX_TICKETS:
        problems.append(Problem(("tickets",), f"at most {MAX_TICKETS:,} tickets"))
    raise_if(problems)
    aware = {t.opened.tzinfo is not None for t in tickets} | {now.tzinfo is not None}
    if len(aware) > 1:
        raise ToolkitInputError(
            [Problem(("tickets",), "mixes times with and without a time zone; give all of them one way")]
        )
    for i, t in enumerate(tickets):
        if t.priority not in targets_hours:
            known = ", ".join(sorted(targets_hours))
            problems.append(
                Problem(("tickets", i, "priority"), f"unknown priority {t.priority!r} (known: {known})")
            )
        if t.resolved is not None:
            if (t.resolved.tzinfo is not None) != (t.opened.tzinfo is not None):
                problems.append(Problem(("tickets", i, "resolved"), "must be given like the opening time"))
            elif t.resolved < t.opened:
                problems.append(Problem(("tickets", i, "resolved"), "is before the ticket was opened"))
            elif (t.resolved - t.opened).days > MAX_TICKET_SPAN_DAYS:
                problems.append(
                    Problem(
                        ("tickets", i, "resolved"), f"more than {MAX_TICKET_SPAN_DAYS} days after opening"
                    )
                )
        elif t.opened <= now and (now - t.opened).days > MAX_TICKET_SPAN_DAYS:
            problems.append(
                Problem(("tickets", i, "opened"), f"open for more than {MAX_TICKET_SPAN_DAYS} days")
            )
    raise_if(problems[:100])

    clock: _BusinessClock | None = None
    if calendar is not None and tickets:
        ends = [t.resolved or max(now, t.opened) for t in tickets]
        clock = _BusinessClock(calendar, min(t.opened for t in tickets).date(), max(ends).date())

    def elapsed_hours(start: datetime, end: datetime) -> float:
        if clock is not None:
            return clock.between(start, end) / 3600.0
        return (end - start).total_seconds() / 3600.0

    tallies: dict[str, list[int]] = {p: [0, 0, 0] for p in targets_hours}
    durations: dict[str, list[float]] = {p: [] for p in targets_hours}
    breaches: list[str] = []
    for t in tickets:
        target = targets_hours[t.priority]
        if t.resolved is not None:
            took = elapsed_hours(t.opened, t.resolved)
            durations[t.priority].append(took)
            kind = 0 if took <= target + 1e-9 else 1
        else:
            kind = 1 if now > t.opened and elapsed_hours(t.opened, now) > target + 1e-9 else 2
        tallies[t.priority][kind] += 1
        if kind == 1 and len(breaches) < 50:
            breaches.append(t.ref)
    rows = []
    for p, (met, missed, pending) in tallies.items():
        decided = met + missed
        rows.append(
            PriorityAttainment(
                priority=p,
                target_hours=targets_hours[p],
                met=met,
                missed=missed,
                pending=pending,
                attainment=100.0 * met / decided if decided else None,
                median_hours=statistics.median(durations[p]) if durations[p] else None,
            )
        )
    met = sum(r.met for r in rows)
    missed = sum(r.missed for r in rows)
    return SlaResult(
        met=met,
        missed=missed,
        pending=sum(r.pending for r in rows),
        attainment=100.0 * met / (met + missed) if met + missed else None,
        business_hours=calendar is not None,
        by_priority=tuple(rows),
        breaches=tuple(breaches),
    )


# --- first-contact resolution ---------------------------------------------------------------------


@dataclass(frozen=True)
class FcrResult:
    fcr: float | None
    resolved: int
    first_contact: int
    unresolved: int


def first_contact_resolution(cases: Sequence[tuple[int, bool]]) -> FcrResult:
    """Each case is (contacts it took, resolved?)."""
    problems = []
    for i, (contacts, _) in enumerate(cases):
        if isinstance(contacts, bool) or not isinstance(contacts, int) or not 1 <= contacts <= 10_000:
            problems.append(Problem(("cases", i, "contacts"), "must be a whole number from 1 to 10000"))
    raise_if(problems[:100])
    resolved = [c for c, done in cases if done]
    first = sum(1 for c in resolved if c == 1)
    return FcrResult(
        fcr=100.0 * first / len(resolved) if resolved else None,
        resolved=len(resolved),
        first_contact=first,
        unresolved=len(cases) - len(resolved),
    )


# --- reading the raw files ------------------------------------------------------------------------


def _rows(text: str, required: Sequence[str]) -> tuple[list[tuple[int, dict[str, str]]], dict[str, str]]:
    """Rows of a CSV with a header (names matched without case or surrounding spaces).

    Returns (line number, row keyed by the lower-case column name) and the header's own spelling.
    Raises when a required column is missing. Other columns are ignored.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        raise ToolkitInputError([Problem(("file",), "the file is empty")])
    names = [h.strip().lower() for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise ToolkitInputError(
            [
                Problem(
                    ("file", "header"),
                    f"needs a {', '.join(repr(m) for m in missing)} column; found {', '.join(header) or 'none'}",
                )
            ]
        )
    rows = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        rows.append((line, {n: (values[i].strip() if i < len(values) else "") for i, n in enumerate(names)}))
    return rows, {n: h.strip() for n, h in zip(names, header, strict=True)}


def parse_scores_csv(text: str, *, column: str = "score", lowest: int = 0, highest: int = 10) -> list[int]:
    """Whole-number scores from a CSV's ``column``; every bad cell is reported by line and column."""
    rows, _ = _rows(text, [column.lower()])
    problems: list[Problem] = []
    scores: list[int] = []
    for line, row in rows:
        raw = row[column.lower()]
        try:
            value = int(raw)
        except ValueError:
            problems.append(Problem(("row", line, column), f"{raw!r} is not a whole number"))
            continue
        if not lowest <= value <= highest:
            problems.append(Problem(("row", line, column), f"{value} is outside {lowest}–{highest}"))
            continue
        scores.append(value)
        if len(scores) > MAX_RESPONSES:
            raise ToolkitInputError([Problem(("file",), f"at most {MAX_RESPONSES:,} responses")])
    raise_if(problems[:100])
    if not scores:
        raise ToolkitInputError([Problem(("file",), f"no {column} values in the file")])
    return scores


TRUE_WORDS = frozenset({"yes", "y", "true", "1", "resolved"})
FALSE_WORDS = frozenset({"no", "n", "false", "0", "unresolved", "open"})


def parse_cases_csv(text: str) -> list[tuple[int, bool]]:
    """Cases from a CSV with a ``contacts`` column (how many contacts each case took) and an
    optional ``resolved`` column (yes/no; a case without it counts as resolved). Every bad cell is
    reported by line and column; other columns are ignored."""
    rows, names = _rows(text, ["contacts"])
    has_resolved = "resolved" in names
    problems: list[Problem] = []
    cases: list[tuple[int, bool]] = []
    if len(rows) > MAX_RESPONSES:
        raise ToolkitInputError([Problem(("file",), f"at most {MAX_RESPONSES:,} cases")])
    for line, row in rows:
        raw = row["contacts"]
        try:
            contacts = int(raw)
        except ValueError:
            problems.append(Problem(("row", line, "contacts"), f"{raw!r} is not a whole number"))
            continue
        if not 1 <= contacts <= 10_000:
            problems.append(Problem(("row", line, "contacts"), f"{contacts} is outside 1–10000"))
            continue
        resolved = True
        if has_resolved:
            word = row["resolved"].lower()
            if word in TRUE_WORDS:
                resolved = True
            elif word in FALSE_WORDS:
                resolved = False
            else:
                problems.append(Problem(("row", line, "resolved"), f"{row['resolved']!r}: write yes or no"))
                continue
        cases.append((contacts, resolved))
    raise_if(problems[:100])
    if not cases:
        raise ToolkitInputError([Problem(("file",), "no cases in the file")])
    return cases


def _moment(raw: str) -> datetime:
    value = datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
    return value


def parse_tickets_csv(text: str) -> list[Ticket]:
    """Tickets from a CSV with ``opened``, ``resolved`` (blank while open) and ``priority`` columns.

    An ``id`` column, when present, names the tickets; otherwise the line number does.
    """
    rows, _ = _rows(text, ["opened", "resolved", "priority"])
    problems: list[Problem] = []
    tickets: list[Ticket] = []
    if len(rows) > MAX_TICKETS:
        raise ToolkitInputError([Problem(("file",), f"at most {MAX_TICKETS:,} tickets")])
    for line, row in rows:
        ref = row.get("id") or f"line {line}"
        bad = False
        try:
            opened = _moment(row["opened"])
        except ValueError:
            problems.append(
                Problem(("row", line, "opened"), f"{row['opened']!r} is not a date and time (ISO 8601)")
            )
            bad = True
        resolved: datetime | None = None
        if row["resolved"]:
            try:
                resolved = _moment(row["resolved"])
            except ValueError:
                problems.append(
                    Problem(
                        ("row", line, "resolved"), f"{row['resolved']!r} is not a date and time (ISO 8601)"
                    )
                )
                bad = True
        if not row["priority"]:
            problems.append(Problem(("row", line, "priority"), "is blank"))
            bad = True
        if bad:
            continue
        if (
            resolved is not None
            and (resolved.tzinfo is None) == (opened.tzinfo is None)
            and resolved < opened
        ):
            problems.append(Problem(("row", line, "resolved"), "is before the ticket was opened"))
            continue
        tickets.append(Ticket(ref, row["priority"], opened, resolved))
    raise_if(problems[:100])
    return tickets


def sla_from_csv(
    text: str, targets_hours: Mapping[str, float], *, now: datetime, calendar: BusinessCalendar | None = None
) -> SlaResult:
    """SLA attainment from a ticket file, with problems named by the file's line and column."""
    tickets = parse_tickets_csv(text)
    try:
        return sla_attainment(tickets, targets_hours, now=now, calendar=calendar)
    except ToolkitInputError as e:
        # Every row became a ticket (parsing raised otherwise), so ticket i is the i-th data row.
        lines = [line for line, _ in _rows(text, ["opened", "resolved", "priority"])[0]]
        mapped = []
        for p in e.problems:
            if len(p.loc) == 3 and p.loc[0] == "tickets" and isinstance(p.loc[1], int):
                mapped.append(Problem(("row", lines[p.loc[1]], str(p.loc[2])), p.message))
            else:
                mapped.append(p)
        raise ToolkitInputError(mapped) from None


MAX_MEASUREMENTS = 10_000


@dataclass(frozen=True)
class MeasurementRow:
    line: int
    period: date
    value: float
    note: str = ""


def parse_measurements_csv(text: str) -> list[MeasurementRow]:
    """Measurements from a CSV with ``period`` (a date, ISO 8601) and ``value`` columns, ``note`` optional.

    All or nothing: every bad cell is reported by line and column, and a period given twice is
    refused, since a KPI has one value per period.
    """
    rows, _ = _rows(text, ["period", "value"])
    if len(rows) > MAX_MEASUREMENTS:
        raise ToolkitInputError([Problem(("file",), f"at most {MAX_MEASUREMENTS:,} measurements per file")])
    problems: list[Problem] = []
    out: list[MeasurementRow] = []
    seen: dict[date, int] = {}
    for line, row in rows:
        period: date | None = None
        value: float | None = None
        try:
            period = parse_day(row["period"])
        except ValueError as exc:
            problems.append(Problem(("row", line, "period"), str(exc)))
        try:
            value = float(row["value"])
            if not math.isfinite(value) or abs(value) > 1e15:
                raise ValueError
        except ValueError:
            problems.append(Problem(("row", line, "value"), f"{row['value']!r} is not a number"))
            value = None
        note = row.get("note", "")
        if len(note) > 500:
            problems.append(Problem(("row", line, "note"), "at most 500 characters"))
        if period is not None:
            if period in seen:
                problems.append(
                    Problem(
                        ("row", line, "period"), f"{period.isoformat()} is already on line {seen[period]}"
                    )
                )
            seen.setdefault(period, line)
        if period is not None and value is not None:
            out.append(MeasurementRow(line, period, value, note))
    raise_if(problems[:100])
    if not out:
        raise ToolkitInputError([Problem(("file",), "no measurements in the file")])
    return out
