"""Erlang C and Erlang A (M/M/n+M) over many intervals at once.

Every function takes array-likes (one value per interval, broadcast against each other) and
returns NumPy arrays, so a day or a year of intervals is one call. Times are in seconds; demand
is the number of calls offered in an interval of ``interval_seconds``.

Two service-level definitions are supported because contact centres use both and they differ
once callers abandon (see ``DEFINITIONS``):

* ``"offered"`` — answered within T divided by ALL arrivals (abandoned calls count as failures);
* ``"answered"`` — answered within T divided by ANSWERED calls.

For Erlang C nobody abandons, so the two coincide.

Erlang A is evaluated exactly. With ``a = n·mu/theta`` and ``x = lambda/theta``, the queue part of
the stationary distribution sums to ``S(a, x) = sum_k x^k / ((a+1)…(a+k))`` (a scaled lower
incomplete gamma function); a caller who finds k others waiting has an offered wait V with
``exp(-theta·V) ~ Beta(a, k+1)``. Summing over k turns S, P(abandon), the service level and the
mean wait of answered calls into smooth one-dimensional integrals with positive integrands,
evaluated by Gauss–Legendre quadrature over the region that carries their mass. Nothing is
formed as a difference of nearly equal numbers, so the figures stay exact at long patience and
very large loads, where the incomplete-gamma closed forms lose digits.

Every agent count, given or required, is at most ``MAX_AGENTS`` (1,000,000, see
``soms.core.capacity.limits``). A staffing search whose answer would exceed it, and an FTE that
would not fit in a 64-bit integer, raise ``CapacityInputError`` naming the input to change: counts
are never allowed to wrap around, and no search is allowed to walk for seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import special

from soms.core.capacity.errors import CapacityInputError
from soms.core.capacity.limits import MAX_AGENTS

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ServiceLevelDefinition = Literal["offered", "answered"]

DEFINITIONS: dict[str, str] = {
    "service_level_offered": (
        "Service level (of all calls): the share of ALL calls offered that were answered within the "
        "target time. Calls that hang up before being answered count as failures."
    ),
    "service_level_answered": (
        "Service level (of answered calls): the share of ANSWERED calls that were answered within the "
        "target time. Calls that hang up are left out of both the top and the bottom of the fraction."
    ),
    "asa": (
        "Average speed of answer (ASA): the average time answered calls waited in the queue before "
        "an agent picked them up, in seconds. Calls answered at once count as zero."
    ),
    "average_wait": (
        "Average wait (all calls): the average time every caller spent in the queue, including those "
        "who hung up, in seconds."
    ),
    "p_wait": "Probability of waiting: the share of callers who found every agent busy and had to queue.",
    "abandonment_rate": (
        "Abandonment rate: the share of ALL calls offered in which the caller hung up before being answered."
    ),
    "occupancy": (
        "Occupancy: the share of the agents' logged-in time spent handling calls (talk and wrap-up), "
        "as opposed to waiting for the next call."
    ),
    "offered_load": (
        "Offered load (Erlangs): calls per second times average handle time in seconds; the number of "
        "agents that would be busy all the time if no call ever had to wait."
    ),
    "agents": "Agents: people logged in and taking calls in the interval, before shrinkage.",
    "shrinkage": (
        "Shrinkage: the share of paid time in which people are not available to take calls "
        "(breaks, meetings, training, leave, sickness)."
    ),
    "fte": (
        "FTE (after shrinkage): agents divided by (1 - shrinkage), rounded up to a whole person, so that "
        "enough people are scheduled for the required number to be on the phones."
    ),
    "patience": (
        "Average patience: the mean time a caller is willing to wait before hanging up, in seconds "
        "(Erlang A assumes patience varies at random around this mean)."
    ),
}

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(40)
# For a piece over which the log of the integrand moves by at most _SHORT_RISE (answered within
# a short target time): 20 nodes integrate exp of it to ~1e-20 (the staffing scan only).
_GL20_NODES, _GL20_WEIGHTS = np.polynomial.legendre.leggauss(20)
_SHORT_RISE = 20.0
# Mass below exp(-45) of the peak (3e-20 of it) is far below double precision; 40 nodes on that
# range keep every figure within about 1e-12 of a 40-digit reference (tests/core/capacity).
_LOG_DROP = 45.0


@dataclass(frozen=True)
class QueueMetrics:
    """Per-interval performance of a given staffing (all arrays have the broadcast shape)."""

    agents: IntArray
    offered_load: FloatArray
    p_wait: FloatArray
    p_abandon: FloatArray
    service_level_offered: FloatArray
    service_level_answered: FloatArray
    asa: FloatArray
    average_wait: FloatArray
    occupancy: FloatArray

    def service_level(self, definition: ServiceLevelDefinition = "offered") -> FloatArray:
        return self.service_level_offered if definition == "offered" else self.service_level_answered

    def to_dict(self) -> dict[str, list[Any]]:
        return {
            name: jsonable(getattr(self, name))
            for name in (
                "agents",
                "offered_load",
                "p_wait",
                "p_abandon",
                "service_level_offered",
                "service_level_answered",
                "asa",
                "average_wait",
                "occupancy",
            )
        }


def jsonable(values: npt.NDArray[Any]) -> list[Any]:
    # JSON has no infinity; an unbounded wait is reported as null.
    out: list[Any] = []
    for v in np.asarray(values).ravel().tolist():
        out.append(None if isinstance(v, float) and not np.isfinite(v) else v)
    return out


# --------------------------------------------------------------------------------------------
# input checks


def _float_array(value: npt.ArrayLike, field: str) -> FloatArray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise CapacityInputError(field, "must be a number or a list of numbers") from exc
    if not np.all(np.isfinite(arr)):
        raise CapacityInputError(field, "must be finite (no NaN or infinity)")
    return arr


def _check_calls(calls: npt.ArrayLike) -> FloatArray:
    arr = _float_array(calls, "calls")
    if np.any(arr < 0):
        raise CapacityInputError("calls", "cannot be negative")
    return arr


def _check_positive(value: npt.ArrayLike, field: str) -> FloatArray:
    arr = _float_array(value, field)
    if np.any(arr <= 0):
        raise CapacityInputError(field, "must be greater than zero")
    return arr


def _check_agents(agents: npt.ArrayLike) -> IntArray:
    arr = np.asarray(agents)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise CapacityInputError("agents", "must be whole numbers")
    elif arr.dtype.kind == "O" and all(isinstance(v, int) for v in arr.ravel().tolist()):
        # Python ints beyond 64 bits arrive as objects: refuse them by size, not by type.
        raise CapacityInputError("agents", f"cannot be more than {MAX_AGENTS:,}")
    elif arr.dtype.kind not in "iu":
        raise CapacityInputError("agents", "must be whole numbers")
    # Compared before the conversion, so a huge float or uint64 cannot wrap into a small count.
    if np.any(arr < 0):
        raise CapacityInputError("agents", "cannot be negative")
    if np.any(arr > MAX_AGENTS):
        raise CapacityInputError("agents", f"cannot be more than {MAX_AGENTS:,}")
    return arr.astype(np.int64)


def _check_staffable(load: FloatArray, max_occupancy: float) -> None:
    """Refuse a load whose staffing would pass ``MAX_AGENTS`` before any count is formed from it."""
    if load.size == 0:
        return
    peak = float(load.max())
    if peak >= MAX_AGENTS:
        raise CapacityInputError(
            "calls",
            f"an offered load of {peak:,.0f} Erlangs (calls × handle time ÷ interval) needs more than "
            f"the {MAX_AGENTS:,} agents this calculator staffs",
        )
    if peak / max_occupancy >= MAX_AGENTS:
        raise CapacityInputError(
            "max_occupancy",
            f"a cap of {max_occupancy:g} on {peak:,.0f} Erlangs needs more than the "
            f"{MAX_AGENTS:,} agents this calculator staffs; raise the cap",
        )


def _check_fraction(value: float, field: str, *, allow_one: bool = True) -> float:
    v = float(value)
    upper_ok = v <= 1.0 if allow_one else v < 1.0
    if not (math.isfinite(v) and v > 0.0 and upper_ok):
        interval = "(0, 1]" if allow_one else "(0, 1)"
        raise CapacityInputError(field, f"must be in {interval}, got {value!r}")
    return v


def _check_answer_within(value: float) -> float:
    v = float(value)
    if not (math.isfinite(v) and v >= 0.0):
        raise CapacityInputError("answer_within", "must be zero or a positive number of seconds")
    return v


# --------------------------------------------------------------------------------------------
# special functions


def erlang_b(agents: npt.ArrayLike, offered_load: npt.ArrayLike) -> FloatArray:
    """Blocking probability of M/M/n/n, vectorised.

    Uses B = Poisson pmf(n; R) / Poisson cdf(n; R), both from log-gamma and the regularised upper
    incomplete gamma function, so large n and R neither overflow nor need an O(n) recursion. Where
    the cdf underflows (n far below R) the ratio is summed directly as a short convergent series.
    """
    n = np.asarray(agents, dtype=np.float64)
    r = np.asarray(offered_load, dtype=np.float64)
    n, r = np.broadcast_arrays(n, r)
    out = np.ones(n.shape, dtype=np.float64)
    zero_load = r <= 0
    out[zero_load & (n > 0)] = 0.0
    work = ~zero_load & (n > 0)
    if not np.any(work):
        return out
    nw, rw = n[work], r[work]
    with np.errstate(divide="ignore", under="ignore"):
        log_pmf = nw * np.log(rw) - rw - special.gammaln(nw + 1.0)
        cdf = special.gammaincc(nw + 1.0, rw)
        b = np.exp(log_pmf) / np.where(cdf > 0, cdf, 1.0)
    tiny = cdf < 1e-250
    if np.any(tiny):
        # 1/B = sum_i n!/(n-i)! / R^i; with n << R the terms shrink geometrically.
        nt, rt = nw[tiny], rw[tiny]
        term = np.ones_like(nt)
        total = np.ones_like(nt)
        i = 0
        while np.any(term > 1e-17 * total) and i < int(nt.max()):
            term = term * np.maximum(nt - i, 0.0) / rt
            total += term
            i += 1
        b[tiny] = 1.0 / total
    out[work] = np.clip(b, 0.0, 1.0)
    return out


def _phi(c: FloatArray, x: FloatArray, s: FloatArray) -> FloatArray:
    return np.asarray(-c * s - x * np.expm1(-s), dtype=np.float64)


def _mass_range(c: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Where exp(phi) with phi(s) = -c·s + x(1 - e^-s) lies within ``_LOG_DROP`` of its peak.

    phi is concave with its peak at s* = log(x/c) (or 0 when x <= c) and curvature x·e^-s,
    which shrinks as s grows. A quadratic with the peak's slope and curvature therefore drops
    faster than phi to the right of s* and slower to the left: its crossing points are a first
    guess inside the range on the right and outside it on the left. From such points Newton's
    method on a concave function lands (and stays) outside the range on both sides, so the
    ends returned always enclose the mass, and four steps bring them close.
    """
    s_peak = np.where(x > c, np.log(np.maximum(x, 1e-300) / c), 0.0)
    top = _phi(c, x, s_peak)
    target = top - _LOG_DROP
    curv = x * np.exp(-s_peak)
    slope = np.maximum(c - curv, 0.0)  # minus phi' at the peak: zero unless the peak is at s = 0
    right = s_peak + 2.0 * _LOG_DROP / (slope + np.sqrt(slope * slope + 2.0 * curv * _LOG_DROP))
    left = np.maximum(s_peak - np.sqrt(2.0 * _LOG_DROP / np.maximum(curv, 1e-300)), 0.0)
    far = top > _LOG_DROP  # otherwise phi(0) = 0 is within the drop and the range starts at 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(4):
            d_right = x * np.exp(-right) - c
            right = np.where(d_right < 0, right - (_phi(c, x, right) - target) / d_right, right)
            d_left = x * np.exp(-left) - c
            step = np.where(far & (d_left > 0), (_phi(c, x, left) - target) / d_left, 0.0)
            left = np.where(step < 0, left - step, left)
    left = np.where(far, np.clip(left, 0.0, s_peak), 0.0)
    return left, right, top


