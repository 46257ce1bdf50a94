import numpy as np
import pytest

from soms.core.capacity.errors import CapacityInputError
from soms.core.capacity.queueing import erlang_a_metrics, erlang_c_metrics
from soms.core.capacity.simulation import (
    _busy_time_in,
    _handle_times,
    compare_with_formula,
    simulate_day,
    simulate_mmc,
)

HALF_HOUR = 1800.0
LAM, MU = 100 / HALF_HOUR, 1 / 180


def within(value: float, est, slack: float) -> bool:  # type: ignore[no-untyped-def]
    return est.low - slack <= value <= est.high + slack


def test_mmc_matches_erlang_c() -> None:
    sim = simulate_mmc(LAM, MU, 14, n_customers=300_000, seed=11, answer_within=20)
    ref = erlang_c_metrics(100, 180, 14, interval_seconds=HALF_HOUR, answer_within=20)
    assert within(float(ref.service_level_offered), sim.service_level_offered, 0.002)
    assert within(float(ref.asa), sim.asa, 0.2)
    assert within(float(ref.p_wait), sim.p_wait, 0.002)
    assert within(float(ref.occupancy), sim.occupancy, 0.002)
    assert sim.abandonment.mean == 0.0


@pytest.mark.parametrize(("agents", "patience"), [(12, 120.0), (9, 300.0), (15, 60.0)])
def test_mmc_with_patience_matches_erlang_a(agents: int, patience: float) -> None:
    sim = simulate_mmc(LAM, MU, agents, patience=patience, n_customers=300_000, seed=agents, answer_within=20)
    ref = erlang_a_metrics(100, 180, agents, interval_seconds=HALF_HOUR, answer_within=20, patience=patience)
    assert within(float(ref.service_level_offered), sim.service_level_offered, 0.002)
    assert within(float(ref.service_level_answered), sim.service_level_answered, 0.002)
    assert within(float(ref.asa), sim.asa, 0.2)
    assert within(float(ref.p_abandon), sim.abandonment, 0.002)
    assert within(float(ref.p_wait), sim.p_wait, 0.002)
    assert within(float(ref.occupancy), sim.occupancy, 0.002)


def test_mmc_is_reproducible() -> None:
    a = simulate_mmc(LAM, MU, 12, patience=100, n_customers=20_000, seed=3)
    b = simulate_mmc(LAM, MU, 12, patience=100, n_customers=20_000, seed=3)
    assert a == b


def test_steady_day_matches_formula_per_interval() -> None:
    calls = np.full(12, 100.0)
    agents = np.full(12, 14)
    day = simulate_day(calls, agents, interval_seconds=HALF_HOUR, aht=180, replications=40, seed=5)
    # The first interval starts with an empty queue, so it is better than steady state.
    flags = [f for f in compare_with_formula(calls, agents, day, aht=180) if f.interval > 0]
    assert flags == []
    ref = erlang_c_metrics(100, 180, 14, interval_seconds=HALF_HOUR, answer_within=20)
    assert within(float(ref.service_level_offered), day.overall["service_level_offered"], 0.01)


def test_backlog_carries_over_when_nobody_is_on() -> None:
    calls = np.array([60.0, 60.0, 0.0])
    agents = np.array([10, 0, 10])
    day = simulate_day(calls, agents, interval_seconds=HALF_HOUR, aht=180, replications=10, seed=1)
    # Callers who ring while nobody is on wait for the next shift (15 min on average) and then
    # for the ~60 calls ahead to be cleared by 10 agents (the first 10 start at once): ~21 min.
    asa = day.per_interval["asa"][1]
    assert 1100 < asa.mean < 1450
    assert day.per_interval["abandonment"][1].mean == 0.0
    assert day.per_interval["occupancy"][1].mean == 0.0
    assert day.per_interval["occupancy"][2].mean > 0.1  # the backlog is worked in interval 2
    assert day.per_interval["service_level_offered"][2].mean == 1.0  # no callers: perfect by definition
    flags = compare_with_formula(calls, agents, day, aht=180)
    assert any(f.interval == 2 and f.metric == "occupancy" for f in flags)


