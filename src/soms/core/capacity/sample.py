"""Realistic synthetic contact-centre demand, for demos, tests and benchmarks.

Shape: open 08:00–20:00 Monday to Friday and 09:00–17:00 on Saturday, closed on Sunday; a
morning peak after opening and a smaller one after lunch; Monday busiest; a gentle upward trend;
Poisson noise around the mean, because that is what real arrival counts look like.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from soms.core.capacity.demand import DemandSeries, intervals_per_day

_WEEKDAY_FACTOR = np.array([1.25, 1.1, 1.0, 1.0, 0.95, 0.55, 0.0])
_OPEN_HOURS = {5: (9.0, 17.0)}


def expected_demand(
    start: datetime,
    count: int,
    interval: timedelta,
    *,
    peak_calls: float = 120.0,
    weekly_growth: float = 0.01,
) -> npt.NDArray[np.float64]:
    per_day = intervals_per_day(interval)
    k = np.arange(count)
    step_hours = interval.total_seconds() / 3600.0
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    first = int((start - midnight) // interval)
    slot = (k + first) % per_day
    day = (k + first) // per_day
    weekday = (start.weekday() + day) % 7
    hour = slot * step_hours + step_hours / 2
    opens = np.where(weekday == 5, _OPEN_HOURS[5][0], 8.0)
    closes = np.where(weekday == 5, _OPEN_HOURS[5][1], 20.0)
    is_open = (hour >= opens) & (hour < closes) & (weekday != 6)
    shape = 0.35 + np.exp(-(((hour - 10.5) / 1.6) ** 2)) + 0.7 * np.exp(-(((hour - 14.5) / 1.8) ** 2))
    growth = (1.0 + weekly_growth) ** (day / 7.0)
    mean = peak_calls / 1.05 * shape * _WEEKDAY_FACTOR[weekday] * growth
    return np.where(is_open, mean, 0.0)


def synthetic_series(
    start: datetime,
    *,
    days: int,
    interval: timedelta = timedelta(minutes=30),
    peak_calls: float = 120.0,
    aht_seconds: float = 300.0,
    seed: int = 0,
) -> DemandSeries:
    rng = np.random.default_rng(seed)
    count = days * intervals_per_day(interval)
    mean = expected_demand(start, count, interval, peak_calls=peak_calls)
    arrivals = rng.poisson(mean).astype(np.float64)
    handle = np.where(arrivals > 0, aht_seconds * rng.lognormal(0.0, 0.08, count), np.nan)
    return DemandSeries(start=start, interval=interval, arrivals=arrivals, handle_time=handle, gaps=())


def series_to_csv(series: DemandSeries) -> str:
    lines = ["timestamp,arrivals,handle_time"]
    ht = series.handle_time
    for k, ts in enumerate(series.timestamps()):
        if np.isnan(series.arrivals[k]):
            continue
        h = "" if ht is None or np.isnan(ht[k]) else f"{ht[k]:.1f}"
        lines.append(f"{ts.isoformat()},{int(series.arrivals[k])},{h}")
    return "\n".join(lines) + "\n"
