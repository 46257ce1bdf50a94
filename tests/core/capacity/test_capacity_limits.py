"""Bounds on every count a caller controls: refused as input errors before anything is sized from them.

Found by fuzzing the API. Each case is cheap on purpose: the inputs are small, only their values
are extreme, so the old code failed fast (a wrong answer, a wrapped count, an exception that is not
an input error) rather than being allowed to allocate what it asked for.
"""

import heapq
import math
import tracemalloc
from datetime import datetime, timedelta

import numpy as np
import pytest

from soms.core.capacity.demand import DemandCsvError, parse_demand_csv
from soms.core.capacity.errors import CapacityInputError
from soms.core.capacity.forecast import seasonal_average_forecast
from soms.core.capacity.limits import MAX_AGENTS, MAX_INTERVALS
from soms.core.capacity.queueing import (
    StaffingTarget,
    erlang_c_metrics,
    fte_after_shrinkage,
    required_agents,
)
from soms.core.capacity.sample import series_to_csv, synthetic_series
from soms.core.capacity.simulation import _fcfs_with_staffing, simulate_day

MONDAY = datetime(2026, 1, 5)


def week_of_half_hours() -> str:
    return series_to_csv(synthetic_series(MONDAY, days=7, seed=3))


def only_issue(text: str) -> tuple[int, str, str]:
    with pytest.raises(DemandCsvError) as err:
        parse_demand_csv(text)
    assert len(err.value.issues) == 1, err.value.issues
    issue = err.value.issues[0]
    return issue.row, issue.column, issue.reason


# ---- demand files ----------------------------------------------------------------------------


def test_a_stray_far_future_row_is_a_csv_problem_not_an_allocation() -> None:
    week = week_of_half_hours()
    lines = week.count("\n")  # header plus 336 rows, so the stray row is the next line
    row, column, reason = only_issue(week + "2100-01-05T00:00:00,10,300\n")
    assert (row, column) == (lines + 1, "timestamp")
    assert "at most 100,000 intervals of 30 minutes" in reason and "2026-01-05T00:00:00 (line 2)" in reason


def test_the_span_limit_is_counted_from_the_first_timestamp() -> None:
    last_allowed = MONDAY + (MAX_INTERVALS - 1) * timedelta(minutes=30)
    ok = parse_demand_csv(
        f"timestamp,arrivals\n{MONDAY.isoformat()},1\n{(MONDAY + timedelta(minutes=30)).isoformat()},1\n"
        f"{last_allowed.isoformat()},1\n"
    )
    assert len(ok.arrivals) == MAX_INTERVALS
    row, _, _ = only_issue(
        f"timestamp,arrivals\n{MONDAY.isoformat()},1\n{(MONDAY + timedelta(minutes=30)).isoformat()},1\n"
        f"{(last_allowed + timedelta(minutes=30)).isoformat()},1\n"
    )
    assert row == 4


def test_a_series_at_the_end_of_the_calendar_is_refused() -> None:
    row, column, reason = only_issue("timestamp,arrivals\n9999-12-31T23:00,1\n9999-12-31T23:30,2\n")
    assert (row, column) == (3, "timestamp") and "end of the calendar" in reason


@pytest.mark.parametrize(
    ("cell", "column"),
    [("1e300,300", "arrivals"), ("1000001,300", "arrivals"), ("10,1e300", "handle_time")],
)
def test_counts_and_handle_times_in_a_row_are_bounded(cell: str, column: str) -> None:
    row, col, _ = only_issue(
        f"timestamp,arrivals,handle_time\n2026-01-05T00:00,1,300\n2026-01-05T00:30,{cell}\n"
    )
    assert (row, col) == (3, column)


def test_the_forecast_horizon_is_bounded() -> None:
    series = parse_demand_csv(week_of_half_hours())
    with pytest.raises(CapacityInputError) as err:
        seasonal_average_forecast(series, MAX_INTERVALS + 1)
    assert err.value.field == "horizon" and "100,000" in err.value.reason


# ---- staffing --------------------------------------------------------------------------------


def test_a_tiny_occupancy_cap_is_named_instead_of_wrapping_the_count() -> None:
    # 999 Erlangs at a 1e-16 cap is 10**19 agents, which once wrapped past int64 into a negative
    # count (and "agents: cannot be negative").
    target = StaffingTarget(0.8, 20, max_occupancy=1e-16)
    with pytest.raises(CapacityInputError) as err:
        required_agents(999, 1800, interval_seconds=1800, target=target)
    assert err.value.field == "max_occupancy" and "raise the cap" in err.value.reason