def _panels(left: FloatArray, right: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Gauss–Legendre nodes and weights on [left, right], in two panels where the tail is long.

    Beyond s = log(x) + 36 the term x·e^-s is below e^-36 and the integrand is a plain
    exponential; with short patience (a small) that tail is long, and one panel over it would
    leave too few nodes where the integrand bends.
    """
    split = np.clip(np.log(np.maximum(x, 1.0)) + 36.0, left, right)
    if np.all(split >= right):
        return _nodes(left, right)
    s_a, w_a = _nodes(left, split)
    s_b, w_b = _nodes(split, right)
    return np.concatenate([s_a, s_b], axis=-1), np.concatenate([w_a, w_b], axis=-1)


def _nodes(
    left: FloatArray, right: FloatArray, rule: tuple[FloatArray, FloatArray] = (_GL_NODES, _GL_WEIGHTS)
) -> tuple[FloatArray, FloatArray]:
    half = 0.5 * (right - left)
    return (left + half)[..., None] + half[..., None] * rule[0], half[..., None] * rule[1]


@dataclass(frozen=True)
class _DelayedCallers:
    """What happens to callers who find every agent busy, from the queue's integrals."""

    log_s: FloatArray  # log S(a, x), the queue part of the stationary distribution
    abandon: FloatArray  # P(hang up | delayed)
    served: FloatArray  # P(answered | delayed)
    within: FloatArray  # P(answered within t | delayed)
    mean_wait_served: FloatArray  # theta · E[wait | delayed and answered]


def _delayed_callers(a: FloatArray, x: FloatArray, z: FloatArray) -> _DelayedCallers:
    """All delayed-caller figures of M/M/n+M, each from an integral whose integrand is positive.

    With a = n·mu/theta and x = lambda/theta, S(a, x) = a·∫ w(s) ds with
    w(s) = exp(-a·s + x(1 - e^-s)); s is theta times the wait a delayed caller would be offered,
    and w is proportional to its density. A caller offered a wait V is still there after it with
    probability e^-s, so answered ~ ∫ e^-s w, hung up ~ ∫ (1 - e^-s) w, answered within t ~
    ∫_0^{theta t} e^-s w. Each is summed directly, never as a difference of nearly equal
    numbers: the incomplete-gamma form of S loses 1e-6 in its logarithm at a ~ 1e6 (long patience,
    large centres), and 1 - P(answered) loses the rest of the abandonment rate's digits.

    w and e^-s·w are integrated on one set of nodes where their ranges are alike (any real
    centre: a = agents × patience / handle time is large), on a set each otherwise.
    """
    a1 = a + 1.0
    left0, right0, top0 = _mass_range(a, x)
    left1, right1, top1 = _mass_range(a1, x)
    log_m0 = np.empty(a.shape)
    log_m1 = np.empty(a.shape)
    abandon = np.empty(a.shape)
    mean_wait = np.empty(a.shape)

    lo, hi = np.minimum(left0, left1), np.maximum(right0, right1)
    shared = (hi - lo) <= 1.25 * np.minimum(right0 - left0, right1 - left1)
    k = np.flatnonzero(shared)
    if k.size:
        s, wt = _panels(lo[k], hi[k], x[k])
        gone = -np.expm1(-s)  # P(hung up by s) for a caller offered a wait s/theta
        f0 = np.exp(x[k, None] * gone - a[k, None] * s - top0[k, None]) * wt
        f1 = f0 * (1.0 - gone)
        m0, m1 = f0.sum(axis=-1), f1.sum(axis=-1)
        log_m0[k] = top0[k] + np.log(m0)
        log_m1[k] = top0[k] + np.log(m1)
        abandon[k] = (f0 * gone).sum(axis=-1) / m0
        mean_wait[k] = (f1 * s).sum(axis=-1) / m1
    k = np.flatnonzero(~shared)
    if k.size:
        s, wt = _panels(left0[k], right0[k], x[k])
        gone = -np.expm1(-s)
        f0 = np.exp(x[k, None] * gone - a[k, None] * s - top0[k, None]) * wt
        m0 = f0.sum(axis=-1)
        log_m0[k] = top0[k] + np.log(m0)
        abandon[k] = (f0 * gone).sum(axis=-1) / m0
        s, wt = _panels(left1[k], right1[k], x[k])
        f1 = np.exp(_phi(a1[k, None], x[k, None], s) - top1[k, None]) * wt
        m1 = f1.sum(axis=-1)
        log_m1[k] = top1[k] + np.log(m1)
        mean_wait[k] = (f1 * s).sum(axis=-1) / m1
    served = np.exp(log_m1 - log_m0)

    # Answered within t: the part of e^-s·w below s = theta·t, summed on its own nodes.
    within = np.where(z >= right1, served, 0.0)
    k = np.flatnonzero((z > left1) & (z < right1))
    if k.size:
        s, wt = _panels(left1[k], z[k], x[k])
        f2 = np.exp(_phi(a1[k, None], x[k, None], s) - top1[k, None]) * wt
        with np.errstate(divide="ignore"):
            within[k] = np.exp(top1[k] + np.log(f2.sum(axis=-1)) - log_m0[k])
    return _DelayedCallers(
        log_s=np.log(a) + log_m0,
        abandon=np.clip(abandon, 0.0, 1.0),
        served=np.clip(served, 0.0, 1.0),
        within=np.clip(within, 0.0, 1.0),
        mean_wait_served=mean_wait,
    )


def _erlang_a_fields(
    n: FloatArray, lam: FloatArray, h: FloatArray, theta: FloatArray, t: float
) -> dict[str, FloatArray]:
    """Erlang A figures for n > 0 agents and lambda > 0 (the caller has checked and broadcast them)."""
    load = lam * h
    a = n / (h * theta)
    x = lam / theta
    b = erlang_b(n, load)
    d = _delayed_callers(a, x, theta * t)
    with np.errstate(divide="ignore", over="ignore"):
        # P(wait) = B·S / (1 + (S-1)·B), rearranged so a huge S cannot overflow.
        pw = 1.0 / (1.0 + np.exp(np.log1p(-b) - np.log(b) - d.log_s))
    pa = pw * d.abandon
    # Summed, not 1 - pa: with nearly everyone hanging up the difference would keep no digits.
    answered = (1.0 - pw) + pw * d.served
    so = (1.0 - pw) + pw * d.within
    return {
        "p_wait": pw,
        "p_abandon": pa,
        "service_level_offered": np.clip(so, 0.0, 1.0),
        "service_level_answered": np.clip(so / answered, 0.0, 1.0),
        "asa": pw * d.served * (d.mean_wait_served / theta) / answered,
        "average_wait": pa / theta,
        "occupancy": np.minimum(lam * answered * h / n, 1.0),
    }


# --------------------------------------------------------------------------------------------
# metrics for a given staffing


def _rates(calls: FloatArray, aht: FloatArray, interval_seconds: float) -> tuple[FloatArray, FloatArray]:
    lam = calls / float(interval_seconds)
    return lam, lam * aht


def erlang_c_metrics(
    calls: npt.ArrayLike,
    aht: npt.ArrayLike,
    agents: npt.ArrayLike,
    *,
    interval_seconds: float,
    answer_within: float,
    allow_overload: bool = False,
) -> QueueMetrics:
    """Erlang C (M/M/n, callers never hang up) for each interval.

    ``calls`` offered per interval of ``interval_seconds``; ``aht`` in seconds; ``agents`` whole
    numbers. ``service_level_offered`` and ``service_level_answered`` are equal here. With as many
    agents as the offered load or fewer the queue grows without bound: that raises
    ``CapacityInputError("agents", …)`` unless ``allow_overload`` is set, in which case those
    intervals report service level 0, infinite ASA and occupancy 1.
    """
    interval = float(_check_positive(interval_seconds, "interval_seconds"))
    c = _check_calls(calls)
    h = _check_positive(aht, "aht")
    n_int = _check_agents(agents)
    t = _check_answer_within(answer_within)
    c, h, n_int = np.broadcast_arrays(c, h, n_int)
    lam, load = _rates(c, h, interval)
    n = n_int.astype(np.float64)

    idle = lam == 0
    overload = ~idle & (n <= load)
    if np.any(overload) and not allow_overload:
        first = int(np.flatnonzero(overload.ravel())[0])
        raise CapacityInputError(
            "agents",
            f"interval {first}: {int(n.ravel()[first])} agents for an offered load of "
            f"{load.ravel()[first]:.2f} Erlangs; the queue would grow without limit",
        )
    ok = ~idle & ~overload
    p_wait = np.zeros(n.shape)
    sl = np.ones(n.shape)
    asa = np.zeros(n.shape)
    occ = np.zeros(n.shape)
    if np.any(ok):
        nk, rk, hk = n[ok], load[ok], h[ok]
        b = erlang_b(nk, rk)
        rho = rk / nk
        cw = b / (1.0 - rho * (1.0 - b))
        gap = (nk - rk) / hk  # n·mu - lambda
        p_wait[ok] = cw
        sl[ok] = 1.0 - cw * np.exp(-gap * t)
        asa[ok] = cw / gap
        occ[ok] = rho
    p_wait[overload] = 1.0
    sl[overload] = 0.0
    asa[overload] = np.inf
    occ[overload] = 1.0
    zeros = np.zeros(n.shape)
    return QueueMetrics(
        agents=n_int.copy(),
        offered_load=load,
        p_wait=p_wait,
        p_abandon=zeros,
        service_level_offered=sl,
        service_level_answered=sl.copy(),
        asa=asa,
        average_wait=asa.copy(),
        occupancy=occ,
    )


def erlang_a_metrics(
    calls: npt.ArrayLike,
    aht: npt.ArrayLike,
    agents: npt.ArrayLike,
    *,
    interval_seconds: float,
    answer_within: float,
    patience: npt.ArrayLike,
) -> QueueMetrics:
    """Erlang A (M/M/n+M: exponential patience with mean ``patience`` seconds), exact.

    Stable for any staffing, because callers who wait too long leave. With zero agents every
    caller abandons; ASA of answered calls is then reported as 0 (no call is answered).
    ``patience = inf`` gives Erlang C. Every figure is exact to about 1e-12 (relative) up to
    a million agents and patience of days; see ``_delayed_callers`` for how.
    """
    interval = float(_check_positive(interval_seconds, "interval_seconds"))
    c = _check_calls(calls)
    h = _check_positive(aht, "aht")
    n_int = _check_agents(agents)
    t = _check_answer_within(answer_within)
    pat = np.asarray(patience, dtype=np.float64)
    if np.any(np.isnan(pat)) or np.any(pat <= 0):
        raise CapacityInputError("patience", "must be greater than zero")
    if np.all(np.isinf(pat)):
        return erlang_c_metrics(c, h, n_int, interval_seconds=interval, answer_within=t)
    if np.any(np.isinf(pat)):
        raise CapacityInputError("patience", "mix of finite and infinite patience is not supported")
    c, h, n_int, pat = np.broadcast_arrays(c, h, n_int, pat)
    lam, load = _rates(c, h, interval)
    n = n_int.astype(np.float64)
    theta = 1.0 / pat

    shape = n.shape
    p_wait = np.zeros(shape)
    p_ab = np.zeros(shape)
    sl_off = np.ones(shape)
    sl_ans = np.ones(shape)
    asa = np.zeros(shape)
    avg_wait = np.zeros(shape)
    occ = np.zeros(shape)

    nobody = (lam > 0) & (n == 0)
    p_wait[nobody] = 1.0
    p_ab[nobody] = 1.0
    sl_off[nobody] = 0.0
    sl_ans[nobody] = 0.0
    avg_wait[nobody] = pat[nobody]

    ok = (lam > 0) & (n > 0)
    if np.any(ok):
        f = _erlang_a_fields(n[ok], lam[ok], h[ok], theta[ok], t)
        p_wait[ok] = f["p_wait"]
        p_ab[ok] = f["p_abandon"]
        sl_off[ok] = f["service_level_offered"]
        sl_ans[ok] = f["service_level_answered"]
        asa[ok] = f["asa"]
        avg_wait[ok] = f["average_wait"]
        occ[ok] = f["occupancy"]

    return QueueMetrics(
        agents=n_int.copy(),
        offered_load=load,
        p_wait=p_wait,
        p_abandon=p_ab,
        service_level_offered=sl_off,
        service_level_answered=sl_ans,
        asa=asa,
        average_wait=avg_wait,
        occupancy=occ,
    )


def queue_metrics(
    calls: npt.ArrayLike,
    aht: npt.ArrayLike,
    agents: npt.ArrayLike,
    *,
    interval_seconds: float,
    answer_within: float,
    patience: npt.ArrayLike | None = None,
    allow_overload: bool = False,
) -> QueueMetrics:
    """The reverse question: given agents, what service do we get? Erlang A if ``patience`` is given."""
    if patience is None:
        return erlang_c_metrics(
            calls,
            aht,
            agents,
            interval_seconds=interval_seconds,
            answer_within=answer_within,
            allow_overload=allow_overload,
        )
    return erlang_a_metrics(
        calls, aht, agents, interval_seconds=interval_seconds, answer_within=answer_within, patience=patience
    )


# --------------------------------------------------------------------------------------------
# staffing


@dataclass(frozen=True)
class StaffingTarget:
    """What "good enough" means for one queue. Only the given limits are enforced.

    ``max_abandonment`` only bites with Erlang A (a patience is given); Erlang C callers never hang up.
    """

    service_level: float | None = 0.8
    answer_within: float = 20.0
    definition: ServiceLevelDefinition = "offered"
    max_occupancy: float = 1.0
    max_asa: float | None = None
    max_abandonment: float | None = None

    def validate(self) -> None:
        if self.service_level is None and self.max_asa is None and self.max_abandonment is None:
            raise CapacityInputError("service_level", "give a service-level, ASA or abandonment target")
        if self.service_level is not None:
            _check_fraction(self.service_level, "service_level")
        _check_answer_within(self.answer_within)
        if self.definition not in ("offered", "answered"):
            raise CapacityInputError("definition", "must be 'offered' or 'answered'")
        _check_fraction(self.max_occupancy, "max_occupancy")
        if self.max_asa is not None and not (math.isfinite(self.max_asa) and self.max_asa > 0):
            raise CapacityInputError("max_asa", "must be a positive number of seconds")
        if self.max_abandonment is not None:
            _check_fraction(self.max_abandonment, "max_abandonment")


@dataclass(frozen=True)
class RequiredAgents:
    agents: IntArray
    metrics: QueueMetrics

    def to_dict(self) -> dict[str, Any]:
        return {"agents": self.agents.tolist(), "metrics": self.metrics.to_dict()}


def required_agents(
    calls: npt.ArrayLike,
    aht: npt.ArrayLike,
    *,
    interval_seconds: float,
    target: StaffingTarget,
    patience: npt.ArrayLike | None = None,
) -> RequiredAgents:
    """Smallest whole number of agents per interval that meets every limit in ``target``.

    Every limit improves as agents are added, so the answer is found by a bisection that runs on
    all intervals together (each step is one vectorised evaluation). Intervals without demand need
    0 agents. A target that more agents can never reach (e.g. 100 % answered within T while calls
    arrive at random) raises ``CapacityInputError`` naming the target.
    """
    target.validate()
    if (patience is None or _is_infinite_scalar(patience)) and _is_scalar(calls) and _is_scalar(aht):
        fast = _required_agents_c_one(float(calls), float(aht), float(interval_seconds), target)  # type: ignore[arg-type]
        if fast is not None:
            return fast
    interval = float(_check_positive(interval_seconds, "interval_seconds"))
    c = _check_calls(calls)
    h = _check_positive(aht, "aht")
    c, h = np.broadcast_arrays(c, h)
    if patience is not None:
        pat_in = np.broadcast_to(np.asarray(patience, dtype=np.float64), c.shape)
        if np.any(np.isnan(pat_in)) or np.any(pat_in <= 0):
            raise CapacityInputError("patience", "must be greater than zero")
        pat: FloatArray | None = None if np.all(np.isinf(pat_in)) else pat_in
    else:
        pat = None
    busy = c > 0
    if target.service_level is not None and target.service_level >= 1.0 and np.any(busy):
        raise CapacityInputError(
            "service_level",
            "100 % within the target time can never be guaranteed when calls arrive at random; "
            "choose a target below 1",
        )
    load = c / interval * h
    _check_staffable(load, target.max_occupancy)

    result = np.zeros(c.shape, dtype=np.int64)
    idx = np.flatnonzero(busy.ravel())
    if pat is None:
        # Erlang C: the walk ends with Erlang B at the answer, so the metrics come almost free.
        agents, b_at = _walk_erlang_c(load.ravel()[idx], h.ravel()[idx], target, idx)
        result.ravel()[idx] = agents
        return RequiredAgents(
            agents=result, metrics=_erlang_c_from_b(result, load, h, idx, b_at, target.answer_within)
        )
    return _search_erlang_a(c, h, pat, load, interval, target, idx)


_A_FIELDS = (
    "p_wait",
    "p_abandon",
    "service_level_offered",
    "service_level_answered",
    "asa",
    "average_wait",
    "occupancy",
)


def _search_erlang_a(
    c: FloatArray,
    h: FloatArray,
    pat: FloatArray,
    load: FloatArray,
    interval: float,
    target: StaffingTarget,
    idx: npt.NDArray[np.intp],
) -> RequiredAgents:
    """Erlang A staffing: scan a window of counts around the Erlang C answer.

    Most intervals need the Erlang C answer or one to three agents fewer. ``_scan_erlang_a``
    evaluates every count of a window around it on one shared set of nodes (a neighbour's
    integrand is the next one times e^(s·mu/theta), one multiply per node), which names the
    smallest count that passes where the count below it fails every doubt. Where the named
    count also meets every limit with room to spare, the scan's figures (as exact as a single
    evaluation's, to about 1e-13) are the answer; otherwise one exact evaluation confirms it.
    Where the window does not hold the answer or its counts are too far apart for one set of
    nodes, the interval goes to the bracket search (``_bracket_erlang_a``), which probes exact
    evaluations only, as the search did before the scan.
    """
    shape = c.shape
    fields = {name: np.zeros(shape) for name in _A_FIELDS}
    fields["service_level_offered"] = np.ones(shape)
    fields["service_level_answered"] = np.ones(shape)
    result = np.zeros(shape, dtype=np.int64)
    if idx.size:
        lam = c.ravel()[idx] / interval
        hh = h.ravel()[idx]
        theta = 1.0 / pat.ravel()[idx]
        ld = load.ravel()[idx]
        try:
            guess, _ = _walk_erlang_c(ld, hh, target, idx)
        except CapacityInputError:
            guess = np.ceil(ld / target.max_occupancy).astype(np.int64)
        guess = np.clip(guess, 1, MAX_AGENTS)
        agents = np.zeros(idx.size, dtype=np.int64)
        store = {name: np.zeros(idx.size) for name in _A_FIELDS}

        top = np.minimum(np.maximum(guess + _SCAN_ABOVE, _SCAN_COUNTS), MAX_AGENTS)
        cand, scanned, sure = _scan_erlang_a(top, lam, hh, theta, target)
        done = np.flatnonzero(sure)
        agents[done] = cand[done]
        for name in _A_FIELDS:
            store[name][done] = scanned[name][done]
        k = np.flatnonzero((cand > 0) & ~sure)
        if k.size:
            # Named, but a figure lies too near its limit for the scan to say it passes.
            f = _erlang_a_fields(cand[k].astype(np.float64), lam[k], hh[k], theta[k], target.answer_within)
            good = _meets(f, target)
            agents[k[good]] = cand[k[good]]
            for name in _A_FIELDS:
                store[name][k[good]] = f[name][good]
            guess[k[~good]] = cand[k[~good]]
        rest = np.flatnonzero(agents == 0)
        if rest.size:
            n, f = _bracket_erlang_a(
                lam[rest], hh[rest], theta[rest], ld[rest], target, guess[rest], idx[rest]
            )
            agents[rest] = n
            for name in _A_FIELDS:
                store[name][rest] = f[name]
        result.ravel()[idx] = agents
        for name in _A_FIELDS:
            fields[name].ravel()[idx] = store[name]
    return RequiredAgents(
        agents=result,
        metrics=QueueMetrics(agents=result.copy(), offered_load=load, **fields),
    )


def _meets(f: dict[str, FloatArray], target: StaffingTarget) -> npt.NDArray[np.bool_]:
    """Which exact evaluations meet every limit of ``target`` (the tolerances absorb rounding)."""
    sl_name = "service_level_offered" if target.definition == "offered" else "service_level_answered"
    good = f["occupancy"] <= target.max_occupancy + 1e-12
    if target.service_level is not None:
        good &= f[sl_name] >= target.service_level - 1e-12
    if target.max_asa is not None:
        good &= f["asa"] <= target.max_asa
    if target.max_abandonment is not None:
        good &= f["p_abandon"] <= target.max_abandonment
    return np.asarray(good)


# The scan window: counts from the Erlang C answer + _SCAN_ABOVE down, _SCAN_COUNTS of them.
_SCAN_ABOVE = 1
_SCAN_COUNTS = 6
# One set of nodes serves the window while its widest mass range is at most this many times its
# narrowest: a 40-node rule then still resolves the fastest-falling integrand to ~1e-13.
_SCAN_SPREAD = 1.6
_SCAN_PANELS = 4
# A scanned figure this close to its limit is not trusted to decide; the bracket search does.
_SCAN_MARGIN = 1e-9


def _scan_erlang_a(
    top: IntArray, lam: FloatArray, h: FloatArray, theta: FloatArray, target: StaffingTarget
) -> tuple[IntArray, dict[str, FloatArray], npt.NDArray[np.bool_]]:
    """Every count of the window top, top-1, …, top-5 of each interval on one set of nodes.

    With kappa = mu/theta the counts' integrands are w_j(s) = w_0(s)·e^(j·kappa·s): built once
    on nodes covering the union of the window's mass ranges, each further count costs one
    multiply per node, and all counts' integrals are one stacked matrix product. Erlang B runs
    up the window by its stable recursion from one evaluation at the bottom.

    Answers (count, figures at that count, sure): the count is the first in the window that does
    not fail some limit by more than ``_SCAN_MARGIN`` (so that rounding cannot have decided it),
    named only where the count below it is in the window and fails by more than that, or where
    it is one agent; 0 where the scan cannot name one. ``sure`` says the named count also meets
    every limit by more than the margin, so its figures can be reported as they are; elsewhere
    an exact evaluation must confirm it.
    """
    m, count = top.size, _SCAN_COUNTS
    kappa = 1.0 / (h * theta)
    x = lam / theta
    z = theta * target.answer_within
    a_top = top * kappa
    a_low = (top - (count - 1)) * kappa
    # The lowest count's queue integrand reaches furthest right; the top count's answered-call
    # integrand (a + 1) is the narrowest and reaches furthest left.
    left_w, right_w, _ = _mass_range(a_low, x)
    left_n, right_n, _ = _mass_range(a_top + 1.0, x)
    left, right = np.minimum(left_w, left_n), np.maximum(right_w, right_n)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = (right - left) / (right_n - left_n)
    # A wider window gets more panels of nodes, each no wider than _SCAN_SPREAD narrowest ranges.
    panels = np.ceil(spread / _SCAN_SPREAD)
    usable = (panels <= _SCAN_PANELS) & ((count - 1) * kappa * right < 600.0) & (top >= count)
    named = np.zeros(m, dtype=np.int64)
    sure = np.zeros(m, dtype=bool)
    figures = {name: np.zeros(m) for name in _A_FIELDS}

    def scan_rows(k: npt.NDArray[np.intp], p: int) -> None:
        kap, xk, zk, lamk, hk, thk = kappa[k], x[k], z[k], lam[k], h[k], theta[k]
        with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
            s, wt = _split_panels(left[k], right[k], xk, p)
            s_peak = np.where(xk > a_top[k], np.log(xk / a_top[k]), 0.0)
            top0 = _phi(a_top[k], xk, s_peak)  # the top count's peak: every lower count's is higher
            # In place where it can be: at this size, fresh temporaries cost more than arithmetic.
            gone = np.negative(s)
            np.expm1(gone, out=gone)
            np.negative(gone, out=gone)  # P(hung up by s)
            f = np.multiply(xk[:, None], gone)
            f -= a_top[k, None] * s
            f -= top0[:, None]
            np.exp(f, out=f)
            hung = np.multiply(gone, wt, out=gone)
            kept = wt - hung  # wt·e^-s, the answered callers' integrand
            # Weights of the queue mass, the answered mass, the hung-up mass and the answered wait.
            weights = (wt, kept, hung, kept * s)
            np.multiply(kap[:, None], s, out=s)
            sums = _window_sums(f, np.exp(s, out=s), weights, count)  # (interval, count, figure)
            m0, m1 = sums[..., 0], sums[..., 1]
            served = m1 / m0
            within = np.where((zk >= right[k])[:, None], served, 0.0)
            inside = (zk > left[k]) & (zk < right[k])
            if np.any(inside):
                # Answered within t: e^-s·w on [left, theta·t]. Where t is short the log of every
                # count's integrand moves little over that piece and 20 nodes are plenty.
                zc = np.where(inside, zk, left[k])
                rise = np.zeros(k.size)
                for c in (a_top[k] + 1.0, a_low[k] + 1.0):
                    peak = np.clip(np.where(xk > c, np.log(xk / c), 0.0), left[k], zc)
                    ends = np.minimum(_phi(c, xk, left[k]), _phi(c, xk, zc))
                    rise = np.maximum(rise, _phi(c, xk, peak) - ends)
                long_tail = np.log(np.maximum(xk, 1.0)) + 36.0 < zc
                short = inside & (rise <= _SHORT_RISE) & ~long_tail
                for rows, rule in (
                    (np.flatnonzero(short), (_GL20_NODES, _GL20_WEIGHTS)),
                    (np.flatnonzero(inside & ~short), None),
                ):
                    if rows.size == 0:
                        continue
                    if rule is None:
                        sw, ww = _panels(left[k][rows], zc[rows], xk[rows])
                    else:
                        sw, ww = _nodes(left[k][rows], zc[rows], rule)
                    fw = np.negative(sw)
                    np.expm1(fw, out=fw)
                    fw *= -xk[rows, None]
                    fw -= (a_top[k][rows, None] + 1.0) * sw
                    fw -= top0[rows, None]
                    np.exp(fw, out=fw)
                    np.multiply(kap[rows, None], sw, out=sw)
                    np.exp(sw, out=sw)
                    within[rows] = _window_sums(fw, sw, (ww,), count)[..., 0] / m0[rows]
            n_top = top[k].astype(np.float64)
            n = n_top[:, None] - np.arange(count)  # column j: count top - j
            ld = lamk * hk
            b = erlang_b(n_top - (count - 1), ld)
            b_cols = [b]
            for j in range(count - 2, -1, -1):  # up the window by B(n) = R·B(n-1) / (n + R·B(n-1))
                b = ld * b / (n_top - j + ld * b)
                b_cols.append(b)
            bj = np.stack(b_cols[::-1], axis=1)
            log_s = np.log(n * kap[:, None]) + top0[:, None] + np.log(m0)
            pw = 1.0 / (1.0 + np.exp(np.log1p(-bj) - np.log(bj) - log_s))
            pa = pw * sums[..., 2] / m0
            answered = (1.0 - pw) + pw * served
            so = (1.0 - pw) + pw * within
            fig = {
                "p_wait": pw,
                "p_abandon": pa,
                "service_level_offered": np.clip(so, 0.0, 1.0),
                "service_level_answered": np.clip(so / answered, 0.0, 1.0),
                "asa": pw * served * (sums[..., 3] / m1 / thk[:, None]) / answered,
                "average_wait": pa / thk[:, None],
                "occupancy": np.minimum(lamk[:, None] * answered * hk[:, None] / n, 1.0),
            }
            sl_name = "service_level_offered" if target.definition == "offered" else "service_level_answered"
            checks = [(fig["occupancy"], target.max_occupancy, 1.0)]
            if target.service_level is not None:
                checks.append((-fig[sl_name], -target.service_level, 1.0))
            if target.max_abandonment is not None:
                checks.append((pa, target.max_abandonment, 1.0))
            if target.max_asa is not None:
                checks.append((fig["asa"], target.max_asa, target.max_asa))
            fails = np.zeros(n.shape, dtype=bool)
            passes = np.ones(n.shape, dtype=bool)
            for value, limit, scale in checks:
                gap = value - limit
                fails |= gap > _SCAN_MARGIN * scale
                passes &= gap < -_SCAN_MARGIN * scale  # NaN neither fails nor passes
        # In ascending order of counts, every count before the first one not failing surely fails
        # surely, so that count is the answer if it passes (counts only get better with more agents).
        up = fails[:, ::-1]
        first = np.argmin(up, axis=1)
        lowest = n_top - (count - 1)
        ok = ~up.all(axis=1) & ((first >= 1) | (lowest == 1))
        col = count - 1 - first  # back to the window's own column order
        rows = np.arange(k.size)
        named[k[ok]] = (lowest[ok] + first[ok]).astype(np.int64)
        sure[k[ok]] = passes[rows, col][ok]
        for name, v in fig.items():
            figures[name][k[ok]] = v[rows, col][ok]

    for p in range(1, _SCAN_PANELS + 1):
        k = np.flatnonzero(usable & (panels == p))
        if k.size:
            scan_rows(k, p)
    return named, figures, sure


def _split_panels(
    left: FloatArray, right: FloatArray, x: FloatArray, p: int
) -> tuple[FloatArray, FloatArray]:
    """``_panels`` on each of ``p`` equal pieces of [left, right], side by side."""
    if p == 1:
        return _panels(left, right, x)
    cuts = [left + (right - left) * (i / p) for i in range(p)] + [right]
    parts = [_panels(cuts[i], cuts[i + 1], x) for i in range(p)]
    return np.concatenate([q[0] for q in parts], axis=-1), np.concatenate([q[1] for q in parts], axis=-1)


def _window_sums(f: FloatArray, step: FloatArray, weights: tuple[FloatArray, ...], count: int) -> FloatArray:
    """sum over nodes of f·step^j·w for each w in ``weights``, j = 0 … count-1: (interval, j, w).

    ``f`` is overwritten. One count at a time, so the arrays stay the size of one node set.
    """
    out = np.empty((f.shape[0], count, len(weights)))
    for j in range(count):
        if j:
            np.multiply(f, step, out=f)
        for i, w in enumerate(weights):
            out[:, j, i] = np.einsum("ij,ij->i", f, w)
    return out


def _bracket_erlang_a(
    lam: FloatArray,
    hh: FloatArray,
    theta: FloatArray,
    ld: FloatArray,
    target: StaffingTarget,
    guess: IntArray,
    positions: npt.NDArray[np.intp],
) -> tuple[IntArray, dict[str, FloatArray]]:
    """Erlang A staffing by exact probes alone: start at ``guess`` and bracket outwards from it.

    Steps double only where the guess is far off. Each probe evaluates only the intervals still
    open and keeps the full figures of the smallest good count so far, so no final evaluation is
    needed. ``positions`` are the intervals' indices, for messages.
    """
    t = target.answer_within
    limit = (ld + 50.0 * np.sqrt(ld) + 1000.0).astype(np.int64)
    store = {name: np.zeros(ld.size) for name in _A_FIELDS}

    def probe(sub: npt.NDArray[np.intp], n: IntArray) -> npt.NDArray[np.bool_]:
        f = _erlang_a_fields(n.astype(np.float64), lam[sub], hh[sub], theta[sub], t)
        good = _meets(f, target)
        for name in _A_FIELDS:
            store[name][sub[good]] = f[name][good]
        return good

    # With calls offered, zero agents never meets a target (nobody is answered).
    lo = np.zeros(ld.size, dtype=np.int64)  # largest count known to fail
    hi = np.full(ld.size, MAX_AGENTS + 1, dtype=np.int64)  # smallest count known to pass
    everyone = np.arange(ld.size)
    good = probe(everyone, guess)
    hi = np.where(good, guess, hi)
    lo = np.where(good, lo, guess)
    upward = ~good  # still looking for a count that passes
    downward = good.copy()  # still looking for a count that fails
    step = np.ones(ld.size, dtype=np.int64)
    while True:
        open_ = np.flatnonzero(hi - lo > 1)
        if open_.size == 0:
            break
        up, down = upward[open_], downward[open_]
        stuck = up & (lo[open_] > limit[open_])
        if np.any(stuck):
            which = int(positions[open_[np.argmax(stuck)]])
            raise CapacityInputError(
                "target", f"interval {which}: the target cannot be met with any number of agents"
            )
        if np.any(up & (lo[open_] >= MAX_AGENTS)):
            raise _too_many_agents(int(positions[open_[np.argmax(up & (lo[open_] >= MAX_AGENTS))]]))
        mid = (lo[open_] + hi[open_]) // 2
        n = np.where(up, np.minimum(lo[open_] + step[open_], MAX_AGENTS), mid)
        n = np.where(down, np.maximum(hi[open_] - step[open_], lo[open_] + 1), n)
        g = probe(open_, n)
        hi[open_] = np.where(g, n, hi[open_])
        lo[open_] = np.where(g, lo[open_], n)
        upward[open_] = up & ~g
        downward[open_] = down & g
        step[open_] *= 2
    if np.any(hi > MAX_AGENTS):
        raise _too_many_agents(int(positions[np.argmax(hi > MAX_AGENTS)]))
    return hi, store


def _is_scalar(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating))