def test_impatient_callers_leave_an_empty_interval() -> None:
    calls = np.array([60.0, 60.0])
    agents = np.array([0, 10])
    day = simulate_day(
        calls, agents, interval_seconds=HALF_HOUR, aht=180, patience=60, replications=10, seed=2
    )
    assert day.per_interval["abandonment"][0].mean > 0.9


def test_deterministic_handle_time_beats_erlang_c_and_is_flagged() -> None:
    calls = np.full(6, 100.0)
    agents = np.full(6, 11)
    day = simulate_day(
        calls,
        agents,
        interval_seconds=HALF_HOUR,
        aht=180,
        handle_time_distribution="deterministic",
        replications=40,
        seed=8,
    )
    flags = compare_with_formula(calls, agents, day, aht=180)
    sl_flags = [f for f in flags if f.metric == "service_level_offered"]
    assert sl_flags and all(f.formula < f.simulated.low for f in sl_flags)


def test_lognormal_handle_time_has_the_requested_mean_and_cv() -> None:
    rng = np.random.default_rng(0)
    x = _handle_times(rng, np.full(200_000, 300.0), "lognormal", 0.5)
    assert x.mean() == pytest.approx(300, rel=0.01)
    assert x.std() / x.mean() == pytest.approx(0.5, rel=0.02)


def test_busy_time_is_split_across_intervals() -> None:
    busy = _busy_time_in(np.array([0.0, 50.0]), np.array([150.0, 60.0]), np.array([0.0, 100.0, 200.0]))
    assert busy.tolist() == [110.0, 50.0]


def test_day_results_are_json_ready() -> None:
    import json

    day = simulate_day([0.0, 5.0], [0, 2], interval_seconds=HALF_HOUR, aht=180, replications=3, seed=0)
    json.dumps(day.to_dict(), allow_nan=False)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"calls": [-1.0]}, "calls"),
        ({"agents": [1, 2]}, "agents"),
        ({"agents": [-1]}, "agents"),
        ({"aht": 0}, "aht"),
        ({"replications": 1}, "replications"),
        ({"patience": -3.0}, "patience"),
        ({"handle_time_distribution": "gamma"}, "handle_time_distribution"),
        ({"handle_time_distribution": "lognormal", "handle_time_cv": 0.0}, "handle_time_cv"),
    ],
)
def test_day_input_errors(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "calls": [10.0],
        "agents": [2],
        "interval_seconds": HALF_HOUR,
        "aht": 180,
        "replications": 3,
    }
    args.update(kwargs)
    with pytest.raises(CapacityInputError) as e:
        simulate_day(args.pop("calls"), args.pop("agents"), **args)  # type: ignore[arg-type]
    assert e.value.field == field


def test_callers_waiting_when_the_day_closes_are_unanswered_not_abandoned() -> None:
    # Nobody is on in the last interval and nobody has a patience: the callers of that interval
    # (and any queue left from the one before) wait for an agent who never comes. They did not
    # hang up, so they are "unanswered at close" and the abandonment rate stays zero.
    calls = np.array([60.0, 60.0])
    agents = np.array([10, 0])
    day = simulate_day(calls, agents, interval_seconds=HALF_HOUR, aht=180, replications=10, seed=4)
    assert day.per_interval["abandonment"][1].mean == 0.0
    assert day.overall["abandonment"].mean == 0.0
    assert day.per_interval["unanswered_at_close"][1].mean == 1.0
    assert 0.4 < day.overall["unanswered_at_close"].mean < 0.6
    assert day.per_interval["unanswered_at_close"][0].mean == 0.0
    # With a patience they do hang up, and nobody is left unanswered at close.
    impatient = simulate_day(
        calls, agents, interval_seconds=HALF_HOUR, aht=180, patience=120, replications=10, seed=4
    )
    assert impatient.per_interval["abandonment"][1].mean == 1.0
    assert impatient.overall["unanswered_at_close"].mean == 0.0