def test_a_load_beyond_the_agent_limit_is_refused_for_erlang_a_too() -> None:
    with pytest.raises(CapacityInputError) as err:
        required_agents(1e7, 86_400, interval_seconds=60, target=StaffingTarget(0.8, 20), patience=60)
    assert err.value.field == "calls" and f"{MAX_AGENTS:,}" in err.value.reason


def test_the_search_stops_at_the_agent_limit() -> None:
    # Below the limit in load, but the target needs a few thousand agents more than that.
    target = StaffingTarget(0.999, 0)
    for patience in (None, 86_400.0):
        with pytest.raises(CapacityInputError) as err:
            required_agents(1e6, 1799, interval_seconds=1800, target=target, patience=patience)
        assert err.value.field == "calls"


def test_fte_that_does_not_fit_is_an_input_error() -> None:
    with pytest.raises(CapacityInputError) as err:
        fte_after_shrinkage(1_000_000, "0.99999999999999999999999")
    assert err.value.field == "shrinkage"


@pytest.mark.parametrize("agents", [2**62, 9.0e18, 2**70])
def test_given_agent_counts_are_bounded(agents: object) -> None:
    with pytest.raises(CapacityInputError) as err:
        erlang_c_metrics(10, 180, [agents], interval_seconds=1800, answer_within=20)
    assert err.value.field == "agents"


# ---- simulation ------------------------------------------------------------------------------


@pytest.mark.parametrize("agents", [2**63 - 1, 10**20])
def test_simulated_agents_are_bounded(agents: int) -> None:
    with pytest.raises(CapacityInputError) as err:
        simulate_day([10], [agents], interval_seconds=1800, aht=300, replications=2)
    assert err.value.field == "agents"


def test_simulation_memory_follows_the_calls_not_the_staffing() -> None:
    tracemalloc.start()
    try:
        simulate_day([3, 3], [MAX_AGENTS, MAX_AGENTS], interval_seconds=1800, aht=300, replications=2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A heap entry per agent would be 8 MB for each replication.
    assert peak < 1_000_000


def _reference_fcfs(
    arrivals: list[float],
    interval_of: list[int],
    service: list[float],
    patience: list[float],
    staff: list[int],
    bounds: list[float],
) -> list[float]:
    """The simulation loop as it was before the heap was capped: one entry per agent."""
    heap: list[float] = [bounds[0]] * staff[0]
    edges = [*bounds[1:], math.inf]
    applied, last, starts = 0, len(staff) - 1, []

    def change(k: int) -> None:
        nonlocal heap
        want, have = staff[k], len(heap)
        if want > have:
            for _ in range(want - have):
                heapq.heappush(heap, bounds[k])
        elif want < have:
            heap = heapq.nsmallest(want, heap)

    for a, k, s, p in zip(arrivals, interval_of, service, patience, strict=True):
        while applied < k:
            applied += 1
            change(applied)
        while True:
            f = heap[0] if heap else math.inf
            if f <= edges[applied] or applied == last:
                break
            applied += 1
            change(applied)
        if f <= a:
            heapq.heapreplace(heap, a + s)
            starts.append(a)
        elif f == math.inf and p == math.inf:
            starts.append(math.nan)  # no agent left and no patience: unanswered at close
        elif f - a > p:
            starts.append(math.inf)
        else:
            heapq.heapreplace(heap, f + s)
            starts.append(f)
    return starts


@pytest.mark.parametrize("seed", range(40))
def test_capped_heap_gives_exactly_the_start_times_of_one_entry_per_agent(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_int, length = int(rng.integers(1, 7)), 100.0
    # Staffing that jumps between none, few and far more agents than callers, in any order.
    staff = rng.choice([0, 1, 2, 3, 5, 40, 200], size=n_int).tolist()
    counts = rng.poisson(rng.uniform(0.5, 12.0), n_int)
    k = np.repeat(np.arange(n_int), counts)
    arr = np.sort(k * length + rng.uniform(0, length, k.size))
    service = rng.exponential(rng.uniform(20, 300), k.size)
    patience = rng.exponential(60.0, k.size) if seed % 2 else np.full(k.size, math.inf)
    bounds = (np.arange(n_int) * length).tolist()
    args = (arr.tolist(), k.tolist(), service.tolist(), patience.tolist(), staff, bounds)
    got, want = _fcfs_with_staffing(*args), _reference_fcfs(*args)
    assert np.array_equal(np.asarray(got, dtype=float), np.asarray(want, dtype=float), equal_nan=True)