def _is_infinite_scalar(value: object) -> bool:
    return _is_scalar(value) and math.isinf(float(value))  # type: ignore[arg-type]


def _erlang_b_one(n: float, load: float) -> float:
    """``erlang_b`` for one count, in plain floats (the same value, without array overhead)."""
    if n <= 20:
        # A few steps of the recursion cost less than one call into SciPy.
        b = 1.0
        for k in range(1, int(n) + 1):
            b = load * b / (k + load * b)
        return b
    cdf = float(special.gammaincc(n + 1.0, load))
    if cdf < 1e-250:
        return float(erlang_b(n, load))
    b = math.exp(n * math.log(load) - load - math.lgamma(n + 1.0)) / cdf
    return min(max(b, 0.0), 1.0)


def _required_agents_c_one(
    calls: float, aht: float, interval: float, target: StaffingTarget
) -> RequiredAgents | None:
    """Erlang C staffing of a single interval in plain floats: the walk of ``_walk_erlang_c``.

    The calculator page and the API ask for one interval at a time, where NumPy's per-call
    overhead (about 100 µs for the whole vectorised path) would dwarf the arithmetic. Anything
    out of the ordinary (no demand, input to refuse, a count near the limit) answers None, and
    the vectorised path, with its checks and messages, takes over.
    """
    if not (
        math.isfinite(calls)
        and calls > 0.0
        and math.isfinite(aht)
        and aht > 0.0
        and math.isfinite(interval)
        and interval > 0.0
    ):
        return None
    sl = target.service_level
    if sl is not None and sl >= 1.0:
        return None
    load = calls / interval * aht
    occ_cap = target.max_occupancy
    if load >= MAX_AGENTS or load / occ_cap >= MAX_AGENTS:
        return None
    n = max(math.floor(load) + 1.0, math.ceil(load / occ_cap - 1e-9))
    b = _erlang_b_one(n, load)
    limit = load + 50.0 * math.sqrt(load) + 1000.0
    t, max_asa = target.answer_within, target.max_asa
    while True:
        if n > MAX_AGENTS or n > limit:
            return None
        rho = load / n
        cw = b / (1.0 - rho * (1.0 - b))
        gap = (n - load) / aht
        if (
            rho <= occ_cap + 1e-12
            and (sl is None or 1.0 - cw * math.exp(-gap * t) >= sl - 1e-12)
            and (max_asa is None or cw / gap <= max_asa)
        ):
            break
        n += 1.0
        b = load * b / (n + load * b)
    level = 1.0 - cw * math.exp(-gap * t)
    asa = cw / gap
    metrics = _built(
        QueueMetrics,
        agents=np.asarray(int(n), dtype=np.int64),
        offered_load=np.asarray(load),
        p_wait=np.asarray(cw),
        p_abandon=np.asarray(0.0),
        service_level_offered=np.asarray(level),
        service_level_answered=np.asarray(level),
        asa=np.asarray(asa),
        average_wait=np.asarray(asa),
        occupancy=np.asarray(rho),
    )
    return _built(RequiredAgents, agents=np.asarray(int(n), dtype=np.int64), metrics=metrics)


