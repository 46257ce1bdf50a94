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
``exp(-theta·V) ~ Beta(a, k+1)``. Summing over k gives closed forms in S for P(wait), P(abandon)
and the service level; the mean wait of answered calls reduces to one smooth one-dimensional
integral evaluated by Gauss–Legendre quadrature over the region that carries its mass.

Every agent count, given or required, is at most ``MAX_AGENTS`` (1,000,000, see
``soms.core.capacity.limits``). A staffing search whose answer would exceed it, and an FTE that
would not fit in a 64-bit integer, raise ``CapacityInputError`` naming the input to change: counts
are never allowed to wrap around, and no search is allowed to walk for seconds.
"""

from __future__ import annotations

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

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(96)
# Mass below exp(-60) of the peak is far beyond double precision relevance.
_LOG_DROP = 60.0


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
    if not (np.isfinite(v) and v > 0.0 and upper_ok):
        interval = "(0, 1]" if allow_one else "(0, 1)"
        raise CapacityInputError(field, f"must be in {interval}, got {value!r}")
    return v


def _check_answer_within(value: float) -> float:
    v = float(value)
    if not (np.isfinite(v) and v >= 0.0):
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


def _log_scaled_gamma(b: FloatArray, y: FloatArray) -> FloatArray:
    """log S(b, y) with S(b, y) = sum_{k>=0} y^k / ((b+1)…(b+k)) = Gamma(b+1) e^y y^-b P(b, y).

    S is the confluent hypergeometric 1F1(1; b+1; y). Through P (regularised lower incomplete
    gamma) it costs O(1); where P underflows (y well below b) the series converges geometrically
    with ratio below y/(b+1) and is summed directly.
    """
    b, y = np.broadcast_arrays(np.asarray(b, dtype=np.float64), np.asarray(y, dtype=np.float64))
    out = np.zeros(b.shape, dtype=np.float64)
    pos = y > 0
    if not np.any(pos):
        return out
    bp, yp = b[pos], y[pos]
    with np.errstate(divide="ignore", under="ignore"):
        p = special.gammainc(bp, yp)
        res = yp - bp * np.log(yp) + special.gammaln(bp + 1.0) + np.log(np.where(p > 0, p, 1.0))
    small = p < 1e-250
    if np.any(small):
        bs, ys = bp[small], yp[small]
        term = np.ones_like(bs)
        total = np.ones_like(bs)
        k = 1
        while np.any(term > 1e-17 * total):
            term = term * ys / (bs + k)
            total += term
            k += 1
        res[small] = np.log(total)
    out[pos] = res
    return out


def _mean_offered_wait_served(a: FloatArray, x: FloatArray) -> FloatArray:
    """theta · E[V | served, delayed] = I1 / I0, with I_m = ∫_0^∞ s^m exp(phi(s)) ds.

    phi(s) = -(a+1)s + x(1 - e^-s) is concave, so the integrand is one bump. The integration range
    is cut where phi drops _LOG_DROP below its peak (found by vectorised bisection), and a fixed
    Gauss–Legendre rule on that range is accurate to far below the statistical noise of any data.
    """
    a1 = a + 1.0

    def phi(s: FloatArray) -> FloatArray:
        return -a1 * s + x * (-np.expm1(-s))

    s_peak = np.where(x > a1, np.log(np.maximum(x, 1e-300) / a1), 0.0)
    top = phi(s_peak)
    target = top - _LOG_DROP

    # Right end: phi(s) - phi(s*) <= -(a+1)(s - s*) + min(x, a+1), so this bound is past the drop.
    lo = s_peak.copy()
    hi = s_peak + (_LOG_DROP + np.minimum(x, a1)) / a1
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        above = phi(mid) > target
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    right = hi

    # Left end: only when the peak is away from zero and zero is already far below it.
    lo = np.zeros_like(s_peak)
    hi = s_peak.copy()
    need_left = phi(lo) < target
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        above = phi(mid) > target
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    left = np.where(need_left, lo, 0.0)

    half = 0.5 * (right - left)
    s = (left + half)[..., None] + half[..., None] * _GL_NODES
    log_f = -a1[..., None] * s + x[..., None] * (-np.expm1(-s)) - top[..., None]
    f = np.exp(log_f) * _GL_WEIGHTS
    i0 = f.sum(axis=-1)
    i1 = (f * s).sum(axis=-1)
    return np.asarray(i1 / i0, dtype=np.float64)


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
    compute_asa: bool = True,
) -> QueueMetrics:
    """Erlang A (M/M/n+M: exponential patience with mean ``patience`` seconds), exact.

    Stable for any staffing, because callers who wait too long leave. With zero agents every
    caller abandons; ASA of answered calls is then reported as 0 (no call is answered).
    ``patience = inf`` gives Erlang C. ASA of answered calls is the one figure that needs a
    numerical integral; ``compute_asa=False`` skips it (``asa`` is then NaN) for searches that
    do not use it.
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
        nk, lk, hk, thk, rk = n[ok], lam[ok], h[ok], theta[ok], load[ok]
        mu = 1.0 / hk
        a = nk * mu / thk
        x = lk / thk
        b = erlang_b(nk, rk)
        log_s0 = _log_scaled_gamma(a, x)
        log_s1 = _log_scaled_gamma(a + 1.0, x)
        with np.errstate(divide="ignore", over="ignore"):
            # P(wait) = B·S / (1 + (S-1)·B), rearranged so a huge S cannot overflow.
            log_ratio = np.log1p(-b) - np.log(b) - log_s0
            pw = 1.0 / (1.0 + np.exp(log_ratio))
        served_if_delayed = a / (a + 1.0) * np.exp(log_s1 - log_s0)
        served_if_delayed = np.clip(served_if_delayed, 0.0, 1.0)
        pa = pw * (1.0 - served_if_delayed)

        # Answered within t among the delayed: subtract the part whose offered wait exceeds t.
        z_log = -thk * t
        log_tail = (
            -(a + 1.0) * thk * t + x * (-np.expm1(z_log)) + _log_scaled_gamma(a + 1.0, x * np.exp(z_log))
        )
        late = a / (a + 1.0) * np.exp(log_tail - log_s0)
        within_if_delayed = np.clip(served_if_delayed - late, 0.0, 1.0)
        so = (1.0 - pw) + pw * within_if_delayed

        answered = 1.0 - pa
        mean_v_served = _mean_offered_wait_served(a, x) / thk if compute_asa else np.full(a.shape, np.nan)
        p_wait[ok] = pw
        p_ab[ok] = pa
        sl_off[ok] = np.clip(so, 0.0, 1.0)
        sl_ans[ok] = np.clip(so / answered, 0.0, 1.0)
        asa[ok] = pw * served_if_delayed * mean_v_served / answered
        avg_wait[ok] = pa / thk
        occ[ok] = np.minimum(lk * answered * hk / nk, 1.0)

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
        if self.max_asa is not None and not (np.isfinite(self.max_asa) and self.max_asa > 0):
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

    def evaluate(n: IntArray, idx: npt.NDArray[np.intp]) -> tuple[npt.NDArray[np.bool_], QueueMetrics]:
        assert pat is not None
        m = erlang_a_metrics(
            c.ravel()[idx],
            h.ravel()[idx],
            n,
            interval_seconds=interval,
            answer_within=target.answer_within,
            patience=pat.ravel()[idx],
            compute_asa=target.max_asa is not None,
        )
        good = m.occupancy <= target.max_occupancy + 1e-12
        if target.service_level is not None:
            good &= m.service_level(target.definition) >= target.service_level - 1e-12
        if target.max_asa is not None:
            good &= m.asa <= target.max_asa
        if target.max_abandonment is not None:
            good &= m.p_abandon <= target.max_abandonment
        return good, m

    result = np.zeros(c.shape, dtype=np.int64)
    idx = np.flatnonzero(busy.ravel())
    if pat is None:
        # Erlang C: the walk ends with Erlang B at the answer, so the metrics come almost free.
        agents, b_at = _walk_erlang_c(load.ravel()[idx], h.ravel()[idx], target, idx)
        result.ravel()[idx] = agents
        return RequiredAgents(
            agents=result, metrics=_erlang_c_from_b(result, load, h, idx, b_at, target.answer_within)
        )
    if idx.size:
        ld = load.ravel()[idx]
        # Erlang A: with calls offered, zero agents never meets a target (nobody is answered).
        bad = np.zeros(idx.size, dtype=np.int64)
        first_guess = np.maximum(np.ceil(ld / target.max_occupancy).astype(np.int64), bad + 1)
        hi = np.maximum(first_guess, bad + 1)
        flat_c = idx  # positions in the flattened arrays
        step = np.maximum(1, np.ceil(np.sqrt(ld)).astype(np.int64))
        limit = (ld + 50.0 * np.sqrt(ld) + 1000.0).astype(np.int64)
        good, _ = evaluate(hi, flat_c)
        while not np.all(good):
            if np.any(hi[~good] > limit[~good]):
                which = int(flat_c[~good][np.argmax(hi[~good] > limit[~good])])
                raise CapacityInputError(
                    "target",
                    f"interval {which}: the target cannot be met with any number of agents",
                )
            if np.any(hi[~good] >= MAX_AGENTS):
                raise _too_many_agents(int(flat_c[~good][np.argmax(hi[~good] >= MAX_AGENTS)]))
            bad = np.where(good, bad, hi)
            hi = np.where(good, hi, np.minimum(hi + step, MAX_AGENTS))
            step = np.where(good, step, step * 2)
            good, _ = evaluate(hi, flat_c)
        while np.any(hi - bad > 1):
            mid = (hi + bad) // 2
            active = hi - bad > 1
            g, _ = evaluate(np.where(active, mid, hi), flat_c)
            hi = np.where(active & g, mid, hi)
            bad = np.where(active & ~g, mid, bad)
        result.ravel()[idx] = hi
    metrics = queue_metrics(
        c,
        h,
        result,
        interval_seconds=interval,
        answer_within=target.answer_within,
        patience=pat,
        allow_overload=True,
    )
    return RequiredAgents(agents=result, metrics=metrics)


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
