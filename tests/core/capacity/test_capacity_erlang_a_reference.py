"""Erlang A against a 40-digit reference, where double precision is hardest to keep.

The reference is built independently of the code under test: P(wait) and P(abandon) from the
birth-death chain of M/M/n+M summed term by term, the service level from the closed form in the
scaled gamma series S(b, y) = sum_k y^k / ((b+1)…(b+k)), all in mpmath. Long patience and large
centres (a = n·mu/theta in the millions) are where a double-precision incomplete gamma function
loses about 1e-6 of log S and 1 - P(answered | delayed) loses the abandonment rate's digits.
"""

from __future__ import annotations

import mpmath as mp
import pytest

from soms.core.capacity.queueing import erlang_a_metrics

HALF_HOUR = 1800.0
ANSWER_WITHIN = 20.0
mp.mp.dps = 40
_EPS = mp.mpf(10) ** -36


def _series(b: mp.mpf, y: mp.mpf) -> tuple[mp.mpf, mp.mpf]:
    """S(b, y) and sum_k k·t_k, with t_k the terms of S (positive, so no cancellation)."""
    total, moment, term, k = mp.mpf(1), mp.mpf(0), mp.mpf(1), 0
    while True:
        k += 1
        term = term * y / (b + k)
        total += term
        moment += k * term
        if b + k > y and term < _EPS * total and k * term < _EPS * moment:
            return total, moment


def reference(calls: float, aht: float, n: int, patience: float) -> dict[str, float]:
    lam = mp.mpf(calls) / HALF_HOUR
    mu, theta = 1 / mp.mpf(aht), 1 / mp.mpf(patience)
    load = lam / mu
    # States below n relative to state n: sum_{i=1..n} n!/(n-i)! / load^i.
    below, term = mp.mpf(0), mp.mpf(1)
    for i in range(1, n + 1):
        term = term * (n - i + 1) / load
        below += term
        if term < _EPS * below:
            break
    a, x = n * mu / theta, lam / theta
    s0, queued = _series(a, x)
    z = theta * ANSWER_WITHIN
    s1, _ = _series(a + 1, x)
    s1_late, _ = _series(a + 1, x * mp.exp(-z))
    served = a / (a + 1) * s1 / s0
    late = a / (a + 1) * mp.exp(-(a + 1) * z + x * (1 - mp.exp(-z))) * s1_late / s0
    p_wait = s0 / (below + s0)
    p_abandon = queued / x / (below + s0)
    sl = (1 - p_wait) + p_wait * (served - late)
    return {
        "p_wait": float(p_wait),
        "p_abandon": float(p_abandon),
        "service_level_offered": float(sl),
        "service_level_answered": float(sl / (1 - p_abandon)),
    }


CASES = [
    # The case that first showed the loss: a very large queue with patience of 14 hours.
    (110_726, 18.0, 1_114, 51_466.0),
    (110_726, 18.0, 1_108, 51_466.0),
    (110_726, 18.0, 1_130, 51_466.0),
    (110_726, 18.0, 1_114, 3_600.0),
    (50_000, 60.0, 1_690, 7_200.0),
    (20_000, 120.0, 1_340, 200_000.0),
    (5_000, 300.0, 850, 7_200.0),
    # Ordinary centres and short patience, where the old form was already right.
    (100, 180.0, 12, 120.0),
    (100, 180.0, 5, 30.0),
    (400, 300.0, 60, 90.0),
    (400, 300.0, 80, 3_600.0),
    (10, 600.0, 1, 20.0),
    # Overloaded: fewer agents than the offered load, held stable by people hanging up.
    (1_000, 300.0, 120, 600.0),
]


@pytest.mark.parametrize(("calls", "aht", "agents", "patience"), CASES)
def test_erlang_a_matches_high_precision_reference(
    calls: float, aht: float, agents: int, patience: float
) -> None:
    ref = reference(calls, aht, agents, patience)
    m = erlang_a_metrics(
        calls, aht, agents, interval_seconds=HALF_HOUR, answer_within=ANSWER_WITHIN, patience=patience
    )
    for name, expected in ref.items():
        got = float(getattr(m, "p_abandon" if name == "p_abandon" else name))
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-300), (name, got, expected)