def _built[T](cls: type[T], **fields: Any) -> T:
    """A frozen dataclass filled without its generated __init__ (5 µs for nine fields; this 1 µs).

    Only for values already of the declared types, on the one-interval path where those
    microseconds are most of the time spent.
    """
    obj = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj


def _walk_erlang_c(
    load: FloatArray, aht: FloatArray, target: StaffingTarget, positions: npt.NDArray[np.intp]
) -> tuple[IntArray, FloatArray]:
    """Erlang C staffing by stepping up from a lower bound with the Erlang B recursion.

    Starting at the larger of "just stable" and "just within the occupancy cap", the answer is
    usually a handful of steps away (about sqrt(load)), and each step costs a few array
    operations, whereas a bisection pays for an incomplete gamma function at every probe.
    """
    n = np.maximum(np.floor(load) + 1.0, np.ceil(load / target.max_occupancy - 1e-9))
    b = erlang_b(n, load)
    answer = np.zeros(load.size, dtype=np.int64)
    b_answer = np.zeros(load.size)
    active = np.arange(load.size)
    ld, h = load, aht
    limit = load + 50.0 * np.sqrt(load) + 1000.0
    t = target.answer_within
    while active.size:
        if np.any(n > MAX_AGENTS):
            raise _too_many_agents(int(positions[active[np.argmax(n > MAX_AGENTS)]]))
        rho = ld / n
        cw = b / (1.0 - rho * (1.0 - b))
        gap = (n - ld) / h
        good = rho <= target.max_occupancy + 1e-12
        if target.service_level is not None:
            good &= 1.0 - cw * np.exp(-gap * t) >= target.service_level - 1e-12
        if target.max_asa is not None:
            good &= cw / gap <= target.max_asa
        answer[active[good]] = n[good].astype(np.int64)
        b_answer[active[good]] = b[good]
        keep = ~good
        active, n, b, ld, h, limit = active[keep], n[keep], b[keep], ld[keep], h[keep], limit[keep]
        if np.any(n > limit):
            which = int(positions[active[np.argmax(n > limit)]])
            raise CapacityInputError(
                "target", f"interval {which}: the target cannot be met with any number of agents"
            )
        n = n + 1.0
        b = ld * b / (n + ld * b)
    return answer, b_answer


