"""Interval demand: reading a CSV of arrivals and describing its shape.

The CSV has a header with ``timestamp`` and ``arrivals`` and optionally a handle-time column
(``handle_time``, ``handle_time_seconds``, ``aht`` or ``aht_seconds``, in seconds). Timestamps are
ISO 8601, with or without a UTC offset (but not a mix). Parsing checks the whole file and
reports every problem at once, each with its 1-based file line and column, so a person can fix
the file in one go (the all-or-nothing import rule).

The interval length is taken as the most common spacing between consecutive timestamps; the
grid is anchored at the first timestamp. Missing grid points inside the range are gaps: they are
reported but are not errors, because exports often skip intervals without traffic or during
outages and the person should decide what they mean.

Zone-aware timestamps are placed on the grid in absolute time; the profile reads weekday and
time of day in the first row's UTC offset. A file that crosses a daylight-saving change should
therefore be exported in local time without an offset if the profile is to follow wall-clock hours.

Limits (``soms.core.capacity.limits``): a file may span at most ``MAX_INTERVALS`` (100,000)
intervals from its first to its last timestamp, a row may count at most ``MAX_CALLS_PER_INTERVAL``
arrivals and a handle time at most ``MAX_HANDLE_TIME_SECONDS``. The span is checked before the
series is allocated, because its length comes from the timestamps, not from the number of rows:
a week of half-hours plus one row in 2100 would otherwise ask for millions of intervals. Each
breach is reported like any other bad cell, with its line and column.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from soms.core.capacity.errors import CapacityInputError, CsvIssue, DemandCsvError
from soms.core.capacity.limits import (
    MAX_CALLS_PER_INTERVAL,
    MAX_HANDLE_TIME_SECONDS,
    MAX_INTERVALS,
    describe_span,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_HANDLE_TIME_NAMES = ("handle_time", "handle_time_seconds", "aht", "aht_seconds")
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Gap:
    start: datetime
    intervals: int

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "intervals": self.intervals}


@dataclass(frozen=True)
class DemandSeries:
    """Arrivals on a regular grid ``start + k * interval``; NaN marks a gap (no row in the file)."""

    start: datetime
    interval: timedelta
    arrivals: FloatArray
    handle_time: FloatArray | None
    gaps: tuple[Gap, ...]

    @property
    def interval_seconds(self) -> float:
        return self.interval.total_seconds()

    def timestamps(self) -> list[datetime]:
        return [self.start + k * self.interval for k in range(len(self.arrivals))]

    @property
    def observed(self) -> BoolArray:
        return np.asarray(~np.isnan(self.arrivals))

    def mean_handle_time(self) -> float | None:
        """Call-weighted mean handle time: long-handled busy intervals count for more."""
        if self.handle_time is None:
            return None
        ok = self.observed & ~np.isnan(self.handle_time) & (np.nan_to_num(self.arrivals) > 0)
        if not np.any(ok):
            return None
        return float(np.average(self.handle_time[ok], weights=self.arrivals[ok]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "interval_seconds": self.interval_seconds,
            "arrivals": [None if np.isnan(v) else int(v) for v in self.arrivals],
            "handle_time": None
            if self.handle_time is None
            else [None if np.isnan(v) else float(v) for v in self.handle_time],
            "gaps": [g.to_dict() for g in self.gaps],
        }


_SLASH_DATE = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:[ T,]+\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?"
)
_EXCEL_SERIAL = re.compile(r"\d{5}(?:[.,]\d+)?")
ISO_EXAMPLE = "2026-01-13T08:30"


def _delimiter(text: str) -> str:
    """',' unless the first line clearly uses ';' or a tab instead (spreadsheets in many locales)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if "," in first:
        return ","
    for candidate in (";", "\t"):
        if candidate in first:
            return candidate
    return ","


