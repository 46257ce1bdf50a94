"""Discrete-event simulation of a queue, to check and to go beyond the Erlang formulas.

Why it is fast: with first-come-first-served and abandonment, each caller's fate is fixed by
the earliest moment a server is free for them. Callers are taken in arrival order against a
heap of server-free times: a caller who would wait longer than their patience leaves and
takes no server; anyone else starts at max(arrival, earliest free) and pushes back that
server's new free time. All random numbers are drawn with NumPy up front, so the Python loop
does one heap operation per caller. This is exact for FCFS, not an approximation.

The day simulation lets the number of servers change at interval boundaries. When it drops,
the servers that stay are those free soonest; the others finish the call they are on and
leave. When it rises, the new servers are free from the boundary. Callers still queued at a
boundary carry over. After the last interval its staffing stays on until the queue is empty.
When that staffing is zero (the centre closes), callers still queued are never answered: with
a patience they hang up (abandoned); without one they did not hang up, so they are counted as
"unanswered at close", a figure of their own, never as abandoned.

Memory follows the callers, not the staffing: a heap never holds more server-free times than
there are callers still to come, because FCFS only ever takes the earliest free server, so the
servers beyond that many can never be reached. Staffing 10**18 agents for ten calls therefore
costs ten heap entries (the counts themselves are still bounded by ``MAX_AGENTS``).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from soms.core.capacity.errors import CapacityInputError
from soms.core.capacity.limits import MAX_AGENTS, MAX_CALLS_PER_INTERVAL
from soms.core.capacity.queueing import queue_metrics

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
HandleTimeDistribution = Literal["exponential", "lognormal", "deterministic"]
METRICS = ("service_level_offered", "service_level_answered", "asa", "p_wait", "abandonment", "occupancy")
# A day can close on callers still waiting; a stationary queue never closes.
DAY_METRICS = (*METRICS, "unanswered_at_close")
_INF = math.inf


@dataclass(frozen=True)
class Estimate:
    """A simulated mean with its 95 % confidence interval."""

    mean: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float | None]:
        return {
            k: (v if math.isfinite(v) else None)
            for k, v in (("mean", self.mean), ("low", self.low), ("high", self.high))
        }


def _ci(samples: FloatArray) -> Estimate:
    """Student-t interval over independent replications (or batch means)."""
    x = samples[np.isfinite(samples)]
    if x.size == 0:
        return Estimate(math.nan, math.nan, math.nan)
    m = float(x.mean())
    if x.size < 2:
        return Estimate(m, m, m)
    half = float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return Estimate(m, m - half, m + half)


def _handle_times(
    rng: np.random.Generator, mean: FloatArray, distribution: HandleTimeDistribution, cv: float
) -> FloatArray:
    if distribution == "exponential":
        return rng.exponential(1.0, mean.shape) * mean
    if distribution == "deterministic":
        return mean.astype(np.float64, copy=True)
    if distribution == "lognormal":
        if not cv > 0:
            raise CapacityInputError(
                "handle_time_cv", "must be greater than zero for a lognormal handle time"
            )
        sigma2 = math.log1p(cv * cv)
        # Choose the log-mean so the handle time itself has the requested mean.
        return np.asarray(
            mean * rng.lognormal(-sigma2 / 2.0, math.sqrt(sigma2), mean.shape), dtype=np.float64
        )
    raise CapacityInputError("handle_time_distribution", "must be exponential, lognormal or deterministic")


def _patience_draws(rng: np.random.Generator, patience: float | None, n: int) -> FloatArray:
    if patience is None or math.isinf(patience):
        return np.full(n, _INF)
    if not patience > 0:
        raise CapacityInputError("patience", "must be greater than zero")
    return rng.exponential(patience, n)


# --------------------------------------------------------------------------------------------
# stationary M/M/c(+M)


@dataclass(frozen=True)
class StationaryResult:
    customers: int
    service_level_offered: Estimate
    service_level_answered: Estimate
    asa: Estimate
    p_wait: Estimate
    abandonment: Estimate
    occupancy: Estimate

    def to_dict(self) -> dict[str, Any]:
        return {"customers": self.customers} | {m: getattr(self, m).to_dict() for m in METRICS}


def _fcfs_single_pool(
    arrivals: list[float], service: list[float], patience: list[float], servers: int
) -> list[float]:
    """Start time of each caller, or infinity for those who abandon."""
    # More servers than callers are never all reached: the idle ones beyond need no entry.
    heap = [0.0] * min(servers, len(arrivals))
    push = heapq.heapreplace
    starts: list[float] = []
    append = starts.append
    for a, s, p in zip(arrivals, service, patience, strict=True):
        f = heap[0]
        if f <= a:
            push(heap, a + s)
            append(a)
        elif f - a > p:
            append(_INF)
        else:
            push(heap, f + s)
            append(f)
    return starts


def _batch_means_ci(num: FloatArray, den: FloatArray, *, batches: int, log: bool) -> Estimate:
    """95 % interval for sum(num)/sum(den) from ``batches`` consecutive batch means, Student t.

    Consecutive callers' outcomes are correlated (one long queue delays everyone in it), for
    thousands of callers in heavy traffic, so the batches are few and long: five of them leave
    each batch far longer than that correlation, so their means are as good as independent, and
    the t quantile with four degrees of freedom pays honestly for estimating the spread from five.
    Many short batches, even merged until their lag-1 correlation vanished, missed the exact
    value in 7-11 % of runs at 90 % load: that correlation is too noisy to see on a few dozen
    batches. With ``log`` the interval is built for the logarithm of the ratio (delta method)
    and mapped back: waits come in rare long excursions, so their mean is skewed to the right,
    and a run that happened to miss an excursion has both a low mean and a low spread; the
    interval on the log scale reaches further up than down, where the misses were.
    """
    per = len(num) // batches
    if per < 1:
        return _ci(num / np.where(den > 0, den, np.nan))
    total = float(den.sum())
    if total <= 0:
        return Estimate(math.nan, math.nan, math.nan)
    m = float(num.sum()) / total
    nb = num[: per * batches].reshape(batches, per).sum(axis=1)
    db = den[: per * batches].reshape(batches, per).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = nb / db
    x = x[np.isfinite(x)]
    if x.size < 2:
        return Estimate(m, m, m)
    half = float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    if log and m > 0:
        spread = math.exp(half / m)
        return Estimate(m, m / spread, m * spread)
    return Estimate(m, m - half, m + half)


def simulate_mmc(
    lam: float,
    mu: float,
    c: int,
    *,
    patience: float | None = None,
    n_customers: int = 100_000,
    seed: int | np.random.Generator = 0,
    answer_within: float = 20.0,
    warmup_fraction: float = 0.1,
    batches: int = 5,
) -> StationaryResult:
    """Stationary M/M/c (or M/M/c+M with mean ``patience``) in consistent time units.

    The first ``warmup_fraction`` of callers is discarded (the queue starts empty; what bias
    is left is under a tenth of a standard error in every configuration of the coverage test).
    Each figure is a ratio of sums over the callers kept (answered quickly / offered, wait of
    the answered / answered, work / staffed time), and its confidence interval is Student t on
    ``batches`` batch means, on the log scale for the right-skewed ASA and abandonment (see
    ``_batch_means_ci``). With the default 100,000 callers these intervals cover the exact
    Erlang value about 95 % of the time up to 90 % load with 20 agents
    (tests/core/capacity/test_capacity_ci_coverage.py); much shorter runs of a heavily loaded
    queue may not contain enough of its rare long queues, and then their ASA intervals are
    too narrow.
    """
    if not (lam > 0 and mu > 0):
        raise CapacityInputError("lam", "arrival and service rates must be greater than zero")
    if c < 1:
        raise CapacityInputError("c", "needs at least one server")
    if batches < 2:
        raise CapacityInputError("batches", "needs at least 2 for a confidence interval")
    if n_customers < 10 * batches:
        raise CapacityInputError("n_customers", f"needs at least {10 * batches} callers")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1.0 / lam, n_customers))
    service = rng.exponential(1.0 / mu, n_customers)
    pat = _patience_draws(rng, patience, n_customers)
    starts = np.asarray(_fcfs_single_pool(arrivals.tolist(), service.tolist(), pat.tolist(), c))

    skip = max(int(n_customers * warmup_fraction), 1)
    gaps = np.diff(arrivals)[skip - 1 :]  # the time each kept caller adds to the observed span
    st, sv = starts[skip:], service[skip:]
    served = np.isfinite(st)
    wait = np.where(served, st - arrivals[skip:], 0.0)
    quick = (served & (wait <= answer_within)).astype(np.float64)
    ans = served.astype(np.float64)
    everyone = np.ones(st.size)
    pairs = {
        "service_level_offered": (quick, everyone),
        "service_level_answered": (quick, ans),
        "asa": (wait * ans, ans),
        "p_wait": ((~served | (wait > 0)).astype(np.float64), everyone),
        "abandonment": ((~served).astype(np.float64), everyone),
        "occupancy": (sv * ans, c * gaps),
    }
    skewed = ("asa", "abandonment")
    est = {m: _batch_means_ci(*pairs[m], batches=batches, log=m in skewed) for m in METRICS}
    return StationaryResult(customers=n_customers, **est)


# --------------------------------------------------------------------------------------------
# a day with time-varying demand and staffing


@dataclass(frozen=True)
class DaySimulation:
    """Per-interval and whole-day estimates over ``replications`` independent runs."""

    replications: int
    interval_seconds: float
    per_interval: dict[str, list[Estimate]]
    overall: dict[str, Estimate]
    # Metrics are those of DAY_METRICS: "unanswered_at_close" is the share of callers without
    # patience still waiting when the last agents left; "abandonment" counts only those who hung up.

    def to_dict(self) -> dict[str, Any]:
        return {
            "replications": self.replications,
            "interval_seconds": self.interval_seconds,
            "per_interval": {m: [e.to_dict() for e in v] for m, v in self.per_interval.items()},
            "overall": {m: e.to_dict() for m, e in self.overall.items()},
        }


def _fcfs_with_staffing(
    arrivals: list[float],
    interval_of: list[int],
    service: list[float],
    patience: list[float],
    staff: list[int],
    bounds: list[float],
) -> list[float]:
    """As ``_fcfs_single_pool`` but the server count changes at ``bounds[k]`` to ``staff[k]``.

    Start times are infinity for callers who hang up and NaN for callers without patience who
    are still waiting when no agent is left for the rest of the day (unanswered at close).

    A caller whose earliest free server is past the next boundary is still waiting there, so
    that boundary's change applies to them; every later caller is behind them in the queue, so
    applying it early cannot give those callers a server they would not have had.

    The heap holds at most as many entries as callers still to come (R), plus the servers added
    at one boundary. Invariant: its R smallest free times equal those of the full staffing,
    and it is empty only when the staffing is zero. Serving a caller pops the minimum (the same
    in both) and R drops by one; adding d servers adds min(d, R) entries; a drop to ``want``
    keeps the ``want`` smallest. Each step keeps the invariant, so every start time is exact.
    """
    total = len(arrivals)
    heap: list[float] = [bounds[0]] * min(staff[0], total)
    staffed = staff[0]  # the real count; the heap may hold fewer entries
    edges = [*bounds[1:], _INF]  # edges[k] is the end of interval k
    applied = 0
    last = len(staff) - 1
    starts: list[float] = []
    append = starts.append

    def change(k: int) -> None:
        nonlocal heap, staffed
        want, have = staff[k], staffed
        staffed = want
        remaining = total - len(starts)
        if want > have:
            for _ in range(min(want - have, remaining)):
                heapq.heappush(heap, bounds[k])
            if len(heap) > 2 * remaining:
                heap = heapq.nsmallest(remaining, heap)
        elif want < len(heap):
            heap = heapq.nsmallest(want, heap)

    for a, k, s, p in zip(arrivals, interval_of, service, patience, strict=True):
        while applied < k:
            applied += 1
            change(applied)
        while True:
            f = heap[0] if heap else _INF
            if f <= edges[applied] or applied == last:
                break
            applied += 1
            change(applied)
        if f <= a:
            heapq.heapreplace(heap, a + s)
            append(a)
        elif f == _INF and p == _INF:
            append(math.nan)
        elif f - a > p:
            append(_INF)
        else:
            heapq.heapreplace(heap, f + s)
            append(f)
    return starts


def _busy_time_in(starts: FloatArray, ends: FloatArray, edges: FloatArray) -> FloatArray:
    """Server-seconds of work inside each [edges[k], edges[k+1]), from sorted sums."""
    s = np.sort(starts)
    e = np.sort(ends)
    cs = np.concatenate([[0.0], np.cumsum(s)])
    ce = np.concatenate([[0.0], np.cumsum(e)])
    i_s = np.searchsorted(s, edges, side="left")
    i_e = np.searchsorted(e, edges, side="left")
    # B(t) = sum over started of (t - start) minus sum over finished of (t - end)
    b = (edges * i_s - cs[i_s]) - (edges * i_e - ce[i_e])
    return np.asarray(np.diff(b), dtype=np.float64)


def simulate_day(
    calls: npt.ArrayLike,
    agents: npt.ArrayLike,
    *,
    interval_seconds: float,
    aht: float | npt.ArrayLike,
    answer_within: float = 20.0,
    patience: float | None = None,
    handle_time_distribution: HandleTimeDistribution = "exponential",
    handle_time_cv: float = 1.0,
    replications: int = 30,
    seed: int | np.random.Generator = 0,
    on_replication: Callable[[int, int], None] | None = None,
) -> DaySimulation:
    """Simulate a day: ``calls`` is the expected (Poisson mean) number per interval.

    ``on_replication(done, replications)`` is told after each replication, for progress bars.

    Per-interval figures are for callers who ARRIVE in the interval (their wait may run into
    the next); occupancy is work done inside the interval over staffed time, capped at 1 because
    leaving agents finish their last call after their time is up. Intervals where a replication
    has no callers leave that replication out of that interval's service figures.
    """
    lam = np.asarray(calls, dtype=np.float64)
    staff = np.asarray(agents)
    if lam.ndim != 1 or lam.size == 0:
        raise CapacityInputError("calls", "must be a non-empty list, one value per interval")
    if not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise CapacityInputError("calls", "cannot be negative")
    if staff.shape != lam.shape:
        raise CapacityInputError("agents", "needs one value per interval")
    if np.any(lam > MAX_CALLS_PER_INTERVAL):
        raise CapacityInputError("calls", f"cannot be more than {MAX_CALLS_PER_INTERVAL:,} in an interval")
    if staff.dtype.kind not in "iuf":
        raise CapacityInputError("agents", f"must be whole numbers of at most {MAX_AGENTS:,}")
    if staff.dtype.kind == "f" and (not np.all(np.isfinite(staff)) or np.any(staff != np.round(staff))):
        raise CapacityInputError("agents", "must be whole numbers")
    # Compared before the conversion, so a huge count cannot wrap into a small (or negative) one.
    if np.any(staff < 0):
        raise CapacityInputError("agents", "cannot be negative")
    if np.any(staff > MAX_AGENTS):
        raise CapacityInputError("agents", f"cannot be more than {MAX_AGENTS:,} in an interval")
    staff_i = staff.astype(np.int64)
    if not interval_seconds > 0:
        raise CapacityInputError("interval_seconds", "must be greater than zero")
    h = np.broadcast_to(np.asarray(aht, dtype=np.float64), lam.shape)
    if np.any(~np.isfinite(h)) or np.any(h <= 0):
        raise CapacityInputError("aht", "must be greater than zero")
    if replications < 2:
        raise CapacityInputError("replications", "needs at least 2 for a confidence interval")
    if not answer_within >= 0:
        raise CapacityInputError("answer_within", "must be zero or more seconds")

    root = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    rngs = root.spawn(replications)
    n_int = lam.size
    edges = np.arange(n_int + 1, dtype=np.float64) * interval_seconds
    staff_list = staff_i.tolist()
    bounds = edges[:-1].tolist()
    per: dict[str, FloatArray] = {m: np.full((replications, n_int), np.nan) for m in DAY_METRICS}
    whole: dict[str, FloatArray] = {m: np.full(replications, np.nan) for m in DAY_METRICS}

    for r, rng in enumerate(rngs):
        counts = rng.poisson(lam)
        k = np.repeat(np.arange(n_int), counts)
        arr = edges[k] + rng.uniform(0.0, interval_seconds, k.size)
        order = np.argsort(arr, kind="stable")
        arr, k = arr[order], k[order]
        svc = _handle_times(rng, h[k], handle_time_distribution, handle_time_cv)
        pat = _patience_draws(rng, patience, k.size)
        st = np.asarray(
            _fcfs_with_staffing(arr.tolist(), k.tolist(), svc.tolist(), pat.tolist(), staff_list, bounds),
            dtype=np.float64,
        )
        served = np.isfinite(st)
        closed = np.isnan(st)
        wait = np.where(served, st - arr, 0.0)
        quick = served & (wait <= answer_within)
        n_all = np.bincount(k, minlength=n_int).astype(np.float64)
        n_closed = np.bincount(k, weights=closed, minlength=n_int)
        n_ans = np.bincount(k, weights=served, minlength=n_int)
        n_quick = np.bincount(k, weights=quick, minlength=n_int)
        n_waited = np.bincount(k, weights=~served | (wait > 0), minlength=n_int)
        wait_sum = np.bincount(k, weights=wait * served, minlength=n_int)
        busy = _busy_time_in(st[served], st[served] + svc[served], edges)
        staffed = staff_i * interval_seconds
        with np.errstate(invalid="ignore", divide="ignore"):
            per["service_level_offered"][r] = np.where(n_all > 0, n_quick / n_all, np.nan)
            per["service_level_answered"][r] = np.where(n_ans > 0, n_quick / n_ans, np.nan)
            per["asa"][r] = np.where(n_ans > 0, wait_sum / n_ans, np.nan)
            per["p_wait"][r] = np.where(n_all > 0, n_waited / n_all, np.nan)
            per["abandonment"][r] = np.where(n_all > 0, (n_all - n_ans - n_closed) / n_all, np.nan)
            per["unanswered_at_close"][r] = np.where(n_all > 0, n_closed / n_all, np.nan)
            per["occupancy"][r] = np.where(staffed > 0, np.minimum(busy / np.maximum(staffed, 1), 1.0), 0.0)
        total, answered = float(n_all.sum()), float(n_ans.sum())
        if total > 0:
            whole["service_level_offered"][r] = n_quick.sum() / total
            whole["p_wait"][r] = n_waited.sum() / total
            whole["abandonment"][r] = (total - answered - float(n_closed.sum())) / total
            whole["unanswered_at_close"][r] = float(n_closed.sum()) / total
        if answered > 0:
            whole["service_level_answered"][r] = n_quick.sum() / answered
            whole["asa"][r] = wait_sum.sum() / answered
        if staffed.sum() > 0:
            whole["occupancy"][r] = min(float(busy.sum() / staffed.sum()), 1.0)
        if on_replication is not None:
            on_replication(r + 1, replications)

    def settle(metric: str, est: Estimate) -> Estimate:
        # No callers at all: report perfect service rather than a missing value.
        if math.isnan(est.mean):
            v = 0.0 if metric in ("asa", "p_wait", "abandonment", "occupancy", "unanswered_at_close") else 1.0
            return Estimate(v, v, v)
        return est

    per_interval = {m: [settle(m, _ci(per[m][:, j])) for j in range(n_int)] for m in DAY_METRICS}
    overall = {m: settle(m, _ci(whole[m])) for m in DAY_METRICS}
    return DaySimulation(replications, float(interval_seconds), per_interval, overall)


# --------------------------------------------------------------------------------------------
# formula against simulation


@dataclass(frozen=True)
class IntervalCheck:
    interval: int
    metric: str
    formula: float
    simulated: Estimate

    def to_dict(self) -> dict[str, Any]:
        return {
            "interval": self.interval,
            "metric": self.metric,
            "formula": self.formula if math.isfinite(self.formula) else None,
            "simulated": self.simulated.to_dict(),
        }


_TOLERANCE = {
    "service_level_offered": 0.02,
    "service_level_answered": 0.02,
    "asa": 2.0,
    "p_wait": 0.02,
    "abandonment": 0.01,
    "occupancy": 0.02,
}


def compare_with_formula(
    calls: npt.ArrayLike,
    agents: npt.ArrayLike,
    simulation: DaySimulation,
    *,
    aht: float | npt.ArrayLike,
    answer_within: float = 20.0,
    patience: float | None = None,
    tolerance: dict[str, float] | None = None,
) -> list[IntervalCheck]:
    """Intervals where the Erlang value lies outside the simulation's 95 % CI by more than a tolerance.

    The formulas assume each interval is in steady state on its own. A flag means that
    assumption fails there (backlog from a previous interval, staffing changes, short intervals,
    non-exponential handle times), so the simulated figure is the one to trust.
    """
    tol = _TOLERANCE | (tolerance or {})
    m = queue_metrics(
        calls,
        aht,
        agents,
        interval_seconds=simulation.interval_seconds,
        answer_within=answer_within,
        patience=patience,
        allow_overload=True,
    )
    formula = {
        "service_level_offered": m.service_level_offered,
        "service_level_answered": m.service_level_answered,
        "asa": m.asa,
        "p_wait": m.p_wait,
        "abandonment": m.p_abandon,
        "occupancy": m.occupancy,
    }
    flags: list[IntervalCheck] = []
    for metric, values in formula.items():
        for j, value in enumerate(np.asarray(values, dtype=np.float64).ravel().tolist()):
            est = simulation.per_interval[metric][j]
            if math.isnan(est.mean):
                continue
            t = tol[metric]
            if not (est.low - t <= value <= est.high + t):
                flags.append(IntervalCheck(j, metric, value, est))
    return flags


__all__ = [
    "DaySimulation",
    "Estimate",
    "IntervalCheck",
    "StationaryResult",
    "compare_with_formula",
    "simulate_day",
    "simulate_mmc",
]