def _too_many_agents(interval: int) -> CapacityInputError:
    return CapacityInputError(
        "calls",
        f"interval {interval}: meeting the target would take more than {MAX_AGENTS:,} agents, the most "
        "this calculator staffs; the offered load (calls × handle time ÷ interval) is too large",
    )


def _erlang_c_from_b(
    agents: IntArray, load: FloatArray, aht: FloatArray, idx: npt.NDArray[np.intp], b: FloatArray, t: float
) -> QueueMetrics:
    shape = agents.shape
    p_wait = np.zeros(shape)
    sl = np.ones(shape)
    asa = np.zeros(shape)
    occ = np.zeros(shape)
    if idx.size:
        n = agents.ravel()[idx].astype(np.float64)
        ld = load.ravel()[idx]
        rho = ld / n
        cw = b / (1.0 - rho * (1.0 - b))
        gap = (n - ld) / aht.ravel()[idx]
        p_wait.ravel()[idx] = cw
        sl.ravel()[idx] = 1.0 - cw * np.exp(-gap * t)
        asa.ravel()[idx] = cw / gap
        occ.ravel()[idx] = rho
    return QueueMetrics(
        agents=agents.copy(),
        offered_load=load,
        p_wait=p_wait,
        p_abandon=np.zeros(shape),
        service_level_offered=sl,
        service_level_answered=sl.copy(),
        asa=asa,
        average_wait=asa.copy(),
        occupancy=occ,
    )