def _foreign_timestamps(cells: list[str]) -> str | None:
    """A sentence naming the date format of a timestamp column that is not ISO 8601, or None.

    Only when no cell is ISO 8601 and nearly all are one other recognisable format: then every
    row has the same problem, and one message that names the format found and the one expected
    says all there is to say. Day/month/year and month/day/year are told apart by a first or
    second number above 12; when neither is, the file cannot say which it is.
    """
    values = [c.strip() for c in cells if c.strip()]
    if not values:
        return None
    for v in values:
        try:
            datetime.fromisoformat(v)
            return None
        except ValueError:
            pass
    expected = f"SOMS reads ISO 8601 (year-month-day), e.g. {ISO_EXAMPLE!r} or '2026-01-13 08:30'"
    dates = [m for m in (_SLASH_DATE.fullmatch(v) for v in values) if m]
    if len(dates) >= 0.8 * len(values):
        first = max(int(m.group(1)) for m in dates)
        second = max(int(m.group(2)) for m in dates)
        example = dates[0].group(0)
        if first > 12 and second <= 12:
            found = "day/month/year"
        elif second > 12 and first <= 12:
            found = "month/day/year"
        elif first <= 12 and second <= 12:
            found = "day/month/year or month/day/year (no number above 12 tells which)"
        else:
            found = "a mix of day/month/year and month/day/year"
        return (
            f"the timestamps are written {found}, e.g. {example!r}; {expected}. In a spreadsheet, format "
            "the column as yyyy-mm-dd hh:mm before saving as CSV"
        )
    serials = [
        v for v in values if _EXCEL_SERIAL.fullmatch(v) and 20_000 < float(v.replace(",", ".")) < 80_000
    ]
    if len(serials) >= 0.8 * len(values):
        return (
            f"the timestamps are Excel serial date numbers, e.g. {serials[0]!r}, not date-times; {expected}. "
            "In the spreadsheet, format the column as yyyy-mm-dd hh:mm before saving as CSV"
        )
    return None


def _parse_timestamp(text: str) -> datetime:
    value = text.strip()
    if not value:
        raise ValueError("empty")
    return datetime.fromisoformat(value)


def _parse_count(text: str) -> int:
    value = text.strip()
    number = float(value)  # ValueError for words; "12.0" is accepted as the whole number it is
    if not np.isfinite(number) or number != int(number):
        raise ValueError("not whole")
    return int(number)


