"""Intraday forecasts of arrival counts, with prediction intervals and a backtest.

Two models, so a person can see whether the statistical one earns its keep:

* ``seasonal_average`` — the mean of the same interval on the same weekday over the last k weeks.
  Hard to beat when demand is stable; the yardstick.
* ``fourier_regression`` — least squares on a linear trend plus Fourier terms for the daily and
  the weekly cycle, plus weekday-specific daily shapes (Saturdays are not short Mondays). It is
  fitted on the square root of the counts, which makes Poisson-like noise roughly constant, so
  one residual spread gives honest intervals at quiet and busy times alike.

Both force closed hours (always zero in the history) to zero and never return negative values,
bounds included. Pure NumPy: fitting eight weeks of half-hours takes milliseconds.

A horizon may be at most ``MAX_INTERVALS`` (100,000) intervals, the same bound as a demand
series, and must end before the calendar does (year 9999); both raise ``CapacityInputError``
("horizon") before anything is allocated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from soms.core.capacity.demand import DemandProfile, DemandSeries, demand_profile, intervals_per_day
from soms.core.capacity.errors import CapacityInputError
from soms.core.capacity.limits import MAX_INTERVALS, describe_span

FloatArray = npt.NDArray[np.float64]
ModelName = Literal["seasonal_average", "fourier_regression"]
MODELS: tuple[ModelName, ...] = ("seasonal_average", "fourier_regression")

_Z80 = 1.2815515655446004
_Z95 = 1.959963984540054
# Anscombe's offset: sqrt(count + 3/8) has variance close to 1/4 for Poisson counts.
_ANSCOMBE = 0.375


@dataclass(frozen=True)
class Forecast:
    model: str
    start: datetime
    interval: timedelta
    point: FloatArray
    lower80: FloatArray
    upper80: FloatArray
    lower95: FloatArray
    upper95: FloatArray

    def timestamps(self) -> list[datetime]:
        return [self.start + k * self.interval for k in range(len(self.point))]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "start": self.start.isoformat(),
            "interval_seconds": self.interval.total_seconds(),
            "point": self.point.tolist(),
            "lower80": self.lower80.tolist(),
            "upper80": self.upper80.tolist(),
            "lower95": self.lower95.tolist(),
            "upper95": self.upper95.tolist(),
        }


@dataclass(frozen=True)
class BacktestResult:
    model: str
    holdout_days: int
    mae: float
    wape: float
    coverage80: float
    coverage95: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "holdout_days": self.holdout_days,
            "mae": self.mae,
            "wape": self.wape,
            "coverage80": self.coverage80,
            "coverage95": self.coverage95,
        }


def _days(series: DemandSeries) -> str:
    # "demand" is the person's file or rows, in the words they chose it in: days, not intervals.
    days = len(series.arrivals) * series.interval.total_seconds() / 86_400.0
    return f"{days:.3g} day" if days == 1 else f"{days:.3g} days"


def _check_horizon(series: DemandSeries, horizon: int) -> None:
    if horizon < 1:
        raise CapacityInputError("horizon", "must be at least one interval")
    if horizon > MAX_INTERVALS:
        raise CapacityInputError(
            "horizon",
            f"{horizon:,} intervals is longer than the "
            f"{describe_span(MAX_INTERVALS, series.interval_seconds)} a forecast may cover",
        )
    try:
        series.start + (len(series.arrivals) + horizon) * series.interval
    except OverflowError:
        raise CapacityInputError("horizon", "the forecast would run past the end of the calendar") from None


def _finish(
    model: str,
    series: DemandSeries,
    profile: DemandProfile,
    point: FloatArray,
    bounds: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
) -> Forecast:
    n = len(series.arrivals)
    start = series.start + n * series.interval
    weekday, slot = profile.interval_positions(start, len(point))
    closed = profile.closed[weekday, slot]
    clean = [np.where(closed, 0.0, np.maximum(a, 0.0)) for a in (point, *bounds)]
    lo80, hi80, lo95, hi95 = clean[1:]
    p = clean[0]
    # Keep the bands nested and around the point even after clipping and back-transformation.
    lo80, lo95 = np.minimum(lo80, p), np.minimum(np.minimum(lo95, lo80), p)
    hi80, hi95 = np.maximum(hi80, p), np.maximum(np.maximum(hi95, hi80), p)
    return Forecast(model, start, series.interval, p, lo80, hi80, lo95, hi95)


def seasonal_average_forecast(
    series: DemandSeries, horizon: int, *, weeks: int = 4, profile: DemandProfile | None = None
) -> Forecast:
    """Mean of the same weekday and interval over the last ``weeks`` weeks (gaps ignored).

    Interval width: the spread of those weeks, floored at the Poisson spread (a mean of few weeks
    understates noise), and widened for estimating the mean from ``k`` values.
    """
    _check_horizon(series, horizon)
    if weeks < 1:
        raise CapacityInputError("weeks", "must be at least 1")
    profile = profile or demand_profile(series)
    per_week = 7 * intervals_per_day(series.interval)
    n = len(series.arrivals)
    if n < per_week:
        raise CapacityInputError(
            "demand",
            f"the demand covers {_days(series)}; the seasonal average needs at least one full week of history",
        )
    # Most recent past index at the same position of the week, then step back whole weeks.
    latest = n - per_week + np.arange(horizon) % per_week
    lags = latest[:, None] - per_week * np.arange(weeks)[None, :]
    valid = lags >= 0
    values = np.where(valid, series.arrivals[np.clip(lags, 0, n - 1)], np.nan)
    k = np.sum(~np.isnan(values), axis=1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(k > 0, np.nansum(values, axis=1) / np.maximum(k, 1), 0.0)
        centred = np.where(np.isnan(values), 0.0, values - mean[:, None])
        var = np.where(k > 1, (centred**2).sum(axis=1) / np.maximum(k - 1, 1), 0.0)
    var = np.maximum(var, mean) * (1.0 + 1.0 / np.maximum(k, 1))
    sd = np.sqrt(var)
    bounds = (mean - _Z80 * sd, mean + _Z80 * sd, mean - _Z95 * sd, mean + _Z95 * sd)
    return _finish("seasonal_average", series, profile, mean, bounds)


def _design(
    index: npt.NDArray[np.int64],
    weekday: npt.NDArray[np.int64],
    per_day: int,
    *,
    daily_terms: int,
    weekly_terms: int,
    weekday_terms: int,
) -> FloatArray:
    t = index.astype(np.float64)
    cols: list[FloatArray] = [np.ones_like(t), t / (7.0 * per_day)]
    for j in range(1, daily_terms + 1):
        w = 2.0 * np.pi * j * t / per_day
        cols += [np.sin(w), np.cos(w)]
    for j in range(1, weekly_terms + 1):
        w = 2.0 * np.pi * j * t / (7.0 * per_day)
        cols += [np.sin(w), np.cos(w)]
    for d in range(7):
        is_day = (weekday == d).astype(np.float64)
        cols.append(is_day)
        for j in range(1, weekday_terms + 1):
            w = 2.0 * np.pi * j * t / per_day
            cols += [is_day * np.sin(w), is_day * np.cos(w)]
    return np.column_stack(cols)


def fourier_regression_forecast(
    series: DemandSeries,
    horizon: int,
    *,
    daily_terms: int = 10,
    weekly_terms: int = 3,
    weekday_terms: int = 4,
    profile: DemandProfile | None = None,
) -> Forecast:
    """Trend + daily and weekly Fourier seasonality + weekday-specific daily shape, on sqrt counts.

    Closed hours are left out of the fit: they are known zeros, and their sharp edges would
    otherwise make the smooth Fourier curve ring into the open hours.
    """
    _check_horizon(series, horizon)
    profile = profile or demand_profile(series)
    per_day = intervals_per_day(series.interval)
    n = len(series.arrivals)
    if n < 2 * per_day:
        raise CapacityInputError(
            "demand", f"the demand covers {_days(series)}; the forecast needs at least two days of history"
        )
    all_index = np.arange(n + horizon, dtype=np.int64)
    weekday, slot = profile.interval_positions(series.start, n + horizon)
    # Phase the Fourier terms by time of day, not by position in the file.
    phase = all_index + int(slot[0])
    x = _design(
        phase,
        weekday,
        per_day,
        daily_terms=daily_terms,
        weekly_terms=weekly_terms,
        weekday_terms=weekday_terms,
    )
    closed = profile.closed[weekday, slot]
    fit = ~np.isnan(series.arrivals) & ~closed[:n]
    if int(fit.sum()) <= x.shape[1]:
        raise CapacityInputError(
            "demand",
            "the demand has too few intervals with calls in open hours to fit the regression model; "
            "give more history or choose the seasonal average",
        )
    y = np.sqrt(series.arrivals[fit] + _ANSCOMBE)
    x_fit = x[:n][fit]
    coef, *_ = np.linalg.lstsq(x_fit, y, rcond=None)
    resid = y - x_fit @ coef
    dof = max(int(fit.sum()) - x.shape[1], 1)
    sigma = float(np.sqrt(resid @ resid / dof))
    mean_t = x[n:] @ coef

    def back(v: FloatArray) -> FloatArray:
        return np.asarray(np.maximum(v, 0.0) ** 2 - _ANSCOMBE, dtype=np.float64)

    # E[Y] = E[Z^2] - 3/8 with Z ~ N(mean_t, sigma^2): add sigma^2 so the point is not biased low.
    point = np.maximum(mean_t, 0.0) ** 2 + sigma**2 - _ANSCOMBE
    bounds = (
        back(mean_t - _Z80 * sigma),
        back(mean_t + _Z80 * sigma),
        back(mean_t - _Z95 * sigma),
        back(mean_t + _Z95 * sigma),
    )
    return _finish("fourier_regression", series, profile, point, bounds)


def forecast(
    series: DemandSeries,
    horizon: int,
    *,
    model: ModelName = "fourier_regression",
    profile: DemandProfile | None = None,
) -> Forecast:
    if model == "seasonal_average":
        return seasonal_average_forecast(series, horizon, profile=profile)
    if model == "fourier_regression":
        return fourier_regression_forecast(series, horizon, profile=profile)
    raise CapacityInputError("model", f"unknown model; choose one of {', '.join(MODELS)}")


def _head(series: DemandSeries, n: int) -> DemandSeries:
    arrivals = series.arrivals[:n]
    ht = None if series.handle_time is None else series.handle_time[:n]
    end = series.start + n * series.interval
    return DemandSeries(
        start=series.start,
        interval=series.interval,
        arrivals=arrivals,
        handle_time=ht,
        gaps=tuple(g for g in series.gaps if g.start < end),
    )


def backtest(
    series: DemandSeries, *, holdout_days: int = 7, models: tuple[ModelName, ...] = MODELS
) -> list[BacktestResult]:
    """Fit on everything but the last ``holdout_days`` and score each model on them.

    WAPE = sum |actual - forecast| / sum actual over observed holdout intervals, the error
    measure that stays meaningful when many intervals are zero. Coverage (share of actuals inside
    the 80 % and 95 % bands) is measured over open hours only.
    """
    if holdout_days < 1:
        raise CapacityInputError("holdout_days", "must be at least 1")
    per_day = intervals_per_day(series.interval)
    horizon = holdout_days * per_day
    n_train = len(series.arrivals) - horizon
    if n_train < 7 * per_day:
        raise CapacityInputError("holdout_days", "leaves less than one week to fit on")
    train = _head(series, n_train)
    profile = demand_profile(train)
    actual = series.arrivals[n_train:]
    seen = ~np.isnan(actual)
    weekday, slot = profile.interval_positions(series.start + n_train * series.interval, horizon)
    # Closed hours are forecast as exactly zero and would flatter the interval coverage.
    open_seen = seen & ~profile.closed[weekday, slot]
    results: list[BacktestResult] = []
    for name in models:
        f = forecast(train, horizon, model=name, profile=profile)
        err = np.abs(actual[seen] - f.point[seen])
        total = float(actual[seen].sum())
        a = actual[open_seen]
        results.append(
            BacktestResult(
                model=name,
                holdout_days=holdout_days,
                mae=float(err.mean()) if err.size else 0.0,
                wape=float(err.sum() / total) if total > 0 else 0.0,
                coverage80=float(np.mean((a >= f.lower80[open_seen]) & (a <= f.upper80[open_seen])))
                if a.size
                else 0.0,
                coverage95=float(np.mean((a >= f.lower95[open_seen]) & (a <= f.upper95[open_seen])))
                if a.size
                else 0.0,
            )
        )
    return results