def _exact_fraction(value: float | str | Decimal | Fraction) -> Fraction:
    # str() of a float is the shortest decimal that round-trips, so 0.3 becomes exactly 3/10.
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        return Fraction(str(value))
    return Fraction(Decimal(str(value)))


def fte_after_shrinkage(agents: npt.ArrayLike, shrinkage: float | str | Decimal | Fraction) -> IntArray:
    """ceil(agents / (1 - shrinkage)) in exact integer arithmetic.

    Done in floating point, 21 / (1 - 0.3) is 30.000000000000004 and would round up to 31 people.
    """
    try:
        s = _exact_fraction(shrinkage)
    except (ValueError, ArithmeticError) as exc:
        raise CapacityInputError("shrinkage", "must be a number") from exc
    if not (0 <= s < 1):
        raise CapacityInputError("shrinkage", "must be at least 0 and below 1")
    n = _check_agents(agents)
    num, den = s.numerator, s.denominator
    avail = den - num
    if den < 2**31 and int(n.max(initial=0)) < 2**31:
        return np.asarray(-((-n * den) // avail), dtype=np.int64)
    exact = [-((-int(v) * den) // avail) for v in n.ravel()]
    if max(exact, default=0) > np.iinfo(np.int64).max:
        raise CapacityInputError(
            "shrinkage", f"{s} leaves so little time on the phones that the FTE is too large to count"
        )
    return np.asarray(exact, dtype=np.int64).reshape(n.shape)