def parse_demand_csv(source: str | Iterable[str]) -> DemandSeries:
    """Parse interval demand; raise ``DemandCsvError`` listing every problem if any."""
    text = source if isinstance(source, str) else "".join(source)
    delimiter = _delimiter(text)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    issues: list[CsvIssue] = []
    # Line numbers must match the file a person opens; csv.reader hides blank lines, so count raw.
    # Line numbers only (no tuple per row: 100,000 tuples of lists keep the garbage collector busy).
    lines = [i for i, r in enumerate(rows, 1) if "".join(r).strip()]
    if not lines:
        raise DemandCsvError([CsvIssue(1, "file", "the file is empty")])

    header_line = lines[0]
    header = rows[header_line - 1]
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    if "timestamp" not in names or "arrivals" not in names:
        looks_like_data = False
        try:
            _parse_timestamp(header[0])
            looks_like_data = True
        except (ValueError, IndexError):
            pass
        reason = (
            "missing header row: the first line must name the columns (timestamp, arrivals[, handle_time])"
            if looks_like_data
            else "the header must contain the columns 'timestamp' and 'arrivals'"
        )
        raise DemandCsvError([CsvIssue(header_line, "header", reason)])
    col_ts = names.index("timestamp")
    col_n = names.index("arrivals")
    col_ht = next((names.index(n) for n in _HANDLE_TIME_NAMES if n in names), None)
    ht_name = names[col_ht] if col_ht is not None else ""

    fast = _parse_clean([rows[i - 1] for i in lines[1:]], col_ts, col_n, col_ht, delimiter)
    if fast is not None:
        return fast
    numbered = [(i, rows[i - 1]) for i in lines]

    foreign = _foreign_timestamps([row[col_ts] if col_ts < len(row) else "" for _, row in numbered[1:]])
    if foreign:
        # One message for the whole column: the same complaint on every row helps nobody.
        raise DemandCsvError(
            [CsvIssue(numbered[1][0] if len(numbered) > 1 else header_line, "timestamp", foreign)]
        )

    # Every row with a readable timestamp takes part in the grid and duplicate checks, even if its
    # other cells are bad, so one typo in a count does not hide the file's interval length.
    parsed: list[tuple[int, datetime, int, float, bool]] = []
    for line, row in numbered[1:]:
        ok = True
        ts: datetime | None = None
        count = 0
        handle = float("nan")
        cell_ts = row[col_ts] if col_ts < len(row) else ""
        try:
            ts = _parse_timestamp(cell_ts)
        except ValueError:
            issues.append(CsvIssue(line, "timestamp", f"not an ISO 8601 date-time: {cell_ts!r}"))
        cell_n = row[col_n] if col_n < len(row) else ""
        try:
            count = _parse_count(cell_n)
            if count < 0:
                issues.append(CsvIssue(line, "arrivals", f"cannot be negative: {cell_n.strip()!r}"))
                ok = False
            elif count > MAX_CALLS_PER_INTERVAL:
                issues.append(
                    CsvIssue(
                        line,
                        "arrivals",
                        f"{cell_n.strip()!r} is more than the {MAX_CALLS_PER_INTERVAL:,} calls "
                        "one interval may have",
                    )
                )
                ok = False
        except (ValueError, OverflowError):
            issues.append(CsvIssue(line, "arrivals", f"must be a whole number: {cell_n.strip()!r}"))
            ok = False
        if col_ht is not None:
            cell_h = row[col_ht].strip() if col_ht < len(row) else ""
            if cell_h:
                try:
                    # Files separated by ';' come from spreadsheets that write decimal commas.
                    handle = float(cell_h.replace(",", ".") if delimiter != "," else cell_h)
                    if not np.isfinite(handle) or handle <= 0:
                        raise ValueError
                except ValueError:
                    issues.append(
                        CsvIssue(line, ht_name, f"must be a positive number of seconds: {cell_h!r}")
                    )
                    ok = False
                else:
                    if handle > MAX_HANDLE_TIME_SECONDS:
                        issues.append(
                            CsvIssue(
                                line,
                                ht_name,
                                f"{cell_h!r} seconds is more than the {MAX_HANDLE_TIME_SECONDS:,.0f} "
                                "(eight hours) a handle time may be",
                            )
                        )
                        ok = False
        if ts is not None:
            parsed.append((line, ts, count, handle, ok))

    def report() -> DemandCsvError:
        return DemandCsvError(sorted(issues, key=lambda i: (i.row, i.column)))

    if not parsed and not issues:
        raise DemandCsvError([CsvIssue(header_line, "file", "the file has a header but no data rows")])
    if not parsed:
        raise report()

    first_aware = parsed[0][1].tzinfo is not None
    mixed = [p for p in parsed if (p[1].tzinfo is not None) != first_aware]
    if mixed:
        for item in mixed:
            issues.append(
                CsvIssue(item[0], "timestamp", "mixes timestamps with and without a time zone in one file")
            )
        raise report()

    seen: dict[datetime, int] = {}
    unique: list[tuple[int, datetime, int, float, bool]] = []
    for item in parsed:
        line, ts = item[0], item[1]
        if ts in seen:
            issues.append(CsvIssue(line, "timestamp", f"duplicate interval: same as line {seen[ts]}"))
        else:
            seen[ts] = line
            unique.append(item)

    unique.sort(key=lambda p: p[1])
    start = unique[0][1]
    if len(unique) == 1:
        issues.append(
            CsvIssue(
                unique[0][0], "timestamp", "at least two intervals are needed to tell the interval length"
            )
        )
        raise report()
    spacings = Counter(b[1] - a[1] for a, b in zip(unique, unique[1:], strict=False))
    # Ties go to the shortest spacing: a file with many gaps still has its real interval.
    interval = min(spacings, key=lambda s: (-spacings[s], s))
    on_grid: list[tuple[int, int, int, float]] = []
    too_far = False
    for line, ts, count, handle, ok in unique:
        steps, rest = divmod(ts - start, interval)
        if steps >= MAX_INTERVALS:
            # Only the first row past the limit is listed: it names the stray timestamp, and a
            # file that is simply too long should not answer with thousands of lines.
            if not too_far:
                issues.append(
                    CsvIssue(
                        line,
                        "timestamp",
                        f"{ts.isoformat()} is {int(steps):,} intervals after the first timestamp "
                        f"{start.isoformat()} (line {unique[0][0]}); a demand file may span at most "
                        f"{describe_span(MAX_INTERVALS, interval.total_seconds())}",
                    )
                )
            too_far = True
            continue
        if rest:
            issues.append(
                CsvIssue(
                    line,
                    "timestamp",
                    f"off the {_describe(interval)} grid that starts at {start.isoformat()}",
                )
            )
        elif ok:
            on_grid.append((line, int(steps), count, handle))

    if not issues:
        last_line, last_ts = unique[-1][0], unique[-1][1]
        try:
            last_ts + interval  # the series' end, which the plan and the forecast are built on
        except OverflowError:
            issues.append(CsvIssue(last_line, "timestamp", "is too close to the end of the calendar"))
    if issues:
        raise report()

    size = on_grid[-1][1] + 1
    arrivals = np.full(size, np.nan)
    handle_time = np.full(size, np.nan) if col_ht is not None else None
    for _, k, count, handle in on_grid:
        arrivals[k] = count
        if handle_time is not None:
            handle_time[k] = handle
    return DemandSeries(
        start=start,
        interval=interval,
        arrivals=arrivals,
        handle_time=handle_time,
        gaps=_find_gaps(start, interval, arrivals),
    )


