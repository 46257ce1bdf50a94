"""Erlang A staffing: the window scan names the same count as exact evaluations alone.

The search scans a window of counts on one set of nodes and reports the scanned figures where
every limit is met with room to spare. These tests hold it to the exact evaluation
(``erlang_a_metrics``): the count found meets the target, one agent fewer does not, and the
figures reported equal the exact ones at that count. The configurations run from five seconds
of patience to fourteen hours, handle times of 18 s to 15 min, loads from a fraction of an
Erlang to thousands, both service-level definitions, and ASA and abandonment limits.
"""

from __future__ import annotations

import numpy as np
import pytest

from soms.core.capacity.queueing import QueueMetrics, StaffingTarget, erlang_a_metrics, required_agents

HALF_HOUR = 1800.0
FIGURES = (
    "p_wait",
    "p_abandon",
    "service_level_offered",
    "service_level_answered",
    "asa",
    "average_wait",
    "occupancy",
)


def meets(m: QueueMetrics, t: StaffingTarget) -> np.ndarray:
    level = m.service_level_offered if t.definition == "offered" else m.service_level_answered
    ok = m.occupancy <= t.max_occupancy + 1e-12
    if t.service_level is not None:
        ok &= level >= t.service_level - 1e-12
    if t.max_asa is not None:
        ok &= m.asa <= t.max_asa
    if t.max_abandonment is not None:
        ok &= m.p_abandon <= t.max_abandonment
    return np.asarray(ok)


def check(calls: np.ndarray, aht: np.ndarray, patience: np.ndarray, target: StaffingTarget) -> None:
    r = required_agents(calls, aht, interval_seconds=HALF_HOUR, target=target, patience=patience)
    kw = {"interval_seconds": HALF_HOUR, "answer_within": target.answer_within, "patience": patience}
    at = erlang_a_metrics(calls, aht, r.agents, **kw)
    below = erlang_a_metrics(calls, aht, np.maximum(r.agents - 1, 0), **kw)
    busy = calls > 0
    assert np.all(meets(at, target)[busy]), "a count found does not meet the target"
    fewer = ~meets(below, target) | (r.agents == 0)
    assert np.all(fewer[busy]), np.flatnonzero(~fewer & busy)
    for name in FIGURES:
        got, exact = getattr(r.metrics, name), getattr(at, name)
        np.testing.assert_allclose(got, exact, rtol=1e-11, atol=1e-14, err_msg=name)


def random_configs(seed: int, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    aht = np.exp(rng.uniform(np.log(18.0), np.log(900.0), size))
    erlangs = np.exp(rng.uniform(np.log(0.05), np.log(3000.0), size))
    calls = np.round(erlangs * HALF_HOUR / aht) + 1.0
    patience = np.exp(rng.uniform(np.log(5.0), np.log(51_466.0), size))
    return calls, aht, patience


TARGETS = {
    "80 % in 20 s, offered, occupancy 85 %": StaffingTarget(0.8, 20.0, max_occupancy=0.85),
    "90 % in 10 s, answered": StaffingTarget(0.9, 10.0, definition="answered"),
    "70 % in 60 s, offered": StaffingTarget(0.7, 60.0),
    "95 % in 300 s, offered": StaffingTarget(0.95, 300.0),
    "ASA 15 s and 3 % abandonment": StaffingTarget(None, 20.0, max_asa=15.0, max_abandonment=0.03),
    "80 % in 20 s, ASA 30 s, abandonment 5 %, occupancy 90 %": StaffingTarget(
        0.8, 20.0, max_occupancy=0.9, max_asa=30.0, max_abandonment=0.05
    ),
}


@pytest.mark.parametrize("name", TARGETS)
def test_counts_are_minimal_and_figures_exact_across_configurations(name: str) -> None:
    calls, aht, patience = random_configs(sum(map(ord, name)), 400)
    check(calls, aht, patience, TARGETS[name])


def test_the_bench_centre_and_its_neighbours() -> None:
    calls = np.arange(100.0, 800.0, 3.0)
    for patience in (30.0, 120.0, 600.0):
        check(calls, np.full(calls.size, 300.0), np.full(calls.size, patience), TARGETS[next(iter(TARGETS))])


def test_very_large_centre_with_long_patience() -> None:
    # The case of the stable-form fix: 110,726 calls per half hour, AHT 18 s, patience 14 h.
    calls = np.array([110_726.0, 50_000.0, 20_000.0, 5_000.0])
    aht = np.array([18.0, 60.0, 120.0, 300.0])
    patience = np.array([51_466.0, 7_200.0, 200_000.0, 7_200.0])
    for target in TARGETS.values():
        check(calls, aht, patience, target)


def test_tiny_loads_and_short_patience() -> None:
    calls = np.array([1.0, 2.0, 5.0, 10.0, 30.0])
    for patience in (5.0, 20.0):
        for target in TARGETS.values():
            check(calls, np.full(calls.size, 600.0), np.full(calls.size, patience), target)