_EPOCH = datetime(1970, 1, 1)
_EPOCH_UTC = _EPOCH.replace(tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _column(rows: list[list[str]], col: int) -> list[str]:
    return [row[col] if col < len(row) else "" for row in rows]


def _parse_clean(
    rows: list[list[str]], col_ts: int, col_n: int, col_ht: int | None, delimiter: str
) -> DemandSeries | None:
    """The whole file at once, for a file with nothing wrong in it (the common case, and what the
    largest plans upload): each column converted by one C-level pass and checked with array
    operations, instead of a Python loop of checks per row. Returns None at the first sign of any
    problem at all; the row-by-row reading then finds and words every one of them."""
    if len(rows) < 2:
        return None
    try:
        stamps = list(map(datetime.fromisoformat, _column(rows, col_ts)))
        counts = np.fromiter(map(float, _column(rows, col_n)), dtype=np.float64, count=len(rows))
        handle: FloatArray | None = None
        if col_ht is not None:
            cells = _column(rows, col_ht)
            if delimiter != ",":
                cells = [c.replace(",", ".") for c in cells]
            handle = np.fromiter(
                (float(c) if c.strip() else np.nan for c in cells), dtype=np.float64, count=len(rows)
            )
    except (ValueError, OverflowError):
        return None
    aware = {d.tzinfo is not None for d in stamps}
    if len(aware) != 1:
        return None
    # Microseconds since the epoch, in absolute time for zone-aware files (as the row-by-row
    # reading places them, subtracting aware datetimes).
    epoch = _EPOCH_UTC if aware == {True} else _EPOCH
    times = np.fromiter(((d - epoch) // _MICROSECOND for d in stamps), dtype=np.int64, count=len(stamps))
    if not (np.all(np.isfinite(counts)) and np.all(counts == np.floor(counts))):
        return None
    if np.any(counts < 0) or np.any(counts > MAX_CALLS_PER_INTERVAL):
        return None
    if handle is not None:
        given = handle[~np.isnan(handle)]
        if not np.all(np.isfinite(given)) or np.any(given <= 0) or np.any(given > MAX_HANDLE_TIME_SECONDS):
            return None
    order = np.argsort(times, kind="stable")
    ordered = times[order]
    spacing = np.diff(ordered)
    if np.any(spacing == 0):
        return None  # duplicates: said row by row, with the line each repeats
    values, seen = np.unique(spacing, return_counts=True)
    # The most common spacing; ties go to the shortest (np.unique sorts, argmax takes the first).
    step = int(values[int(np.argmax(seen))])
    offsets = ordered - ordered[0]
    if np.any(offsets % step) or int(offsets[-1] // step) >= MAX_INTERVALS:
        return None
    start = stamps[int(order[0])]
    interval = timedelta(microseconds=step)
    try:
        stamps[int(order[-1])] + interval
    except OverflowError:
        return None
    positions = offsets // step
    size = int(positions[-1]) + 1
    arrivals = np.full(size, np.nan)
    arrivals[positions] = counts[order]
    handle_time = None
    if handle is not None:
        handle_time = np.full(size, np.nan)
        handle_time[positions] = handle[order]
    return DemandSeries(
        start=start,
        interval=interval,
        arrivals=arrivals,
        handle_time=handle_time,
        gaps=_find_gaps(start, interval, arrivals),
    )


def _describe(interval: timedelta) -> str:
    seconds = int(interval.total_seconds())
    if seconds % 60 == 0:
        return f"{seconds // 60}-minute"
    return f"{seconds}-second"


def _find_gaps(start: datetime, interval: timedelta, arrivals: FloatArray) -> tuple[Gap, ...]:
    """Runs of NaN, found with array operations (a 100,000-interval series has few)."""
    missing = np.isnan(arrivals).astype(np.int8)
    edges = np.diff(np.concatenate(([0], missing, [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return tuple(Gap(start + int(k) * interval, int(j - k)) for k, j in zip(starts, ends, strict=True))


# --------------------------------------------------------------------------------------------
# profile


@dataclass(frozen=True)
class DemandProfile:
    """The shape of demand over a week. Weekday 0 is Monday; intervals of day start at midnight."""

    interval_seconds: float
    intervals_per_day: int
    mean_by_weekday_interval: FloatArray  # (7, intervals_per_day); NaN where never observed
    closed: BoolArray  # (7, intervals_per_day); observed, and zero every time
    daily_totals: tuple[tuple[date, float, bool], ...]  # (day, total, complete)
    trend_per_week: float  # change in daily total per week over complete days, net of the weekday pattern
    cv_overall: float
    cv_by_interval_of_day: FloatArray  # (intervals_per_day,); NaN where mean is zero
    peak_to_average: float
    gaps: tuple[Gap, ...]

    def interval_positions(
        self, start: datetime, count: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(weekday, interval-of-day) for ``count`` intervals from ``start``."""
        return _positions(start, timedelta(seconds=self.interval_seconds), count, self.intervals_per_day)

    def to_dict(self) -> dict[str, Any]:
        def clean(arr: npt.NDArray[Any]) -> Any:
            return (
                [clean(a) for a in arr] if arr.ndim > 1 else [None if np.isnan(v) else float(v) for v in arr]
            )

        return {
            "interval_seconds": self.interval_seconds,
            "intervals_per_day": self.intervals_per_day,
            "heatmap": clean(self.mean_by_weekday_interval),
            "closed": self.closed.tolist(),
            "daily_totals": [
                {"date": d.isoformat(), "total": t, "complete": c} for d, t, c in self.daily_totals
            ],
            "trend_per_week": self.trend_per_week,
            "cv_overall": self.cv_overall,
            "cv_by_interval_of_day": clean(self.cv_by_interval_of_day),
            "peak_to_average": self.peak_to_average,
            "gaps": [g.to_dict() for g in self.gaps],
        }


def _positions(
    start: datetime, interval: timedelta, count: int, per_day: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    first = int((start - midnight) // interval)
    k = np.arange(count, dtype=np.int64) + first
    day = k // per_day
    weekday = (start.weekday() + day) % 7
    return weekday.astype(np.int64), (k % per_day).astype(np.int64)


def intervals_per_day(interval: timedelta) -> int:
    per_day, rest = divmod(DAY, interval)
    if rest or per_day < 1:
        raise CapacityInputError(
            "interval", "the interval length must divide a day exactly (e.g. 15, 30 or 60 minutes)"
        )
    return int(per_day)


def demand_profile(series: DemandSeries) -> DemandProfile:
    per_day = intervals_per_day(series.interval)
    start = series.start
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if (start - midnight) % series.interval:
        raise CapacityInputError(
            "timestamp", "intervals must start on the interval grid counted from midnight"
        )
    n = len(series.arrivals)
    weekday, slot = _positions(start, series.interval, n, per_day)
    obs = series.observed
    values = series.arrivals

    sums = np.zeros((7, per_day))
    counts = np.zeros((7, per_day))
    np.add.at(sums, (weekday[obs], slot[obs]), values[obs])
    np.add.at(counts, (weekday[obs], slot[obs]), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts > 0, sums / np.where(counts > 0, counts, 1.0), np.nan)
    nonzero = np.zeros((7, per_day))
    np.add.at(nonzero, (weekday[obs], slot[obs]), (values[obs] > 0).astype(np.float64))
    closed = (counts > 0) & (nonzero == 0)

    first = int((start - midnight) // series.interval)
    day_index = (np.arange(n) + first) // per_day
    totals: list[tuple[date, float, bool]] = []
    for d in range(int(day_index[-1]) + 1):
        sel = day_index == d
        complete = bool(np.all(obs[sel])) and int(sel.sum()) == per_day
        totals.append(((midnight + d * DAY).date(), float(np.nansum(values[sel])), complete))

    complete_days = np.array([i for i, t in enumerate(totals) if t[2]], dtype=np.float64)
    complete_totals = np.array([t[1] for t in totals if t[2]], dtype=np.float64)
    trend = _weekly_trend(complete_days, complete_totals, [t[0].weekday() for t in totals if t[2]])

    observed_values = values[obs]
    overall_mean = float(observed_values.mean()) if observed_values.size else 0.0
    cv_overall = float(observed_values.std() / overall_mean) if overall_mean > 0 else 0.0

    slot_obs = slot[obs]
    slot_sum = np.bincount(slot_obs, weights=observed_values, minlength=per_day)
    slot_sq = np.bincount(slot_obs, weights=observed_values**2, minlength=per_day)
    slot_n = np.bincount(slot_obs, minlength=per_day).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        slot_mean = slot_sum / slot_n
        slot_var = np.maximum(slot_sq / slot_n - slot_mean**2, 0.0)
        cv_slot = np.where(slot_mean > 0, np.sqrt(slot_var) / slot_mean, np.nan)

    open_cells = (counts > 0) & ~closed
    open_mean = float(mean[open_cells].mean()) if np.any(open_cells) else 0.0
    peak = float(np.nanmax(mean)) if np.any(counts > 0) else 0.0
    peak_to_average = peak / open_mean if open_mean > 0 else 0.0

    return DemandProfile(
        interval_seconds=series.interval_seconds,
        intervals_per_day=per_day,
        mean_by_weekday_interval=mean,
        closed=closed,
        daily_totals=tuple(totals),
        trend_per_week=trend,
        cv_overall=cv_overall,
        cv_by_interval_of_day=cv_slot,
        peak_to_average=peak_to_average,
        gaps=series.gaps,
    )


def _weekly_trend(days: FloatArray, totals: FloatArray, weekdays: list[int]) -> float:
    """Change in the daily total per week, least squares.

    A straight line through raw daily totals mistakes the weekly shape for a trend: when Mondays
    are busy and Sundays closed, every week runs downhill, and eight weeks of growing demand can
    come out as a decline. So each weekday gets its own level and only the slope is shared,
    whenever every weekday in the data occurs at least twice (otherwise the slope could not be
    told apart from the weekday levels, and the plain line is all there is).
    """
    if len(days) < 2:
        return 0.0
    present = sorted(set(weekdays))
    if all(weekdays.count(d) >= 2 for d in present) and len(days) > len(present):
        dummies = np.array([[1.0 if w == d else 0.0 for d in present] for w in weekdays])
        design = np.column_stack([days, dummies])
        coef, *_ = np.linalg.lstsq(design, totals, rcond=None)
        return float(coef[0] * 7.0)
    return float(np.polyfit(days, totals, 1)[0] * 7.0)


PROFILE_DEFINITIONS: dict[str, str] = {
    "heatmap": "Mean arrivals for each interval of the day on each weekday, over all weeks in the data.",
    "cv_overall": (
        "Coefficient of variation (overall): standard deviation of interval arrivals divided by their mean; "
        "higher means more uneven demand."
    ),
    "cv_by_interval_of_day": (
        "Coefficient of variation by interval of day: how much the same interval varies from day to day."
    ),
    "peak_to_average": (
        "Peak-to-average ratio: the busiest interval of the typical week divided by the average interval "
        "while open (closed hours are left out)."
    ),
    "trend_per_week": (
        "Trend: the change in calls per day from one week to the next, fitted as a straight line after "
        "allowing for the difference between weekdays."
    ),
    "closed": "Closed hours: intervals of the week that had no calls in any week of the data.",
    "gaps": "Gaps: intervals inside the date range that are missing from the file.",
}
